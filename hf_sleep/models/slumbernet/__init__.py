from .configuration_slumbernet import SlumberNetConfig
from .modeling_slumbernet import SlumberNetForSleepStaging, SlumberNetModel, SlumberNetPreTrainedModel

__all__ = [
    "SlumberNetConfig",
    "SlumberNetForSleepStaging",
    "SlumberNetModel",
    "SlumberNetPreTrainedModel",
]
