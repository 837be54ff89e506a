"""Channel alternatives travel from a converted dataset into the fine-tuned model (issue 22).

Two generated nights record the central EEG under different labels; the dataset is converted with
`--channels "EEG C3-A1|EEG CZ-A1"`, a tiny model trains one step on CPU, and staging each night with the trained
model picks the channel that night has, with no --channels flag.
"""

from __future__ import annotations

import json
from pathlib import Path

from transformers import AutoConfig, AutoFeatureExtractor

from hf_sleep.data import write_scored_night

NIGHT = ["W"] * 6 + ["N1"] * 2 + ["N2"] * 8 + ["N3"] * 6 + ["REM"] * 4 + ["W"] * 4
ALTERNATIVES = "EEG C3-A1|EEG CZ-A1"


def test_alternatives_travel_into_the_trained_model(tmp_path: Path, capsys) -> None:
    from hf_sleep.cli import main
    from hf_sleep.training import train

    raw = tmp_path / "raw"
    nights = {
        label: write_scored_night(raw, hypnogram=NIGHT, name=f"night-{index}", channels=(label,), sfreq=100.0,
                                  seed=index)[0]
        for index, label in enumerate(["EEG C3-A1", "EEG CZ-A1"])
    }  # fmt: skip
    assert main(["convert", "edf", str(raw), "--output-dir", str(tmp_path / "ds"), "--hypnogram", "{stem}.csv",
                 "--channels", ALTERNATIVES]) == 0  # fmt: skip
    run = tmp_path / "run"
    train.main(
        ["--model_type", "tinysleepnet", "--config_overrides", json.dumps({"seq_len": 2, "n_filters": 4,
         "lstm_hidden_size": 4}), "--dataset_path", str(tmp_path / "ds"), "--output_dir", str(run),
         "--max_steps", "1", "--per_device_train_batch_size", "2", "--use_cpu", "true", "--report_to", "none",
         "--save_strategy", "no", "--eval_strategy", "no", "--disable_tqdm", "true", "--validation_size", "0",
         "--test_size", "0.5"]
    )  # fmt: skip
    assert AutoFeatureExtractor.from_pretrained(run).ch_names == [ALTERNATIVES]
    assert not hasattr(AutoConfig.from_pretrained(run, trust_remote_code=True), "ch_names")  # one home
    capsys.readouterr()
    for label, edf in nights.items():
        out = tmp_path / "out" / edf.stem
        assert main(["stage", str(edf), "--model", str(run), "--out-dir", str(out)]) == 0
        printed = capsys.readouterr()
        assert f"{len(NIGHT)} epochs" in printed.out, printed
        assert label in printed.out + printed.err, printed
        assert (out / f"{edf.stem}_hypnogram.csv").is_file()
