from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "configuration_dsb_cnn_attention": ("DSBCNNAttentionConfig",),
    "modeling_dsb_cnn_attention": (
        "DSBCNNAttentionForContrastivePretraining", "DSBCNNAttentionForHybridPretraining",
        "DSBCNNAttentionForMaskedPretraining", "DSBCNNAttentionForSleepStaging", "DSBCNNAttentionModel",
        "DSBCNNAttentionPreTrainedModel",
    ),
}  # fmt: skip

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
