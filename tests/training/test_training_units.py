"""The pieces of the training pipeline: metric against scikit-learn, flattening, sequences, augmentation, sampling."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.metrics import balanced_accuracy_score, cohen_kappa_score, confusion_matrix, f1_score

from hf_sleep.training.data import (
    ClassBalancedSampler,
    SleepDataCollator,
    SleepSequenceDataset,
    class_balanced_indices,
    shift_signals,
)
from hf_sleep.training.metrics import build_compute_metrics, flatten_predictions, load_sleep_staging_metric
from hf_sleep.training.pipeline import recipe_to_argv

from .helpers import STAGES, tiny_sleep_dataset


def test_local_metric_matches_scikit_learn_offline():
    rng = np.random.default_rng(0)
    references = rng.integers(0, 5, 300)
    predictions = np.where(rng.random(300) < 0.6, references, rng.integers(0, 5, 300))
    result = load_sleep_staging_metric().compute(
        predictions=predictions, references=references, num_labels=5, label_names=list(STAGES)
    )
    assert result["accuracy"] == pytest.approx(np.mean(predictions == references))
    assert result["macro_f1"] == pytest.approx(f1_score(references, predictions, average="macro"))
    assert result["kappa"] == pytest.approx(cohen_kappa_score(references, predictions))
    assert result["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(references, predictions))
    per_stage = f1_score(references, predictions, average=None)
    assert [result[f"f1_{name}"] for name in STAGES] == pytest.approx(list(per_stage))
    assert result["confusion_matrix"] == confusion_matrix(references, predictions).tolist()


def test_metric_ignores_minus_100_and_counts_absent_classes():
    result = load_sleep_staging_metric().compute(
        predictions=[0, 1, 1, 4], references=[0, 1, -100, 1], num_labels=5, label_names=list(STAGES)
    )
    assert result["n_epochs"] == 3
    assert result["accuracy"] == pytest.approx(2 / 3)
    assert result["f1_N3"] == 0.0 and len(result["confusion_matrix"]) == 5


def test_compute_metrics_flattens_sequence_logits_and_drops_padding():
    logits = np.zeros((2, 3, 5), dtype=np.float32)
    labels = np.array([[0, 1, 2], [3, 4, -100]])
    for b in range(2):
        for s in range(3):
            logits[b, s, labels[b, s] if labels[b, s] >= 0 else 0] = 5.0
    logits[1, 1] = 0.0
    logits[1, 1, 0] = 5.0  # one wrong prediction: REM scored W
    metrics = build_compute_metrics(STAGES)(type("P", (), {"predictions": logits, "label_ids": labels})())
    assert metrics["n_epochs"] == 5 and metrics["accuracy"] == pytest.approx(4 / 5)
    predictions, references = flatten_predictions(logits.argmax(-1), labels)
    assert predictions.tolist() == [0, 1, 2, 3, 0] and references.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="do not match"):
        flatten_predictions(np.zeros((2, 4, 5)), labels)


def test_sequences_cover_every_epoch_once_for_evaluation():
    dataset = tiny_sleep_dataset(n_subjects=1, n_nights=2, n_epochs=10)
    sequences = SleepSequenceDataset(dataset.shuffle(seed=1), seq_len=4)
    labels = np.array(dataset["labels"]).reshape(2, 10)
    assert len(sequences) == 6  # per night: [0:4], [4:8], [6:10] with 6, 7 unscored in the last
    scored = [item["labels"] for item in sequences]
    assert sum(int((row != -100).sum()) for row in scored) == 20
    night = [sequences[i] for i in range(3)]
    assert night[2]["labels"][:2].tolist() == [-100, -100]
    assert np.concatenate([night[0]["labels"], night[1]["labels"], night[2]["labels"][2:]]).tolist() in (
        labels[0].tolist(), labels[1].tolist()
    )  # fmt: skip
    assert night[0]["input_values"].shape == (4, 1, dataset.features["input_values"].shape[1])


def test_sequence_start_skipping_moves_windows_but_keeps_the_count():
    dataset = tiny_sleep_dataset(n_subjects=1, n_nights=1, n_epochs=23)
    sequences = SleepSequenceDataset(dataset, seq_len=5, skip_start=True, seed=3)
    starts = set()
    for epoch in range(8):
        sequences.set_epoch(epoch)
        assert len(sequences) == 3  # (23 - 5 + 1) // 5
        starts.add(sequences._windows[0][1])
    assert len(starts) > 1 and max(starts) <= 4
    sequences.set_epoch(2)
    again = sequences[0]["labels"].tolist()
    sequences.set_epoch(2)
    assert sequences[0]["labels"].tolist() == again  # offsets depend only on (seed, epoch): resumable


def test_signal_shift_moves_a_sequence_as_one_signal_and_unlabels_the_wrapped_epoch():
    signal = torch.arange(30, dtype=torch.float32).reshape(1, 3, 1, 10).repeat(8, 1, 1, 1)
    labels = torch.tensor([[0, 1, 2]] * 8)
    shifted, new_labels = shift_signals(signal, labels, 0.3, torch.Generator().manual_seed(0))
    shifts = []
    for row in range(8):
        flat_in, flat_out = signal[row].reshape(-1), shifted[row].reshape(-1)
        shift = int(flat_in[5] - flat_out[5])
        assert abs(shift) <= 3 and torch.equal(flat_out, torch.roll(flat_in, shift))
        expected = [-100, 1, 2] if shift > 0 else [0, 1, -100] if shift < 0 else [0, 1, 2]
        assert new_labels[row].tolist() == expected
        shifts.append(shift)
    assert len(set(shifts)) > 1
    assert labels[0].tolist() == [0, 1, 2]  # the caller's labels are untouched
    with pytest.raises(ValueError, match="fraction"):
        shift_signals(signal, labels, 1.5, torch.Generator())


def test_class_balanced_oversampling_equalises_stages():
    labels = np.array([0] * 50 + [1] * 5 + [2] * 20 + [3] * 1)
    indices = class_balanced_indices(labels, np.random.default_rng(0))
    counts = np.bincount(labels[indices])
    assert counts.tolist() == [50, 50, 50, 50]
    sampler = ClassBalancedSampler(labels, seed=1)
    first = list(sampler)
    sampler.set_epoch(1)
    assert len(first) == len(sampler) == 200 and list(sampler) != first
    with pytest.raises(ValueError, match="single epochs"):
        ClassBalancedSampler(np.zeros((4, 3)))


def test_collator_stacks_and_can_hide_labels():
    rows = [{"input_values": np.ones((2, 1, 6)), "labels": np.array([0, 1])} for _ in range(3)]
    batch = SleepDataCollator()(rows)
    assert batch["input_values"].shape == (3, 2, 1, 6) and batch["input_values"].dtype == torch.float32
    assert batch["labels"].dtype == torch.int64
    assert "labels" not in SleepDataCollator(with_labels=False)(rows)


def test_recipes_parse_into_the_argument_dataclasses(tmp_path):
    from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
    from hf_sleep.training.pipeline import parse_arguments

    from ..conftest import REPO_ROOT

    recipes = sorted((REPO_ROOT / "scripts" / "configs").glob("*.json"))
    assert {p.stem for p in recipes} >= {
        "tinysleepnet", "deepsleepnet_phase1", "deepsleepnet_phase2", "seqsleepnet", "slumbernet"
    }  # fmt: skip
    for recipe in recipes:
        argv = [str(recipe), "--dataset_path", "x", "--output_dir", str(tmp_path), "--report_to", "none"]
        model_args, data_args, training_args = parse_arguments(
            (ModelArguments, DataArguments, SleepTrainingArguments), argv
        )
        assert training_args.output_dir == str(tmp_path)
    tiny = json.loads((REPO_ROOT / "scripts/configs/tinysleepnet.json").read_text())
    argv = recipe_to_argv(REPO_ROOT / "scripts/configs/tinysleepnet.json")
    assert "--class_weights" in argv and tiny["class_weights"][1] == 1.5
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match="one JSON object"):
        recipe_to_argv(bad)


def _parse_recipe(name: str, tmp_path):
    from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
    from hf_sleep.training.pipeline import parse_arguments

    from ..conftest import REPO_ROOT

    argv = [str(REPO_ROOT / "scripts" / "configs" / f"{name}.json"), "--dataset_path", "x", "--output_dir",
            str(tmp_path), "--report_to", "none", "--use_cpu", "true"]  # fmt: skip
    return parse_arguments((ModelArguments, DataArguments, SleepTrainingArguments), argv)


def test_seqsleepnet_recipe_matches_the_original_training_script(tmp_path):
    import hf_sleep
    from hf_sleep.training.trainer import SleepTrainer

    model_args, data_args, args = _parse_recipe("seqsleepnet", tmp_path)
    overrides = json.loads(model_args.config_overrides)
    assert model_args.model_type == "seqsleepnet" and overrides == {"seq_len": 20, "drop_prob": 0.25}
    assert (args.learning_rate, args.adam_beta1, args.adam_beta2, args.adam_epsilon) == (1e-4, 0.9, 0.999, 1e-8)
    assert args.per_device_train_batch_size == 32 and args.num_train_epochs == 10 and args.weight_decay == 0.0
    assert args.eval_steps == 100 and args.metric_for_best_model == "accuracy" and data_args.skip_sequence_start
    assert args.conv_l2 == pytest.approx(1e-3 / 32)  # the original sums the loss over its 32 sequences
    # L2 on every weight but the filterbank, as the original excludes the filterbank scopes
    model = hf_sleep.SeqSleepNetForSleepStaging(hf_sleep.SeqSleepNetConfig(**overrides))
    trainer = SleepTrainer(model=model, args=args, eval_dataset=tiny_sleep_dataset(n_subjects=1, n_nights=1))
    penalised = {id(p) for p in trainer._l2_parameters}
    for name, parameter in model.named_parameters():
        assert (id(parameter) in penalised) == ("filterbank" not in name), name


def test_slumbernet_recipe_matches_the_original_training_script(tmp_path):
    model_args, data_args, args = _parse_recipe("slumbernet", tmp_path)
    assert model_args.model_type == "slumbernet"
    assert json.loads(model_args.config_overrides) == {"epoch_seconds": 4, "drop_prob": 0.0}
    assert (args.learning_rate, args.adam_epsilon, args.per_device_train_batch_size) == (1e-6, 1e-7, 128)
    assert args.num_train_epochs == 50 and args.metric_for_best_model == "accuracy"
    assert args.lr_scheduler_type == "reduce_lr_on_plateau"
    assert args.lr_scheduler_kwargs == {"mode": "max", "factor": 0.5, "patience": 3, "min_lr": 1e-7}
    assert data_args.signal_shift == 0.99


def test_spectrum_normalisation_is_fitted_on_the_training_split():
    import hf_sleep
    from hf_sleep.training.pipeline import fit_input_normalization

    data = tiny_sleep_dataset(n_subjects=1, n_nights=1, n_epochs=12)  # 20 Hz, 30-s epochs
    config = hf_sleep.SeqSleepNetConfig(sfreq=20.0, seq_len=4, filter_high_hz=10.0)
    model = hf_sleep.SeqSleepNetForSleepStaging(config)
    assert fit_input_normalization(model, data, max_epochs=8, seed=0) == 8
    assert np.asarray(model.config.spectrum_mean).shape == (1, config.n_fft // 2 + 1)
    assert fit_input_normalization(hf_sleep.TinySleepNetForSleepStaging(hf_sleep.TinySleepNetConfig()), data) == 0
