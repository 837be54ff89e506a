"""Writes the shipped `--help` texts of `hf-sleep train | finetune | evaluate | cross-validate`.

Run after changing a training argument or upgrading transformers (tests/training/test_training_help.py
says when the shipped texts no longer match):

    python scripts/write_training_help.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hf_sleep.training.cli import write_shipped_help  # noqa: E402

if __name__ == "__main__":
    for path in write_shipped_help():
        print(f"wrote {path}")
