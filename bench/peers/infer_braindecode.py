"""Model time of braindecode's sleep-staging networks on `--hours` of single-channel 100-Hz EEG.

Prints `{"models": {name: {"parameters": n, "seconds": [...], "warmup_seconds": s}}, ...}`. The signal
is the same shape as hf_sleep's: 30-s epochs of 3000 samples, one channel, in µV. DeepSleepNet and
AttnSleep (per-epoch networks in braindecode) see batches of epochs; USleep, fully convolutional, sees
the whole stretch as one sequence of epochs, as U-Sleep stages a night.
"""

from __future__ import annotations

import argparse
import time

from _peer_common import emit, quiet, set_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recording", help="EDF whose EEG Fpz-Cz is scored (default: random EEG of --hours)")
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--models", nargs="+", default=["DeepSleepNet", "AttnSleep", "USleep"])
    args = parser.parse_args()
    quiet()
    set_threads()
    import numpy as np
    import torch
    from braindecode import models

    if args.recording:
        import mne

        signal = mne.io.read_raw_edf(args.recording, include=["EEG Fpz-Cz"], preload=True).get_data()[0] * 1e6
        n_epochs = len(signal) // 3000
        epochs = torch.as_tensor(signal[: n_epochs * 3000].reshape(n_epochs, 1, 3000), dtype=torch.float32)
    else:
        n_epochs = int(round(args.hours * 120))
        epochs = torch.as_tensor(np.random.default_rng(0).normal(0, 20, (n_epochs, 1, 3000)), dtype=torch.float32)
    builders = {
        "DeepSleepNet": lambda: models.DeepSleepNet(n_chans=1, sfreq=100, n_times=3000, n_outputs=5),
        "AttnSleep": lambda: models.AttnSleep(n_chans=1, sfreq=100, n_times=3000, n_outputs=5),
        "USleep": lambda: models.USleep(n_chans=1, sfreq=100, n_times=3000, n_outputs=5),
    }

    def per_epoch(model):
        return torch.cat([model(epochs[i : i + args.batch_size]) for i in range(0, n_epochs, args.batch_size)])

    def whole_sequence(model):
        return model(epochs[None])  # (1, n_classes, n_epochs)

    results = {}
    for name in args.models:
        torch.manual_seed(0)
        model = builders[name]().eval()
        run = whole_sequence if name == "USleep" else per_epoch
        times = []
        with torch.inference_mode():
            start = time.perf_counter()
            out = run(model)
            warmup = time.perf_counter() - start
            for _ in range(args.runs):
                start = time.perf_counter()
                run(model)
                times.append(time.perf_counter() - start)
        results[name] = {
            "parameters": sum(p.numel() for p in model.parameters()),
            "seconds": times,
            "warmup_seconds": warmup,
            "output_shape": list(out.shape),
        }
    emit({"hours": n_epochs / 120, "n_epochs": n_epochs, "threads": torch.get_num_threads(), "models": results})


if __name__ == "__main__":
    main()
