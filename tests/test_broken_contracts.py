"""A broken signal contract is one line naming the file and the key, never ignored (issue 25, items 6 and 11).

The contract (`SleepFeatureExtractor`) is validated in one place, its constructor; it is read from a model's
`preprocessor_config.json` by `stage` and `push`, and from a dataset's `dataset_info.json` (the `input_values`
feature) by `train` and `push-dataset`.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest
import torch

from hf_sleep import SleepFeatureExtractor, get_architecture
from hf_sleep.cli import main
from hf_sleep.data.synthetic import write_sleep_edf_night

from .testers import TESTERS

NIGHT = ["W"] * 2 + ["N1"] * 2 + ["N2"] * 4 + ["N3"] * 2 + ["REM"] * 2 + ["W"] * 2

# (key, bad value, what the message says)
BAD_VALUES = [
    ("sfreq", 1e308, "sfreq * epoch_seconds (1e+308 Hz x 30 s) must be at most"),
    ("sfreq", "100", "sfreq must be a positive finite number, got '100'"),
    ("sfreq", [100.0], "sfreq must be a positive finite number, got [100.0]"),
    ("sfreq", None, "sfreq must be a positive finite number, got None"),
    ("epoch_seconds", -30, "epoch_seconds must be a positive finite number, got -30"),
    ("l_freq", "0.3", "l_freq must be a positive finite number, got '0.3'"),
    ("h_freq", 1e9, "h_freq (1e+09 Hz) must be below Nyquist"),
    ("ch_names", "EEG Fpz-Cz", "ch_names must be a non-empty list of channel names"),
    ("ch_names", [1], "ch_names must be a non-empty list of channel names"),
    ("units", ["uV"], "units must be one of"),
    ("filter", ["fir"], "filter must be an object"),
    ("filter", {"method": "fir", "order": 1e9}, "filter order must be a whole number from 1 to 20"),
    ("label_names", {"0": "W"}, "label_names must be a list of stage names"),
    ("preprocessing", [["slumbernet"]], "preprocessing must be a list of objects with a 'name'"),
    ("sampling_rate", 100.0, "unexpected key(s) 'sampling_rate'"),
    ("n_times", 3000, "unexpected key(s) 'n_times'"),
]


def run(*argv) -> tuple[int, list[str]]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(a) for a in argv])
    pieces = [piece.split("/s]")[-1] for piece in err.getvalue().replace("\r", "\n").splitlines()]
    return code, [piece for piece in pieces if "error" in piece or "Traceback" in piece]


@pytest.mark.parametrize(("key", "value", "message"), BAD_VALUES)
def test_the_contract_refuses_a_bad_value_naming_the_key(key, value, message):
    values = {"ch_names": ["EEG Fpz-Cz"], "l_freq": 0.3, "h_freq": 35.0, key: value}
    with pytest.raises(ValueError) as raised:
        SleepFeatureExtractor.from_dict(values)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_contract_that_is_not_an_object_or_lacks_channels_is_a_value_error():
    with pytest.raises(ValueError, match="a signal contract is a JSON object, not list"):
        SleepFeatureExtractor.from_dict([["EEG Fpz-Cz"], 100.0])
    with pytest.raises(ValueError, match="missing 1 required positional argument: 'ch_names'"):
        SleepFeatureExtractor.from_dict({"sfreq": 100.0})


# -- stage: the model's preprocessor_config.json (item 6) ----------------------------------------------------
@pytest.fixture(scope="module")
def model_and_night(tmp_path_factory):
    root = tmp_path_factory.mktemp("contract")
    torch.manual_seed(0)
    config = TESTERS["tinysleepnet"].config(ch_names=["EEG Fpz-Cz"])
    with contextlib.redirect_stderr(io.StringIO()):
        get_architecture("tinysleepnet").model_class(config).save_pretrained(root / "model")
    SleepFeatureExtractor.from_model_config(config, l_freq=0.3, h_freq=35.0).save_pretrained(root / "model")
    psg, _ = write_sleep_edf_night(root / "pair", hypnogram=NIGHT, subject=0, night=1)
    return root / "model", psg


@pytest.mark.parametrize(("key", "value", "message"), [BAD_VALUES[0], BAD_VALUES[5], BAD_VALUES[14], ("[]", None, "")])
def test_stage_with_a_broken_preprocessor_config_is_one_line_naming_file_and_key(
    tmp_path, model_and_night, key, value, message
):
    model, psg = model_and_night
    broken = tmp_path / "model"
    shutil.copytree(model, broken)
    path = broken / "preprocessor_config.json"
    saved = json.loads(path.read_text())
    path.write_text(json.dumps(list(saved.values()) if key == "[]" else {**saved, key: value}))
    code, errors = run("stage", psg, "--model", broken, "--out-dir", tmp_path / "out", "--quiet")
    assert code == 2 and len(errors) == 1, errors
    assert errors[0].startswith(f"hf-sleep stage: error: {path}") and message in errors[0]
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_stage_applies_the_saved_band_pass(tmp_path, model_and_night):
    """The intact folder stages (the contract with its band-pass is the one used), so the refusals above are not
    refusals of every folder."""
    model, psg = model_and_night
    code, errors = run("stage", psg, "--model", model, "--out-dir", tmp_path / "out", "--quiet")
    assert code == 0 and errors == []
    from hf_sleep.staging import saved_feature_extractor

    assert saved_feature_extractor(str(model)).h_freq == 35.0


# -- train and push-dataset: the dataset's contract (item 11) ------------------------------------------------
@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("converted")
    write_sleep_edf_night(root / "in", hypnogram=NIGHT, subject=0, night=1)
    write_sleep_edf_night(root / "in", hypnogram=NIGHT, subject=1, night=1)
    code, errors = run("convert", "sleep-edf", root / "in", "--out", root / "dataset")
    assert code == 0, errors
    return root / "dataset"


def break_contract(dataset: Path, target: Path, change) -> Path:
    shutil.copytree(dataset, target)
    info_path = target / "dataset_info.json"
    info = json.loads(info_path.read_text())
    stored = json.loads(info["features"]["input_values"]["id"])
    stored["sleep_feature_extractor"] = change(stored["sleep_feature_extractor"])
    info["features"]["input_values"]["id"] = json.dumps(stored)
    info_path.write_text(json.dumps(info))
    return info_path


CHANGES = {
    "sfreq 1e308": (lambda c: {**c, "sfreq": 1e308}, "sfreq * epoch_seconds"),
    "a list": (lambda c: list(c.values()), "a signal contract is a JSON object, not list"),
    "an unexpected key": (lambda c: {**c, "sampling_rate": 100}, "unexpected key(s) 'sampling_rate'"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_push_dataset_with_a_broken_contract_is_one_line_before_anything_is_sent(tmp_path, converted, change):
    edit, message = CHANGES[change]
    info = break_contract(converted, tmp_path / "dataset", edit)
    code, errors = run("push-dataset", tmp_path / "dataset", "--repo-id", "tester/broken")
    assert code == 2 and len(errors) == 1, errors
    assert errors[0].startswith(f"hf-sleep push-dataset: error: {info}: the signal contract of `input_values`")
    assert message in errors[0]


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_train_with_a_broken_contract_is_one_line(tmp_path, converted, change):
    edit, message = CHANGES[change]
    info = break_contract(converted, tmp_path / "dataset", edit)
    code, errors = run(
        "train", "--model_type", "tinysleepnet", "--dataset_path", tmp_path / "dataset", "--test_size", "0.5", "--validation_size", "0",
        "--output_dir", tmp_path / "run", "--use_cpu", "true", "--report_to", "none", "--num_train_epochs", "1",
    )  # fmt: skip
    assert code == 2 and len(errors) == 1, errors
    assert f"{info}: the signal contract of `input_values`" in errors[0] and message in errors[0]
    assert not (tmp_path / "run").exists()
