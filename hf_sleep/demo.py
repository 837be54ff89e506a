"""`hf-sleep demo`: build every architecture and stage a generated night with each (random weights).

The night comes from the synthetic-PSG generator, in each model's own signal shape: human nights
(30-s epochs, EEG/EOG/EMG derivations) for the AASM models, a mouse recording (EEG + EMG, 4-s epochs)
for SlumberNet. Weights are random, so the stage counts show the pipeline runs, not that it stages well.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

RODENT_STAGES = {"Wake", "NREM", "REM"}


def _demo_channels(config) -> list[str]:
    """Generator channel names for a config: its own names where they say what they are (`EEG Fpz-Cz`,
    `EOG ...`, `EMG ...`), else the Sleep-EDF montage in order (EEG, EOG, EMG), then more EEG."""
    montage = ["EEG Fpz-Cz", "EOG horizontal", "EMG submental"]
    names = []
    for index, name in enumerate(config.ch_names):
        if name.upper().startswith(("EEG ", "EOG", "EMG")):
            names.append(name)
        else:
            names.append(montage[index] if index < len(montage) else f"EEG C{index}-M1")
    return names


# SlumberNet's ResNet scores 4-s epochs (900 an hour) at a few milliseconds each: a 10-min stretch shows it
# working and keeps the whole demo near a minute.
SHORT_STRETCH_HOURS = {"slumbernet": 1 / 6}


def run_demo(hours: float = 1.0, seed: int = 0, architectures: list[str] | None = None) -> dict[str, Counter]:
    """Stages a generated night of `hours` with every registered architecture; returns the stage counts."""
    import torch

    from hf_sleep import ARCHITECTURES, get_architecture
    from hf_sleep.data.synthetic import synthesize_night, synthetic_hypnogram
    from hf_sleep.inference import predict_night

    counts = {}
    names = architectures or list(ARCHITECTURES)
    print(f"Staging a generated {hours:g}-h night with each architecture (random weights):")
    for name in names:
        arch = get_architecture(name)
        torch.manual_seed(seed)
        model = arch.build()
        config = model.config
        rodent = set(config.stage_names) == RODENT_STAGES
        species = "mouse" if rodent else "human"
        stretch = min(hours, SHORT_STRETCH_HOURS.get(name, hours))
        stages = synthetic_hypnogram(
            stretch, seed=seed, species=species, epoch_seconds=config.epoch_seconds,
            wake_before_hours=min(0.25, stretch / 4), wake_after_hours=min(0.25, stretch / 4),
        )
        channels = ["EEG", "EMG"][: config.n_chans] if rodent else _demo_channels(config)
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
            f"  {arch.display_name:<24} {n_params:>11,} parameters  {len(stages):>5} x "
            f"{config.epoch_seconds:g}-s epochs in {seconds:5.2f} s -> {summary}"
        )
    return counts


def _handle(args: argparse.Namespace) -> int:
    run_demo(hours=args.hours, seed=args.seed, architectures=args.architectures)
    return 0


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="build every architecture and stage a generated night with each")
    parser.add_argument("--hours", type=float, default=1.0, help="sleep period of the generated night (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--architectures", nargs="+", default=None, metavar="NAME", help="only these (default: all registered)"
    )
    parser.set_defaults(handler=_handle)
