"""DeepSleepNet (Supratak, Dong, Wu & Guo 2017), faithful to the paper and akaraspt/deepsleepnet.

Representation learning: two CNN branches per 30-s epoch (small filters see timing, large filters see
frequency). Sequence residual learning: an FC shortcut (1024 units, batch norm, ReLU) added to a
bidirectional LSTM over the epochs of a sequence. Each LSTM direction is its own 2-layer stack, so the
second forward layer reads the 512 outputs of the first forward layer (not the 1024 of both directions,
which is what `nn.LSTM(bidirectional=True, num_layers=2)` would compute).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hf_sleep.models.sleep_base.configuration_sleep_base import (
    SleepStagingConfig,
    check_activation,
    check_padding,
    conv_output_width,
)
from hf_sleep.models.sleep_base.modeling_sleep_base import (
    EncodedSequence,
    SleepBackboneMixin,
    SleepConvBranch,
    SleepStagingHeadMixin,
    SleepStagingPreTrainedModel,
)


class DeepSleepNetConfig(SleepStagingConfig):
    r"""Configuration of [`DeepSleepNetForSleepStaging`]: two CNN branches per epoch, then sequence residual
    learning with a bidirectional LSTM over `seq_len` epochs.

    The CNN arguments carry the names and defaults of braindecode's `DeepSleepNet`, so a braindecode user
    reads them as before. The defaults are the paper's for 100 Hz input (small filters Fs/2 with stride Fs/16,
    large filters 4·Fs with stride Fs/2); the paddings are TensorFlow's `SAME` paddings of the original code
    for a 3000-sample epoch, side by side (2048 + 1024 features). A padding is an int (both sides) or a
    `[left, right]` pair: `SAME` puts an odd sample on the right. Batch norm uses the original's epsilon
    1e-5 (PyTorch's default); the original's moving-average decay 0.999 would be PyTorch's `momentum=0.001`,
    ours keeps PyTorch's 0.1.

    Args:
        n_chans (`int`, *optional*, defaults to 1):
            Number of input channels (the paper uses one EEG derivation, Fpz-Cz).
        sfreq (`float`, *optional*, defaults to 100.0):
            Sampling rate of the input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one epoch in seconds.
        seq_len (`int`, *optional*, defaults to 25):
            Epochs per training sequence (25 in the paper).
        activation_large (`str`, *optional*, defaults to `"elu"`):
            Activation of the large-filter branch. braindecode's default; the original code uses `"relu"`.
        activation_small (`str`, *optional*, defaults to `"relu"`):
            Activation of the small-filter branch.
        drop_prob (`float`, *optional*, defaults to 0.5):
            Dropout probability used throughout the network.
        bilstm_hidden_size (`int`, *optional*, defaults to 512):
            Units per direction of the bidirectional LSTM; the shortcut FC has `2 * bilstm_hidden_size` units.
        bilstm_num_layers (`int`, *optional*, defaults to 2):
            Layers of each direction's LSTM stack (each direction is its own stack, as in the original).
        small_n_filters_1 (`int`, *optional*, defaults to 64):
            Filters of the first convolution of the small-filter branch.
        small_n_filters_2 (`int`, *optional*, defaults to 128):
            Filters of the three deep convolutions of the small-filter branch.
        small_first_kernel_size (`int`, *optional*, defaults to 50):
            Kernel of the first small-branch convolution (Fs/2 samples).
        small_first_stride (`int`, *optional*, defaults to 6):
            Stride of the first small-branch convolution (Fs/16 samples).
        small_first_padding (`int` or `list[int]`, *optional*, defaults to 22):
            Zero padding of the first small-branch convolution. Both sides, or `[left, right]`.
        small_pool1_kernel_size (`int`, *optional*, defaults to 8):
            Kernel of the first small-branch max-pooling.
        small_pool1_stride (`int`, *optional*, defaults to 8):
            Stride of the first small-branch max-pooling.
        small_pool1_padding (`int` or `list[int]`, *optional*, defaults to 2):
            Padding of the first small-branch max-pooling. Both sides, or `[left, right]`.
        small_deep_kernel_size (`int`, *optional*, defaults to 8):
            Kernel of the three deep small-branch convolutions ("same" padding).
        small_pool2_kernel_size (`int`, *optional*, defaults to 4):
            Kernel of the second small-branch max-pooling.
        small_pool2_stride (`int`, *optional*, defaults to 4):
            Stride of the second small-branch max-pooling.
        small_pool2_padding (`int` or `list[int]`, *optional*, defaults to `(0, 1)`):
            Padding of the second small-branch max-pooling.
            TensorFlow's `SAME` pads on the right only (configs saved before this default keep their 1).
        large_n_filters_1 (`int`, *optional*, defaults to 64):
            Filters of the first convolution of the large-filter branch.
        large_n_filters_2 (`int`, *optional*, defaults to 128):
            Filters of the three deep convolutions of the large-filter branch.
        large_first_kernel_size (`int`, *optional*, defaults to 400):
            Kernel of the first large-branch convolution (4·Fs samples).
        large_first_stride (`int`, *optional*, defaults to 50):
            Stride of the first large-branch convolution (Fs/2 samples).
        large_first_padding (`int` or `list[int]`, *optional*, defaults to 175):
            Zero padding of the first large-branch convolution. Both sides, or `[left, right]`.
        large_pool1_kernel_size (`int`, *optional*, defaults to 4):
            Kernel of the first large-branch max-pooling.
        large_pool1_stride (`int`, *optional*, defaults to 4):
            Stride of the first large-branch max-pooling.
        large_pool1_padding (`int` or `list[int]`, *optional*, defaults to 0):
            Padding of the first large-branch max-pooling. Both sides, or `[left, right]`.
        large_deep_kernel_size (`int`, *optional*, defaults to 6):
            Kernel of the three deep large-branch convolutions ("same" padding).
        large_pool2_kernel_size (`int`, *optional*, defaults to 2):
            Kernel of the second large-branch max-pooling.
        large_pool2_stride (`int`, *optional*, defaults to 2):
            Stride of the second large-branch max-pooling.
        large_pool2_padding (`int` or `list[int]`, *optional*, defaults to `(0, 1)`):
            Padding of the second large-branch max-pooling.
            TensorFlow's `SAME` pads on the right only (configs saved before this default keep their 1).
        kwargs:
            The shared arguments of [`SleepStagingConfig`] (`class_weights`, `id2label`, ...).

    Example:

    ```python
    >>> from hf_sleep import DeepSleepNetConfig, DeepSleepNetForSleepStaging
    >>> model = DeepSleepNetForSleepStaging(DeepSleepNetConfig())
    >>> model.config.n_times
    3000
    ```
    """

    model_type = "deepsleepnet"
    auto_model_class = "DeepSleepNetForSleepStaging"
    default_seq_len = 25

    def __init__(
        self,
        activation_large: str = "elu",
        activation_small: str = "relu",
        drop_prob: float = 0.5,
        bilstm_hidden_size: int = 512,
        bilstm_num_layers: int = 2,
        small_n_filters_1: int = 64,
        small_n_filters_2: int = 128,
        small_first_kernel_size: int = 50,
        small_first_stride: int = 6,
        small_first_padding: int | list[int] = 22,
        small_pool1_kernel_size: int = 8,
        small_pool1_stride: int = 8,
        small_pool1_padding: int | list[int] = 2,
        small_deep_kernel_size: int = 8,
        small_pool2_kernel_size: int = 4,
        small_pool2_stride: int = 4,
        small_pool2_padding: int | list[int] = (0, 1),
        large_n_filters_1: int = 64,
        large_n_filters_2: int = 128,
        large_first_kernel_size: int = 400,
        large_first_stride: int = 50,
        large_first_padding: int | list[int] = 175,
        large_pool1_kernel_size: int = 4,
        large_pool1_stride: int = 4,
        large_pool1_padding: int | list[int] = 0,
        large_deep_kernel_size: int = 6,
        large_pool2_kernel_size: int = 2,
        large_pool2_stride: int = 2,
        large_pool2_padding: int | list[int] = (0, 1),
        **kwargs: Any,
    ) -> None:
        check_activation("activation_large", activation_large)
        check_activation("activation_small", activation_small)
        if not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"drop_prob must be in [0, 1), got {drop_prob}")
        for name, value in (("bilstm_hidden_size", bilstm_hidden_size), ("bilstm_num_layers", bilstm_num_layers)):
            if value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}")
        self.activation_large = activation_large
        self.activation_small = activation_small
        self.drop_prob = drop_prob
        self.bilstm_hidden_size = bilstm_hidden_size
        self.bilstm_num_layers = bilstm_num_layers
        self.small_n_filters_1 = small_n_filters_1
        self.small_n_filters_2 = small_n_filters_2
        self.small_first_kernel_size = small_first_kernel_size
        self.small_first_stride = small_first_stride
        self.small_first_padding = check_padding("small_first_padding", small_first_padding)
        self.small_pool1_kernel_size = small_pool1_kernel_size
        self.small_pool1_stride = small_pool1_stride
        self.small_pool1_padding = check_padding("small_pool1_padding", small_pool1_padding)
        self.small_deep_kernel_size = small_deep_kernel_size
        self.small_pool2_kernel_size = small_pool2_kernel_size
        self.small_pool2_stride = small_pool2_stride
        self.small_pool2_padding = check_padding("small_pool2_padding", small_pool2_padding)
        self.large_n_filters_1 = large_n_filters_1
        self.large_n_filters_2 = large_n_filters_2
        self.large_first_kernel_size = large_first_kernel_size
        self.large_first_stride = large_first_stride
        self.large_first_padding = check_padding("large_first_padding", large_first_padding)
        self.large_pool1_kernel_size = large_pool1_kernel_size
        self.large_pool1_stride = large_pool1_stride
        self.large_pool1_padding = check_padding("large_pool1_padding", large_pool1_padding)
        self.large_deep_kernel_size = large_deep_kernel_size
        self.large_pool2_kernel_size = large_pool2_kernel_size
        self.large_pool2_stride = large_pool2_stride
        self.large_pool2_padding = check_padding("large_pool2_padding", large_pool2_padding)
        super().__init__(**kwargs)
        if min(self.branch_widths) < 1:
            raise ValueError(
                f"an epoch of {self.n_times} samples is too short for the CNN branches "
                f"(output widths small={self.branch_widths[0]}, large={self.branch_widths[1]}); "
                "use longer epochs, a higher sfreq or smaller kernels/strides"
            )

    @property
    def branch_widths(self) -> tuple[int, int]:
        """Output width (samples) of the small and large CNN branch for one epoch."""

        small = conv_output_width(
            self.n_times, self.small_first_kernel_size, self.small_first_stride, self.small_first_padding
        )
        small = conv_output_width(small, self.small_pool1_kernel_size, self.small_pool1_stride, self.small_pool1_padding)
        small = conv_output_width(small, self.small_pool2_kernel_size, self.small_pool2_stride, self.small_pool2_padding)
        large = conv_output_width(
            self.n_times, self.large_first_kernel_size, self.large_first_stride, self.large_first_padding
        )
        large = conv_output_width(large, self.large_pool1_kernel_size, self.large_pool1_stride, self.large_pool1_padding)
        large = conv_output_width(large, self.large_pool2_kernel_size, self.large_pool2_stride, self.large_pool2_padding)
        return small, large

    @property
    def epoch_feature_size(self) -> int:
        """Length of the concatenated CNN features of one epoch (3072 for the paper's setup)."""
        small, large = self.branch_widths
        return self.n_chans * (self.small_n_filters_2 * small + self.large_n_filters_2 * large)


class DeepSleepNetEpochEncoder(nn.Module):
    """Both CNN branches applied to every channel of every epoch, concatenated: `(n, n_chans, n_times) -> (n, features)`."""

    def __init__(self, config: DeepSleepNetConfig) -> None:
        super().__init__()
        self.small_branch = SleepConvBranch(
            config.small_n_filters_1,
            config.small_n_filters_2,
            config.small_first_kernel_size,
            config.small_first_stride,
            config.small_first_padding,
            (config.small_pool1_kernel_size, config.small_pool1_stride, config.small_pool1_padding),
            config.small_deep_kernel_size,
            (config.small_pool2_kernel_size, config.small_pool2_stride, config.small_pool2_padding),
            config.activation_small,
            config.drop_prob,
        )
        self.large_branch = SleepConvBranch(
            config.large_n_filters_1,
            config.large_n_filters_2,
            config.large_first_kernel_size,
            config.large_first_stride,
            config.large_first_padding,
            (config.large_pool1_kernel_size, config.large_pool1_stride, config.large_pool1_padding),
            config.large_deep_kernel_size,
            (config.large_pool2_kernel_size, config.large_pool2_stride, config.large_pool2_padding),
            config.activation_large,
            config.drop_prob,
        )
        self.dropout = nn.Dropout(config.drop_prob)

    def forward(self, epochs: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        n_epochs, n_chans, n_times = epochs.shape
        # Channels share the branch weights, as braindecode's (1, k) kernels over a channel axis do.
        single_channel = epochs.reshape(n_epochs * n_chans, 1, n_times)
        small = self.small_branch(single_channel)
        large = self.large_branch(single_channel)
        features = torch.cat((small.reshape(n_epochs, -1), large.reshape(n_epochs, -1)), dim=1)
        return self.dropout(features), (small, large)


class DeepSleepNetSequenceBlock(nn.Module):
    """Sequence residual learning: `shortcut(x) + [forward LSTM stack(x), backward LSTM stack(x)]`."""

    def __init__(self, config: DeepSleepNetConfig) -> None:
        super().__init__()
        hidden = config.bilstm_hidden_size
        features = config.epoch_feature_size
        self.shortcut = nn.Sequential(
            nn.Linear(features, 2 * hidden, bias=False), nn.BatchNorm1d(2 * hidden), nn.ReLU()
        )
        between_layers = config.drop_prob if config.bilstm_num_layers > 1 else 0.0
        self.forward_lstm = nn.LSTM(
            features, hidden, num_layers=config.bilstm_num_layers, batch_first=True, dropout=between_layers
        )
        self.backward_lstm = nn.LSTM(
            features, hidden, num_layers=config.bilstm_num_layers, batch_first=True, dropout=between_layers
        )
        self.dropout = nn.Dropout(config.drop_prob)

    def forward(self, sequence: torch.Tensor) -> torch.Tensor:
        batch, seq_len, features = sequence.shape
        shortcut = self.shortcut(sequence.reshape(batch * seq_len, features)).reshape(batch, seq_len, -1)
        forward_out, _ = self.forward_lstm(sequence)
        backward_out, _ = self.backward_lstm(sequence.flip(1))
        recurrent = torch.cat((forward_out, backward_out.flip(1)), dim=-1)
        return self.dropout(recurrent + shortcut)

    def forward_night(self, night: torch.Tensor, chunk: int) -> torch.Tensor:
        """A whole night as the original evaluates it: consecutive chunks of `chunk` epochs, each LSTM's state
        carried from one chunk into the next. `(n_epochs, features) -> (n_epochs, 2 * hidden)`.

        Carrying the forward state over chunks is one forward pass over the night; the backward LSTM reads each
        chunk in reverse, starting from the state it ended the previous chunk in (akaraspt/deepsleepnet
        `predict.py`, `custom_run_epoch`). The last chunk may be shorter (the original leaves those epochs out).
        """
        shortcut = self.shortcut(night)
        forward_out, _ = self.forward_lstm(night[None])
        backward_parts, state = [], None
        for start in range(0, night.shape[0], chunk):
            part, state = self.backward_lstm(night[None, start : start + chunk].flip(1), state)
            backward_parts.append(part.flip(1))
        recurrent = torch.cat((forward_out, torch.cat(backward_parts, dim=1)), dim=-1)[0]
        return self.dropout(recurrent + shortcut)


class DeepSleepNetPreTrainedModel(SleepStagingPreTrainedModel):
    config_class = DeepSleepNetConfig
    base_model_prefix = "deepsleepnet"
    is_sequence_model = True


class DeepSleepNetModel(SleepBackboneMixin, DeepSleepNetPreTrainedModel):
    """The DeepSleepNet backbone: per-epoch CNN features, then sequence residual learning (no classifier)."""

    def __init__(self, config: DeepSleepNetConfig) -> None:
        super().__init__(config)
        self.epoch_encoder = DeepSleepNetEpochEncoder(config)
        self.sequence_block = DeepSleepNetSequenceBlock(config)
        self.post_init()

    def encode_sequence(self, sequence: torch.Tensor) -> EncodedSequence:
        epoch_features, branch_maps = self.encode_each_epoch(sequence, self.epoch_encoder)
        last_hidden_state = self.sequence_block(epoch_features)
        return last_hidden_state, epoch_features, (*branch_maps, epoch_features, last_hidden_state)


class DeepSleepNetForSleepStaging(SleepStagingHeadMixin, DeepSleepNetPreTrainedModel):
    """DeepSleepNet with its softmax layer: `(batch, seq_len, n_chans, n_times)` → `(batch, seq_len, num_labels)`.

    Example:

    ```python
    >>> import torch
    >>> from hf_sleep import DeepSleepNetConfig, DeepSleepNetForSleepStaging
    >>> model = DeepSleepNetForSleepStaging(DeepSleepNetConfig(seq_len=4)).eval()
    >>> model(torch.randn(2, 4, 1, 3000)).logits.shape
    torch.Size([2, 4, 5])
    ```
    """

    def __init__(self, config: DeepSleepNetConfig) -> None:
        super().__init__(config)
        self.deepsleepnet = DeepSleepNetModel(config)
        self.classifier = nn.Linear(2 * config.bilstm_hidden_size, config.num_labels)
        self.post_init()

    def get_encoder(self) -> nn.Module:
        """The per-epoch CNN, the part DeepSleepNet's first training phase pre-trains."""
        return self.deepsleepnet.epoch_encoder

    def embed_epochs(self, epochs: torch.Tensor) -> torch.Tensor:
        return self.deepsleepnet.epoch_encoder(epochs)[0]

    def stage_sequences(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.deepsleepnet.sequence_block(embeddings))

    def stage_night(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Logits of every epoch of a night in one pass, as the original scores a night: `seq_len`-epoch chunks
        with the LSTM states carried over (see `DeepSleepNetSequenceBlock.forward_night`).
        `(n_epochs, epoch_feature_size) -> (n_epochs, num_labels)`; per-epoch features from `embed_epochs`."""
        return self.classifier(self.deepsleepnet.sequence_block.forward_night(embeddings, self.config.seq_len))
