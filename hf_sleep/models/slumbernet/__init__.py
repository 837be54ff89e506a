from hf_sleep.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "configuration_slumbernet": ("SlumberNetConfig",),
        "modeling_slumbernet": ("SlumberNetForSleepStaging", "SlumberNetModel", "SlumberNetPreTrainedModel"),
    },
)

__all__ = [
    "SlumberNetConfig",
    "SlumberNetForSleepStaging",
    "SlumberNetModel",
    "SlumberNetPreTrainedModel",
]
