"""GPU benchmark: training throughput per architecture and whole-night staging on a CUDA device.

Run on a machine with a CUDA GPU (it refuses to run without one):

    python bench/gpu_bench.py --out bench/results/gpu.json

Training throughput: AdamW steps on random input of each architecture's own signal shape (sequence models
take `seq_len` epochs per sample), in float32 and with bf16 autocast (what `hf-sleep train` picks on a GPU
that supports it); reported as 30-s (or the architecture's own) epochs per second after warm-up.
Whole-night staging: `predict_night` over an 8-h night of random signal on the GPU (model time, the night
already in memory), reported as nights per minute, and, when the data stack is installed, `hf-sleep stage
--device cuda` end to end in a fresh process on a generated 8-h Sleep-EDF night (reading, preprocessing,
model and the four outputs). Speed does not depend on the weights, so random weights are used except for
the bundled default model when the package ships one.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

NIGHT_HOURS = 8.0


DEVICE = "cuda"


def _sync() -> None:
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def _timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        _sync()
        start = time.perf_counter()
        fn()
        _sync()
        times.append(time.perf_counter() - start)
    return times


def training_throughput(arch, batch_epochs: int, steps: int, bf16: bool) -> dict[str, Any]:
    """Epochs per second of forward + backward + AdamW for one architecture."""
    model = arch.build().to(DEVICE).train()
    config = model.config
    seq_len = config.seq_len if getattr(model, "is_sequence_model", False) else 1
    batch = max(1, batch_epochs // seq_len)
    shape = (batch, seq_len, config.n_chans, config.n_times) if seq_len > 1 else (batch, config.n_chans, config.n_times)
    inputs = torch.randn(shape, device=DEVICE)
    labels = torch.randint(0, config.num_labels, shape[: 2 if seq_len > 1 else 1], device=DEVICE)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step() -> None:
        with torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=bf16):
            loss = model(inputs, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(3):
        step()
    seconds = _timed(lambda: [step() for _ in range(steps)], repeats=3)
    best = min(seconds) / steps
    return {
        "batch": list(shape),
        "epochs_per_step": batch * seq_len,
        "seconds_per_step": best,
        "epochs_per_second": batch * seq_len / best,
        "peak_memory_gb": torch.cuda.max_memory_allocated() / 1e9 if DEVICE == "cuda" else None,
    }


def staging_model_time(model, n_epochs: int) -> dict[str, Any]:
    """`predict_night` over `n_epochs` of random signal already on the GPU: seconds and nights per minute."""
    from hf_sleep.staging.inference import predict_night

    config = model.config
    night = torch.randn(n_epochs, config.n_chans, config.n_times, device=DEVICE)
    predict_night(model, night[: min(n_epochs, 64)], batch_size=256)  # warm-up
    seconds = _timed(lambda: predict_night(model, night, batch_size=256), repeats=3)
    return {"epochs": n_epochs, "seconds": min(seconds), "nights_per_minute": 60.0 / min(seconds)}


def stage_end_to_end(model_dir: str | None, architecture: str | None, recording: Path, channels: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out_dir:
        command = [sys.executable, "-m", "hf_sleep.cli", "stage", str(recording), "--output-dir", out_dir,
                   "--device", DEVICE, "--overwrite", "--quiet", "--channels", channels]  # fmt: skip
        if model_dir:
            command += ["--model", model_dir]
        elif architecture:
            command += ["--architecture", architecture]
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            runs.append(time.perf_counter() - start)
            if done.returncode != 0:
                return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    return {"seconds": runs, "best_seconds": min(runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/results/gpu.json", help="JSON file for the results")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per repeat")
    parser.add_argument("--batch-epochs", type=int, default=1024, help="epochs per training batch")
    parser.add_argument("--night-hours", type=float, default=NIGHT_HOURS, help="length of the staged night")
    parser.add_argument("--device", default="cuda", help="cuda; cpu only to check the script itself")
    parser.add_argument("--skip-end-to-end", action="store_true", help="model time only (no data stack)")
    args = parser.parse_args(argv)
    global DEVICE
    DEVICE = args.device
    if DEVICE == "cuda" and not torch.cuda.is_available():
        print("gpu_bench: no CUDA device; run it on a machine with a GPU", file=sys.stderr)
        return 2

    from hf_sleep.registry import ARCHITECTURES

    torch.backends.cudnn.benchmark = True
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "device": torch.cuda.get_device_name(0) if DEVICE == "cuda" else platform.processor() or "cpu",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "training": {},
        "staging_model_time": {},
        "staging_end_to_end": {},
    }
    for name, arch in ARCHITECTURES.items():
        for precision, bf16 in (("fp32", False), ("bf16", True)):
            key = f"{name}/{precision}"
            try:
                if DEVICE == "cuda":
                    torch.cuda.reset_peak_memory_stats()
                result["training"][key] = training_throughput(arch, args.batch_epochs, args.steps, bf16)
            except Exception as error:  # one architecture failing must not hide the others
                result["training"][key] = {"error": f"{type(error).__name__}: {error}"}
            print(key, result["training"][key], flush=True)
        try:
            model = arch.build().to(DEVICE).eval()
            n_epochs = int(args.night_hours * 3600 / model.config.epoch_seconds)
            result["staging_model_time"][name] = staging_model_time(model, n_epochs)
        except Exception as error:
            result["staging_model_time"][name] = {"error": f"{type(error).__name__}: {error}"}
        print(name, "staging", result["staging_model_time"][name], flush=True)

    default_dir = None
    try:
        from transformers import AutoModel

        from hf_sleep.pretrained import pretrained_path

        default_dir = str(pretrained_path())
        model = AutoModel.from_pretrained(default_dir).to(DEVICE).eval()
        result["staging_model_time"]["default (physioex SeqSleepNet)"] = staging_model_time(
            model, int(args.night_hours * 120)
        )
    except Exception as error:
        result["staging_model_time"]["default (physioex SeqSleepNet)"] = {"error": f"{type(error).__name__}: {error}"}
    print("default staging", result["staging_model_time"]["default (physioex SeqSleepNet)"], flush=True)

    if not args.skip_end_to_end:
        try:
            from hf_sleep.data.synthetic import write_sleep_edf_night

            work = Path(tempfile.mkdtemp())
            psg, _ = write_sleep_edf_night(work, hypnogram=None, subject=0, night=1, duration_hours=args.night_hours)
            cases = {"tinysleepnet (random weights)": (None, "tinysleepnet"),
                     "deepsleepnet (random weights)": (None, "deepsleepnet")}  # fmt: skip
            if default_dir:
                cases["default (physioex SeqSleepNet)"] = (default_dir, None)
            for label, (model_dir, architecture) in cases.items():
                result["staging_end_to_end"][label] = stage_end_to_end(model_dir, architecture, psg, "EEG Fpz-Cz")
                print(label, "end to end", result["staging_end_to_end"][label], flush=True)
        except Exception as error:
            result["staging_end_to_end"]["error"] = f"{type(error).__name__}: {error}"

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
