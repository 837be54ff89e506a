"""Converts a physioex SeqSleepNet checkpoint into a save_pretrained folder (same as `hf-sleep convert-physioex`).

    python scripts/convert_physioex_checkpoint.py ../shared/pretrained/physioex/seqsleepnet-EEG-L=21-test_acc=0.864.ckpt out/eeg
    python scripts/convert_physioex_checkpoint.py --bundle ../shared/pretrained/physioex   # regenerate the bundle

The conversion itself lives in `hf_sleep/pretrained/convert_physioex.py`.
"""

from __future__ import annotations

import sys

from hf_sleep.cli import main

if __name__ == "__main__":
    sys.exit(main(["convert-physioex", *sys.argv[1:]]))
