"""What the DeepSleepBench heads share: the objectives (NT-Xent, masked reconstruction), the staging MLP, the
outputs, and the base classes every backbone's heads derive from.

Every head keeps its backbone under the same attribute (`base_model_prefix = "dsb"`), so the weights of a
pretraining head load straight into the staging model: `DSBCNNForSleepStaging.from_pretrained(pretrain_dir)`
takes the encoder and initialises the classifier (the decoder, if any, is left out).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers.utils import ModelOutput

from hf_sleep.models.dsb_base.augmentations import default_augmentations
from hf_sleep.models.dsb_base.configuration_dsb_base import DSBConfig
from hf_sleep.models.sleep_base.modeling_sleep_base import (
    EncodedSequence,
    SleepBackboneMixin,
    SleepEncoderOutput,
    SleepStagingHeadMixin,
    SleepStagingPreTrainedModel,
    init,
)


def nt_xent_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's NT-Xent loss between two views `(batch, dim)`: each view's positive is the other view of the
    same epoch, the `2 * batch - 2` other embeddings are negatives (cosine similarity / temperature)."""
    if z1.shape != z2.shape or z1.ndim != 2:
        raise ValueError(f"the two views must have the same (batch, dim) shape, got {tuple(z1.shape)}, {tuple(z2.shape)}")
    batch = z1.shape[0]
    embeddings = F.normalize(torch.cat([z1, z2]).float(), dim=1)
    similarity = embeddings @ embeddings.T / temperature
    self_pairs = torch.eye(2 * batch, dtype=torch.bool, device=similarity.device)
    similarity = similarity.masked_fill(self_pairs, float("-inf"))
    index = torch.arange(batch, device=similarity.device)
    targets = torch.cat([index + batch, index])
    return F.cross_entropy(similarity, targets)


def random_keep_mask(
    n_rows: int, length: int, mask_ratio: float, generator: torch.Generator, device: torch.device
) -> torch.Tensor:
    """Boolean `(n_rows, length)`, True where kept: exactly `int(length * (1 - mask_ratio))` per row, at random.

    The same count as the original's `fixed_proportion_random_masking` (and MAE's `random_masking`).
    """
    n_keep = int(length * (1 - mask_ratio))
    if n_keep < 1 or n_keep >= length:
        raise ValueError(
            f"mask_ratio={mask_ratio} keeps {n_keep} of {length} positions; it must hide some and keep some"
        )
    order = torch.rand(n_rows, length, generator=generator, device=device).argsort(dim=1)
    keep = torch.zeros(n_rows, length, dtype=torch.bool, device=device)
    return keep.scatter(1, order[:, :n_keep], True)


def masked_mse(prediction: torch.Tensor, target: torch.Tensor, keep: torch.Tensor, on: str) -> torch.Tensor:
    """Mean squared error over the hidden (`on="masked"`), kept (`"visible"`) or all positions.

    `keep` broadcasts against `prediction` (True = the encoder saw this position).
    """
    error = (prediction.float() - target.float()).pow(2)
    if on == "all":
        return error.mean()
    weight = (keep if on == "visible" else ~keep).expand_as(error).float()
    return (error * weight).sum() / weight.sum().clamp(min=1.0)


@dataclass
class DSBPretrainingOutput(ModelOutput):
    """Output of the DeepSleepBench pretraining heads.

    Args:
        loss (`torch.FloatTensor` of shape `()`):
            The objective: contrastive, masked, or `masked + alpha_crl * contrastive` for the hybrid.
        contrastive_loss (`torch.FloatTensor` of shape `()`, *optional*):
            NT-Xent between the two augmented views (contrastive and hybrid heads).
        masked_loss (`torch.FloatTensor` of shape `()`, *optional*):
            Reconstruction error (masked and hybrid heads), where `config.mask_loss_on` says.
        embeddings (`torch.FloatTensor` of shape `(2, batch, latent_size)` or `(batch, latent_size)`, *optional*):
            L2-normalised latents of the two views (contrastive) or of the masked input (masked).
        reconstruction (`torch.FloatTensor`, *optional*):
            The decoder's output: the epoch `(batch, n_chans, n_times)` for the CNNs, the patches
            `(batch, n_patches, patch_dim)` for the Transformer.
        mask (`torch.BoolTensor`, *optional*):
            True where the encoder saw the input, broadcastable to `reconstruction`.
    """

    loss: torch.FloatTensor | None = None
    contrastive_loss: torch.FloatTensor | None = None
    masked_loss: torch.FloatTensor | None = None
    embeddings: torch.FloatTensor | None = None
    reconstruction: torch.FloatTensor | None = None
    mask: torch.BoolTensor | None = None


class DSBClassifier(nn.Module):
    """The original's evaluation head (`DLProjMLP`): latent → hidden → hidden → num_labels, each hidden layer
    followed by batch norm, ReLU and dropout."""

    def __init__(self, config: DSBConfig) -> None:
        super().__init__()
        hidden = config.classifier_hidden_size
        self.mlp = nn.Sequential(
            nn.Linear(config.latent_size, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Dropout(config.classifier_dropout),
            nn.Linear(hidden, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Dropout(config.classifier_dropout),
            nn.Linear(hidden, config.num_labels),
        )

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        """`(..., latent_size)` -> `(..., num_labels)` (batch norm needs the leading dimensions flattened)."""
        return self.mlp(latent.reshape(-1, latent.shape[-1])).reshape(*latent.shape[:-1], -1)


class DSBPreTrainedModel(SleepStagingPreTrainedModel):
    """Base of every DeepSleepBench model: weight init, the generator for augmentations and masks."""

    config_class = DSBConfig
    base_model_prefix = "dsb"

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.PReLU):
            init.constant_(module.weight, 0.25)
        elif isinstance(module, DSBTokenParameters):
            for parameter in module.parameters(recurse=False):
                init.normal_(parameter, std=0.02)
        else:
            super()._init_weights(module)

    @classmethod
    def from_pretrained(cls, *args, **kwargs):
        """`SleepStagingPreTrainedModel.from_pretrained`, then the encoder frozen again where the config says so.

        Loading replaces the parameters, so a `requires_grad_(False)` made in `__init__` does not survive it.
        """
        loaded = super().from_pretrained(*args, **kwargs)
        model = loaded[0] if isinstance(loaded, tuple) else loaded
        if getattr(model.config, "freeze_encoder", False) and hasattr(model, "classifier"):
            model.dsb.requires_grad_(False)
        return loaded

    def random_generator(self, device: torch.device) -> torch.Generator:
        """The generator behind augmentations and masks, on `device` (seeded from `config.augmentation_seed`)."""
        generator = getattr(self, "_dsb_generator", None)
        if generator is None or generator.device != torch.device(device):
            seed = self.config.augmentation_seed
            if seed is None:
                seed = int(torch.randint(0, 2**62, (1,)).item())
            generator = torch.Generator(device=device)
            generator.manual_seed(seed)
            self._dsb_generator = generator
        return generator

    def epochs_of(self, input_values: torch.Tensor) -> torch.Tensor:
        """Checks the input and flattens it to epochs `(n_epochs, n_chans, n_times)`."""
        sequence, _ = self.split_input(input_values)
        return sequence.reshape(-1, *sequence.shape[2:])

    def contrastive_objective(self, epochs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """NT-Xent between two augmented views of every epoch; returns the loss and the `(2, n, dim)` latents."""
        if epochs.shape[0] < 2:
            raise ValueError("contrastive pretraining needs at least 2 epochs per batch (the others are negatives)")
        augment = getattr(self, "_dsb_augment", None)
        if augment is None:
            augment = default_augmentations(self.config.sfreq, p=self.config.augmentation_probability)
            self._dsb_augment = augment
        generator = self.random_generator(epochs.device)
        views = torch.cat([augment(epochs, generator), augment(epochs, generator)])
        latents = self.dsb.embed(views).reshape(2, epochs.shape[0], -1)
        return nt_xent_loss(latents[0], latents[1], self.config.contrastive_temperature), latents


class DSBTokenParameters(nn.Module):
    """Holds loose learned tokens (CLS, mask) so `_init_weights` can find and initialise them."""


class DSBBackboneMixin(SleepBackboneMixin):
    """The backbone contract: `embed(epochs)` gives the L2-normalised latent `(n_epochs, latent_size)`."""

    def embed(self, epochs: torch.Tensor) -> torch.Tensor:
        return self.encode(epochs)[0]

    def encode(self, epochs: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """`(n_epochs, n_chans, n_times)` -> latent `(n_epochs, latent_size)` and intermediate features."""
        raise NotImplementedError

    def encode_sequence(self, sequence: torch.Tensor) -> EncodedSequence:
        latent, features = self.encode_each_epoch(sequence, self.encode)
        return latent, latent, features


class DSBForSleepStagingMixin(SleepStagingHeadMixin):
    """Sleep staging on the encoder's latent with the original's MLP; the encoder is frozen on request. The
    class names its backbone in `model_class`."""

    def __init__(self, config: DSBConfig) -> None:
        super().__init__(config)
        self.dsb = self.model_class(config)
        self.classifier = DSBClassifier(config)
        if config.freeze_encoder:
            self.dsb.requires_grad_(False)
        self.post_init()

    def train(self, mode: bool = True):
        super().train(mode)
        if self.config.freeze_encoder:
            # A frozen encoder also keeps its batch-norm statistics.
            self.dsb.eval()
        return self

    def get_encoder(self) -> nn.Module:
        return self.dsb

    def embed_epochs(self, epochs: torch.Tensor) -> torch.Tensor:
        return self.dsb.embed(epochs)

    def stage_sequences(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.classifier(embeddings)

    def staging_hidden_states(self, encoded: SleepEncoderOutput) -> tuple[torch.Tensor, ...] | None:
        """The encoder's intermediate features and then its latent, the input of the staging MLP."""
        if encoded.hidden_states is None:
            return None
        return (*encoded.hidden_states, encoded.last_hidden_state)


class DSBForContrastivePretrainingMixin:
    """Contrastive pretraining (SimCLR): NT-Xent between the latents of two augmented views of every epoch.

    The views are built inside `forward` from `input_values` with the six augmentations, on the input's device,
    so a plain dataset of epochs trains with the `Trainer`. `labels` are accepted and ignored. The class
    names its backbone in `model_class`.
    """

    def __init__(self, config: DSBConfig) -> None:
        super().__init__(config)
        self.dsb = self.model_class(config)
        self.post_init()

    def forward(
        self, input_values: torch.Tensor, labels: torch.Tensor | None = None, return_dict: bool | None = None
    ) -> DSBPretrainingOutput | tuple:
        loss, latents = self.contrastive_objective(self.epochs_of(input_values))
        output = DSBPretrainingOutput(loss=loss, contrastive_loss=loss, embeddings=latents)
        return pretraining_output(output, return_dict, self.config)


class DSBForMaskedPretrainingMixin:
    """Masked prediction: the class's `masked_objective(epochs)` returns the loss, the reconstruction, the
    keep-mask and the latent of the masked input. `labels` are accepted and ignored."""

    def forward(
        self, input_values: torch.Tensor, labels: torch.Tensor | None = None, return_dict: bool | None = None
    ) -> DSBPretrainingOutput | tuple:
        loss, reconstruction, keep, latent = self.masked_objective(self.epochs_of(input_values))
        output = DSBPretrainingOutput(
            loss=loss, masked_loss=loss, embeddings=latent, reconstruction=reconstruction, mask=keep
        )
        return pretraining_output(output, return_dict, self.config)


class DSBForHybridPretrainingMixin:
    """Hybrid pretraining: `masked + alpha_crl * contrastive`, the encoder shared by both objectives."""

    def forward(
        self, input_values: torch.Tensor, labels: torch.Tensor | None = None, return_dict: bool | None = None
    ) -> DSBPretrainingOutput | tuple:
        epochs = self.epochs_of(input_values)
        masked_loss, reconstruction, keep, _ = self.masked_objective(epochs)
        contrastive_loss, latents = self.contrastive_objective(epochs)
        output = DSBPretrainingOutput(
            loss=masked_loss + self.config.alpha_crl * contrastive_loss,
            contrastive_loss=contrastive_loss,
            masked_loss=masked_loss,
            embeddings=latents,
            reconstruction=reconstruction,
            mask=keep,
        )
        return pretraining_output(output, return_dict, self.config)


def pretraining_output(
    output: DSBPretrainingOutput, return_dict: bool | None, config: DSBConfig
) -> DSBPretrainingOutput | tuple:
    """Returns the output as a `ModelOutput`, or as a tuple of its set fields for `return_dict=False`."""
    return_dict = return_dict if return_dict is not None else config.return_dict
    return output if return_dict else output.to_tuple()
