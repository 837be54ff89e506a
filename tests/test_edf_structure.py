"""EDF structure that staging and conversion must honour: EDF+D record onsets, duplicated labels, header fields.

EDF+D files are generated (``tests.edf_files.write_discontinuous``) with gaps of 30 s, 1 h and 45.5 s (not a
whole epoch); the stages and rows after a gap must sit at their true onsets, the epochs a gap touches must be
unscored, and the statistics must not count them as sleep or wake.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from pathlib import Path

import mne
import numpy as np
import pytest
import torch

from hf_sleep import get_architecture
from hf_sleep.cli import main
from hf_sleep.data import RecordingError, convert_edf
from hf_sleep.data.edf import gap_epochs, read_annotations, read_edf_header, read_edf_signals, write_edf
from hf_sleep.data.labels import AASM_LABELS
from hf_sleep.data.options import ConversionOptions
from hf_sleep.staging.one_night import stage_recording

from .edf_files import set_header_field, write_discontinuous
from .staging.helpers import stage_like_signal
from .testers import TESTERS

EPOCH = 30.0
STAGES = ["W", "N1", "N2", "N3", "REM"]


def quiet(cache_dir: Path, **kwargs) -> ConversionOptions:
    return ConversionOptions(progress=False, cache_dir=cache_dir, **kwargs)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model") / "tiny"
    torch.manual_seed(0)
    config = TESTERS["tinysleepnet"].config()
    with contextlib.redirect_stderr(io.StringIO()):
        get_architecture("tinysleepnet").model_class(config).save_pretrained(folder)
    return folder


def discontinuous_night(path: Path, seconds_before: int, gap: float, seconds_after: int, *, seed: int = 0):
    """An EDF+D night: ``seconds_before`` of signal, a gap of ``gap`` seconds, ``seconds_after`` more, with a sleep
    stage annotated for every epoch of its time line (gap included). Returns the path, the signal as it lies on
    the time line (NaN in the gap, 100 Hz) and the stage of each epoch."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n_epochs_before, n_epochs_after = seconds_before // 30, seconds_after // 30
    signal = stage_like_signal(["N2"] * (n_epochs_before + n_epochs_after), seed=seed).astype(np.float64)
    onsets = [float(k) for k in range(seconds_before)] + [
        seconds_before + gap + k for k in range(seconds_after)
    ]
    span = seconds_before + gap + seconds_after
    n_epochs = int(span // EPOCH)
    stages = [STAGES[(k * 7) % 5] for k in range(n_epochs)]
    annotations = [(k * EPOCH, EPOCH, f"Sleep stage {stage}") for k, stage in enumerate(stages)]
    write_discontinuous(path, [("EEG Fpz-Cz", signal, 100.0, "uV")], onsets, annotations=annotations)
    timeline = np.full(int(round(span * 100)), np.nan)
    timeline[: seconds_before * 100] = signal[: seconds_before * 100]
    after = int(round((seconds_before + gap) * 100))
    timeline[after : after + seconds_after * 100] = signal[seconds_before * 100 :]
    return path, timeline, stages


@pytest.mark.parametrize("gap", [30.0, 3600.0, 45.5])
def test_edf_plus_d_is_read_on_its_time_line(tmp_path: Path, gap: float) -> None:
    path, timeline, _ = discontinuous_night(tmp_path / "night.edf", 300, gap, 240)
    header = read_edf_header(path)
    assert header.gaps == [(300.0, 300.0 + gap)] and header.duration == 540.0 + gap
    values = read_edf_signals(header, ["EEG Fpz-Cz"])[0] * 1e6
    assert np.array_equal(np.isnan(values), np.isnan(timeline))
    np.testing.assert_allclose(values[~np.isnan(values)], timeline[~np.isnan(timeline)], atol=0.05)
    # a span that starts inside the gap and ends after it
    part = read_edf_signals(header, ["EEG Fpz-Cz"], 29_000, 31_000 + int(gap * 100))[0] * 1e6
    np.testing.assert_allclose(part, timeline[29_000 : 31_000 + int(gap * 100)], atol=0.05)


@pytest.mark.parametrize("gap", [30.0, 3600.0, 45.5])
def test_stage_keeps_onsets_after_a_gap(tmp_path: Path, tiny_model: Path, gap: float) -> None:
    path, timeline, _ = discontinuous_night(tmp_path / "night.edf", 600, gap, 450)
    with pytest.warns(UserWarning, match=r"EDF\+D .*1 gap \(600-"):
        result = stage_recording(path, str(tiny_model), output_dir=tmp_path / "out")
    n_epochs = int((1050 + gap) // EPOCH)
    in_gap = gap_epochs([(600.0, 600.0 + gap)], EPOCH, n_epochs)
    assert result.n_epochs == n_epochs and np.array_equal(result.onsets, np.arange(n_epochs) * EPOCH)
    assert [k for k, stage in enumerate(result.stages) if stage == "?"] == list(np.flatnonzero(in_gap))
    # The same time line as a FIF file with NaN where nothing was recorded: the same stages, epoch for epoch.
    fif = tmp_path / "same_raw.fif"
    decoded = read_edf_signals(read_edf_header(path), ["EEG Fpz-Cz"])
    mne.io.RawArray(decoded, mne.create_info(["EEG Fpz-Cz"], 100.0, "eeg"), verbose="error").save(
        fif, verbose="error"
    )
    with pytest.warns(UserWarning):
        reference = stage_recording(fif, str(tiny_model))
    assert result.stages == reference.stages
    np.testing.assert_allclose(result.probabilities, reference.probabilities, atol=1e-5)
    # Statistics: time in bed spans the night; the gap's epochs are neither sleep nor wake.
    stats = json.loads(result.files["statistics"].read_text())
    scored = [s for s in result.stages if s != "?"]
    assert stats["statistics"]["TIB"] == pytest.approx(n_epochs * 0.5)
    assert stats["statistics"]["TST"] == pytest.approx(sum(s != "W" for s in scored) * 0.5)
    with open(result.files["csv"], newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [float(row["onset"]) for row in rows] == [k * EPOCH for k in range(n_epochs)]
    _, onset, duration, text = read_annotations(result.files["annotations"])
    assert onset[-1] + duration[-1] == n_epochs * EPOCH  # the EDF hypnogram spans the time line too


@pytest.mark.parametrize("gap", [30.0, 3600.0, 45.5])
def test_convert_keeps_labels_after_a_gap(tmp_path: Path, gap: float) -> None:
    path, timeline, stages = discontinuous_night(tmp_path / "in" / "night.edf", 600, gap, 450)
    ds = convert_edf(tmp_path / "in", channels=["EEG Fpz-Cz"], options=quiet(tmp_path / "cache"))
    ds = ds.with_format("numpy")[:]
    n_epochs = int((1050 + gap) // EPOCH)
    kept = np.flatnonzero(~gap_epochs([(600.0, 600.0 + gap)], EPOCH, n_epochs))
    assert ds["epoch_index"].tolist() == kept.tolist()
    assert ds["onset_s"].tolist() == (kept * EPOCH).tolist()
    assert [AASM_LABELS[i] for i in ds["labels"]] == [stages[k] for k in kept]
    for row, k in enumerate(kept):  # each row holds the signal recorded at its onset
        np.testing.assert_allclose(ds["input_values"][row][0], timeline[k * 3000 : (k + 1) * 3000], atol=0.05)
    # a band-pass (a recording-wide filter) is run on each run of records apart, never across a gap
    filtered = convert_edf(
        tmp_path / "in", channels=["EEG Fpz-Cz"], options=quiet(tmp_path / "cache-filtered", l_freq=0.3, h_freq=35.0)
    )
    assert list(filtered["epoch_index"]) == kept.tolist()
    assert np.isfinite(filtered.with_format("numpy")[:]["input_values"]).all()


def test_edf_plus_d_record_between_samples_is_refused(tmp_path: Path) -> None:
    signal = np.random.default_rng(0).normal(0, 20, 100 * 60)
    path = write_discontinuous(
        tmp_path / "night.edf",
        [("EEG Fpz-Cz", signal, 100.0, "uV")],
        [k + (0.005 if k >= 30 else 0) for k in range(60)],
    )
    with pytest.raises(
        RecordingError, match=r"night.edf: EDF\+D data record 30 starts at 30.005 s, between two"
    ):
        read_edf_signals(read_edf_header(path), ["EEG Fpz-Cz"])
    overlapping = write_discontinuous(tmp_path / "overlap.edf", [("EEG Fpz-Cz", signal, 100.0, "uV")],
                                      [k - (0.5 if k >= 30 else 0) for k in range(60)])  # fmt: skip
    with pytest.raises(RecordingError, match=r"overlap.edf: EDF\+D data record 30 starts at 29.5 s, before"):
        read_edf_header(overlapping)


def run_cli(*argv) -> tuple[int, list[str]]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(a) for a in argv])
    return code, [line for line in err.getvalue().splitlines() if "error:" in line]


def test_duplicated_labels_are_never_taken_silently(tmp_path: Path, tiny_model: Path) -> None:
    """Two signals labelled alike: the first is noise, the second the EEG; each can be chosen by its MNE name."""
    rng = np.random.default_rng(1)
    eeg = stage_like_signal(["N2", "N3", "REM", "W"] * 3, seed=3).astype(np.float64)
    noise = rng.normal(0, 200, eeg.size)
    folder = tmp_path / "in"
    folder.mkdir()
    path = write_edf(folder / "dup.edf", [("EEG Fpz-Cz", noise, 100.0, "uV"), ("EEG Fpz-Cz", eeg, 100.0, "uV")],
                     annotations=[(k * 30.0, 30.0, "Sleep stage N2") for k in range(12)])  # fmt: skip
    header = read_edf_header(path)
    assert header.channels == ("EEG Fpz-Cz-0", "EEG Fpz-Cz-1")
    assert header.duplicated == {"EEG Fpz-Cz": ("EEG Fpz-Cz-0", "EEG Fpz-Cz-1")}
    assert header.channels == tuple(mne.io.read_raw_edf(path, verbose="error").ch_names[:2])  # MNE's names

    code, errors = run_cli("stage", path, "--model", tiny_model, "--out-dir", tmp_path / "a", "--quiet")
    assert code != 0 and len(errors) == 1 and "dup.edf" in errors[0] and "'EEG Fpz-Cz'" in errors[0], errors
    assert not (tmp_path / "a").exists() or not list((tmp_path / "a").iterdir())
    chosen = stage_recording(path, str(tiny_model), channels=["EEG Fpz-Cz-1"])
    alone = write_edf(tmp_path / "alone.edf", [("EEG Fpz-Cz", eeg, 100.0, "uV")])
    assert chosen.stages == stage_recording(alone, str(tiny_model)).stages

    code, errors = run_cli("convert", "edf", folder, "--channels", "EEG Fpz-Cz", "--out", tmp_path / "ds")
    assert code != 0 and len(errors) == 1, errors
    assert "dup.edf" in errors[0] and "labelled 'EEG Fpz-Cz'" in errors[0] and "'EEG Fpz-Cz-1'" in errors[0]
    ds = convert_edf(folder, channels=["EEG Fpz-Cz-1"], options=quiet(tmp_path / "cache"))
    np.testing.assert_allclose(ds.with_format("numpy")[0]["input_values"][0], eeg[:3000], atol=0.05)


@pytest.mark.parametrize(
    ("offset", "width", "value", "field"),
    [
        (244, 8, b"1e-9", "data record duration 1e-09 s"),
        (252, 4, b"0", "number of signals is 0"),
        (256 + 216 * 2, 8, b"0", "samples per record of 'EEG Fpz-Cz' is 0"),
        (256 + 104 * 2, 8, b"abc", "physical minimum of 'EEG Fpz-Cz' is not a number"),
        (256 + 120 * 2, 8, b"--", "digital minimum of 'EEG Fpz-Cz' is not a number"),
        (176, 8, b"25.61.00", "start time '25.61.00'"),
        (168, 8, b"31.02.21", "start date '31.02.21'"),
    ],
)
def test_broken_header_fields_fail_in_one_line(
    tmp_path: Path, tiny_model: Path, offset, width, value, field
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    eeg = stage_like_signal(["N2"] * 4).astype(np.float64)
    path = write_edf(folder / "broken.edf", [("EEG Fpz-Cz", eeg, 100.0, "uV")],
                     annotations=[(k * 30.0, 30.0, "Sleep stage N2") for k in range(4)])  # fmt: skip
    if field.startswith("start date"):  # the EDF+ Startdate subfield would decide: make it unknown
        set_header_field(path, 88, 80, b"Startdate X X X X")
    set_header_field(path, offset, width, value)
    code, errors = run_cli("stage", path, "--model", tiny_model, "--out-dir", tmp_path / "staged", "--quiet")
    assert code != 0 and len(errors) == 1 and "broken.edf" in errors[0] and field in errors[0], errors
    code, errors = run_cli("convert", "edf", folder, "--channels", "EEG Fpz-Cz", "--out", tmp_path / "ds")
    assert code != 0 and len(errors) == 1 and "broken.edf" in errors[0] and field in errors[0], errors
    assert not (tmp_path / "staged").exists() and not (tmp_path / "ds").exists()


@pytest.mark.parametrize(
    ("date", "recording", "expected"),
    [
        (
            b"4.3.2021",
            b"Startdate 04-MAR-2021 X X X",
            dt.datetime(2021, 3, 4, 22, 0),
        ),  # the Startdate decides
        # A four-digit year is taken as written (MNE adds 1900 to it: 3921, which no EDF writer accepts).
        (b"4.3.2021", b"Startdate X X X X", dt.datetime(2021, 3, 4, 22, 0)),
        (b"04.03.21", b"X", dt.datetime(2021, 3, 4, 22, 0)),
        (b"04.03.85", b"X", dt.datetime(1985, 3, 4, 22, 0)),
        (b"04.03.84", b"X", dt.datetime(2084, 3, 4, 22, 0)),
        (b"04.03.21", b"Startdate 31-DEC-2099 X X X", dt.datetime(2099, 12, 31, 22, 0)),  # beyond EDF's years
    ],
)
def test_start_dates_read_as_mne_and_written_back(
    tmp_path: Path, tiny_model: Path, date, recording, expected
) -> None:
    eeg = stage_like_signal(["N2"] * 4).astype(np.float64)
    path = write_edf(
        tmp_path / "night.edf", [("EEG Fpz-Cz", eeg, 100.0, "uV")], start=dt.datetime(2021, 3, 4, 22)
    )
    set_header_field(path, 168, 8, date)
    set_header_field(path, 88, 80, recording)
    assert read_edf_header(path).start == expected
    if expected.year < 2085 and len(date.split(b".")[-1]) == 2 or recording.startswith(b"Startdate 0"):
        assert mne.io.read_raw_edf(path, verbose="error").info["meas_date"].replace(tzinfo=None) == expected
    code, errors = run_cli("stage", path, "--model", tiny_model, "--out-dir", tmp_path / "out", "--quiet")
    assert code == 0, errors
    written = read_edf_header(tmp_path / "out" / "night_hypnogram.edf").start
    assert written == (expected if expected.year < 2085 else dt.datetime(1985, 1, 1, 22, 0))


def test_bdf_is_read_as_mne_reads_it(tmp_path: Path) -> None:
    """24-bit BDF: the same values as MNE's reader, bit for bit, through the reader that reads only the picks."""
    from hf_sleep.data.recording import read_recording

    from .edf_files import write_bdf

    rng = np.random.default_rng(2)
    seconds = 90
    eeg = rng.integers(-(1 << 23), 1 << 23, 256 * seconds)
    eog = np.clip(rng.normal(0, 40_000, 128 * seconds), -(1 << 23), (1 << 23) - 1).astype(np.int64)
    path = write_bdf(tmp_path / "night.bdf", [("EEG C4-M1", eeg, 256, "uV"), ("EOG E1-M2", eog, 128, "uV")],
                     seconds=seconds)  # fmt: skip
    header = read_edf_header(path)
    assert header.sample_bytes == 3 and header.channels == ("EEG C4-M1", "EOG E1-M2")
    raw = mne.io.read_raw_bdf(path, verbose="error")
    for channel, start, stop in (("EEG C4-M1", 0, None), ("EEG C4-M1", 1000, 7_777), ("EOG E1-M2", 5, 300)):
        want = mne.io.read_raw_bdf(path, include=[channel], verbose="error").get_data(start=start, stop=stop)
        np.testing.assert_array_equal(read_edf_signals(header, [channel], start, stop), want)
    # mixed rates: each channel at its own rate, resampled straight to the rate asked for
    from scipy.signal import resample_poly

    data, rate, _ = read_recording(path, ["EEG C4-M1", "EOG E1-M2"], sfreq=128.0)
    assert rate == 128.0 and data.shape == (2, 128 * seconds)
    eeg_uv = read_edf_signals(header, ["EEG C4-M1"], scale=[1e6])[0]
    # NumPy's twin of scipy's resampler (hf_sleep.models.sleep_base.filters): equal to float32 rounding.
    expected = resample_poly(eeg_uv, 1, 2).astype(np.float32)
    np.testing.assert_allclose(data[0], expected, rtol=0, atol=1e-6 * np.abs(expected).max())
    np.testing.assert_array_equal(data[1], read_edf_signals(header, ["EOG E1-M2"], scale=[1e6])[0])
    # MNE brings the EOG up to 256 Hz (FFT): its even samples are the recorded ones
    np.testing.assert_allclose(data[1], raw.get_data(picks=["EOG E1-M2"], units="uV")[0][::2], rtol=1e-5)


def test_epochs_prepared_in_blocks_equal_a_whole_night(monkeypatch) -> None:
    """Epoch-wise steps run a block of epochs at a time (bounded memory on long nights): the same values."""
    from hf_sleep import SleepFeatureExtractor
    from hf_sleep.models.sleep_base import feature_extraction_sleep

    signal = np.random.default_rng(4).normal(0, 30, (2, 256 * 30 * 10 + 1000)).astype(np.float32)
    extractor = SleepFeatureExtractor(["EEG", "EOG"], sfreq=100.0, epoch_seconds=30.0, l_freq=0.3, h_freq=35.0,
                                      filter={"method": "butter", "order": 5, "scope": "epoch"})  # fmt: skip
    whole = extractor.epochs_from_signal(signal, 256.0)
    monkeypatch.setattr(feature_extraction_sleep, "EPOCHS_PER_BLOCK", 3)
    blocks = extractor.epochs_from_signal(signal, 256.0)
    assert whole.shape == blocks.shape == (10, 2, 3000) and blocks.dtype == np.float32
    np.testing.assert_array_equal(blocks, whole)
    assert extractor.epochs_from_signal(signal[:, :1000], 256.0).shape == (0, 2, 3000)
