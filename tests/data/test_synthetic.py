"""The synthetic PSG generator: determinism, speed, stage physiology, file layouts."""

from __future__ import annotations

import time
from pathlib import Path

import mne
import numpy as np
import pytest
from scipy.signal import welch

from hf_sleep.data.edf import read_annotations, read_edf_header
from hf_sleep.data.synthetic import (
    SLEEP_EDF_CHANNELS,
    synthesize_night,
    synthetic_hypnogram,
    write_mass_night,
    write_rodent_recording,
    write_sleep_edf_night,
)

STAGES = ("W", "N1", "N2", "N3", "REM")
CHANNELS = ("EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal", "EMG submental")


@pytest.fixture(scope="module")
def band_power():
    """Mean band power per (channel, stage) over 40 epochs of each stage, for two subjects."""
    out = {}
    for seed in (1, 2):
        stages = [s for s in STAGES for _ in range(40)]
        x = synthesize_night(stages, channels=CHANNELS, seed=seed)
        epochs = x.reshape(len(CHANNELS), len(STAGES), 40, 3000)
        f, p = welch(epochs, fs=100.0, nperseg=400, axis=-1)
        out[seed] = (f, p.mean(axis=2))  # (chan, stage, freq)
    return out


def power(band_power, seed: int, channel: str, stage: str, lo: float, hi: float) -> float:
    f, p = band_power[seed]
    mask = (f >= lo) & (f < hi)
    return float(p[CHANNELS.index(channel), STAGES.index(stage), mask].sum())


@pytest.mark.parametrize("seed", [1, 2])
def test_stage_physiology(band_power, seed: int) -> None:
    bp = band_power
    # N3: high-amplitude delta
    assert power(bp, seed, "EEG Fpz-Cz", "N3", 0.5, 2) > 5 * power(bp, seed, "EEG Fpz-Cz", "W", 0.5, 2)
    assert power(bp, seed, "EEG Fpz-Cz", "N3", 0.5, 2) > 3 * power(bp, seed, "EEG Fpz-Cz", "N2", 0.5, 2)
    # relaxed wake: posterior alpha
    alpha = {s: power(bp, seed, "EEG Pz-Oz", s, 8, 12) for s in STAGES}
    assert alpha["W"] == max(alpha.values()) and alpha["W"] > 5 * alpha["N2"]
    # N1: theta rises, slow eye movements
    assert power(bp, seed, "EEG Fpz-Cz", "N1", 4, 7.5) > 2 * power(bp, seed, "EEG Fpz-Cz", "W", 4, 7.5)
    assert power(bp, seed, "EOG horizontal", "N1", 0.1, 0.7) > 5 * power(
        bp, seed, "EOG horizontal", "N2", 0.1, 0.7
    )
    # N2: spindles (sigma band) — the most among sleep stages (wake alpha/beta can reach 12 Hz)
    sigma = {s: power(bp, seed, "EEG Fpz-Cz", s, 11, 15) for s in STAGES if s != "W"}
    assert sigma["N2"] == max(sigma.values()) and sigma["N2"] > 2 * sigma["N1"]
    # Sleep steepens the spectrum (Lendner et al. 2020, eLife 9:e55092): beta and muscle power (15-35 Hz) at
    # Fpz-Cz is highest in wake, and the ratio of slow (0.5-4 Hz) to fast power rises from W to N2 to N3
    fast = {s: power(bp, seed, "EEG Fpz-Cz", s, 15, 35) for s in STAGES}
    assert fast["W"] == max(fast.values()) and fast["W"] > 2 * fast["REM"]
    slope = {s: power(bp, seed, "EEG Fpz-Cz", s, 0.5, 4) / fast[s] for s in STAGES}
    assert slope["W"] < slope["N2"] < slope["N3"] and slope["W"] < slope["REM"]
    # REM: lowest chin EMG, rapid eye movements (EOG energy above 1 Hz beyond N2's)
    emg = {s: power(bp, seed, "EMG submental", s, 20, 45) for s in STAGES}
    assert emg["REM"] == min(emg.values()) and emg["W"] == max(emg.values())
    assert power(bp, seed, "EOG horizontal", "REM", 1, 10) > 3 * power(
        bp, seed, "EOG horizontal", "N2", 1, 10
    )


def test_spindles_are_bursts() -> None:
    """Sigma-band amplitude in N2 comes in bursts: its envelope is far more peaked than in W."""
    from scipy.signal import butter, hilbert, sosfiltfilt

    x = synthesize_night(["N2"] * 20 + ["W"] * 20, channels=("EEG Fpz-Cz",), seed=5)[0]
    sos = butter(4, [11, 15], "bandpass", fs=100, output="sos")
    env = np.abs(hilbert(sosfiltfilt(sos, x)))
    n2, w = env[: 20 * 3000], env[20 * 3000 :]
    assert np.percentile(n2, 99) / np.median(n2) > 3.0
    assert np.percentile(n2, 99) > 3 * np.percentile(w, 99) / 2


def test_n3_amplitude_and_rem_low_voltage() -> None:
    x = synthesize_night(["N3"] * 20 + ["REM"] * 20, channels=("EEG Fpz-Cz",), seed=3)[0].reshape(40, 3000)
    assert np.median(np.ptp(x[:20], axis=1)) > 75.0  # AASM: slow waves > 75 µV peak to peak
    assert np.median(np.std(x[20:], axis=1)) < np.median(np.std(x[:20], axis=1)) / 2


def test_subject_variation_and_determinism() -> None:
    a = synthesize_night(["W"] * 20, channels=("EEG Pz-Oz",), seed=0, subject_seed=10)
    b = synthesize_night(["W"] * 20, channels=("EEG Pz-Oz",), seed=0, subject_seed=10)
    np.testing.assert_array_equal(a, b)
    c = synthesize_night(["W"] * 20, channels=("EEG Pz-Oz",), seed=0, subject_seed=11)
    assert not np.array_equal(a, c)

    def alpha_peak(subject_seed: int) -> float:
        x = synthesize_night(["W"] * 40, channels=("EEG Pz-Oz",), seed=4, subject_seed=subject_seed)[0]
        f, p = welch(x, fs=100, nperseg=1000)
        band = (f >= 7) & (f <= 13)
        return float(f[band][np.argmax(p[band])])

    peaks = {alpha_peak(s) for s in range(6)}
    assert len(peaks) >= 3  # individual alpha frequencies differ
    assert all(8.0 <= pk <= 12.5 for pk in peaks)


def test_full_night_is_fast() -> None:
    stages = synthetic_hypnogram(8.0, seed=0, wake_before_hours=7, wake_after_hours=7)  # 22 h
    channels = [c for c, _, _ in SLEEP_EDF_CHANNELS["SC"]]
    start = time.perf_counter()
    x = synthesize_night(stages, channels=channels, seed=0)
    elapsed = time.perf_counter() - start
    assert x.shape == (7, len(stages) * 3000) and x.dtype == np.float32
    assert np.isfinite(x).all()
    assert elapsed < 30.0, f"22-h night took {elapsed:.1f} s"


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown stage"):
        synthesize_night(["W", "deep"])
    with pytest.raises(ValueError, match="whole number"):
        synthesize_night(["W"], sfreq=33.33)
    with pytest.raises(ValueError, match="cannot synthesise channel"):
        synthesize_night(["W"], channels=("Pulse",))


def test_sleep_edf_sc_layout(tmp_path: Path) -> None:
    psg, hyp = write_sleep_edf_night(tmp_path, hypnogram=["W"] * 10 + ["N2"] * 10, subject=7, night=2)
    assert psg.name == "SC4072E0-PSG.edf" and hyp.name == "SC4072EC-Hypnogram.edf"
    header = read_edf_header(psg)
    assert header.record_duration == 30.0 and header.n_records == 20
    assert header.channels == tuple(c for c, _, _ in SLEEP_EDF_CHANNELS["SC"])
    assert [header.sfreq(c) for c in header.channels] == [100, 100, 100, 1, 1, 1, 1]
    h, onset, duration, text = read_annotations(hyp)
    assert h.start == header.start
    assert list(text) == ["Sleep stage W", "Sleep stage 2", "Sleep stage ?"]
    assert onset[-1] == 600 and duration[-1] > 0  # the hypnogram runs past the PSG, like PhysioNet's
    raw = mne.io.read_raw_edf(psg, preload=False, verbose="error")
    assert raw.n_times == 20 * 3000
    assert not list(tmp_path.glob(".*"))  # no temporary file left


def test_sleep_edf_st_layout_and_real_copy(tmp_path: Path, shared_data: Path) -> None:
    real = shared_data / "sleep-edf" / "hypnograms" / "ST7132JR-Hypnogram.edf"
    psg, hyp = write_sleep_edf_night(tmp_path, hypnogram=real, subject=13, night=2, study="ST")
    assert psg.name == "ST7132J0-PSG.edf" and hyp.name == "ST7132JR-Hypnogram.edf"
    assert hyp.read_bytes() == real.read_bytes()
    header = read_edf_header(psg)
    assert header.channels == ("EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal", "EMG submental", "Marker")
    assert header.start == read_edf_header(real).start


def test_mass_layout(tmp_path: Path) -> None:
    psg, base = write_mass_night(
        tmp_path, hypnogram=["W", "N2", "N3", "REM"] * 5, subset=2, subject=4, reference="LER"
    )
    assert psg.name == "01-02-0004 PSG.edf" and base.name == "01-02-0004 Base.edf"
    header = read_edf_header(psg)
    assert "EEG C4-LER" in header.channels and header.sfreq("EEG C4-LER") == 256
    _, onset, duration, text = read_annotations(base)
    assert set(duration) == {20.0} and len(text) == 20 and 5 <= onset[0] <= 60
    assert onset[-1] + 20 <= header.duration


def test_rodent_layout(tmp_path: Path) -> None:
    edf, scores = write_rodent_recording(
        tmp_path, scores=["Wake", "NREM", "REM", "Wake X"], animal="m7", epoch_seconds=4
    )
    assert edf.name == "m7.edf" and scores.name == "m7scores_XX.txt"
    lines = scores.read_text().splitlines()
    assert lines[0] == "Epoch #,Start Time,End Time,Score #, Score"
    assert (
        lines[1].endswith(",1,Wake") and lines[2].endswith(",2,Non REM") and lines[4].endswith(",129,Wake X")
    )
    header = read_edf_header(edf)
    assert header.channels == ("EEG", "EMG") and header.duration == 16


def test_rodent_states_physiology() -> None:
    x = synthesize_night(["Wake"] * 30 + ["NREM"] * 30 + ["REM"] * 30, sfreq=256, epoch_seconds=10,
                         channels=("EEG", "EMG"), species="mouse", seed=0)  # fmt: skip
    eeg, emg = x.reshape(2, 3, 30, 2560)
    f, p = welch(eeg, fs=256, nperseg=1024, axis=-1)
    p = p.mean(axis=1)
    delta = p[:, (f >= 0.5) & (f < 4)].sum(-1)
    theta = p[:, (f >= 6) & (f < 9)].sum(-1)
    assert np.argmax(delta) == 1  # NREM
    assert np.argmax(theta / delta) == 2  # REM: theta dominates
    rms = np.sqrt((emg.astype(float) ** 2).mean(axis=(1, 2)))
    assert rms[0] > rms[1] > rms[2]  # wake > NREM > REM (atonia)


def test_stage_changes_fall_inside_epochs_but_keep_the_scored_majority() -> None:
    from hf_sleep.data.synthetic.signals import _shift_transitions, _slow_wave_decline

    rng = np.random.default_rng(0)
    states = [str(s) for s in rng.choice(["W", "N1", "N2", "N3", "REM"], 400)]  # a change at most boundaries
    sub = _shift_transitions(states, 6, np.random.default_rng(1))
    assert len(sub) == 6 * len(states)
    for i, state in enumerate(states):
        assert sub[6 * i : 6 * i + 6].count(state) >= 4  # the scored label fills most of its epoch
    changes = [i for i in range(1, len(states)) if states[i] != states[i - 1]]
    moved = [i for i in changes if sub[6 * i] != states[i] or sub[6 * i - 1] != states[i - 1]]
    assert len(moved) > len(changes) / 2  # most changes left the scoring grid
    assert _shift_transitions(states, 1, rng) == states
    decline = _slow_wave_decline(["W"] * 10 + ["N3"] * 1000, 30.0)
    assert decline[0] == decline[10] and decline[10] > 1.1 > 0.85 > decline[-1]  # from sleep onset to morning
