"""SeqSleepNet specifics: the STFT front end, the filterbank, the BN-LSTM cell, per-position classifiers, fusion."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import signal

from hf_sleep import SeqSleepNetConfig, SeqSleepNetForSleepStaging
from hf_sleep.models.seqsleepnet import log_magnitude_spectrogram, triangular_filterbank
from hf_sleep.models.seqsleepnet.modeling_seqsleepnet import SeqSleepNetBNLSTM
from hf_sleep.staging.inference import predict_night

from .test_inference import naive_fusion
from .testers import SEQSLEEPNET_TESTER


def tiny(**overrides) -> SeqSleepNetForSleepStaging:
    torch.manual_seed(0)
    return SeqSleepNetForSleepStaging(SEQSLEEPNET_TESTER.config(**overrides))


@pytest.fixture(scope="module")
def n3_eeg(shared_data) -> np.ndarray:
    """30 s of real N3 EEG at 100 Hz, in µV (YASA's example data)."""
    eeg = np.loadtxt(shared_data / "yasa" / "data_N3_no-spindles_30sec_100Hz.txt")
    assert eeg.shape == (3000,)
    return eeg


def scipy_log_spectrogram(eeg: np.ndarray) -> np.ndarray:
    """Matlab's `20*log10(abs(spectrogram(x, hamming(200), 100, 256)))` with scipy: frames × bins."""
    window = signal.windows.hamming(200, sym=True)
    _, _, stft = signal.stft(
        eeg, window=window, nperseg=200, noverlap=100, nfft=256, boundary=None, padded=False, detrend=False
    )
    # scipy's default scaling divides by the window sum; Matlab's spectrogram does not scale.
    return 20 * np.log10(np.abs(stft) * window.sum()).T


def check_stft_front_end_matches_scipy(eeg: np.ndarray) -> None:
    reference = scipy_log_spectrogram(eeg)
    assert reference.shape == (29, 129)
    ours = log_magnitude_spectrogram(torch.from_numpy(eeg), 200, 100, 256).numpy()
    np.testing.assert_allclose(ours, reference, rtol=1e-4)

    # The model's own front end (unnormalised by default), in double and in float32.
    model = tiny().double()
    front_end = model.seqsleepnet.epoch_encoder.front_end
    in_model = front_end.log_spectrum(torch.from_numpy(eeg)[None, None])[0, 0].detach().numpy()
    np.testing.assert_allclose(in_model, reference, rtol=1e-4)
    single = tiny().seqsleepnet.epoch_encoder.front_end.log_spectrum(
        torch.from_numpy(eeg).float()[None, None]
    )
    np.testing.assert_allclose(single[0, 0].detach().numpy(), reference, atol=0.01)


def test_stft_front_end_matches_scipy_on_real_eeg(n3_eeg):
    check_stft_front_end_matches_scipy(n3_eeg)


def test_stft_front_end_matches_scipy_on_a_generated_epoch():
    """Runs everywhere: 30 s of the project's synthetic N3 EEG (slow waves, 1/f background) in µV."""
    from hf_sleep.data.synthetic import synthesize_night

    eeg = synthesize_night(["N3"], channels=("EEG Fpz-Cz",), seed=0)[0].astype(np.float64)
    assert eeg.shape == (3000,) and 10 < eeg.std() < 200
    check_stft_front_end_matches_scipy(eeg)


def test_flat_channel_gives_finite_features():
    model = tiny().eval()
    logits = model(torch.zeros(1, 3, 1, 3000)).logits
    assert torch.isfinite(logits).all()


def test_triangular_filterbank_shape_and_peaks():
    bank = triangular_filterbank(32, 256, 100.0, 0.0, 50.0)
    assert bank.shape == (129, 32)
    assert (bank >= 0).all() and (bank <= 1).all()
    edges = np.floor(257 * np.linspace(0, 50, 34) / 100).astype(int)
    for j in range(32):
        # Each filter peaks at 1 on its centre bin and is zero outside its two neighbouring edges.
        assert bank[edges[j + 1], j] == 1.0
        outside = np.ones(129, dtype=bool)
        outside[edges[j] : edges[j + 2]] = False
        assert not bank[outside, j].any()
    # A narrower band moves every filter below its upper edge.
    low_band = triangular_filterbank(8, 256, 100.0, 0.0, 20.0)
    assert not low_band[int(np.floor(257 * 20 / 100)) :].any()


def test_filterbank_is_non_negative_and_per_channel():
    model = tiny(n_chans=3)
    front_end = model.seqsleepnet.epoch_encoder.front_end
    assert front_end.filterbank_weight.shape == (3, 129, 6)
    x = 20 * torch.randn(2, 3, 3000, generator=torch.Generator().manual_seed(0))
    features, _ = front_end(x)
    assert features.shape == (2, 29, 18)
    # Changing only the EOG signal changes only the EOG filters (features 6..11 of every frame).
    y = x.clone()
    y[:, 1] *= 3
    changed = (front_end(y)[0] - features).abs().amax(dim=(0, 1)) > 1e-6
    assert changed.tolist() == [False] * 6 + [True] * 6 + [False] * 6


def test_spectrum_normalization_is_fitted_saved_and_validated(tmp_path):
    model = tiny(n_chans=2).eval()
    epochs = 30 * torch.randn(7, 2, 3000, generator=torch.Generator().manual_seed(3))
    epochs[:, 1] *= 4
    model.fit_spectrum_normalization(epochs, batch_size=3)
    normalised = model.seqsleepnet.epoch_encoder.front_end.log_spectrum(epochs)
    torch.testing.assert_close(normalised.mean(dim=(0, 2)), torch.zeros(2, 129), atol=1e-4, rtol=0)
    torch.testing.assert_close(
        normalised.std(dim=(0, 2), unbiased=False), torch.ones(2, 129), atol=1e-4, rtol=0
    )
    assert len(model.config.spectrum_mean) == 2 and len(model.config.spectrum_mean[0]) == 129

    expected = model(epochs[None, :3]).logits
    model.save_pretrained(tmp_path)
    reloaded = SeqSleepNetForSleepStaging.from_pretrained(tmp_path).eval()
    torch.testing.assert_close(reloaded(epochs[None, :3]).logits, expected, rtol=0, atol=0)
    # A fresh model built from the saved config alone normalises the same way.
    rebuilt = SeqSleepNetForSleepStaging(reloaded.config)
    torch.testing.assert_close(
        rebuilt.seqsleepnet.epoch_encoder.front_end.spectrum_std,
        model.seqsleepnet.epoch_encoder.front_end.spectrum_std,
    )

    with pytest.raises(ValueError, match="spectrum_mean must hold n_chans=1 lists of n_bins=129"):
        SeqSleepNetConfig(spectrum_mean=[[0.0] * 128], spectrum_std=[[1.0] * 128])
    with pytest.raises(ValueError, match="spectrum_std must be positive"):
        SeqSleepNetConfig(spectrum_mean=[[0.0] * 129], spectrum_std=[[0.0] * 129])
    with pytest.raises(ValueError, match="epochs must have shape"):
        model.fit_spectrum_normalization(torch.zeros(4, 1, 3000))


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(rnn_cell="rnn"), "rnn_cell"),
        (dict(n_fft=128), "n_fft"),
        (dict(filter_high_hz=60.0), "filter_high_hz"),
        (dict(window_seconds=2.005), "window_seconds"),
        (dict(drop_prob=1.0), "drop_prob"),
    ],
)
def test_bad_front_end_config_raises(bad, message):
    with pytest.raises(ValueError, match=message):
        SeqSleepNetConfig(**bad)


def test_bn_lstm_statistics_per_step_and_eval_independence():
    torch.manual_seed(0)
    cell = SeqSleepNetBNLSTM(input_size=4, hidden_size=3, max_steps=2)
    cell.reset_parameters()
    assert sum(p.numel() for p in cell.parameters()) == 2 * (4 * 3 * (4 + 3) + 14 * 3)
    inputs = torch.randn(6, 5, 4)
    cell.train()
    out = cell(inputs)
    assert out.shape == (6, 5, 6)
    out.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in cell.parameters())
    # Both steps kept their own statistics; steps past max_steps updated the last slot again.
    means = cell.running_mean_ih
    assert not torch.allclose(means[:, 0], means[:, 1])
    assert (means != 0).all()

    cell.eval()
    with torch.no_grad():
        whole = cell(inputs)
        one_by_one = torch.cat([cell(inputs[i : i + 1]) for i in range(6)])
    torch.testing.assert_close(whole, one_by_one)
    # The backward direction reads the sequence reversed: its output at the last step sees only that step.
    with torch.no_grad():
        last_only = cell(inputs[:, -1:])
    torch.testing.assert_close(whole[:, -1, 3:], last_only[:, 0, 3:])


def test_bn_lstm_model_trains_saves_and_reloads(tmp_path):
    model = tiny(rnn_cell="lstm")
    x = 20 * torch.randn(2, 3, 1, 3000, generator=torch.Generator().manual_seed(1))
    labels = torch.tensor([[0, 1, 2], [3, 4, 0]])
    model.train()
    model(x, labels=labels).loss.backward()
    model.eval()
    expected = model(x).logits
    model.save_pretrained(tmp_path)
    reloaded = SeqSleepNetForSleepStaging.from_pretrained(tmp_path).eval()
    assert reloaded.config.rnn_cell == "lstm"
    torch.testing.assert_close(reloaded(x).logits, expected, rtol=0, atol=0)


def test_each_position_has_its_own_classifier():
    model = tiny().eval()
    embeddings = torch.randn(1, 1, 10).expand(1, 3, 10)
    hidden = model.seqsleepnet.sequence_rnn(embeddings)
    same_hidden = hidden[:, :1].expand(1, 3, -1)
    logits = model.classifier(same_hidden)
    assert not torch.allclose(logits[0, 0], logits[0, 1]) and not torch.allclose(logits[0, 1], logits[0, 2])
    with pytest.raises(ValueError, match="at most seq_len=3"):
        model(torch.randn(1, 4, 1, 3000))
    shared = tiny(per_position_classifier=False).eval()
    assert shared(torch.randn(1, 5, 1, 3000)).logits.shape == (1, 5, 5)


@pytest.mark.parametrize("rnn_cell", ["gru", "lstm"])
def test_whole_night_fusion_counts_and_matches_windowed_forward(rnn_cell):
    model = tiny(rnn_cell=rnn_cell).eval()
    window = model.config.seq_len
    epochs = 10 * torch.randn(9, 1, 3000, generator=torch.Generator().manual_seed(1))
    prediction = predict_night(model, epochs, batch_size=2)
    np.testing.assert_allclose(
        prediction.log_prob_sum, naive_fusion(model, epochs, window), rtol=1e-5, atol=1e-6
    )
    # L windows score every epoch inside the night, fewer at the edges.
    np.testing.assert_array_equal(prediction.n_windows, [1, 2, 3, 3, 3, 3, 3, 2, 1])
    for batch_size in (1, 5, 64):
        np.testing.assert_allclose(
            predict_night(model, epochs, batch_size=batch_size).log_prob_sum,
            prediction.log_prob_sum,
            rtol=1e-6,
            atol=1e-8,
        )


def test_night_shorter_than_the_window_gets_every_epoch():
    model = tiny().eval()
    epochs = torch.randn(2, 1, 3000, generator=torch.Generator().manual_seed(2))
    prediction = predict_night(model, epochs)
    assert prediction.log_prob_sum.shape == (2, 5) and np.isfinite(prediction.log_prob_sum).all()
    np.testing.assert_array_equal(prediction.n_windows, [1, 1])
    expected = torch.log_softmax(model(epochs[None]).logits[0].double(), -1).detach().numpy()
    np.testing.assert_allclose(prediction.log_prob_sum, expected, rtol=1e-5, atol=1e-6)


PHYSIOEX_VARIANT = dict(
    epoch_rnn_cell="plain_lstm",
    sequence_rnn_cell="gru",
    per_position_classifier=False,
    spectrogram="scipy_density",
    spectrum_standardization="recording",
    channel_major_frames=True,
    drop_prob=0.0,
)


def test_physioex_variant_is_a_configuration(tmp_path):
    model = tiny(n_chans=2, **PHYSIOEX_VARIANT).eval()
    encoder = model.seqsleepnet
    assert isinstance(encoder.epoch_encoder.frame_rnn.rnn, torch.nn.LSTM)
    assert isinstance(encoder.sequence_rnn.rnn, torch.nn.GRU)
    # No fixed statistics are kept: they come from the recording.
    assert not any("spectrum_" in key for key in model.state_dict())
    epochs = 10 * torch.randn(7, 2, 3000, generator=torch.Generator().manual_seed(3))
    logits = model(epochs[None]).logits
    assert logits.shape == (1, 7, 5) and torch.isfinite(logits).all()
    model.save_pretrained(tmp_path)
    reloaded = type(model).from_pretrained(tmp_path).eval()
    torch.testing.assert_close(reloaded(epochs[None]).logits, logits)
    # Statistics of the whole night differ from those of one window: the scope changes the result.
    with model.recording_statistics(torch.cat([epochs, 3 * epochs])):
        assert not torch.allclose(model(epochs[None]).logits, logits)
    model.fit_spectrum_normalization(epochs)  # nothing to fit: statistics come from each recording
    assert model.config.spectrum_mean is None
    logits.sum().backward()  # trainable end to end


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (dict(epoch_rnn_cell="lstm_plain"), "epoch_rnn_cell must be one of"),
        (dict(spectrogram="stft"), "spectrogram must be one of"),
        (dict(spectrum_standardization="night"), "spectrum_standardization must be one of"),
        (
            dict(spectrum_standardization="recording", spectrum_mean=[[0.0] * 129], spectrum_std=[[1.0] * 129]),
            "not both",
        ),
    ],
)
def test_physioex_options_are_validated(overrides, message):
    with pytest.raises(ValueError, match=message):
        SeqSleepNetConfig(**overrides)


def test_recording_statistics_can_travel_with_each_training_sequence():
    """Fine-tuning: each sequence standardised with its recording's statistics, as whole nights are at staging."""
    model = tiny(**PHYSIOEX_VARIANT).eval()
    night_a = 10 * torch.randn(12, 1, 3000, generator=torch.Generator().manual_seed(4))
    night_b = 30 * torch.randn(12, 1, 3000, generator=torch.Generator().manual_seed(5))
    statistics = torch.stack([model.spectrum_statistics_of(night_a), model.spectrum_statistics_of(night_b)])
    assert statistics.shape == (2, 2, 1, 129)
    batch = torch.stack([night_a[:3], night_b[:3]])
    with torch.no_grad():
        together = model(batch, spectrum_statistics=statistics).logits
        for index, night in enumerate((night_a, night_b)):
            with model.recording_statistics(night):
                alone = model(batch[index : index + 1]).logits
            torch.testing.assert_close(together[index : index + 1], alone)
    assert model.seqsleepnet.epoch_encoder.front_end.recording_mean_std is None
