from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "configuration_dsb_transformer": ("DSBTransformerConfig",),
    "modeling_dsb_transformer": (
        "DSBTransformerForContrastivePretraining", "DSBTransformerForHybridPretraining",
        "DSBTransformerForMaskedPretraining", "DSBTransformerForSleepStaging", "DSBTransformerModel",
        "DSBTransformerPreTrainedModel",
    ),
}  # fmt: skip

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
