"""`hf-sleep demo`: build every architecture and stage a generated night with each (random weights)."""

from __future__ import annotations

import argparse
from collections import Counter


def run_demo(hours: float = 8.0, seed: int = 0) -> dict[str, Counter]:
    """Stages a synthetic night of `hours` with every registered architecture; returns the stage counts."""
    import numpy as np
    import torch

    from hf_sleep import ARCHITECTURES
    from hf_sleep.inference import predict_night

    n_epochs = int(hours * 120)
    rng = np.random.default_rng(seed)
    counts = {}
    for name, arch in ARCHITECTURES.items():
        torch.manual_seed(seed)
        model = arch.build()
        config = model.config
        # Placeholder night: replaced by the synthetic-PSG generator once hf_sleep.data lands.
        night = rng.normal(0.0, 20.0, size=(n_epochs, config.n_chans, config.n_times)).astype("float32")
        prediction = predict_night(model, night)
        counts[name] = Counter(prediction.stage_labels)
        n_params = sum(p.numel() for p in model.parameters())
        summary = ", ".join(f"{stage} {counts[name].get(stage, 0)}" for stage in prediction.stage_names)
        print(f"{arch.display_name:<14} {n_params:>12,} parameters  {n_epochs} epochs -> {summary}")
    return counts


def _handle(args: argparse.Namespace) -> int:
    run_demo(hours=args.hours, seed=args.seed)
    return 0


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="build every architecture and stage a generated night with each")
    parser.add_argument("--hours", type=float, default=8.0, help="length of the generated night (default 8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(handler=_handle)
