"""The explorer's staging paths as the Space's buttons call them: an uploaded recording, a checkpoint folder, and
the errors a user sees (`gr.Error`) when either is wrong."""

from __future__ import annotations

import csv
import importlib.util

import numpy as np
import pytest
import torch

from hf_sleep import get_architecture
from hf_sleep.staging import stage_recording

from ..conftest import REPO_ROOT
from ..staging.helpers import cycling_hypnogram, write_sleep_edf_night
from ..testers import TESTERS

gr = pytest.importorskip("gradio")


@pytest.fixture(scope="module")
def app():
    """`spaces/model_explorer/app.py` imported under its own name (it puts `explorer` on the path itself)."""
    spec = importlib.util.spec_from_file_location(
        "model_explorer_app", REPO_ROOT / "spaces" / "model_explorer" / "app.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    return write_sleep_edf_night(tmp_path_factory.mktemp("upload") / "upload-PSG.edf", cycling_hypnogram(0.5))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(1)
    config = TESTERS["tinysleepnet"].config()
    path = tmp_path_factory.mktemp("checkpoint") / "model"
    get_architecture("tinysleepnet").model_class(config).save_pretrained(path)
    return path


def shape_inputs(app, name: str = "tinysleepnet") -> list:
    """The explorer's controls as the page first shows them for `name`."""
    return [name, *app.reset_controls(name)]


def probabilities(csv_path) -> np.ndarray:
    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return np.array([[float(v) for k, v in row.items() if k.startswith("prob_")] for row in rows])


def test_uploaded_recording_staged_with_a_checkpoint_folder(app, night, checkpoint):
    plot, summary, csv_path = app.run_staging(
        *shape_inputs(app), app.UPLOAD, str(night), "", f"  {checkpoint}  "
    )
    assert "**upload-PSG.edf**: 60 epochs (0.50 h) from EEG Fpz-Cz" in summary
    assert "random weights" not in summary and "| TST |" in summary
    assert plot.endswith(".png") and csv_path.endswith("_hypnogram.csv")
    # The checkpoint's weights staged the upload: the same probabilities as staging with it directly.
    expected = stage_recording(night, str(checkpoint)).probabilities
    np.testing.assert_allclose(probabilities(csv_path), expected, atol=1e-6)


def test_uploaded_recording_with_the_default_trained_model(app, night):
    _, summary, _ = app.run_staging(*shape_inputs(app), app.UPLOAD, str(night), "", "")
    assert "**upload-PSG.edf**: 60 epochs (0.50 h)" in summary
    assert "trained model hf-sleep/seqsleepnet-physioex-eeg" in summary and "random weights" not in summary


def test_uploaded_recording_with_the_random_architecture_says_so(app, night, checkpoint):
    _, summary, csv_path = app.run_staging(
        *shape_inputs(app), app.UPLOAD, str(night), "EEG Pz-Oz", "", model_choice=app.RANDOM
    )
    assert "60 epochs (0.50 h) from EEG Pz-Oz" in summary and "random weights" in summary
    assert not np.allclose(probabilities(csv_path), stage_recording(night, str(checkpoint)).probabilities, atol=1e-3)


def test_bad_upload_or_checkpoint_is_one_message(app, night, checkpoint, tmp_path):
    (tmp_path / "notes.txt").write_text("not a recording")
    cases = [
        ((app.UPLOAD, None, "", ""), "upload a recording"),
        ((app.UPLOAD, str(tmp_path / "missing.edf"), "", ""), "missing.edf does not exist"),
        ((app.UPLOAD, str(tmp_path / "notes.txt"), "", ""), "notes.txt"),
        ((app.BUNDLED, None, "", str(tmp_path / "no-model")), "no-model does not exist"),
        ((app.UPLOAD, str(night), "Fp1", str(checkpoint)), "'Fp1' is not in the recording"),
    ]
    for (source, upload, channels, model), message in cases:
        with pytest.raises(gr.Error, match=message):
            app.run_staging(*shape_inputs(app), source, upload, channels, model)
