#!/usr/bin/env python
"""Thin wrapper: `python scripts/pretrain.py --help` (also installed as `hf-sleep-pretrain`, and `hf-sleep pretrain`)."""

import sys

from hf_sleep.training.pretraining import main

if __name__ == "__main__":
    sys.exit(main())
