"""Benchmarks of hf_sleep against the tools a user would pick instead (`python bench/run_all.py`)."""
