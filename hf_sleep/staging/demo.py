"""`hf-sleep demo`: stage a generated night with the trained default model, then a tour of every architecture.

First, a generated night (Sleep-EDF layout, EDF) is staged by the bundled trained model exactly as
`hf-sleep stage night.edf` would (hypnogram CSV, EDF+, PNG and statistics written), and its agreement with the
generated hypnogram is printed (generated data: a smoke test, not an accuracy). Then every architecture is built
with random weights and stages a short generated stretch in its own signal shape: human nights (30-s epochs,
EEG/EOG/EMG derivations) for the AASM models, a mouse recording (EEG + EMG, 4-s epochs) for SlumberNet. Random
weights: those stage counts show the pipeline runs, not that it stages well.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from hf_sleep.console import add_command, add_flag

RODENT_STAGES = {"Wake", "NREM", "REM"}


def _demo_channels(n_chans: int) -> list[str]:
    """Generator channel names for a model of `n_chans` channels: the Sleep-EDF montage in order (EEG, EOG, EMG),
    then more EEG."""
    montage = ["EEG Fpz-Cz", "EOG horizontal", "EMG submental"]
    return [montage[index] if index < len(montage) else f"EEG C{index}-M1" for index in range(n_chans)]


def run_demo(hours: float = 1.0, seed: int = 0, architectures: list[str] | None = None) -> dict[str, Counter]:
    """Stages a generated night of `hours` with every registered architecture; returns the stage counts."""
    import torch

    from hf_sleep import ARCHITECTURES, get_architecture
    from hf_sleep.data.synthetic import synthesize_night, synthetic_hypnogram
    from hf_sleep.staging.inference import predict_night

    counts = {}
    names = architectures or list(ARCHITECTURES)
    name_width = max(len(get_architecture(name).display_name) for name in names)  # aligned columns
    print(f"Each architecture on a generated {hours:g}-h stretch (mouse: {hours / 5:g} h), RANDOM weights:")
    for name in names:
        arch = get_architecture(name)
        torch.manual_seed(seed)
        model = arch.build()
        config = model.config
        rodent = set(config.stage_names) == RODENT_STAGES
        species = "mouse" if rodent else "human"
        stages = synthetic_hypnogram(
            hours / 5 if rodent else hours,  # SlumberNet is slow on CPU: a short stretch
            seed=seed, species=species, epoch_seconds=config.epoch_seconds,
            wake_before_hours=0.02 if rodent else 0.25, wake_after_hours=0.02 if rodent else 0.25,
        )
        channels = ["EEG", "EMG"][: config.n_chans] if rodent else _demo_channels(config.n_chans)
        signal = synthesize_night(
            stages, sfreq=config.sfreq, epoch_seconds=config.epoch_seconds, channels=channels,
            seed=seed, species=species,
        )
        epochs = signal.reshape(config.n_chans, len(stages), config.n_times).transpose(1, 0, 2)
        started = time.perf_counter()
        prediction = predict_night(model, epochs)
        seconds = time.perf_counter() - started
        counts[name] = Counter(prediction.stage_labels)
        n_params = sum(p.numel() for p in model.parameters())
        summary = ", ".join(f"{stage} {counts[name].get(stage, 0)}" for stage in prediction.stage_names)
        print(
            f"  {arch.display_name:<{name_width}} {n_params:>11,} parameters  {len(stages):>5} x "
            f"{config.epoch_seconds:g}-s epochs in {seconds:5.2f} s -> {summary}"
        )
    return counts


def stage_demo_night(output_dir: str, hours: float = 8.0, seed: int = 0):
    """Writes a generated night of `hours` into `output_dir`, stages it with the bundled default model; returns the result."""
    from pathlib import Path

    from sklearn.metrics import cohen_kappa_score

    from hf_sleep.pretrained import DEFAULT_MODEL, NAMESPACE
    from hf_sleep.staging.demo_night import demo_hypnogram, make_demo_night
    from hf_sleep.staging.one_night import stage_recording
    from hf_sleep.staging.sleep_stats import format_statistics

    started = time.perf_counter()
    psg = make_demo_night(Path(output_dir) / "night", hours, seed=seed)
    generated = time.perf_counter() - started
    print(f"Staging a generated {hours:g}-h night ({psg}) with the trained default {NAMESPACE}/{DEFAULT_MODEL}:")
    result = stage_recording(psg, output_dir=output_dir, overwrite=True)
    truth = demo_hypnogram(hours, seed)[: result.n_epochs]  # what the night was generated from
    agreement = sum(t == p for t, p in zip(truth, result.stages, strict=True)) / len(truth)
    print(f"  {result.n_epochs} epochs from {', '.join(result.channels)}; model {result.timings['model']:.1f} s "
          f"(night generated in {generated:.1f} s)")
    print("  " + format_statistics(result.statistics).replace("\n", "\n  "))
    print(f"  agreement with the generated hypnogram: {agreement:.1%} of {len(truth)} epochs, Cohen's kappa "
          f"{cohen_kappa_score(truth, result.stages):.2f} (generated signals, not real PSG: a smoke test, not an "
          "accuracy)")
    print(f"  hypnogram: {result.files['plot']}")
    return result


def _handle(args: argparse.Namespace) -> int:
    if args.night_hours > 0:
        stage_demo_night(args.output_dir, hours=args.night_hours, seed=args.seed)
        print()
    run_demo(hours=args.hours, seed=args.seed, architectures=args.architectures)
    return 0


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "demo", __doc__)
    parser.add_argument(
        "--night-hours", type=float, default=8.0,
        help="length of the night staged with the trained default model (default 8; 0 skips it)",
    )
    add_flag(
        parser, "--output-dir", "--out-dir", default="demo_outputs",
        help="where the staged night is written (default demo_outputs)",
    )  # fmt: skip
    parser.add_argument(
        "--hours", type=float, default=0.25, help="sleep period of each architecture's generated stretch (default 0.25)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--architectures", nargs="+", default=None, metavar="NAME", help="only these (default: all registered)"
    )
    parser.set_defaults(handler=_handle)
