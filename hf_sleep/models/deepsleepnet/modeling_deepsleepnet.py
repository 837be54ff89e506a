"""DeepSleepNet (Supratak, Dong, Wu & Guo 2017), faithful to the paper and akaraspt/deepsleepnet.

Representation learning: two CNN branches per 30-s epoch (small filters see timing, large filters see
frequency). Sequence residual learning: an FC shortcut (1024 units, batch norm, ReLU) added to a
bidirectional LSTM over the epochs of a sequence. Each LSTM direction is its own 2-layer stack, so the
second forward layer reads the 512 outputs of the first forward layer (not the 1024 of both directions,
which is what `nn.LSTM(bidirectional=True, num_layers=2)` would compute).
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

from .configuration_deepsleepnet import DeepSleepNetConfig


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


class DeepSleepNetModel(DeepSleepNetPreTrainedModel):
    """The DeepSleepNet backbone: per-epoch CNN features, then sequence residual learning (no classifier)."""

    def __init__(self, config: DeepSleepNetConfig) -> None:
        super().__init__(config)
        self.epoch_encoder = DeepSleepNetEpochEncoder(config)
        self.sequence_block = DeepSleepNetSequenceBlock(config)
        self.post_init()

    def forward(
        self,
        input_values: torch.Tensor,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepEncoderOutput | tuple:
        sequence, _ = self.split_input(input_values)
        batch, seq_len, n_chans, n_times = sequence.shape
        epoch_features, branch_maps = self.epoch_encoder(sequence.reshape(batch * seq_len, n_chans, n_times))
        epoch_features = epoch_features.reshape(batch, seq_len, -1)
        last_hidden_state = self.sequence_block(epoch_features)
        output_hidden_states = (
            output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        )
        hidden_states = (*branch_maps, epoch_features, last_hidden_state) if output_hidden_states else None
        if return_dict is False:
            return tuple(v for v in (last_hidden_state, epoch_features, hidden_states) if v is not None)
        return SleepEncoderOutput(
            last_hidden_state=last_hidden_state, epoch_embeddings=epoch_features, hidden_states=hidden_states
        )


class DeepSleepNetForSleepStaging(DeepSleepNetPreTrainedModel):
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

    def forward(
        self,
        input_values: torch.Tensor,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepStagingOutput | tuple:
        _, squeeze = self.split_input(input_values)
        encoded = self.deepsleepnet(input_values, output_hidden_states=output_hidden_states, return_dict=True)
        logits = self.classifier(encoded.last_hidden_state)
        return self.staging_output(logits, labels, squeeze, encoded.hidden_states, return_dict)
