"""The shared base of every architecture: configuration, signal contract (feature extractor), base model."""

from typing import TYPE_CHECKING

from hf_sleep.lazy_exports import lazy_exports

if TYPE_CHECKING:  # imported on first use: the signal helpers need neither torch nor transformers
    from .configuration_sleep_base import SleepStagingConfig
    from .feature_extraction_sleep import SleepFeatureExtractor
    from .modeling_sleep_base import SleepEncoderOutput, SleepStagingOutput, SleepStagingPreTrainedModel
    from .signals import AASM_STAGES

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "AASM_STAGES",
    "SleepEncoderOutput",
    "SleepFeatureExtractor",
    "SleepStagingConfig",
    "SleepStagingOutput",
    "SleepStagingPreTrainedModel",
]
