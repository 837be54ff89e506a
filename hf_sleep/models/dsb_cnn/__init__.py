from hf_sleep.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "configuration_dsb_cnn": ("DSBCNNConfig",),
        "modeling_dsb_cnn": (
            "DSBCNNForContrastivePretraining",
            "DSBCNNForHybridPretraining",
            "DSBCNNForMaskedPretraining",
            "DSBCNNForSleepStaging",
            "DSBCNNModel",
            "DSBCNNPreTrainedModel",
        ),
    },
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
