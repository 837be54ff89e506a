"""The benchmark harness behind `python bench/run_all.py`: one module per section of BENCHMARKS.md."""
