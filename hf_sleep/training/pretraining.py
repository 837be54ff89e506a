"""Self-supervised pretraining of the DeepSleepBench encoders with the `Trainer`, then a staging head on the
frozen encoder (the original's linear evaluation), and the `hf-sleep pretrain` command.

    hf-sleep pretrain --architecture dsb_cnn --objective contrastive --dataset DIR --output-dir DIR --max-steps 200 --eval-frozen

The dataset is a folder written by `datasets.save_to_disk` (a `Dataset`, or a `DatasetDict` whose `train`
split is used, and whose `test` or `validation` split scores the staging head) with `input_values`
`(n_chans, n_times)` and `labels` (the stage index) columns.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hf_sleep.console import add_flag

OBJECTIVES: tuple[str, ...] = ("contrastive", "masked", "hybrid")


@dataclass
class TrainingRun:
    """What a run produced: the saved model folder, the training losses per logging step, and metrics."""

    output_dir: Path
    losses: list[float] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


def pretraining_class(arch_name: str, objective: str) -> type:
    """The pretraining head of architecture `arch_name` for `objective` (contrastive, masked, hybrid)."""
    from hf_sleep.registry import get_architecture

    arch = get_architecture(arch_name)
    if not arch.pretraining_classes:
        raise ValueError(f"architecture {arch_name!r} has no self-supervised pretraining heads")
    if objective not in arch.pretraining_classes:
        raise ValueError(f"objective must be one of {sorted(arch.pretraining_classes)}, got {objective!r}")
    return arch.pretraining_classes[objective]


def load_epochs(path: str | os.PathLike, split: str | None = None):
    """Loads a saved epoch dataset; for a `DatasetDict` returns `split` (default `train`)."""
    from datasets import DatasetDict, load_from_disk

    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"--dataset {path}: no such folder (expected one written by save_to_disk)")
    data = load_from_disk(str(path))
    if isinstance(data, DatasetDict):
        split = split or "train"
        if split not in data:
            raise ValueError(f"--dataset {path} has splits {list(data)}, not {split!r}")
        data = data[split]
    for column in ("input_values", "labels"):
        if column not in data.column_names:
            raise ValueError(f"--dataset {path}: missing column {column!r} (has {data.column_names})")
    return data


def evaluation_split(path: str | os.PathLike):
    """The `test` (else `validation`) split of a saved `DatasetDict`, or None for a plain dataset."""
    from datasets import DatasetDict, load_from_disk

    if not Path(path).is_dir():
        raise FileNotFoundError(f"--dataset {path}: no such folder (expected one written by save_to_disk)")
    data = load_from_disk(str(path))
    if isinstance(data, DatasetDict):
        for split in ("test", "validation"):
            if split in data:
                return data[split]
    return None


def _signal_shape(dataset, sfreq: float) -> dict[str, Any]:
    """Config arguments read from the dataset: its signal contract, else the shape of a row at `sfreq`."""
    from hf_sleep.training.pipeline import contract_of

    contract = contract_of(dataset)
    if contract is not None:
        return contract.config_kwargs()
    first = dataset.with_format("numpy")[0]["input_values"]
    if first.ndim != 2:
        raise ValueError(f"input_values must be (n_chans, n_times) per epoch, got shape {first.shape}")
    n_chans, n_times = first.shape
    shape: dict[str, Any] = {"n_chans": int(n_chans), "sfreq": float(sfreq), "epoch_seconds": n_times / sfreq}
    names = getattr(dataset.features["labels"], "names", None)
    if names:
        shape["id2label"] = dict(enumerate(names))
    return shape


def _training_arguments(output_dir: Path, max_steps: int, batch_size: int, learning_rate: float, seed: int):
    import torch
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(output_dir),
        max_steps=max_steps,
        per_device_train_batch_size=batch_size,
        learning_rate=learning_rate,
        weight_decay=1e-4,  # the original's Adam weight decay
        lr_scheduler_type="constant",
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        seed=seed,
        data_seed=seed,
        use_cpu=not torch.cuda.is_available(),
        dataloader_drop_last=True,  # batch norm and NT-Xent need more than one epoch per batch
        disable_tqdm=True,
    )


def _train(model, dataset, args) -> list[float]:
    from transformers import Trainer

    trainer = Trainer(model=model, args=args, train_dataset=dataset.with_format("torch"))
    trainer.train()
    return [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]


def pretrain(
    arch_name: str,
    objective: str,
    dataset,
    output_dir: str | os.PathLike,
    max_steps: int = 1000,
    batch_size: int = 128,
    learning_rate: float = 5e-4,
    seed: int = 42,
    sfreq: float = 100.0,
    config_overrides: dict[str, Any] | None = None,
) -> TrainingRun:
    """Pretrains a DeepSleepBench encoder on `dataset` with `objective` and saves the head in `output_dir`.

    Defaults are the original's (Adam, learning rate 5e-4, weight decay 1e-4, batch 128). The saved folder
    loads as the pretraining head, and as the staging model (`AutoModel.from_pretrained(output_dir)` takes
    the encoder weights and initialises the classifier).
    """
    from transformers import set_seed

    head_class = pretraining_class(arch_name, objective)
    if len(dataset) < batch_size:
        raise ValueError(f"the dataset has {len(dataset)} epochs, fewer than one batch of {batch_size}")
    set_seed(seed)
    config = head_class.config_class(**{**_signal_shape(dataset, sfreq), **(config_overrides or {})})
    model = head_class(config)
    output_dir = Path(output_dir)
    losses = _train(model, dataset, _training_arguments(output_dir, max_steps, batch_size, learning_rate, seed))
    model.save_pretrained(output_dir)
    _save_feature_extractor(config, output_dir, dataset)
    return TrainingRun(output_dir=output_dir, losses=losses)


def _save_feature_extractor(config, output_dir: Path, dataset=None) -> None:
    """Saves the signal contract beside the model: the dataset's, else the one of the folder `config` was loaded
    from, else one derived from `config`."""
    from hf_sleep.hub.model_card import model_feature_extractor
    from hf_sleep.training.pipeline import contract_of

    extractor = contract_of(dataset) if dataset is not None else None
    (extractor if extractor is not None else model_feature_extractor(config)).save_pretrained(output_dir)


def staging_metrics(model, dataset, batch_size: int = 256) -> dict[str, float]:
    """Accuracy, macro-F1 and Cohen's kappa of a staging model on a dataset (scikit-learn)."""
    import numpy as np
    import torch
    from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

    device = next(model.parameters()).device
    model.eval()
    view = dataset.with_format("torch", columns=["input_values", "labels"])
    predictions, labels = [], []
    with torch.no_grad():
        for start in range(0, len(view), batch_size):
            batch = view[start : start + batch_size]
            logits = model(batch["input_values"].float().to(device)).logits
            predictions.append(logits.argmax(-1).cpu().numpy())
            labels.append(batch["labels"].numpy())
    y_pred, y_true = np.concatenate(predictions), np.concatenate(labels)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro")),
        "kappa": float(cohen_kappa_score(y_true, y_pred)),
        "n_epochs": int(len(y_true)),
    }


def train_frozen_staging(
    pretrained_dir: str | os.PathLike,
    dataset,
    output_dir: str | os.PathLike,
    eval_dataset=None,
    max_steps: int = 1000,
    batch_size: int = 128,
    learning_rate: float = 5e-4,
    seed: int = 42,
) -> TrainingRun:
    """Trains the staging MLP on the frozen pretrained encoder in `pretrained_dir` (linear evaluation), saves
    it to `output_dir` with `metrics.json` (on `eval_dataset`, else on `dataset`)."""
    import torch
    from transformers import AutoConfig, AutoModel, set_seed

    from hf_sleep.registry import register_auto_classes

    register_auto_classes()
    set_seed(seed)
    config = AutoConfig.from_pretrained(pretrained_dir)
    config.freeze_encoder = True
    model = AutoModel.from_pretrained(pretrained_dir, config=config)
    encoder_before = {name: p.detach().clone() for name, p in model.dsb.named_parameters()}
    output_dir = Path(output_dir)
    losses = _train(model, dataset, _training_arguments(output_dir, max_steps, batch_size, learning_rate, seed))
    unchanged = all(torch.equal(p.detach(), encoder_before[name]) for name, p in model.dsb.named_parameters())
    if not unchanged:  # pragma: no cover - a guard on the freeze itself
        raise RuntimeError("the encoder changed while training the frozen staging head")
    metrics = staging_metrics(model, eval_dataset if eval_dataset is not None else dataset)
    model.save_pretrained(output_dir)
    _save_feature_extractor(model.config, output_dir)
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return TrainingRun(output_dir=output_dir, losses=losses, metrics=metrics)


def _handle(args: argparse.Namespace) -> int:
    out = Path(args.output_dir)
    if out.exists() and any(out.iterdir()) and not args.overwrite:
        raise FileExistsError(f"--output-dir {out} is not empty; pass --overwrite to write into it")
    overrides = json.loads(args.config) if args.config else {}
    if not isinstance(overrides, dict):
        raise ValueError(f"--config must be a JSON object of config arguments, got {args.config!r}")
    dataset = load_epochs(args.dataset)
    pretrain_dir = out / "pretrained"
    run = pretrain(
        args.architecture, args.objective, dataset, pretrain_dir, max_steps=args.max_steps, batch_size=args.batch_size,
        learning_rate=args.learning_rate, seed=args.seed, sfreq=args.sfreq, config_overrides=overrides,
    )
    print(f"pretrained {args.architecture} ({args.objective}) for {len(run.losses)} steps: loss {run.losses[0]:.4f} -> "
          f"{run.losses[-1]:.4f}; saved to {pretrain_dir}")
    summary: dict[str, Any] = {"arch": args.architecture, "objective": args.objective, "pretraining_losses": run.losses}
    if args.eval_frozen:
        staging = train_frozen_staging(
            pretrain_dir, dataset, out / "staging", eval_dataset=evaluation_split(args.dataset),
            max_steps=args.staging_steps or args.max_steps, batch_size=args.batch_size,
            learning_rate=args.learning_rate, seed=args.seed,
        )
        metrics = staging.metrics
        print(f"frozen-encoder staging head: loss {staging.losses[0]:.4f} -> {staging.losses[-1]:.4f}; "
              f"accuracy {metrics['accuracy']:.3f}, macro-F1 {metrics['macro_f1']:.3f}, kappa {metrics['kappa']:.3f} "
              f"on {metrics['n_epochs']} epochs; saved to {out / 'staging'}")
        summary.update(staging_losses=staging.losses, staging_metrics=metrics)
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pretrain",
        help="self-supervised pretraining of a DeepSleepBench encoder (contrastive, masked or hybrid)",
        description=(__doc__ or "").split("\n\n")[0] or None,  # `python -OO` drops docstrings
    )
    add_flag(parser, "--architecture", "--arch", required=True, help="dsb_cnn, dsb_cnn_attention or dsb_transformer")
    parser.add_argument("--objective", required=True, choices=OBJECTIVES)
    parser.add_argument("--dataset", required=True, help="folder written by datasets.save_to_disk")
    add_flag(parser, "--output-dir", "--out", required=True, help="output folder (pretrained/, staging/, summary.json)")
    parser.add_argument("--max-steps", type=int, default=1000, help="optimizer steps of pretraining")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sfreq", type=float, default=100.0, help="sampling rate of the dataset in Hz")
    parser.add_argument("--config", default=None, help='JSON of config arguments, e.g. \'{"patch_seconds": 2.0}\'')
    parser.add_argument("--eval-frozen", action="store_true", help="then train the staging MLP on the frozen encoder")
    parser.add_argument("--staging-steps", type=int, default=None, help="steps of the staging head (default --max-steps)")
    parser.add_argument("--overwrite", action="store_true", help="allow a non-empty --output-dir")
    parser.set_defaults(handler=_handle)
