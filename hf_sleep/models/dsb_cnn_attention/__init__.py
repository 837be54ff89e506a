from hf_sleep.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "configuration_dsb_cnn_attention": ("DSBCNNAttentionConfig",),
        "modeling_dsb_cnn_attention": (
            "DSBCNNAttentionForContrastivePretraining",
            "DSBCNNAttentionForHybridPretraining",
            "DSBCNNAttentionForMaskedPretraining",
            "DSBCNNAttentionForSleepStaging",
            "DSBCNNAttentionModel",
            "DSBCNNAttentionPreTrainedModel",
        ),
    },
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
