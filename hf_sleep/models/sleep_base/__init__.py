from .configuration_sleep_base import AASM_STAGES, SleepStagingConfig
from .feature_extraction_sleep import SleepFeatureExtractor
from .modeling_sleep_base import SleepEncoderOutput, SleepStagingOutput, SleepStagingPreTrainedModel

__all__ = [
    "AASM_STAGES",
    "SleepEncoderOutput",
    "SleepFeatureExtractor",
    "SleepStagingConfig",
    "SleepStagingOutput",
    "SleepStagingPreTrainedModel",
]
