"""Batched signal augmentations for contrastive pretraining (SleePyCo / DeepSleepBench), in torch.

Each augmentation takes `(batch, n_chans, n_times)` on any device and a `torch.Generator` on the same
device, and is applied independently to each epoch with probability `p`: the whole batch is transformed
at once and the untouched epochs are selected back with `torch.where`, so nothing loops over the batch.

The original code (SleePyCo's `transform.py`, extended by DeepSleepBench) works on one NumPy epoch at a time
with scipy; the differences are documented per class (an FFT band-stop instead of an IIR notch, linear
instead of FFT resampling). Durations are given in seconds and converted with `sfreq`; the defaults are the
original's sample counts at 100 Hz.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = [
    "Compose",
    "CutoutResize",
    "Permutation",
    "RandomBandStopFilter",
    "RandomTimeShift",
    "RandomZeroMasking",
    "SignalAugmentation",
    "TimeWarping",
    "default_augmentations",
]


def _uniform(shape: tuple[int, ...], low: float, high: float, generator: torch.Generator, device) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=generator, device=device)


def _randint(low: int, high: int, shape: tuple[int, ...], generator: torch.Generator, device) -> torch.Tensor:
    """Integers in `[low, high]` (both ends included, as Python's `random.randint`)."""
    return torch.randint(low, high + 1, shape, generator=generator, device=device)


def _gather_time(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """`x[b, c, index[b, t]]` for every channel: `(B, C, T)`, `(B, T_out)` -> `(B, C, T_out)`."""
    return x.gather(-1, index.unsqueeze(1).expand(-1, x.shape[1], -1))


def _segment_bounds(n_times: int, n_segments: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Starts and lengths of `n_segments` equal segments; the last one takes the remainder (as the original)."""
    length = n_times // n_segments
    starts = torch.arange(n_segments, device=device) * length
    lengths = torch.full((n_segments,), length, device=device)
    lengths[-1] = n_times - starts[-1]
    return starts, lengths


class SignalAugmentation:
    """Base class: draws which epochs to transform and keeps the others unchanged.

    Args:
        p: probability that an epoch is transformed.
    """

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p}")
        self.p = p

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Transforms every epoch of the batch; subclasses implement it."""
        raise NotImplementedError

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        if x.ndim != 3:
            raise ValueError(
                f"{type(self).__name__} expects a batch of shape (batch, n_chans, n_times), got {tuple(x.shape)}"
            )
        if generator is None:
            generator = torch.Generator(device=x.device)
            generator.seed()
        elif generator.device != x.device:
            raise ValueError(
                f"{type(self).__name__}: the generator is on {generator.device} but the signal on {x.device}"
            )
        apply = torch.rand(x.shape[0], generator=generator, device=x.device) < self.p
        transformed = self.transform(x, generator).to(x.dtype)
        return torch.where(apply[:, None, None], transformed, x)

    def __repr__(self) -> str:
        fields = ", ".join(f"{key}={value!r}" for key, value in vars(self).items())
        return f"{type(self).__name__}({fields})"


class RandomBandStopFilter(SignalAugmentation):
    """Removes a random frequency band of `band_width` Hz whose lower edge lies in `low_range` Hz.

    The original applies scipy's IIR notch (`iirnotch` centred on the band, Q = centre / width, then
    `lfilter`), which attenuates the band partly and shifts phases. Here every FFT bin inside the band is set
    to zero, a zero-phase band-stop that removes the band completely and runs batched on the GPU.

    Args:
        sfreq: sampling rate in Hz.
        low_range: range of the band's lower edge in Hz (original: 0.5 to 30).
        band_width: width of the removed band in Hz (original: 2).
        p: probability per epoch.
    """

    def __init__(
        self,
        sfreq: float,
        low_range: tuple[float, float] = (0.5, 30.0),
        band_width: float = 2.0,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        if low_range[0] > low_range[1] or low_range[0] < 0 or band_width <= 0:
            raise ValueError(f"RandomBandStopFilter: bad band {low_range} / width {band_width}")
        if low_range[1] + band_width > sfreq / 2:
            raise ValueError(
                f"RandomBandStopFilter: a band up to {low_range[1] + band_width} Hz is above the Nyquist "
                f"frequency of {sfreq} Hz ({sfreq / 2} Hz); lower low_range"
            )
        self.sfreq = sfreq
        self.low_range = tuple(low_range)
        self.band_width = band_width

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        low = _uniform((x.shape[0],), *self.low_range, generator, x.device)
        return band_stop(x, low, low + self.band_width, self.sfreq)


def band_stop(x: torch.Tensor, low: torch.Tensor, high: torch.Tensor, sfreq: float) -> torch.Tensor:
    """Zeroes the FFT bins with `low[b] <= f <= high[b]` Hz of each epoch `b` of `(B, C, T)`."""
    spectrum = torch.fft.rfft(x.float(), dim=-1)
    freqs = torch.fft.rfftfreq(x.shape[-1], d=1.0 / sfreq).to(x.device)
    inside = (freqs[None, :] >= low[:, None]) & (freqs[None, :] <= high[:, None])
    spectrum = spectrum.masked_fill(inside[:, None, :], 0)
    return torch.fft.irfft(spectrum, n=x.shape[-1], dim=-1)


class RandomTimeShift(SignalAugmentation):
    """Shifts the epoch by a random whole number of samples in `[-max_shift, max_shift]`, filling with zeros.

    As scipy's `ndimage.shift(mode="constant", cval=0)` in the original: values are moved, never changed.

    Args:
        sfreq: sampling rate in Hz.
        max_shift_seconds: largest shift (original: 300 samples at 100 Hz = 3 s).
        p: probability per epoch.
    """

    def __init__(self, sfreq: float, max_shift_seconds: float = 3.0, p: float = 0.5) -> None:
        super().__init__(p)
        if max_shift_seconds < 0:
            raise ValueError(f"RandomTimeShift: max_shift_seconds must be >= 0, got {max_shift_seconds}")
        self.sfreq = sfreq
        self.max_shift_seconds = max_shift_seconds

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        max_shift = int(round(self.max_shift_seconds * self.sfreq))
        shift = _randint(-max_shift, max_shift, (x.shape[0],), generator, x.device)
        return time_shift(x, shift)


def time_shift(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """`out[b, :, t] = x[b, :, t - shift[b]]`, zero where `t - shift[b]` falls outside the epoch."""
    n_times = x.shape[-1]
    source = torch.arange(n_times, device=x.device)[None, :] - shift[:, None]
    valid = (source >= 0) & (source < n_times)
    shifted = _gather_time(x, source.clamp(0, n_times - 1))
    return shifted * valid[:, None, :]


class RandomZeroMasking(SignalAugmentation):
    """Sets one random stretch of the epoch to zero, its length drawn in `mask_seconds`.

    Args:
        sfreq: sampling rate in Hz.
        mask_seconds: range of the masked length (original: 0 to 300 samples at 100 Hz = 0 to 3 s).
        p: probability per epoch.
    """

    def __init__(self, sfreq: float, mask_seconds: tuple[float, float] = (0.0, 3.0), p: float = 0.5) -> None:
        super().__init__(p)
        if not 0 <= mask_seconds[0] <= mask_seconds[1]:
            raise ValueError(f"RandomZeroMasking: mask_seconds must be an increasing range >= 0, got {mask_seconds}")
        self.sfreq = sfreq
        self.mask_seconds = tuple(mask_seconds)

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n_times = x.shape[-1]
        low, high = (min(n_times, int(round(s * self.sfreq))) for s in self.mask_seconds)
        length = _randint(low, high, (x.shape[0],), generator, x.device)
        # Start uniform in [0, n_times - length] for each epoch.
        start = (torch.rand(x.shape[0], generator=generator, device=x.device) * (n_times - length + 1)).long()
        t = torch.arange(n_times, device=x.device)[None, :]
        masked = (t >= start[:, None]) & (t < (start + length)[:, None])
        return x.masked_fill(masked[:, None, :], 0)


class TimeWarping(SignalAugmentation):
    """Stretches or compresses each of `n_segments` segments by a random factor, then resamples to the length.

    The original resamples every segment and the result with scipy's FFT `resample`; here the equivalent
    piecewise-linear time map is applied with linear interpolation, batched.

    Args:
        n_segments: number of equal segments (the last takes the remainder).
        scale_range: range of the per-segment stretch factor (original: 0.5 to 2).
        p: probability per epoch.
    """

    def __init__(self, n_segments: int = 4, scale_range: tuple[float, float] = (0.5, 2.0), p: float = 0.5) -> None:
        super().__init__(p)
        if n_segments < 1 or not 0 < scale_range[0] <= scale_range[1]:
            raise ValueError(f"TimeWarping: bad n_segments={n_segments} or scale_range={scale_range}")
        self.n_segments = n_segments
        self.scale_range = tuple(scale_range)

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        batch, n_times = x.shape[0], x.shape[-1]
        starts, lengths = _segment_bounds(n_times, self.n_segments, x.device)
        scale = _uniform((batch, self.n_segments), *self.scale_range, generator, x.device)
        warped = lengths[None, :] * scale  # (B, S) lengths after warping
        warped_end = warped.cumsum(-1)
        warped_start = warped_end - warped
        # Output sample t sits at warped position t * total / n_times; find its segment, then undo the stretch.
        position = (torch.arange(n_times, device=x.device)[None, :] + 0.5) * (warped_end[:, -1:] / n_times)
        segment = torch.searchsorted(warped_end.contiguous(), position.contiguous(), right=True)
        segment = segment.clamp(max=self.n_segments - 1)
        offset = (position - warped_start.gather(1, segment)) / scale.gather(1, segment)
        source = starts[segment] + offset - 0.5
        return _linear_interpolate(x, source)


def _linear_interpolate(x: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """Samples `x` at fractional positions `source` `(B, T_out)` by linear interpolation (clamped at the ends)."""
    n_times = x.shape[-1]
    source = source.clamp(0, n_times - 1)
    left = source.floor().long().clamp(max=n_times - 1)
    right = (left + 1).clamp(max=n_times - 1)
    weight = (source - left).unsqueeze(1)
    return _gather_time(x, left) * (1 - weight) + _gather_time(x, right) * weight


class Permutation(SignalAugmentation):
    """Cuts the epoch into `n_segments` segments and puts them back in a random order.

    Args:
        n_segments: number of equal segments (the last takes the remainder, as in the original).
        p: probability per epoch.
    """

    def __init__(self, n_segments: int = 4, p: float = 0.5) -> None:
        super().__init__(p)
        if n_segments < 1:
            raise ValueError(f"Permutation: n_segments must be >= 1, got {n_segments}")
        self.n_segments = n_segments

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        batch, n_times = x.shape[0], x.shape[-1]
        starts, lengths = _segment_bounds(n_times, self.n_segments, x.device)
        order = torch.rand(batch, self.n_segments, generator=generator, device=x.device).argsort(-1)
        out_lengths = lengths[order]  # (B, S): length of the k-th output segment
        out_end = out_lengths.cumsum(-1)
        t = torch.arange(n_times, device=x.device)[None, :].expand(batch, -1).contiguous()
        k = torch.searchsorted(out_end.contiguous(), t, right=True).clamp(max=self.n_segments - 1)
        out_start = (out_end - out_lengths).gather(1, k)
        source = starts[order.gather(1, k)] + (t - out_start)
        return _gather_time(x, source)


class CutoutResize(SignalAugmentation):
    """Removes one random segment of `n_segments`, joins the rest and resamples it back to the full length.

    The original resamples with scipy's FFT `resample`; here linear interpolation over the joined signal.

    Args:
        n_segments: number of equal segments (the last takes the remainder).
        p: probability per epoch.
    """

    def __init__(self, n_segments: int = 4, p: float = 0.5) -> None:
        super().__init__(p)
        if n_segments < 2:
            raise ValueError(f"CutoutResize: n_segments must be >= 2 (one is cut out), got {n_segments}")
        self.n_segments = n_segments

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        batch, n_times = x.shape[0], x.shape[-1]
        starts, lengths = _segment_bounds(n_times, self.n_segments, x.device)
        cut = _randint(0, self.n_segments - 1, (batch,), generator, x.device)
        cut_start, cut_length = starts[cut][:, None], lengths[cut][:, None]
        kept = n_times - cut_length  # (B, 1) samples left after the cut
        # Output t sits at position u of the joined signal; joined index j maps back to j or j + cut_length.
        u = (torch.arange(n_times, device=x.device)[None, :] + 0.5) * kept / n_times - 0.5
        u = u.clamp(min=0).minimum(kept - 1)
        left = u.floor().long()
        right = (left + 1).minimum(kept - 1)
        weight = (u - left).unsqueeze(1)

        def to_source(joined: torch.Tensor) -> torch.Tensor:
            return torch.where(joined >= cut_start, joined + cut_length, joined)

        return _gather_time(x, to_source(left)) * (1 - weight) + _gather_time(x, to_source(right)) * weight


class Compose:
    """Applies augmentations one after the other (SleePyCo's `Compose(mode="full")`)."""

    def __init__(self, augmentations: Sequence[SignalAugmentation]) -> None:
        self.augmentations = list(augmentations)

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        if generator is None:
            generator = torch.Generator(device=x.device)
            generator.seed()
        for augmentation in self.augmentations:
            x = augmentation(x, generator)
        return x

    def __repr__(self) -> str:
        inner = ",\n    ".join(repr(a) for a in self.augmentations)
        return f"Compose([\n    {inner}\n])"


def default_augmentations(sfreq: float, p: float = 0.5) -> Compose:
    """DeepSleepBench's six augmentations with the original's settings, each with probability `p`.

    The band-stop range is capped below the Nyquist frequency for low sampling rates.
    """
    high = min(30.0, sfreq / 2 - 2.0 - 1e-6)
    low = min(0.5, high)
    if high <= 0:
        raise ValueError(f"sfreq={sfreq} Hz is too low for the band-stop augmentation (needs > 4 Hz)")
    return Compose(
        [
            RandomBandStopFilter(sfreq, low_range=(low, high), band_width=2.0, p=p),
            RandomTimeShift(sfreq, max_shift_seconds=3.0, p=p),
            RandomZeroMasking(sfreq, mask_seconds=(0.0, 3.0), p=p),
            TimeWarping(n_segments=4, scale_range=(0.5, 2.0), p=p),
            Permutation(n_segments=4, p=p),
            CutoutResize(n_segments=4, p=p),
        ]
    )

