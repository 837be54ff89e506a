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

import torch
from torch import nn

from hf_sleep.models.sleep_base.modeling_sleep_base import (
    SleepEncoderOutput,
    SleepStagingOutput,
    SleepStagingPreTrainedModel,
    get_activation,
)

from .configuration_slumbernet import SlumberNetConfig


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


class SlumberNetModel(SlumberNetPreTrainedModel):
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

    def forward(
        self,
        input_values: torch.Tensor,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepEncoderOutput | tuple:
        sequence, _ = self.split_input(input_values)
        batch, seq_len, n_chans, n_times = sequence.shape
        pooled, maps = self.encode(sequence.reshape(batch * seq_len, n_chans, n_times))
        last_hidden_state = pooled.reshape(batch, seq_len, -1)
        output_hidden_states = (
            output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        )
        hidden_states = (*maps, last_hidden_state) if output_hidden_states else None
        if return_dict is False:
            return tuple(v for v in (last_hidden_state, last_hidden_state, hidden_states) if v is not None)
        return SleepEncoderOutput(
            last_hidden_state=last_hidden_state,
            epoch_embeddings=last_hidden_state,
            hidden_states=hidden_states,
        )


class SlumberNetForSleepStaging(SlumberNetPreTrainedModel):
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

    def forward(
        self,
        input_values: torch.Tensor,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepStagingOutput | tuple:
        _, squeeze = self.split_input(input_values)
        encoded = self.slumbernet(input_values, output_hidden_states=output_hidden_states, return_dict=True)
        logits = self.classifier(encoded.last_hidden_state)
        return self.staging_output(logits, labels, squeeze, encoded.hidden_states, return_dict)
