"""The six batched augmentations do what they promise, keep shape and dtype, and are reproducible."""

from __future__ import annotations

import pytest
import torch

from hf_sleep.models.dsb_base.augmentations import (
    Compose,
    CutoutResize,
    Permutation,
    RandomBandStopFilter,
    RandomTimeShift,
    RandomZeroMasking,
    TimeWarping,
    default_augmentations,
    time_shift,
)

SFREQ = 100.0


def generator(seed: int = 0, device: str = "cpu") -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def all_augmentations(p: float = 1.0):
    return [
        RandomBandStopFilter(SFREQ, p=p),
        RandomTimeShift(SFREQ, p=p),
        RandomZeroMasking(SFREQ, mask_seconds=(1.0, 3.0), p=p),
        TimeWarping(p=p),
        Permutation(p=p),
        CutoutResize(p=p),
    ]


@pytest.mark.parametrize("augmentation", all_augmentations(), ids=lambda a: type(a).__name__)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_dtype_kept_and_reproducible(augmentation, dtype):
    x = torch.randn(6, 2, 3000, generator=generator(1), dtype=dtype)
    first = augmentation(x, generator(7))
    assert first.shape == x.shape and first.dtype == dtype and torch.isfinite(first).all()
    assert not torch.equal(first, x), "p=1 must change the signal"
    torch.testing.assert_close(augmentation(x, generator(7)), first, rtol=0, atol=0)
    assert not torch.equal(augmentation(x, generator(8)), first)


def test_probability_selects_epochs():
    x = torch.randn(400, 1, 300, generator=generator(1))
    shift = RandomTimeShift(SFREQ, max_shift_seconds=1.0, p=0.5)
    changed = (shift(x, generator(3)) != x).any(dim=-1).squeeze(1).float().mean().item()
    assert 0.4 < changed < 0.6
    untouched = RandomTimeShift(SFREQ, p=0.0)(x, generator(3))
    assert torch.equal(untouched, x)


def test_band_stop_removes_the_band_and_keeps_the_rest():
    t = torch.arange(3000) / SFREQ
    x = (torch.sin(2 * torch.pi * 5 * t) + torch.sin(2 * torch.pi * 12 * t) + torch.sin(2 * torch.pi * 20 * t))
    x = x.expand(4, 1, -1).clone()
    # Lower edge fixed at 11 Hz: the band 11-13 Hz goes, 5 Hz and 20 Hz stay.
    filtered = RandomBandStopFilter(SFREQ, low_range=(11.0, 11.0), band_width=2.0, p=1.0)(x, generator())
    spectrum = torch.fft.rfft(filtered, dim=-1).abs()
    freqs = torch.fft.rfftfreq(3000, 1 / SFREQ)
    original = torch.fft.rfft(x, dim=-1).abs()
    at = {f: int(torch.argmin((freqs - f).abs())) for f in (5, 12, 20)}
    assert spectrum[..., at[12]].max() < 1e-3 * original[..., at[12]].min()
    band = (freqs >= 11) & (freqs <= 13)
    assert spectrum[..., band].max() < 1e-3
    for f in (5, 20):
        torch.testing.assert_close(spectrum[..., at[f]], original[..., at[f]], rtol=1e-4, atol=1e-3)


def test_band_stop_rejects_bands_above_nyquist():
    with pytest.raises(ValueError, match="Nyquist"):
        RandomBandStopFilter(50.0, low_range=(0.5, 30.0))


def test_time_shift_moves_values_without_changing_them():
    x = torch.randn(3, 2, 50, generator=generator(2)) + 10  # no zeros in the signal
    shifted = time_shift(x, torch.tensor([5, -7, 0]))
    torch.testing.assert_close(shifted[0, :, 5:], x[0, :, :-5], rtol=0, atol=0)
    assert (shifted[0, :, :5] == 0).all()
    torch.testing.assert_close(shifted[1, :, :-7], x[1, :, 7:], rtol=0, atol=0)
    assert (shifted[1, :, -7:] == 0).all()
    torch.testing.assert_close(shifted[2], x[2], rtol=0, atol=0)

    out = RandomTimeShift(SFREQ, max_shift_seconds=0.2, p=1.0)(x, generator(4))
    for epoch, original in zip(out, x, strict=True):
        matches = [s for s in range(-20, 21) if torch.equal(epoch, time_shift(original[None], torch.tensor([s]))[0])]
        assert matches, "every epoch is a shifted copy of its input"


def test_zero_masking_zeroes_the_stated_fraction():
    x = torch.randn(8, 2, 3000, generator=generator(3)) + 100  # no zeros in the signal
    masked = RandomZeroMasking(SFREQ, mask_seconds=(7.5, 7.5), p=1.0)(x, generator(5))
    zero = masked == 0
    assert (zero.float().mean(dim=-1) == 0.25).all(), "7.5 s of 30 s = a quarter of every channel"
    assert torch.equal(zero[:, 0], zero[:, 1]), "the same stretch in every channel"
    runs = zero[:, 0].int().diff(dim=-1).abs().sum(dim=-1)
    assert (runs <= 2).all(), "one contiguous stretch"
    assert torch.equal(masked[~zero], x[~zero])


def test_permutation_keeps_the_segments():
    x = torch.arange(4 * 3002, dtype=torch.float32).reshape(4, 1, 3002)
    out = Permutation(n_segments=4, p=1.0)(x, generator(6))
    for epoch, original in zip(out, x, strict=True):
        assert torch.equal(epoch.sort(-1).values, original)
        jumps = (epoch[0].diff() != 1).sum().item()
        assert jumps <= 3, "the output is made of at most 4 contiguous runs"
    assert not torch.equal(out, x)


def test_time_warping_identity_and_monotone_ramp():
    x = torch.randn(4, 1, 3000, generator=generator(8))
    same = TimeWarping(scale_range=(1.0, 1.0), p=1.0)(x, generator())
    torch.testing.assert_close(same, x, rtol=0, atol=1e-5)
    ramp = torch.linspace(0, 1, 3000).expand(16, 1, -1).clone()
    warped = TimeWarping(p=1.0)(ramp, generator(9))
    assert (warped.diff(dim=-1) >= -1e-6).all(), "a warped ramp still rises"
    assert not torch.allclose(warped, ramp, atol=1e-3)


def test_cutout_resize_removes_one_segment():
    ramp = torch.arange(3000, dtype=torch.float32).expand(8, 1, -1).clone()
    out = CutoutResize(n_segments=4, p=1.0)(ramp, generator(10))
    steps = out.diff(dim=-1)
    assert (steps > 0).all(), "what remains keeps its order"
    for epoch in out[:, 0]:
        inside = [int(((epoch > 750 * k + 1) & (epoch < 750 * (k + 1) - 2)).sum()) for k in range(4)]
        assert sorted(inside)[0] <= 2, f"one segment is gone (bar the interpolation across the cut): samples per segment {inside}"
        assert sorted(inside)[1] > 900, "the three others are stretched over the whole epoch (4/3 each)"
    assert torch.allclose(steps.median(dim=-1).values, torch.full((8, 1), 0.75), atol=0.01)


def test_compose_default_is_seeded_and_rejects_bad_input():
    compose = default_augmentations(SFREQ)
    assert isinstance(compose, Compose) and len(compose.augmentations) == 6
    assert all(a.p == 0.5 for a in compose.augmentations)
    x = torch.randn(5, 1, 3000, generator=generator(1))
    torch.testing.assert_close(compose(x, generator(3)), compose(x, generator(3)), rtol=0, atol=0)
    with pytest.raises(ValueError, match="batch, n_chans, n_times"):
        compose(torch.zeros(3000))
    # Low sampling rates cap the band-stop range under the Nyquist frequency.
    assert default_augmentations(20.0).augmentations[0].low_range[1] < 10.0


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_runs_on_gpu_with_a_gpu_generator():
    x = torch.randn(16, 1, 3000, device="cuda")
    out = default_augmentations(SFREQ, p=1.0)(x, generator(0, "cuda"))
    assert out.device.type == "cuda" and out.shape == x.shape
    torch.testing.assert_close(out, default_augmentations(SFREQ, p=1.0)(x, generator(0, "cuda")))
