"""SlumberNet specifics: defaults, the corrected channel layout, and the original's preprocessing."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from scipy import signal

from hf_sleep import SlumberNetConfig, SlumberNetForSleepStaging
from hf_sleep.models.sleep_base.preprocessing import slumbernet_preprocess
from hf_sleep.staging.inference import predict_night

from .testers import SLUMBERNET_TESTER


def tiny(**overrides) -> SlumberNetForSleepStaging:
    torch.manual_seed(0)
    return SlumberNetForSleepStaging(SLUMBERNET_TESTER.config(**overrides)).eval()


def test_defaults_describe_mouse_eeg_emg():
    config = SlumberNetConfig()
    assert (config.n_chans, config.sfreq, config.epoch_seconds, config.n_times) == (2, 64.0, 4.0, 256)
    # channel names live in the feature extractor; a model saved without one reads EEG and EMG, the rows it is built on
    from hf_sleep.models.sleep_base.signal_contract import SignalContract

    assert not hasattr(config, "ch_names") and "default_ch_names" not in config.to_dict()
    assert SignalContract.from_model_config(config).ch_names == ["EEG", "EMG"]
    assert config.id2label == {0: "Wake", 1: "NREM", 2: "REM"}
    assert config.label2id == {"Wake": 0, "NREM": 1, "REM": 2}
    with pytest.raises(ValueError, match="kernel_sizes"):
        SlumberNetConfig(kernel_sizes=[8, 5])
    with pytest.raises(ValueError, match="block_filters"):
        SlumberNetConfig(block_filters=[8, 0])


def test_kernels_run_along_time_within_aligned_channels():
    """The first convolution at (channel row r, time t) sees EEG and EMG only at times t-3 … t+4."""
    model = tiny()
    first = model.slumbernet.blocks[0].conv1[:2]  # padding + convolution, before batch norm
    x = torch.randn(1, 1, 2, 256, requires_grad=True)
    first(x)[0, :, 0, 100].sum().backward()
    touched = x.grad[0, 0].abs() > 0
    assert touched[:, :97].sum() == 0 and touched[:, 105:].sum() == 0
    assert touched[0, 97:105].all() and touched[1, 97:105].all(), "the kernel spans both EEG and EMG rows"

    # With per-channel kernels (channel_kernel_size=1), the EEG row never sees EMG.
    per_channel = tiny(channel_kernel_size=1).slumbernet.blocks[0].conv1[:2]
    x.grad = None
    per_channel(x)[0, :, 0, 100].sum().backward()
    assert x.grad[0, 0, 1].abs().sum() == 0 and x.grad[0, 0, 0].abs().sum() > 0


def test_emg_matters_and_epochs_are_scored_independently():
    model = tiny()
    x = torch.randn(3, 4, 2, 256, generator=torch.Generator().manual_seed(0))
    logits = model(x).logits
    assert logits.shape == (3, 4, 3)
    torch.testing.assert_close(model(x[:, 2]).logits, logits[:, 2], rtol=1e-5, atol=1e-6)
    louder_emg = x.clone()
    louder_emg[:, :, 1] *= 5
    assert not torch.allclose(model(louder_emg).logits, logits)


def test_whole_recording_staging_uses_every_epoch_once():
    model = tiny(seq_len=1)
    epochs = torch.randn(6, 2, 256, generator=torch.Generator().manual_seed(1))
    prediction = predict_night(model, epochs, batch_size=4)
    np.testing.assert_array_equal(prediction.n_windows, np.ones(6))
    expected = torch.log_softmax(model(epochs).logits.double(), -1).detach().numpy()
    np.testing.assert_allclose(prediction.log_prob_sum, expected, rtol=1e-5, atol=1e-6)
    assert set(prediction.stage_labels) <= {"Wake", "NREM", "REM"}


def original_preprocessing(eeg_epoch: np.ndarray, emg_epoch: np.ndarray) -> np.ndarray:
    """The steps of the original `1_slumbernet_preprocessing.py` for one 4-s epoch at 256 Hz."""

    def downsample_and_detrend(values: np.ndarray) -> np.ndarray:
        down = signal.resample_poly(values, len(values) // 4, len(values))
        time = np.arange(len(down))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.RankWarning)
            fit = np.polyfit(time, down, 12)
        return down - np.polyval(fit, time)

    b, a = signal.butter(4, 16 / (256 / 2), "low")
    return np.stack(
        (downsample_and_detrend(eeg_epoch), downsample_and_detrend(signal.lfilter(b, a, emg_epoch)))
    )


def mouse_like_signals(n_epochs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(n_epochs * 1024) / 256.0
    eeg = 80 * np.sin(2 * np.pi * 2.5 * t) + 30 * rng.normal(size=t.size) + 40 * t / t[-1]
    emg = 20 * rng.normal(size=t.size) * (1 + np.sin(2 * np.pi * 0.05 * t)) + 15
    return eeg, emg


def test_preprocessing_matches_the_original_steps():
    eeg, emg = mouse_like_signals(5)
    epochs, sfreq = slumbernet_preprocess(eeg, emg, 256.0)
    assert epochs.shape == (5, 2, 256) and epochs.dtype == np.float32 and sfreq == 64.0
    for i in range(5):
        piece = slice(i * 1024, (i + 1) * 1024)
        expected = original_preprocessing(eeg[piece], emg[piece])
        np.testing.assert_allclose(epochs[i], expected, rtol=0, atol=1e-6 * np.abs(expected).max())
    # The trend and the EMG offset are gone from every epoch.
    assert np.abs(epochs.mean(axis=2)).max() < 1e-3 * np.abs(epochs).max()


def test_preprocessing_accepts_epochs_and_drops_a_partial_tail():
    eeg, emg = mouse_like_signals(4, seed=1)
    continuous, _ = slumbernet_preprocess(eeg[:-100], emg[:-100], 256.0)
    assert continuous.shape == (3, 2, 256)
    epoched, _ = slumbernet_preprocess(eeg.reshape(4, 1024), emg.reshape(4, 1024), 256.0)
    np.testing.assert_array_equal(epoched[:3], continuous)
    model = tiny()
    assert model(torch.from_numpy(epoched)).logits.shape == (4, 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(eeg=np.zeros(2048), emg=np.zeros(1024), sfreq=256.0), "same length"),
        (dict(eeg=np.zeros(500), emg=np.zeros(500), sfreq=256.0), "fewer than one epoch"),
        (dict(eeg=np.zeros((2, 1000)), emg=np.zeros((2, 1000)), sfreq=256.0), r"\(n_epochs, 1024\)"),
        (dict(eeg=np.zeros(2048), emg=np.zeros(2048), sfreq=32.0), "target_sfreq"),
        (dict(eeg=np.zeros(2048), emg=np.zeros(2048), sfreq=-1.0), "sfreq must be a positive number"),
    ],
)
def test_preprocessing_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        slumbernet_preprocess(**kwargs)
