from .configuration_dsb_cnn_attention import DSBCNNAttentionConfig
from .modeling_dsb_cnn_attention import (
    DSBCNNAttentionForContrastivePretraining,
    DSBCNNAttentionForHybridPretraining,
    DSBCNNAttentionForMaskedPretraining,
    DSBCNNAttentionForSleepStaging,
    DSBCNNAttentionModel,
    DSBCNNAttentionPreTrainedModel,
)

__all__ = [
    "DSBCNNAttentionConfig",
    "DSBCNNAttentionForContrastivePretraining",
    "DSBCNNAttentionForHybridPretraining",
    "DSBCNNAttentionForMaskedPretraining",
    "DSBCNNAttentionForSleepStaging",
    "DSBCNNAttentionModel",
    "DSBCNNAttentionPreTrainedModel",
]
