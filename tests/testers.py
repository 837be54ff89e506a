"""One tiny tester per registered architecture; the shared tests in `test_model_contract.py` run them all.

A tester gives a small configuration that exercises the real code paths quickly on 2 CPU cores, and how many
parameters the faithful configurations have more than the original (ours − original, the difference each
registry `parameter_note` explains): the test compares with the independently counted originals in the
registry, so a silent change on either side fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ModelTester:
    """What the shared tests need to know about one architecture."""

    name: str
    tiny_config: dict[str, Any]
    parameter_difference_from_original: dict[str, int] = field(default_factory=dict)
    batch_size: int = 2

    def config(self, **overrides: Any):
        from hf_sleep import get_architecture

        return get_architecture(self.name).config_class(**{**self.tiny_config, **overrides})


DEEPSLEEPNET_TESTER = ModelTester(
    name="deepsleepnet",
    tiny_config=dict(
        seq_len=3,
        bilstm_hidden_size=8,
        small_n_filters_1=4,
        small_n_filters_2=6,
        large_n_filters_1=4,
        large_n_filters_2=6,
    ),
    # PyTorch LSTMs: two bias vectors (+2,048 per layer), no peepholes (-1,536 per layer); 4 layers.
    parameter_difference_from_original={"1 channel, 100 Hz, 30 s": +2_048},
)

TINYSLEEPNET_TESTER = ModelTester(
    name="tinysleepnet",
    tiny_config=dict(seq_len=3, n_filters=8, lstm_hidden_size=8),
    parameter_difference_from_original={"1 channel, 100 Hz, 30 s": +128},  # +512 biases, -384 peepholes
)

SEQSLEEPNET_TESTER = ModelTester(
    name="seqsleepnet",
    tiny_config=dict(
        seq_len=3, n_filters=6, epoch_rnn_hidden_size=5, attention_size=4, sequence_rnn_hidden_size=6
    ),
    # PyTorch's GRU has a second bias vector: +3 × 64 per direction of both bidirectional RNNs.
    parameter_difference_from_original={
        "1 channel, GRU": +768,
        "1 channel, BN-LSTM": 0,
        "3 channels, GRU": +768,
        "3 channels, BN-LSTM": 0,
    },
)

SLUMBERNET_TESTER = ModelTester(
    name="slumbernet",
    tiny_config=dict(seq_len=2, block_filters=[4, 6], final_kernel_size=4),
    parameter_difference_from_original={"2 channels (EEG, EMG), 64 Hz, 4 s": 0},
)

# DeepSleepBench: narrow stages at the real 3000 samples (shorter epochs leave windows of the max-pooling
# with no negative value, and PReLU slopes before them get no gradient); counts are checked at full size.
DSB_CNN_TINY = dict(
    channels=[8, 8, 16, 16, 16], n_layers=[1, 1, 2, 1, 1], gate_reduction=4, attention_heads=2,
    classifier_hidden_size=16,
)

DSB_CNN_TESTER = ModelTester(
    name="dsb_cnn",
    tiny_config=dict(DSB_CNN_TINY),
    parameter_difference_from_original={"1 channel, 100 Hz, 30 s": 0},
)

DSB_CNN_ATTENTION_TESTER = ModelTester(
    name="dsb_cnn_attention",
    tiny_config=dict(DSB_CNN_TINY),
    parameter_difference_from_original={"1 channel, 100 Hz, 30 s": 0},
)

DSB_TRANSFORMER_TESTER = ModelTester(
    name="dsb_transformer",
    tiny_config=dict(
        sfreq=10.0, patch_seconds=3.0, hidden_size=16, num_layers=2, num_heads=2, decoder_hidden_size=8,
        decoder_num_layers=1, decoder_num_heads=2, classifier_hidden_size=16,
    ),
    parameter_difference_from_original={"1 channel, 100 Hz, 30 s, one 30-s token (original)": 0},
)

# Two channels: with one, the channel attentions have nothing to weigh and get no gradient.
ROBUSTSLEEPNET_TESTER = ModelTester(
    name="robustsleepnet",
    tiny_config=dict(
        n_chans=2, seq_len=3, sfreq=10.0, filter_dim=4, n_virtual_channels=2, channel_attention_size=3,
        epoch_rnn_hidden_size=4, epoch_embedding_size=5, epoch_attention_size=3, sequence_rnn_hidden_size=4,
    ),
    parameter_difference_from_original={"any number of channels, 60 Hz, 30 s": 0},
)

TESTERS: dict[str, ModelTester] = {
    tester.name: tester
    for tester in (
        DEEPSLEEPNET_TESTER,
        TINYSLEEPNET_TESTER,
        SEQSLEEPNET_TESTER,
        SLUMBERNET_TESTER,
        DSB_CNN_TESTER,
        DSB_CNN_ATTENTION_TESTER,
        DSB_TRANSFORMER_TESTER,
        ROBUSTSLEEPNET_TESTER,
    )
}
