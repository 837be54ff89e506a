# Generated from hf_sleep/models/dsb_cnn_attention/modular_dsb_cnn_attention.py by `python scripts/check_modular.py --fix`:
# edit the modular file, not this one (tests/test_modular.py fails while the two disagree). Each block
# marked `Copied from` lives at the place named; the copies make this file self-contained, so a saved
# model folder loads with `trust_remote_code=True` without hf_sleep.
"""DeepSleepBench CNN+Attention: the CNN's classes bound to their own config (`model_type="dsb_cnn_attention"`).

Everything but the config lives in `modeling_dsb_cnn`: the attention layers are switched on by
`config.attention_stages`, which defaults to the last two stages here.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_dsb_cnn_attention import (
    DSBCNNAttentionConfig,
    DSBCNNConfig,
    DSBConfig,
    SleepStagingConfig,
)

# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.init
try:  # transformers >= 5: init functions that respect weights already loaded from a checkpoint
    from transformers import initialization as init
except ImportError:  # pragma: no cover - older transformers
    init = nn.init


# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.SleepEncoderOutput
@dataclass
class SleepEncoderOutput(ModelOutput):
    """Output of a backbone (`<Arch>Model`).

    Args:
        last_hidden_state (`torch.FloatTensor` of shape `(batch, seq_len, hidden_size)`):
            One feature vector per epoch, after the sequence part of the network.
        epoch_embeddings (`torch.FloatTensor` of shape `(batch, seq_len, epoch_embedding_size)`, *optional*):
            Per-epoch features of the epoch encoder, before any sequence context is mixed in.
        hidden_states (`tuple[torch.FloatTensor]`, *optional*, returned when `output_hidden_states=True`):
            Intermediate feature maps, first dimension `batch * seq_len`.
    """

    last_hidden_state: torch.FloatTensor | None = None
    epoch_embeddings: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None


# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.SleepStagingOutput
@dataclass
class SleepStagingOutput(ModelOutput):
    """Output of every `<Arch>ForSleepStaging` model.

    Args:
        loss (`torch.FloatTensor` of shape `()`, *optional*, returned when `labels` is given):
            Cross-entropy over every scored epoch (label `-100` is ignored), class-weighted when the config says so.
        logits (`torch.FloatTensor` of shape `(batch, seq_len, num_labels)`, or `(batch, num_labels)` for 3-D input):
            Unnormalised stage scores per epoch.
        hidden_states (`tuple[torch.FloatTensor]`, *optional*, returned when `output_hidden_states=True`):
            Intermediate feature maps of the backbone, then the per-epoch features before the classifier.
    """

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None


# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.SleepStagingPreTrainedModel
class SleepStagingPreTrainedModel(PreTrainedModel):
    """Base class: shared input checks, loss and weight initialisation for every hf_sleep model."""

    config_class = SleepStagingConfig
    base_model_prefix = "sleep_model"
    main_input_name = "input_values"
    supports_gradient_checkpointing = False
    # Capability flags read by the shared tests and the Hub/explorer code.
    is_sequence_model: bool = False
    # Windows per `stage_windows` call in whole-night inference (`None`: the caller's batch size).
    stage_windows_batch: int | None = None
    # Epochs per `embed_epochs` call in whole-night inference on CPU (`None`: the caller's batch size). Wide
    # feature maps (DeepSleepBench CNN: 64 channels × 3000 samples per epoch) run about twice as fast when one
    # call's maps fit in the CPU caches; `bench/macs.py` measures it.
    cpu_embed_batch: int | None = None

    @classmethod
    def from_pretrained(cls, *args: Any, **kwargs: Any):
        loaded = super().from_pretrained(*args, **kwargs)
        model = loaded[0] if isinstance(loaded, tuple) else loaded
        # Weights loaded zero-copy from safetensors can sit at unaligned CPU addresses, where some kernels
        # (the GRU's, for one) take another path and the outputs differ from the saved model's in the last
        # bit: copy those tensors to fresh, aligned memory so a reload reproduces outputs exactly.
        with torch.no_grad():
            for tensor in itertools.chain(model.parameters(), model.buffers()):
                if tensor.device.type == "cpu" and tensor.data_ptr() % 64:
                    tensor.data = tensor.data.clone()
        return loaded

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d)):
            init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            init.xavier_uniform_(module.weight)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, (nn.LSTM, nn.GRU)):
            for name, param in module.named_parameters():
                if name.startswith("weight_ih"):
                    init.xavier_uniform_(param)
                elif name.startswith("weight_hh"):
                    init.orthogonal_(param)
                elif name.startswith("bias"):
                    init.zeros_(param)
        else:
            super()._init_weights(module)

    def push_to_hub(self, repo_id: str, *args: Any, **kwargs: Any) -> Any:
        """Publishes the model with the hf_sleep model card (weights, config, code, card); see `hf_sleep.hub.push_model`.

        Extra keyword arguments: `eval_results`, `training_info`, `force`, `trained` (default True). `tags` are
        added to the card. Without hf_sleep (this file loaded with `trust_remote_code`), the plain
        transformers upload is used.
        """
        try:
            # Looked up at call time, so modeling code has no import edge to the hub layer; this file also
            # ships, flattened, inside saved folders, where hf_sleep may be absent.
            hub = importlib.import_module("hf_sleep.hub.publish")
        except ImportError:
            hub = None
        if hub is None or args:
            return super().push_to_hub(repo_id, *args, **kwargs)
        return hub.push_from_model_method(self, repo_id, **kwargs)

    def embed_epochs(self, epochs: torch.Tensor) -> torch.Tensor:
        """Per-epoch features before any sequence context: `(n_epochs, n_chans, n_times) -> (n_epochs, dim)`.

        With `stage_sequences` this splits the forward pass so whole-night inference can encode each epoch
        once and re-use it in every overlapping window (exact in eval mode, where nothing mixes epochs).
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not split into epoch encoder and sequence part"
        )

    def stage_sequences(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Stage logits from per-epoch features: `(batch, seq_len, dim) -> (batch, seq_len, num_labels)`."""
        raise NotImplementedError(
            f"{type(self).__name__} does not split into epoch encoder and sequence part"
        )

    def stage_windows(self, embeddings: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Stage logits of overlapping windows over a night's per-epoch features.

        `embeddings` is `(n_epochs, dim)` from `embed_epochs`, `index` `(batch, window)` the epochs of each
        window. The default gathers the windows and runs `stage_sequences`; a model whose sequence part
        starts with a per-epoch map can override it to compute that map once per epoch rather than once
        per window.
        """
        return self.stage_sequences(embeddings[index])

    def split_input(self, input_values: torch.Tensor) -> tuple[torch.Tensor, bool]:
        """Checks `input_values` and returns it as `(batch, seq_len, n_chans, n_times)` plus whether it was 3-D.

        Raises:
            ValueError: naming the expected and the received shape.
        """
        config = self.config
        expected = f"(batch, seq_len, {config.n_chans}, {config.n_times}) or (batch, {config.n_chans}, {config.n_times})"
        if not isinstance(input_values, torch.Tensor):
            raise ValueError(
                f"input_values must be a torch.Tensor of shape {expected}, got {type(input_values).__name__}"
            )
        shape = tuple(input_values.shape)
        if input_values.ndim not in (3, 4) or shape[-2:] != (config.n_chans, config.n_times) or 0 in shape:
            raise ValueError(
                f"input_values must have shape {expected} (n_chans={config.n_chans}, n_times = "
                f"{config.sfreq} Hz * {config.epoch_seconds} s = {config.n_times}), got {shape}"
            )
        if input_values.ndim == 3:
            return input_values.unsqueeze(1), True
        return input_values, False

    def encoder_output(
        self,
        last_hidden_state: torch.Tensor,
        epoch_embeddings: torch.Tensor,
        hidden_states: tuple[torch.Tensor, ...],
        output_hidden_states: bool | None,
        return_dict: bool | None,
    ) -> SleepEncoderOutput | tuple:
        """Packs a backbone's output; `hidden_states` is kept when `output_hidden_states` (or the config) asks."""
        if not (output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states):
            hidden_states = None
        if return_dict is False:
            return tuple(v for v in (last_hidden_state, epoch_embeddings, hidden_states) if v is not None)
        return SleepEncoderOutput(
            last_hidden_state=last_hidden_state, epoch_embeddings=epoch_embeddings, hidden_states=hidden_states
        )

    def staging_loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy over all scored epochs; `-100` labels are ignored, class weights come from the config."""
        if labels.shape != logits.shape[:-1]:
            raise ValueError(
                f"labels must have shape {tuple(logits.shape[:-1])} to match the logits, got {tuple(labels.shape)}"
            )
        weight = None
        if self.config.class_weights is not None:
            weight = torch.tensor(self.config.class_weights, dtype=logits.dtype, device=logits.device)
        return F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]).float(),
            labels.reshape(-1).long(),
            weight=None if weight is None else weight.float(),
            ignore_index=-100,
        )

    def staging_output(
        self,
        logits: torch.Tensor,
        labels: torch.Tensor | None,
        squeeze_sequence: bool,
        hidden_states: tuple[torch.Tensor, ...] | None,
        return_dict: bool | None,
    ) -> SleepStagingOutput | tuple:
        """Packs logits `(batch, seq_len, num_labels)` into the output, squeezing `seq_len` for 3-D input."""
        if squeeze_sequence:
            logits = logits[:, 0]
        loss = self.staging_loss(logits, labels) if labels is not None else None
        return_dict = return_dict if return_dict is not None else self.config.return_dict
        if not return_dict:
            return tuple(value for value in (loss, logits, hidden_states) if value is not None)
        return SleepStagingOutput(loss=loss, logits=logits, hidden_states=hidden_states)


# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.folded_conv
def folded_conv(
    conv: nn.Conv1d | nn.Conv2d, norm: nn.BatchNorm1d | nn.BatchNorm2d, signal: torch.Tensor
) -> torch.Tensor:
    """`norm(conv(signal))` with the batch norm's running statistics folded into the convolution (eval mode)."""
    scale = torch.rsqrt(norm.running_var + norm.eps)
    if norm.weight is not None:
        scale = scale * norm.weight
    bias = -norm.running_mean * scale
    if norm.bias is not None:
        bias = bias + norm.bias
    if conv.bias is not None:
        bias = bias + conv.bias * scale
    weight = conv.weight * scale.reshape(-1, *([1] * (conv.weight.ndim - 1)))
    return conv._conv_forward(signal, weight, bias)


# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.run_folded
def run_folded(layers: nn.Sequential, signal: torch.Tensor) -> torch.Tensor:
    """Runs `layers`; in eval mode every convolution followed directly by a batch norm with running statistics
    runs as one folded convolution ([`folded_conv`]), which saves a pass over the feature maps."""
    if layers.training:
        return layers(signal)
    modules = list(layers)
    index = 0
    while index < len(modules):
        module = modules[index]
        following = modules[index + 1] if index + 1 < len(modules) else None
        if (
            isinstance(module, (nn.Conv1d, nn.Conv2d))
            and isinstance(following, (nn.BatchNorm1d, nn.BatchNorm2d))
            and following.running_var is not None
        ):
            signal = folded_conv(module, following, signal)
            index += 2
        else:
            signal = module(signal)
            index += 1
    return signal


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.nt_xent_loss
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


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.random_keep_mask
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


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.masked_mse
def masked_mse(prediction: torch.Tensor, target: torch.Tensor, keep: torch.Tensor, on: str) -> torch.Tensor:
    """Mean squared error over the hidden (`on="masked"`), kept (`"visible"`) or all positions.

    `keep` broadcasts against `prediction` (True = the encoder saw this position).
    """
    error = (prediction.float() - target.float()).pow(2)
    if on == "all":
        return error.mean()
    weight = (keep if on == "visible" else ~keep).expand_as(error).float()
    return (error * weight).sum() / weight.sum().clamp(min=1.0)


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.DSBPretrainingOutput
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


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.DSBClassifier
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


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.DSBPreTrainedModel
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


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.DSBTokenParameters
class DSBTokenParameters(nn.Module):
    """Holds loose learned tokens (CLS, mask) so `_init_weights` can find and initialise them."""


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.DSBBackboneMixin
class DSBBackboneMixin:
    """The backbone contract: `embed(epochs)` gives the L2-normalised latent `(n_epochs, latent_size)`."""

    def embed(self, epochs: torch.Tensor) -> torch.Tensor:
        return self.encode(epochs)[0]

    def encode(self, epochs: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """`(n_epochs, n_chans, n_times)` -> latent `(n_epochs, latent_size)` and intermediate features."""
        raise NotImplementedError

    def forward(
        self,
        input_values: torch.Tensor,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepEncoderOutput | tuple:
        sequence, _ = self.split_input(input_values)
        batch, seq_len = sequence.shape[:2]
        latent, features = self.encode(sequence.reshape(batch * seq_len, *sequence.shape[2:]))
        latent = latent.reshape(batch, seq_len, -1)
        return self.encoder_output(latent, latent, features, output_hidden_states, return_dict)


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.DSBForSleepStagingMixin
class DSBForSleepStagingMixin:
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

    def forward(
        self,
        input_values: torch.Tensor,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepStagingOutput | tuple:
        _, squeeze = self.split_input(input_values)
        encoded = self.dsb(input_values, output_hidden_states=output_hidden_states, return_dict=True)
        logits = self.classifier(encoded.last_hidden_state)
        hidden_states = encoded.hidden_states
        if hidden_states is not None:
            hidden_states = (*hidden_states, encoded.last_hidden_state)
        return self.staging_output(logits, labels, squeeze, hidden_states, return_dict)


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.DSBForContrastivePretrainingMixin
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


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.DSBForMaskedPretrainingMixin
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


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.DSBForHybridPretrainingMixin
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


# Copied from hf_sleep.models.dsb_base.modeling_dsb_base.pretraining_output
def pretraining_output(
    output: DSBPretrainingOutput, return_dict: bool | None, config: DSBConfig
) -> DSBPretrainingOutput | tuple:
    """Returns the output as a `ModelOutput`, or as a tuple of its set fields for `return_dict=False`."""
    return_dict = return_dict if return_dict is not None else config.return_dict
    return output if return_dict else output.to_tuple()


# Copied from hf_sleep.models.dsb_base.augmentations._uniform
def _uniform(shape: tuple[int, ...], low: float, high: float, generator: torch.Generator, device) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=generator, device=device)


# Copied from hf_sleep.models.dsb_base.augmentations._randint
def _randint(low: int, high: int, shape: tuple[int, ...], generator: torch.Generator, device) -> torch.Tensor:
    """Integers in `[low, high]` (both ends included, as Python's `random.randint`)."""
    return torch.randint(low, high + 1, shape, generator=generator, device=device)


# Copied from hf_sleep.models.dsb_base.augmentations._gather_time
def _gather_time(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """`x[b, c, index[b, t]]` for every channel: `(B, C, T)`, `(B, T_out)` -> `(B, C, T_out)`."""
    return x.gather(-1, index.unsqueeze(1).expand(-1, x.shape[1], -1))


# Copied from hf_sleep.models.dsb_base.augmentations._segment_bounds
def _segment_bounds(n_times: int, n_segments: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Starts and lengths of `n_segments` equal segments; the last one takes the remainder (as the original)."""
    length = n_times // n_segments
    starts = torch.arange(n_segments, device=device) * length
    lengths = torch.full((n_segments,), length, device=device)
    lengths[-1] = n_times - starts[-1]
    return starts, lengths


# Copied from hf_sleep.models.dsb_base.augmentations.SignalAugmentation
class SignalAugmentation:
    """Base class: draws which epochs to transform and keeps the others unchanged.

    Args:
        p: probability that an epoch is transformed.
    """

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p}")
        self.p = p

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Transforms every epoch of the batch; subclasses implement it."""
        raise NotImplementedError

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        if x.ndim != 3:
            raise ValueError(
                f"{type(self).__name__} expects a batch of shape (batch, n_chans, n_times), got {tuple(x.shape)}"
            )
        if generator is None:
            generator = torch.Generator(device=x.device)
            generator.seed()
        elif generator.device != x.device:
            raise ValueError(
                f"{type(self).__name__}: the generator is on {generator.device} but the signal on {x.device}"
            )
        apply = torch.rand(x.shape[0], generator=generator, device=x.device) < self.p
        transformed = self.transform(x, generator).to(x.dtype)
        return torch.where(apply[:, None, None], transformed, x)

    def __repr__(self) -> str:
        fields = ", ".join(f"{key}={value!r}" for key, value in vars(self).items())
        return f"{type(self).__name__}({fields})"


# Copied from hf_sleep.models.dsb_base.augmentations.RandomBandStopFilter
class RandomBandStopFilter(SignalAugmentation):
    """Removes a random frequency band of `band_width` Hz whose lower edge lies in `low_range` Hz.

    The original applies scipy's IIR notch (`iirnotch` centred on the band, Q = centre / width, then
    `lfilter`), which attenuates the band partly and shifts phases. Here every FFT bin inside the band is set
    to zero, a zero-phase band-stop that removes the band completely and runs batched on the GPU.

    Args:
        sfreq: sampling rate in Hz.
        low_range: range of the band's lower edge in Hz (original: 0.5 to 30).
        band_width: width of the removed band in Hz (original: 2).
        p: probability per epoch.
    """

    def __init__(
        self,
        sfreq: float,
        low_range: tuple[float, float] = (0.5, 30.0),
        band_width: float = 2.0,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        if low_range[0] > low_range[1] or low_range[0] < 0 or band_width <= 0:
            raise ValueError(f"RandomBandStopFilter: bad band {low_range} / width {band_width}")
        if low_range[1] + band_width > sfreq / 2:
            raise ValueError(
                f"RandomBandStopFilter: a band up to {low_range[1] + band_width} Hz is above the Nyquist "
                f"frequency of {sfreq} Hz ({sfreq / 2} Hz); lower low_range"
            )
        self.sfreq = sfreq
        self.low_range = tuple(low_range)
        self.band_width = band_width

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        low = _uniform((x.shape[0],), *self.low_range, generator, x.device)
        return band_stop(x, low, low + self.band_width, self.sfreq)


# Copied from hf_sleep.models.dsb_base.augmentations.band_stop
def band_stop(x: torch.Tensor, low: torch.Tensor, high: torch.Tensor, sfreq: float) -> torch.Tensor:
    """Zeroes the FFT bins with `low[b] <= f <= high[b]` Hz of each epoch `b` of `(B, C, T)`."""
    spectrum = torch.fft.rfft(x.float(), dim=-1)
    freqs = torch.fft.rfftfreq(x.shape[-1], d=1.0 / sfreq).to(x.device)
    inside = (freqs[None, :] >= low[:, None]) & (freqs[None, :] <= high[:, None])
    spectrum = spectrum.masked_fill(inside[:, None, :], 0)
    return torch.fft.irfft(spectrum, n=x.shape[-1], dim=-1)


# Copied from hf_sleep.models.dsb_base.augmentations.RandomTimeShift
class RandomTimeShift(SignalAugmentation):
    """Shifts the epoch by a random whole number of samples in `[-max_shift, max_shift]`, filling with zeros.

    As scipy's `ndimage.shift(mode="constant", cval=0)` in the original: values are moved, never changed.

    Args:
        sfreq: sampling rate in Hz.
        max_shift_seconds: largest shift (original: 300 samples at 100 Hz = 3 s).
        p: probability per epoch.
    """

    def __init__(self, sfreq: float, max_shift_seconds: float = 3.0, p: float = 0.5) -> None:
        super().__init__(p)
        if max_shift_seconds < 0:
            raise ValueError(f"RandomTimeShift: max_shift_seconds must be >= 0, got {max_shift_seconds}")
        self.sfreq = sfreq
        self.max_shift_seconds = max_shift_seconds

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        max_shift = int(round(self.max_shift_seconds * self.sfreq))
        shift = _randint(-max_shift, max_shift, (x.shape[0],), generator, x.device)
        return time_shift(x, shift)


# Copied from hf_sleep.models.dsb_base.augmentations.time_shift
def time_shift(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """`out[b, :, t] = x[b, :, t - shift[b]]`, zero where `t - shift[b]` falls outside the epoch."""
    n_times = x.shape[-1]
    source = torch.arange(n_times, device=x.device)[None, :] - shift[:, None]
    valid = (source >= 0) & (source < n_times)
    shifted = _gather_time(x, source.clamp(0, n_times - 1))
    return shifted * valid[:, None, :]


# Copied from hf_sleep.models.dsb_base.augmentations.RandomZeroMasking
class RandomZeroMasking(SignalAugmentation):
    """Sets one random stretch of the epoch to zero, its length drawn in `mask_seconds`.

    Args:
        sfreq: sampling rate in Hz.
        mask_seconds: range of the masked length (original: 0 to 300 samples at 100 Hz = 0 to 3 s).
        p: probability per epoch.
    """

    def __init__(self, sfreq: float, mask_seconds: tuple[float, float] = (0.0, 3.0), p: float = 0.5) -> None:
        super().__init__(p)
        if not 0 <= mask_seconds[0] <= mask_seconds[1]:
            raise ValueError(f"RandomZeroMasking: mask_seconds must be an increasing range >= 0, got {mask_seconds}")
        self.sfreq = sfreq
        self.mask_seconds = tuple(mask_seconds)

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n_times = x.shape[-1]
        low, high = (min(n_times, int(round(s * self.sfreq))) for s in self.mask_seconds)
        length = _randint(low, high, (x.shape[0],), generator, x.device)
        # Start uniform in [0, n_times - length] for each epoch.
        start = (torch.rand(x.shape[0], generator=generator, device=x.device) * (n_times - length + 1)).long()
        t = torch.arange(n_times, device=x.device)[None, :]
        masked = (t >= start[:, None]) & (t < (start + length)[:, None])
        return x.masked_fill(masked[:, None, :], 0)


# Copied from hf_sleep.models.dsb_base.augmentations.TimeWarping
class TimeWarping(SignalAugmentation):
    """Stretches or compresses each of `n_segments` segments by a random factor, then resamples to the length.

    The original resamples every segment and the result with scipy's FFT `resample`; here the equivalent
    piecewise-linear time map is applied with linear interpolation, batched.

    Args:
        n_segments: number of equal segments (the last takes the remainder).
        scale_range: range of the per-segment stretch factor (original: 0.5 to 2).
        p: probability per epoch.
    """

    def __init__(self, n_segments: int = 4, scale_range: tuple[float, float] = (0.5, 2.0), p: float = 0.5) -> None:
        super().__init__(p)
        if n_segments < 1 or not 0 < scale_range[0] <= scale_range[1]:
            raise ValueError(f"TimeWarping: bad n_segments={n_segments} or scale_range={scale_range}")
        self.n_segments = n_segments
        self.scale_range = tuple(scale_range)

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        batch, n_times = x.shape[0], x.shape[-1]
        starts, lengths = _segment_bounds(n_times, self.n_segments, x.device)
        scale = _uniform((batch, self.n_segments), *self.scale_range, generator, x.device)
        warped = lengths[None, :] * scale  # (B, S) lengths after warping
        warped_end = warped.cumsum(-1)
        warped_start = warped_end - warped
        # Output sample t sits at warped position t * total / n_times; find its segment, then undo the stretch.
        position = (torch.arange(n_times, device=x.device)[None, :] + 0.5) * (warped_end[:, -1:] / n_times)
        segment = torch.searchsorted(warped_end.contiguous(), position.contiguous(), right=True)
        segment = segment.clamp(max=self.n_segments - 1)
        offset = (position - warped_start.gather(1, segment)) / scale.gather(1, segment)
        source = starts[segment] + offset - 0.5
        return _linear_interpolate(x, source)


# Copied from hf_sleep.models.dsb_base.augmentations._linear_interpolate
def _linear_interpolate(x: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """Samples `x` at fractional positions `source` `(B, T_out)` by linear interpolation (clamped at the ends)."""
    n_times = x.shape[-1]
    source = source.clamp(0, n_times - 1)
    left = source.floor().long().clamp(max=n_times - 1)
    right = (left + 1).clamp(max=n_times - 1)
    weight = (source - left).unsqueeze(1)
    return _gather_time(x, left) * (1 - weight) + _gather_time(x, right) * weight


# Copied from hf_sleep.models.dsb_base.augmentations.Permutation
class Permutation(SignalAugmentation):
    """Cuts the epoch into `n_segments` segments and puts them back in a random order.

    Args:
        n_segments: number of equal segments (the last takes the remainder, as in the original).
        p: probability per epoch.
    """

    def __init__(self, n_segments: int = 4, p: float = 0.5) -> None:
        super().__init__(p)
        if n_segments < 1:
            raise ValueError(f"Permutation: n_segments must be >= 1, got {n_segments}")
        self.n_segments = n_segments

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        batch, n_times = x.shape[0], x.shape[-1]
        starts, lengths = _segment_bounds(n_times, self.n_segments, x.device)
        order = torch.rand(batch, self.n_segments, generator=generator, device=x.device).argsort(-1)
        out_lengths = lengths[order]  # (B, S): length of the k-th output segment
        out_end = out_lengths.cumsum(-1)
        t = torch.arange(n_times, device=x.device)[None, :].expand(batch, -1).contiguous()
        k = torch.searchsorted(out_end.contiguous(), t, right=True).clamp(max=self.n_segments - 1)
        out_start = (out_end - out_lengths).gather(1, k)
        source = starts[order.gather(1, k)] + (t - out_start)
        return _gather_time(x, source)


# Copied from hf_sleep.models.dsb_base.augmentations.CutoutResize
class CutoutResize(SignalAugmentation):
    """Removes one random segment of `n_segments`, joins the rest and resamples it back to the full length.

    The original resamples with scipy's FFT `resample`; here linear interpolation over the joined signal.

    Args:
        n_segments: number of equal segments (the last takes the remainder).
        p: probability per epoch.
    """

    def __init__(self, n_segments: int = 4, p: float = 0.5) -> None:
        super().__init__(p)
        if n_segments < 2:
            raise ValueError(f"CutoutResize: n_segments must be >= 2 (one is cut out), got {n_segments}")
        self.n_segments = n_segments

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        batch, n_times = x.shape[0], x.shape[-1]
        starts, lengths = _segment_bounds(n_times, self.n_segments, x.device)
        cut = _randint(0, self.n_segments - 1, (batch,), generator, x.device)
        cut_start, cut_length = starts[cut][:, None], lengths[cut][:, None]
        kept = n_times - cut_length  # (B, 1) samples left after the cut
        # Output t sits at position u of the joined signal; joined index j maps back to j or j + cut_length.
        u = (torch.arange(n_times, device=x.device)[None, :] + 0.5) * kept / n_times - 0.5
        u = u.clamp(min=0).minimum(kept - 1)
        left = u.floor().long()
        right = (left + 1).minimum(kept - 1)
        weight = (u - left).unsqueeze(1)

        def to_source(joined: torch.Tensor) -> torch.Tensor:
            return torch.where(joined >= cut_start, joined + cut_length, joined)

        return _gather_time(x, to_source(left)) * (1 - weight) + _gather_time(x, to_source(right)) * weight


# Copied from hf_sleep.models.dsb_base.augmentations.Compose
class Compose:
    """Applies augmentations one after the other (SleePyCo's `Compose(mode="full")`)."""

    def __init__(self, augmentations: Sequence[SignalAugmentation]) -> None:
        self.augmentations = list(augmentations)

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        if generator is None:
            generator = torch.Generator(device=x.device)
            generator.seed()
        for augmentation in self.augmentations:
            x = augmentation(x, generator)
        return x

    def __repr__(self) -> str:
        inner = ",\n    ".join(repr(a) for a in self.augmentations)
        return f"Compose([\n    {inner}\n])"


# Copied from hf_sleep.models.dsb_base.augmentations.default_augmentations
def default_augmentations(sfreq: float, p: float = 0.5) -> Compose:
    """DeepSleepBench's six augmentations with the original's settings, each with probability `p`.

    The band-stop range is capped below the Nyquist frequency for low sampling rates.
    """
    high = min(30.0, sfreq / 2 - 2.0 - 1e-6)
    low = min(0.5, high)
    if high <= 0:
        raise ValueError(f"sfreq={sfreq} Hz is too low for the band-stop augmentation (needs > 4 Hz)")
    return Compose(
        [
            RandomBandStopFilter(sfreq, low_range=(low, high), band_width=2.0, p=p),
            RandomTimeShift(sfreq, max_shift_seconds=3.0, p=p),
            RandomZeroMasking(sfreq, mask_seconds=(0.0, 3.0), p=p),
            TimeWarping(n_segments=4, scale_range=(0.5, 2.0), p=p),
            Permutation(n_segments=4, p=p),
            CutoutResize(n_segments=4, p=p),
        ]
    )


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNChannelGate
class DSBCNNChannelGate(nn.Module):
    """Squeeze-and-excitation: time-average → Linear(C, C/r) → ReLU → Linear(C/r, C) → sigmoid scale."""

    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        # The original's 1-channel decoder output gets 1 // 16 = 0 hidden units; one keeps it a real gate.
        hidden = max(1, channels // reduction)
        self.mlp = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.mlp(x.mean(dim=-1))).unsqueeze(-1)


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNSelfAttention
class DSBCNNSelfAttention(nn.Module):
    """Multi-head self-attention over time with a residual connection and LayerNorm: `(B, C, L) -> (B, C, L)`."""

    def __init__(self, channels: int, heads: int) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(channels, heads, batch_first=True)
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = x.transpose(1, 2)
        attended, _ = self.attention(tokens, tokens, tokens, need_weights=False)
        return self.norm(tokens + attended).transpose(1, 2)


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn._conv_stack
def _conv_stack(in_channels: int, out_channels: int, n_layers: int, kernel_size: int) -> nn.Sequential:
    """`n_layers` × (conv → batch norm → PReLU), without the last PReLU (it follows the gate)."""
    layers: list[nn.Module] = []
    for index in range(n_layers):
        layers += [
            nn.Conv1d(in_channels, out_channels, kernel_size, padding=kernel_size // 2),
            nn.BatchNorm1d(out_channels),
        ]
        if index != n_layers - 1:
            layers.append(nn.PReLU())
        in_channels = out_channels
    return nn.Sequential(*layers)


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNEncoderStage
class DSBCNNEncoderStage(nn.Module):
    """Pool (except the first stage) → convolutions → gate → optional attention → PReLU."""

    def __init__(self, config: DSBCNNConfig, stage: int) -> None:
        super().__init__()
        in_channels = config.n_chans if stage == 0 else config.channels[stage - 1]
        out_channels = config.channels[stage]
        self.pool_size = None if stage == 0 else config.pool_sizes[stage - 1]
        self.layers = _conv_stack(in_channels, out_channels, config.n_layers[stage], config.kernel_size)
        self.gate = DSBCNNChannelGate(out_channels, config.gate_reduction)
        self.attention = (
            DSBCNNSelfAttention(out_channels, config.attention_heads) if stage in config.attention_stages else None
        )
        self.activation = nn.PReLU()

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        padding = (0, 0)
        if self.pool_size is not None:
            remainder = x.shape[-1] % self.pool_size
            if remainder:
                pad = self.pool_size - remainder
                padding = (pad // 2, pad - pad // 2)
                x = F.pad(x, padding)
            x = F.max_pool1d(x, self.pool_size, self.pool_size)
        x = self.gate(run_folded(self.layers, x))
        if self.attention is not None:
            x = self.attention(x)
        return self.activation(x), padding


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNEncoder
class DSBCNNEncoder(nn.Module):
    """The five stages; returns every stage output and the pooling paddings (for the decoder)."""

    def __init__(self, config: DSBCNNConfig) -> None:
        super().__init__()
        self.stages = nn.ModuleList(DSBCNNEncoderStage(config, stage) for stage in range(len(config.channels)))

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[tuple[int, int]]]:
        features, paddings = [], []
        for stage in self.stages:
            x, padding = stage(x)
            features.append(x)
            paddings.append(padding)
        return features, paddings


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNDecoderStage
class DSBCNNDecoderStage(nn.Module):
    """Mirror of an encoder stage: transposed conv (un-pooling) → convolutions → gate → attention → PReLU."""

    def __init__(self, config: DSBCNNConfig, stage: int) -> None:
        super().__init__()
        in_channels = config.channels[stage]
        out_channels = config.n_chans if stage == 0 else config.channels[stage - 1]
        pool = None if stage == 0 else config.pool_sizes[stage - 1]
        self.unpool = None if pool is None else nn.ConvTranspose1d(in_channels, in_channels, pool, stride=pool)
        self.layers = _conv_stack(in_channels, out_channels, config.n_layers[stage], config.kernel_size)
        self.gate = DSBCNNChannelGate(out_channels, config.gate_reduction)
        self.attention = (
            DSBCNNSelfAttention(out_channels, config.attention_heads) if stage in config.attention_stages else None
        )
        self.activation = nn.PReLU()

    def forward(self, x: torch.Tensor, padding: tuple[int, int]) -> torch.Tensor:
        if self.unpool is not None:
            x = self.unpool(x)
            x = x[..., padding[0] : x.shape[-1] - padding[1]]
        x = self.gate(self.layers(x))
        if self.attention is not None:
            x = self.attention(x)
        return self.activation(x)


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNDecoder
class DSBCNNDecoder(nn.Module):
    """Reconstructs the epoch `(n, n_chans, n_times)` from c5, stage by stage in reverse."""

    def __init__(self, config: DSBCNNConfig) -> None:
        super().__init__()
        self.stages = nn.ModuleList(DSBCNNDecoderStage(config, stage) for stage in range(len(config.channels)))

    def forward(self, c5: torch.Tensor, paddings: list[tuple[int, int]]) -> torch.Tensor:
        x = c5
        for stage, padding in zip(reversed(self.stages), reversed(paddings), strict=True):
            x = stage(x, padding)
        return x


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNPreTrainedModel
class DSBCNNPreTrainedModel(DSBPreTrainedModel):
    config_class = DSBCNNConfig
    # 16 epochs' stage-1 maps (64 × 3000 floats each) stay in the CPU caches: twice the speed of 64 per call.
    cpu_embed_batch = 16


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNModel
class DSBCNNModel(DSBBackboneMixin, DSBCNNPreTrainedModel):
    """The encoder: `(batch, seq_len, n_chans, n_times)` → L2-normalised latent `(batch, seq_len, 128)`.

    `hidden_states` (on request) are the feature pyramid c3, c4, c5, each `(batch * seq_len, C, L)`.
    """

    def __init__(self, config: DSBCNNConfig) -> None:
        super().__init__(config)
        self.encoder = DSBCNNEncoder(config)
        self.post_init()

    def encode_stages(self, epochs: torch.Tensor) -> tuple[list[torch.Tensor], list[tuple[int, int]]]:
        """Every stage's output and the pooling paddings for `(n_epochs, n_chans, n_times)`."""
        return self.encoder(epochs)

    def latent_of(self, c5: torch.Tensor) -> torch.Tensor:
        """Average over time, then L2 normalisation (the original's `AdaptiveAvgPool1d(1)` + `normalize`)."""
        return F.normalize(c5.mean(dim=-1), dim=1)

    def encode(self, epochs: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        features, _ = self.encoder(epochs)
        return self.latent_of(features[-1]), tuple(features[-3:])


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNForSleepStaging
class DSBCNNForSleepStaging(DSBForSleepStagingMixin, DSBCNNPreTrainedModel):
    """The encoder with the original's evaluation MLP (128 → 256 → 256 → num_labels), frozen on request.

    Example:

    ```python
    >>> import torch
    >>> from hf_sleep import DSBCNNConfig, DSBCNNForSleepStaging
    >>> model = DSBCNNForSleepStaging(DSBCNNConfig()).eval()
    >>> model(torch.randn(2, 1, 3000)).logits.shape
    torch.Size([2, 5])
    ```
    """

    model_class = DSBCNNModel


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNForContrastivePretraining
class DSBCNNForContrastivePretraining(DSBForContrastivePretrainingMixin, DSBCNNPreTrainedModel):
    """Contrastive pretraining (SimCLR): two augmented views of every epoch, NT-Xent on their latents.

    The views are built inside `forward` from `input_values` with the six augmentations, on the input's
    device, so a plain dataset of epochs trains with the `Trainer`. `labels` are accepted and ignored.
    """

    model_class = DSBCNNModel


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNForMaskedPretraining
class DSBCNNForMaskedPretraining(DSBForMaskedPretrainingMixin, DSBCNNPreTrainedModel):
    """Masked prediction: a random `mask_ratio` of the samples is zeroed, the decoder rebuilds the epoch
    from c5, and the squared error is averaged where `config.mask_loss_on` says (the hidden samples by
    default; the original averaged over the visible ones)."""

    model_class = DSBCNNModel

    def __init__(self, config: DSBCNNConfig) -> None:
        super().__init__(config)
        self.dsb = self.model_class(config)
        self.decoder = DSBCNNDecoder(config)
        self.post_init()

    def masked_objective(self, epochs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns the loss, the reconstruction, the keep-mask `(n, 1, n_times)` and the latent of the masked input."""
        generator = self.random_generator(epochs.device)
        keep = random_keep_mask(epochs.shape[0], epochs.shape[-1], self.config.mask_ratio, generator, epochs.device)
        keep = keep.unsqueeze(1)  # the same time samples are hidden in every channel
        features, paddings = self.dsb.encode_stages(epochs * keep)
        reconstruction = self.decoder(features[-1], paddings)
        loss = masked_mse(reconstruction, epochs, keep, self.config.mask_loss_on)
        return loss, reconstruction, keep, self.dsb.latent_of(features[-1])


# Copied from hf_sleep.models.dsb_cnn.modular_dsb_cnn.DSBCNNForHybridPretraining
class DSBCNNForHybridPretraining(DSBForHybridPretrainingMixin, DSBCNNForMaskedPretraining):
    """Hybrid pretraining: `masked + alpha_crl * contrastive`, the encoder shared by both objectives."""


class DSBCNNAttentionPreTrainedModel(DSBCNNPreTrainedModel):
    config_class = DSBCNNAttentionConfig


class DSBCNNAttentionModel(DSBCNNModel):
    """The CNN+Attention encoder: `(batch, seq_len, n_chans, n_times)` → latent `(batch, seq_len, 128)`."""

    config_class = DSBCNNAttentionConfig


class DSBCNNAttentionForSleepStaging(DSBCNNForSleepStaging):
    """CNN+Attention encoder with the original's evaluation MLP (128 → 256 → 256 → num_labels).

    Example:

    ```python
    >>> import torch
    >>> from hf_sleep import DSBCNNAttentionConfig, DSBCNNAttentionForSleepStaging
    >>> model = DSBCNNAttentionForSleepStaging(DSBCNNAttentionConfig()).eval()
    >>> model(torch.randn(2, 1, 3000)).logits.shape
    torch.Size([2, 5])
    ```
    """

    config_class = DSBCNNAttentionConfig
    model_class = DSBCNNAttentionModel


class DSBCNNAttentionForContrastivePretraining(DSBCNNForContrastivePretraining):
    """Contrastive (NT-Xent) pretraining of the CNN+Attention encoder."""

    config_class = DSBCNNAttentionConfig
    model_class = DSBCNNAttentionModel


class DSBCNNAttentionForMaskedPretraining(DSBCNNForMaskedPretraining):
    """Masked-prediction pretraining of the CNN+Attention encoder with its mirrored decoder."""

    config_class = DSBCNNAttentionConfig
    model_class = DSBCNNAttentionModel


class DSBCNNAttentionForHybridPretraining(DSBCNNForHybridPretraining):
    """Hybrid (masked + alpha_crl * contrastive) pretraining of the CNN+Attention encoder."""

    config_class = DSBCNNAttentionConfig
    model_class = DSBCNNAttentionModel


__all__ = [
    "DSBCNNAttentionForContrastivePretraining",
    "DSBCNNAttentionForHybridPretraining",
    "DSBCNNAttentionForMaskedPretraining",
    "DSBCNNAttentionForSleepStaging",
    "DSBCNNAttentionModel",
    "DSBCNNAttentionPreTrainedModel",
]
