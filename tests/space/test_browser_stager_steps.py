"""The browser stager's steps run in Node against the libraries the Python path uses: its EDF reader against MNE
on generated files (several rates, EDF+ annotations, a negative and an inverted physical range, mV), its EDF+
writer read back by MNE, and its resample_poly, filtfilt and percentiles against scipy and numpy."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from hf_sleep.data.edf import write_edf

from ..conftest import REPO_ROOT
from ..edf_files import set_header_field

SPACE = REPO_ROOT / "spaces" / "browser_stager"
NODE = shutil.which("node")
START = dt.datetime(2024, 5, 6, 22, 30, 15)
# Channel lists as recordings name them, for the page's choice of central EEG derivations.
CHANNEL_SETS = [
    ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal", "EMG submental"],
    ["C3-M2", "C4-M1", "E1-M2", "Chin1-Chin2"],
    ["EEG C4-A1", "EEG C3-A2", "EEG Cz-Oz", "EOG(L)"],
    ["EOG C4", "EMG chin", "ECG"],
    ["Fp1", "Fpz", "Cz"],
]


def _signal(seconds: float, rate: float, seed: int, scale: float = 50.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    return scale * np.sin(2 * np.pi * 1.3 * t) + scale * 0.3 * rng.standard_normal(t.size)


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    """Writes the files, runs the Node script once over them all, returns (job, result, out folder)."""
    if NODE is None:
        reason = "the browser stager's steps are tested with Node.js (apt-get install nodejs)"
        if os.environ.get("HF_SLEEP_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("steps")
    files = [
        write_edf(folder / "annotated.edf", [
            ("EEG C4-M1", _signal(60, 256, 0), 256, "uV"),
            ("EEG C3-M2", _signal(60, 256, 1, scale=-80.0) - 300.0, 256, "uV"),  # a negative physical range
        ], annotations=[(3.5, 2.0, "Arousal"), (30.0, 1.0, "Lights off"), (45.25, 1.5, "Apnea obstructive")],
            start=START),
        write_edf(folder / "two_rates.edf", [
            ("EEG C4-M1", _signal(60, 256, 0), 256, "uV"), ("EMG chin", _signal(60, 128, 2, scale=5.0), 128, "uV"),
        ], start=START),
        write_edf(folder / "millivolts.edf", [("Fpz-Cz", _signal(90, 100, 3, scale=0.05), 100, "mV")], start=START),
        write_edf(folder / "odd_rate.edf", [("EEG Cz", _signal(40, 200, 4), 200, "uV")], record_duration=0.5),
    ]
    # An inverted physical range (minimum above maximum), as some recorders write to flip a channel's polarity.
    inverted = folder / "inverted.edf"
    shutil.copy(files[2], inverted)
    set_header_field(inverted, 256 + 104, 8, b"50")
    set_header_field(inverted, 256 + 112, 8, b"-50")
    files.append(inverted)
    not_edf = folder / "not_edf.edf"
    not_edf.write_text("a text file\n")
    truncated = folder / "truncated.edf"
    truncated.write_bytes(files[0].read_bytes()[:20_000])
    from scipy import signal

    rng = np.random.default_rng(7)
    b, a = signal.iirfilter(2, [0.2 / 50, 30.0 / 50], btype="bandpass", ftype="butter")
    x = _signal(120, 100, 5)
    x.tofile(folder / "x.f64")
    job = {
        "edf": [str(path) for path in files],
        "broken": [str(not_edf), str(truncated)],
        "annotations": [{"onset": 0.0, "duration": 90.0, "text": "Sleep stage W"},
                        {"onset": 90.0, "duration": 30.0, "text": "Sleep stage N1"},
                        {"onset": 120.0, "duration": 600.0, "text": "Sleep stage N2"}],
        "start": START.isoformat() + "Z",
        "signal": str(folder / "x.f64"),
        "rates": [[100, 60], [256, 100], [200, 100], [128, 100], [100, 100], [500, 100]],
        "b": b.tolist(), "a": a.tolist(), "zi": signal.lfilter_zi(b, a).tolist(),
        "channels": CHANNEL_SETS,
        "windows": [[n, window, stride, offset] for n in (5, 21, 22, 100, 961) for window in (1, 21)
                    for stride in (1, 21) for offset in (0, 3, 20, 40)],
        "hypnograms": [list(rng.choice(["W", "N1", "N2", "N3", "REM"], size=size, p=p))
                       for size, p in ((960, [0.2, 0.1, 0.4, 0.15, 0.15]), (100, [0.5, 0.2, 0.3, 0, 0]),
                                       (3, [1.0, 0, 0, 0, 0]))],
    }
    (folder / "job.json").write_text(json.dumps(job))
    subprocess.run([NODE, str(REPO_ROOT / "tests" / "space" / "browser_stager_steps.mjs"), str(SPACE),
                    str(folder / "job.json"), str(folder)], check=True, timeout=120)
    return job, json.loads((folder / "result.json").read_text()), folder


def test_edf_reader_matches_mne(steps):
    import mne

    job, result, folder = steps
    for k, (path, read) in enumerate(zip(job["edf"], result["edf"], strict=True)):
        raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
        assert read["labels"] == raw.ch_names
        assert read["start"] == raw.info["meas_date"].strftime("%Y-%m-%dT%H:%M:%S.000Z")
        top = max(read["rates"])
        assert top == raw.info["sfreq"]
        for i, (label, rate) in enumerate(zip(read["labels"], read["rates"], strict=True)):
            if rate != top:  # MNE brings slower channels to the fastest rate; the page reads each at its own
                continue
            page = np.fromfile(folder / f"edf{k}_{i}.f64")
            np.testing.assert_allclose(page, raw.get_data(picks=[label])[0] * 1e6, rtol=1e-9, atol=1e-9)
        annotations = mne.read_annotations(path)
        assert [a["text"] for a in read["annotations"]] == list(annotations.description)
        np.testing.assert_allclose([a["onset"] for a in read["annotations"]], annotations.onset)
        np.testing.assert_allclose([a["duration"] for a in read["annotations"]], annotations.duration)
    assert result["edf"][1]["rates"] == [256, 128] and result["edf"][3]["rates"] == [200]
    assert len(result["edf"][0]["annotations"]) == 3


def test_edf_reader_refuses_broken_files_in_one_line(steps):
    job, result, _ = steps
    not_edf, truncated = result["errors"]
    assert not_edf.startswith("EdfError: ") and "not_edf.edf is not an EDF file" in not_edf
    assert truncated.startswith("EdfError: ") and "truncated.edf is truncated" in truncated
    assert all("\n" not in message for message in result["errors"])


def test_annotation_edf_written_by_the_page_reads_in_mne(steps):
    import mne

    job, _, folder = steps
    annotations = mne.read_annotations(folder / "annotations.edf")
    assert list(annotations.description) == [a["text"] for a in job["annotations"]]
    np.testing.assert_allclose(annotations.onset, [a["onset"] for a in job["annotations"]])
    np.testing.assert_allclose(annotations.duration, [a["duration"] for a in job["annotations"]])
    raw_start = mne.io.read_raw_edf(folder / "annotations.edf", verbose="error").info["meas_date"]
    assert raw_start.replace(tzinfo=None) == START


def test_signal_steps_match_scipy(steps):
    from scipy import signal

    from hf_sleep.models.sleep_base.signals import resample_ratio

    job, result, folder = steps
    x = np.fromfile(job["signal"])
    for (native, target), (up, down) in zip(job["rates"], result["resample"], strict=True):
        assert (up, down) == resample_ratio(native, target)
        expected = x.copy() if up == down else signal.resample_poly(x, up, down)
        np.testing.assert_allclose(np.fromfile(folder / f"resample_{native}_{target}.f64"), expected, atol=1e-9)
    filtered = signal.filtfilt(np.asarray(job["b"]), np.asarray(job["a"]), x)
    np.testing.assert_allclose(np.fromfile(folder / "filtfilt.f64"), filtered, atol=1e-9)
    np.testing.assert_allclose(result["percentiles"], np.percentile(x, [25, 50, 75]), rtol=1e-12)


def test_staging_steps_match_python(steps):
    from hf_sleep.pretrained.channels import EEG_PREFERENCE
    from hf_sleep.staging.consensus import MAX_EEG_DERIVATIONS, central_eeg_channels
    from hf_sleep.staging.night_windows import window_starts
    from hf_sleep.staging.sleep_stats import sleep_statistics

    job, result, _ = steps
    assert MAX_EEG_DERIVATIONS == 2 and EEG_PREFERENCE == ("C4", "C3", "CZ", "FPZ-CZ", "FPZ")  # the page's copies
    for labels, page in zip(job["channels"], result["channels"], strict=True):
        try:
            expected = central_eeg_channels(labels)
        except ValueError as error:
            assert isinstance(page, str) and page.split(";")[0] == str(error).split(";")[0]
        else:
            assert page == expected, labels
    for (n, window, stride, offset), page in zip(job["windows"], result["windows"], strict=True):
        assert page == window_starts(n, window, stride, offset), (n, window, stride, offset)
    for labels, page in zip(job["hypnograms"], result["statistics"], strict=True):
        expected = sleep_statistics(labels, 30.0, nap=None)
        assert set(page) == set(expected)
        for key, value in expected.items():
            assert (page[key] is None and np.isnan(value)) or page[key] == pytest.approx(value), key
