"""Whole-night staging of one EDF recording with YASA's pre-trained LightGBM classifier.

Reads the file with MNE, then runs `yasa.SleepStaging(raw, eeg_name=...).predict()` `--repeats` times.
Prints `{"read_seconds", "model_seconds": [...], "n_epochs", "stages"}`; "model time" is YASA's feature
extraction plus classification (its whole staging step), the first call included only with --repeats 1.
"""

from __future__ import annotations

import argparse
import collections
import time

from _peer_common import emit, quiet, set_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("recording")
    parser.add_argument("--eeg", default="EEG Fpz-Cz")
    parser.add_argument("--eog", default=None)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    quiet()
    set_threads()
    import mne
    import yasa

    start = time.perf_counter()
    picks = [args.eeg] + ([args.eog] if args.eog else [])
    raw = mne.io.read_raw_edf(args.recording, include=picks, preload=True)
    read_seconds = time.perf_counter() - start
    times, hypnogram = [], None
    for _ in range(args.repeats):
        start = time.perf_counter()
        staging = yasa.SleepStaging(raw, eeg_name=args.eeg, eog_name=args.eog)
        hypnogram = staging.predict()
        times.append(time.perf_counter() - start)
    labels = list(hypnogram.hypno) if hasattr(hypnogram, "hypno") else list(hypnogram)
    emit(
        {
            "read_seconds": read_seconds,
            "model_seconds": times,
            "n_epochs": len(labels),
            "stages": dict(collections.Counter(map(str, labels))),
        }
    )


if __name__ == "__main__":
    main()
