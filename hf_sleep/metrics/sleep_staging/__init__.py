"""The sleep-staging `evaluate` module; load it with `evaluate.load(hf_sleep.metrics.SLEEP_STAGING_METRIC_PATH)`."""
