"""Butterworth band-passes, zero-phase IIR filtering and polyphase resampling in NumPy, equal to `scipy.signal`'s.

The staging path runs these instead of `scipy.signal`, whose import (it brings in `scipy.stats`, `scipy.optimize`
and `scipy.interpolate`) takes longer than reading and staging a night: `butter`, `filtfilt`, `sosfiltfilt`,
`sosfilt` and `resample_poly` with scipy's defaults (odd padding, steady-state initial conditions, a Kaiser
window of beta 5), to float64 rounding (tests compare them with scipy).

An IIR filter runs as a linear state-space recursion cut into blocks: every block is filtered from a zero state
at once (a loop over the samples of one block, vectorised over all blocks), then the states at the blocks' starts
are found by a scan and their zero-input responses added; a loop over millions of samples never runs in Python.
"""

from __future__ import annotations

import numpy as np

# Samples per block of the IIR recursion (a Python loop of this length over rows × blocks).
BLOCK = 64
# Outputs of one phase of the resampler computed at a time (a (CHUNK, taps) matrix of inputs).
CHUNK = 32768


def butter_zpk(
    order: int, edges: float | list[float], btype: str, fs: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Digital Butterworth zeros, poles and gain, as `scipy.signal.butter(..., output="zpk", fs=fs)`."""
    nyquist_edges = 2.0 * np.atleast_1d(np.asarray(edges, dtype=np.float64)) / fs
    poles = -np.exp(1j * np.pi * np.arange(-order + 1, order, 2) / (2 * order))  # analogue prototype
    warped = 4.0 * np.tan(np.pi * nyquist_edges / 2.0)  # pre-warped for the bilinear transform at fs = 2
    # The analogue prototype moved to the band (scipy's `lp2lp_zpk`, `lp2hp_zpk`, `lp2bp_zpk`).
    zeros, gain = np.zeros(0, dtype=complex), 1.0
    if btype == "lowpass":
        poles, gain = poles * warped[0], gain * warped[0] ** order
    elif btype == "highpass":
        poles, gain = warped[0] / poles, gain * np.real(1.0 / np.prod(-poles))
        zeros = np.zeros(order, dtype=complex)
    elif btype == "bandpass":
        bandwidth, centre = warped[1] - warped[0], np.sqrt(warped[0] * warped[1])
        scaled = poles * bandwidth / 2.0
        root = np.sqrt(scaled**2 - centre**2)
        poles = np.concatenate([scaled + root, scaled - root])
        zeros, gain = np.zeros(order, dtype=complex), gain * bandwidth**order
    else:
        raise ValueError(f"btype must be 'lowpass', 'highpass' or 'bandpass', got {btype!r}")
    # Bilinear transform at fs = 2 (scipy's `bilinear_zpk`, the edges being normalised to the Nyquist rate).
    digital_poles = (4.0 + poles) / (4.0 - poles)
    digital_zeros = np.concatenate([(4.0 + zeros) / (4.0 - zeros), -np.ones(len(poles) - len(zeros))])
    gain = gain * np.real(np.prod(4.0 - zeros) / np.prod(4.0 - poles))
    return digital_zeros, digital_poles, float(gain)


def butter_ba(order: int, edges: float | list[float], btype: str, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """`(b, a)` of a digital Butterworth filter, as `scipy.signal.butter(order, edges, btype, fs=fs)`."""
    zeros, poles, gain = butter_zpk(order, edges, btype, fs)
    return np.real(gain * np.poly(zeros)), np.real(np.poly(poles))


def butter_sos(order: int, edges: float | list[float], btype: str, fs: float) -> np.ndarray:
    """Second-order sections of a digital Butterworth filter: the filter of `scipy.signal.butter(..., output="sos")`
    (its poles paired as conjugates, each section with two of the zeros; the gain on the first section)."""
    zeros, poles, gain = butter_zpk(order, edges, btype, fs)
    poles = _conjugate_pairs(poles)
    zeros = np.sort_complex(zeros)  # all real (at +1 and -1): any two per section give the same filter
    n_sections = (len(poles) + 1) // 2
    sections = np.zeros((n_sections, 6))
    for index in range(n_sections):
        section_poles = poles[2 * index : 2 * index + 2]
        section_zeros = zeros[2 * index : 2 * index + 2]
        b = np.real(np.poly(section_zeros)) if len(section_zeros) else np.ones(1)
        a = np.real(np.poly(section_poles))
        sections[index, :3] = np.pad(b, (0, 3 - len(b)))
        sections[index, 3:] = np.pad(a, (0, 3 - len(a)))
    sections[0, :3] *= gain
    return sections


def _conjugate_pairs(poles: np.ndarray) -> np.ndarray:
    """The poles ordered so that each consecutive two are a conjugate pair (or two real poles)."""
    complex_poles = sorted((p for p in poles if p.imag > 1e-12 * abs(p)), key=lambda p: (p.real, p.imag))
    real_poles = sorted(p.real for p in poles if abs(p.imag) <= 1e-12 * abs(p))
    ordered = [value for p in complex_poles for value in (p, np.conj(p))] + real_poles
    return np.asarray(ordered, dtype=complex)


def lfilter_zi(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The steady-state of `lfilter` for a unit step, as `scipy.signal.lfilter_zi`."""
    b, a = np.atleast_1d(b) / a[0], np.atleast_1d(a) / a[0]
    n = max(len(a), len(b))
    a, b = np.pad(a, (0, n - len(a))), np.pad(b, (0, n - len(b)))
    companion = np.zeros((n - 1, n - 1))
    companion[0] = -a[1:]
    companion[np.arange(1, n - 1), np.arange(n - 2)] = 1.0
    return np.linalg.solve(np.eye(n - 1) - companion.T, b[1:] - a[1:] * b[0])


def lfilter(b: np.ndarray, a: np.ndarray, x: np.ndarray, zi: np.ndarray | None = None) -> np.ndarray:
    """`scipy.signal.lfilter(b, a, x, zi=zi)` along the last axis (direct form II transposed), without the final
    state; `zi` is `(..., order)` like `x` without its last axis, or `None` (rest)."""
    b, a = np.atleast_1d(np.asarray(b, np.float64)), np.atleast_1d(np.asarray(a, np.float64))
    b, a = b / a[0], a / a[0]
    n = max(len(a), len(b))
    a, b = np.pad(a, (0, n - len(a))), np.pad(b, (0, n - len(b)))
    order = n - 1
    x = np.asarray(x, dtype=np.float64)
    shape, length = x.shape, x.shape[-1]
    rows = x.reshape(-1, length)
    if order == 0 or x.size == 0:  # no recursion (or nothing to filter: a recording shorter than one epoch)
        return b[0] * x
    block = min(length, BLOCK)
    n_blocks = -(-length // block)
    padded = np.zeros((len(rows), n_blocks * block))
    padded[:, :length] = rows
    blocks = padded.reshape(-1, block)  # (rows * n_blocks, block)

    def run(inputs: np.ndarray | None, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """The recursion from `state` (order, vectors) over `steps` samples (inputs `(steps, vectors)`, or none):
        outputs `(steps, vectors)` and the final state; rows of contiguous vectors, one NumPy call per term."""
        outputs = np.empty((steps, state.shape[1]))
        state, silence = state.copy(), np.zeros(state.shape[1])
        for t in range(steps):
            sample = silence if inputs is None else inputs[t]
            y = b[0] * sample + state[0]
            outputs[t] = y
            for i in range(order - 1):
                state[i] = state[i + 1] + b[i + 1] * sample - a[i + 1] * y
            state[order - 1] = b[order] * sample - a[order] * y
        return outputs, state

    forced, forced_end = run(np.ascontiguousarray(blocks.T), np.zeros((order, len(blocks))), block)
    free, carried = run(None, np.eye(order), block)  # each unit state's response (column j: state e_j)
    forced = forced.T.reshape(len(rows), n_blocks, block)
    forced_end = forced_end.T.reshape(len(rows), n_blocks, order)
    # The state at each block's start: s[k + 1] = s[k] @ carried.T + forced_end[k], solved by doubling (a scan
    # over log2(n_blocks) steps) rather than a Python loop over the blocks.
    starts = np.empty((len(rows), n_blocks, order))
    starts[:, 0] = 0.0 if zi is None else np.broadcast_to(zi, (*shape[:-1], order)).reshape(-1, order)
    starts[:, 1:] = forced_end[:, :-1]
    power, shift = carried.T, 1
    while shift < n_blocks:
        starts[:, shift:] += _times(starts[:, :-shift], power)
        power, shift = power @ power, 2 * shift
    out = forced + _times(starts, free.T)  # free.T (order, block): the output of each unit state
    return out.reshape(len(rows), -1)[:, :length].reshape(shape)


def _times(vectors: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """`vectors @ matrix` for a `matrix` of a few rows, as that many scaled additions (BLAS is slow there)."""
    return sum(vectors[..., j, None] * matrix[j] for j in range(len(matrix)))


def _odd_extension(x: np.ndarray, padlen: int) -> np.ndarray:
    if padlen == 0:
        return x
    left = 2 * x[..., :1] - x[..., padlen:0:-1]
    right = 2 * x[..., -1:] - x[..., -2 : -(padlen + 2) : -1]
    return np.concatenate([left, x, right], axis=-1)


def filtfilt(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """`scipy.signal.filtfilt(b, a, x, axis=-1)` with its defaults (odd padding of 3 × the filter length)."""
    padlen = 3 * max(len(a), len(b))
    if x.shape[-1] <= padlen:
        raise ValueError(f"the signal must be longer than {padlen} samples to be filtered, got {x.shape[-1]}")
    zi = lfilter_zi(b, a)
    extended = _odd_extension(np.asarray(x, dtype=np.float64), padlen)
    forward = lfilter(b, a, extended, zi * extended[..., :1])
    backward = lfilter(b, a, forward[..., ::-1], zi * forward[..., -1:])
    return backward[..., ::-1][..., padlen:-padlen]


def sosfilt(sos: np.ndarray, x: np.ndarray, zi: np.ndarray | None = None) -> np.ndarray:
    """`scipy.signal.sosfilt(sos, x, axis=-1, zi=zi)` without the final states; `zi` is `(n_sections, ..., 2)`."""
    y = np.asarray(x, dtype=np.float64)
    for index, section in enumerate(sos):
        y = lfilter(section[:3], section[3:], y, None if zi is None else zi[index])
    return y


def sosfilt_zi(sos: np.ndarray) -> np.ndarray:
    """`scipy.signal.sosfilt_zi`: each section's step steady state, scaled by the gain of the sections before it."""
    states, scale = np.empty((len(sos), 2)), 1.0
    for index, section in enumerate(sos):
        states[index] = scale * lfilter_zi(section[:3], section[3:])
        scale *= section[:3].sum() / section[3:].sum()
    return states


def sosfiltfilt(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """`scipy.signal.sosfiltfilt(sos, x, axis=-1)` with its defaults (odd padding)."""
    trailing_zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    padlen = 3 * (2 * len(sos) + 1 - trailing_zeros)
    if x.shape[-1] <= padlen:
        raise ValueError(f"the signal must be longer than {padlen} samples to be filtered, got {x.shape[-1]}")
    zi = sosfilt_zi(sos).reshape(len(sos), *([1] * (np.ndim(x) - 1)), 2)
    extended = _odd_extension(np.asarray(x, dtype=np.float64), padlen)
    forward = sosfilt(sos, extended, zi * extended[..., :1])
    backward = sosfilt(sos, forward[..., ::-1], zi * forward[..., -1:])
    return backward[..., ::-1][..., padlen:-padlen]


def resample_poly(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """`scipy.signal.resample_poly(x, up, down, axis=-1)` with its defaults: a Kaiser (beta 5) low-pass of
    `20 × max(up, down) + 1` taps, zero padding, the output `ceil(n × up / down)` samples long (float64)."""
    x = np.asarray(x, dtype=np.float64)
    if up == down == 1:
        return x.copy()
    rate = max(up, down)
    half_len = 10 * rate
    taps = np.arange(2 * half_len + 1) - half_len
    h = np.sinc(taps / rate) / rate * np.kaiser(2 * half_len + 1, 5.0)
    h = h / h.sum() * up
    n_in = x.shape[-1]
    n_out = n_in * up // down + bool(n_in * up % down)
    if x.size == 0:
        return np.zeros((*x.shape[:-1], n_out))
    n_pre_pad = down - half_len % down
    n_pre_remove = (half_len + n_pre_pad) // down
    h = np.concatenate([np.zeros(n_pre_pad), h])
    # Output m is sum_k h[k] · upsampled[m·down − k]; only the taps of one phase meet the non-zero samples.
    positions = (np.arange(n_out) + n_pre_remove) * down
    rows = x.reshape(-1, n_in)
    out = np.zeros((len(rows), n_out))
    for phase in range(up):
        chosen = np.flatnonzero(positions % up == phase)
        phase_taps = h[phase::up]
        if not len(chosen) or not len(phase_taps):
            continue
        # out = sum_i taps[i] x[j - i] at j = (position - phase) / up: windows of x, zero outside the signal.
        n_taps = len(phase_taps)
        padded = np.concatenate(
            [np.zeros((len(rows), n_taps - 1)), rows, np.zeros((len(rows), n_taps))], axis=1
        )
        windows = np.lib.stride_tricks.sliding_window_view(padded, n_taps, axis=1)
        ends = np.minimum((positions[chosen] - phase) // up, n_in + n_taps - 1)
        for start in range(0, len(chosen), CHUNK):
            part = slice(start, start + CHUNK)
            out[:, chosen[part]] = windows[:, ends[part]] @ phase_taps[::-1]
    return out.reshape(*x.shape[:-1], n_out)
