from .configuration_deepsleepnet import DeepSleepNetConfig
from .modeling_deepsleepnet import DeepSleepNetForSleepStaging, DeepSleepNetModel, DeepSleepNetPreTrainedModel

__all__ = [
    "DeepSleepNetConfig",
    "DeepSleepNetForSleepStaging",
    "DeepSleepNetModel",
    "DeepSleepNetPreTrainedModel",
]
