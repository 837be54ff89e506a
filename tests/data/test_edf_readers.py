"""The direct EDF readers (signals and EDF+ annotations) agree with MNE's exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import mne
import numpy as np
import pytest

from hf_sleep.data.edf import read_annotations, read_edf_header, read_edf_signals, write_annotations_edf
from hf_sleep.data.errors import RecordingError
from hf_sleep.data.preprocess import read_prepared
from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

NIGHT = ["W"] * 10 + ["N1"] * 4 + ["N2"] * 20 + ["N3"] * 10 + ["REM"] * 10 + ["?"] * 2 + ["W"] * 10


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from hf_sleep.data.synthetic import write_sleep_edf_night

    return write_sleep_edf_night(tmp_path_factory.mktemp("night"), hypnogram=NIGHT, subject=1, night=1)


@pytest.mark.parametrize(
    ("channels", "start", "stop"),
    [(["EEG Fpz-Cz"], 0, None), (["EOG horizontal", "EEG Fpz-Cz"], 4500, 61_234), (["EMG submental"], 7, 95)],
)
def test_signals_equal_mne_bit_for_bit(night, channels, start, stop) -> None:
    psg = night[0]
    raw = mne.io.read_raw_edf(psg, include=channels, preload=False, verbose="error")
    want = raw.get_data(picks=channels, start=start, stop=stop)
    got = read_edf_signals(read_edf_header(psg), channels, start, stop)
    assert got.dtype == np.float64 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    scale = np.array([1e6, 2.0][: len(channels)])
    scaled = read_edf_signals(read_edf_header(psg), channels, start, stop, scale=scale)
    assert scaled.dtype == np.float32 and scaled.flags.c_contiguous
    np.testing.assert_array_equal(scaled, (want * scale[:, None]).astype(np.float32))


def test_signal_span_outside_recording_is_refused(night) -> None:
    header = read_edf_header(night[0])
    with pytest.raises(ValueError, match="outside the recording"):
        read_edf_signals(header, ["EEG Fpz-Cz"], 0, header.n_records * 3000 + 1)
    with pytest.raises(ValueError, match="different sampling rates"):
        read_edf_signals(header, ["EEG Fpz-Cz", "EMG submental"])


def test_read_prepared_span_equals_slice_of_whole(night) -> None:
    """A span is the same samples as the whole recording sliced, with and without resampling/filtering."""
    psg = night[0]
    for kwargs in ({"sfreq": 100.0}, {"sfreq": 50.0}, {"sfreq": 100.0, "l_freq": 0.3, "h_freq": 35.0}):
        extractor = SleepFeatureExtractor(["EEG Fpz-Cz", "EMG submental"], epoch_seconds=30.0, **kwargs)
        whole, sfreq = read_prepared(psg, extractor)
        span, _ = read_prepared(psg, extractor, start_s=60.0, stop_s=600.0)
        np.testing.assert_array_equal(span, whole[:, int(60 * sfreq) : int(600 * sfreq)])
    with pytest.raises(ValueError, match="outside"):
        read_prepared(psg, SleepFeatureExtractor(["EEG Fpz-Cz"], sfreq=100.0), start_s=0.0, stop_s=1e6)


def test_annotations_equal_mne(night, tmp_path: Path) -> None:
    odd = write_annotations_edf(
        tmp_path / "odd.edf",
        [(90.0, 30.0, "Sleep stage 2"), (0.0, 30.0, "Sleep stage W"), (30.0, 0.0, "Lights off"),
         (30.0, 60.0, "Sleep stage 1"), (30.0, 60.0, "Sleep stage 1"), (12.5, 0.0, "Arousal")],
        start=dt.datetime(2020, 1, 1, 22, 0, 0),
    )  # fmt: skip
    for path in (night[1], odd):
        want = mne.read_annotations(path)
        _, onset, duration, text = read_annotations(path)
        np.testing.assert_array_equal(onset, want.onset)
        np.testing.assert_array_equal(duration, want.duration)
        assert text.tolist() == [str(t) for t in want.description]
    bad = write_annotations_edf(tmp_path / "bad.edf", [(0.0, 30.0, "Sleep stage \xfc")], start=dt.datetime(2020, 1, 1))
    bad.write_bytes(bad.read_bytes().replace("\xfc".encode(), b"\xfc "))  # latin-1, not UTF-8: unreadable
    with pytest.raises(RecordingError, match="bad.edf.*cannot read the EDF\\+ annotations"):
        read_annotations(bad)
