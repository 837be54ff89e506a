from .configuration_tinysleepnet import TinySleepNetConfig
from .modeling_tinysleepnet import TinySleepNetForSleepStaging, TinySleepNetModel, TinySleepNetPreTrainedModel

__all__ = [
    "TinySleepNetConfig",
    "TinySleepNetForSleepStaging",
    "TinySleepNetModel",
    "TinySleepNetPreTrainedModel",
]
