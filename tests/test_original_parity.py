"""Forward parity with the original implementations, written here from their published layer equations.

Each reference below is plain `torch.nn.functional` arithmetic that follows the original code line by line
(akaraspt/deepsleepnet `deepsleep/model.py` + `nn.py`; akaraspt/tinysleepnet `model.py` ModelMod8 + `nn.py`;
the SlumberNet Keras `resnet_blocks`; SleePyCo's `SleePyCoBackbone` for the DeepSleepBench CNN; timm's ViT
`Block` for the DeepSleepBench Transformer). It reads the model's own weights (given non-trivial batch-norm
statistics, biases and PReLU slopes, so an epsilon or an offset cannot hide) and must give the model's eval-mode
output (in float64, to 1e-8) on fixed inputs. TensorFlow conventions are written out where they differ from PyTorch's:
SAME padding puts the odd sample on the right (for pooling too), LSTM gates are ordered (i, j, f, o) with one
bias and `forget_bias=1.0` added to the forget gate, and `flatten` of an NHWC map is position-major; the
references convert our weights to those layouts (the mapping a port of the original weights would use).

Configs saved by older versions (second max-pool padded on both sides, TinySleepNet's batch-norm epsilon
1e-5) still load with what they were saved with: those are checked against the references with that padding
and epsilon substituted, and the references are shown to tell the two apart.
"""

from __future__ import annotations

import functools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hf_sleep import get_architecture
from hf_sleep.models.sleep_base.modeling_sleep_base import SleepConvBranch

# Float64 on both sides: what is left is arithmetic order, far below any modelling difference.
ATOL = 1e-8


def _randomise_non_weight_state(model: nn.Module, seed: int = 0) -> nn.Module:
    """Gives biases, norm layers, running statistics and PReLU slopes non-default values; eval mode, float64."""
    generator = torch.Generator().manual_seed(seed)

    def uniform(tensor: torch.Tensor, low: float, high: float) -> None:
        tensor.copy_(low + (high - low) * torch.rand(tensor.shape, generator=generator))

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                uniform(module.weight, 0.5, 1.5)
                uniform(module.bias, -0.2, 0.2)
                uniform(module.running_mean, -0.2, 0.2)
                # Small variances make an epsilon difference (1e-5 against 1e-3) visible.
                uniform(module.running_var, 0.01, 2.0)
            elif isinstance(module, nn.LayerNorm):
                uniform(module.weight, 0.5, 1.5)
                uniform(module.bias, -0.2, 0.2)
            elif isinstance(module, nn.PReLU):
                uniform(module.weight, 0.05, 0.4)
            elif isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d)) and module.bias is not None:
                uniform(module.bias, -0.1, 0.1)
            elif isinstance(module, (nn.LSTM, nn.GRU, nn.MultiheadAttention)):
                for name, parameter in module.named_parameters(recurse=False):
                    if "bias" in name:
                        uniform(parameter, -0.1, 0.1)
    return model.eval().double()


def _inputs(shape: tuple[int, ...], seed: int = 1) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# --------------------------------------------------------------------------------------------------------------
# TensorFlow building blocks


def tf_same_padding(length: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's SAME padding: output `ceil(length / stride)`, the odd sample of the padding on the right."""
    out = -(-length // stride)
    total = max((out - 1) * stride + kernel - length, 0)
    return total // 2, total - total // 2


def tf_conv1d(x: torch.Tensor, weight: torch.Tensor, stride: int, bias: torch.Tensor | None = None) -> torch.Tensor:
    left, right = tf_same_padding(x.shape[-1], weight.shape[-1], stride)
    return F.conv1d(F.pad(x, (left, right)), weight, bias, stride)


def tf_max_pool1d(x: torch.Tensor, size: int, stride: int, symmetric: int | None = None) -> torch.Tensor:
    """`tf.nn.max_pool(padding="SAME")` (padding never wins a max); `symmetric=p` pads p on both sides instead."""
    left, right = (symmetric, symmetric) if symmetric is not None else tf_same_padding(x.shape[-1], size, stride)
    return F.max_pool1d(F.pad(x, (left, right), value=-math.inf), size, stride)


def batch_norm(x: torch.Tensor, norm: nn.Module, eps: float) -> torch.Tensor:
    """Inference batch norm with the original's epsilon (not the module's)."""
    return F.batch_norm(x, norm.running_mean, norm.running_var, norm.weight, norm.bias, False, 0.0, eps)


def tf_flatten(feature_map: torch.Tensor) -> torch.Tensor:
    """`flatten` of TensorFlow's `(n, width, 1, channels)` map: index `w * channels + c`."""
    return feature_map.permute(0, 2, 1).reshape(feature_map.shape[0], -1)


def tf_flatten_permutation(channels: int, width: int) -> torch.Tensor:
    """`perm` with `tf_flatten(m) == m.reshape(n, -1)[:, perm]`: reorders fc input weights to TensorFlow's layout."""
    return torch.arange(channels * width).reshape(channels, width).t().reshape(-1)


def tf_lstm_weights(lstm: nn.LSTM, layer: int, input_perm: torch.Tensor | None = None):
    """Our LSTM layer as TensorFlow's `LSTMCell` kernel `(in + hidden, 4h)` and bias `(4h,)`, gates (i, j, f, o).

    TensorFlow has one bias and adds `forget_bias=1.0` to the forget gate; its peephole weights are zero here
    (ours has none: the documented parameter difference).
    """
    size = lstm.hidden_size
    i, f, g, o = (slice(k * size, (k + 1) * size) for k in range(4))
    w_ih = getattr(lstm, f"weight_ih_l{layer}")
    if input_perm is not None:
        w_ih = w_ih[:, input_perm]
    w_hh = getattr(lstm, f"weight_hh_l{layer}")
    bias = getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}")
    kernel = torch.cat([w_ih, w_hh], dim=1)
    kernel = torch.cat([kernel[i], kernel[g], kernel[f], kernel[o]]).t()
    bias = torch.cat([bias[i], bias[g], bias[f] - 1.0, bias[o]])
    return kernel, bias


def tf_lstm(x: torch.Tensor, kernel: torch.Tensor, bias: torch.Tensor, forget_bias: float = 1.0) -> torch.Tensor:
    """`LSTMCell(use_peepholes=True)` with zero peepholes unrolled over `(batch, time, features)`."""
    size = bias.shape[0] // 4
    m = x.new_zeros(x.shape[0], size)
    c = x.new_zeros(x.shape[0], size)
    outputs = []
    for t in range(x.shape[1]):
        gates = torch.cat([x[:, t], m], dim=1) @ kernel + bias
        i, j, f, o = gates.split(size, dim=1)
        c = torch.sigmoid(f + forget_bias) * c + torch.sigmoid(i) * torch.tanh(j)
        m = torch.sigmoid(o) * torch.tanh(c)
        outputs.append(m)
    return torch.stack(outputs, dim=1)


def tf_conv_branch(
    x: torch.Tensor, branch: SleepConvBranch, first: tuple[int, int], pools: tuple[tuple, tuple], eps: float,
    symmetric_pools: tuple[int | None, int | None] = (None, None),
) -> torch.Tensor:
    """conv(SAME) → BN → ReLU → max-pool(SAME) → [dropout] → 3 × (conv(SAME) → BN → ReLU) → max-pool(SAME)."""

    def conv_bn_relu(h, block, stride):
        _, conv, norm, _ = block
        return F.relu(batch_norm(tf_conv1d(h, conv.weight, stride), norm, eps))

    h = conv_bn_relu(x, branch.first_conv, first[1])
    h = tf_max_pool1d(h, *pools[0], symmetric=symmetric_pools[0])
    for block in branch.deep_convs:
        h = conv_bn_relu(h, block, 1)
    return tf_max_pool1d(h, *pools[1], symmetric=symmetric_pools[1])


# --------------------------------------------------------------------------------------------------------------
# DeepSleepNet (akaraspt/deepsleepnet: DeepFeatureNet.build_model + DeepSleepNet.build_model)


def deepsleepnet_reference(model, x: torch.Tensor, symmetric_pool2: bool = False) -> torch.Tensor:
    config = model.config
    batch, seq_len = x.shape[:2]
    epochs = x.reshape(batch * seq_len, 1, -1)
    encoder = model.deepsleepnet.epoch_encoder
    small = tf_conv_branch(
        epochs, encoder.small_branch, (50, 6), ((8, 8), (4, 4)), 1e-5,
        (None, config.small_pool2_padding if symmetric_pool2 else None),
    )
    large = tf_conv_branch(
        epochs, encoder.large_branch, (400, 50), ((4, 4), (2, 2)), 1e-5,
        (None, config.large_pool2_padding if symmetric_pool2 else None),
    )
    features = torch.cat([tf_flatten(small), tf_flatten(large)], dim=1)
    perm = torch.cat(
        [
            tf_flatten_permutation(small.shape[1], small.shape[2]),
            small.shape[1] * small.shape[2] + tf_flatten_permutation(large.shape[1], large.shape[2]),
        ]
    )
    block = model.deepsleepnet.sequence_block
    linear, norm, _ = block.shortcut
    shortcut = F.relu(batch_norm(features @ linear.weight[:, perm].t(), norm, 1e-5))
    sequence = features.reshape(batch, seq_len, -1)

    def stack(lstm, inputs):
        for layer in range(lstm.num_layers):
            kernel, bias = tf_lstm_weights(lstm, layer, perm if layer == 0 else None)
            inputs = tf_lstm(inputs, kernel, bias)
        return inputs

    forward = stack(block.forward_lstm, sequence)
    backward = stack(block.backward_lstm, sequence.flip(1)).flip(1)
    summed = torch.cat([forward, backward], dim=-1) + shortcut.reshape(batch, seq_len, -1)
    return F.linear(summed, model.classifier.weight, model.classifier.bias)


@functools.cache
def _deepsleepnet(**overrides):
    torch.manual_seed(0)
    arch = get_architecture("deepsleepnet")
    kwargs = {**arch.faithful_configs["1 channel, 100 Hz, 30 s"], "seq_len": 3, **overrides}
    return _randomise_non_weight_state(arch.build(**kwargs)), _inputs((2, 3, 1, 3000))


def test_deepsleepnet_matches_original_equations():
    model, x = _deepsleepnet()
    with torch.no_grad():
        torch.testing.assert_close(model(x).logits, deepsleepnet_reference(model, x), atol=ATOL, rtol=ATOL)


def test_deepsleepnet_saved_symmetric_pool_padding_keeps_its_alignment():
    """A config saved before the `SAME` default (`*_pool2_padding: 1`) pads both sides, as it was trained."""
    model, x = _deepsleepnet(small_pool2_padding=1, large_pool2_padding=1)
    with torch.no_grad():
        expected = deepsleepnet_reference(model, x, symmetric_pool2=True)
        torch.testing.assert_close(model(x).logits, expected, atol=ATOL, rtol=ATOL)
        # The reference is sharp: the original's own alignment gives other logits.
        assert not torch.allclose(expected, deepsleepnet_reference(model, x), atol=1e-3)


# --------------------------------------------------------------------------------------------------------------
# TinySleepNet (akaraspt/tinysleepnet: ModelMod2.build_cnn + ModelMod8.append_rnn, nn.batch_norm eps 1e-3)


def tinysleepnet_reference(model, x: torch.Tensor, symmetric_pool2: bool = False, eps: float = 1e-3):
    config = model.config
    batch, seq_len = x.shape[:2]
    cnn = model.tinysleepnet.epoch_encoder.cnn
    feature_map = tf_conv_branch(
        x.reshape(batch * seq_len, 1, -1), cnn, (50, 6), ((8, 8), (4, 4)), eps,
        (None, config.pool2_padding if symmetric_pool2 else None),
    )
    features = tf_flatten(feature_map).reshape(batch, seq_len, -1)
    perm = tf_flatten_permutation(feature_map.shape[1], feature_map.shape[2])
    kernel, bias = tf_lstm_weights(model.tinysleepnet.lstm, 0, perm)
    return F.linear(tf_lstm(features, kernel, bias), model.classifier.weight, model.classifier.bias)


@functools.cache
def _tinysleepnet(**overrides):
    torch.manual_seed(0)
    arch = get_architecture("tinysleepnet")
    kwargs = {**arch.faithful_configs["1 channel, 100 Hz, 30 s"], "seq_len": 4, **overrides}
    return _randomise_non_weight_state(arch.build(**kwargs)), _inputs((2, 4, 1, 3000))


def test_tinysleepnet_matches_original_equations():
    model, x = _tinysleepnet()
    with torch.no_grad():
        expected = tinysleepnet_reference(model, x)
        torch.testing.assert_close(model(x).logits, expected, atol=ATOL, rtol=ATOL)
        # Whole-night inference runs the unrolled recurrence (`stage_windows`): the same equations.
        embeddings = model.embed_epochs(x.reshape(-1, 1, 3000))
        index = torch.arange(8).reshape(2, 4)
        torch.testing.assert_close(model.stage_windows(embeddings, index), expected, atol=ATOL, rtol=ATOL)


def test_tinysleepnet_saved_config_keeps_its_padding_and_epsilon():
    """The settings of earlier versions (`pool2_padding=1`, epsilon 1e-5) stay available and exact."""
    model, x = _tinysleepnet(pool2_padding=1, batch_norm_eps=1e-5)
    with torch.no_grad():
        expected = tinysleepnet_reference(model, x, symmetric_pool2=True, eps=1e-5)
        torch.testing.assert_close(model(x).logits, expected, atol=ATOL, rtol=ATOL)
        # The reference is sharp: each of the original's padding and epsilon gives other logits.
        assert not torch.allclose(expected, tinysleepnet_reference(model, x, symmetric_pool2=True), atol=1e-3)
        assert not torch.allclose(expected, tinysleepnet_reference(model, x, eps=1e-5), atol=1e-3)


# --------------------------------------------------------------------------------------------------------------
# SlumberNet (Keras resnet_blocks: Conv2D(padding="same", bias) → BatchNormalization(eps 1e-3) → Dropout → ReLU)


def keras_conv_bn(x: torch.Tensor, block: nn.Sequential) -> torch.Tensor:
    """Conv2D(padding="same") with bias then BatchNormalization(epsilon=1e-3), on `(n, C, rows, time)`."""
    _, conv, norm = block
    height, width = conv.weight.shape[-2:]
    rows = tf_same_padding(x.shape[-2], height, 1)
    cols = tf_same_padding(x.shape[-1], width, 1)
    h = F.conv2d(F.pad(x, (*cols, *rows)), conv.weight, conv.bias)
    return batch_norm(h, norm, 1e-3)


def slumbernet_reference(model, x: torch.Tensor) -> torch.Tensor:
    """`x`: `(n, 2, 256)` as the paper's layout (EEG and EMG rows; see the model's note on the Keras reshape)."""
    h = x.unsqueeze(1)
    for block in model.slumbernet.blocks:
        y = F.relu(keras_conv_bn(h, block.conv1))
        y = F.relu(keras_conv_bn(y, block.conv2))
        y = keras_conv_bn(y, block.conv3)
        if isinstance(block.shortcut, nn.Sequential):
            shortcut = keras_conv_bn(h, block.shortcut)
        else:
            shortcut = batch_norm(h, block.shortcut, 1e-3)
        h = F.relu(shortcut + y)
    pooled = h.mean(dim=(2, 3))  # GlobalAveragePooling2D
    return F.linear(pooled, model.classifier.weight, model.classifier.bias)  # softmax omitted: logits


def test_slumbernet_matches_original_equations():
    torch.manual_seed(0)
    arch = get_architecture("slumbernet")
    model = _randomise_non_weight_state(arch.build(**arch.faithful_configs["2 channels (EEG, EMG), 64 Hz, 4 s"]))
    x = _inputs((2, 2, 256))
    with torch.no_grad():
        torch.testing.assert_close(model(x).logits, slumbernet_reference(model, x), atol=ATOL, rtol=ATOL)


# --------------------------------------------------------------------------------------------------------------
# DeepSleepBench CNN (+Attention): SleePyCo's backbone, time-average, L2 norm, the DLProjMLP evaluation head


def sleepyco_max_pool(x: torch.Tensor, size: int) -> torch.Tensor:
    """SleePyCo's `MaxPool1d`: zero-pad to a multiple of the size (odd padding to the right), then pool."""
    remainder = x.shape[-1] % size
    if remainder:
        pad = size - remainder
        x = F.pad(x, (pad // 2, pad - pad // 2), mode="constant")
    return F.max_pool1d(x, size, size)


def channel_gate(x: torch.Tensor, gate) -> torch.Tensor:
    first, _, second = gate.mlp
    attention = F.linear(F.relu(F.linear(F.avg_pool1d(x, x.shape[2]).flatten(1), first.weight, first.bias)),
                         second.weight, second.bias)
    return x * torch.sigmoid(attention).unsqueeze(2)


def self_attention(x: torch.Tensor, block) -> torch.Tensor:
    """LayerNorm(x + MultiheadAttention(x)) over time, heads split from the packed in-projection."""
    attention = block.attention
    tokens = x.transpose(1, 2)
    return F.layer_norm(
        tokens + multi_head_attention(tokens, attention), (tokens.shape[-1],), block.norm.weight, block.norm.bias,
        block.norm.eps,
    ).transpose(1, 2)


def multi_head_attention(tokens: torch.Tensor, attention: nn.MultiheadAttention) -> torch.Tensor:
    n, length, width = tokens.shape
    heads = attention.num_heads
    q, k, v = F.linear(tokens, attention.in_proj_weight, attention.in_proj_bias).chunk(3, dim=-1)
    q, k, v = (t.reshape(n, length, heads, width // heads).transpose(1, 2) for t in (q, k, v))
    weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(width // heads), dim=-1)
    mixed = (weights @ v).transpose(1, 2).reshape(n, length, width)
    return F.linear(mixed, attention.out_proj.weight, attention.out_proj.bias)


def dsb_mlp(latent: torch.Tensor, classifier) -> torch.Tensor:
    linear1, norm1, _, _, linear2, norm2, _, _, linear3 = classifier.mlp
    h = F.relu(batch_norm(F.linear(latent, linear1.weight, linear1.bias), norm1, 1e-5))
    h = F.relu(batch_norm(F.linear(h, linear2.weight, linear2.bias), norm2, 1e-5))
    return F.linear(h, linear3.weight, linear3.bias)


def dsb_cnn_reference(model, x: torch.Tensor) -> torch.Tensor:
    """SleePyCo's `make_layers` per stage: [pool] → n × (conv k3 p1 → BN → [gate if last] → PReLU)."""
    config = model.config
    h = x
    for index, stage in enumerate(model.dsb.encoder.stages):
        if index:
            h = sleepyco_max_pool(h, config.pool_sizes[index - 1])
        convs = [m for m in stage.layers if isinstance(m, nn.Conv1d)]
        norms = [m for m in stage.layers if isinstance(m, nn.BatchNorm1d)]
        preluses = [m for m in stage.layers if isinstance(m, nn.PReLU)] + [stage.activation]
        for layer, (conv, norm, prelu) in enumerate(zip(convs, norms, preluses, strict=True)):
            h = batch_norm(F.conv1d(h, conv.weight, conv.bias, padding=conv.kernel_size[0] // 2), norm, 1e-5)
            if layer == len(convs) - 1:
                h = channel_gate(h, stage.gate)
                if stage.attention is not None:
                    h = self_attention(h, stage.attention)
            h = F.prelu(h, prelu.weight)
    latent = F.normalize(F.adaptive_avg_pool1d(h, 1).flatten(1), dim=1)
    return dsb_mlp(latent, model.classifier)


@pytest.mark.parametrize("name", ["dsb_cnn", "dsb_cnn_attention"])
def test_deepsleepbench_cnn_matches_original_equations(name):
    torch.manual_seed(0)
    arch = get_architecture(name)
    model = _randomise_non_weight_state(arch.build(**arch.faithful_configs["1 channel, 100 Hz, 30 s"]))
    x = _inputs((3, 1, 3000))
    with torch.no_grad():
        torch.testing.assert_close(model(x).logits, dsb_cnn_reference(model, x), atol=ATOL, rtol=ATOL)


# --------------------------------------------------------------------------------------------------------------
# DeepSleepBench Transformer: MAE encoder (timm ViT pre-norm blocks, GELU MLP, CLS token, sin-cos positions)


def sincos_positions(n_positions: int, dim: int) -> torch.Tensor:
    """The Transformer's `PE(pos, 2i) = sin(pos / 10000^(2i/d))`, `PE(pos, 2i+1) = cos(...)`."""
    position = torch.arange(n_positions, dtype=torch.float64)[:, None]
    table = torch.zeros(n_positions, dim, dtype=torch.float64)
    for i in range(0, dim, 2):
        angle = position[:, 0] / 10000.0 ** (i / dim)
        table[:, i] = torch.sin(angle)
        if i + 1 < dim:
            table[:, i + 1] = torch.cos(angle)
    return table


def dsb_transformer_reference(model, x: torch.Tensor) -> torch.Tensor:
    config = model.config
    encoder = model.dsb.encoder
    n, n_chans, n_times = x.shape
    length = config.patch_length
    patches = x.reshape(n, n_chans, n_times // length, length).permute(0, 2, 1, 3).reshape(n, n_times // length, -1)
    h = F.linear(patches, encoder.patch_embed.weight, encoder.patch_embed.bias)
    positions = sincos_positions(h.shape[1] + 1, h.shape[2])
    cls = encoder.tokens.cls_token.expand(n, -1, -1) + positions[:1]
    h = torch.cat([cls, h + positions[1:]], dim=1)
    for block in encoder.blocks:
        normed = F.layer_norm(h, (h.shape[-1],), block.norm1.weight, block.norm1.bias, config.layer_norm_eps)
        h = h + multi_head_attention(normed, block.attention)
        first, _, _, second, _ = block.mlp
        normed = F.layer_norm(h, (h.shape[-1],), block.norm2.weight, block.norm2.bias, config.layer_norm_eps)
        h = h + F.linear(F.gelu(F.linear(normed, first.weight, first.bias)), second.weight, second.bias)
    h = F.layer_norm(h, (h.shape[-1],), encoder.norm.weight, encoder.norm.bias, config.layer_norm_eps)
    return dsb_mlp(F.normalize(h[:, 0], dim=1), model.classifier)


@pytest.mark.parametrize("patch_seconds", [30.0, 1.0])
def test_deepsleepbench_transformer_matches_original_equations(patch_seconds):
    torch.manual_seed(0)
    arch = get_architecture("dsb_transformer")
    setting = "1 channel, 100 Hz, 30 s, one 30-s token (original)"
    model = _randomise_non_weight_state(arch.build(**{**arch.faithful_configs[setting], "patch_seconds": patch_seconds}))
    with torch.no_grad():
        model.dsb.encoder.tokens.cls_token.normal_(0, 0.02, generator=torch.Generator().manual_seed(3))
    x = _inputs((3, 1, 3000))
    with torch.no_grad():
        torch.testing.assert_close(model(x).logits, dsb_transformer_reference(model, x), atol=ATOL, rtol=ATOL)


def test_saved_configs_keep_their_padding_and_bad_paddings_name_the_argument(tmp_path):
    """A `config.json` of an earlier version (`pool2_padding: 1`, no `batch_norm_eps`) loads as saved; the
    epsilon, which no weight shape depends on, takes the original's default. New configs round-trip the pair."""
    from hf_sleep import DeepSleepNetConfig, TinySleepNetConfig

    config = TinySleepNetConfig(seq_len=4)
    config.save_pretrained(tmp_path)
    assert TinySleepNetConfig.from_pretrained(tmp_path).to_dict() == config.to_dict()
    assert config.pool2_padding == [0, 1] and config.epoch_feature_size == 2048
    old = {key: value for key, value in config.to_dict().items() if key != "batch_norm_eps"}
    old["pool2_padding"] = 1
    loaded = TinySleepNetConfig.from_dict(old)
    assert loaded.pool2_padding == 1 and loaded.batch_norm_eps == 1e-3 and loaded.epoch_feature_size == 2048
    assert DeepSleepNetConfig().epoch_feature_size == DeepSleepNetConfig(small_pool2_padding=1).epoch_feature_size
    for bad in (-1, [1], [0, 1, 2], "same", True, [0.5, 1]):
        with pytest.raises(ValueError, match="pool2_padding must be a non-negative int or a"):
            TinySleepNetConfig(pool2_padding=bad)
    with pytest.raises(ValueError, match="batch_norm_eps must be a positive number"):
        TinySleepNetConfig(batch_norm_eps=0)
