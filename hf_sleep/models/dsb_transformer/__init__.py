from hf_sleep.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "configuration_dsb_transformer": ("DSBTransformerConfig",),
        "modeling_dsb_transformer": (
            "DSBTransformerForContrastivePretraining",
            "DSBTransformerForHybridPretraining",
            "DSBTransformerForMaskedPretraining",
            "DSBTransformerForSleepStaging",
            "DSBTransformerModel",
            "DSBTransformerPreTrainedModel",
        ),
    },
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
