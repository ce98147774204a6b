"""`make benchmark`: the nightly job and analysts' reads at growing data sizes, per engine."""
