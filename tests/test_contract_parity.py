"""Train/serve parity: what the converter wrote equals what staging builds with the saved feature extractor.

Both sides run one implementation (`hf_sleep.data.recording.read_recording`, then the `SleepFeatureExtractor`'s
signal-wide and epoch-wise steps), so the windows are identical bit for bit: the band-pass runs over the whole
recording on both sides (the converter cuts its span out afterwards), and SlumberNet's steps run on each epoch
alone, whichever other epochs are processed with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from transformers import AutoFeatureExtractor

from hf_sleep import SleepFeatureExtractor
from hf_sleep.data import (
    RODENT_OPTIONS,
    SLEEP_EDF_OPTIONS,
    convert_rodent,
    convert_sleep_edf,
    write_rodent_recording,
    write_sleep_edf_night,
)

NIGHT = ["W"] * 30 + ["N1"] * 4 + ["N2"] * 20 + ["N3"] * 12 + ["REM"] * 10 + ["N2"] * 10 + ["W"] * 34


def _assert_rows_equal_staged(dataset, staged: np.ndarray) -> None:
    rows = dataset.with_format("numpy")[:]
    assert len(rows["epoch_index"]) > 0
    np.testing.assert_array_equal(staged[rows["epoch_index"]], rows["input_values"])


def test_sleep_edf_band_pass_parity(tmp_path: Path) -> None:
    psg, _ = write_sleep_edf_night(tmp_path / "raw", hypnogram=NIGHT, subject=0, night=1, seed=4)
    ds = convert_sleep_edf(
        tmp_path / "raw", channels=["EEG Fpz-Cz", "EEG Pz-Oz"], options=SLEEP_EDF_OPTIONS.replace(sfreq=50.0, l_freq=0.3, h_freq=20.0, trim_wake_minutes=5, cache_dir=tmp_path / "cache", progress=False),
    )  # fmt: skip
    extractor = SleepFeatureExtractor.from_dataset(ds)
    extractor.save_pretrained(tmp_path / "model")
    served = AutoFeatureExtractor.from_pretrained(tmp_path / "model")
    staged = served(psg)["input_values"]
    assert staged.shape[1:] == (2, 1500) and len(staged) == len(NIGHT)
    assert ds[0]["epoch_index"] > 0  # wake was trimmed: the converter read a span, staging the whole night
    _assert_rows_equal_staged(ds, staged)


def test_rodent_slumbernet_parity(tmp_path: Path) -> None:
    scores = ["Wake"] * 20 + ["Non REM"] * 30 + ["Wake X"] * 3 + ["REM"] * 15 + ["Unscored"] * 2 + ["Non REM"] * 20
    edf, _ = write_rodent_recording(tmp_path / "raw", scores=scores, animal="m1", epoch_seconds=4.0, seed=2)
    ds = convert_rodent(tmp_path / "raw", preprocessing="slumbernet", options=RODENT_OPTIONS.replace(cache_dir=tmp_path / "cache", progress=False))
    extractor = SleepFeatureExtractor.from_dataset(ds)
    extractor.save_pretrained(tmp_path / "model")
    staged = AutoFeatureExtractor.from_pretrained(tmp_path / "model")(edf)["input_values"]
    assert staged.shape[1:] == (2, 256)
    assert len(ds) < len(staged)  # unscored / artefact epochs were dropped by the converter, not by staging
    _assert_rows_equal_staged(ds, staged)


def test_convert_train_stage_with_the_contract(tmp_path: Path, capsys) -> None:
    """`--channels "EEG Fpz-Cz"` with a band-pass -> hf-sleep train -> config and extractor -> stage, no flags."""
    from hf_sleep.cli import main
    from hf_sleep.training import train

    raw = tmp_path / "raw"
    for subject in range(3):
        write_sleep_edf_night(raw, hypnogram=NIGHT, subject=subject, night=1, seed=subject)
    assert main(["convert", "sleep-edf", str(raw), "--out", str(tmp_path / "ds"), "--channels", "EEG Fpz-Cz",
                 "--l-freq", "0.3", "--h-freq", "35", "--trim-wake-minutes", "5"]) == 0  # fmt: skip
    run = tmp_path / "runs" / "tiny"
    train.main(
        ["--model_type", "tinysleepnet", "--config_overrides", json.dumps({"seq_len": 2, "n_filters": 4,
         "lstm_hidden_size": 4}), "--dataset_path", str(tmp_path / "ds"), "--output_dir", str(run),
         "--max_steps", "2", "--per_device_train_batch_size", "2", "--use_cpu", "true", "--report_to", "none",
         "--save_strategy", "no", "--eval_strategy", "no", "--disable_tqdm", "true", "--validation_size", "0",
         "--test_size", "0.34"]
    )  # fmt: skip
    config = json.loads((run / "config.json").read_text())
    assert "ch_names" not in config and (config["sfreq"], config["epoch_seconds"]) == (100.0, 30.0)
    extractor = AutoFeatureExtractor.from_pretrained(run)
    assert isinstance(extractor, SleepFeatureExtractor)
    assert extractor.ch_names == ["EEG Fpz-Cz"] and (extractor.l_freq, extractor.h_freq) == (0.3, 35.0)
    night = sorted(raw.glob("*-PSG.edf"))[0]
    assert main(["stage", str(night), "--model", str(run), "--out-dir", str(tmp_path / "out")]) == 0
    assert f"{len(NIGHT)} epochs" in capsys.readouterr().out
    assert (tmp_path / "out" / f"{night.name[:-4]}_hypnogram.csv").is_file()
