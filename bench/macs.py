"""Multiply-accumulates per epoch against what the CPU delivers, for the convolutional architectures.

`python bench/macs.py [--archs slumbernet dsb_cnn ...] [--threads 2] [--rounds 5] [--batch 64] [--json OUT]` prints, per
architecture, the MACs of one epoch (every aten convolution and matrix product, batch-norm-folded ones
included, plus the products inside `nn.MultiheadAttention`), the encoder's time per epoch as whole-night
inference runs it, and the rate that makes (GMAC/s and % of a float32 1024² matrix product, the CPU's practical
peak). Two settings are timed, interleaved round by round in one process so machine load hits both alike
(median of `--rounds`):

- before: `--batch` (64) epochs per encoder call (`predict_night`'s batch size, what it used for every model);
- after: at most the model's `cpu_embed_batch` (cache-sized calls on CPU), as `predict_night` now does.

`--json OUT` writes the figures and the printed table (`markdown`).

`--threads 1` times with the thread's CPU clock (`time.thread_time`): it ignores the time the process waits for
a core, so it reads the same on a loaded machine. Model time does not depend on the weights: random ones.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

def count_macs(model, epochs) -> int:
    """MACs of one eval-mode forward pass of the encoder over `epochs`.

    `torch.utils.flop_counter` counts convolutions and matrix products at the aten level (so folded
    convolutions count too); `nn.MultiheadAttention`'s fused inference kernel is not among its ops, so each
    attention layer adds in-projection, QK^T, AV and out-projection from a forward hook.
    """
    import torch
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    attention_macs = 0

    def attention(module, inputs, output):
        nonlocal attention_macs
        query, key = inputs[0], inputs[1]
        length, batch = (query.shape[1], query.shape[0]) if module.batch_first else query.shape[:2]
        key_length = key.shape[1] if module.batch_first else key.shape[0]
        attention_macs += batch * module.embed_dim * (3 * length * module.embed_dim + 2 * length * key_length)
        attention_macs += batch * length * module.embed_dim * module.embed_dim

    hooks = [m.register_forward_hook(attention) for m in model.modules() if isinstance(m, nn.MultiheadAttention)]
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model.embed_epochs(epochs)
    for hook in hooks:
        hook.remove()
    return counter.get_total_flops() // 2 + attention_macs


def matmul_gmacs(threads: int, size: int = 1024, rounds: int = 5) -> float:
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm-up
    clock = _clock(threads)
    times = []
    for _ in range(rounds):
        start = clock()
        a @ b
        times.append(clock() - start)
    return size**3 / statistics.median(times) / 1e9


def _clock(threads: int):
    return time.thread_time if threads == 1 else time.perf_counter


def time_settings(model, n_epochs: int, batches: dict[str, int], rounds: int, threads: int) -> dict[str, float]:
    """Median seconds per epoch of `embed_epochs` over `n_epochs` random epochs, for each `{setting: epochs per
    call}`, the settings interleaved in every round (in alternating order)."""
    import torch

    config = model.config
    epochs = torch.randn(n_epochs, config.n_chans, config.n_times, generator=torch.Generator().manual_seed(0)) * 20
    clock = _clock(threads)
    times: dict[str, list[float]] = {name: [] for name in batches}
    with torch.inference_mode():
        for batch in batches.values():  # warm-up: oneDNN builds its kernels per shape
            model.embed_epochs(epochs[:batch])
        for round_index in range(rounds):
            # ABBA order: whichever setting runs first in a round does not always get the same share of the load.
            order = list(batches.items())
            for name, batch in order if round_index % 2 == 0 else reversed(order):
                start = clock()
                for index in range(0, n_epochs, batch):
                    model.embed_epochs(epochs[index : index + batch])
                times[name].append((clock() - start) / n_epochs)
    return {name: statistics.median(values) for name, values in times.items()}


def measure(arch, batch: int, threads: int, rounds: int, peak: float) -> dict:
    """One architecture's MACs per epoch, time per epoch before/after and the rates they make."""
    import torch

    torch.manual_seed(0)
    model = arch.build().eval()
    config = model.config
    macs = count_macs(model, torch.randn(1, config.n_chans, config.n_times))
    after = min(batch, model.cpu_embed_batch or batch)
    # Two calls of the larger setting, one for the heavy SlumberNet.
    n_epochs = 2 * batch if macs < 1e9 else batch
    seconds = time_settings(model, n_epochs, {"before": batch, "after": after}, rounds, threads)
    row = {"model": arch.display_name, "macs_per_epoch": macs, "before_batch": batch, "after_batch": after}
    for name, value in seconds.items():
        rate = macs / value / 1e9
        row.update({f"{name}_ms_per_epoch": 1e3 * value, f"{name}_gmacs": rate, f"{name}_percent_of_matmul": 100 * rate / peak})
    return row


def main(argv: list[str] | None = None) -> dict:
    import torch

    from hf_sleep.registry import ARCHITECTURES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archs", nargs="+", default=["slumbernet", "dsb_cnn", "dsb_cnn_attention"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the median is reported")
    parser.add_argument("--batch", type=int, default=64, help="epochs per encoder call before (default 64)")
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON to OUT")
    args = parser.parse_args(argv)
    unknown = [name for name in args.archs if name not in ARCHITECTURES]
    if unknown:
        parser.error(f"unknown architecture(s) {', '.join(unknown)}; registered: {', '.join(ARCHITECTURES)}")
    torch.set_num_threads(args.threads)
    peak = matmul_gmacs(args.threads)
    clock = "CPU time of the thread" if args.threads == 1 else "wall time"
    lines = [
        f"float32 1024x1024 matrix product: {peak:.1f} GMAC/s on {args.threads} thread(s) ({clock})",
        "",
        f"| Model | MACs per epoch | before: ms per epoch ({args.batch}/call) | GMAC/s | % of matmul "
        "| after: epochs/call | ms per epoch | GMAC/s | % of matmul | speed-up |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    print("\n".join(lines))
    rows = []
    for name in args.archs:
        row = measure(ARCHITECTURES[name], args.batch, args.threads, args.rounds, peak)
        rows.append(row)
        lines.append(
            f"| {row['model']} | {row['macs_per_epoch'] / 1e6:,.1f} M | {row['before_ms_per_epoch']:.2f} | "
            f"{row['before_gmacs']:.1f} | {row['before_percent_of_matmul']:.0f} % | {row['after_batch']} | "
            f"{row['after_ms_per_epoch']:.2f} | {row['after_gmacs']:.1f} | {row['after_percent_of_matmul']:.0f} % | "
            f"{row['before_ms_per_epoch'] / row['after_ms_per_epoch']:.2f}x |"
        )
        print(lines[-1])
    load = os.getloadavg()
    lines += ["", f"Load average during the run: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min); median of {args.rounds} interleaved rounds."]
    print(lines[-1])
    result = {
        "threads": args.threads,
        "clock": "thread_time" if args.threads == 1 else "perf_counter",
        "rounds": args.rounds,
        "matmul_gmacs": peak,
        "load_average": list(load),
        "torch": torch.__version__,
        "architectures": rows,
        "markdown": "\n".join(lines) + "\n",
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
