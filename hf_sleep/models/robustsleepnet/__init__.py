from .configuration_robustsleepnet import RobustSleepNetConfig
from .modeling_robustsleepnet import (
    RobustSleepNetForSleepStaging,
    RobustSleepNetModel,
    RobustSleepNetPreTrainedModel,
)

__all__ = [
    "RobustSleepNetConfig",
    "RobustSleepNetForSleepStaging",
    "RobustSleepNetModel",
    "RobustSleepNetPreTrainedModel",
]
