"""braindecode's Sleep-EDF pipeline on local PSG/hypnogram pairs: the user's alternative to our converter.

What `braindecode.datasets.SleepPhysionet` does after its download (its own `_load_raw`: EEG channels
only, 30 min of wake kept around the sleep period), then the sleep tutorial's steps: pick Fpz-Cz, scale
to µV, and `create_windows_from_events` into 30-s windows with the 5-stage mapping, preloaded (the
windows' data in memory, as a training run uses them). Prints `{"seconds", "recorded_hours", "n_windows"}`.
Usage: convert_braindecode.py PSG HYPNOGRAM [PSG HYPNOGRAM ...]
"""

from __future__ import annotations

import argparse
import time

from _peer_common import emit, quiet, set_threads

MAPPING = {
    "Sleep stage W": 0,
    "Sleep stage 1": 1,
    "Sleep stage 2": 2,
    "Sleep stage 3": 3,
    "Sleep stage 4": 3,
    "Sleep stage R": 4,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", help="PSG and hypnogram paths, alternating")
    parser.add_argument("--channel", default="Fpz-Cz", help="channel after braindecode's renaming")
    args = parser.parse_args()
    if len(args.files) % 2:
        parser.error("files must come in PSG/hypnogram pairs")
    quiet()
    set_threads()
    import mne
    import numpy as np
    from braindecode.datasets import BaseConcatDataset, RawDataset
    from braindecode.datasets.sleep_physionet import SleepPhysionet
    from braindecode.preprocessing import Preprocessor, create_windows_from_events, preprocess

    pairs = list(zip(args.files[::2], args.files[1::2], strict=True))
    recorded_hours = sum(mne.io.read_raw_edf(psg).times[-1] + 0.01 for psg, _ in pairs) / 3600
    start = time.perf_counter()
    datasets = []
    for psg, hypnogram in pairs:
        raw, description = SleepPhysionet._load_raw(psg, hypnogram, preload=True, load_eeg_only=True,
                                                    crop_wake_mins=30)
        datasets.append(RawDataset(raw, description))
    dataset = BaseConcatDataset(datasets)
    preprocess(
        dataset,
        [Preprocessor("pick_channels", ch_names=[args.channel]),
         Preprocessor(lambda data: np.multiply(data, 1e6), apply_on_array=True)],
    )
    windows = create_windows_from_events(
        dataset,
        trial_start_offset_samples=0,
        trial_stop_offset_samples=0,
        window_size_samples=3000,
        window_stride_samples=3000,
        preload=True,
        mapping=MAPPING,
    )
    n_windows = len(windows)
    seconds = time.perf_counter() - start
    x, y, _ = windows[n_windows // 2]  # the windows are usable: one read back as a check
    emit(
        {
            "seconds": seconds,
            "recorded_hours": recorded_hours,
            "n_windows": n_windows,
            "window_shape": list(np.shape(x)),
            "n_nights": len(pairs),
        }
    )


if __name__ == "__main__":
    main()
