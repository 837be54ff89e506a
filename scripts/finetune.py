#!/usr/bin/env python
"""Thin wrapper: `python scripts/finetune.py --help` (also installed as `hf-sleep-finetune`)."""

import sys

from hf_sleep.training.finetune import main

if __name__ == "__main__":
    sys.exit(main())
