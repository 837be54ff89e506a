"""TinySleepNet (Supratak & Guo 2020), faithful to akaraspt/tinysleepnet.

One CNN per 30-s epoch (conv 50/6 with 128 filters, pool 8, dropout, 3 × conv 8, pool 4, dropout), then one
unidirectional LSTM of 128 units over the epochs of a sequence, a dropout and a linear layer per epoch.
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


class TinySleepNetConfig(SleepStagingConfig):
    r"""Configuration of [`TinySleepNetForSleepStaging`]: one CNN per epoch, then a unidirectional LSTM over
    `seq_len` epochs.

    The defaults are the original's for 100 Hz input; the paddings are TensorFlow's `SAME` paddings of the
    original code, side by side (500 → 63 → 16 samples, 16 × 128 = 2048 features per epoch). A padding is an
    int (both sides) or a `[left, right]` pair: `SAME` puts an odd sample on the right.

    Args:
        n_chans (`int`, *optional*, defaults to 1):
            Number of input channels (the paper uses one EEG derivation, Fpz-Cz).
        sfreq (`float`, *optional*, defaults to 100.0):
            Sampling rate of the input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one epoch in seconds.
        seq_len (`int`, *optional*, defaults to 20):
            Epochs per training sequence (20 in the released code, 15 in the paper).
        n_filters (`int`, *optional*, defaults to 128):
            Filters of every convolution.
        first_kernel_size (`int`, *optional*, defaults to 50):
            Kernel of the first convolution (Fs/2 samples).
        first_stride (`int`, *optional*, defaults to 6):
            Stride of the first convolution (Fs/16 samples).
        first_padding (`int` or `list[int]`, *optional*, defaults to 22):
            Zero padding of the first convolution (both sides, or `[left, right]`).
        pool1_kernel_size (`int`, *optional*, defaults to 8):
            Kernel of the first max-pooling.
        pool1_stride (`int`, *optional*, defaults to 8):
            Stride of the first max-pooling.
        pool1_padding (`int` or `list[int]`, *optional*, defaults to 2):
            Padding of the first max-pooling (both sides, or `[left, right]`; padding never wins the max).
        deep_kernel_size (`int`, *optional*, defaults to 8):
            Kernel of the three deep convolutions ("same" padding).
        pool2_kernel_size (`int`, *optional*, defaults to 4):
            Kernel of the second max-pooling.
        pool2_stride (`int`, *optional*, defaults to 4):
            Stride of the second max-pooling.
        pool2_padding (`int` or `list[int]`, *optional*, defaults to `(0, 1)`):
            Padding of the second max-pooling (both sides, or `[left, right]`). TensorFlow's `SAME` pads the
            63-sample map on the right only (configs saved before this default keep their 1).
        activation (`str`, *optional*, defaults to `"relu"`):
            Activation after every batch norm.
        drop_prob (`float`, *optional*, defaults to 0.5):
            Dropout after each pooling stage and after the LSTM.
        lstm_hidden_size (`int`, *optional*, defaults to 128):
            Units of the LSTM.
        lstm_num_layers (`int`, *optional*, defaults to 1):
            Stacked LSTM layers.
        batch_norm_eps (`float`, *optional*, defaults to 0.001):
            Epsilon of every batch norm: the original's `tf.layers.batch_normalization` uses 1e-3 (PyTorch's
            default is 1e-5). Its momentum 0.99 is PyTorch's `momentum=0.01`; ours keeps PyTorch's 0.1.
        kwargs:
            The shared arguments of [`SleepStagingConfig`] (`class_weights`, `id2label`, ...).

    Example:

    ```python
    >>> from hf_sleep import TinySleepNetConfig
    >>> TinySleepNetConfig(seq_len=15).epoch_feature_size
    2048
    ```
    """

    model_type = "tinysleepnet"
    auto_model_class = "TinySleepNetForSleepStaging"
    default_seq_len = 20

    def __init__(
        self,
        n_filters: int = 128,
        first_kernel_size: int = 50,
        first_stride: int = 6,
        first_padding: int | list[int] = 22,
        pool1_kernel_size: int = 8,
        pool1_stride: int = 8,
        pool1_padding: int | list[int] = 2,
        deep_kernel_size: int = 8,
        pool2_kernel_size: int = 4,
        pool2_stride: int = 4,
        pool2_padding: int | list[int] = (0, 1),
        activation: str = "relu",
        drop_prob: float = 0.5,
        lstm_hidden_size: int = 128,
        lstm_num_layers: int = 1,
        batch_norm_eps: float = 1e-3,
        **kwargs: Any,
    ) -> None:
        check_activation("activation", activation)
        if not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"drop_prob must be in [0, 1), got {drop_prob}")
        for name, value in (("lstm_hidden_size", lstm_hidden_size), ("lstm_num_layers", lstm_num_layers)):
            if value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}")
        if not batch_norm_eps > 0:
            raise ValueError(f"batch_norm_eps must be a positive number, got {batch_norm_eps}")
        self.n_filters = n_filters
        self.first_kernel_size = first_kernel_size
        self.first_stride = first_stride
        self.first_padding = check_padding("first_padding", first_padding)
        self.pool1_kernel_size = pool1_kernel_size
        self.pool1_stride = pool1_stride
        self.pool1_padding = check_padding("pool1_padding", pool1_padding)
        self.deep_kernel_size = deep_kernel_size
        self.pool2_kernel_size = pool2_kernel_size
        self.pool2_stride = pool2_stride
        self.pool2_padding = check_padding("pool2_padding", pool2_padding)
        self.activation = activation
        self.drop_prob = drop_prob
        self.lstm_hidden_size = lstm_hidden_size
        self.lstm_num_layers = lstm_num_layers
        self.batch_norm_eps = batch_norm_eps
        super().__init__(**kwargs)
        if self.cnn_width < 1:
            raise ValueError(
                f"an epoch of {self.n_times} samples is too short for the CNN (output width {self.cnn_width}); "
                "use longer epochs, a higher sfreq or smaller kernels/strides"
            )

    @property
    def cnn_width(self) -> int:
        """Output width (samples) of the CNN for one epoch."""
        width = conv_output_width(self.n_times, self.first_kernel_size, self.first_stride, self.first_padding)
        width = conv_output_width(width, self.pool1_kernel_size, self.pool1_stride, self.pool1_padding)
        return conv_output_width(width, self.pool2_kernel_size, self.pool2_stride, self.pool2_padding)

    @property
    def epoch_feature_size(self) -> int:
        """Length of the flattened CNN features of one epoch (2048 for the paper's setup)."""
        return self.n_chans * self.n_filters * self.cnn_width


class TinySleepNetEpochEncoder(nn.Module):
    """The CNN applied to every channel of every epoch: `(n, n_chans, n_times) -> (n, features)`."""

    def __init__(self, config: TinySleepNetConfig) -> None:
        super().__init__()
        self.cnn = SleepConvBranch(
            config.n_filters,
            config.n_filters,
            config.first_kernel_size,
            config.first_stride,
            config.first_padding,
            (config.pool1_kernel_size, config.pool1_stride, config.pool1_padding),
            config.deep_kernel_size,
            (config.pool2_kernel_size, config.pool2_stride, config.pool2_padding),
            config.activation,
            config.drop_prob,
            config.batch_norm_eps,
        )
        self.dropout = nn.Dropout(config.drop_prob)

    def forward(self, epochs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n_epochs, n_chans, n_times = epochs.shape
        feature_map = self.cnn(epochs.reshape(n_epochs * n_chans, 1, n_times))
        return self.dropout(feature_map.reshape(n_epochs, -1)), feature_map


class TinySleepNetPreTrainedModel(SleepStagingPreTrainedModel):
    config_class = TinySleepNetConfig
    base_model_prefix = "tinysleepnet"
    is_sequence_model = True


class TinySleepNetModel(SleepBackboneMixin, TinySleepNetPreTrainedModel):
    """The TinySleepNet backbone: per-epoch CNN features, then the LSTM (no classifier)."""

    def __init__(self, config: TinySleepNetConfig) -> None:
        super().__init__(config)
        self.epoch_encoder = TinySleepNetEpochEncoder(config)
        self.lstm = nn.LSTM(
            config.epoch_feature_size,
            config.lstm_hidden_size,
            num_layers=config.lstm_num_layers,
            batch_first=True,
            dropout=config.drop_prob if config.lstm_num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(config.drop_prob)
        self.post_init()

    def encode_sequence(self, sequence: torch.Tensor) -> EncodedSequence:
        epoch_features, feature_map = self.encode_each_epoch(sequence, self.epoch_encoder)
        recurrent, _ = self.lstm(epoch_features)
        last_hidden_state = self.dropout(recurrent)
        return last_hidden_state, epoch_features, (feature_map, epoch_features, last_hidden_state)


class TinySleepNetForSleepStaging(SleepStagingHeadMixin, TinySleepNetPreTrainedModel):
    """TinySleepNet with its softmax layer: `(batch, seq_len, n_chans, n_times)` → `(batch, seq_len, num_labels)`.

    Example:

    ```python
    >>> import torch
    >>> from hf_sleep import TinySleepNetConfig, TinySleepNetForSleepStaging
    >>> model = TinySleepNetForSleepStaging(TinySleepNetConfig()).eval()
    >>> model(torch.randn(2, 20, 1, 3000)).logits.shape
    torch.Size([2, 20, 5])
    ```
    """

    # The unrolled recurrence costs a few operations per step whatever the batch: large batches (42 MB of
    # gate inputs at most) keep the operations, and the threads' synchronisations, few.
    stage_windows_batch = 1024

    def __init__(self, config: TinySleepNetConfig) -> None:
        super().__init__(config)
        self.tinysleepnet = TinySleepNetModel(config)
        self.classifier = nn.Linear(config.lstm_hidden_size, config.num_labels)
        self.post_init()

    def get_encoder(self) -> nn.Module:
        """The per-epoch CNN."""
        return self.tinysleepnet.epoch_encoder

    def embed_epochs(self, epochs: torch.Tensor) -> torch.Tensor:
        return self.tinysleepnet.epoch_encoder(epochs)[0]

    def stage_sequences(self, embeddings: torch.Tensor) -> torch.Tensor:
        recurrent, _ = self.tinysleepnet.lstm(embeddings)
        return self.classifier(self.tinysleepnet.dropout(recurrent))

    def stage_windows(self, embeddings: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Overlapping windows with the LSTM's input projection computed once per epoch.

        With stride 1 every epoch sits in `seq_len` windows; `nn.LSTM` would project its 2,048 features
        into the gates once per window, by far the largest cost of the sequence part. Here the projection
        (both biases included) runs once per epoch of the batch, and the recurrence is unrolled over the
        window with the gates reordered to (input, forget, output | cell) so that each step is one matrix
        product and three activations: the same arithmetic as `nn.LSTM` up to float rounding (differences
        of order 1e-6). Used without gradients (`predict_night` runs under `torch.inference_mode`).
        """
        lstm = self.tinysleepnet.lstm
        # Inference only (in-place steps, no autograd); training and gradients take `nn.LSTM`.
        if (
            self.training
            or torch.is_grad_enabled()
            or lstm.num_layers != 1
            or lstm.bidirectional
            or lstm.proj_size
        ):
            return super().stage_windows(embeddings, index)
        size = lstm.hidden_size
        order = torch.cat(
            [torch.arange(2 * size), torch.arange(3 * size, 4 * size), torch.arange(2 * size, 3 * size)]
        ).to(embeddings.device)
        first, last = int(index.min()), int(index.max()) + 1
        projected = nn.functional.linear(
            embeddings[first:last], lstm.weight_ih_l0, lstm.bias_ih_l0 + lstm.bias_hh_l0
        )[:, order]
        gates_in = projected[index - first]  # (batch, window, 4 * hidden)
        recurrent_weight = lstm.weight_hh_l0[order].t()
        batch, window = index.shape
        hidden = gates_in.new_zeros(batch, size)
        cell = gates_in.new_zeros(batch, size)
        outputs = gates_in.new_empty(batch, window, size)
        for step in range(window):
            gates = torch.addmm(gates_in[:, step], hidden, recurrent_weight)
            sigmoids = gates[:, : 3 * size].sigmoid_()
            cell = torch.addcmul(
                sigmoids[:, size : 2 * size] * cell, sigmoids[:, :size], gates[:, 3 * size :].tanh_()
            )
            hidden = torch.mul(sigmoids[:, 2 * size :], cell.tanh(), out=outputs[:, step])
        return self.classifier(self.tinysleepnet.dropout(outputs))
