"""RobustSleepNet's published models converted: every tensor mapped, logits and staged probabilities equal to an
independent re-implementation of the original inference path.

The reference below is written from Dreem's source (`robust_sleep_net/` at commit c8ff3f6f, copied in the team's
`../shared/pretrained/robustsleepnet/`): `edf_to_h5.poly_resample` and the float32 `.h5` store,
`signal_processing.filter_bandpass` / `poly_resample` / `normalize_signal_IQR` / `pad_signal`, the memmap's
truncation to whole epochs, `normalization.py` (`clip_and_scale`, `torch.stft` spectrogram, `standardize_online`),
the modules `RobustSleepEncoder`/`AttentiveEncoder`/`ChannelsAttention`, `AttentionReducer` (with reduction),
`ResidualGRUSequenceEncoder`, and `ModuloNet.predict_on_record` (stride 1, arithmetic mean of the window
probabilities, output mode "many"). It loads their state dict under their own key names and never calls hf_sleep.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch
from scipy.signal import filtfilt, iirfilter, resample_poly
from torch import nn

from hf_sleep.pretrained.convert_robustsleepnet import (
    ORIGINAL_END_PADDING_EPOCHS,
    convert_robustsleepnet_model,
    read_robustsleepnet_archive,
    robustsleepnet_feature_extractor,
)
from hf_sleep.pretrained.robustsleepnet_card import HELD_OUT, SAME_WEIGHTS
from hf_sleep.staging.inference import predict_night

from .conftest import REPO_ROOT
from .staging.helpers import cycling_hypnogram, stage_like_signal

MODELS = REPO_ROOT.parent / "shared" / "pretrained" / "robustsleepnet" / "pretrained_model"
YASA = REPO_ROOT.parent / "shared" / "data" / "yasa"


def archive_path(experiment_id: str):
    path = MODELS / experiment_id / "best_model.gz"
    if not path.is_file():
        pytest.skip(f"RobustSleepNet model {path} is absent (the team's ../shared/pretrained folder)")
    return path


# -- their preprocessing ----------------------------------------------------------------------------------------


def their_poly_resample(signal, fs, target_frequency):
    if fs != target_frequency:
        resampled_length = round(signal.shape[0] / fs * target_frequency)
        resampled = resample_poly(signal, int(target_frequency), int(fs), axis=0)
        if len(resampled) < resampled_length:
            resampled = np.concatenate([resampled, np.zeros((resampled_length - len(resampled), signal.shape[-1]))])
        return resampled
    return signal


def their_normalize_signal_iqr(signal, clip_iqr=20, eps=1e-5):
    s_low = np.percentile(signal, 50, axis=0, keepdims=True) - np.percentile(signal, 25, axis=0, keepdims=True)
    s_high = np.percentile(signal, 75, axis=0, keepdims=True) - np.percentile(signal, 50, axis=0, keepdims=True)
    clipped = np.clip(signal, a_min=-2 * clip_iqr * s_low, a_max=2 * clip_iqr * s_high)
    mu = np.median(clipped, axis=0, keepdims=True)
    sigma = np.percentile(clipped, 75, axis=0, keepdims=True) - np.percentile(clipped, 25, axis=0, keepdims=True)
    sigma[sigma == 0] = eps
    return (clipped - mu) / sigma


def their_memmap(signal_uv: np.ndarray, fs: float, padding_seconds: int = 900) -> np.ndarray:
    """`(n_samples, n_chans)` µV at `fs` → the float32 memmap their dataset reads: `(n_epochs * 1800, n_chans)`."""
    h5 = their_poly_resample(np.asarray(signal_uv, dtype=np.float64), fs, 100).astype(np.float32)
    b, a = iirfilter(2, [ff * 2.0 / 100 for ff in (0.2, 30)], btype="bandpass", ftype="butter")
    x = filtfilt(b, a, h5, 0)
    x = their_poly_resample(x, 100, 60)
    x = their_normalize_signal_iqr(x)
    pad = np.zeros((padding_seconds * 60,) + x.shape[1:])
    x = np.concatenate([pad, x, pad])
    n_epochs = int((x.shape[0] // 60) // 30)
    return x[: n_epochs * 1800].astype(np.float32)


# -- their network ----------------------------------------------------------------------------------------------


class TheirAttention(nn.Module):
    def __init__(self, input_dim, context_size):
        super().__init__()
        self.context_matrix = nn.Linear(input_dim, context_size)
        self.context_vector = nn.Linear(context_size, 1, bias=False)

    def forward(self, x):
        batch_size, length, n_features = x.shape
        u = torch.tanh(self.context_matrix(x.reshape(batch_size * length, n_features)))
        alpha = torch.softmax(self.context_vector(u).view(batch_size, length), dim=1).unsqueeze(-1)
        return (x * alpha).sum(1)


class TheirChannelsAttention(nn.Module):
    def __init__(self, input_dim, context_size, virtual_channels):
        super().__init__()
        self.virtual_channels = virtual_channels
        for i in range(virtual_channels):
            self.add_module(f"attention_{i}", TheirAttention(input_dim, context_size))

    def forward(self, x):
        return torch.cat([getattr(self, f"attention_{i}")(x).unsqueeze(-2) for i in range(self.virtual_channels)], -2)


class TheirAttentiveEncoder(nn.Module):
    def __init__(self, input_dim=65, filter_dim=32, n_virtual_channels=4, context_size=30, hidden_layers=64):
        super().__init__()
        self.filter_reduction = nn.Linear(input_dim, filter_dim)
        self.channel_attention = TheirChannelsAttention(filter_dim, context_size, n_virtual_channels)
        self.virtual_channels, self.filter_dim = n_virtual_channels, filter_dim
        self.gru = nn.GRU(filter_dim * n_virtual_channels, hidden_layers, bidirectional=True, batch_first=True)

    def forward(self, x):
        batch_size, n_channels, filter_size, spectrogram_length = x.shape
        x = self.filter_reduction(x.transpose(2, 3).contiguous()).transpose(2, 3)
        x = x.transpose(1, 3).transpose(2, 3).contiguous().view(-1, n_channels, self.filter_dim)
        x = self.channel_attention(x)
        x = x.view(batch_size, spectrogram_length, self.virtual_channels, self.filter_dim)
        x = x.transpose(3, 2).transpose(1, 3).contiguous()
        x = x.contiguous().view(batch_size, -1, spectrogram_length).transpose(1, 2)
        x, _ = self.gru(x)
        return x.transpose(1, 2)


class TheirRobustSleepEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = TheirAttentiveEncoder()

    def forward(self, x):
        batch_size, temporal_context, n_channels, n_filters, length = x.size()
        return self.encoder(x.contiguous().view(batch_size * temporal_context, n_channels, n_filters, length))


class TheirReducer(nn.Module):
    def __init__(self, channels=128, output_dim=50, context_size=25):
        super().__init__()
        self.reduction = nn.Linear(channels, output_dim)
        self.attention = TheirAttention(output_dim, context_size)

    def forward(self, x):
        return self.attention(self.reduction(x.transpose(1, 2)))


class TheirGRUWithSkipConnection(nn.Module):
    def __init__(self, input_size, cells=50):
        super().__init__()
        self.residual_connection = nn.Linear(input_size, 2 * cells)
        self.gru = nn.GRU(input_size, cells, bidirectional=True)

    def forward(self, x):
        x_residual = self.residual_connection(x)
        x_gru, _ = self.gru(x.transpose(0, 1))
        return (x_residual + x_gru.transpose(0, 1)) / 2


class TheirSequenceEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.ModuleList([TheirGRUWithSkipConnection(50), TheirGRUWithSkipConnection(100)])

    def forward(self, x):
        for layer in self.encoder:
            x = layer(x)
        return x


class TheirModuloNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder_eeg = TheirRobustSleepEncoder()
        self.reducer_eeg = TheirReducer()
        self.sequence_encoder = TheirSequenceEncoder()
        self.classifier = nn.Linear(100, 5)

    @staticmethod
    def normalize(x):
        x = x.clamp(min=-20, max=20) / 20  # clip_and_scale
        fs, window_duration, window_overlap = 60, 2, 1  # spectrogram
        ws, hop = 2 ** int(np.log2(fs * window_duration) + 1), fs * window_overlap
        batch_size, temporal_context, n_channels, signal_length = x.shape
        x = x.reshape(-1, signal_length)
        window = torch.from_numpy(np.hanning(ws) / np.hanning(ws).sum()).float()
        stft = torch.stft(x, n_fft=ws, hop_length=hop, win_length=ws, window=window, onesided=True, center=False,
                          normalized=False, return_complex=True)  # fmt: skip
        x = (torch.view_as_real(stft) ** 2).sum(-1).float()
        x = torch.log10(torch.clamp(x, 1e-20, 1e32))
        x = x.view(batch_size, temporal_context, n_channels, x.shape[1], x.shape[2])
        # standardize_online over axes [1, -1] (multi_mean, multi_std unbiased), eps 1e-15
        mu = x.mean(1, keepdim=True).mean(-1, keepdim=True)
        base = list(x.shape)
        y = x.unsqueeze(-1).transpose(1, -1)
        base[1] = 1
        y = y.unsqueeze(-1)
        base[-1] = 1
        sigma = y.contiguous().view(tuple(base + [-1])).std(-1, unbiased=True)
        return (x - mu) / (sigma + 1e-15)

    def forward(self, signals):
        signals = self.normalize(signals)
        batch_size, temporal_context = signals.shape[:2]
        features = self.reducer_eeg(self.encoder_eeg(signals))
        seq = self.sequence_encoder(features.view(batch_size, temporal_context, -1))
        return self.classifier(seq)  # (batch, temporal_context, 5): output mode "many"


def their_model(experiment_id: str) -> TheirModuloNet:
    net = TheirModuloNet()
    net.load_state_dict(read_robustsleepnet_archive(archive_path(experiment_id))["state_dict"], strict=True)
    return net.eval()


def their_windows(memmap: np.ndarray, temporal_context: int = 21) -> tuple[torch.Tensor, list[int]]:
    """Every evaluation window of their dataset: `(n_windows, 21, n_chans, 1800)` and its centre epochs."""
    n_epochs = memmap.shape[0] // 1800
    centres = list(range(temporal_context // 2, n_epochs - temporal_context // 2))
    windows = [
        memmap[(c - 10) * 1800 : (c + 11) * 1800].reshape(temporal_context, 1800, -1).transpose(0, 2, 1)
        for c in centres
    ]
    return torch.from_numpy(np.stack(windows)), centres


@torch.inference_mode()
def their_hypnodensity(net: TheirModuloNet, memmap: np.ndarray, padding_epochs: int = 30) -> np.ndarray:
    """`predict_on_record(..., mode="arithmetic")` then `hypnodensity[padding:-padding]`, as `inference_on_h5`."""
    windows, centres = their_windows(memmap)
    predicted = np.zeros((memmap.shape[0] // 1800, 5))
    for start in range(0, len(windows), 64):
        preds = torch.softmax(net(windows[start : start + 64]).double(), -1).numpy()
        for i, centre in enumerate(centres[start : start + 64]):
            predicted[centre - 10 : centre + 11] += preds[i] / 21
    return predicted[padding_epochs:-padding_epochs] if padding_epochs else predicted


# -- the tests ----------------------------------------------------------------------------------------------------


def real_snippets() -> tuple[np.ndarray, float]:
    """YASA's real N3 (100 Hz, upsampled ×2) and N2 snippets at 200 Hz, 12 min of µV (24 epochs)."""
    if not YASA.is_dir():
        pytest.skip(f"real EEG snippets {YASA} are absent (the team's ../shared/data folder)")
    n3 = np.loadtxt(YASA / "data_N3_no-spindles_30sec_100Hz.txt")
    n2 = np.loadtxt(YASA / "data_N2_spindles_15sec_200Hz.txt")
    return np.tile(np.concatenate([resample_poly(n3, 2, 1), n2, n2]), 12), 200.0


def test_identical_published_models_are_bundled_once():
    def tensor_hash(experiment_id):
        digest = hashlib.sha256()
        for key, tensor in sorted(read_robustsleepnet_archive(archive_path(experiment_id))["state_dict"].items()):
            digest.update(key.encode() + tensor.numpy().tobytes())
        return digest.hexdigest()

    hashes = {experiment_id: tensor_hash(experiment_id) for experiment_id in HELD_OUT}
    groups: dict[str, list[str]] = {}
    for experiment_id, digest in hashes.items():
        groups.setdefault(digest, []).append(experiment_id)
    duplicates = {tuple(sorted(ids)) for ids in groups.values() if len(ids) > 1}
    assert duplicates == {tuple(sorted([*SAME_WEIGHTS, *SAME_WEIGHTS.values()]))}


def test_preprocessing_equals_theirs_on_real_eeg():
    signal, fs = real_snippets()
    config_model = convert_robustsleepnet_model(archive_path("415fe39c-0729-41b6-bf8a-a04570042f5c"))
    ours = robustsleepnet_feature_extractor(config_model.config).epochs_from_signal(signal[None].astype(np.float32), fs)
    theirs = their_memmap(signal.astype(np.float32)[:, None], fs, padding_seconds=0)
    np.testing.assert_allclose(ours.reshape(-1), theirs[:, 0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("experiment_id", [e for e in HELD_OUT if e not in SAME_WEIGHTS])
def test_converted_logits_equal_theirs_on_real_eeg(experiment_id):
    signal, fs = real_snippets()
    ours = convert_robustsleepnet_model(archive_path(experiment_id))
    memmap = their_memmap(signal.astype(np.float32)[:, None], fs, padding_seconds=0)
    windows, _ = their_windows(memmap)
    with torch.inference_mode():
        expected = their_model(experiment_id)(windows)
        np.testing.assert_allclose(ours(windows).logits.numpy(), expected.numpy(), rtol=0, atol=1e-5)
        # Three derivations at once (the channel attention): the same signal, shifted copies.
        three = torch.cat([windows, windows.roll(7, -1) * 0.5, windows.roll(-3, -1)], dim=2)
        three_model = convert_robustsleepnet_model(archive_path(experiment_id), n_chans=3, ch_names=["EEG", "EOG", "EMG"])
        np.testing.assert_allclose(
            three_model(three).logits.numpy(), their_model(experiment_id)(three).numpy(), rtol=0, atol=1e-5
        )


@pytest.mark.parametrize("source", ["real snippets", pytest.param("generated night", marks=pytest.mark.slow)])
def test_staged_probabilities_equal_their_inference_with_end_padding(source):
    if source == "real snippets":
        signal, fs = real_snippets()
    else:
        signal, fs = stage_like_signal(cycling_hypnogram(1.0), sfreq=100.0).astype(np.float64), 100.0
    experiment_id = "415fe39c-0729-41b6-bf8a-a04570042f5c"
    model = convert_robustsleepnet_model(archive_path(experiment_id), end_padding_epochs=ORIGINAL_END_PADDING_EPOCHS)
    epochs = robustsleepnet_feature_extractor(model.config).epochs_from_signal(signal[None].astype(np.float32), fs)
    ours = predict_night(model, epochs).probabilities
    expected = their_hypnodensity(their_model(experiment_id), their_memmap(signal.astype(np.float32)[:, None], fs))
    assert ours.shape == expected.shape == (len(signal) // int(30 * fs), 5)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-5)


def test_bad_archives_get_one_line_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_robustsleepnet_archive(tmp_path / "missing.gz")
    not_tar = tmp_path / "best_model.gz"
    not_tar.write_bytes(b"not a tar")
    with pytest.raises(ValueError, match=r"best_model\.gz is not a RobustSleepNet model archive"):
        read_robustsleepnet_archive(not_tar)
