"""Channel and sample arithmetic of the signal contract, shared by the feature extractor and the recording reader.

Plain NumPy, no I/O: `hf_sleep.data.recording` reads files with these helpers and the feature extractor applies
them to arrays, so neither imports the other's layer (the extractor reaches the reader only at call time).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

AASM_STAGES: tuple[str, ...] = ("W", "N1", "N2", "N3", "REM")
# Volts per unit of model input, by the unit names a config or feature extractor accepts.
UNIT_SCALE: dict[str, float] = {"uV": 1e-6, "mV": 1e-3, "V": 1.0}


def whole_samples(sfreq: float, seconds: float, what: str = "epochs") -> int:
    """`sfreq * seconds` as an int; `ValueError` when it is not a positive whole number of samples."""
    n_samples = sfreq * seconds
    if n_samples <= 0 or abs(n_samples - round(n_samples)) > 1e-6:
        raise ValueError(
            f"{seconds:g}-s {what} at {sfreq:g} Hz are not a whole number of samples ({n_samples:g})"
        )
    return int(round(n_samples))


def resample_ratio(native: float, target: float) -> tuple[int, int]:
    """The `(up, down)` polyphase factors bringing `native` Hz to `target` Hz (a ratio of integers up to 512)."""
    if native <= 0 or target <= 0:
        raise ValueError(f"sampling rate {native:g} Hz cannot be resampled to {target:g} Hz")
    ratio = Fraction(target / native).limit_denominator(512)
    if ratio.numerator > 512 or abs(float(ratio) - target / native) > 1e-9 * target / native:
        raise ValueError(
            f"sampling rate {native:g} Hz cannot be resampled to {target:g} Hz "
            "(their ratio is not a ratio of small integers)"
        )
    return ratio.numerator, ratio.denominator


def cut_epochs(signal: np.ndarray, n_times: int) -> np.ndarray:
    """`(n_chans, n_samples)` cut into `(n_epochs, n_chans, n_times)` from the first sample; a partial end is dropped."""
    n_epochs = signal.shape[-1] // n_times
    used = signal[:, : n_epochs * n_times]
    return np.ascontiguousarray(used.reshape(signal.shape[0], n_epochs, n_times).transpose(1, 0, 2))


def _match(name: str, available: Sequence[str]) -> str | None:
    if name in available:
        return name
    folded = {channel.strip().lower(): channel for channel in available}
    return folded.get(name.strip().lower())


def split_derivation(name: str, available: Sequence[str]) -> tuple[str, str] | None:
    """The `(plus, minus)` channels of a derivation `"A - B"` (or `"A-B"`), or `None` when it names none.

    Channel names may contain `-` (`"FP1-A1 - C3-A1"`): every split is tried, the spaced `" - "` first; a
    `"A-B"` without spaces is accepted only when exactly one split names two channels.

    Raises:
        ValueError: when several splits name two channels (write the derivation with spaces around the minus).
    """
    for separator in (" - ", "-"):
        pairs = []
        start = 0
        while (position := name.find(separator, start)) >= 0:
            plus = _match(name[:position], available)
            minus = _match(name[position + len(separator) :], available)
            if plus is not None and minus is not None:
                pairs.append((plus, minus))
            start = position + 1
        if len(pairs) == 1:
            return pairs[0]
        if len(pairs) > 1:
            raise ValueError(
                f"channel {name!r} is ambiguous: it splits into {' or '.join(f'{a!r} - {b!r}' for a, b in pairs)}; "
                f"write the derivation with spaces around the minus, e.g. '{pairs[0][0]} - {pairs[0][1]}'"
            )
    return None


def _resolve_one(name: str, available: Sequence[str]) -> tuple[str, str | None] | None:
    match = _match(name, available)  # an exact channel name always wins over a derivation
    if match is not None:
        return match, None
    return split_derivation(name, available)


def resolve_channels(requested: Sequence[str], available: Sequence[str]) -> list[tuple[str, str | None]]:
    """Maps requested names to `(channel, minus)` pairs of `available` channels.

    A name matches exactly, then ignoring case and surrounding spaces: an exact channel name always wins. A
    derivation is written `"A - B"`, also for names that contain `-` (`"FP1-A1 - C3-A1"`); a name `"A-B"` that is
    not a channel itself is read as a derivation when exactly one split names two channels
    ([`split_derivation`]). Alternatives
    are separated by `|` (`"EEG C4-CLE|EEG C4-LER"`): the first one present wins.

    Raises:
        ValueError: naming the missing channel and listing the available ones.
    """
    resolved: list[tuple[str, str | None]] = []
    for name in requested:
        found = next(
            (pair for option in name.split("|") if (pair := _resolve_one(option.strip(), available)) is not None),
            None,
        )
        if found is not None:
            resolved.append(found)
            continue
        close = difflib.get_close_matches(name, list(available), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"channel {name!r} is not in the recording; {hint}it has: {', '.join(available)}. "
            "Choose channels with --channels (a bipolar derivation is written 'A - B')"
        )
    return resolved


def derive_channels(
    data: np.ndarray,
    rows: Sequence[str],
    resolved: Sequence[tuple[str, str | None]],
    reference: Sequence[str] = (),
) -> np.ndarray:
    """The model's channels from signal rows named `rows`: derivations subtracted, then re-referenced.

    Args:
        data: `(len(rows), n_samples)`.
        rows: the name of each row of `data`.
        resolved: `(channel, minus)` pairs from [`resolve_channels`], in model order.
        reference: rows whose mean is subtracted from every output channel (empty: keep the recorded one).
    """
    index = {name: row for row, name in enumerate(rows)}
    if all(minus is None for _, minus in resolved) and [ch for ch, _ in resolved] == list(rows):
        signal = data  # nothing to combine: keep the buffer (and its exact values)
    else:
        signal = np.stack(
            [data[index[plus]] - data[index[minus]] if minus else data[index[plus]] for plus, minus in resolved]
        )
    if reference:
        signal = signal - data[[index[name] for name in reference]].mean(axis=0)
    return signal
