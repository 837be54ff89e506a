#!/usr/bin/env python
"""Thin wrapper: `python scripts/cross_validate.py --help` (also installed as `hf-sleep-cross-validate`)."""

import sys

from hf_sleep.training.cross_validate import main

if __name__ == "__main__":
    sys.exit(main())
