from hf_sleep.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "configuration_deepsleepnet": ("DeepSleepNetConfig",),
        "modeling_deepsleepnet": (
            "DeepSleepNetForSleepStaging",
            "DeepSleepNetModel",
            "DeepSleepNetPreTrainedModel",
        ),
    },
)

__all__ = [
    "DeepSleepNetConfig",
    "DeepSleepNetForSleepStaging",
    "DeepSleepNetModel",
    "DeepSleepNetPreTrainedModel",
]
