from hf_sleep.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "configuration_robustsleepnet": ("RobustSleepNetConfig",),
        "modeling_robustsleepnet": (
            "RobustSleepNetForSleepStaging",
            "RobustSleepNetModel",
            "RobustSleepNetPreTrainedModel",
        ),
    },
)

__all__ = [
    "RobustSleepNetConfig",
    "RobustSleepNetForSleepStaging",
    "RobustSleepNetModel",
    "RobustSleepNetPreTrainedModel",
]
