"""Synthetic polysomnography signals that follow a hypnogram, one array per channel.

The signals are built so that a sleep scorer recognises the stages:

* **W** — alpha (8–12 Hz, subject-specific peak, strongest over Pz-Oz, weak at Fpz-Cz), the most
  beta and frontalis muscle activity (15–35 Hz, strongest at frontal sites), high chin EMG,
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

Under everything lies a 1/f background, which sleep steepens: in N1–N3 and REM a second background one
power of f steeper takes over from wake's flatter one, so that power above ~15 Hz falls and power
below ~4 Hz rises from W to N3, as the aperiodic exponent of the EEG spectrum does (Lendner et al. 2020,
eLife 9:e55092: the 30–45 Hz slope is flattest in wake, steeper in NREM and REM sleep). Each subject has its own amplitude scale, alpha and
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
    "bg", "steep", "delta", "theta", "alpha", "beta", "emg", "sem",
    "saccade", "spindle", "kcomplex", "sawtooth", "vertex", "artefact", "twitch",
)  # fmt: skip
# N2 carries about 7 spindles and 3 K-complexes a minute, the upper range of healthy young adults, and more
# delta than REM: with fewer, stretches of early N2 read as REM to Fpz-Cz models, and with more delta REM reads
# as N2. REM has less beta and frontalis muscle activity than N2 (atonia) but more than N3: at wake-like levels
# long REM periods read as wake to SeqSleepNet, at N3 levels as N2 to RobustSleepNet.
_HUMAN_PROFILES: dict[str, tuple[float, ...]] = {
    #       bg steep delta theta alpha beta emg  sem  sacc spin  kc   saw  vert  art  twitch
    "W":   (1.0, 0.0, 4.0, 4.0, 16.0, 6.0, 20.0, 12.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.15, 0.0),
    "N1":  (0.8, 0.6, 6.0, 13.0, 3.0, 2.5, 10.0, 45.0, 0.2, 0.0, 0.0, 0.0, 0.6, 0.05, 0.0),
    "N2":  (0.5, 1.15, 13.0, 9.0, 2.0, 1.5, 7.0, 4.0, 0.0, 3.5, 1.5, 0.0, 0.1, 0.02, 0.0),
    "N3":  (0.5, 1.4, 40.0, 8.0, 1.5, 1.2, 6.0, 0.0, 0.0, 0.7, 0.2, 0.0, 0.0, 0.01, 0.0),
    "S4":  (0.5, 1.5, 55.0, 8.0, 1.5, 1.2, 5.5, 0.0, 0.0, 0.4, 0.1, 0.0, 0.0, 0.01, 0.0),
    "REM": (0.4, 0.8, 4.0, 9.0, 4.0, 1.4, 2.0, 3.0, 8.0, 0.0, 0.0, 1.2, 0.0, 0.02, 1.0),
    "MT":  (1.0, 0.0, 10.0, 6.0, 6.0, 12.0, 45.0, 10.0, 3.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0),
    "?":   (1.0, 0.0, 5.0, 4.0, 10.0, 5.0, 22.0, 10.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0),
}  # fmt: skip
_MOUSE_PROFILES: dict[str, tuple[float, ...]] = {
    "Wake": (1.0, 0.0, 15.0, 20.0, 0.0, 0.0, 40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.0),
    "NREM": (1.2, 0.0, 80.0, 10.0, 0.0, 0.0, 12.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.02, 0.0),
    "REM":  (0.8, 0.0, 12.0, 55.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.02, 1.0),
    "?":    (1.0, 0.0, 20.0, 15.0, 0.0, 0.0, 35.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0),
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
        return {
            "delta": 1.2,
            "theta": 1.0,
            "alpha": 0.5,
            "spindle": 0.9,
            "kc": 1.3,
            "saw": 0.8,
            "eye": 0.35,
            "beta": 1.3,
        }
    if site.startswith(("P", "O")):
        return {
            "delta": 0.7,
            "theta": 0.9,
            "alpha": 1.4,
            "spindle": 0.7,
            "kc": 0.6,
            "saw": 0.9,
            "eye": 0.02,
            "beta": 0.8,
        }
    return {
        "delta": 1.0,
        "theta": 1.0,
        "alpha": 0.8,
        "spindle": 1.1,
        "kc": 1.0,
        "saw": 1.1,
        "eye": 0.08,
        "beta": 1.0,
    }


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


@dataclass
class _Night:
    """What every channel of one night is built from: the state per sub-epoch and its profile columns."""

    states: list[str]
    col: dict[str, np.ndarray]  # profile column -> value per sub-epoch
    jitter: np.ndarray  # (sub-epochs, 4) per-epoch amplitude jitter
    spe: int  # samples per sub-epoch
    sfreq: float
    epoch_seconds: float  # of a sub-epoch
    species: str

    @property
    def n(self) -> int:
        return len(self.states) * self.spe

    def envelope(self, per_epoch: np.ndarray) -> np.ndarray:
        return _envelope(per_epoch, self.spe, self.sfreq)

    def events(self, rng: np.random.Generator, column: str) -> np.ndarray:
        return _event_times(rng, self.col[column], self.epoch_seconds)


def _samples_per_epoch(sfreq: float, epoch_seconds: float) -> int:
    spe = sfreq * epoch_seconds
    if sfreq <= 0 or epoch_seconds <= 0 or abs(spe - round(spe)) > 1e-6:
        raise ValueError(
            f"sfreq * epoch_seconds must be a positive whole number, got {sfreq} * {epoch_seconds}"
        )
    return int(round(spe))


def _plan_night(
    states: list[str],
    rng: np.random.Generator,
    *,
    sfreq: float,
    epoch_seconds: float,
    seed: int,
    species: str,
    artefacts: bool,
) -> _Night:
    """The stage profile of every sub-epoch, with its amplitude jitter, stage changes off the scoring grid and
    the decline of slow waves across the night."""
    spe = _samples_per_epoch(sfreq, epoch_seconds)
    profiles = _HUMAN_PROFILES if species == "human" else _MOUSE_PROFILES
    jitter = rng.lognormal(0.0, 0.15, (len(states), 4))
    if species == "human":
        # Physiology changes at any moment, not on the scoring grid: a scorer labels an epoch by the state that
        # fills most of it. Work on sub-epochs and move every stage change by up to a third of an epoch.
        split = next((k for k in (6, 5, 4, 3) if spe % k == 0), 1)
        states = _shift_transitions(states, split, np.random.default_rng([seed, 15485863]))
        spe, epoch_seconds = spe // split, epoch_seconds / split
        jitter = np.repeat(jitter, split, axis=0)
    table = np.array([profiles[s] for s in states], dtype=np.float64)  # (n_epochs, n_columns)
    col = {name: table[:, i] for i, name in enumerate(_PROFILE_COLUMNS)}
    if species == "human":
        col["delta"] = col["delta"] * _slow_wave_decline(states, epoch_seconds)
    if not artefacts:
        col["artefact"] = np.zeros(len(states))
    return _Night(states, col, jitter, spe, sfreq, epoch_seconds, species)


def _shared_events(rng: np.random.Generator, night: _Night, traits: _Traits, kinds: list[str]) -> dict:
    """Events of one brain and one body, seen by several channels: spindles, K-complexes, vertex and sawtooth
    waves and eye movements (EEG and EOG), movements and twitches (EEG and EMG)."""
    n, sfreq, human = night.n, night.sfreq, night.species == "human"
    spindle_amp, kc_amp = (25.0, 110.0) if human else (30.0, 0.0)
    events = {
        "spindles": _spindles(rng, n, sfreq, night.events(rng, "spindle"), traits.spindle_hz, spindle_amp),
        "kcs": _k_complexes(rng, n, sfreq, night.events(rng, "kcomplex"), kc_amp),
        "vertex": _vertex_waves(rng, n, sfreq, night.events(rng, "vertex"), 60.0),
        "saw": _sawtooth_bursts(rng, n, sfreq, night.events(rng, "sawtooth"), 25.0),
        "eyes": _saccades(rng, n, sfreq, night.events(rng, "saccade"), 80.0),
    }
    if human and any(k in ("eeg", "eog") for k in kinds):  # slow rolling eye movements
        events["eyes"] += (
            _band_noise(rng, n, sfreq, 0.15, 0.6)
            * night.envelope(night.col["sem"] * night.jitter[:, 0])
            * 1.4
        )
    art_times = night.events(rng, "artefact")
    events["moves"] = (
        _movements(rng, n, sfreq, art_times, 150.0) if len(art_times) else np.zeros(n, np.float32)
    )
    events["art_box"] = _boxes(n, sfreq, art_times, rng.uniform(0.5, 3.0, len(art_times)))
    twitch_times = night.events(rng, "twitch")
    events["twitch_box"] = _boxes(n, sfreq, twitch_times, rng.uniform(0.05, 0.3, len(twitch_times)))
    return events


_MOUSE_LOCATION = {
    "delta": 1.0,
    "theta": 1.0,
    "alpha": 0.0,
    "beta": 0.0,
    "spindle": 1.0,
    "kc": 0.0,
    "saw": 0.0,
    "eye": 0.0,
}


def _eeg(rng, night: _Night, traits: _Traits, events: dict, channel: str, artefacts: bool) -> np.ndarray:
    """1/f background plus delta, theta, beta and (human) alpha rhythms under per-epoch envelopes, plus the
    shared events weighted by the derivation's site."""
    n, sfreq, col, jitter, human = night.n, night.sfreq, night.col, night.jitter, night.species == "human"
    loc = _location(channel) if human else _MOUSE_LOCATION
    x = _band_noise(rng, n, sfreq, 0.3, 0.45 * sfreq, traits.exponent)
    x *= night.envelope(col["bg"] * 12.0 * jitter[:, 1])
    if human:  # sleep steepens the spectrum: a second background, one power of f steeper
        steep = _band_noise(rng, n, sfreq, 0.3, 0.45 * sfreq, traits.exponent + 1.0)
        x += steep * night.envelope(col["steep"] * 12.0 * jitter[:, 1])
    delta = _band_noise(rng, n, sfreq, 0.5, 2.5 if human else 4.0)
    delta_level = night.envelope(col["delta"] * traits.delta_gain * loc["delta"] * jitter[:, 2])
    x += delta * delta_level * _slow_modulation(rng, n, sfreq, 0.3, period=4.0)
    lo, hi = (4.0, 7.5) if human else (traits.theta_hz - 1.0, traits.theta_hz + 1.0)
    x += _band_noise(rng, n, sfreq, lo, hi) * night.envelope(col["theta"] * loc["theta"] * jitter[:, 3])
    if human:
        x += _band_noise(rng, n, sfreq, 15.0, 35.0) * night.envelope(col["beta"] * loc["beta"])
        alpha = _band_noise(rng, n, sfreq, traits.alpha_hz - 1.0, traits.alpha_hz + 1.0)
        alpha *= _slow_modulation(rng, n, sfreq, 0.5)
        x += alpha * night.envelope(col["alpha"] * loc["alpha"])
    x += loc["spindle"] * events["spindles"] + loc["kc"] * events["kcs"] + events["vertex"]
    x += loc["saw"] * events["saw"] + loc["eye"] * events["eyes"]
    x += events["moves"] * rng.uniform(0.5, 1.5)
    x *= traits.amplitude
    if artefacts and rng.random() < 0.5:  # an electrode pop or two
        pops = rng.uniform(0, n / sfreq, rng.integers(1, 3))
        t = np.arange(0.0, 2.0, 1.0 / sfreq)[None, :]
        x += _add_events(n, sfreq, pops, 300.0 * np.exp(-t / 0.3).repeat(len(pops), 0), 0.0)
    return x


def _eog(rng, night: _Night, traits: _Traits, events: dict, channel: str, artefacts: bool) -> np.ndarray:
    sign = -1.0 if "RIGHT" in channel.upper() else 1.0
    x = (
        sign * events["eyes"]
        + 0.3 * (events["kcs"] + events["spindles"] * 0.3)
        + events["moves"] * rng.uniform(0.5, 1.5)
    )
    x += _band_noise(rng, night.n, night.sfreq, 0.5, 2.5) * night.envelope(night.col["delta"] * 0.4)
    x += rng.standard_normal(night.n, dtype=np.float32) * 3.0
    return x * traits.amplitude


def _emg(rng, night: _Night, traits: _Traits, events: dict, channel: str, artefacts: bool) -> np.ndarray:
    level = night.col["emg"] * traits.emg_gain * night.jitter[:, 0]
    env = night.envelope(level) * _slow_modulation(rng, night.n, night.sfreq, 0.2, period=1.0)
    env += events["art_box"] * 60.0 + events["twitch_box"] * 25.0
    white = rng.standard_normal(night.n + 1, dtype=np.float32)
    return (white[1:] - white[:-1]) * np.float32(1 / np.sqrt(2)) * env  # high-pass: EMG-like spectrum


def _ecg(rng, night: _Night, traits: _Traits, events: dict, channel: str, artefacts: bool) -> np.ndarray:
    n, sfreq = night.n, night.sfreq
    rate = {"W": 1.2, "N1": 1.1, "N2": 1.0, "N3": 0.95, "S4": 0.95, "REM": 1.1}
    hr = np.array([rate.get(s, 1.1) for s in night.states]) * rng.uniform(0.9, 1.1)
    rr = 1.0 / np.repeat(hr, int(np.ceil(night.epoch_seconds * 1.5)))[: int(n / sfreq * 1.6) + 2]
    beats = np.cumsum(rr * rng.lognormal(0, 0.03, len(rr)))
    beats = beats[beats < n / sfreq]
    t = np.arange(-0.1, 0.4, 1.0 / sfreq)[None, :]
    qrs = 800 * np.exp(-0.5 * (t / 0.012) ** 2) + 150 * np.exp(-0.5 * ((t - 0.25) / 0.05) ** 2)
    x = _add_events(n, sfreq, beats, qrs.repeat(len(beats), 0), -0.1)
    return x + rng.standard_normal(n, dtype=np.float32) * 10.0


def _resp(rng, night: _Night, traits: _Traits, events: dict, channel: str, artefacts: bool) -> np.ndarray:
    n, sfreq = night.n, night.sfreq
    f = {"W": 0.3, "N1": 0.27, "N2": 0.25, "N3": 0.23, "S4": 0.23, "REM": 0.3}
    rate = np.array([f.get(s, 0.3) for s in night.states])
    irregular = np.array([0.15 if s in ("W", "REM", "MT", "?") else 0.04 for s in night.states])
    inst = night.envelope(rate) * _slow_modulation(rng, n, sfreq, 0.1, period=5.0)
    inst *= 1 + night.envelope(irregular) * _band_noise(rng, n, sfreq, 0.02, 0.2)
    x = (np.sin(2 * np.pi * np.cumsum(inst, dtype=np.float64) / sfreq) * 200.0).astype(np.float32)
    return x * _slow_modulation(rng, n, sfreq, 0.2, period=10.0)


def _temp(rng, night: _Night, traits: _Traits, events: dict, channel: str, artefacts: bool) -> np.ndarray:
    """Core temperature: about 0.5 °C lower over the hours asleep (a 1-h moving mean), plus a slow random walk."""
    n, n_epochs = night.n, len(night.states)
    sleep_fraction = np.isin(np.array(night.states), ["N1", "N2", "N3", "S4", "REM", "NREM"]).astype(float)
    width = max(1, int(3600 / night.epoch_seconds))
    csum = np.concatenate([[0.0], np.cumsum(sleep_fraction)])
    lo = np.clip(np.arange(n_epochs) - width // 2, 0, n_epochs)
    hi = np.clip(np.arange(n_epochs) + width - width // 2, 0, n_epochs)
    x = 37.1 - 0.5 * night.envelope((csum[hi] - csum[lo]) / (hi - lo))
    step = max(1, int(night.sfreq))  # one knot per second
    walk = np.cumsum(rng.normal(0, 1e-3, n // step + 2)).astype(np.float32)
    return (x + _linear_upsample(walk, step, n)).astype(np.float32)


def _marker(rng, night: _Night, traits: _Traits, events: dict, channel: str, artefacts: bool) -> np.ndarray:
    return np.zeros(night.n, dtype=np.float32)


_CHANNEL_BUILDERS = {
    "eeg": _eeg, "eog": _eog, "emg": _emg, "ecg": _ecg, "resp": _resp, "temp": _temp, "marker": _marker,
}  # fmt: skip


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
    _samples_per_epoch(sfreq, epoch_seconds)
    states = normalise_stages(stages, species)
    if not states:
        raise ValueError("stages is empty: nothing to synthesise")
    kinds = [channel_kind(ch) for ch in channels]
    traits = _traits(seed if subject_seed is None else subject_seed)
    rng = np.random.default_rng([seed, 104729])
    night = _plan_night(
        states, rng, sfreq=sfreq, epoch_seconds=epoch_seconds, seed=seed, species=species, artefacts=artefacts
    )
    events = _shared_events(rng, night, traits, kinds)
    out = np.empty((len(channels), night.n), dtype=np.float32)
    for c, (channel, kind) in enumerate(zip(channels, kinds, strict=True)):
        out[c] = _CHANNEL_BUILDERS[kind](rng, night, traits, events, channel, artefacts)
    return out
