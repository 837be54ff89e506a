"""The model contract every hf_sleep architecture shares: input shape, outputs, loss and weight init."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from hf_sleep.models.sleep_base.configuration_sleep_base import SleepStagingConfig, padding_pair

try:  # transformers >= 5: init functions that respect weights already loaded from a checkpoint
    from transformers import initialization as init
except ImportError:  # pragma: no cover - older transformers
    init = nn.init

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "prelu": nn.PReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "silu": nn.SiLU,
    "identity": nn.Identity,
}


def get_activation(name: str) -> nn.Module:
    """Builds the activation module named in a config (`"relu"`, `"elu"`, ...)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None


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
        try:  # an edge up to the hub layer, named in tests/test_layering.py; in a saved folder loaded without
            # hf_sleep (transformers' check of its imports skips `try` blocks) the plain upload is used
            from hf_sleep.hub.publish import push_from_model_method
        except ImportError:
            push_from_model_method = None
        if push_from_model_method is None or args:
            return super().push_to_hub(repo_id, *args, **kwargs)
        return push_from_model_method(self, repo_id, **kwargs)

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


# What a backbone computes for a batch of sequences: last hidden state, epoch embeddings, every hidden state.
EncodedSequence = tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, ...]]


class SleepBackboneMixin:
    """The `forward` of every `...Model` backbone: the input checked, then the architecture's `encode_sequence`."""

    def encode_sequence(self, sequence: torch.Tensor) -> EncodedSequence:
        """`(batch, seq_len, n_chans, n_times)` -> the last hidden state `(batch, seq_len, hidden_size)`, the epoch
        embeddings `(batch, seq_len, embedding_size)` and every hidden state, in the order the model computes them."""
        raise NotImplementedError

    def encode_each_epoch(self, sequence: torch.Tensor, encode: Any) -> tuple[torch.Tensor, Any]:
        """`encode` run on every epoch of `(batch, seq_len, n_chans, n_times)` at once (the epochs of all sequences
        as one batch): what it returns first comes back as `(batch, seq_len, -1)`, what it returns second as is."""
        batch, seq_len = sequence.shape[:2]
        features, extra = encode(sequence.flatten(0, 1))
        return features.reshape(batch, seq_len, -1), extra

    def forward(
        self,
        input_values: torch.Tensor,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepEncoderOutput | tuple:
        sequence, _ = self.split_input(input_values)
        last_hidden_state, epoch_embeddings, hidden_states = self.encode_sequence(sequence)
        return self.encoder_output(last_hidden_state, epoch_embeddings, hidden_states, output_hidden_states, return_dict)


class SleepStagingHeadMixin:
    """The `forward` of every `...ForSleepStaging` model: its backbone (the attribute named by `base_model_prefix`),
    then `classifier` on every epoch of the backbone's last hidden state."""

    def staging_hidden_states(self, encoded: SleepEncoderOutput) -> tuple[torch.Tensor, ...] | None:
        """The hidden states the staging output reports: the backbone's."""
        return encoded.hidden_states

    def forward(
        self,
        input_values: torch.Tensor,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepStagingOutput | tuple:
        _, squeeze = self.split_input(input_values)
        encoded = self.base_model(input_values, output_hidden_states=output_hidden_states, return_dict=True)
        logits = self.classifier(encoded.last_hidden_state)
        return self.staging_output(logits, labels, squeeze, self.staging_hidden_states(encoded), return_dict)


class SleepConvBranch(nn.Module):
    """The CNN path of DeepSleepNet and TinySleepNet: conv → pool → dropout → 3 × conv → pool.

    Every convolution is bias-free and followed by batch norm and the activation, as in the original
    TensorFlow code; the three deep convolutions keep the width ("same" padding). Paddings are an int (both
    sides) or `[left, right]`; `pool1` and `pool2` are `(kernel, stride, padding)`.
    """

    def __init__(
        self,
        n_filters_1: int,
        n_filters_2: int,
        first_kernel_size: int,
        first_stride: int,
        first_padding: int | list[int],
        pool1: tuple[int, int, int | list[int]],
        deep_kernel_size: int,
        pool2: tuple[int, int, int | list[int]],
        activation: str,
        drop_prob: float,
        norm_eps: float = 1e-5,
    ) -> None:
        super().__init__()

        # TensorFlow's SAME padding: the odd sample of an even kernel goes to the right.
        same = ((deep_kernel_size - 1) // 2, deep_kernel_size // 2)

        def conv_block(
            in_channels: int, out_channels: int, kernel: int, stride: int, padding: tuple[int, int]
        ):
            return nn.Sequential(
                nn.ConstantPad1d(padding, 0.0),
                nn.Conv1d(in_channels, out_channels, kernel, stride=stride, bias=False),
                nn.BatchNorm1d(out_channels, eps=norm_eps),
                get_activation(activation),
            )

        self.first_conv = conv_block(1, n_filters_1, first_kernel_size, first_stride, padding_pair(first_padding))
        self.first_pool = _max_pool(*pool1)
        self.dropout = nn.Dropout(drop_prob)
        self.deep_convs = nn.Sequential(
            conv_block(n_filters_1, n_filters_2, deep_kernel_size, 1, same),
            conv_block(n_filters_2, n_filters_2, deep_kernel_size, 1, same),
            conv_block(n_filters_2, n_filters_2, deep_kernel_size, 1, same),
        )
        self.second_pool = _max_pool(*pool2)

    def forward(self, signal: torch.Tensor) -> torch.Tensor:
        """Maps `(n, 1, n_times)` to `(n, n_filters_2, width)`."""
        if self.training:
            features = self.dropout(self.first_pool(self.first_conv(signal)))
            return self.second_pool(self.deep_convs(features))
        features = self.first_pool(_folded_block(self.first_conv, signal))
        for block in self.deep_convs:
            features = _folded_block(block, features)
        return self.second_pool(features)


def _max_pool(kernel: int, stride: int, padding: int | list[int]) -> nn.Module:
    """Max-pooling whose padding never wins the max; a `[left, right]` pair pads each side on its own."""
    left, right = padding_pair(padding)
    if left == right:
        return nn.MaxPool1d(kernel, stride=stride, padding=left)
    # MaxPool1d pads only symmetrically: -inf padding is what its own padding amounts to.
    return nn.Sequential(nn.ConstantPad1d((left, right), -torch.inf), nn.MaxPool1d(kernel, stride=stride))


def _folded_block(block: nn.Sequential, signal: torch.Tensor) -> torch.Tensor:
    """pad → conv → batch norm → activation in eval mode, the batch norm folded into the convolution.

    The standard inference fusion: one pass over the feature maps instead of three (a third faster on
    CPU); equal to the unfused block up to float rounding (relative differences of order 1e-7).
    """
    pad, conv, norm, activation = block
    if norm.running_mean is None or norm.running_var is None:  # no running statistics: nothing to fold
        return block(signal)
    out = folded_conv(conv, norm, pad(signal))
    return nn.functional.relu(out, inplace=True) if isinstance(activation, nn.ReLU) else activation(out)


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
