"""DeepSleepBench Transformer: a ViT-style masked auto-encoder over patches of the epoch, and its heads.

After the DeepSleepBench code (`models/transformer/transformer.py`, itself after NeuroNet and MAE): a linear
patch projection, fixed sinusoidal positions, a CLS token, pre-norm blocks (LayerNorm eps 1e-6, MLP ratio 4,
GELU, biased QKV) and a final LayerNorm; the decoder embeds the encoder output linearly, fills the hidden
positions with a learned mask token, adds its own positions and predicts each patch's values.

Differences, all for a reason: the patch length is a config value (the original used one token per epoch,
see the config); positions are 1-D sinusoids computed on the fly (the original's 2-D `sincos` on an
`(n_patches, 1)` grid spends half its dimensions on a constant column); the original's unused projection
MLP (128 → 1024 → 512) and its optional tri-branch ResNet frame encoder are not part of this model.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hf_sleep.models.dsb_base.configuration_dsb_base import DSBConfig
from hf_sleep.models.dsb_base.modeling_dsb_base import (
    DSBBackboneMixin,
    DSBForContrastivePretrainingMixin,
    DSBForHybridPretrainingMixin,
    DSBForMaskedPretrainingMixin,
    DSBForSleepStagingMixin,
    DSBPreTrainedModel,
    DSBTokenParameters,
    masked_mse,
    random_keep_mask,
)

MASK_UNITS: tuple[str, ...] = ("patch", "sample")


class DSBTransformerConfig(DSBConfig):
    r"""Configuration of the DeepSleepBench Transformer ([`DSBTransformerForSleepStaging`] and its heads).

    A ViT-style masked auto-encoder: the epoch is cut into patches of `patch_seconds`, each patch (all channels)
    is projected linearly to `hidden_size`, fixed sinusoidal positions are added, a CLS token is prepended,
    and `num_layers` pre-norm Transformer blocks follow; the L2-normalised CLS output is the latent. Masked
    prediction hides `mask_ratio` of the patches from the encoder (MAE) and a lighter decoder predicts them.

    The original feeds the whole 30-s epoch as one token (`patch_seconds=30`): attention then has nothing to
    attend over, and masking must hide samples inside that token (`mask_unit="sample"`, as its data loader
    did). The default here is 1-s patches, 30 tokens per epoch. `mask_ratio` defaults to 0.75, the original's.

    Args:
        n_chans (`int`, *optional*, defaults to 1):
            Number of input channels (each patch holds every channel).
        sfreq (`float`, *optional*, defaults to 100.0):
            Sampling rate of the input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one epoch in seconds.
        seq_len (`int`, *optional*, defaults to 1):
            Epochs per sample; every epoch is encoded and staged on its own.
        patch_seconds (`float`, *optional*, defaults to 1.0):
            Length of one patch (token); must divide the epoch. 30.0 reproduces the original.
        hidden_size (`int`, *optional*, defaults to 128):
            Width of the encoder, and size of the latent.
        num_layers (`int`, *optional*, defaults to 6):
            Encoder Transformer blocks.
        num_heads (`int`, *optional*, defaults to 8):
            Attention heads of the encoder.
        mlp_ratio (`float`, *optional*, defaults to 4.0):
            Hidden width of every block's MLP, as a multiple of the block's width.
        decoder_hidden_size (`int`, *optional*, defaults to 128):
            Width of the decoder.
        decoder_num_layers (`int`, *optional*, defaults to 8):
            Decoder Transformer blocks.
        decoder_num_heads (`int`, *optional*, defaults to 4):
            Attention heads of the decoder.
        layer_norm_eps (`float`, *optional*, defaults to 1e-06):
            Epsilon of every LayerNorm.
        dropout (`float`, *optional*, defaults to 0.0):
            Dropout in attention and MLPs (the original uses none).
        mask_unit (`str`, *optional*, defaults to `"patch"`):
            What masked prediction hides: whole patches (`"patch"`, MAE: hidden patches never reach the
            encoder) or single samples set to zero (`"sample"`, the original's data-loader masking).
        kwargs:
            The pretraining and staging-head arguments of [`DSBConfig`] (`contrastive_temperature`, `mask_ratio`,
            `freeze_encoder`, `classifier_hidden_size`, ...), then the shared ones of [`SleepStagingConfig`].

    Example:

    ```python
    >>> from hf_sleep import DSBTransformerConfig
    >>> config = DSBTransformerConfig()
    >>> config.n_patches, config.patch_dim
    (30, 100)
    ```
    """

    model_type = "dsb_transformer"
    auto_model_class = "DSBTransformerForSleepStaging"
    # The original's Transformer runs hide 75 % (of the samples of its single token).
    default_mask_ratio = 0.75

    def __init__(
        self,
        patch_seconds: float = 1.0,
        hidden_size: int = 128,
        num_layers: int = 6,
        num_heads: int = 8,
        mlp_ratio: float = 4.0,
        decoder_hidden_size: int = 128,
        decoder_num_layers: int = 8,
        decoder_num_heads: int = 4,
        layer_norm_eps: float = 1e-6,
        dropout: float = 0.0,
        mask_unit: str = "patch",
        **kwargs: Any,
    ) -> None:
        self.patch_seconds = patch_seconds
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.mlp_ratio = mlp_ratio
        self.decoder_hidden_size = decoder_hidden_size
        self.decoder_num_layers = decoder_num_layers
        self.decoder_num_heads = decoder_num_heads
        self.layer_norm_eps = layer_norm_eps
        self.dropout = dropout
        self.mask_unit = mask_unit
        super().__init__(**kwargs)
        self._validate_transformer()

    def _validate_transformer(self) -> None:
        for name in ("hidden_size", "num_layers", "num_heads", "decoder_hidden_size", "decoder_num_layers",
                     "decoder_num_heads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size={self.hidden_size} must be divisible by num_heads={self.num_heads}")
        if self.decoder_hidden_size % self.decoder_num_heads:
            raise ValueError(
                f"decoder_hidden_size={self.decoder_hidden_size} must be divisible by "
                f"decoder_num_heads={self.decoder_num_heads}"
            )
        if self.mlp_ratio <= 0 or not 0.0 <= self.dropout < 1.0 or self.layer_norm_eps <= 0:
            raise ValueError(
                f"mlp_ratio must be > 0, dropout in [0, 1) and layer_norm_eps > 0; got {self.mlp_ratio}, "
                f"{self.dropout}, {self.layer_norm_eps}"
            )
        samples = self.patch_seconds * self.sfreq
        if self.patch_seconds <= 0 or abs(samples - round(samples)) > 1e-6:
            raise ValueError(
                f"patch_seconds * sfreq must be a whole number of samples, got {self.patch_seconds} s * "
                f"{self.sfreq} Hz = {samples}"
            )
        if self.n_times % self.patch_length:
            raise ValueError(
                f"patch_seconds={self.patch_seconds} ({self.patch_length} samples) must divide the epoch of "
                f"{self.n_times} samples ({self.epoch_seconds} s at {self.sfreq} Hz)"
            )
        if self.mask_unit not in MASK_UNITS:
            raise ValueError(f"mask_unit must be one of {MASK_UNITS}, got {self.mask_unit!r}")
        if self.mask_unit == "patch" and int(self.n_patches * (1 - self.mask_ratio)) < 1:
            raise ValueError(
                f"mask_unit='patch' with {self.n_patches} patch(es) and mask_ratio={self.mask_ratio} keeps no "
                "patch visible; use shorter patches or mask_unit='sample'"
            )

    @property
    def patch_length(self) -> int:
        """Samples per patch."""
        return int(round(self.patch_seconds * self.sfreq))

    @property
    def n_patches(self) -> int:
        """Tokens per epoch (besides the CLS token)."""
        return self.n_times // self.patch_length

    @property
    def patch_dim(self) -> int:
        """Values in one patch: `n_chans * patch_length`."""
        return self.n_chans * self.patch_length

    @property
    def latent_size(self) -> int:
        """Size of the latent: the encoder width (128)."""
        return self.hidden_size


def sinusoidal_positions(n_positions: int, dim: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """The Transformer's fixed `sin`/`cos` position table `(n_positions, dim)`."""
    position = torch.arange(n_positions, device=device, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(n_positions, dim, device=device, dtype=torch.float32)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)[:, : dim // 2]
    return table.to(dtype)


def patchify(epochs: torch.Tensor, patch_length: int) -> torch.Tensor:
    """`(n, n_chans, n_times)` -> `(n, n_patches, n_chans * patch_length)`, channel-major inside a patch."""
    n, n_chans, n_times = epochs.shape
    patches = epochs.reshape(n, n_chans, n_times // patch_length, patch_length)
    return patches.permute(0, 2, 1, 3).reshape(n, n_times // patch_length, n_chans * patch_length)


def unpatchify(patches: torch.Tensor, n_chans: int) -> torch.Tensor:
    """The inverse of `patchify`: `(n, n_patches, n_chans * patch_length)` -> `(n, n_chans, n_times)`."""
    n, n_patches, patch_dim = patches.shape
    patch_length = patch_dim // n_chans
    return patches.reshape(n, n_patches, n_chans, patch_length).permute(0, 2, 1, 3).reshape(n, n_chans, -1)


class DSBTransformerBlock(nn.Module):
    """Pre-norm Transformer block (timm's ViT `Block`): `x + attn(norm(x))`, then `x + mlp(norm(x))`."""

    def __init__(self, width: int, heads: int, config: DSBTransformerConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(width, eps=config.layer_norm_eps)
        self.attention = nn.MultiheadAttention(width, heads, dropout=config.dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(width, eps=config.layer_norm_eps)
        hidden = int(width * config.mlp_ratio)
        self.mlp = nn.Sequential(
            nn.Linear(width, hidden), nn.GELU(), nn.Dropout(config.dropout), nn.Linear(hidden, width),
            nn.Dropout(config.dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normed = self.norm1(x)
        x = x + self.attention(normed, normed, normed, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class DSBTransformerEncoder(nn.Module):
    """Patch projection, positions, CLS token, blocks, final LayerNorm; drops hidden patches when told which."""

    def __init__(self, config: DSBTransformerConfig) -> None:
        super().__init__()
        self.patch_embed = nn.Linear(config.patch_dim, config.hidden_size)
        self.tokens = DSBTokenParameters()
        self.tokens.cls_token = nn.Parameter(torch.zeros(1, 1, config.hidden_size))
        self.blocks = nn.ModuleList(
            DSBTransformerBlock(config.hidden_size, config.num_heads, config) for _ in range(config.num_layers)
        )
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, patches: torch.Tensor, keep_ids: torch.Tensor | None = None) -> torch.Tensor:
        """`(n, n_patches, patch_dim)` -> `(n, 1 + n_kept, hidden)`; token 0 is the CLS token."""
        x = self.patch_embed(patches)
        positions = sinusoidal_positions(x.shape[1] + 1, x.shape[-1], x.device, x.dtype)
        x = x + positions[1:]
        if keep_ids is not None:
            x = x.gather(1, keep_ids.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        cls = (self.tokens.cls_token + positions[:1]).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


class DSBTransformerDecoder(nn.Module):
    """Predicts every patch from the encoded visible tokens, mask tokens standing in for the hidden ones."""

    def __init__(self, config: DSBTransformerConfig) -> None:
        super().__init__()
        self.embed = nn.Linear(config.hidden_size, config.decoder_hidden_size)
        self.tokens = DSBTokenParameters()
        self.tokens.mask_token = nn.Parameter(torch.zeros(1, 1, config.decoder_hidden_size))
        self.blocks = nn.ModuleList(
            DSBTransformerBlock(config.decoder_hidden_size, config.decoder_num_heads, config)
            for _ in range(config.decoder_num_layers)
        )
        self.norm = nn.LayerNorm(config.decoder_hidden_size, eps=config.layer_norm_eps)
        self.predict = nn.Linear(config.decoder_hidden_size, config.patch_dim)

    def forward(self, encoded: torch.Tensor, n_patches: int, keep_ids: torch.Tensor | None = None) -> torch.Tensor:
        """`(n, 1 + n_kept, hidden)` -> predicted patches `(n, n_patches, patch_dim)` (the CLS token is dropped)."""
        visible = self.embed(encoded[:, 1:])
        if keep_ids is None:
            x = visible
        else:
            x = self.tokens.mask_token.expand(visible.shape[0], n_patches, -1).clone()
            x = x.scatter(1, keep_ids.unsqueeze(-1).expand(-1, -1, x.shape[-1]), visible)
        x = x + sinusoidal_positions(n_patches, x.shape[-1], x.device, x.dtype)
        for block in self.blocks:
            x = block(x)
        return self.predict(self.norm(x))


class DSBTransformerPreTrainedModel(DSBPreTrainedModel):
    config_class = DSBTransformerConfig


class DSBTransformerModel(DSBBackboneMixin, DSBTransformerPreTrainedModel):
    """The encoder: `(batch, seq_len, n_chans, n_times)` → L2-normalised CLS latent `(batch, seq_len, 128)`.

    `hidden_states` (on request) is the encoder's output sequence `(batch * seq_len, 1 + n_patches, hidden)`.
    """

    def __init__(self, config: DSBTransformerConfig) -> None:
        super().__init__(config)
        self.encoder = DSBTransformerEncoder(config)
        self.post_init()

    def encode_patches(self, patches: torch.Tensor, keep_ids: torch.Tensor | None = None) -> torch.Tensor:
        return self.encoder(patches, keep_ids)

    def latent_of(self, encoded: torch.Tensor) -> torch.Tensor:
        """The L2-normalised CLS output."""
        return F.normalize(encoded[:, 0], dim=1)

    def encode(self, epochs: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        encoded = self.encoder(patchify(epochs, self.config.patch_length))
        return self.latent_of(encoded), (encoded,)


class DSBTransformerForSleepStaging(DSBForSleepStagingMixin, DSBTransformerPreTrainedModel):
    """The Transformer encoder with the original's evaluation MLP (128 → 256 → 256 → num_labels).

    Example:

    ```python
    >>> import torch
    >>> from hf_sleep import DSBTransformerConfig, DSBTransformerForSleepStaging
    >>> model = DSBTransformerForSleepStaging(DSBTransformerConfig()).eval()
    >>> model(torch.randn(2, 1, 3000)).logits.shape
    torch.Size([2, 5])
    ```
    """

    model_class = DSBTransformerModel


class DSBTransformerForContrastivePretraining(DSBForContrastivePretrainingMixin, DSBTransformerPreTrainedModel):
    """Contrastive pretraining: NT-Xent between the CLS latents of two augmented views of each epoch."""

    model_class = DSBTransformerModel


class DSBTransformerForMaskedPretraining(DSBForMaskedPretrainingMixin, DSBTransformerPreTrainedModel):
    """Masked auto-encoding: `mask_ratio` of the patches (or samples, see `mask_unit`) is hidden, the decoder
    predicts the patches and the squared error is averaged where `config.mask_loss_on` says."""

    model_class = DSBTransformerModel

    def __init__(self, config: DSBTransformerConfig) -> None:
        super().__init__(config)
        self.dsb = self.model_class(config)
        self.decoder = DSBTransformerDecoder(config)
        self.post_init()

    def masked_objective(self, epochs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns the loss, the predicted patches, the keep-mask (broadcastable to them) and the latent."""
        config = self.config
        generator = self.random_generator(epochs.device)
        target = patchify(epochs, config.patch_length)
        if config.mask_unit == "patch":
            keep = random_keep_mask(epochs.shape[0], config.n_patches, config.mask_ratio, generator, epochs.device)
            # Indices of the kept patches in their original order (a stable sort puts True first).
            n_keep = int(keep[0].sum())
            keep_ids = (~keep).to(torch.int8).argsort(dim=1, stable=True)[:, :n_keep]
            encoded = self.dsb.encode_patches(target, keep_ids)
            prediction = self.decoder(encoded, config.n_patches, keep_ids)
            keep = keep.unsqueeze(-1)
        else:
            keep_samples = random_keep_mask(
                epochs.shape[0], epochs.shape[-1], config.mask_ratio, generator, epochs.device
            ).unsqueeze(1)
            encoded = self.dsb.encode_patches(patchify(epochs * keep_samples, config.patch_length))
            prediction = self.decoder(encoded, config.n_patches)
            keep = patchify(keep_samples.expand_as(epochs), config.patch_length)
        loss = masked_mse(prediction, target, keep, config.mask_loss_on)
        return loss, prediction, keep, self.dsb.latent_of(encoded)


class DSBTransformerForHybridPretraining(DSBForHybridPretrainingMixin, DSBTransformerForMaskedPretraining):
    """Hybrid pretraining: `masked + alpha_crl * contrastive`, the encoder shared by both objectives."""

