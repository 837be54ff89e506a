"""`SleepTrainer`: the `Trainer` with the optimisation details of the sleep-staging papers.

- per-parameter-group learning rates: the per-epoch encoder can learn slower than the sequence part
  (DeepSleepNet fine-tunes its CNN with 1e-6 and the rest with 1e-4);
- an L2 penalty on chosen convolution kernels added to the loss (TinySleepNet, DeepSleepNet: 1e-3 on the
  first convolutions), instead of weight decay on everything;
- TinySleepNet's signal shift, drawn from a generator seeded by the step, so a resumed run is identical;
- class-balanced oversampling of single epochs (DeepSleepNet's first phase);
- a frozen encoder kept in eval mode, so its batch-norm statistics stay as they were loaded.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import Trainer, TrainerCallback

from hf_sleep.hub.publish import PushResult, push_model
from hf_sleep.training.data import ClassBalancedSampler, shift_signals


class CardTrainerMixin:
    """Makes a `Trainer`'s `push_to_hub` publish through `push_model`, with the hf_sleep card.

    The generic transformers card and the pickled `training_args.bin` are not uploaded; the card gets the
    hyper-parameters and the last evaluation of the run from a `SleepCardCallback` (one is added when the
    trainer has none). Mix it in front of `Trainer` (or a subclass):

        class MyTrainer(CardTrainerMixin, Trainer): ...
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from hf_sleep.hub.model_card import SleepCardCallback

        if not any(isinstance(cb, SleepCardCallback) for cb in self.callback_handler.callbacks):
            self.add_callback(SleepCardCallback())

    @property
    def card_callback(self):
        from hf_sleep.hub.model_card import SleepCardCallback

        return next(cb for cb in self.callback_handler.callbacks if isinstance(cb, SleepCardCallback))

    def create_model_card(self, model_name: str | None = None, **kwargs: Any) -> None:
        """Writes the hf_sleep card (not the generic one) to `output_dir/README.md`."""
        from hf_sleep.hub.model_card import render_model_card

        repo_id = self.args.hub_model_id or model_name or Path(self.args.output_dir).name
        card_data = self.card_callback.card_data(
            self.accelerator.unwrap_model(self.model), repo_id=repo_id, feature_extractor=self.processing_class
        )
        os.makedirs(self.args.output_dir, exist_ok=True)
        render_model_card(card_data).save(os.path.join(self.args.output_dir, "README.md"))

    def push_to_hub(
        self,
        commit_message: str | None = "End of training",
        blocking: bool = True,
        token: str | None = None,
        revision: str | None = None,
        private: bool | None = None,
        force: bool = False,
        **kwargs: Any,
    ) -> PushResult:
        """Publishes the trained model with the card filled from the run (hyper-parameters, metrics)."""
        self.callback_handler.on_push_begin(self.args, self.state, self.control)
        repo_id = self.args.hub_model_id or Path(self.args.output_dir).name
        callback = self.card_callback
        model = self.accelerator.unwrap_model(self.model)
        if callback.eval_metrics is None:
            raise ValueError(
                "no evaluation metrics were collected: run trainer.evaluate() before push_to_hub"
            )
        card_data = callback.card_data(model, repo_id=repo_id, feature_extractor=self.processing_class)
        training_info = {
            key: getattr(card_data, key)
            for key in (
                "dataset_name",
                "datasets",
                "split",
                "preprocessing",
                "eval_dataset_name",
                "eval_split",
            )
        }
        training_info["hyperparameters"] = card_data.hyperparameters
        if kwargs.get("tags"):
            training_info["tags"] = (
                list(kwargs["tags"]) if not isinstance(kwargs["tags"], str) else [kwargs["tags"]]
            )
        return push_model(
            model,
            repo_id,
            trained=True,
            eval_results=callback.eval_metrics,
            training_info=training_info,
            force=force,
            token=token if token is not None else self.args.hub_token,
            commit_message=commit_message,
            private=private if private is not None else self.args.hub_private_repo,
            revision=revision,
            feature_extractor=self.processing_class,
        )


def encoder_of(model: nn.Module) -> nn.Module:
    """The per-epoch encoder of an hf_sleep model (its `get_encoder()`); a clear error when it has none."""
    get_encoder = getattr(model, "get_encoder", None)
    encoder = get_encoder() if callable(get_encoder) else None
    if not isinstance(encoder, nn.Module):
        raise ValueError(f"{type(model).__name__} has no per-epoch encoder (get_encoder) to freeze or give its own learning rate")
    return encoder


def freeze_encoder(model: nn.Module) -> int:
    """Stops gradients into the per-epoch encoder; returns how many parameters were frozen."""
    frozen = 0
    for parameter in encoder_of(model).parameters():
        parameter.requires_grad_(False)
        frozen += parameter.numel()
    return frozen


class EpochEncoderClassifier(nn.Module):
    """A model's per-epoch encoder with its own softmax layer, trained on single epochs.

    DeepSleepNet's first training phase: the CNN learns to stage epochs on its own before the sequence part
    is trained on top of it. The wrapped model keeps the encoder weights, so after this phase
    `model.save_pretrained` gives the starting point of the second phase.

    The same wrapper with a frozen encoder is the linear (or MLP) probe of self-supervised pre-training.
    The parts of the model after the encoder take no part and are frozen.

    Args:
        model: an hf_sleep `...ForSleepStaging` model with `embed_epochs` and `get_encoder`.
        head: `"linear"` (a softmax layer) or `"mlp"` (one hidden ReLU layer of up to 256 units).
    """

    def __init__(self, model: nn.Module, head: str = "linear") -> None:
        super().__init__()
        self.model = model
        config = model.config
        with torch.no_grad():
            was_training = model.training
            model.eval()
            width = model.embed_epochs(torch.zeros(1, config.n_chans, config.n_times)).shape[-1]
            model.train(was_training)
        if head == "linear":
            self.classifier = nn.Linear(width, config.num_labels)
        elif head == "mlp":
            hidden = min(256, width)
            self.classifier = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, config.num_labels))
        else:
            raise ValueError(f"head must be 'linear' or 'mlp', got {head!r}")
        encoder_ids = {id(p) for p in encoder_of(model).parameters()}
        for parameter in model.parameters():
            if id(parameter) not in encoder_ids:
                parameter.requires_grad_(False)  # unused here; frozen so data-parallel training does not wait for them
        self.config = config

    def forward(self, input_values: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        if input_values.ndim == 4:  # (batch, seq_len, C, T) -> every epoch on its own
            input_values = input_values.reshape(-1, *input_values.shape[2:])
            labels = labels.reshape(-1) if labels is not None else None
        logits = self.classifier(self.model.embed_epochs(input_values))
        output = {"logits": logits}
        if labels is not None:
            output["loss"] = self.model.staging_loss(logits, labels)
        return output


class SetEpochCallback(TrainerCallback):
    """Tells a training dataset with `set_epoch` (sequence-start skipping) which epoch begins.

    accelerate forwards `set_epoch` to the dataset only when the sampler has none, so this does it always.
    """

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def on_epoch_begin(self, args, state, control, **kwargs):
        self.dataset.set_epoch(int(state.epoch + 1e-6) if state.epoch else 0)


@contextlib.contextmanager
def keeping_last_batch(args) -> Iterator[None]:
    """Turns `args.dataloader_drop_last` off while a dataloader is built, then restores it."""
    drop_last = args.dataloader_drop_last
    args.dataloader_drop_last = False
    try:
        yield
    finally:
        args.dataloader_drop_last = drop_last


class SleepTrainer(CardTrainerMixin, Trainer):
    """The `Trainer` for sleep staging; reads its extra options from `SleepTrainingArguments`.

    Args:
        signal_shift (`float`, *optional*, defaults to 0.0): largest random shift of the training signal as
            a fraction of an epoch (0.1 in TinySleepNet).
        frozen_encoder (`bool`, *optional*, defaults to False): keep the per-epoch encoder in eval mode.
        kwargs: everything the `Trainer` takes.
    """

    def __init__(self, *args: Any, signal_shift: float = 0.0, frozen_encoder: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signal_shift = signal_shift
        self.frozen_encoder = frozen_encoder
        pattern = getattr(self.args, "conv_l2_pattern", None)
        self._l2_parameters: list[nn.Parameter] = []
        if getattr(self.args, "conv_l2", 0.0):
            regex = re.compile(pattern)
            self._l2_parameters = [p for n, p in self.model.named_parameters() if regex.search(n) and p.requires_grad]
            if not self._l2_parameters:
                raise ValueError(f"--conv_l2 is set but no trainable parameter name matches --conv_l2_pattern {pattern!r}")

    # -- optimiser -------------------------------------------------------------------------------------
    def create_optimizer(self, model: nn.Module | None = None) -> torch.optim.Optimizer:
        encoder_lr = getattr(self.args, "encoder_learning_rate", None)
        if self.optimizer is not None or encoder_lr is None:
            return super().create_optimizer(model)
        opt_model = self.model if model is None else model
        inner = opt_model.model if isinstance(opt_model, EpochEncoderClassifier) else opt_model
        encoder_ids = {id(p) for p in encoder_of(inner).parameters()}
        decay = set(self.get_decay_parameter_names(opt_model))
        groups = []
        for in_encoder, lr in ((True, encoder_lr), (False, self.args.learning_rate)):
            for decayed in (True, False):
                params = [
                    p for n, p in opt_model.named_parameters()
                    if p.requires_grad and (id(p) in encoder_ids) == in_encoder and (n in decay) == decayed
                ]  # fmt: skip
                if params:
                    groups.append(
                        {"params": params, "lr": lr, "weight_decay": self.args.weight_decay if decayed else 0.0}
                    )
        optimizer_cls, optimizer_kwargs = self.get_optimizer_cls_and_kwargs(self.args, opt_model)
        optimizer_kwargs.pop("lr", None)  # each group carries its own
        self.optimizer = optimizer_cls(groups, **optimizer_kwargs)
        return self.optimizer

    # -- sampling --------------------------------------------------------------------------------------
    def _get_train_sampler(self, train_dataset=None):
        dataset = train_dataset if train_dataset is not None else self.train_dataset
        if getattr(self.args, "balanced_sampling", False):
            labels = dataset["labels"] if hasattr(dataset, "column_names") else [row["labels"] for row in dataset]
            return ClassBalancedSampler(labels, seed=self.args.data_seed or self.args.seed)
        return super()._get_train_sampler(dataset)

    # -- evaluation ------------------------------------------------------------------------------------
    # `--dataloader_drop_last` is for training only: validation and test scores count every epoch, and under
    # DDP a rank whose share of a small split is under one batch would otherwise predict nothing at all.
    def get_eval_dataloader(self, eval_dataset=None):
        with keeping_last_batch(self.args):
            return super().get_eval_dataloader(eval_dataset)

    def get_test_dataloader(self, test_dataset):
        with keeping_last_batch(self.args):
            return super().get_test_dataloader(test_dataset)

    # -- loss ------------------------------------------------------------------------------------------
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if model.training:
            if self.frozen_encoder:
                encoder = self.accelerator.unwrap_model(model)
                encoder = encoder.model if isinstance(encoder, EpochEncoderClassifier) else encoder
                encoder_of(encoder).eval()
            if self.signal_shift > 0:
                # Seeded by the step, not by a global stream: the same shifts after a resume.
                generator = torch.Generator().manual_seed(
                    (self.args.seed * 1_000_003 + self.state.global_step) * 64 + self.args.process_index
                )
                inputs = dict(inputs)
                inputs["input_values"], inputs["labels"] = shift_signals(
                    inputs["input_values"], inputs.get("labels"), self.signal_shift, generator
                )
        loss, outputs = super().compute_loss(model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch)
        if model.training and self._l2_parameters:
            loss = loss + self.args.conv_l2 * 0.5 * sum(p.pow(2).sum() for p in self._l2_parameters)
        return (loss, outputs) if return_outputs else loss
