from hf_sleep.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "configuration_tinysleepnet": ("TinySleepNetConfig",),
        "modeling_tinysleepnet": (
            "TinySleepNetForSleepStaging",
            "TinySleepNetModel",
            "TinySleepNetPreTrainedModel",
        ),
    },
)

__all__ = [
    "TinySleepNetConfig",
    "TinySleepNetForSleepStaging",
    "TinySleepNetModel",
    "TinySleepNetPreTrainedModel",
]
