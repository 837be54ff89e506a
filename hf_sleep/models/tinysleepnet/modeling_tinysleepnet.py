"""TinySleepNet (Supratak & Guo 2020), faithful to akaraspt/tinysleepnet.

One CNN per 30-s epoch (conv 50/6 with 128 filters, pool 8, dropout, 3 × conv 8, pool 4, dropout), then one
unidirectional LSTM of 128 units over the epochs of a sequence, a dropout and a linear layer per epoch.
"""

from __future__ import annotations

import torch
from torch import nn

from hf_sleep.models.sleep_base.modeling_sleep_base import (
    SleepConvBranch,
    SleepEncoderOutput,
    SleepStagingOutput,
    SleepStagingPreTrainedModel,
)

from .configuration_tinysleepnet import TinySleepNetConfig


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


class TinySleepNetModel(TinySleepNetPreTrainedModel):
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

    def forward(
        self,
        input_values: torch.Tensor,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepEncoderOutput | tuple:
        sequence, _ = self.split_input(input_values)
        batch, seq_len, n_chans, n_times = sequence.shape
        epoch_features, feature_map = self.epoch_encoder(sequence.reshape(batch * seq_len, n_chans, n_times))
        epoch_features = epoch_features.reshape(batch, seq_len, -1)
        recurrent, _ = self.lstm(epoch_features)
        last_hidden_state = self.dropout(recurrent)
        output_hidden_states = (
            output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        )
        hidden_states = (feature_map, epoch_features, last_hidden_state) if output_hidden_states else None
        if return_dict is False:
            return tuple(v for v in (last_hidden_state, epoch_features, hidden_states) if v is not None)
        return SleepEncoderOutput(
            last_hidden_state=last_hidden_state, epoch_embeddings=epoch_features, hidden_states=hidden_states
        )


class TinySleepNetForSleepStaging(TinySleepNetPreTrainedModel):
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

    def forward(
        self,
        input_values: torch.Tensor,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepStagingOutput | tuple:
        _, squeeze = self.split_input(input_values)
        encoded = self.tinysleepnet(input_values, output_hidden_states=output_hidden_states, return_dict=True)
        logits = self.classifier(encoded.last_hidden_state)
        return self.staging_output(logits, labels, squeeze, encoded.hidden_states, return_dict)
