"""What the training scripts share: argument parsing, data loading and splitting, model building, the run.

Each script (`train`, `finetune`, `cross_validate`, `evaluate`) is a short `main` over these functions,
in the style of transformers' `examples/pytorch/*/run_*.py`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments

logger = logging.getLogger(__name__)

# Keys of a JSON recipe that document it and are not arguments.
RECIPE_COMMENT_KEYS = ("_description", "_source", "_notes")


# -- arguments -------------------------------------------------------------------------------------------
def recipe_to_argv(path: str | os.PathLike) -> list[str]:
    """Turns a JSON recipe `{"learning_rate": 1e-4, "class_weights": [1, 1.5, 1, 1, 1], ...}` into CLI flags.

    Flags given after the recipe on the command line override it (argparse keeps the last value).
    """
    from hf_sleep.data.checks import read_json_object

    recipe = read_json_object(path, "recipe")
    argv: list[str] = []
    for key, value in recipe.items():
        if key in RECIPE_COMMENT_KEYS:
            continue
        if value is None:
            continue
        argv.append(f"--{key}")
        if isinstance(value, bool):
            argv.append(str(value).lower())
        elif isinstance(value, list):
            argv.extend(str(item) for item in value)
        elif isinstance(value, dict):
            argv.append(json.dumps(value))
        else:
            argv.append(str(value))
    return argv


def argument_parser(dataclass_types: Sequence[type], command: str):
    """The `HfArgumentParser` of `hf-sleep COMMAND`: what it parses, and what `--help-trainer` prints."""
    import argparse

    from transformers import HfArgumentParser

    return HfArgumentParser(
        tuple(dataclass_types), prog=f"hf-sleep {command}", formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )


def parse_arguments(dataclass_types: Sequence[type], argv: Sequence[str] | None, *, command: str = "train") -> tuple[Any, ...]:
    """Parses `argv` (a `.json` recipe first, then flags that override it) into the given dataclasses."""
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0].endswith(".json"):
        argv = recipe_to_argv(argv[0]) + argv[1:]
    return argument_parser(dataclass_types, command).parse_args_into_dataclasses(args=argv)


def finalize_training_arguments(training_args: SleepTrainingArguments) -> SleepTrainingArguments:
    """Picks bf16 (or fp16) on a CUDA device when `auto_mixed_precision` is on and nothing was chosen."""
    import torch

    if (
        training_args.auto_mixed_precision
        and not (training_args.bf16 or training_args.fp16 or training_args.use_cpu)
        and torch.cuda.is_available()
    ):
        # Native bf16 only (compute capability 8.0+): torch also reports the slow emulated bf16 of older GPUs.
        precision = {"bf16": True} if torch.cuda.is_bf16_supported(including_emulation=False) else {"fp16": True}
        logger.info("CUDA device found: training with %s mixed precision", next(iter(precision)))
        training_args = dataclasses.replace(training_args, **precision)
    return training_args


# -- data ------------------------------------------------------------------------------------------------
def load_raw_dataset(data_args: DataArguments):
    """The `Dataset` or `DatasetDict` named by `--dataset` (save_to_disk folder) or `--dataset_name`."""
    import datasets

    if data_args.dataset_path is not None:
        path = Path(data_args.dataset_path)
        if not path.exists():
            raise FileNotFoundError(f"--dataset {path} does not exist (expected a folder written by save_to_disk)")
        loaded = datasets.load_from_disk(str(path))
    else:
        loaded = datasets.load_dataset(data_args.dataset_name, data_args.dataset_config_name)
    return loaded


def load_splits(data_args: DataArguments):
    """The dataset as a `DatasetDict`; a single `Dataset` is split subject-wise with `hf_sleep.data.subject_split`."""
    import datasets

    loaded = load_raw_dataset(data_args)
    if isinstance(loaded, datasets.Dataset):
        from hf_sleep.data import subject_split

        loaded = subject_split(
            loaded, test_size=data_args.test_size, validation_size=data_args.validation_size, seed=data_args.split_seed
        )
    return loaded


def contract_of(dataset):
    """The signal contract (`SleepFeatureExtractor`) a converted dataset carries, or `None` for one without."""
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    return SleepFeatureExtractor.from_dataset(dataset, missing_ok=True)  # a broken one is an error


def stage_names_of(dataset, data_args: DataArguments) -> list[str]:
    """Stage names in class order: `--stage_names`, else the `labels` ClassLabel, else the dataset's contract."""
    if data_args.stage_names:
        return list(data_args.stage_names)
    feature = dataset.features["labels"]
    if hasattr(feature, "feature"):  # a sequence of labels
        feature = feature.feature
    names = getattr(feature, "names", None)
    if not names:
        contract = contract_of(dataset)
        if contract is not None:
            return list(contract.label_names)
        raise ValueError("the dataset's `labels` column is not a ClassLabel; give the stage names with --stage_names")
    return list(names)


def signal_shape_of(dataset) -> tuple[int, int]:
    """`(n_chans, n_times)` of one epoch in the dataset (per-epoch or already cut into sequences)."""
    sample = np.asarray(dataset[0]["input_values"])
    if sample.ndim not in (2, 3):
        raise ValueError(f"input_values must be (n_chans, n_times) or (seq_len, n_chans, n_times), got {sample.shape}")
    return int(sample.shape[-2]), int(sample.shape[-1])


# -- model -----------------------------------------------------------------------------------------------
def _overrides(model_args: ModelArguments) -> dict[str, Any]:
    if not model_args.config_overrides:
        return {}
    try:
        overrides = json.loads(model_args.config_overrides)
    except json.JSONDecodeError as error:
        raise ValueError(f"--config_overrides must be a JSON object, got {model_args.config_overrides!r}: {error}") from None
    if not isinstance(overrides, dict):
        raise ValueError(f"--config_overrides must be a JSON object, got {model_args.config_overrides!r}")
    return overrides


def build_model(model_args: ModelArguments, stage_names: Sequence[str], n_chans: int, n_times: int, contract=None):
    """A model for `stage_names` and epochs of `(n_chans, n_times)`: from scratch or from a pretrained one.

    The input shape (channel count, rate, epoch length) comes from the dataset's signal `contract` (a
    `SleepFeatureExtractor`). A dataset without one (built by hand) needs `sfreq` or `epoch_seconds` in
    `--config_overrides` unless its epochs are 30 s long. From a pretrained model the shape must match the data; a
    different label set needs `--ignore_mismatched_sizes` and gets a new classifier.
    """
    from hf_sleep.registry import get_architecture, register_auto_classes

    register_auto_classes()

    overrides = _overrides(model_args)
    id2label = dict(enumerate(stage_names))
    label2id = {name: index for index, name in id2label.items()}
    if model_args.class_weights is not None and len(model_args.class_weights) != len(stage_names):
        raise ValueError(
            f"--class_weights needs one weight per stage ({len(stage_names)}: {list(stage_names)}), "
            f"got {len(model_args.class_weights)}"
        )
    if (model_args.model_type is None) == (model_args.model_name_or_path is None):
        raise ValueError("give exactly one of --architecture (train from scratch) or --model (start from a model)")
    signal: dict[str, Any] = {}
    if contract is not None:
        if (len(contract.ch_names), contract.n_times) != (n_chans, n_times):
            raise ValueError(
                f"the dataset's contract describes epochs of ({len(contract.ch_names)}, {contract.n_times}) but its "
                f"rows are ({n_chans}, {n_times})"
            )
        signal = {key: value for key, value in contract.config_kwargs().items() if key != "id2label"}
    if model_args.model_type is not None:
        arch = get_architecture(model_args.model_type)
        if not signal:  # no contract: the rate follows from the epoch length given (30 s unless overridden)
            epoch_seconds = float(overrides.pop("epoch_seconds", n_times / overrides["sfreq"] if "sfreq" in overrides else 30.0))
            logger.warning("the dataset carries no signal contract: assuming %g-s epochs", epoch_seconds)
            signal = {"n_chans": n_chans, "sfreq": n_times / epoch_seconds, "epoch_seconds": epoch_seconds}
        kwargs = dict(signal, id2label=id2label, label2id=label2id, class_weights=model_args.class_weights)
        kwargs.update(overrides)
        return arch.model_class(arch.config_class(**kwargs))

    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(model_args.model_name_or_path, trust_remote_code=model_args.trust_remote_code)
    new_labels = [config.id2label[index] for index in range(config.num_labels)] != list(stage_names)
    if new_labels and not model_args.ignore_mismatched_sizes:
        raise ValueError(
            f"{model_args.model_name_or_path} predicts {config.id2label} but the dataset has stages {list(stage_names)}; "
            "pass --ignore_mismatched_sizes to train a new classifier for the new label set"
        )
    # The fine-tuned model takes the dataset's rate and epoch length; its channel names and units travel in the
    # feature extractor saved beside it (`feature_extractor_for`).
    updates: dict[str, Any] = {key: value for key, value in signal.items() if key != "n_chans"}
    updates.update(overrides)
    if new_labels:
        updates.update(id2label=id2label, label2id=label2id, num_labels=len(stage_names))
        if config.class_weights is not None and model_args.class_weights is None:
            updates["class_weights"] = None  # the old weights were per old stage
    if model_args.class_weights is not None:
        updates["class_weights"] = list(model_args.class_weights)
    for key, value in updates.items():
        setattr(config, key, value)
    if (config.n_chans, config.n_times) != (n_chans, n_times):
        raise ValueError(
            f"{model_args.model_name_or_path} expects epochs of (n_chans={config.n_chans}, n_times={config.n_times}) "
            f"but the dataset has ({n_chans}, {n_times}); resample or pick the channels first"
        )
    config.validate_signal_shape()
    return AutoModel.from_pretrained(
        model_args.model_name_or_path,
        config=config,
        ignore_mismatched_sizes=model_args.ignore_mismatched_sizes,
        trust_remote_code=model_args.trust_remote_code,
    )


def feature_extractor_for(model, contract, model_args: ModelArguments):
    """The `SleepFeatureExtractor` saved beside the trained model: the dataset's contract with the model's labels.

    Without a dataset contract: the one saved with the pretrained model, else one derived from the model config.
    """
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    if contract is None and model_args.model_name_or_path is not None:
        try:
            contract = SleepFeatureExtractor.from_pretrained(model_args.model_name_or_path)
        except OSError:
            contract = None
    config = model.config
    if contract is None:
        return SleepFeatureExtractor.from_model_config(config)
    values = contract.to_dict()
    values.pop("auto_map", None)
    values["label_names"] = [config.id2label[index] for index in range(config.num_labels)]
    return SleepFeatureExtractor.from_dict(values)


def recording_statistics_function(model, seq_len: int):
    """For a model that standardises over each recording (the physioex SeqSleepNet), the function computing a
    recording's statistics, which then travel with each of its sequences (as at staging, where the whole night
    gives them); `None` for every other model."""
    if seq_len == 1 or getattr(model.config, "spectrum_standardization", None) != "recording":
        return None
    import torch

    def statistics_of(epochs: np.ndarray) -> np.ndarray:
        return model.spectrum_statistics_of(torch.from_numpy(epochs)).float().cpu().numpy()

    return statistics_of


def fit_input_normalization(model, dataset, max_epochs: int = 20000, seed: int = 0) -> int:
    """Fits a model's input normalisation on training epochs where the architecture has one; returns the epochs used.

    SeqSleepNet standardises every bin of its log spectrum with training-set statistics, as the original's training
    script does (`fit_spectrum_normalization`). At most `max_epochs` epochs, drawn at random with `seed`, keep the
    memory bounded on large datasets. Models without such a method are left alone (returns 0).
    """
    fit = getattr(model, "fit_spectrum_normalization", None)
    if not callable(fit):
        return 0
    import torch

    rows = np.arange(len(dataset))
    if len(rows) > max_epochs:
        rows = np.sort(np.random.default_rng(seed).choice(len(rows), max_epochs, replace=False))
    picked = dataset.select(rows).with_format("numpy", columns=["input_values"])
    signals = np.asarray(picked["input_values"], dtype=np.float32)
    signals = signals.reshape(-1, *signals.shape[-2:])  # a dataset of sequences counts their epochs
    fit(torch.from_numpy(signals))
    logger.info("fitted the input normalisation of %s on %d training epochs", type(model).__name__, len(signals))
    return len(signals)


# -- the run ---------------------------------------------------------------------------------------------
@dataclass
class RunResult:
    """What one training run produced.

    Args:
        model: the trained `...ForSleepStaging` model (the best checkpoint with `load_best_model_at_end`).
        trainer: the `SleepTrainer` that trained it.
        test_metrics: metrics on the test split (`test_` prefixed), empty without a test split.
        test_predictions: `(predicted, scored)` class per scored test epoch, for pooling across folds.
    """

    model: Any
    trainer: Any
    test_metrics: dict[str, Any]
    test_predictions: tuple[np.ndarray, np.ndarray] | None


def _resolve_checkpoint(training_args: SleepTrainingArguments) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    wanted = training_args.resume_from_checkpoint
    if wanted is None or str(wanted).lower() in ("false", "none", ""):
        return None
    if str(wanted).lower() in ("true", "last"):
        last = get_last_checkpoint(training_args.output_dir) if os.path.isdir(training_args.output_dir) else None
        if last is None:
            logger.warning("no checkpoint in %s to resume from: training from the start", training_args.output_dir)
        return last
    if not os.path.isdir(wanted):
        raise FileNotFoundError(f"--resume_from_checkpoint {wanted} is not a checkpoint folder")
    return wanted


def write_metrics_report(metrics: dict[str, Any], stage_names: Sequence[str], output_dir: str, prefix: str) -> Path:
    """Saves `<prefix>_results.json`, the confusion-matrix PNG, and prints the metrics table; returns the PNG path."""
    from hf_sleep.training.plots import plot_confusion_matrix

    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    (output / f"{prefix}_results.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    matrix = metrics[f"{prefix}_confusion_matrix"]
    png = plot_confusion_matrix(matrix, stage_names, output / f"confusion_matrix_{prefix}.png", title=f"{prefix} set")
    print(format_metrics_table(metrics, stage_names, prefix))
    print(f"confusion matrix plot: {png}")
    return png


def write_training_info(dataset, data_args: DataArguments, output_dir: str) -> Path:
    """Saves `training_info.json` (what the data was) for `hf-sleep push`'s model card; returns its path.

    The dataset's own name says whether it is synthetic (conversion of generated recordings names it so), so a
    card's results on generated data are labelled as such.
    """
    name = getattr(dataset.info, "dataset_name", None) or data_args.dataset_name
    if not name and data_args.dataset_path:
        name = Path(data_args.dataset_path).name
    info = {"dataset_name": name or "unknown", "eval_split": data_args.test_split}
    path = Path(output_dir) / "training_info.json"
    path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return path


def format_metrics_table(metrics: dict[str, Any], stage_names: Sequence[str], prefix: str) -> str:
    """A Markdown table of the headline metrics and the per-stage F1."""
    get = lambda key: metrics[f"{prefix}_{key}"]  # noqa: E731
    header = ["epochs", "accuracy", "macro-F1", "kappa", "balanced acc."] + [f"F1 {name}" for name in stage_names]
    values = [str(get("n_epochs"))] + [f"{get(key):.3f}" for key in ("accuracy", "macro_f1", "kappa", "balanced_accuracy")]
    values += [f"{get(f'f1_{name}'):.3f}" for name in stage_names]
    return "\n".join(
        ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header), "| " + " | ".join(values) + " |"]
    )


def _training_datasets(
    splits: Any, data_args: DataArguments, training_args: SleepTrainingArguments, seq_len: int, statistics_of: Any,
    do_train: bool,
) -> tuple[Any, Any]:  # fmt: skip
    """The training sequences (shuffled by the data seed; `None` when not training) and the validation ones."""
    from hf_sleep.training.data import as_model_inputs

    train_dataset = None
    if do_train:
        data_seed = training_args.data_seed if training_args.data_seed is not None else training_args.seed
        train_dataset = as_model_inputs(
            splits[data_args.train_split], seq_len, skip_start=data_args.skip_sequence_start, seed=data_seed,
            statistics_of=statistics_of,
        )
    eval_dataset = None
    if data_args.validation_split in splits and len(splits[data_args.validation_split]):
        eval_dataset = as_model_inputs(splits[data_args.validation_split], seq_len, statistics_of=statistics_of)
    elif training_args.eval_strategy != "no":
        raise ValueError(
            f"--eval_strategy {training_args.eval_strategy} needs a {data_args.validation_split!r} split; the dataset "
            f"has {list(splits)} (set --eval_strategy no or --validation_size > 0)"
        )
    return train_dataset, eval_dataset


def _training_callbacks(callbacks: Sequence[Any], train_dataset: Any, training_args: SleepTrainingArguments) -> list:
    """The caller's callbacks, plus the epoch counter of a reshuffling dataset and early stopping when asked."""
    from transformers import EarlyStoppingCallback

    from hf_sleep.training.trainer import SetEpochCallback

    all_callbacks = list(callbacks)
    if hasattr(train_dataset, "set_epoch"):
        all_callbacks.append(SetEpochCallback(train_dataset))
    if training_args.early_stopping_patience:
        if training_args.eval_strategy == "no":
            raise ValueError(
                "--early_stopping_patience needs evaluations: set --eval_strategy steps or epoch (with a validation "
                "split), or --early_stopping_patience 0"
            )
        all_callbacks.append(EarlyStoppingCallback(early_stopping_patience=training_args.early_stopping_patience))
    return all_callbacks


def run_training(
    model_args: ModelArguments,
    data_args: DataArguments,
    training_args: SleepTrainingArguments,
    splits=None,
    callbacks: Sequence[Any] = (),
    do_train: bool = True,
) -> RunResult:
    """Builds the model and the `SleepTrainer`, trains (resuming when asked), saves, evaluates on the test split.

    With `do_train=False` the model is only evaluated (the `evaluate` script).
    """
    from transformers import set_seed

    from hf_sleep.training.data import SleepDataCollator, as_model_inputs
    from hf_sleep.training.metrics import build_compute_metrics, preprocess_logits_for_metrics
    from hf_sleep.training.trainer import EpochEncoderClassifier, SleepTrainer, freeze_encoder

    training_args = finalize_training_arguments(training_args)
    set_seed(training_args.seed)
    splits = load_splits(data_args) if splits is None else splits
    if do_train and data_args.train_split not in splits:
        raise ValueError(f"the dataset has no {data_args.train_split!r} split to train on; it has {list(splits)}")
    reference = splits[data_args.train_split] if do_train else next(iter(splits.values()))
    stage_names = stage_names_of(reference, data_args)
    n_chans, n_times = signal_shape_of(reference)
    contract = contract_of(reference)
    model = build_model(model_args, stage_names, n_chans, n_times, contract)
    extractor = feature_extractor_for(model, contract, model_args)
    if do_train and model_args.model_type is not None and getattr(model.config, "spectrum_mean", 0) is None:
        fit_input_normalization(model, splits[data_args.train_split], seed=training_args.seed)  # from scratch only
    if model_args.freeze_encoder:
        logger.info("froze %d encoder parameters", freeze_encoder(model))

    seq_len = 1 if training_args.encoder_only else int(model.config.seq_len)
    statistics_of = recording_statistics_function(model, seq_len)
    train_dataset, eval_dataset = _training_datasets(splits, data_args, training_args, seq_len, statistics_of, do_train)

    trained = EpochEncoderClassifier(model, training_args.encoder_probe) if training_args.encoder_only else model
    trainer = SleepTrainer(
        model=trained,
        args=training_args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        data_collator=SleepDataCollator(),
        compute_metrics=build_compute_metrics(stage_names),
        preprocess_logits_for_metrics=preprocess_logits_for_metrics,
        callbacks=_training_callbacks(callbacks, train_dataset, training_args),
        signal_shift=data_args.signal_shift,
        frozen_encoder=model_args.freeze_encoder,
        processing_class=extractor,  # saved beside every checkpoint and pushed with the model
    )

    if do_train:
        result = trainer.train(resume_from_checkpoint=_resolve_checkpoint(training_args))
        if trainer.is_world_process_zero():
            model.save_pretrained(training_args.output_dir)
            extractor.save_pretrained(training_args.output_dir)
            trainer.save_metrics("train", result.metrics)
            trainer.save_state()
            write_training_info(reference, data_args, training_args.output_dir)

    test_metrics: dict[str, Any] = {}
    test_predictions = None
    if data_args.test_split in splits and len(splits[data_args.test_split]):
        test_dataset = as_model_inputs(splits[data_args.test_split], seq_len, statistics_of=statistics_of)
        prediction = trainer.predict(test_dataset, metric_key_prefix="test")
        test_metrics = prediction.metrics
        from hf_sleep.training.metrics import flatten_predictions

        test_predictions = flatten_predictions(prediction.predictions, prediction.label_ids)
        if trainer.is_world_process_zero():
            write_metrics_report(test_metrics, stage_names, training_args.output_dir, "test")

    if training_args.push_to_hub and trainer.is_world_process_zero():
        trainer.push_to_hub(commit_message="hf_sleep training run")
    return RunResult(model=model, trainer=trainer, test_metrics=test_metrics, test_predictions=test_predictions)
