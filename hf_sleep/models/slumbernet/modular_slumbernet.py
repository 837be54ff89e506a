"""SlumberNet (Jha, Valekunja & Reddy 2023): a ResNet that scores 4-s mouse epochs from EEG and EMG.

Channel layout: here the input of one epoch is `(n_chans, n_times)` = (EEG, EMG) × 256 samples, seen by the
2-D convolutions as an image of `n_chans` rows and `n_times` columns; every kernel is `channel_kernel_size`
(2) rows tall, so it mixes EEG and EMG at the same instants, and 8/5/3 samples wide along time. The original
Keras code built its input with `X.reshape(-1, 256, 2)` from arrays of shape `(n, 2, 256)`: that makes rows of
two consecutive samples of one signal (rows 0-127 EEG, 128-255 EMG) and runs the long side of every kernel
across the 2-wide axis, so its convolutions never see EEG and EMG as channels. This implementation uses the
layout the paper describes; the layer shapes, and so the parameter count (5,338,931), are the original's.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hf_sleep.models.sleep_base.configuration_sleep_base import SleepStagingConfig, check_activation
from hf_sleep.models.sleep_base.modeling_sleep_base import (
    EncodedSequence,
    SleepBackboneMixin,
    SleepStagingHeadMixin,
    SleepStagingPreTrainedModel,
    get_activation,
)

MOUSE_STAGES: dict[int, str] = {0: "Wake", 1: "NREM", 2: "REM"}


class SlumberNetConfig(SleepStagingConfig):
    r"""Configuration of [`SlumberNetForSleepStaging`]: a 2-D ResNet over the EEG and EMG of one 4-s mouse epoch.

    The defaults are the original's: 256 Hz signals downsampled ×4 to 64 Hz (256 samples per epoch, see
    [`hf_sleep.models.sleep_base.preprocessing.slumbernet_preprocess`]), six residual blocks of 8 to 256 filters with kernels 8, 5
    and 3 along time, a seventh block of three kernel-8 convolutions at 256 filters, global average pooling and
    a 3-way classifier (Wake, NREM, REM). Every kernel spans `channel_kernel_size` channels (2: EEG and EMG
    together) with TensorFlow `SAME` padding.

    Args:
        n_chans (`int`, *optional*, defaults to 2):
            Number of input channels (EEG, then EMG).
        sfreq (`float`, *optional*, defaults to 64.0):
            Sampling rate of the input in Hz (256 Hz recordings downsampled ×4).
        epoch_seconds (`float`, *optional*, defaults to 4.0):
            Length of one epoch in seconds (4-s epochs in the original).
        seq_len (`int`, *optional*, defaults to 1):
            Epochs per sample; SlumberNet scores each epoch on its own, so longer sequences are scored epoch by epoch.
        block_filters (`list[int]`, *optional*, defaults to [8, 16, 32, 64, 128, 256]):
            Filters of each residual block (the original starts at 8 and doubles).
        kernel_sizes (`list[int]`, *optional*, defaults to [8, 5, 3]):
            Time kernels of the three convolutions of every residual block.
        final_kernel_size (`int`, *optional*, defaults to 8):
            Time kernel of the three convolutions of the last block (which keeps the last block's width).
        channel_kernel_size (`int`, *optional*, defaults to 2):
            How many channels each kernel spans (the original's `kernel_y`; 1 gives per-channel kernels).
        activation (`str`, *optional*, defaults to `"relu"`):
            Activation after the batch norms and after each residual sum.
        drop_prob (`float`, *optional*, defaults to 0.0):
            Dropout after the first two convolutions of each block and after each residual sum (0 in the
            released models).
        kwargs:
            The shared arguments of [`SleepStagingConfig`] (`id2label` defaults to Wake, NREM, REM, ...).

    Example:

    ```python
    >>> from hf_sleep import SlumberNetConfig
    >>> config = SlumberNetConfig()
    >>> config.n_times, config.stage_names
    (256, ['Wake', 'NREM', 'REM'])
    ```
    """

    model_type = "slumbernet"
    # The input rows the architecture is built around (not saved: a trained model's extractor names its channels).
    default_ch_names = ("EEG", "EMG")
    auto_model_class = "SlumberNetForSleepStaging"
    default_n_chans = 2
    default_sfreq = 64.0
    default_epoch_seconds = 4.0

    def __init__(
        self,
        block_filters: list[int] | None = None,
        kernel_sizes: list[int] | None = None,
        final_kernel_size: int = 8,
        channel_kernel_size: int = 2,
        activation: str = "relu",
        drop_prob: float = 0.0,
        **kwargs: Any,
    ) -> None:
        block_filters = [8, 16, 32, 64, 128, 256] if block_filters is None else list(block_filters)
        kernel_sizes = [8, 5, 3] if kernel_sizes is None else list(kernel_sizes)
        check_activation("activation", activation)
        if not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"drop_prob must be in [0, 1), got {drop_prob}")
        for name, values in (("block_filters", block_filters), ("kernel_sizes", kernel_sizes)):
            if not values or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
                raise ValueError(f"{name} must be a non-empty list of positive integers, got {values!r}")
        if len(kernel_sizes) != 3:
            raise ValueError(
                f"kernel_sizes needs one kernel for each of the 3 convolutions of a block, got {kernel_sizes}"
            )
        for name, value in (
            ("final_kernel_size", final_kernel_size),
            ("channel_kernel_size", channel_kernel_size),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if kwargs.get("id2label") is None and kwargs.get("num_labels") is None:
            kwargs["id2label"] = dict(MOUSE_STAGES)
        self.block_filters = block_filters
        self.kernel_sizes = kernel_sizes
        self.final_kernel_size = final_kernel_size
        self.channel_kernel_size = channel_kernel_size
        self.activation = activation
        self.drop_prob = drop_prob
        super().__init__(**kwargs)

    @property
    def hidden_size(self) -> int:
        """Size of the pooled feature vector of one epoch (the last block's filters)."""
        return self.block_filters[-1]


def _conv_bn(in_channels: int, out_channels: int, kernel: tuple[int, int]) -> nn.Sequential:
    """Keras `Conv2D(padding="same")` (with bias) then `BatchNormalization` (epsilon 1e-3, momentum 0.99).

    TensorFlow's SAME padding puts the odd sample of an even kernel at the bottom/right; padding explicitly
    avoids the copy torch makes for `padding="same"` with even kernels.
    """
    height, width = kernel
    return nn.Sequential(
        nn.ZeroPad2d(((width - 1) // 2, width // 2, (height - 1) // 2, height // 2)),
        nn.Conv2d(in_channels, out_channels, kernel),
        nn.BatchNorm2d(out_channels, eps=1e-3, momentum=0.01),
    )


class SlumberNetResidualBlock(nn.Module):
    """Three conv+BN layers (activation and dropout after the first two) plus a shortcut, summed, dropout, activation.

    The shortcut is a 1-wide convolution + BN when `project_shortcut` (the six widening blocks), else BN only
    (the last block, whose input already has its width).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_sizes: list[int],
        config: SlumberNetConfig,
        project_shortcut: bool,
    ) -> None:
        super().__init__()
        height = config.channel_kernel_size
        self.conv1 = _conv_bn(in_channels, out_channels, (height, kernel_sizes[0]))
        self.conv2 = _conv_bn(out_channels, out_channels, (height, kernel_sizes[1]))
        self.conv3 = _conv_bn(out_channels, out_channels, (height, kernel_sizes[2]))
        # The original's last block has no dropout inside, only after the sum.
        inner_drop = config.drop_prob if project_shortcut else 0.0
        self.dropout1 = nn.Dropout(inner_drop)
        self.dropout2 = nn.Dropout(inner_drop)
        self.activation1 = get_activation(config.activation)
        self.activation2 = get_activation(config.activation)
        if project_shortcut:
            self.shortcut = _conv_bn(in_channels, out_channels, (height, 1))
        else:
            if in_channels != out_channels:
                raise ValueError(f"a BN-only shortcut needs equal widths, got {in_channels} → {out_channels}")
            self.shortcut = nn.BatchNorm2d(out_channels, eps=1e-3, momentum=0.01)
        self.output_dropout = nn.Dropout(config.drop_prob)
        self.output_activation = get_activation(config.activation)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        hidden = self.activation1(self.dropout1(self.conv1(features)))
        hidden = self.activation2(self.dropout2(self.conv2(hidden)))
        hidden = self.conv3(hidden)
        return self.output_activation(self.output_dropout(hidden + self.shortcut(features)))


class SlumberNetPreTrainedModel(SleepStagingPreTrainedModel):
    config_class = SlumberNetConfig
    base_model_prefix = "slumbernet"
    is_sequence_model = False
    # Its convolutions run at the CPU's matrix-product rate; 16 epochs per call rather than 64 keep the
    # feature maps in cache (about 18 % faster on one thread, `bench/macs.py`).
    cpu_embed_batch = 16


class SlumberNetModel(SleepBackboneMixin, SlumberNetPreTrainedModel):
    """The SlumberNet backbone: residual blocks and global average pooling, one vector per epoch.

    Epochs of a sequence are encoded independently; `last_hidden_state` is `(batch, seq_len, block_filters[-1])`.
    """

    def __init__(self, config: SlumberNetConfig) -> None:
        super().__init__(config)
        blocks = []
        in_channels = 1
        for filters in config.block_filters:
            blocks.append(SlumberNetResidualBlock(in_channels, filters, config.kernel_sizes, config, True))
            in_channels = filters
        final_kernels = [config.final_kernel_size] * 3
        blocks.append(SlumberNetResidualBlock(in_channels, in_channels, final_kernels, config, False))
        self.blocks = nn.ModuleList(blocks)
        self.post_init()

    def encode(self, epochs: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """`(n, n_chans, n_times) -> (n, hidden_size)` plus every block's feature map `(n, filters, n_chans, n_times)`."""
        features = epochs.unsqueeze(1)  # one input plane: rows are channels, columns are samples
        maps = []
        for block in self.blocks:
            features = block(features)
            maps.append(features)
        return features.mean(dim=(2, 3)), tuple(maps)

    def encode_sequence(self, sequence: torch.Tensor) -> EncodedSequence:
        pooled, maps = self.encode_each_epoch(sequence, self.encode)
        return pooled, pooled, (*maps, pooled)


class SlumberNetForSleepStaging(SleepStagingHeadMixin, SlumberNetPreTrainedModel):
    """SlumberNet with its classifier: `(batch, n_chans, n_times)` → `(batch, num_labels)` (Wake, NREM, REM).

    A 4-D `(batch, seq_len, n_chans, n_times)` input is scored epoch by epoch. The input channels are EEG and
    EMG as two rows of one plane (see the module docstring for how this differs from the original's reshape).

    Example:

    ```python
    >>> import torch
    >>> from hf_sleep import SlumberNetConfig, SlumberNetForSleepStaging
    >>> model = SlumberNetForSleepStaging(SlumberNetConfig()).eval()
    >>> model(torch.randn(8, 2, 256)).logits.shape
    torch.Size([8, 3])
    ```
    """

    def __init__(self, config: SlumberNetConfig) -> None:
        super().__init__(config)
        self.slumbernet = SlumberNetModel(config)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def get_encoder(self) -> nn.Module:
        """The residual blocks (with the pooling in `encode`)."""
        return self.slumbernet

    def embed_epochs(self, epochs: torch.Tensor) -> torch.Tensor:
        return self.slumbernet.encode(epochs)[0]

    def stage_sequences(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.classifier(embeddings)
