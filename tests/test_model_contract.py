"""The shared model tests, run against every registered architecture (the registry is the list)."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoConfig, AutoModel

import hf_sleep
from hf_sleep import ARCHITECTURES, get_architecture

from .testers import TESTERS

ARCH_NAMES = sorted(ARCHITECTURES)


@pytest.fixture(params=ARCH_NAMES)
def tester(request):
    if request.param not in TESTERS:
        pytest.fail(f"architecture {request.param!r} is registered but has no tester in tests/testers.py")
    return TESTERS[request.param]


def build(tester, **overrides):
    torch.manual_seed(0)
    config = tester.config(**overrides)
    return get_architecture(tester.name).model_class(config), config


def sample_input(config, batch: int, seq_len: int | None = None, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    shape = (
        (batch, config.n_chans, config.n_times)
        if seq_len is None
        else (batch, seq_len, config.n_chans, config.n_times)
    )
    return 20.0 * torch.randn(*shape, generator=generator)


def test_forward_shapes_4d_and_3d(tester):
    model, config = build(tester)
    model.eval()
    out = model(sample_input(config, tester.batch_size, config.seq_len))
    # Each modeling file holds its own copy of the output class (self-contained), so compare by name.
    assert type(out).__name__ == "SleepStagingOutput"
    assert out.logits.shape == (tester.batch_size, config.seq_len, config.num_labels)
    out3 = model(sample_input(config, tester.batch_size))
    assert out3.logits.shape == (tester.batch_size, config.num_labels)
    assert torch.isfinite(out.logits).all() and torch.isfinite(out3.logits).all()


def test_hidden_states_on_request(tester):
    model, config = build(tester)
    model.eval()
    x = sample_input(config, 1, config.seq_len)
    assert model(x).hidden_states is None
    hidden = model(x, output_hidden_states=True).hidden_states
    assert hidden and all(isinstance(h, torch.Tensor) for h in hidden)
    as_tuple = model(x, return_dict=False)
    assert isinstance(as_tuple, tuple)
    torch.testing.assert_close(as_tuple[0], model(x).logits, rtol=0, atol=0)


def test_loss_and_gradients_reach_every_parameter(tester):
    model, config = build(tester)
    model.train()
    x = sample_input(config, tester.batch_size, config.seq_len)
    labels = (
        torch.arange(tester.batch_size * config.seq_len).reshape(tester.batch_size, config.seq_len)
        % config.num_labels
    )
    labels[0, 0] = -100
    out = model(x, labels=labels)
    assert out.loss.ndim == 0 and torch.isfinite(out.loss)
    out.loss.backward()
    missing = [
        name
        for name, p in model.named_parameters()
        if p.requires_grad and (p.grad is None or not p.grad.abs().sum() > 0)
    ]
    assert not missing, f"no gradient reached: {missing}"


def test_loss_ignores_minus_100_and_uses_class_weights(tester):
    model, config = build(tester)
    model.eval()
    x = sample_input(config, tester.batch_size, config.seq_len)
    logits = model(x).logits
    labels = torch.zeros(tester.batch_size, config.seq_len, dtype=torch.long)
    labels[:, 1:] = -100
    expected = torch.nn.functional.cross_entropy(logits[:, 0], labels[:, 0])
    torch.testing.assert_close(model(x, labels=labels).loss, expected)

    weights = [1.0 + i for i in range(config.num_labels)]
    weighted, _ = build(tester, class_weights=weights)
    weighted.load_state_dict(model.state_dict())
    weighted.eval()
    labels = (
        torch.arange(tester.batch_size * config.seq_len).reshape(tester.batch_size, config.seq_len)
        % config.num_labels
    )
    expected = torch.nn.functional.cross_entropy(
        logits.reshape(-1, config.num_labels), labels.reshape(-1), weight=torch.tensor(weights)
    )
    torch.testing.assert_close(weighted(x, labels=labels).loss, expected)


def test_save_and_load_reproduce_outputs_exactly(tester, tmp_path):
    model, config = build(tester)
    model.eval()
    x = sample_input(config, tester.batch_size, config.seq_len)
    expected = model(x).logits
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    loaded = type(model).from_pretrained(tmp_path).eval()
    torch.testing.assert_close(loaded(x).logits, expected, rtol=0, atol=0)


def test_auto_classes_round_trip(tester, tmp_path):
    model, config = build(tester)
    model.eval()
    model.save_pretrained(tmp_path)
    auto_config = AutoConfig.from_pretrained(tmp_path)
    assert type(auto_config) is type(config)
    auto_model = AutoModel.from_pretrained(tmp_path).eval()
    assert type(auto_model) is type(model)
    x = sample_input(config, 1, config.seq_len)
    torch.testing.assert_close(auto_model(x).logits, model(x).logits, rtol=0, atol=0)
    assert AutoModel.from_config(auto_config).__class__ is type(model)


def test_trust_remote_code_without_hf_sleep(tester, tmp_path):
    """The saved folder is self-contained: a fresh interpreter that cannot import hf_sleep loads it."""
    model, config = build(tester)
    model.eval()
    saved = tmp_path / "saved"
    model.save_pretrained(saved)
    assert "auto_map" in json.loads((saved / "config.json").read_text())
    # The package's own files, as they are: no shared module beside them, no import rewritten.
    package_folder = Path(inspect.getfile(type(model))).parent
    sources = {
        f"configuration_{tester.name}.py": package_folder,
        f"modeling_{tester.name}.py": package_folder,
        "sleep_staging_pipeline.py": package_folder.parents[1] / "staging",
    }
    assert sorted(path.name for path in saved.glob("*.py")) == sorted(sources)
    for name, folder in sources.items():
        assert (saved / name).read_bytes() == (folder / name).read_bytes(), name
    x = sample_input(config, 1, config.seq_len)
    np.save(tmp_path / "x.npy", x.numpy())
    np.save(tmp_path / "expected.npy", model(x).logits.detach().numpy())
    script = textwrap.dedent(
        f"""
        import sys, importlib.abc
        class BlockHfSleep(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "hf_sleep" or name.startswith("hf_sleep."):
                    raise ImportError("hf_sleep is deliberately unavailable in this test")
        sys.meta_path.insert(0, BlockHfSleep())
        import numpy as np, torch
        from transformers import AutoConfig, AutoModel
        config = AutoConfig.from_pretrained({str(saved)!r}, trust_remote_code=True)
        model = AutoModel.from_pretrained({str(saved)!r}, trust_remote_code=True).eval()
        assert "hf_sleep" not in sys.modules
        assert type(model).__name__ == {type(model).__name__!r}, type(model)
        logits = model(torch.from_numpy(np.load({str(tmp_path / "x.npy")!r}))).logits.detach().numpy()
        np.testing.assert_array_equal(logits, np.load({str(tmp_path / "expected.npy")!r}))
        print("REMOTE-OK", type(model).__module__)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HF_MODULES_CACHE"] = str(tmp_path / "modules")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "REMOTE-OK transformers_modules" in result.stdout


def test_new_label_set_with_ignore_mismatched_sizes(tester, tmp_path):
    model, config = build(tester)
    model.save_pretrained(tmp_path)
    id2label = {0: "Wake", 1: "NREM", 2: "REM"}
    label2id = {v: k for k, v in id2label.items()}
    reloaded = AutoModel.from_pretrained(
        tmp_path, id2label=id2label, label2id=label2id, ignore_mismatched_sizes=True
    )
    assert reloaded.config.num_labels == 3 and reloaded.config.label2id == label2id
    out = reloaded.eval()(sample_input(config, 2, config.seq_len))
    assert out.logits.shape == (2, config.seq_len, 3)


def test_config_json_round_trip(tester, tmp_path):
    config = tester.config(ch_names=["EEG Fpz-Cz"] if tester.config().n_chans == 1 else None)
    config.save_pretrained(tmp_path)
    data = json.loads((tmp_path / "config.json").read_text())
    assert data["model_type"] == tester.name
    assert "n_times" not in data, "derived values are properties, not saved"
    assert data["id2label"] == {str(k): v for k, v in config.id2label.items()}
    assert data["label2id"] == config.label2id
    again = type(config).from_pretrained(tmp_path)
    assert again.to_dict() == config.to_dict()
    assert again.n_times == config.n_times


def test_eval_mode_is_deterministic_and_batch_of_one_matches(tester):
    model, config = build(tester)
    model.eval()
    x = sample_input(config, 3, config.seq_len)
    first = model(x).logits
    torch.testing.assert_close(model(x).logits, first, rtol=0, atol=0)
    torch.testing.assert_close(model(x[:1]).logits, first[:1], rtol=1e-4, atol=1e-5)


def test_wrong_input_shapes_raise_clear_errors(tester):
    model, config = build(tester)
    model.eval()
    bad_inputs = [
        torch.zeros(2, config.n_chans, config.n_times + 1),
        torch.zeros(2, config.seq_len, config.n_chans + 1, config.n_times),
        torch.zeros(config.n_times),
        torch.zeros(1, 1, 1, config.n_chans, config.n_times),
    ]
    for bad in bad_inputs:
        with pytest.raises(ValueError) as excinfo:
            model(bad)
        message = str(excinfo.value)
        assert str(tuple(bad.shape)) in message and str(config.n_times) in message


def test_bad_config_values_raise(tester):
    for bad in (
        dict(n_chans=0),
        dict(sfreq=-1.0),
        dict(seq_len=0),
        dict(class_weights=[1.0]),
    ):
        with pytest.raises(ValueError):
            tester.config(**bad)


def test_faithful_parameter_counts_differ_from_the_originals_as_documented(tester):
    arch = get_architecture(tester.name)
    assert set(arch.original_parameters) == set(arch.faithful_configs), "every faithful setting has an original count"
    assert set(tester.parameter_difference_from_original) == set(arch.faithful_configs), (
        "every faithful setting has a documented difference"
    )
    for setting, kwargs in arch.faithful_configs.items():
        ours = sum(p.numel() for p in arch.build(**kwargs).parameters())
        difference = tester.parameter_difference_from_original[setting]
        assert ours - arch.original_parameters[setting] == difference, (
            f"{setting}: ours {ours:,}, original {arch.original_parameters[setting]:,}"
        )
        if difference:
            assert f"+{difference:,}" in arch.parameter_note, "the note explains the difference"


def _tf_conv(kernel: int, n_in: int, n_out: int, bias: bool = False) -> int:
    return kernel * n_in * n_out + (n_out if bias else 0)


def _tf_lstm_with_peepholes(n_in: int, hidden: int) -> int:
    """TensorFlow `LSTMCell(use_peepholes=True)`: one `(in + h, 4h)` kernel, one bias, three peephole vectors."""
    return (n_in + hidden) * 4 * hidden + 4 * hidden + 3 * hidden


def test_registry_original_counts_follow_the_original_layer_definitions():
    """The registry's originals recounted from the layers of the original code (batch norm: gamma and beta)."""

    def deep_convs(kernel, n_in, n_out):
        return _tf_conv(kernel, n_in, n_out) + 2 * n_out + 2 * (_tf_conv(kernel, n_out, n_out) + 2 * n_out)

    # akaraspt/deepsleepnet deepsleep/model.py: two CNN branches, FC shortcut + BN, 2 × 2 peephole LSTMs, softmax.
    small = _tf_conv(50, 1, 64) + 2 * 64 + deep_convs(8, 64, 128)
    large = _tf_conv(400, 1, 64) + 2 * 64 + deep_convs(6, 64, 128)
    features = 16 * 128 + 8 * 128
    lstms = 2 * (_tf_lstm_with_peepholes(features, 512) + _tf_lstm_with_peepholes(512, 512))
    deepsleepnet = small + large + features * 1024 + 2 * 1024 + lstms + 1024 * 5 + 5
    assert get_architecture("deepsleepnet").original_parameters["1 channel, 100 Hz, 30 s"] == deepsleepnet

    # akaraspt/tinysleepnet model.py (ModelMod8): one 128-filter CNN, one peephole LSTM of 128, softmax.
    tiny = _tf_conv(50, 1, 128) + 2 * 128 + deep_convs(8, 128, 128) + _tf_lstm_with_peepholes(16 * 128, 128)
    assert get_architecture("tinysleepnet").original_parameters["1 channel, 100 Hz, 30 s"] == tiny + 128 * 5 + 5

    # SlumberNet's Keras resnet_blocks: 6 widening blocks (8 · 2^i filters, kernels (2, 8/5/3), (2, 1) shortcut),
    # a final block of three (2, 8) convolutions with a BN-only shortcut, global average pooling, Dense(3).
    total, n_in = 0, 1
    for i in range(6):
        width = 8 * 2**i
        convs = _tf_conv(2 * 8, n_in, width, True) + _tf_conv(2 * 5, width, width, True)
        convs += _tf_conv(2 * 3, width, width, True) + _tf_conv(2 * 1, n_in, width, True)
        total += convs + 4 * 2 * width
        n_in = width
    total += 3 * (_tf_conv(2 * 8, 256, 256, True) + 2 * 256) + 2 * 256 + 256 * 3 + 3
    assert get_architecture("slumbernet").original_parameters["2 channels (EEG, EMG), 64 Hz, 4 s"] == total


def test_import_registers_auto_classes():
    for name, arch in ARCHITECTURES.items():
        config = AutoConfig.for_model(name)
        assert type(config) is arch.config_class
    assert hf_sleep.__version__
