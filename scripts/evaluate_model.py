#!/usr/bin/env python
"""Thin wrapper: `python scripts/evaluate_model.py --help` (also installed as `hf-sleep-evaluate`).

Not called `evaluate.py`: run as a script, that name would shadow the `evaluate` library.
"""

import sys

from hf_sleep.training.evaluation import main

if __name__ == "__main__":
    sys.exit(main())
