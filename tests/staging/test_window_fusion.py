"""Whole-night inference of RobustSleepNet: mean window probabilities, optional end padding, shifted window grids."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hf_sleep import RobustSleepNetConfig, RobustSleepNetForSleepStaging
from hf_sleep.staging.inference import predict_night, window_starts

TINY = dict(sfreq=10.0, seq_len=5, filter_dim=4, n_virtual_channels=2, channel_attention_size=3,
            epoch_rnn_hidden_size=4, epoch_embedding_size=5, epoch_attention_size=3, sequence_rnn_hidden_size=4)  # fmt: skip


def tiny_model(**overrides):
    torch.manual_seed(0)
    return RobustSleepNetForSleepStaging(RobustSleepNetConfig(**{**TINY, **overrides})).eval()


@pytest.mark.parametrize(("n_epochs", "stride", "offset"), [(30, 5, 0), (30, 5, 3), (31, 5, 4), (4, 5, 2)])
def test_shifted_window_grids_cover_every_epoch(n_epochs, stride, offset):
    starts = window_starts(n_epochs, 5, stride, offset)
    assert starts[0] == 0 and starts[-1] == max(n_epochs - 5, 0)
    covered = np.zeros(n_epochs, dtype=bool)
    for start in starts:
        covered[start : start + 5] = True
    assert covered.all()
    assert starts == sorted(set(starts))


def test_windows_are_fused_by_their_mean_probability():
    model = tiny_model()
    epochs = torch.randn(12, 1, 300)
    fused = predict_night(model, epochs).probabilities
    total, count = torch.zeros(12, 5, dtype=torch.float64), torch.zeros(12, 1, dtype=torch.float64)
    with torch.no_grad():
        for start in window_starts(12, 5):
            total[start : start + 5] += torch.softmax(model(epochs[None, start : start + 5]).logits[0].double(), -1)
            count[start : start + 5] += 1
    np.testing.assert_allclose(fused, (total / count).numpy(), atol=1e-6)


def test_end_padding_stages_zero_epochs_at_both_ends_and_drops_them():
    padded = tiny_model(end_padding_epochs=3)
    epochs = torch.randn(8, 1, 300)
    zeros = torch.zeros(3, 1, 300)
    expected = predict_night(tiny_model(), torch.cat([zeros, epochs, zeros])).probabilities[3:-3]
    np.testing.assert_allclose(predict_night(padded, epochs).probabilities, expected, atol=1e-9)
    # Without padding, a recording shorter than the context is one shorter window.
    short = predict_night(tiny_model(), epochs[:3])
    assert short.n_windows.tolist() == [1, 1, 1]
