from .configuration_sleep_base import AASM_STAGES, SleepStagingConfig
from .modeling_sleep_base import SleepEncoderOutput, SleepStagingOutput, SleepStagingPreTrainedModel

__all__ = [
    "AASM_STAGES",
    "SleepEncoderOutput",
    "SleepStagingConfig",
    "SleepStagingOutput",
    "SleepStagingPreTrainedModel",
]
