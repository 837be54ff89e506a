#!/usr/bin/env python
"""Thin wrapper: `python scripts/train.py --help` (also installed as `hf-sleep-train`)."""

import sys

from hf_sleep.training.train import main

if __name__ == "__main__":
    sys.exit(main())
