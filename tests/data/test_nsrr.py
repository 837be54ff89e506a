"""NSRR conversion: generated nights in the NSRR and flat layouts, a hand-written XML, bad annotations."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import mne
import numpy as np
import pytest
from scipy.signal import resample_poly

from hf_sleep import SleepFeatureExtractor
from hf_sleep.data import AASM_LABELS, ConversionOptions, RecordingError
from hf_sleep.data.cli import add_subparsers
from hf_sleep.data.nsrr import convert_nsrr, find_nsrr_recordings, nsrr_ids, read_nsrr_stages
from hf_sleep.data.synthetic import write_nsrr_night

NIGHT = (
    ["W"] * 20 + ["N1"] * 5 + ["N2"] * 30 + ["N3"] * 10 + ["S4"] * 8 + ["REM"] * 15 + ["MT"]
    + ["N2"] * 10 + ["?"] * 3 + ["W"] * 10
)  # fmt: skip
EXPECTED = {"W": 30, "N1": 5, "N2": 40, "N3": 18, "REM": 15}  # N3 = stage 3 + stage 4; MT and ? dropped


def counts(ds) -> dict[str, int]:
    labels = Counter(ds["labels"])
    return {name: labels.get(i, 0) for i, name in enumerate(AASM_LABELS)}


@pytest.fixture(scope="module")
def shhs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shhs") / "polysomnography"
    write_nsrr_night(root, hypnogram=NIGHT, cohort="shhs", subject=200001, visit=1, seed=1)
    write_nsrr_night(root, hypnogram=NIGHT[::-1], cohort="shhs", subject=200001, visit=2, seed=2)
    return root


def test_shhs_layout_exact_counts_and_rates(shhs: Path, cache_dir: Path) -> None:
    recordings = find_nsrr_recordings(shhs.parent)
    assert [(r.recording, r.subject, r.night) for r in recordings] == [
        ("shhs1-200001", "shhs-200001", 1), ("shhs2-200001", "shhs-200001", 2),
    ]  # fmt: skip
    assert recordings[0].hypnogram.parent.parts[-2:] == ("annotations-events-nsrr", "shhs1")
    ds = convert_nsrr(
        shhs, channels=["EEG", "EEG(sec)", "EOG(L)", "EMG"], options=ConversionOptions(cache_dir=cache_dir, progress=False)
    )
    assert ds.features["input_values"].shape == (4, 3000)  # 125 Hz EEG and 50 Hz EOG both at 100 Hz
    contract = SleepFeatureExtractor.from_dataset(ds)  # the signal contract travels with the data
    assert contract.ch_names == ["EEG", "EEG(sec)", "EOG(L)", "EMG"] and contract.sfreq == 100.0
    assert contract.label_names == list(AASM_LABELS) and contract.epoch_seconds == 30.0
    first = ds.filter(lambda r: r == "shhs1-200001", input_columns="recording")
    assert counts(first) == EXPECTED
    assert counts(ds) == {k: 2 * v for k, v in EXPECTED.items()}
    assert "Stage 4 sleep|4" in set(first["source_label"]) and "Unscored|9" not in set(ds["source_label"])
    # the EEG window of an epoch is the 125-Hz signal resampled to 100 Hz
    raw = mne.io.read_raw_edf(shhs / "edfs" / "shhs1" / "shhs1-200001.edf", include=["EEG"], verbose="error")
    expected = resample_poly(raw.get_data(units="uV")[0], 4, 5)
    row = first.with_format("numpy")[40]
    k = int(row["epoch_index"])
    assert row["onset_s"] == 30.0 * k
    np.testing.assert_allclose(
        row["input_values"][0], expected[k * 3000 : (k + 1) * 3000], rtol=1e-4, atol=1e-2
    )


def test_keep_unknown_and_default_channel(shhs: Path, cache_dir: Path) -> None:
    ds = convert_nsrr(shhs / "edfs" / "shhs1" / "shhs1-200001.edf", options=ConversionOptions(keep_unknown=True, cache_dir=cache_dir, progress=False))  # fmt: skip
    assert ds.features["input_values"].shape == (1, 3000)  # default: SHHS "EEG" (C4-A1)
    assert len(ds) == len(NIGHT) and list(ds["epoch_index"]) == list(range(len(NIGHT)))
    labels = np.asarray(ds["labels"])
    assert (labels == -100).sum() == 4 and "- channels: EEG\n" in ds.info.description


def test_flat_mesa_and_mros_derivation(tmp_path: Path, cache_dir: Path) -> None:
    write_nsrr_night(tmp_path, hypnogram=NIGHT, cohort="mesa", subject="0042", layout="flat", seed=3)
    edf, _ = write_nsrr_night(tmp_path, hypnogram=NIGHT, cohort="mros", subject="aa0007", visit=2,
                              layout="flat", seed=4)  # fmt: skip
    ds = convert_nsrr(tmp_path, options=ConversionOptions(cache_dir=cache_dir, progress=False))  # MESA EEG3, MrOS C4-A1 (C4 minus A1)
    assert set(ds["subject"]) == {"mesa-0042", "mros-aa0007"} and counts(ds) == {
        k: 2 * v for k, v in EXPECTED.items()
    }
    mros = ds.filter(lambda r: r == "mros-visit2-aa0007", input_columns="recording").with_format("numpy")
    raw = mne.io.read_raw_edf(edf, include=["C4", "A1"], verbose="error").get_data(units="uV")
    derived = resample_poly(raw[0] - raw[1], 25, 64)
    k = int(mros[0]["epoch_index"])
    np.testing.assert_allclose(
        mros[0]["input_values"][0], derived[k * 3000 : (k + 1) * 3000], rtol=1e-3, atol=0.05
    )
    assert set(np.asarray(mros["night"]).tolist()) == {2}


HAND_XML = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<PSGAnnotation>
<SoftwareVersion>Compumedics</SoftwareVersion>
<EpochLength>30</EpochLength>
<ScoredEvents>
<ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept><Start>0</Start><Duration>{total}</Duration>
<ClockTime>00.00.00 22.00.00</ClockTime></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept><Start>0</Start><Duration>300</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Stage 1 sleep|1</EventConcept><Start>300</Start><Duration>90</Duration></ScoredEvent>
<ScoredEvent><EventType>Arousals|Arousals</EventType><EventConcept>Arousal|Arousal ()</EventConcept><Start>331.5</Start><Duration>9.5</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Stage 2 sleep|2</EventConcept><Start>390</Start><Duration>600</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Stage 3 sleep|3</EventConcept><Start>990</Start><Duration>120</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Stage 4 sleep|4</EventConcept><Start>1110</Start><Duration>150</Duration></ScoredEvent>
<ScoredEvent><EventType>Respiratory|Respiratory</EventType><EventConcept>SpO2 desaturation|SpO2 desaturation</EventConcept><Start>1200.2</Start><Duration>13</Duration><SpO2Nadir>88</SpO2Nadir></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Unscored|9</EventConcept><Start>1260</Start><Duration>60</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>REM sleep|5</EventConcept><Start>1320</Start><Duration>330</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Movement|6</EventConcept><Start>1650</Start><Duration>30</Duration></ScoredEvent>
<ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept><Start>1680</Start><Duration>{tail}</Duration></ScoredEvent>
</ScoredEvents>
</PSGAnnotation>
"""


@pytest.fixture()
def hand_written(tmp_path: Path) -> Path:
    edf, xml = write_nsrr_night(tmp_path, hypnogram=["W"] * 70, cohort="shhs", subject=200002, layout="flat")
    xml.write_text(
        HAND_XML.format(total=2100, tail=420)
    )  # 70 epochs: 10 W, 3 N1, 20 N2, 4+5 N3, 2 ?, 11 R, 1 MT, 14 W
    return xml


def test_hand_written_xml(hand_written: Path, cache_dir: Path) -> None:
    onset, duration, text = read_nsrr_stages(hand_written)
    assert len(onset) == 9 and "Arousal|Arousal ()" not in set(text)
    ds = convert_nsrr(hand_written.parent, options=ConversionOptions(cache_dir=cache_dir, progress=False))
    assert counts(ds) == {"W": 24, "N1": 3, "N2": 20, "N3": 9, "REM": 11}
    assert len(ds) == 67 and 42 not in ds["epoch_index"] and 55 not in ds["epoch_index"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: s.replace("<Start>300</Start>", "<Start>315</Start>"),
            "is not aligned to the 30-s epoch grid",
        ),
        (lambda s: s.replace("</PSGAnnotation>", ""), "not a readable NSRR XML file"),
        (lambda s: s.replace("PSGAnnotation", "CMPStudyConfig"), "not an NSRR annotation file"),
        (
            lambda s: s.replace("Stage 2 sleep|2", "Stage 7 sleep|7"),
            "unknown stage concept 'Stage 7 sleep|7'",
        ),
        (
            lambda s: s.replace("<Duration>420</Duration>", "<Duration>7200</Duration>"),
            "does not belong to shhs1-200002.edf",
        ),
        (
            lambda s: s.replace("<EpochLength>30</EpochLength>", "<EpochLength>20</EpochLength>"),
            "scored in 20-s epochs but epoch_seconds=30",
        ),
    ],
)
def test_bad_xml_one_line_errors(hand_written: Path, edit, message: str) -> None:
    hand_written.write_text(edit(hand_written.read_text()))
    with pytest.raises(RecordingError, match=message) as info:
        convert_nsrr(hand_written.parent, options=ConversionOptions(progress=False))
    assert "\n" not in str(info.value) and str(info.value).startswith(str(hand_written.parent))


def test_missing_xml_and_channel(tmp_path: Path, hand_written: Path) -> None:
    with pytest.raises(RecordingError, match=r"channel\(s\) 'EEG3' not found; available: EEG\(sec\), ECG"):
        convert_nsrr(hand_written.parent, channels=["EEG3"], options=ConversionOptions(progress=False))
    hand_written.unlink()
    with pytest.raises(RecordingError, match="no NSRR annotation file found"):
        convert_nsrr(hand_written.parent, options=ConversionOptions(progress=False))


def test_nsrr_ids() -> None:
    assert nsrr_ids("shhs2-205238") == ("shhs", "shhs-205238", 2)
    assert nsrr_ids("mros-visit1-aa5665") == ("mros", "mros-aa5665", 1)
    assert nsrr_ids("chat-followup-300001") == ("chat", "chat-300001", 2)
    assert nsrr_ids("cfs-visit5-800002") == ("cfs", "cfs-800002", 5)
    assert nsrr_ids("mesa-sleep-0001") == ("mesa", "mesa-0001", 1)
    assert nsrr_ids("night") == ("", "night", 1)


def test_cli_generate_then_convert(tmp_path: Path, capsys) -> None:
    parser = argparse.ArgumentParser(prog="hf-sleep")
    add_subparsers(parser.add_subparsers(dest="command", required=True))

    def run(argv: list[str]) -> int:
        args = parser.parse_args(argv)
        return args.handler(args)

    raw, out = tmp_path / "shhs" / "polysomnography", tmp_path / "ds"
    assert run(["generate", "nsrr", "--out", str(raw), "--n-nights", "1", "--hours", "0.5"]) == 0
    assert run(["convert", "nsrr", str(raw), "--out", str(out), "--channels", "EEG", "EOG(L)", "--card"]) == 0
    from datasets import load_from_disk

    ds = load_from_disk(str(out))
    assert ds.features["input_values"].shape == (2, 3000) and set(ds["recording"]) == {"shhs1-200001"}
    assert "sleepdata.org" in (out / "README.md").read_text() and "wrote" in capsys.readouterr().out
