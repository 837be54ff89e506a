"""Bad input: every problem gives an error naming the file and the problem, and leaves no partial output."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from edfio import Edf, EdfSignal, Patient, Recording

from hf_sleep.data import (
    RODENT_OPTIONS,
    SLEEP_EDF_OPTIONS,
    RecordingError,
    RodentArrays,
    convert_rodent,
    convert_sleep_edf,
)
from hf_sleep.data.edf import read_edf_header, write_annotations_edf
from hf_sleep.data.synthetic import write_sleep_edf_night

NIGHT = ["W"] * 10 + ["N1"] * 2 + ["N2"] * 10 + ["N3"] * 5 + ["REM"] * 5 + ["W"] * 10


@pytest.fixture
def night(tmp_path: Path) -> Path:
    """A folder with one short, valid SC night (SC4001E0)."""
    write_sleep_edf_night(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
    return tmp_path / "in"


def convert(folder: Path, channels=("EEG Fpz-Cz",), epoch_seconds: float = 30.0, **options):
    options = SLEEP_EDF_OPTIONS.replace(progress=False, cache_dir=folder.parent / "cache", **options)
    return convert_sleep_edf(folder, channels=channels, epoch_seconds=epoch_seconds, options=options)


def write_edf(path: Path, signals: dict[str, np.ndarray], sfreq: float = 100.0) -> None:
    """Replace a PSG by the given signals, keeping the start time of its hypnogram."""
    start = read_edf_header(next(path.parent.glob(path.name[:7] + "?-Hypnogram.edf"))).start
    edf = Edf(
        [
            EdfSignal(x, sfreq, label=name, physical_dimension="uV", physical_range=(-500, 500))
            for name, x in signals.items()
        ],
        patient=Patient(),
        recording=Recording(startdate=start.date()),
        starttime=start.time(),
        data_record_duration=30.0 if len(next(iter(signals.values()))) >= 30 * sfreq else 1.0,
    )
    edf.write(path)


def test_truncated_edf_converts_what_is_there_with_a_warning(night: Path) -> None:
    psg = night / "SC4001E0-PSG.edf"
    whole = convert(night, trim_wake_minutes=None)
    data = psg.read_bytes()
    psg.write_bytes(data[: len(data) // 2])  # a recorder that died mid-night: 20 of 42 records remain
    with pytest.warns(UserWarning, match=r"SC4001E0-PSG.edf: truncated EDF: the header announces 42 data records "
                      r"\(1260 s\) but the file holds 20 \(600 s\); only the 600 s in the file are read"):  # fmt: skip
        half = convert(night, trim_wake_minutes=None)
    assert list(half["epoch_index"]) == list(range(20))
    np.testing.assert_array_equal(half.with_format("numpy")[:]["input_values"],
                                  whole.with_format("numpy")[:20]["input_values"])  # fmt: skip


@pytest.mark.parametrize("factor", [2.0, 0.5])
def test_wrong_record_count_is_named(night: Path, factor: float) -> None:
    """A header that announces twice or half the records the file holds: the PSG is blamed, not the hypnogram."""
    psg = night / "SC4001E0-PSG.edf"
    data = bytearray(psg.read_bytes())
    records = int(data[236:244])
    data[236:244] = str(int(records * factor)).ljust(8).encode()
    psg.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match=f"the header announces {int(records * factor)} data records .* but the file "
                      f"holds {records} "):  # fmt: skip
        assert len(convert(night, trim_wake_minutes=None)) == len(NIGHT)


def test_corrupt_header(night: Path) -> None:
    psg = night / "SC4001E0-PSG.edf"
    data = bytearray(psg.read_bytes())
    data[:8] = b"garbage!"
    psg.write_bytes(bytes(data))
    with pytest.raises(RecordingError, match="not an EDF file") as err:
        convert(night)
    assert "SC4001E0-PSG.edf" in str(err.value)


def test_hypnogram_of_another_night(night: Path, tmp_path: Path) -> None:
    _, other = write_sleep_edf_night(tmp_path / "other", hypnogram=NIGHT, subject=5, night=2)
    shutil.copyfile(other, night / "SC4001EC-Hypnogram.edf")
    with pytest.raises(RecordingError, match="does not belong to SC4001E0-PSG.edf.*starts") as err:
        convert(night)
    assert "SC4001EC-Hypnogram.edf" in str(err.value)


def test_hypnogram_longer_than_psg(tmp_path: Path) -> None:
    write_sleep_edf_night(tmp_path / "in", hypnogram=NIGHT * 3, subject=0, night=1, duration_hours=0.25)
    with pytest.raises(RecordingError, match="scores stages up to .* but the PSG lasts 900 s"):
        convert(tmp_path / "in")


def test_missing_channel_lists_available(night: Path) -> None:
    with pytest.raises(
        RecordingError, match="'EEG Fz-Cz' not found; available: EEG Fpz-Cz, EEG Pz-Oz, EOG horizontal"
    ):
        convert(night, channels=("EEG Fz-Cz",))


def test_unknown_annotation_label(night: Path) -> None:
    hyp = night / "SC4001EC-Hypnogram.edf"
    from hf_sleep.data.edf import read_annotations

    header, onset, duration, text = read_annotations(hyp)
    text[3] = "Sleep stage X"
    write_annotations_edf(hyp, list(zip(onset, duration, text, strict=True)), start=header.start)
    with pytest.raises(RecordingError, match=r"unknown annotation label\(s\) \['Sleep stage X'\]") as err:
        convert(night)
    assert "SC4001EC-Hypnogram.edf" in str(err.value)


def test_off_grid_annotation(night: Path) -> None:
    hyp = night / "SC4001EC-Hypnogram.edf"
    from hf_sleep.data.edf import read_annotations

    header, onset, duration, text = read_annotations(hyp)
    onset[1] += 15
    write_annotations_edf(hyp, list(zip(onset, duration, text, strict=True)), start=header.start)
    with pytest.raises(RecordingError, match="not aligned to the 30-s epoch grid"):
        convert(night)


def test_flat_signal(night: Path) -> None:
    n = len(NIGHT) * 3000
    rng = np.random.default_rng(0)
    write_edf(
        night / "SC4001E0-PSG.edf",
        {"EEG Fpz-Cz": np.full(n, 3.0), "EEG Pz-Oz": rng.normal(0, 20, n)},
    )
    with pytest.raises(RecordingError, match="flat signal") as err:
        convert(night)
    assert "SC4001E0-PSG.edf" in str(err.value)
    assert len(convert(night, channels=("EEG Pz-Oz",))) > 0  # the other channel is fine


def test_nan_in_arrays() -> None:
    x = np.random.default_rng(0).normal(size=(2, 40 * 256 * 4)).astype(np.float32)
    x[0, 100:110] = np.nan
    rec = RodentArrays(x, 256.0, ["Wake", "NREM", "REM", "NREM"] * 10, animal="m1")
    with pytest.raises(RecordingError, match="<arrays of m1>: NaN"):
        convert_rodent([rec], options=RODENT_OPTIONS.replace(progress=False))


def test_rate_that_cannot_be_resampled(night: Path) -> None:
    with pytest.raises(RecordingError, match="100 Hz cannot be resampled to 99.7 Hz") as err:
        convert(night, sfreq=99.7, epoch_seconds=10.0)
    assert "SC4001E0-PSG.edf" in str(err.value)
    with pytest.raises(RecordingError, match="not a whole number of samples"):
        convert(night, sfreq=33.33)


def test_too_short_and_empty_recordings(night: Path) -> None:
    write_edf(night / "SC4001E0-PSG.edf", {"EEG Fpz-Cz": np.random.default_rng(0).normal(0, 20, 1000)})
    with pytest.raises(RecordingError, match="shorter than one 30-s epoch") as err:
        convert(night)
    assert "SC4001E0-PSG.edf" in str(err.value)
    psg = night / "SC4001E0-PSG.edf"
    data = bytearray(psg.read_bytes())
    header_len = int(data[184:192])
    data[236:244] = b"0       "
    psg.write_bytes(bytes(data[:header_len]))
    with pytest.raises(RecordingError, match="shorter than one 30-s epoch|empty"):
        convert(night)


def test_hypnogram_without_sleep(tmp_path: Path) -> None:
    write_sleep_edf_night(tmp_path / "in", hypnogram=["W"] * 20, subject=0, night=1)
    with pytest.raises(RecordingError, match="no scored sleep epoch"):
        convert(tmp_path / "in")


def test_unpaired_files(night: Path) -> None:
    (night / "SC4001EC-Hypnogram.edf").unlink()
    with pytest.raises(RecordingError, match="no hypnogram found"):
        convert(night)


def test_failed_conversion_leaves_nothing(night: Path, tmp_path: Path) -> None:
    write_sleep_edf_night(night, hypnogram=NIGHT, subject=1, night=1)
    bad = night / "SC4011E0-PSG.edf"
    bad.write_bytes(bad.read_bytes()[:5000])
    out = tmp_path / "out" / "dataset"
    with pytest.raises(RecordingError, match="SC4011E0-PSG.edf: recording is 0 s long.*truncated EDF"):
        convert_sleep_edf(night, options=SLEEP_EDF_OPTIONS.replace(output_dir=out, num_proc=2, progress=False))
    assert not out.exists()
    assert list((tmp_path / "out").iterdir()) == []  # no hidden half-written folder either
    cache = tmp_path / "cache-only"
    with pytest.raises(RecordingError):
        convert_sleep_edf(night, options=SLEEP_EDF_OPTIONS.replace(cache_dir=cache, progress=False))
    assert list(cache.iterdir()) == []
