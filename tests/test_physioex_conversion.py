"""physioex's SeqSleepNet checkpoints converted: every tensor mapped, logits equal to an independent forward pass.

The reference below is written from physioex's layer equations (physioex/train/networks/seqsleepnet.py at the
checkpoints' commit, and PyTorch's documented LSTM/GRU equations) with plain torch operations on the checkpoint
tensors; it never calls hf_sleep modules. Its input is prepared as physioex prepares it (per-epoch Butterworth
band-pass, `scipy.signal.spectrogram` with physioex's arguments), then standardised per channel and frequency bin
over the whole input (the converted model's documented replacement for physioex's unpublished statistics).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import signal as scipy_signal

from hf_sleep.models.seqsleepnet import density_log_spectrogram
from hf_sleep.pretrained.convert_physioex import (
    convert_physioex_checkpoint,
    convert_state_dict,
    load_physioex_state_dict,
    physioex_config,
)

from .conftest import REPO_ROOT

PRETRAINED = REPO_ROOT.parent / "shared" / "pretrained" / "physioex"
CHECKPOINTS = {
    1: "seqsleepnet-EEG-L=21-test_acc=0.864.ckpt",
    3: "seqsleepnet-EEG-EOG-EMG-L=21-test_acc=0.877.ckpt",
}


def checkpoint_path(n_chans: int) -> Path:
    path = PRETRAINED / CHECKPOINTS[n_chans]
    if not path.is_file():
        pytest.skip(f"physioex checkpoint {path} is absent (the team's ../shared/pretrained folder)")
    return path


# ---------------------------------------------------------------------------------------- physioex's input
def bandpass_epochs(epochs: np.ndarray) -> np.ndarray:
    """physioex's `bandpass_filter(signal, 0.3, 40, 100)` on each 30-s epoch (last axis)."""
    b, a = scipy_signal.butter(5, [0.3 / 50, 40 / 50], btype="band")
    return np.ascontiguousarray(scipy_signal.filtfilt(b, a, epochs, axis=-1))


def physioex_spectrogram(epochs: np.ndarray) -> np.ndarray:
    """physioex's `xsleepnet_preprocessing`: `(n, C, 3000)` -> `(n, C, 29, 129)` float32."""
    out = np.zeros((*epochs.shape[:2], 29, 129), dtype=np.float32)
    for i in range(epochs.shape[0]):
        for j in range(epochs.shape[1]):
            _, _, sxx = scipy_signal.spectrogram(
                epochs[i, j].astype(np.double), fs=100, window="hamming", nperseg=200, noverlap=100, nfft=256
            )
            out[i, j] = (20 * np.log10(np.abs(sxx) + np.finfo(float).eps)).T.astype(np.float32)
    return out


def real_night(shared_data: Path, n_chans: int, n_epochs: int = 25) -> np.ndarray:
    """`(n_epochs, n_chans, 3000)` µV built from YASA's real EEG snippets (N3 at 100 Hz, N2 spindles at 200 Hz).

    Epochs alternate circularly shifted copies of the N3 epoch and the N2 snippet (resampled to 100 Hz, played
    twice); further channels are the same signals shifted again, so every channel differs.
    """
    n3 = np.loadtxt(shared_data / "yasa" / "data_N3_no-spindles_30sec_100Hz.txt")
    n2 = scipy_signal.resample_poly(np.loadtxt(shared_data / "yasa" / "data_N2_spindles_15sec_200Hz.txt"), 1, 2)
    n2 = np.tile(n2, 2)
    epochs = np.empty((n_epochs, n_chans, 3000))
    for k in range(n_epochs):
        for c in range(n_chans):
            source = n3 if (k // 3) % 2 == 0 else n2
            epochs[k, c] = np.roll(source, 211 * k + 997 * c) * (1.0 + 0.1 * c)
    return bandpass_epochs(epochs)


# ------------------------------------------------------------------------------ the independent reference
def lstm_direction(x: torch.Tensor, w_ih, w_hh, b_ih, b_hh) -> torch.Tensor:
    """PyTorch's LSTM equations (gate order i, f, g, o), one direction over `(n, steps, input)`."""
    h = x.new_zeros(x.shape[0], w_hh.shape[1])
    c = torch.zeros_like(h)
    outputs = []
    for t in range(x.shape[1]):
        i, f, g, o = (x[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs, dim=1)


def gru_direction(x: torch.Tensor, w_ih, w_hh, b_ih, b_hh) -> torch.Tensor:
    """PyTorch's GRU equations (gate order r, z, n; reset applied to the hidden projection)."""
    h = x.new_zeros(x.shape[0], w_hh.shape[1])
    outputs = []
    for t in range(x.shape[1]):
        xr, xz, xn = (x[:, t] @ w_ih.T + b_ih).chunk(3, dim=-1)
        hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, dim=-1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        h = (1 - z) * n + z * h
        outputs.append(h)
    return torch.stack(outputs, dim=1)


def bidirectional(cell, x: torch.Tensor, sd: dict, prefix: str) -> torch.Tensor:
    forward = cell(x, *(sd[f"{prefix}.{name}_l0"] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    backward = cell(
        x.flip(1), *(sd[f"{prefix}.{name}_l0_reverse"] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    ).flip(1)
    return torch.cat((forward, backward), dim=-1)


def reference_logits(sd: dict, spectrum: np.ndarray, seq_len: int = 21) -> torch.Tensor:
    """physioex's Net.forward on `(n_epochs, C, 29, 129)` (standardised here), as windows of `seq_len` epochs."""
    x = torch.from_numpy(spectrum).double()
    mean = x.mean(dim=(0, 2), keepdim=True)
    std = x.var(dim=(0, 2), unbiased=False, keepdim=True).sqrt()
    x = ((x - mean) / std).float()
    windows = torch.stack([x[s : s + seq_len] for s in range(len(x) - seq_len + 1)])  # (B, L, C, T, F)
    batch, length, n_chans, frames, _ = windows.shape
    x = windows.reshape(-1, n_chans, frames, 129)
    # LearnableFilterbank: x @ (sigmoid(W) * S), then EpochEncoder's straight reshape to (B*L, T, D*C).
    fb = torch.sigmoid(sd["nn.epoch_encoder.F2_filtbank.W"]) * sd["nn.epoch_encoder.F2_filtbank.S"]
    x = torch.matmul(x, fb).reshape(x.shape[0], frames, -1)
    x = bidirectional(lstm_direction, x, sd, "nn.epoch_encoder.F2_birnn")
    # AttentionLayer: alphas = exp(tanh(x W + b) u) / sum, output = sum_t alpha_t x_t.
    v = torch.tanh(x @ sd["nn.epoch_encoder.F2_attention.W_omega"] + sd["nn.epoch_encoder.F2_attention.b_omega"])
    exps = torch.exp(v @ sd["nn.epoch_encoder.F2_attention.u_omega"])
    alphas = exps / exps.sum(dim=1, keepdim=True)
    x = (x * alphas[..., None]).sum(dim=1).reshape(batch, length, -1)
    x = bidirectional(gru_direction, x, sd, "nn.sequence_encoder.LSTM")
    return x @ sd["nn.sequence_encoder.clf.weight"].T + sd["nn.sequence_encoder.clf.bias"]


# ------------------------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("n_chans", [1, 3])
def test_converted_logits_equal_independent_reference_on_real_eeg(n_chans, shared_data, tmp_path):
    from transformers import AutoModel

    import hf_sleep  # noqa: F401  (registers the Auto classes)

    path = checkpoint_path(n_chans)
    convert_physioex_checkpoint(path, tmp_path / "converted")
    model = AutoModel.from_pretrained(tmp_path / "converted").eval()
    epochs = real_night(shared_data, n_chans)
    sd = {key: value.float() for key, value in load_physioex_state_dict(path).items()}
    expected = reference_logits(sd, physioex_spectrogram(epochs))

    windows = torch.from_numpy(epochs).float().unfold(0, 21, 1).permute(0, 3, 1, 2)  # (B, 21, C, 3000)
    with torch.no_grad(), model.recording_statistics(torch.from_numpy(epochs).float()):
        logits = model(windows).logits
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=0)
    # The physioex checkpoints stage real EEG with clearly non-uniform probabilities.
    assert logits.softmax(-1).max(-1).values.mean() > 0.5


def test_conversion_maps_every_tensor_and_refuses_extra_or_missing():
    state_dict = load_physioex_state_dict(checkpoint_path(1))
    from hf_sleep import SeqSleepNetForSleepStaging

    model = SeqSleepNetForSleepStaging(physioex_config(state_dict))
    converted = convert_state_dict(state_dict, model)
    assert set(converted) == set(model.state_dict())
    with pytest.raises(ValueError, match="left unused: \\['nn.extra'\\]"):
        convert_state_dict({**state_dict, "nn.extra": torch.zeros(1)}, model)
    incomplete = {k: v for k, v in state_dict.items() if not k.startswith("nn.sequence_encoder.clf")}
    with pytest.raises(ValueError, match="missing: \\['classifier.bias', 'classifier.weight'\\]"):
        convert_state_dict(incomplete, model)


def test_conversion_refuses_a_file_that_is_not_a_physioex_checkpoint(tmp_path):
    other = tmp_path / "other.ckpt"
    torch.save({"state_dict": {"encoder.weight": torch.zeros(2)}}, other)
    with pytest.raises(ValueError, match="not a physioex SeqSleepNet checkpoint"):
        load_physioex_state_dict(other)
    with pytest.raises(FileNotFoundError, match="missing.ckpt"):
        load_physioex_state_dict(tmp_path / "missing.ckpt")


def test_density_spectrogram_matches_scipy_on_real_eeg(shared_data):
    epochs = real_night(shared_data, 1, n_epochs=4)
    expected = physioex_spectrogram(epochs)
    ours = density_log_spectrogram(torch.from_numpy(epochs), 200, 100, 256, 100.0).float().numpy()
    np.testing.assert_allclose(ours, expected, atol=1e-4, rtol=0)


def test_density_spectrogram_matches_scipy_on_generated_signal():
    """Always runs: a generated signal with a spindle-like burst, a slow wave, noise and an offset."""
    rng = np.random.default_rng(0)
    t = np.arange(3000) / 100
    x = 40 * np.sin(2 * np.pi * 0.8 * t) + 15 * np.sin(2 * np.pi * 13 * t) * (np.abs(t - 12) < 1)
    x = np.stack([x + 10 * rng.normal(size=3000) + 25.0, 5 * rng.normal(size=3000)])[None]
    expected = physioex_spectrogram(x)
    ours = density_log_spectrogram(torch.from_numpy(x), 200, 100, 256, 100.0).float().numpy()
    assert ours.shape == (1, 2, 29, 129)
    np.testing.assert_allclose(ours, expected, atol=1e-4, rtol=0)
    # A flat channel gives the floor 20·log10(eps), not -inf.
    flat = density_log_spectrogram(torch.zeros(1, 3000, dtype=torch.float64), 200, 100, 256, 100.0)
    assert torch.allclose(flat, torch.full_like(flat, 20 * np.log10(np.finfo(float).eps)))


class _Payload:  # what a hostile checkpoint pickles: a call the weights-only loader refuses to make
    def __reduce__(self):
        import os

        return (os.getcwd, ())


@pytest.mark.parametrize("content", ["pickle", "not torch"])
def test_a_checkpoint_that_needs_code_or_is_not_torch_is_refused_in_one_line(tmp_path, capsys, content):
    from hf_sleep.cli import main

    checkpoint = tmp_path / "model.ckpt"
    if content == "pickle":
        torch.save({"state_dict": {"nn.epoch_encoder.x": _Payload()}}, checkpoint)
    else:
        checkpoint.write_bytes(b"hello, not a checkpoint")
    code = main(["convert-physioex", str(checkpoint), str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"hf-sleep convert-physioex: error: could not open {checkpoint} as a weights-only torch")
    if content == "pickle":
        assert "it holds Python objects, not only tensors (Trying to load unsupported GLOBAL posix.getcwd" in err
        assert "weights_only` set to `False`" not in err  # torch's advice to load it unsafely is not passed on
    else:
        assert "not a torch file" in err
    assert not (tmp_path / "out").exists()
