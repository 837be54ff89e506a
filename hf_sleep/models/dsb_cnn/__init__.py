from .configuration_dsb_cnn import DSBCNNConfig
from .modeling_dsb_cnn import (
    DSBCNNForContrastivePretraining,
    DSBCNNForHybridPretraining,
    DSBCNNForMaskedPretraining,
    DSBCNNForSleepStaging,
    DSBCNNModel,
    DSBCNNPreTrainedModel,
)

__all__ = [
    "DSBCNNConfig",
    "DSBCNNForContrastivePretraining",
    "DSBCNNForHybridPretraining",
    "DSBCNNForMaskedPretraining",
    "DSBCNNForSleepStaging",
    "DSBCNNModel",
    "DSBCNNPreTrainedModel",
]
