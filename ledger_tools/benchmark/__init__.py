"""`make benchmark`: the nightly job and analysts' reads at growing data sizes, per engine.

A benchmark, not a test: it prints figures and asserts nothing; `run` is the command line.
"""
