from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "configuration_dsb_cnn": ("DSBCNNConfig",),
    "modeling_dsb_cnn": (
        "DSBCNNForContrastivePretraining", "DSBCNNForHybridPretraining", "DSBCNNForMaskedPretraining",
        "DSBCNNForSleepStaging", "DSBCNNModel", "DSBCNNPreTrainedModel",
    ),
}  # fmt: skip

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
