from .configuration_dsb_transformer import DSBTransformerConfig
from .modeling_dsb_transformer import (
    DSBTransformerForContrastivePretraining,
    DSBTransformerForHybridPretraining,
    DSBTransformerForMaskedPretraining,
    DSBTransformerForSleepStaging,
    DSBTransformerModel,
    DSBTransformerPreTrainedModel,
)

__all__ = [
    "DSBTransformerConfig",
    "DSBTransformerForContrastivePretraining",
    "DSBTransformerForHybridPretraining",
    "DSBTransformerForMaskedPretraining",
    "DSBTransformerForSleepStaging",
    "DSBTransformerModel",
    "DSBTransformerPreTrainedModel",
]
