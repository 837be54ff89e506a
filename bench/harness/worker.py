"""Measurements of hf_sleep run in a fresh process each (`python -m bench.harness.worker COMMAND ...`).

Each command prints one JSON line last. A fresh process per measurement keeps peak-memory figures
honest (nothing left from an earlier section) and pins the thread count before torch starts.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

from bench.harness.common import THREADS


def _setup() -> None:
    warnings.filterwarnings("ignore")
    import mne
    import torch

    mne.set_log_level("ERROR")
    torch.set_num_threads(THREADS)


def _emit(result: dict) -> None:
    print(json.dumps(result), flush=True)


def read_epochs(recording: str, channel: str = "EEG Fpz-Cz", hours: float | None = None):
    """One channel of an EDF as `(n_epochs, 1, 3000)` float32 µV, optionally only the first `hours`."""
    import mne
    import numpy as np

    raw = mne.io.read_raw_edf(recording, include=[channel], preload=True)
    data = raw.get_data(picks=[channel])[0] * 1e6
    n_times = int(round(raw.info["sfreq"] * 30))
    n_epochs = len(data) // n_times
    if hours is not None:
        n_epochs = min(n_epochs, int(round(hours * 120)))
    return np.ascontiguousarray(data[: n_epochs * n_times].reshape(n_epochs, 1, n_times), dtype=np.float32)


def cmd_infer(args: argparse.Namespace) -> None:
    """Model time of `predict_night` for every architecture on the same epochs (warm-up run excluded)."""
    import numpy as np
    import torch

    from hf_sleep import ARCHITECTURES
    from hf_sleep.staging.inference import predict_night

    eeg_epochs = read_epochs(args.recording, hours=args.hours)
    recorded_seconds = len(eeg_epochs) * 30.0
    names = args.archs or list(ARCHITECTURES)
    results = {}
    for name in names:
        arch = ARCHITECTURES[name]
        torch.manual_seed(0)
        model = arch.build().eval()
        config = model.config
        if (config.n_chans, config.n_times) == eeg_epochs.shape[1:]:
            epochs = eeg_epochs
        else:
            # Another signal shape (SlumberNet: EEG + EMG, 4-s epochs at 64 Hz): the same recorded duration
            # in its own shape; model time does not depend on the values.
            n_epochs = int(recorded_seconds // config.epoch_seconds)
            rng = np.random.default_rng(0)
            epochs = rng.normal(0.0, 20.0, (n_epochs, config.n_chans, config.n_times)).astype(np.float32)
        # Warm-up on a short stretch (first-call allocations and kernel selection), which also estimates the
        # time per epoch: a model too slow for whole nights at this size (SlumberNet's ResNet on 4-s epochs) is
        # then timed on a stretch that takes about 10 s, and reported per hour all the same.
        warm = epochs[: max(32, 2 * config.seq_len)]
        start = time.perf_counter()
        predict_night(model, warm)
        warmup = time.perf_counter() - start
        seconds_per_epoch = warmup / len(warm)
        if seconds_per_epoch * len(epochs) > 30.0:
            epochs = epochs[: max(int(10.0 / seconds_per_epoch), 1)]
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            prediction = predict_night(model, epochs)
            times.append(time.perf_counter() - start)
        results[name] = {
            "display_name": arch.display_name,
            "parameters": sum(p.numel() for p in model.parameters()),
            "seq_len": model.config.seq_len,
            "seconds": times,
            "warmup_seconds": warmup,
            "n_epochs": int(prediction.stages.shape[0]),
            "epoch_seconds": float(config.epoch_seconds),
            "hours": len(epochs) * float(config.epoch_seconds) / 3600,
            "n_chans": int(config.n_chans),
        }
    _emit({"hours": recorded_seconds / 3600, "n_epochs": len(eeg_epochs), "threads": torch.get_num_threads(), "models": results})


def cmd_save_model(args: argparse.Namespace) -> None:
    """A randomly initialised model saved with `save_pretrained` (timing needs the shape, not the weights)."""
    import torch

    from hf_sleep import get_architecture

    torch.manual_seed(0)
    model = get_architecture(args.arch).build()
    model.save_pretrained(args.out)
    _emit({"arch": args.arch, "path": args.out})


def cmd_stage_many(args: argparse.Namespace) -> None:
    """Stages every recording in turn in this one process (peak memory must not grow with their number)."""
    from hf_sleep import get_architecture
    from hf_sleep.staging import stage_recording

    model = get_architecture(args.arch).build().eval()
    per_night, n_epochs = [], 0
    for recording in args.recordings:
        start = time.perf_counter()
        result = stage_recording(recording, model, channels=["EEG Fpz-Cz"], device="cpu")
        per_night.append(time.perf_counter() - start)
        n_epochs += len(result.stages)
    _emit({"n_nights": len(args.recordings), "seconds": per_night, "n_epochs": n_epochs})


def _converter():
    try:
        from hf_sleep.data import convert_sleep_edf
    except ImportError as error:
        raise SystemExit(
            f"hf_sleep.data.convert_sleep_edf is not available in this checkout ({error}); "
            "the conversion benchmark needs the datasets issue's converter"
        ) from None
    return convert_sleep_edf


def cmd_convert(args: argparse.Namespace) -> None:
    """`convert_sleep_edf` on the given PSG/hypnogram files into a fresh folder (no cache hit possible)."""
    convert_sleep_edf = _converter()
    # The libraries are imported before the clock starts, as the braindecode script imports braindecode (and
    # with it MNE, pandas and torch) before its clock: the pipeline column times the conversion itself, the
    # process column includes every import.
    import datasets  # noqa: F401
    import mne

    import hf_sleep.data.conversion  # noqa: F401  - the converter's own modules, as braindecode's are imported
    import hf_sleep.models.sleep_base.feature_extraction_sleep  # noqa: F401

    files = [Path(f) for f in args.files]
    recorded_hours = sum(mne.io.read_raw_edf(f).times[-1] + 0.01 for f in files if f.name.endswith("PSG.edf")) / 3600
    accepted = inspect.signature(convert_sleep_edf).parameters
    with tempfile.TemporaryDirectory(prefix="hf-sleep-bench-convert-") as scratch:
        options = {"channels": ("EEG Fpz-Cz",), "num_proc": 1}
        for name, value in (
            ("output_dir", str(Path(scratch) / "dataset")),
            ("cache_dir", str(Path(scratch) / "cache")),
            ("progress", False),
        ):
            if name in accepted or "options" in accepted:
                options[name] = value
        if "options" in accepted:  # checkouts with ConversionOptions: the writing settings travel in it
            from hf_sleep.data import SLEEP_EDF_OPTIONS

            writing = {name: options.pop(name) for name in list(options) if name != "channels"}
            options["options"] = SLEEP_EDF_OPTIONS.replace(**writing)
        start = time.perf_counter()
        dataset = convert_sleep_edf([str(f) for f in files], **options)
        seconds = time.perf_counter() - start
        n_rows = len(dataset)
        shape = list(__import__("numpy").asarray(dataset[n_rows // 2]["input_values"]).shape)
    _emit({"seconds": seconds, "recorded_hours": recorded_hours, "n_windows": n_rows, "window_shape": shape,
           "n_nights": sum(f.name.endswith("PSG.edf") for f in files)})


def _train_step(model, optimizer, batch, labels) -> None:
    import torch

    optimizer.zero_grad(set_to_none=True)
    model(batch, labels=labels).loss.backward()
    optimizer.step()
    if batch.device.type == "cuda":
        torch.cuda.synchronize()  # time the work, not its queueing


def cmd_train(args: argparse.Namespace) -> None:
    """Training throughput: AdamW steps on random batches, epochs of EEG per second (warm-up excluded)."""
    import torch

    from hf_sleep import ARCHITECTURES

    device = torch.device(args.device)
    results = {}
    for name in args.archs or list(ARCHITECTURES):
        arch = ARCHITECTURES[name]
        torch.manual_seed(0)
        model = arch.build().to(device).train()
        config = model.config
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        batch = torch.randn(args.batch_size, config.seq_len, config.n_chans, config.n_times, device=device) * 20
        labels = torch.randint(0, config.num_labels, (args.batch_size, config.seq_len), device=device)

        _train_step(model, optimizer, batch, labels)  # warm-up: allocations, kernel selection
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            for _ in range(args.steps):
                _train_step(model, optimizer, batch, labels)
            times.append(time.perf_counter() - start)
        results[name] = {
            "display_name": arch.display_name,
            "epochs_per_run": args.steps * args.batch_size * config.seq_len,
            "seconds": times,
            "batch_size": args.batch_size,
            "seq_len": config.seq_len,
        }
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    _emit({"device": name, "threads": torch.get_num_threads(), "models": results})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.harness.worker", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    infer = sub.add_parser("infer")
    infer.add_argument("recording")
    infer.add_argument("--hours", type=float)
    infer.add_argument("--runs", type=int, default=5)
    infer.add_argument("--archs", nargs="*")
    infer.set_defaults(handler=cmd_infer)
    save = sub.add_parser("save-model")
    save.add_argument("--arch", required=True)
    save.add_argument("--out", required=True)
    save.set_defaults(handler=cmd_save_model)
    stage = sub.add_parser("stage-many")
    stage.add_argument("--arch", default="tinysleepnet")
    stage.add_argument("recordings", nargs="+")
    stage.set_defaults(handler=cmd_stage_many)
    convert = sub.add_parser("convert")
    convert.add_argument("files", nargs="+")
    convert.set_defaults(handler=cmd_convert)
    train = sub.add_parser("train")
    train.add_argument("--device", default="cpu")
    train.add_argument("--batch-size", type=int, default=4)
    train.add_argument("--steps", type=int, default=2)
    train.add_argument("--runs", type=int, default=3)
    train.add_argument("--archs", nargs="*")
    train.set_defaults(handler=cmd_train)
    args = parser.parse_args(argv)
    _setup()
    args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
