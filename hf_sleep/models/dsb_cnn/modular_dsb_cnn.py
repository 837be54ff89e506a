"""DeepSleepBench CNN (and CNN+Attention): SleePyCo's gated CNN encoder, a mirrored decoder, and the heads.

Faithful to the DeepSleepBench code (`models/cnn/cnn_backbone.py`, `models/cnn_attention/cnn_attention.py`):
each stage is max-pooling (zero-padded to a multiple of the pool size, odd padding to the right), then
`n_layers` × (conv k3 → batch norm → PReLU) with the last PReLU moved after a squeeze-and-excitation gate
(and, for CNN+Attention, after 8-head self-attention with residual and LayerNorm). The latent is the
time-average of c5, L2-normalised. The decoder mirrors every stage with a transposed convolution in place of
the pooling; here it also crops the pooling's padding so any epoch length reconstructs to its own length.
"""

from __future__ import annotations

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
    masked_mse,
    random_keep_mask,
)
from hf_sleep.models.sleep_base.modeling_sleep_base import run_folded


class DSBCNNConfig(DSBConfig):
    r"""Configuration of the DeepSleepBench CNN ([`DSBCNNForSleepStaging`] and its pretraining heads).

    SleePyCo's encoder: five stages of kernel-3 convolutions with batch norm and PReLU, each ended by a
    squeeze-and-excitation gate, with max-pooling between stages; the stage outputs c3, c4, c5 form the feature
    pyramid and the average of c5 over time, L2-normalised, is the 128-d latent. Masked prediction adds a
    mirrored decoder (transposed convolutions in place of the pooling). `mask_ratio` defaults to 0.25, the
    original's setting.

    Args:
        n_chans (`int`, *optional*, defaults to 1):
            Number of input channels (the original uses one EEG derivation, Fpz-Cz).
        sfreq (`float`, *optional*, defaults to 100.0):
            Sampling rate of the input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one epoch in seconds.
        seq_len (`int`, *optional*, defaults to 1):
            Epochs per sample; every epoch is encoded and staged on its own.
        channels (`list[int]`, *optional*):
            Output channels of the five stages. Defaults to `[64, 128, 192, 256, 128]`; the last is the latent size.
        n_layers (`list[int]`, *optional*):
            Convolutions per stage. Defaults to `[2, 2, 3, 3, 3]`.
        pool_sizes (`list[int]`, *optional*):
            Max-pooling before each stage after the first (zero-padded to a multiple). Defaults to `[5, 5, 5, 4]`
            (3000 samples → 600 → 120 → 24 → 6).
        kernel_size (`int`, *optional*, defaults to 3):
            Kernel of every convolution (odd, length-preserving padding).
        gate_reduction (`int`, *optional*, defaults to 16):
            Reduction of the squeeze-and-excitation gate that ends each stage.
        attention_stages (`list[int]`, *optional*):
            0-based stages followed by multi-head self-attention with a residual connection and LayerNorm.
            Defaults to `[]` (no attention).
        attention_heads (`int`, *optional*, defaults to 8):
            Heads of each self-attention layer.
        kwargs:
            The pretraining and staging-head arguments of [`DSBConfig`] (`contrastive_temperature`, `mask_ratio`,
            `freeze_encoder`, `classifier_hidden_size`, ...), then the shared ones of [`SleepStagingConfig`].

    Example:

    ```python
    >>> from hf_sleep import DSBCNNConfig
    >>> DSBCNNConfig().stage_widths
    [3000, 600, 120, 24, 6]
    ```
    """

    model_type = "dsb_cnn"
    auto_model_class = "DSBCNNForSleepStaging"
    # Stages (0-based) followed by 8-head self-attention; none in the plain CNN.
    default_attention_stages = ()
    # The original's hybrid CNN configs hide 25 % of the samples.
    default_mask_ratio = 0.25

    def __init__(
        self,
        channels: list[int] | None = None,
        n_layers: list[int] | None = None,
        pool_sizes: list[int] | None = None,
        kernel_size: int = 3,
        gate_reduction: int = 16,
        attention_stages: list[int] | None = None,
        attention_heads: int = 8,
        **kwargs: Any,
    ) -> None:
        self.channels = list(channels) if channels is not None else [64, 128, 192, 256, 128]
        self.n_layers = list(n_layers) if n_layers is not None else [2, 2, 3, 3, 3]
        self.pool_sizes = list(pool_sizes) if pool_sizes is not None else [5, 5, 5, 4]
        self.attention_stages = (
            list(attention_stages) if attention_stages is not None else list(self.default_attention_stages)
        )
        self.kernel_size = kernel_size
        self.gate_reduction = gate_reduction
        self.attention_heads = attention_heads
        self._validate_cnn()
        super().__init__(**kwargs)

    def _validate_cnn(self) -> None:
        n_stages = len(self.channels)
        if n_stages < 1 or any(not isinstance(c, int) or c < 1 for c in self.channels):
            raise ValueError(f"channels must be a non-empty list of positive integers, got {self.channels}")
        if len(self.n_layers) != n_stages or any(n < 1 for n in self.n_layers):
            raise ValueError(
                f"n_layers needs one positive count per stage ({n_stages} stages), got {self.n_layers}"
            )
        if len(self.pool_sizes) != n_stages - 1 or any(p < 1 for p in self.pool_sizes):
            raise ValueError(
                f"pool_sizes needs one positive size per stage after the first ({n_stages - 1}), got {self.pool_sizes}"
            )
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (length-preserving padding), got {self.kernel_size}")
        if self.gate_reduction < 1:
            raise ValueError(f"gate_reduction must be a positive integer, got {self.gate_reduction}")
        for stage in self.attention_stages:
            # Stage 0's mirror in the decoder would attend over the input channels, so it is left out.
            if not 1 <= stage < n_stages:
                raise ValueError(f"attention_stages holds stage {stage}, but must be in 1..{n_stages - 1}")
            if self.channels[stage] % self.attention_heads or self.attention_heads < 1:
                raise ValueError(
                    f"attention after stage {stage} needs its {self.channels[stage]} channels divisible by "
                    f"attention_heads={self.attention_heads}"
                )
        # The mirrored decoder's attention runs on the input width of the stage.
        for stage in self.attention_stages:
            width = self.channels[stage - 1]
            if width % self.attention_heads:
                raise ValueError(
                    f"the decoder's attention at stage {stage} needs its {width} channels divisible by "
                    f"attention_heads={self.attention_heads}"
                )

    @property
    def latent_size(self) -> int:
        """Size of the latent: the channels of the last stage (128)."""
        return self.channels[-1]

    @property
    def stage_widths(self) -> list[int]:
        """Samples per epoch after each stage (pooling pads to a multiple of the pool size, as the original)."""
        widths = [self.n_times]
        for pool in self.pool_sizes:
            widths.append(-(-widths[-1] // pool))
        return widths


class DSBCNNChannelGate(nn.Module):
    """Squeeze-and-excitation: time-average → Linear(C, C/r) → ReLU → Linear(C/r, C) → sigmoid scale."""

    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        # The original's 1-channel decoder output gets 1 // 16 = 0 hidden units; one keeps it a real gate.
        hidden = max(1, channels // reduction)
        self.mlp = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.mlp(x.mean(dim=-1))).unsqueeze(-1)


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


class DSBCNNPreTrainedModel(DSBPreTrainedModel):
    config_class = DSBCNNConfig
    # 16 epochs' stage-1 maps (64 × 3000 floats each) stay in the CPU caches: twice the speed of 64 per call.
    cpu_embed_batch = 16


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


class DSBCNNForContrastivePretraining(DSBForContrastivePretrainingMixin, DSBCNNPreTrainedModel):
    """Contrastive pretraining (SimCLR): two augmented views of every epoch, NT-Xent on their latents.

    The views are built inside `forward` from `input_values` with the six augmentations, on the input's
    device, so a plain dataset of epochs trains with the `Trainer`. `labels` are accepted and ignored.
    """

    model_class = DSBCNNModel


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


class DSBCNNForHybridPretraining(DSBForHybridPretrainingMixin, DSBCNNForMaskedPretraining):
    """Hybrid pretraining: `masked + alpha_crl * contrastive`, the encoder shared by both objectives."""

