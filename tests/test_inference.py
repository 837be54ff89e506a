"""Whole-night inference with overlapping windows and log-probability fusion."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hf_sleep import get_architecture
from hf_sleep.staging.inference import predict_night, window_starts

from .testers import TESTERS


def tiny_model(name: str, **overrides):
    torch.manual_seed(0)
    return get_architecture(name).model_class(TESTERS[name].config(**overrides)).eval()


def naive_fusion(model, epochs: torch.Tensor, window: int) -> np.ndarray:
    n = len(epochs)
    total = np.zeros((n, model.config.num_labels))
    for start in window_starts(n, window):
        logits = model(epochs[start : start + window][None]).logits[0]
        total[start : start + window] += torch.log_softmax(logits.double(), -1).detach().numpy()
    return total


@pytest.mark.parametrize("name", ["tinysleepnet", "deepsleepnet"])
def test_fusion_matches_windowed_forward_and_counts(name):
    model = tiny_model(name, seq_len=4)
    epochs = 10 * torch.randn(11, 1, 3000, generator=torch.Generator().manual_seed(1))
    prediction = predict_night(model, epochs, batch_size=3, stride=1)
    np.testing.assert_allclose(prediction.log_prob_sum, naive_fusion(model, epochs, 4), rtol=1e-5, atol=1e-6)
    # Every epoch is scored by every window that contains it: L inside the night, fewer at the edges.
    expected_counts = [min(i + 1, 4, 11 - i, 8) for i in range(11)]
    np.testing.assert_array_equal(prediction.n_windows, expected_counts)
    np.testing.assert_allclose(prediction.probabilities.sum(axis=1), 1.0, rtol=1e-9)


def original_deepsleepnet_night(model, epochs: torch.Tensor) -> torch.Tensor:
    """Logits of a night scored as akaraspt/deepsleepnet's `predict.py` (`custom_run_epoch`) does: batches of one
    `seq_len`-epoch sequence in order, the forward and the backward LSTM states fed back from each sequence into
    the next, the residual shortcut and softmax layer per epoch. The original drops the last `n % seq_len`
    epochs; here they form one last, shorter sequence with the same carried states."""
    block, seq_len = model.deepsleepnet.sequence_block, model.config.seq_len
    features = model.embed_epochs(epochs)
    forward_state = backward_state = None
    logits = []
    for start in range(0, len(features), seq_len):
        sequence = features[None, start : start + seq_len]
        forward_out, forward_state = block.forward_lstm(sequence, forward_state)
        backward_out, backward_state = block.backward_lstm(sequence.flip(1), backward_state)
        recurrent = torch.cat((forward_out, backward_out.flip(1)), dim=-1)[0]
        logits.append(model.classifier(recurrent + block.shortcut(sequence[0])))
    return torch.cat(logits)


@pytest.mark.parametrize("n_epochs", [4, 11, 12])
def test_deepsleepnet_whole_night_pass_is_the_originals_evaluation(n_epochs):
    """The default for DeepSleepNet (no stride): one pass with carried LSTM states, equal to the original's."""
    model = tiny_model("deepsleepnet", seq_len=4)
    epochs = 10 * torch.randn(n_epochs, 1, 3000, generator=torch.Generator().manual_seed(3))
    prediction = predict_night(model, epochs, batch_size=5)
    with torch.inference_mode():
        expected = torch.log_softmax(original_deepsleepnet_night(model, epochs).double(), -1).numpy()
        one_sequence = torch.log_softmax(model(epochs[None, :4]).logits[0].double(), -1).numpy()
    np.testing.assert_allclose(prediction.log_prob_sum, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(prediction.n_windows, np.ones(n_epochs))
    # The first sequence starts from zero states, as the model's forward pass does.
    np.testing.assert_allclose(prediction.log_prob_sum[:4], one_sequence, rtol=1e-5, atol=1e-6)
    # Asking for a stride gives the fusion of overlapping windows instead.
    assert predict_night(model, epochs, stride=1).n_windows.max() == min(4, n_epochs - 3)


def test_result_does_not_depend_on_batch_size():
    model = tiny_model("tinysleepnet", seq_len=5)
    epochs = torch.randn(23, 1, 3000, generator=torch.Generator().manual_seed(2))
    reference = predict_night(model, epochs, batch_size=1).log_prob_sum
    for batch_size in (2, 7, 64):
        np.testing.assert_allclose(
            predict_night(model, epochs, batch_size=batch_size).log_prob_sum, reference, rtol=1e-6, atol=1e-8
        )


@pytest.mark.parametrize("name", ["dsb_cnn", "slumbernet"])
def test_cpu_encoder_chunks_leave_the_result_unchanged(name, monkeypatch):
    """`cpu_embed_batch` (cache-sized encoder calls on CPU) changes only the speed: the same night through
    20 epochs per encoder call and through 3 gives the same log-probabilities (to float32 rounding)."""
    model = tiny_model(name)
    assert type(model).cpu_embed_batch == 16  # the setting `bench/macs.py` measured
    config = model.config
    epochs = torch.randn(20, config.n_chans, config.n_times, generator=torch.Generator().manual_seed(3)) * 20
    calls = []
    embed = model.embed_epochs
    monkeypatch.setattr(model, "embed_epochs", lambda chunk: calls.append(len(chunk)) or embed(chunk))
    monkeypatch.setattr(model, "cpu_embed_batch", None)
    whole = predict_night(model, epochs, batch_size=20).log_prob_sum
    monkeypatch.setattr(model, "cpu_embed_batch", 3)
    chunked = predict_night(model, epochs, batch_size=20).log_prob_sum
    assert calls == [20] + [3] * 6 + [2]
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-5)


def test_night_shorter_than_window_gets_every_epoch():
    model = tiny_model("tinysleepnet", seq_len=20)
    prediction = predict_night(model, torch.randn(3, 1, 3000))
    assert prediction.log_prob_sum.shape == (3, 5)
    np.testing.assert_array_equal(prediction.n_windows, [1, 1, 1])
    assert len(prediction.stage_labels) == 3


def test_bad_night_shape_is_refused():
    model = tiny_model("tinysleepnet")
    with pytest.raises(ValueError, match=r"\(n_epochs, 1, 3000\)"):
        predict_night(model, torch.randn(5, 1, 2999))
    with pytest.raises(ValueError, match="at least one epoch"):
        window_starts(0, 4)


def test_tinysleepnet_stage_windows_equals_lstm_per_window():
    """The unrolled LSTM over per-epoch input projections gives what `nn.LSTM` gives on each window."""
    model = tiny_model("tinysleepnet")
    embeddings = torch.randn(30, model.config.epoch_feature_size)
    index = torch.as_tensor(window_starts(30, 4, 3))[:, None] + torch.arange(4)
    with torch.inference_mode():
        fast = model.stage_windows(embeddings, index)
        reference = model.stage_sequences(embeddings[index])
    assert fast.shape == (len(index), 4, model.config.num_labels)
    torch.testing.assert_close(fast, reference, rtol=1e-5, atol=1e-6)
    with_grad = model.stage_windows(embeddings.requires_grad_(), index)  # gradients: the nn.LSTM path
    torch.testing.assert_close(with_grad.detach(), reference, rtol=1e-5, atol=1e-6)
    with_grad.sum().backward()
    assert embeddings.grad is not None


@pytest.mark.parametrize("name", ["tinysleepnet", "deepsleepnet"])
def test_eval_conv_branch_folds_batch_norm(name):
    """In eval mode the CNN runs with batch norm folded into the convolutions; the values stay those of
    pad → conv → batch norm → activation, with trained (non-trivial) statistics."""
    model = tiny_model(name)
    torch.manual_seed(1)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm1d):
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
    branch = next(m for m in model.modules() if type(m).__name__ == "SleepConvBranch")
    signal = torch.randn(5, 1, model.config.n_times) * 20
    with torch.inference_mode():
        folded = branch(signal)
        unfused = branch.second_pool(branch.deep_convs(branch.first_pool(branch.first_conv(signal))))
    assert folded.shape == unfused.shape
    # float32 rounding after four convolutions of 400 to 1,024 terms: tiny against the features' scale
    assert (folded - unfused).abs().max() <= 1e-5 * unfused.abs().max()
