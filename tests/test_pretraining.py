"""Smoke runs through the `Trainer` and the command line: each objective lowers its loss, a staging head
trains on the frozen encoder, and `latent-eval` writes the report and plots."""

from __future__ import annotations

import json

import pytest
from datasets import DatasetDict

from hf_sleep.cli import main
from hf_sleep.training.pretraining import load_epochs, pretrain, pretraining_class
from scripts.dsb_toy_dataset import make_toy_epochs

SFREQ = 20.0  # 600 samples per epoch keeps the smoke runs short
TINY_CNN = {"channels": [8, 8, 16, 16, 16], "n_layers": [1, 1, 2, 1, 1], "gate_reduction": 4,
            "classifier_hidden_size": 16, "augmentation_seed": 0}
TINY_TRANSFORMER = {"patch_seconds": 3.0, "hidden_size": 16, "num_layers": 2, "num_heads": 2,
                    "decoder_hidden_size": 8, "decoder_num_layers": 1, "decoder_num_heads": 2,
                    "classifier_hidden_size": 16, "augmentation_seed": 0}


def first_vs_last_pass(losses: list[float], steps_per_pass: int = 5) -> tuple[float, float]:
    """Mean loss over the first and the last pass through the data (80 epochs = 5 batches of 16): the same
    epochs in both, so the comparison does not depend on which stages a batch happened to hold."""
    return sum(losses[:steps_per_pass]) / steps_per_pass, sum(losses[-steps_per_pass:]) / steps_per_pass


@pytest.fixture(scope="module")
def toy_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("toy") / "epochs"
    DatasetDict(
        {"train": make_toy_epochs(16, SFREQ, seed=0), "test": make_toy_epochs(6, SFREQ, seed=1)}
    ).save_to_disk(str(path))
    return path


@pytest.mark.parametrize(
    "arch, objective, overrides, learning_rate",
    [
        ("dsb_cnn", "contrastive", TINY_CNN, 3e-3),
        ("dsb_cnn", "masked", TINY_CNN, 3e-3),
        ("dsb_cnn_attention", "hybrid", {**TINY_CNN, "attention_heads": 2}, 3e-3),
        # Raw µV targets are too large for a 16-wide Transformer to fit in 10 steps; its masked objective is
        # trained on standardised epochs in test_deepsleepbench.py.
        ("dsb_transformer", "contrastive", TINY_TRANSFORMER, 3e-3),
    ],
)
def test_pretraining_lowers_the_loss(toy_dir, tmp_path, arch, objective, overrides, learning_rate):
    run = pretrain(
        arch, objective, load_epochs(toy_dir), tmp_path / "out", max_steps=10, batch_size=16,
        learning_rate=learning_rate, sfreq=SFREQ, config_overrides=overrides,
    )
    assert len(run.losses) == 10
    first, last = first_vs_last_pass(run.losses)
    assert last < first, run.losses
    saved = json.loads((tmp_path / "out" / "config.json").read_text())
    assert saved["model_type"] == arch and saved["sfreq"] == SFREQ and saved["id2label"]["4"] == "REM"
    assert type(pretraining_class(arch, objective).from_pretrained(tmp_path / "out")).__name__.endswith(
        f"For{objective.capitalize()}Pretraining"
    )


@pytest.mark.slow  # about a minute on 2 cores: UMAP's first use compiles with numba
def test_command_line_pretrain_frozen_staging_and_latent_eval(toy_dir, tmp_path, capsys):
    out = tmp_path / "run"
    config = json.dumps({key: value for key, value in TINY_CNN.items() if key != "augmentation_seed"})
    argv = ["pretrain", "--arch", "dsb_cnn", "--objective", "hybrid", "--dataset", str(toy_dir), "--out", str(out),
            "--max-steps", "10", "--batch-size", "16", "--learning-rate", "3e-3", "--sfreq", str(SFREQ),
            "--config", config, "--eval-frozen", "--staging-steps", "80"]
    assert main(argv) == 0
    summary = json.loads((out / "summary.json").read_text())
    first, last = first_vs_last_pass(summary["pretraining_losses"])
    assert last < first
    first, last = first_vs_last_pass(summary["staging_losses"])
    assert last < first
    metrics = json.loads((out / "staging" / "metrics.json").read_text())
    # A head on an encoder pretrained for only 10 steps: measured accuracy 0.63 and kappa 0.54 on the 30 test
    # epochs (6 per stage; chance is 0.2 and kappa 0). Required: clearly learnt, not merely above chance.
    assert metrics["n_epochs"] == 30 and metrics["accuracy"] >= 0.5 and metrics["kappa"] >= 0.4, metrics
    assert "frozen-encoder staging head" in capsys.readouterr().out

    report_dir = tmp_path / "latent"
    argv = ["latent-eval", "--model", str(out / "staging"), "--dataset", str(toy_dir), "--out", str(report_dir),
            "--methods", "pca", "tsne"]
    assert main(argv) == 0
    report = json.loads((report_dir / "latent_metrics.json").read_text())
    assert report["n_samples"] == 30 and report["dim"] == 16
    assert set(report["metrics"]["pca"]) >= {"silhouette", "purity", "trustworthiness", "compactness_to_separation"}
    assert (report_dir / "latent_pca.png").is_file() and (report_dir / "latent_tsne.png").is_file()

    # A second run into the same folder is refused instead of mixing outputs.
    assert main(argv[:0] + ["pretrain", "--arch", "dsb_cnn", "--objective", "masked", "--dataset", str(toy_dir),
                            "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_command_line_errors_name_the_argument(tmp_path, capsys):
    assert main(["pretrain", "--arch", "dsb_cnn", "--objective", "masked", "--dataset", str(tmp_path / "nope"),
                 "--out", str(tmp_path / "o")]) == 2
    assert "--dataset" in capsys.readouterr().err
    assert main(["latent-eval", "--model", str(tmp_path), "--dataset", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "--model" in capsys.readouterr().err
    with pytest.raises(ValueError, match="no self-supervised"):
        pretraining_class("tinysleepnet", "masked")
