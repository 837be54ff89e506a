"""The NumPy filters and resampler of the staging path equal `scipy.signal`'s, and staging never imports it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import signal

from hf_sleep.models.sleep_base import filters

from .conftest import REPO_ROOT
from .staging.helpers import cycling_hypnogram, write_edf

# (order, edges, btype, fs): the bundled contracts' band-passes, and the other kinds at other rates.
DESIGNS = [
    (2, [0.2, 30.0], "bandpass", 100.0),  # RobustSleepNet
    (5, [0.3, 40.0], "bandpass", 100.0),  # physioex's SeqSleepNet
    (5, [0.3, 35.0], "bandpass", 128.0),
    (4, 16.0, "lowpass", 256.0),
    (3, 0.5, "highpass", 100.0),
]


def noisy(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """µV-scaled noise with a slow drift (what the high-pass removes)."""
    rng = np.random.default_rng(seed)
    drift = np.linspace(0.0, 200.0, shape[-1])
    return 50.0 * rng.normal(size=shape) + drift


@pytest.mark.parametrize(("order", "edges", "btype", "fs"), DESIGNS)
def test_butterworth_filtering_equals_scipy(order, edges, btype, fs):
    b, a = signal.butter(order, edges, btype, fs=fs)
    ours_b, ours_a = filters.butter_ba(order, edges, btype, fs)
    np.testing.assert_allclose(ours_b, b, rtol=1e-10, atol=1e-14 * np.abs(b).max())
    np.testing.assert_allclose(ours_a, a, rtol=1e-10, atol=1e-12)
    sos = signal.butter(order, edges, btype, fs=fs, output="sos")
    ours_sos = filters.butter_sos(order, edges, btype, fs)
    x = noisy((3, 2, 3000))
    scale = np.abs(x).max()
    for ours, theirs in (
        (filters.sosfiltfilt(ours_sos, x), signal.sosfiltfilt(sos, x, axis=-1)),
        (filters.sosfilt(ours_sos, x), signal.sosfilt(sos, x, axis=-1)),
    ):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9 * scale)
    if order <= 2:  # the (b, a) form is what RobustSleepNet's original filters with
        ours, theirs = filters.filtfilt(b, a, x), signal.filtfilt(b, a, x, axis=-1)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9 * scale)


def test_a_long_recording_is_filtered_as_scipy_filters_it():
    """An hour at 100 Hz in one row: blocks and the scan over their states give scipy's sequential result."""
    x = noisy((1, 360_000), seed=1).astype(np.float32)
    b, a = signal.iirfilter(2, [0.2 * 2 / 100, 30 * 2 / 100], btype="bandpass", ftype="butter")
    # Within float32 rounding of the signal (the input is float32, as read from an EDF).
    tolerance = 2e-8 * np.abs(x).max()
    np.testing.assert_allclose(filters.filtfilt(b, a, x), signal.filtfilt(b, a, x, axis=-1), rtol=0, atol=tolerance)
    with pytest.raises(ValueError, match="longer than 15 samples"):
        filters.filtfilt(b, a, x[:, :10])


@pytest.mark.parametrize(("up", "down"), [(3, 5), (25, 64), (1, 2), (5, 2), (100, 256), (1, 1)])
@pytest.mark.parametrize("n_samples", [3000, 3001, 12347])
def test_polyphase_resampling_equals_scipy(up, down, n_samples):
    x = noisy((2, n_samples), seed=n_samples)
    ours, theirs = filters.resample_poly(x, up, down), signal.resample_poly(x, up, down, axis=-1)
    assert ours.shape == theirs.shape
    # Float64 rounding; at 256 -> 100 Hz (5121 taps) scipy's result differs from ours by up to two float32 units.
    relative = 3e-7 if max(up, down) > 100 else 1e-12
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=relative * np.abs(x).max())


STAGE_AND_LIST_MODULES = """
import json, sys
from hf_sleep.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "scipy.signal": "scipy.signal" in sys.modules}))
"""


def test_staging_a_night_at_another_rate_does_not_import_scipy_signal(tmp_path):
    """A 256-Hz night through the physioex model (resampled to 100 Hz, band-passed): scipy.signal stays unimported
    (its import takes longer than staging the night)."""
    pytest.importorskip("onnxruntime", reason="the torch-free path needs onnxruntime")
    from hf_sleep.data.synthetic import synthesize_night

    stages = cycling_hypnogram(0.5, seed=2)
    eeg = synthesize_night(stages, sfreq=256.0, channels=("EEG C4-A1",), seed=2)[0]
    night = write_edf(tmp_path / "night.edf", {"EEG C4-A1": eeg}, sfreq=256.0)
    arguments = ["stage", str(night), "--model", "seqsleepnet-physioex-eeg", "--backend", "onnx", "--no-plot",
                 "--output-dir", str(tmp_path), "--quiet"]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run([sys.executable, "-c", STAGE_AND_LIST_MODULES, *arguments], capture_output=True,
                         text=True, env=environment, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[-1]) == {"code": 0, "scipy.signal": False}
