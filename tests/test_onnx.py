"""ONNX export and the torch-free staging path: the graph agrees with torch, and staging with it needs no torch.

The bundled models ship their exported graph (`hf_sleep/pretrained/<name>/onnx/`), so the fast tests compare that
file with the shipped weights; exporting every registered architecture takes a few minutes on 2 cores (slow).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from hf_sleep.pretrained import BUNDLED, DEFAULT_MODEL, ROBUSTSLEEPNET_MODELS, pretrained_path
from hf_sleep.registry import ARCHITECTURES

from .conftest import REPO_ROOT
from .staging.helpers import cycling_hypnogram, write_edf, yasa_excerpt
from .testers import TESTERS

pytest.importorskip("onnxruntime", reason="the ONNX tests need onnxruntime (pip install 'hf_sleep[onnx]')")

TOLERANCE = 1e-4
BUNDLED_CHANNELS = {1: ("EEG C4-A1",), 3: ("EEG C4-A1", "EOG horizontal", "EMG submental")}


def generated_night(config, n_epochs: int, seed: int = 0) -> np.ndarray:
    """`(n_epochs, n_chans, n_times)` µV from the project's synthetic-PSG generator, following a cycling hypnogram."""
    from hf_sleep.data.synthetic import synthesize_night

    channels = BUNDLED_CHANNELS.get(config.n_chans, tuple(f"EEG C{i}-A1" for i in range(config.n_chans)))
    stages = (cycling_hypnogram(8.0, seed) * 2)[100 : 100 + n_epochs]  # starts in sleep, mixes the stages
    signal = synthesize_night(stages, sfreq=config.sfreq, epoch_seconds=config.epoch_seconds, channels=channels,
                              seed=seed)  # fmt: skip
    return np.ascontiguousarray(signal.reshape(config.n_chans, n_epochs, config.n_times).transpose(1, 0, 2))


def real_night(shared_data, contract, n_epochs: int) -> np.ndarray:
    """YASA's real N3 and N2 EEG (200 Hz) through the model's own contract (resampling, band-pass), every
    channel the same EEG: `(n_epochs, n_chans, n_times)`."""
    signal, sfreq = yasa_excerpt(shared_data, repeats=(n_epochs + 1) // 2)
    rows = np.tile(signal.astype(np.float32), (len(contract.ch_names), 1))
    return contract.epochs_from_signal(rows, sfreq)[:n_epochs]


def windows(n_epochs: int, window: int) -> np.ndarray:
    from hf_sleep.staging.night_windows import window_starts

    return np.asarray(window_starts(n_epochs, window))[:, None] + np.arange(window)


def torch_logits(model, epochs: np.ndarray, index: np.ndarray) -> np.ndarray:
    """What `predict_night` computes in torch for these windows: each epoch encoded once (with the recording's
    statistics), the sequence part per window."""
    import torch

    from hf_sleep.staging.onnx_export import NightStagingGraph

    with torch.no_grad():
        return NightStagingGraph(model.eval())(torch.as_tensor(epochs), torch.as_tensor(index)).numpy()


def assert_same_night(onnx_model, torch_model, epochs: np.ndarray) -> None:
    """Logits within 1e-4 of torch's (absolute, plus 1e-4 relative), the fused probabilities within 1e-4 and every
    stage equal."""
    from hf_sleep.staging.inference import predict_night

    index = windows(len(epochs), onnx_model.description["window"])
    # float32 rounding is relative: logits of a few tens (RobustSleepNet's) move by a few 1e-4 in absolute terms.
    np.testing.assert_allclose(
        onnx_model.logits(epochs, index), torch_logits(torch_model, epochs, index), rtol=TOLERANCE, atol=TOLERANCE
    )
    ours, theirs = onnx_model.predict_night(epochs), predict_night(torch_model, epochs, stride=1)
    np.testing.assert_allclose(ours.probabilities, theirs.probabilities, atol=TOLERANCE, rtol=0)
    assert ours.stage_labels == theirs.stage_labels


# The bundled models that ship their exported graph: all of them (`test_every_bundled_model_ships_its_graph`).
EXPORTED_MODELS = tuple(name for name in BUNDLED if (pretrained_path(name) / "onnx" / "model.onnx").is_file())
# The real-EEG half for one bundled model of each architecture (the others share its graph's code).
REAL_EEG_MODELS = (DEFAULT_MODEL, *[name for name in ROBUSTSLEEPNET_MODELS if name in EXPORTED_MODELS][:1])
PHYSIOEX_MODELS = tuple(name for name in BUNDLED if name.startswith("seqsleepnet-"))


def test_every_bundled_model_ships_its_graph():
    """Each bundle carries `onnx/model.onnx` and `onnx/staging.json`, so the consensus default runs on onnxruntime."""
    from hf_sleep.pretrained import BUNDLE_ONNX_FILES

    for name in BUNDLED:
        for file_name in BUNDLE_ONNX_FILES:
            assert (pretrained_path(name) / file_name).is_file(), f"{name} lacks {file_name}"
    assert set(EXPORTED_MODELS) == set(BUNDLED) and DEFAULT_MODEL in PHYSIOEX_MODELS


@pytest.mark.parametrize("name", sorted(EXPORTED_MODELS))
def test_bundled_graph_equals_the_bundled_weights_on_generated_and_real_nights(name, request):
    from hf_sleep.pretrained import load_pretrained
    from hf_sleep.staging.onnx_runtime import OnnxStagingModel

    onnx_model, torch_model = OnnxStagingModel(pretrained_path(name)), load_pretrained(name)
    config, description = torch_model.config, onnx_model.description
    assert (description["opset"], description["exporter"], description["window"]) == (18, "dynamo", config.seq_len)
    assert description["inputs"]["input_values"]["shape"] == ["n_epochs", config.n_chans, config.n_times]
    assert description["fusion"] == getattr(torch_model, "window_fusion", "log_probability")
    assert_same_night(onnx_model, torch_model, generated_night(config, 60))
    if name not in REAL_EEG_MODELS:
        return
    if not (REPO_ROOT.parent / "shared" / "data").is_dir():
        pytest.skip("team data folder ../shared/data is absent: the real-EEG half is skipped")
    shared_data = request.getfixturevalue("shared_data")
    assert_same_night(onnx_model, torch_model, real_night(shared_data, onnx_model.signal_contract, 24))


TORCH_FREE_STAGE = """
import json, sys
from hf_sleep.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "loaded": sorted(m for m in ("torch", "transformers") if m in sys.modules)}))
"""


def test_onnx_staging_imports_neither_torch_nor_transformers_and_equals_the_torch_path(tmp_path):
    """A fresh `hf-sleep stage --backend onnx` of a generated 3-h night: no torch, no transformers, the same
    stage on every epoch as the torch path and probabilities within 1e-4."""
    from hf_sleep.data.synthetic import synthesize_night
    from hf_sleep.staging.one_night import stage_recording

    stages = cycling_hypnogram(3.0, seed=3)
    signal = synthesize_night(stages, channels=("EEG Fpz-Cz",), seed=3)[0]
    night = write_edf(tmp_path / "night.edf", {"EEG Fpz-Cz": signal})
    arguments = ["stage", str(night), "--model", DEFAULT_MODEL, "--backend", "onnx", "--output-dir",
                 str(tmp_path / "onnx"), "--quiet"]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run([sys.executable, "-c", TORCH_FREE_STAGE, *arguments], capture_output=True, text=True,
                         env=environment, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[-1]) == {"code": 0, "loaded": []}
    written = sorted(path.name for path in (tmp_path / "onnx").iterdir())
    assert written == ["night_hypnogram.csv", "night_hypnogram.edf", "night_hypnogram.png", "night_sleep_stats.json"]

    reference = stage_recording(night, DEFAULT_MODEL, backend="torch")
    rows = np.genfromtxt(tmp_path / "onnx" / "night_hypnogram.csv", delimiter=",", names=True, dtype=None,
                         encoding="utf-8")  # fmt: skip
    assert len(rows) == len(stages) == reference.n_epochs
    assert list(rows["stage"]) == reference.stages
    probabilities = np.column_stack([rows[f"prob_{name}"] for name in reference.stage_names])
    np.testing.assert_allclose(probabilities, reference.probabilities, atol=TOLERANCE, rtol=0)
    statistics = json.loads((tmp_path / "onnx" / "night_sleep_stats.json").read_text())["statistics"]
    assert statistics["TST"] == pytest.approx(reference.statistics["TST"])


def test_the_onnx_consensus_default_imports_neither_torch_nor_transformers_and_equals_torch(tmp_path):
    """A fresh `hf-sleep stage --backend onnx` without --model: the consensus of the 7 RobustSleepNet graphs on two
    central EEGs, without torch or transformers; the same stages, members' votes and mean probabilities (to 1e-4)
    as the torch consensus of the same night."""
    from hf_sleep.data.synthetic import synthesize_night
    from hf_sleep.staging.consensus import stage_consensus

    stages = cycling_hypnogram(1.0, seed=5)  # an hour: 14 members through torch stay fast
    signals = synthesize_night(stages, channels=("EEG C4-A1", "EEG C3-A2"), seed=5)
    night = write_edf(tmp_path / "night.edf", {"EEG C4-A1": signals[0], "EEG C3-A2": signals[1]})
    arguments = ["stage", str(night), "--backend", "onnx", "--output-dir", str(tmp_path), "--quiet", "--no-plot"]
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run([sys.executable, "-c", TORCH_FREE_STAGE, *arguments], capture_output=True, text=True,
                         env=environment, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[-1]) == {"code": 0, "loaded": []}
    assert "consensus of 14 members (7 model(s) × 2 channel set(s))" in run.stderr

    reference = stage_consensus(night, backend="torch")
    with open(tmp_path / "night_hypnogram.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(stages) == reference.n_epochs
    assert [row["stage"] for row in rows] == reference.stages
    probabilities = [[float(row[f"prob_{name}"]) for name in reference.stage_names] for row in rows]
    np.testing.assert_allclose(probabilities, reference.probabilities, atol=TOLERANCE, rtol=0)
    members = [label for label in reference.extra_columns if label.startswith("stage[")]
    assert len(members) == 14
    # A member's own probabilities agree to about 2e-4 between the runtimes (float32 through a 21-epoch GRU), so a
    # member's near-tie can flip (here W 0.37405 vs N2 0.37401 at one epoch); the combined stages above are exact.
    flips = {label: sum(row[label] != vote for row, vote in zip(rows, reference.extra_columns[label], strict=True))
             for label in members}  # fmt: skip
    assert sum(flips.values()) <= 2 and max(flips.values()) <= 1, flips


def test_backend_choice_and_its_errors(tmp_path, capsys):
    from hf_sleep.cli import main
    from hf_sleep.staging.onnx_runtime import OnnxStagingModel, staging_model

    folder = pretrained_path("seqsleepnet-physioex-eeg")
    assert staging_model(str(folder)) == str(folder)  # weights beside the graph: torch unless asked
    assert isinstance(staging_model(str(folder), "onnx"), OnnxStagingModel)
    with pytest.raises(ValueError, match="backend must be one of auto, torch, onnx, got 'tf'"):
        staging_model(str(folder), "tf")
    with pytest.raises(ValueError, match="--backend onnx stages a bundled model or a folder written by hf-sleep"):
        staging_model("user/some-model", "onnx")
    with pytest.raises(FileNotFoundError, match=f"model folder {tmp_path} holds no exported graph"):
        OnnxStagingModel(tmp_path)
    night = tmp_path / "night.edf"
    night.write_bytes(b"")
    assert main(["stage", str(night), "--architecture", "tinysleepnet", "--backend", "onnx"]) == 2
    assert "error: --backend onnx stages a bundled model or an exported folder (--model), not --architecture" in (
        capsys.readouterr().err
    )
    short = OnnxStagingModel(folder)
    with pytest.raises(ValueError, match="at least 21 epochs"):
        short.predict_night(np.zeros((20, 1, 3000), np.float32))


def test_an_exported_folder_stages_by_itself_and_a_damaged_one_is_named(tmp_path):
    """A folder written by `hf-sleep export onnx` (here: the bundled graph and JSON files, no weights) is staged
    with onnxruntime without being asked; a damaged graph or description gets one line naming the file."""
    import shutil

    from hf_sleep.staging.onnx_runtime import GRAPH_FILE, STAGING_FILE, OnnxStagingModel, staging_model

    source, folder = pretrained_path("seqsleepnet-physioex-eeg"), tmp_path / "exported"
    for name in ("config.json", "preprocessor_config.json", GRAPH_FILE, STAGING_FILE):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, folder / name)
    assert isinstance(staging_model(str(folder)), OnnxStagingModel)
    (folder / STAGING_FILE).write_text('{"format": "something-else"}')
    with pytest.raises(ValueError, match="has format 'something-else'; this hf_sleep reads 'hf_sleep-night-staging-1'"):
        OnnxStagingModel(folder)
    shutil.copyfile(source / STAGING_FILE, folder / STAGING_FILE)
    (folder / GRAPH_FILE).write_bytes(b"not a graph")
    with pytest.raises(ValueError, match=f"{folder / GRAPH_FILE} is not a graph onnxruntime can load"):
        OnnxStagingModel(folder)


def test_the_staging_description_says_what_runs_before_and_after_the_graph():
    for name in set(ROBUSTSLEEPNET_MODELS) & set(EXPORTED_MODELS):
        steps = " ".join(json.loads((pretrained_path(name) / "onnx" / "staging.json").read_text())["before_the_graph"])
        assert "robustsleepnet_preprocess, which filters and resamples to 60 Hz itself" in steps, name
    for name in PHYSIOEX_MODELS:
        description = json.loads((pretrained_path(name) / "onnx" / "staging.json").read_text())
        contract = json.loads((pretrained_path(name) / "preprocessor_config.json").read_text())
        steps = " ".join(description["before_the_graph"])
        for fact in ("resample each channel to 100 Hz", "band-pass 0.3-40.0 Hz: Butterworth of order 5", "3000 samples", "NaN"):
            assert fact in steps, fact
        assert str(contract["ch_names"]) in steps
        assert description["stage_names"] == ["W", "N1", "N2", "N3", "REM"]
        assert "log_softmax" in description["after_the_graph"][0]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_every_architecture_exports_and_onnxruntime_equals_torch(name, tmp_path, request):
    """A tiny random model of each registered architecture through `hf-sleep export onnx`: dynamo's graph (or
    TorchScript's) equals torch on a generated night and, where the team data is present, on real EEG."""
    import torch

    from hf_sleep.cli import main
    from hf_sleep.staging.onnx_runtime import OnnxStagingModel, staging_model

    torch.manual_seed(0)
    model = ARCHITECTURES[name].model_class(TESTERS[name].config()).eval()
    model.save_pretrained(tmp_path / "model")
    assert main(["export", "onnx", str(tmp_path / "model"), str(tmp_path / "onnx-model")]) == 0
    onnx_model = staging_model(str(tmp_path / "onnx-model"))
    assert isinstance(onnx_model, OnnxStagingModel)
    assert onnx_model.description["exporter"] in ("dynamo", "torchscript")
    window = onnx_model.description["window"]
    assert_same_night(onnx_model, model, generated_night(model.config, 3 * window + 7))
    if (REPO_ROOT.parent / "shared" / "data").is_dir():
        shared_data = request.getfixturevalue("shared_data")
        assert_same_night(onnx_model, model, real_night(shared_data, onnx_model.signal_contract, 2 * window + 1))
