"""Consensus staging: several bundled models and channel sets of one recording, probabilities averaged."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from hf_sleep.cli import main
from hf_sleep.staging.consensus import central_eeg_channels, stage_consensus

from .helpers import cycling_hypnogram, stage_like_signal, write_edf

TWO_MODELS = ["robustsleepnet-mass", "robustsleepnet-shhs"]


def psg(tmp_path, minutes: float, sfreq: float = 100.0, name: str = "nap.edf"):
    hypnogram = cycling_hypnogram(3.0)[40 : 40 + int(minutes * 2)]
    c4 = stage_like_signal(hypnogram, sfreq=sfreq, seed=1)
    c3 = stage_like_signal(hypnogram, sfreq=sfreq, seed=2)
    eog = stage_like_signal(hypnogram, sfreq=sfreq, seed=3) * 0.5
    return write_edf(tmp_path / name, {"EEG C4-M1": c4, "EEG C3-M2": c3, "EOG E1-M2": eog}, sfreq)


def test_central_eeg_derivations_are_picked_by_preference():
    assert central_eeg_channels(["EOG E1-M2", "EEG C3-M2", "EEG C4-M1", "EEG O1-M2"]) == ["EEG C4-M1", "EEG C3-M2"]
    with pytest.raises(ValueError, match="no channel looks like a central EEG"):
        central_eeg_channels(["ECG", "Resp"])


def test_consensus_averages_members_and_flags_disagreement(tmp_path):
    path = psg(tmp_path, 20)
    result = stage_consensus(path, TWO_MODELS, output_dir=tmp_path / "out")
    assert result.n_epochs == 40 and result.channels == ["EEG C4-M1", "EEG C3-M2"]
    np.testing.assert_allclose(result.probabilities.sum(1), 1.0, atol=1e-9)
    with open(result.files["csv"]) as handle:
        rows = list(csv.DictReader(handle))
    members = [column for column in rows[0] if column.startswith("stage[")]
    assert members == [
        "stage[robustsleepnet-mass | EEG C4-M1]", "stage[robustsleepnet-mass | EEG C3-M2]",
        "stage[robustsleepnet-shhs | EEG C4-M1]", "stage[robustsleepnet-shhs | EEG C3-M2]",
    ]
    for row in rows:
        votes = [row[column] for column in members]
        assert float(row["agreement"]) == pytest.approx(votes.count(row["stage"]) / 4)
        assert row["disagree"] == str(int(len(set(votes)) > 1))
    # The combined probabilities are the members' mean: one member alone at the same window grid.
    alone = stage_consensus(path, TWO_MODELS[:1], [["EEG C4-M1"]], stride=21)
    assert alone.extra_columns["stage[robustsleepnet-mass | EEG C4-M1]"] == [
        row["stage[robustsleepnet-mass | EEG C4-M1]"] for row in rows
    ]


def test_eeg_eog_and_one_model_any_number_of_channels(tmp_path):
    path = psg(tmp_path, 12, sfreq=50.0)  # 50 Hz is accepted
    result = stage_consensus(path, TWO_MODELS[:1], [["EEG C4-M1", "EOG E1-M2"]], nap=True)
    assert result.n_epochs == 24 and result.channels == ["EEG C4-M1", "EOG E1-M2"]
    assert "SOREMP" in result.statistics


def test_short_recordings_are_one_shorter_window(tmp_path):
    path = psg(tmp_path, 5)
    result = stage_consensus(path, TWO_MODELS[:1], [["EEG C4-M1"]])
    assert result.n_epochs == 10 and result.context_epochs == 10
    assert not np.isnan(result.probabilities).any()


def test_cli_default_is_the_consensus(tmp_path, capsys):
    path = psg(tmp_path, 10)
    assert main(["stage", str(path), "--output-dir", str(tmp_path / "out"), "--quiet",
                 "--models", *TWO_MODELS, "--channel-sets", "EEG C4-M1", "EEG C3-M2,EOG E1-M2"]) == 0  # fmt: skip
    with open(tmp_path / "out" / "nap_hypnogram.csv") as handle:
        header = next(csv.reader(handle))
    assert "stage[robustsleepnet-shhs | EEG C3-M2 + EOG E1-M2]" in header and "disagree" in header


def test_consensus_statistics_cover_time_in_bed(tmp_path):
    path = psg(tmp_path, 30)
    whole = stage_consensus(path, TWO_MODELS[:1], [["EEG C4-M1"]])
    in_bed = stage_consensus(path, TWO_MODELS[:1], [["EEG C4-M1"]], lights_off=300, lights_on=1500)
    assert in_bed.stages == whole.stages  # lights change the statistics, never the stages
    assert whole.statistics["TIB"] == 30.0 and in_bed.statistics["TIB"] == 20.0
    assert (in_bed.lights_off, in_bed.lights_on) == (300.0, 1500.0)
