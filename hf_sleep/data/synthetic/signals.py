"""Synthetic polysomnography signals that follow a hypnogram, one array per channel.

The signals are built so that a sleep scorer recognises the stages:

* **W** — alpha (8–12 Hz, subject-specific peak, strongest over Pz-Oz), beta, high chin EMG,
  saccades in the EOG, occasional movement artefacts.
* **N1** — alpha gives way to theta (4–7.5 Hz), slow rolling eye movements, vertex waves,
  lower EMG.
* **N2** — sleep spindles (0.5–2 s waxing-waning bursts at the subject's 11.5–14 Hz spindle
  frequency) and K-complexes (sharp negative then slow positive wave, ~100 µV) on a theta/delta
  background.
* **N3** — high-amplitude delta (0.5–2.5 Hz, > 75 µV peak to peak), few spindles (R&K stage 4
  more delta than stage 3).
* **REM** — low-voltage mixed theta with sawtooth-wave bursts (2–4 Hz), rapid conjugate eye
  movements, chin EMG at its lowest (atonia) with brief twitches.

Under everything lies a 1/f background; each subject has its own amplitude scale, alpha and
spindle frequencies and 1/f exponent, and each epoch its own amplitude jitter. As in a real night,
a stage change does not wait for the scoring grid: it falls anywhere within about a third of an epoch of
the boundary (the scored label is the state that fills most of the epoch, as a scorer's majority
rule gives), so epochs at transitions are mixed; and slow-wave amplitude is highest after sleep
onset and declines towards the morning (homeostatic process S). For rodents
(``species="mouse"``) Wake has high EMG and theta/beta activity, NREM large delta and spindles,
REM a strong regular hippocampal theta (6.5–8.5 Hz) with atonia.

Everything is vectorised numpy (a few inverse FFTs over the whole night, events added with
``np.bincount``): a 22-h Sleep-EDF night takes a few seconds. Output is deterministic for a seed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.fft

from .hypnograms import normalise_stages

__all__ = ["synthesize_night"]


# --------------------------------------------------------------------------------------------
# Stage profiles
# --------------------------------------------------------------------------------------------

# Columns: background scale, delta, theta, alpha, beta (15-35 Hz, with frontalis muscle activity), EMG (µV rms
# at the reference site), slow eye movements (µV rms), then event rates per 30 s: saccades, spindles, K-complexes, sawtooth bursts,
# vertex waves, movement artefacts, EMG twitches.
_PROFILE_COLUMNS = (
    "bg", "delta", "theta", "alpha", "beta", "emg", "sem",
    "saccade", "spindle", "kcomplex", "sawtooth", "vertex", "artefact", "twitch",
)  # fmt: skip
_HUMAN_PROFILES: dict[str, tuple[float, ...]] = {
    #       bg   delta theta alpha beta emg  sem  sacc spin  kc   saw  vert  art  twitch
    "W":   (1.0, 4.0, 4.0, 16.0, 6.0, 20.0, 12.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.15, 0.0),
    "N1":  (0.9, 6.0, 13.0, 3.0, 2.5, 10.0, 45.0, 0.2, 0.0, 0.0, 0.0, 0.6, 0.05, 0.0),
    "N2":  (1.0, 14.0, 9.0, 2.0, 1.5, 7.0, 4.0, 0.0, 2.5, 0.8, 0.0, 0.1, 0.02, 0.0),
    "N3":  (1.2, 30.0, 8.0, 1.5, 1.2, 6.0, 0.0, 0.0, 0.7, 0.2, 0.0, 0.0, 0.01, 0.0),
    "S4":  (1.3, 42.0, 8.0, 1.5, 1.2, 5.5, 0.0, 0.0, 0.4, 0.1, 0.0, 0.0, 0.01, 0.0),
    "REM": (0.65, 6.0, 9.0, 4.0, 2.5, 2.0, 3.0, 8.0, 0.0, 0.0, 1.2, 0.0, 0.02, 1.0),
    "MT":  (1.0, 10.0, 6.0, 6.0, 12.0, 45.0, 10.0, 3.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0),
    "?":   (1.0, 5.0, 4.0, 10.0, 5.0, 22.0, 10.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0),
}  # fmt: skip
_MOUSE_PROFILES: dict[str, tuple[float, ...]] = {
    "Wake": (1.0, 15.0, 20.0, 0.0, 0.0, 40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.0),
    "NREM": (1.2, 80.0, 10.0, 0.0, 0.0, 12.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.02, 0.0),
    "REM":  (0.8, 12.0, 55.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.02, 1.0),
    "?":    (1.0, 20.0, 15.0, 0.0, 0.0, 35.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0),
}  # fmt: skip


@dataclass(frozen=True)
class _Traits:
    """Per-subject physiology drawn from the subject seed."""

    amplitude: float
    alpha_hz: float
    spindle_hz: float
    theta_hz: float
    exponent: float
    delta_gain: float
    emg_gain: float


def _traits(seed: int) -> _Traits:
    rng = np.random.default_rng([seed, 7919])
    return _Traits(
        amplitude=float(rng.lognormal(0.0, 0.15)),
        alpha_hz=float(rng.uniform(8.5, 11.5)),
        spindle_hz=float(rng.uniform(11.5, 14.0)),
        theta_hz=float(rng.uniform(6.5, 8.5)),
        exponent=float(rng.uniform(1.6, 2.2)),
        delta_gain=float(rng.lognormal(0.0, 0.15)),
        emg_gain=float(rng.lognormal(0.0, 0.25)),
    )


# --------------------------------------------------------------------------------------------
# Signal building blocks (all vectorised over the whole night)
# --------------------------------------------------------------------------------------------


_NOISE_PERIOD = 1 << 19
"""Length of one block of band-limited noise (87 min at 100 Hz); longer nights tile it seamlessly."""


def _band_noise(
    rng: np.random.Generator, n: int, sfreq: float, lo: float, hi: float, exponent: float = 0.0
) -> np.ndarray:
    """Gaussian noise with unit RMS whose spectrum is confined to [lo, hi] Hz (∝ f^-exponent/2).

    An inverse FFT output is periodic, so a block of ``_NOISE_PERIOD`` samples tiles without a seam;
    nights longer than a block reuse it (under different envelopes and events), which keeps a 22-h
    night at a few inverse FFTs of 2**19 points.
    """
    n_fft = scipy.fft.next_fast_len(n, real=True) if n <= _NOISE_PERIOD else _NOISE_PERIOD
    freqs_step = sfreq / n_fft
    k0 = max(1, int(np.ceil(lo / freqs_step)))
    k1 = min(n_fft // 2, int(np.floor(min(hi, 0.48 * sfreq) / freqs_step)))
    if k1 <= k0:
        return np.zeros(n, dtype=np.float32)
    m = k1 - k0 + 1
    spec = np.zeros(n_fft // 2 + 1, dtype=np.complex64)
    band = (rng.standard_normal(m, dtype=np.float32) + 1j * rng.standard_normal(m, dtype=np.float32)).astype(
        np.complex64
    )
    if exponent:
        band *= (np.arange(k0, k1 + 1, dtype=np.float32) * freqs_step) ** (-exponent / 2)
    spec[k0 : k1 + 1] = band
    power = float(np.sum(np.abs(band) ** 2))
    x = scipy.fft.irfft(spec, n=n_fft, workers=-1).astype(np.float32, copy=False)
    x *= np.float32(n_fft / np.sqrt(2.0 * power))
    if n > n_fft:
        x = np.tile(x, -(-n // n_fft))
    return x[:n]


def _envelope(per_epoch: np.ndarray, spe: int, sfreq: float) -> np.ndarray:
    """Per-epoch amplitudes as a per-sample envelope, with linear ~2-s transitions between epochs."""
    values = np.asarray(per_epoch, dtype=np.float32)
    env = np.repeat(values, spe)
    half = int(min(sfreq, spe // 4))
    changed = np.flatnonzero(values[1:] != values[:-1])
    if half > 0 and len(changed):
        ramp = (np.arange(-half, half, dtype=np.float32) + 0.5) / (2 * half) + 0.5  # 0 → 1
        idx = ((changed + 1) * spe)[:, None] + np.arange(-half, half)
        v0, v1 = values[changed][:, None], values[changed + 1][:, None]
        env[idx] = v0 + (v1 - v0) * ramp
    return env


def _linear_upsample(knots: np.ndarray, step: int, n: int) -> np.ndarray:
    """Linear interpolation between knots placed every ``step`` samples, cut to ``n`` samples."""
    frac = np.arange(step, dtype=np.float32) / step
    seg = knots[:-1, None] + (knots[1:] - knots[:-1])[:, None] * frac
    return seg.ravel()[:n]


def _slow_modulation(
    rng: np.random.Generator, n: int, sfreq: float, sd: float, period: float = 2.0
) -> np.ndarray:
    """A positive multiplicative modulation (waxing and waning) with a time scale of ``period`` s."""
    step = max(1, int(round(period * sfreq)))
    knots = rng.lognormal(0.0, sd, n // step + 2).astype(np.float32)
    return _linear_upsample(knots, step, n)


def _event_times(rng: np.random.Generator, rates: np.ndarray, epoch_seconds: float) -> np.ndarray:
    """Event times (s) from per-epoch Poisson rates given per 30 s."""
    counts = rng.poisson(rates * epoch_seconds / 30.0)
    epochs = np.repeat(np.arange(len(rates)), counts)
    return (epochs + rng.random(len(epochs))) * epoch_seconds


def _add_events(n: int, sfreq: float, times: np.ndarray, kernels: np.ndarray, t_offset: float) -> np.ndarray:
    """Sum of event waveforms: ``kernels[i]`` (one row per event) placed at ``times[i]``.

    ``t_offset`` is the time of the kernel's first sample relative to the event time.
    """
    if len(times) == 0:
        return np.zeros(n, dtype=np.float32)
    length = kernels.shape[1]
    start = np.round((times + t_offset) * sfreq).astype(np.int64)
    idx = start[:, None] + np.arange(length)
    valid = (idx >= 0) & (idx < n)
    return np.bincount(idx[valid], weights=kernels[valid], minlength=n).astype(np.float32)


def _spindles(rng, n, sfreq, times, freq_hz, amp) -> np.ndarray:
    m = len(times)
    dur = rng.uniform(0.5, 2.0, m)[:, None]
    f = (freq_hz + rng.normal(0.0, 0.4, m))[:, None]
    t = np.arange(-1.0, 1.0, 1.0 / sfreq)[None, :]
    window = np.where(np.abs(t) < dur / 2, 0.5 * (1 + np.cos(2 * np.pi * t / dur)), 0.0)
    a = (amp * rng.lognormal(0.0, 0.25, m))[:, None]
    kernels = a * window * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi, m)[:, None])
    return _add_events(n, sfreq, times, kernels, -1.0)


def _k_complexes(rng, n, sfreq, times, amp) -> np.ndarray:
    m = len(times)
    t = np.arange(-0.5, 1.5, 1.0 / sfreq)[None, :]
    a = (amp * rng.lognormal(0.0, 0.2, m))[:, None]
    w1 = rng.uniform(0.08, 0.14, m)[:, None]
    kernels = a * (-np.exp(-0.5 * ((t - 0.15) / w1) ** 2) + 0.6 * np.exp(-0.5 * ((t - 0.55) / 0.18) ** 2))
    return _add_events(n, sfreq, times, kernels, -0.5)


def _vertex_waves(rng, n, sfreq, times, amp) -> np.ndarray:
    m = len(times)
    t = np.arange(-0.3, 0.3, 1.0 / sfreq)[None, :]
    a = (amp * rng.lognormal(0.0, 0.2, m))[:, None]
    return _add_events(n, sfreq, times, -a * np.exp(-0.5 * (t / 0.06) ** 2), -0.3)


def _sawtooth_bursts(rng, n, sfreq, times, amp) -> np.ndarray:
    m = len(times)
    f = rng.uniform(2.0, 4.0, m)[:, None]
    dur = rng.uniform(1.0, 3.0, m)[:, None]
    t = np.arange(0.0, 3.0, 1.0 / sfreq)[None, :]
    phase = (f * t) % 1.0
    saw = np.where(phase < 0.8, phase / 0.8, (1.0 - phase) / 0.2) * 2.0 - 1.0  # slow rise, sharp fall
    window = np.where(t < dur, np.sin(np.pi * np.clip(t / dur, 0, 1)) ** 0.5, 0.0)
    a = (amp * rng.lognormal(0.0, 0.2, m))[:, None]
    return _add_events(n, sfreq, times, a * saw * window, 0.0)


def _saccades(rng, n, sfreq, times, amp) -> np.ndarray:
    m = len(times)
    t = np.arange(0.0, 2.0, 1.0 / sfreq)[None, :]
    hold = rng.uniform(0.2, 1.0, m)[:, None]
    sign = rng.choice([-1.0, 1.0], m)[:, None]
    a = (amp * rng.lognormal(0.0, 0.3, m))[:, None]
    shape = np.tanh(t / 0.02) * np.where(t < hold, 1.0, np.exp(-(t - hold) / 0.15))
    return _add_events(n, sfreq, times, sign * a * shape, 0.0)


def _movements(rng, n, sfreq, times, amp) -> np.ndarray:
    m = len(times)
    t = np.arange(0.0, 3.0, 1.0 / sfreq)[None, :]
    dur = rng.uniform(0.5, 3.0, m)[:, None]
    a = (amp * rng.lognormal(0.0, 0.4, m) * rng.choice([-1.0, 1.0], m))[:, None]
    return _add_events(n, sfreq, times, a * np.where(t < dur, np.sin(np.pi * t / dur), 0.0), 0.0)


def _boxes(n, sfreq, times, durations) -> np.ndarray:
    """Sum of unit boxes starting at ``times`` (s) lasting ``durations`` (s)."""
    if len(times) == 0:
        return np.zeros(n, dtype=np.float32)
    length = int(np.ceil(durations.max() * sfreq)) + 1
    t = np.arange(length)[None, :] / sfreq
    return _add_events(n, sfreq, times, (t < durations[:, None]).astype(np.float64), 0.0)


def _location(channel: str) -> dict[str, float]:
    """Topographic weights of an EEG derivation, from its first electrode."""
    match = re.match(r"EEG\s*([A-Za-z]+)", channel)
    site = match.group(1).upper() if match else ""
    if site.startswith("F"):
        return {"delta": 1.2, "theta": 1.0, "alpha": 0.5, "spindle": 0.9, "kc": 1.3, "saw": 0.8, "eye": 0.35, "beta": 1.3}
    if site.startswith(("P", "O")):
        return {"delta": 0.7, "theta": 0.9, "alpha": 1.4, "spindle": 0.7, "kc": 0.6, "saw": 0.9, "eye": 0.02, "beta": 0.8}
    return {"delta": 1.0, "theta": 1.0, "alpha": 0.8, "spindle": 1.1, "kc": 1.0, "saw": 1.1, "eye": 0.08, "beta": 1.0}


def channel_kind(channel: str) -> str:
    for prefix, kind in (
        ("EEG", "eeg"), ("EOG", "eog"), ("EMG", "emg"), ("RESP", "resp"), ("TEMP", "temp"),
        ("ECG", "ecg"), ("EVENT", "marker"), ("MARKER", "marker"),
    ):  # fmt: skip
        if channel.upper().startswith(prefix):
            return kind
    raise ValueError(
        f"cannot synthesise channel {channel!r}: its name must start with EEG, EOG, EMG, Resp, Temp, "
        "ECG, Event or Marker"
    )


def _shift_transitions(states: list[str], split: int, rng: np.random.Generator) -> list[str]:
    """Per-epoch states → ``split`` sub-epochs each, every stage change moved by a random whole number of them.

    A change moves by at most ``(split - 1) // 2`` sub-epochs either way, and never so far that an epoch keeps
    less than the majority of its sub-epochs in its own state: the scored label stays what a scorer would give.
    """
    if split <= 1:
        return list(states)
    limit = (split - 1) // 2
    sub = [state for state in states for _ in range(split)]
    lost = np.zeros(len(states), dtype=int)  # sub-epochs each epoch gave to its neighbours
    for i in range(1, len(states)):
        if states[i] == states[i - 1]:
            continue
        shift = int(rng.integers(-limit, limit + 1))
        shift = max(shift, -(limit - lost[i - 1]))  # epoch i's state reaches back into epoch i - 1
        start = i * split
        if shift > 0:  # the previous state lasts into epoch i
            sub[start : start + shift] = [states[i - 1]] * shift
            lost[i] += shift
        elif shift < 0:
            sub[start + shift : start] = [states[i]] * -shift
            lost[i - 1] -= shift
    return sub


def _slow_wave_decline(states: Sequence[str], epoch_seconds: float) -> np.ndarray:
    """Slow-wave amplitude over the night: high after sleep onset, decaying towards the morning (process S)."""
    asleep = np.flatnonzero(np.isin(np.array(states), ["N1", "N2", "N3", "S4", "REM"]))
    if not len(asleep):
        return np.ones(len(states))
    hours = np.clip(np.arange(len(states)) - asleep[0], 0, None) * epoch_seconds / 3600.0
    return 0.8 + 0.35 * np.exp(-hours / 3.0)


def synthesize_night(
    stages: Sequence[str],
    *,
    sfreq: float = 100.0,
    epoch_seconds: float = 30.0,
    channels: Sequence[str] = ("EEG Fpz-Cz",),
    seed: int = 0,
    species: str = "human",
    subject_seed: int | None = None,
    artefacts: bool = True,
) -> np.ndarray:
    """Synthesise a night of PSG signals that follows a hypnogram.

    Args:
        stages: one stage per epoch. Human: AASM (``W``, ``N1``, ``N2``, ``N3``, ``REM``), R&K
            annotation texts (``Sleep stage 4``, ``Movement time``, ``Sleep stage ?``) or digits.
            Mouse: ``Wake``, ``NREM`` (``Non REM``), ``REM``, ``Unscored``; a trailing `` X`` (artefact
            mark) is accepted.
        sfreq: sampling rate in Hz; ``sfreq * epoch_seconds`` must be a whole number.
        epoch_seconds: duration of one stage epoch in seconds.
        channels: signal labels; the prefix picks the kind (``EEG …``, ``EOG …``, ``EMG …``,
            ``Resp …``, ``Temp …``, ``ECG …``, ``Event marker``/``Marker``); the first electrode of
            an EEG derivation picks its topography (frontal, central, parieto-occipital).
        seed: seed of this night's noise and events.
        species: ``"human"`` or ``"mouse"``.
        subject_seed: seed of the per-subject traits (amplitude, alpha and spindle frequency,
            1/f exponent); defaults to ``seed``. Give two nights of one subject the same value.
        artefacts: add movement artefacts and electrode pops.

    Returns:
        ``float32`` array ``(len(channels), len(stages) * sfreq * epoch_seconds)``: µV for EEG, EOG,
        EMG and ECG, °C for temperature, arbitrary units for respiration and markers.
    """
    if species not in ("human", "mouse"):
        raise ValueError(f"species must be 'human' or 'mouse', got {species!r}")
    spe_f = sfreq * epoch_seconds
    if sfreq <= 0 or epoch_seconds <= 0 or abs(spe_f - round(spe_f)) > 1e-6:
        raise ValueError(
            f"sfreq * epoch_seconds must be a positive whole number, got {sfreq} * {epoch_seconds}"
        )
    spe = int(round(spe_f))
    states = normalise_stages(stages, species)
    if not states:
        raise ValueError("stages is empty: nothing to synthesise")
    kinds = [channel_kind(ch) for ch in channels]
    traits = _traits(seed if subject_seed is None else subject_seed)
    rng = np.random.default_rng([seed, 104729])
    profiles = _HUMAN_PROFILES if species == "human" else _MOUSE_PROFILES
    n_scored = len(states)
    jitter = rng.lognormal(0.0, 0.15, (n_scored, 4))  # per-epoch amplitude jitter
    split = 1
    if species == "human":
        # Physiology changes at any moment, not on the scoring grid: a scorer labels an epoch by the state that
        # fills most of it. Work on sub-epochs and move every stage change by up to a third of an epoch.
        split = next((k for k in (6, 5, 4, 3) if spe % k == 0), 1)
        states = _shift_transitions(states, split, np.random.default_rng([seed, 15485863]))
        spe //= split
        epoch_seconds /= split
        jitter = np.repeat(jitter, split, axis=0)
    table = np.array([profiles[s] for s in states], dtype=np.float64)  # (n_epochs, n_columns)
    col = {name: table[:, i] for i, name in enumerate(_PROFILE_COLUMNS)}
    n_epochs = len(states)
    n = n_epochs * spe
    if species == "human":
        col["delta"] = col["delta"] * _slow_wave_decline(states, epoch_seconds)
    if not artefacts:
        col["artefact"] = np.zeros(n_epochs)

    # Events shared by all EEG derivations (one brain) and by the EOG.
    spindle_amp, kc_amp = (25.0, 110.0) if species == "human" else (30.0, 0.0)
    spindles = _spindles(
        rng, n, sfreq, _event_times(rng, col["spindle"], epoch_seconds), traits.spindle_hz, spindle_amp
    )
    kcs = _k_complexes(rng, n, sfreq, _event_times(rng, col["kcomplex"], epoch_seconds), kc_amp)
    vertex = _vertex_waves(rng, n, sfreq, _event_times(rng, col["vertex"], epoch_seconds), 60.0)
    saw = _sawtooth_bursts(rng, n, sfreq, _event_times(rng, col["sawtooth"], epoch_seconds), 25.0)
    eyes = _saccades(rng, n, sfreq, _event_times(rng, col["saccade"], epoch_seconds), 80.0)
    needs_eye = any(k in ("eeg", "eog") for k in kinds) and species == "human"
    if needs_eye:
        eyes += _band_noise(rng, n, sfreq, 0.15, 0.6) * _envelope(col["sem"] * jitter[:, 0], spe, sfreq) * 1.4
    art_times = _event_times(rng, col["artefact"], epoch_seconds)
    moves = _movements(rng, n, sfreq, art_times, 150.0) if len(art_times) else np.zeros(n, np.float32)
    art_box = _boxes(n, sfreq, art_times, rng.uniform(0.5, 3.0, len(art_times)))
    twitch_times = _event_times(rng, col["twitch"], epoch_seconds)
    twitch_box = _boxes(n, sfreq, twitch_times, rng.uniform(0.05, 0.3, len(twitch_times)))
    sleep_fraction = np.isin(np.array(states), ["N1", "N2", "N3", "S4", "REM", "NREM"]).astype(float)

    a = traits.amplitude
    out = np.empty((len(channels), n), dtype=np.float32)
    frontal_cache: np.ndarray | None = None
    for c, (channel, kind) in enumerate(zip(channels, kinds, strict=True)):
        if kind == "eeg":
            loc = _location(channel) if species == "human" else {
                "delta": 1.0, "theta": 1.0, "alpha": 0.0, "spindle": 1.0, "kc": 0.0, "saw": 0.0, "eye": 0.0
            }  # fmt: skip
            x = _band_noise(rng, n, sfreq, 0.3, 0.45 * sfreq, traits.exponent)
            x *= _envelope(col["bg"] * 12.0 * jitter[:, 1], spe, sfreq)
            delta = _band_noise(rng, n, sfreq, 0.5, 2.5 if species == "human" else 4.0)
            x += (
                delta
                * _envelope(col["delta"] * traits.delta_gain * loc["delta"] * jitter[:, 2], spe, sfreq)
                * (_slow_modulation(rng, n, sfreq, 0.3, period=4.0))
            )
            lo, hi = (4.0, 7.5) if species == "human" else (traits.theta_hz - 1.0, traits.theta_hz + 1.0)
            x += _band_noise(rng, n, sfreq, lo, hi) * _envelope(
                col["theta"] * loc["theta"] * jitter[:, 3], spe, sfreq
            )
            if species == "human":
                x += _band_noise(rng, n, sfreq, 15.0, 35.0) * _envelope(col["beta"] * loc["beta"], spe, sfreq)
                alpha = _band_noise(rng, n, sfreq, traits.alpha_hz - 1.0, traits.alpha_hz + 1.0)
                alpha *= _slow_modulation(rng, n, sfreq, 0.5)
                x += alpha * _envelope(col["alpha"] * loc["alpha"], spe, sfreq)
            x += loc["spindle"] * spindles + loc["kc"] * kcs + vertex + loc["saw"] * saw + loc["eye"] * eyes
            x += moves * rng.uniform(0.5, 1.5)
            x *= a
            if artefacts and rng.random() < 0.5:  # an electrode pop or two
                pops = rng.uniform(0, n / sfreq, rng.integers(1, 3))
                t = np.arange(0.0, 2.0, 1.0 / sfreq)[None, :]
                x += _add_events(n, sfreq, pops, 300.0 * np.exp(-t / 0.3).repeat(len(pops), 0), 0.0)
            if frontal_cache is None or _location(channel)["eye"] > 0.3:
                frontal_cache = x
        elif kind == "eog":
            sign = -1.0 if "RIGHT" in channel.upper() else 1.0
            x = sign * eyes + 0.3 * (kcs + spindles * 0.3) + moves * rng.uniform(0.5, 1.5)
            x += _band_noise(rng, n, sfreq, 0.5, 2.5) * _envelope(col["delta"] * 0.4, spe, sfreq)
            x += rng.standard_normal(n, dtype=np.float32) * 3.0
            x *= a
        elif kind == "emg":
            level = col["emg"] * traits.emg_gain * jitter[:, 0]
            env = _envelope(level, spe, sfreq) * _slow_modulation(rng, n, sfreq, 0.2, period=1.0)
            env += art_box * 60.0 + twitch_box * 25.0
            white = rng.standard_normal(n + 1, dtype=np.float32)
            x = (white[1:] - white[:-1]) * np.float32(1 / np.sqrt(2)) * env  # high-pass: EMG-like spectrum
        elif kind == "ecg":
            rate = {"W": 1.2, "N1": 1.1, "N2": 1.0, "N3": 0.95, "S4": 0.95, "REM": 1.1}
            hr = np.array([rate.get(s, 1.1) for s in states]) * rng.uniform(0.9, 1.1)
            rr = 1.0 / np.repeat(hr, int(np.ceil(epoch_seconds * 1.5)))[: int(n / sfreq * 1.6) + 2]
            beats = np.cumsum(rr * rng.lognormal(0, 0.03, len(rr)))
            beats = beats[beats < n / sfreq]
            t = np.arange(-0.1, 0.4, 1.0 / sfreq)[None, :]
            qrs = 800 * np.exp(-0.5 * (t / 0.012) ** 2) + 150 * np.exp(-0.5 * ((t - 0.25) / 0.05) ** 2)
            x = _add_events(n, sfreq, beats, qrs.repeat(len(beats), 0), -0.1)
            x += rng.standard_normal(n, dtype=np.float32) * 10.0
        elif kind == "resp":
            f = {"W": 0.3, "N1": 0.27, "N2": 0.25, "N3": 0.23, "S4": 0.23, "REM": 0.3}
            rate = np.array([f.get(s, 0.3) for s in states])
            irregular = np.array([0.15 if s in ("W", "REM", "MT", "?") else 0.04 for s in states])
            inst = _envelope(rate, spe, sfreq) * _slow_modulation(rng, n, sfreq, 0.1, period=5.0)
            inst *= 1 + _envelope(irregular, spe, sfreq) * _band_noise(rng, n, sfreq, 0.02, 0.2)
            x = (np.sin(2 * np.pi * np.cumsum(inst, dtype=np.float64) / sfreq) * 200.0).astype(np.float32)
            x *= _slow_modulation(rng, n, sfreq, 0.2, period=10.0)
        elif kind == "temp":
            width = max(1, int(3600 / epoch_seconds))
            csum = np.concatenate([[0.0], np.cumsum(sleep_fraction)])
            lo = np.clip(np.arange(n_epochs) - width // 2, 0, n_epochs)
            hi = np.clip(np.arange(n_epochs) + width - width // 2, 0, n_epochs)
            smooth = (csum[hi] - csum[lo]) / (hi - lo)
            x = 37.1 - 0.5 * _envelope(smooth, spe, sfreq)
            step = max(1, int(sfreq))  # a slow random walk, one knot per second
            walk = np.cumsum(rng.normal(0, 1e-3, n // step + 2)).astype(np.float32)
            x += _linear_upsample(walk, step, n)
            x = x.astype(np.float32)
        else:  # marker
            x = np.zeros(n, dtype=np.float32)
        out[c] = x
    return out
