"""`make benchmark`: the nightly job and analysts' reads at growing data sizes, per engine.

A benchmark, not a test: it prints figures and asserts nothing. Modules:

- `process`: one child process (generator, job, dbt) with its wall time and memory, started
  through `maxrss_wrapper` so its peak memory is its own;
- `machine`: what the figures were measured on, printed first;
- `engines`: a fresh DuckDB file or a set of prefixed PostgreSQL schemas per scale;
- `build`: the nightly job (or plain `dbt build`) of a checkout, and its run_results.json;
- `reads`: analysts' queries on the views and on table copies of them;
- `results`: every figure, as dataclasses;
- `report`: text, markdown and JSON of the results;
- `run`: the command line and the loop over scales and engines.
"""
