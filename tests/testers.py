"""One tiny tester per registered architecture; the shared tests in `test_model_contract.py` run them all.

A tester gives a small configuration that exercises the real code paths quickly on 2 CPU cores, and the
exact parameter counts of the faithful configurations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ModelTester:
    """What the shared tests need to know about one architecture."""

    name: str
    tiny_config: dict[str, Any]
    faithful_parameter_counts: dict[str, int] = field(default_factory=dict)
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
    faithful_parameter_counts={"1 channel, 100 Hz, 30 s": 22_647_685},
)

TINYSLEEPNET_TESTER = ModelTester(
    name="tinysleepnet",
    tiny_config=dict(seq_len=3, n_filters=8, lstm_hidden_size=8),
    faithful_parameter_counts={"1 channel, 100 Hz, 30 s": 1_516_421},
)

SEQSLEEPNET_TESTER = ModelTester(
    name="seqsleepnet",
    tiny_config=dict(
        seq_len=3, n_filters=6, epoch_rnn_hidden_size=5, attention_size=4, sequence_rnn_hidden_size=6
    ),
    faithful_parameter_counts={
        "1 channel, GRU": 137_476,
        "1 channel, BN-LSTM": 176_388,
        "3 channels, GRU": 170_308,
        "3 channels, BN-LSTM": 217_412,
    },
)

SLUMBERNET_TESTER = ModelTester(
    name="slumbernet",
    tiny_config=dict(seq_len=2, block_filters=[4, 6], final_kernel_size=4),
    faithful_parameter_counts={"2 channels (EEG, EMG), 64 Hz, 4 s": 5_338_931},
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
    faithful_parameter_counts={"1 channel, 100 Hz, 30 s": 1_244_098},
)

DSB_CNN_ATTENTION_TESTER = ModelTester(
    name="dsb_cnn_attention",
    tiny_config=dict(DSB_CNN_TINY),
    faithful_parameter_counts={"1 channel, 100 Hz, 30 s": 1_574_082},
)

DSB_TRANSFORMER_TESTER = ModelTester(
    name="dsb_transformer",
    tiny_config=dict(
        sfreq=10.0, patch_seconds=3.0, hidden_size=16, num_layers=2, num_heads=2, decoder_hidden_size=8,
        decoder_num_layers=1, decoder_num_heads=2, classifier_hidden_size=16,
    ),
    faithful_parameter_counts={"1 channel, 100 Hz, 30 s, one 30-s token (original)": 1_675_269},
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
    )
}
