"""The model explorer's logic without a browser."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import torch

from hf_sleep import ARCHITECTURES

from ..conftest import REPO_ROOT
from ..testers import TESTERS

sys.path.insert(0, str(REPO_ROOT / "spaces" / "model_explorer"))
import explorer  # noqa: E402


def test_every_registered_architecture_is_listed_with_its_hyperparameters():
    assert [name for _, name in explorer.architecture_choices()] == list(ARCHITECTURES)
    for name in ARCHITECTURES:
        defaults = explorer.hyperparameter_defaults(name)
        assert defaults and not set(defaults) & set(explorer.SIGNAL_ARGUMENTS)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_explore_reports_the_real_model(name):
    tiny = TESTERS[name].tiny_config
    hyper = {key: value for key, value in tiny.items() if key not in explorer.SIGNAL_ARGUMENTS}
    sfreq = tiny.get("sfreq", 100.0)
    result = explorer.explore(
        name, n_chans=2, sfreq=sfreq, seq_len=3, num_classes=3, hyperparameters=json.dumps(hyper)
    )
    n_times = int(sfreq * 30)
    model = ARCHITECTURES[name].model_class(result.config)
    assert result.n_parameters == sum(p.numel() for p in model.parameters())
    assert f"{result.n_parameters:,} parameters" in result.parameter_text
    classifier = next(row for row in result.layers if row[0] == "classifier")
    assert classifier[2] in ("(1, 3, 3)", "(3, 3)")  # per epoch of the sequence, or per epoch
    assert sum(row[3] for row in result.layers if "." not in row[0]) == result.n_parameters
    assert f"(batch, 3, 2, {n_times})" in result.contract and "0 = W, 1 = NREM, 2 = REM" in result.contract
    assert ARCHITECTURES[name].display_name in result.card and "```bibtex" in result.card


def test_bad_settings_name_the_problem():
    with pytest.raises(ValueError, match="has no hyper-parameter n_filterz"):
        explorer.build_config("tinysleepnet", hyperparameters='{"n_filterz": 3}')
    with pytest.raises(ValueError, match="JSON object"):
        explorer.build_config("tinysleepnet", hyperparameters="[1, 2]")
    with pytest.raises(ValueError, match="sfreq \\* epoch_seconds"):
        explorer.build_config("tinysleepnet", sfreq=33.33)
    with pytest.raises(ValueError, match="unknown architecture"):
        explorer.build_config("nope")


def test_stage_the_bundled_night_with_random_weights():
    hyper = {key: value for key, value in TESTERS["tinysleepnet"].tiny_config.items() if key != "seq_len"}
    result = explorer.stage_night("tinysleepnet", seq_len=3, hyperparameters=hyper)
    assert result.n_epochs == 960 and result.files["plot"].is_file()
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert "| TST |" in explorer.statistics_markdown(result.statistics)
    with pytest.raises(ValueError, match="'Fp1' is not in the recording"):
        explorer.stage_night("tinysleepnet", hyperparameters=hyper, channels="Fp1")


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_every_layer_has_an_output_shape_or_says_why_not(name):
    """Eval-mode batch-norm folding skips the Conv1d/BatchNorm1d/ReLU hooks; the table still shows their shapes."""
    tiny = TESTERS[name].tiny_config
    hyper = {key: value for key, value in tiny.items() if key not in explorer.SIGNAL_ARGUMENTS}
    config = explorer.build_config(name, sfreq=tiny.get("sfreq", 100.0), seq_len=2, hyperparameters=hyper)
    model = ARCHITECTURES[name].model_class(config).eval()
    before = {key: value.clone() for key, value in model.state_dict().items()}
    rows = explorer.layer_table(model)
    reasons = {"list of layers", "runs through its layers", "learned tokens"}
    for layer, kind, shape, _ in rows:
        assert shape.startswith("(") or shape in reasons or shape.startswith("weights used inside"), (layer, kind)
        if kind in ("Conv1d", "Conv2d", "BatchNorm1d", "BatchNorm2d", "ReLU", "Sequential", "LSTM", "GRU"):
            assert shape.startswith("("), (layer, kind, shape)
    assert not model.training  # the shape pass leaves the mode and the running statistics as they were
    assert all(torch.equal(before[key], value) for key, value in model.state_dict().items())


def test_tinysleepnet_conv_block_shapes():
    rows = {row[0]: row for row in explorer.explore("tinysleepnet").layers}
    block = "tinysleepnet.epoch_encoder.cnn.first_conv"
    assert rows[block][2] == rows[block + ".1"][2] == rows[block + ".2"][2] == rows[block + ".3"][2] == "(20, 128, 500)"


def test_the_explorer_speaks_gui_not_command_line():
    contract = explorer.explore("tinysleepnet").contract
    assert "**µV**" in contract and "uV" not in contract
    hyper = {key: value for key, value in TESTERS["tinysleepnet"].tiny_config.items() if key != "seq_len"}
    with pytest.raises(ValueError) as error:
        explorer.stage_night("tinysleepnet", hyperparameters=hyper, channels="Fp1")
    assert "Channels box" in str(error.value) and "--channels" not in str(error.value)
    advice = explorer.gui_wording("... Fix the header or pass --rescale 1e6")
    assert advice == "... Fix the header or stage it from the command line with `hf-sleep stage --rescale 1e6`"


def test_layer_table_fits_its_column():
    sys.path.insert(0, str(REPO_ROOT / "spaces" / "model_explorer"))
    gradio = pytest.importorskip("gradio", reason="the Space's layout needs gradio (pip install -e '.[space]')")
    del gradio
    import app

    assert len(app.LAYER_COLUMN_WIDTHS) == len(app.LAYER_HEADERS)
    assert sum(int(width.rstrip("%")) for width in app.LAYER_COLUMN_WIDTHS) == 100
    table = next(block for block in app.build_ui().blocks.values() if getattr(block, "elem_id", None) == "layers")
    assert table.wrap and table.column_widths == app.LAYER_COLUMN_WIDTHS


def test_stage_an_uploaded_edf_with_the_trained_default(tmp_path):
    """What the Space does with an upload and the default model choice: staged by the bundled trained model."""
    from ..staging.helpers import cycling_hypnogram, stage_like_signal, write_edf

    sys.path.insert(0, str(REPO_ROOT / "spaces" / "model_explorer"))
    import app

    signal = stage_like_signal(cycling_hypnogram(0.5))
    upload = write_edf(tmp_path / "upload.edf", {"EEG C3-M2": signal, "EMG chin": signal / 10})
    image, summary, csv_path = app.run_staging(
        "tinysleepnet", 1, 100.0, 30.0, 20, 5, "{}", app.UPLOAD, str(upload), "", "", app.TRAINED_EEG
    )
    assert image.endswith("upload_hypnogram.png") and csv_path.endswith("upload_hypnogram.csv")
    assert "60 epochs (0.50 h) from EEG C3-M2" in summary
    assert "trained model hf-sleep/seqsleepnet-physioex-eeg" in summary
    assert "| Stage | Mean probability | Epochs |" in summary and "| TST |" in summary
    table = [line for line in summary.splitlines() if line.startswith("| ") and line.count("|") == 4][1:6]
    assert sum(int(line.split("|")[3]) for line in table) == 60
    assert abs(sum(float(line.split("|")[2]) for line in table) - 1.0) < 1e-3
