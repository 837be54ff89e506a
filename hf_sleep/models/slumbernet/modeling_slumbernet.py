# Generated from hf_sleep/models/slumbernet/modular_slumbernet.py by `python scripts/check_modular.py --fix`:
# edit the modular file, not this one (tests/test_modular.py fails while the two disagree). Each block
# marked `Copied from` lives at the place named; the copies make this file self-contained, so a saved
# model folder loads with `trust_remote_code=True` without hf_sleep.
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

import importlib
import itertools
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_slumbernet import SleepStagingConfig, SlumberNetConfig

# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.init
try:  # transformers >= 5: init functions that respect weights already loaded from a checkpoint
    from transformers import initialization as init
except ImportError:  # pragma: no cover - older transformers
    init = nn.init


# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.ACTIVATIONS
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


# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.get_activation
def get_activation(name: str) -> nn.Module:
    """Builds the activation module named in a config (`"relu"`, `"elu"`, ...)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None


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
        hidden_states = (*maps, last_hidden_state)
        return self.encoder_output(last_hidden_state, last_hidden_state, hidden_states, output_hidden_states, return_dict)


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
