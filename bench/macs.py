"""Multiply-accumulates per epoch against what the CPU delivers, for the convolutional architectures.

`python bench/macs.py [--archs slumbernet dsb_cnn ...] [--batch 64] [--threads 2]` prints, per architecture,
the MACs of one epoch (convolutions, linear layers and attention products, counted with forward hooks),
the eval-mode model time per epoch, the rate that makes (GMAC/s), and the same for a large float32 matrix
product (the CPU's practical peak), plus the time per epoch with the inference options tried here
(channels-last memory format, larger batches). Model time does not depend on the weights: random ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def count_macs(model, epochs) -> int:
    """MACs of one forward pass over `epochs`: convolutions, linear layers and `torch.matmul`/`bmm` products."""
    import torch
    from torch import nn

    total = 0

    def conv(module, inputs, output):
        nonlocal total
        kernel = module.weight[0].numel()  # in_channels / groups × kernel elements
        total += output.numel() * kernel

    def linear(module, inputs, output):
        nonlocal total
        total += output.numel() * module.in_features

    hooks = []
    for module in model.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d)):
            hooks.append(module.register_forward_hook(conv))
        elif isinstance(module, nn.Linear):
            hooks.append(module.register_forward_hook(linear))
        elif isinstance(module, nn.MultiheadAttention):
            def attention(module, inputs, output):
                nonlocal total
                query, key = inputs[0], inputs[1]
                length, batch = (query.shape[1], query.shape[0]) if module.batch_first else query.shape[:2]
                key_length = key.shape[1] if module.batch_first else key.shape[0]
                # in-projection (counted here: MHA calls F.linear, not its Linear), QK^T, AV, out-projection
                total += batch * module.embed_dim * (3 * length * module.embed_dim + 2 * length * key_length)
                total += batch * length * module.embed_dim * module.embed_dim

            hooks.append(module.register_forward_hook(attention))
    with torch.inference_mode():
        model(epochs)
    for hook in hooks:
        hook.remove()
    return total


def seconds_per_call(function, runs: int = 3) -> float:
    function()  # warm-up
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def matmul_gmacs(size: int = 1024) -> float:
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    return size**3 / seconds_per_call(lambda: a @ b, runs=5) / 1e9


def main(argv: list[str] | None = None) -> None:
    import torch

    from hf_sleep.registry import ARCHITECTURES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archs", nargs="+", default=["slumbernet", "dsb_cnn", "dsb_cnn_attention"])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    peak = matmul_gmacs()
    print(f"float32 1024x1024 matrix product: {peak:.1f} GMAC/s on {args.threads} threads")
    print(
        f"| Model | MACs per epoch | ms per epoch (batch {args.batch}) | GMAC/s | % of matmul | channels-last "
        f"| batch {4 * args.batch} |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in args.archs:
        print(measure(ARCHITECTURES[name], args.batch, peak))


def measure(arch, batch: int, peak: float) -> str:
    """One table row: MACs per epoch, eval time per epoch (plain, channels-last, 4x the batch) and the rate."""
    import torch

    torch.manual_seed(0)
    model = arch.build().eval()
    config = model.config
    epochs = torch.randn(batch, config.n_chans, config.n_times) * 20
    large = torch.randn(4 * batch, config.n_chans, config.n_times) * 20
    macs = count_macs(model, epochs[:1])
    with torch.inference_mode():
        plain = seconds_per_call(lambda: model(epochs)) / batch
        larger = seconds_per_call(lambda: model(large)) / len(large)
        try:
            channels_last = model.to(memory_format=torch.channels_last)
            last = seconds_per_call(lambda: channels_last(epochs)) / batch
        except RuntimeError:  # a 1-D network has no channels-last layout
            last = float("nan")
        model.to(memory_format=torch.contiguous_format)
    rate = macs / plain / 1e9
    return (
        f"| {arch.display_name} | {macs / 1e6:,.1f} M | {1e3 * plain:.2f} | {rate:.1f} | "
        f"{100 * rate / peak:.0f} % | {1e3 * last:.2f} | {1e3 * larger:.2f} |"
    )

if __name__ == "__main__":
    main()
