"""The scripts end to end on a tiny dataset: train, evaluate, fine-tune, cross-validate, DeepSleepNet's two phases."""

from __future__ import annotations

import json
import logging

import datasets
import numpy as np
import pytest
import torch

from hf_sleep.training import evaluation, finetune, train
from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
from hf_sleep.training.cross_validate import run_cross_validation
from hf_sleep.training.trainer import EpochEncoderClassifier, SleepTrainer

from .helpers import TINY_TINYSLEEPNET, tiny_sleep_dataset, tiny_split

COMMON = ["--use_cpu", "true", "--report_to", "none", "--disable_tqdm", "true", "--per_device_train_batch_size", "4",
          "--logging_steps", "5", "--save_strategy", "no", "--seed", "3"]  # fmt: skip


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "dataset"
    tiny_split(n_epochs=24).save_to_disk(str(path))
    return path


@pytest.mark.slow
def test_train_evaluate_and_finetune_to_a_new_label_set(dataset_dir, tmp_path, capsys):
    run = tmp_path / "tiny"
    train.main(
        ["--model_type", "tinysleepnet", "--config_overrides", json.dumps(TINY_TINYSLEEPNET), "--dataset_path",
         str(dataset_dir), "--output_dir", str(run), "--num_train_epochs", "8", "--learning_rate", "5e-3",
         "--eval_strategy", "epoch", "--class_weights", "1", "1.5", "1", "1", "1", *COMMON]
    )  # fmt: skip
    results = json.loads((run / "test_results.json").read_text())
    assert results["test_n_epochs"] == 48 and len(results["test_confusion_matrix"]) == 5
    # The stages are sines of different frequencies: learnable. Measured (seed 3): accuracy 0.83, kappa 0.72; a
    # constant answer has kappa 0.
    assert results["test_accuracy"] >= 0.7 and results["test_kappa"] >= 0.6, results
    assert (run / "confusion_matrix_test.png").read_bytes()[:4] == b"\x89PNG"
    assert "| epochs | accuracy | macro-F1 |" in capsys.readouterr().out
    config = json.loads((run / "config.json").read_text())
    assert config["id2label"]["1"] == "N1" and config["class_weights"][1] == 1.5 and config["sfreq"] == 20.0

    evaluation.main(["--model_name_or_path", str(run), "--dataset_path", str(dataset_dir), "--output_dir",
                     str(tmp_path / "eval"), *COMMON])  # fmt: skip
    again = json.loads((tmp_path / "eval" / "test_results.json").read_text())
    assert again["test_accuracy"] == pytest.approx(results["test_accuracy"])

    # Another dataset with three stages: a new classifier, the encoder frozen.
    three = tiny_sleep_dataset(n_subjects=3, n_nights=1, n_epochs=24, seed=5, stages=("Wake", "NREM", "REM"))
    subjects = np.array(three["subject"])
    splits = datasets.DatasetDict({name: three.select(np.flatnonzero(subjects == s)) for name, s in
                                   (("train", "S00"), ("validation", "S01"), ("test", "S02"))})  # fmt: skip
    splits.save_to_disk(str(tmp_path / "three"))
    with pytest.raises(ValueError, match="ignore_mismatched_sizes"):
        finetune.main(["--model_name_or_path", str(run), "--dataset_path", str(tmp_path / "three"),
                       "--output_dir", str(tmp_path / "ft"), *COMMON])  # fmt: skip
    finetune.main(
        ["--model_name_or_path", str(run), "--dataset_path", str(tmp_path / "three"), "--output_dir",
         str(tmp_path / "ft"), "--ignore_mismatched_sizes", "true", "--freeze_encoder", "true",
         "--num_train_epochs", "2", *COMMON]
    )  # fmt: skip
    tuned = json.loads((tmp_path / "ft" / "config.json").read_text())
    assert tuned["id2label"] == {"0": "Wake", "1": "NREM", "2": "REM"} and tuned["class_weights"] is None
    from safetensors.torch import load_file

    before, after = load_file(run / "model.safetensors"), load_file(tmp_path / "ft" / "model.safetensors")
    encoder_keys = [k for k in before if ".epoch_encoder." in k]
    assert encoder_keys and all(torch.equal(before[k], after[k]) for k in encoder_keys)  # frozen, BN stats too
    assert after["classifier.weight"].shape[0] == 3
    assert not torch.equal(before["tinysleepnet.lstm.weight_hh_l0"], after["tinysleepnet.lstm.weight_hh_l0"])


@pytest.mark.slow
def test_cross_validation_pools_the_folds(tmp_path, caplog):
    full = tiny_sleep_dataset(n_subjects=3, n_nights=1, n_epochs=16, seed=2)
    subjects = np.array(full["subject"])
    folds = [
        datasets.DatasetDict({"train": full.select(np.flatnonzero(subjects != s)),
                              "test": full.select(np.flatnonzero(subjects == s))})
        for s in ("S00", "S01", "S02")
    ]  # fmt: skip
    model_args = ModelArguments(model_type="tinysleepnet", config_overrides=json.dumps(TINY_TINYSLEEPNET))
    data_args = DataArguments(dataset_path="unused")
    training_args = SleepTrainingArguments(
        output_dir=str(tmp_path / "cv"), use_cpu=True, report_to="none", disable_tqdm=True, num_train_epochs=1,
        per_device_train_batch_size=4, save_strategy="no", eval_strategy="epoch",
    )  # fmt: skip
    with caplog.at_level(logging.INFO, logger="hf_sleep.training.cross_validate"):
        metrics = run_cross_validation(folds, model_args, data_args, training_args)
    assert [m.split(":")[0] for m in caplog.messages if m.startswith("fold ")] == ["fold 1/3", "fold 2/3", "fold 3/3"]
    assert metrics["cv_n_epochs"] == 48  # every subject tested once
    pooled = np.load(tmp_path / "cv" / "cv_predictions.npz")
    assert np.mean(pooled["predictions"] == pooled["references"]) == pytest.approx(metrics["cv_accuracy"])
    # one numbering, from 1: folders, per-fold keys and the folds listed agree
    assert sorted(metrics["per_fold"]) == metrics["cv_folds"] == [1, 2, 3]
    assert sorted(p.name for p in (tmp_path / "cv").glob("fold_*")) == ["fold_1", "fold_2", "fold_3"]
    assert (tmp_path / "cv" / "fold_3" / "test_results.json").exists()
    assert (tmp_path / "cv" / "confusion_matrix_cv.png").exists()


@pytest.mark.slow
def test_deepsleepnet_two_phases(dataset_dir, tmp_path):
    tiny = {"seq_len": 3, "bilstm_hidden_size": 8, "small_n_filters_1": 4, "small_n_filters_2": 6,
            "large_n_filters_1": 4, "large_n_filters_2": 6, "large_first_kernel_size": 40,
            "large_first_stride": 5, "large_first_padding": 17}  # fmt: skip
    phase1 = tmp_path / "phase1"
    train.main(["--model_type", "deepsleepnet", "--config_overrides", json.dumps(tiny), "--dataset_path",
                str(dataset_dir), "--output_dir", str(phase1), "--encoder_only", "true", "--balanced_sampling", "true",
                "--num_train_epochs", "1", "--conv_l2", "1e-3", *COMMON])  # fmt: skip
    assert json.loads((phase1 / "test_results.json").read_text())["test_n_epochs"] == 48

    from hf_sleep.training.pipeline import build_model

    model = build_model(ModelArguments(model_name_or_path=str(phase1)), ["W", "N1", "N2", "N3", "REM"], 1, 600)
    args = SleepTrainingArguments(output_dir=str(tmp_path / "p2"), use_cpu=True, report_to="none",
                                  encoder_learning_rate=1e-6, learning_rate=1e-4)  # fmt: skip
    optimizer = SleepTrainer(model=model, args=args).create_optimizer()
    rates = sorted({group["lr"] for group in optimizer.param_groups})
    assert rates == [1e-6, 1e-4]
    encoder = {id(p) for p in model.get_encoder().parameters()}
    for group in optimizer.param_groups:
        assert all((id(p) in encoder) == (group["lr"] == 1e-6) for p in group["params"])
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(list(model.parameters()))

    probe = EpochEncoderClassifier(model, head="mlp")
    assert probe(torch.randn(2, 1, 600), labels=torch.tensor([0, 1]))["logits"].shape == (2, 5)


def test_cross_validation_fold_numbers_start_at_one():
    from hf_sleep.training.cross_validate import CrossValidationArguments

    assert CrossValidationArguments(n_folds=4, folds=[1, 4]).folds == [1, 4]
    with pytest.raises(ValueError, match="--folds are fold numbers from 1 to 4, got 0"):
        CrossValidationArguments(n_folds=4, folds=[0])
