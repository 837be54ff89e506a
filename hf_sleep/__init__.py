"""hf_sleep: published sleep-staging networks as Hugging Face models.

Every public name is imported when first used (see `hf_sleep/lazy_exports.py`), so `import hf_sleep` and the `hf-sleep`
command start without torch or transformers. The architectures are registered with transformers' Auto classes
as soon as those are imported ([`register_when_transformers_loads`]), or explicitly with
[`register_auto_classes`].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hf_sleep.lazy_exports import lazy_exports
from hf_sleep.registry import register_when_transformers_loads

__version__ = "0.1.0"

if TYPE_CHECKING:  # what the lazy names are, for type checkers and IDEs
    from hf_sleep.models.deepsleepnet import (
        DeepSleepNetConfig,
        DeepSleepNetForSleepStaging,
        DeepSleepNetModel,
    )
    from hf_sleep.models.dsb_base import DSBConfig, DSBPretrainingOutput
    from hf_sleep.models.dsb_cnn import (
        DSBCNNConfig,
        DSBCNNForContrastivePretraining,
        DSBCNNForHybridPretraining,
        DSBCNNForMaskedPretraining,
        DSBCNNForSleepStaging,
        DSBCNNModel,
    )
    from hf_sleep.models.dsb_cnn_attention import (
        DSBCNNAttentionConfig,
        DSBCNNAttentionForContrastivePretraining,
        DSBCNNAttentionForHybridPretraining,
        DSBCNNAttentionForMaskedPretraining,
        DSBCNNAttentionForSleepStaging,
        DSBCNNAttentionModel,
    )
    from hf_sleep.models.dsb_transformer import (
        DSBTransformerConfig,
        DSBTransformerForContrastivePretraining,
        DSBTransformerForHybridPretraining,
        DSBTransformerForMaskedPretraining,
        DSBTransformerForSleepStaging,
        DSBTransformerModel,
    )
    from hf_sleep.models.robustsleepnet import (
        RobustSleepNetConfig,
        RobustSleepNetForSleepStaging,
        RobustSleepNetModel,
    )
    from hf_sleep.models.seqsleepnet import SeqSleepNetConfig, SeqSleepNetForSleepStaging, SeqSleepNetModel
    from hf_sleep.models.sleep_base import (
        AASM_STAGES,
        SleepEncoderOutput,
        SleepFeatureExtractor,
        SleepStagingConfig,
        SleepStagingOutput,
        SleepStagingPreTrainedModel,
    )
    from hf_sleep.models.slumbernet import SlumberNetConfig, SlumberNetForSleepStaging, SlumberNetModel
    from hf_sleep.models.tinysleepnet import (
        TinySleepNetConfig,
        TinySleepNetForSleepStaging,
        TinySleepNetModel,
    )
    from hf_sleep.pretrained import load_pretrained
    from hf_sleep.registry import ARCHITECTURES, Architecture, get_architecture, register_auto_classes
    from hf_sleep.staging.many_nights import FailedRecording, stage_recordings
    from hf_sleep.staging.one_night import StagingResult, stage_recording
    from hf_sleep.staging.sleep_stats import sleep_statistics


__getattr__, __dir__ = lazy_exports(__name__, __file__)

# The promise of the package: after `import hf_sleep`, every architecture is loadable through the Auto classes.
register_when_transformers_loads()

__all__ = [
    "AASM_STAGES",
    "ARCHITECTURES",
    "Architecture",
    "DeepSleepNetConfig",
    "DeepSleepNetForSleepStaging",
    "DeepSleepNetModel",
    "RobustSleepNetConfig",
    "RobustSleepNetForSleepStaging",
    "RobustSleepNetModel",
    "SeqSleepNetConfig",
    "SeqSleepNetForSleepStaging",
    "SeqSleepNetModel",
    "SleepEncoderOutput",
    "SleepFeatureExtractor",
    "SleepStagingConfig",
    "SleepStagingOutput",
    "SleepStagingPreTrainedModel",
    "StagingResult",
    "SlumberNetConfig",
    "SlumberNetForSleepStaging",
    "SlumberNetModel",
    "TinySleepNetConfig",
    "TinySleepNetForSleepStaging",
    "TinySleepNetModel",
    "get_architecture",
    "load_pretrained",
    "register_auto_classes",
    "sleep_statistics",
    "stage_recording",
    "stage_recordings",
    "FailedRecording",
    "DSBConfig",
    "DSBPretrainingOutput",
    "DSBCNNConfig",
    "DSBCNNForContrastivePretraining",
    "DSBCNNForHybridPretraining",
    "DSBCNNForMaskedPretraining",
    "DSBCNNForSleepStaging",
    "DSBCNNModel",
    "DSBCNNAttentionConfig",
    "DSBCNNAttentionForContrastivePretraining",
    "DSBCNNAttentionForHybridPretraining",
    "DSBCNNAttentionForMaskedPretraining",
    "DSBCNNAttentionForSleepStaging",
    "DSBCNNAttentionModel",
    "DSBTransformerConfig",
    "DSBTransformerForContrastivePretraining",
    "DSBTransformerForHybridPretraining",
    "DSBTransformerForMaskedPretraining",
    "DSBTransformerForSleepStaging",
    "DSBTransformerModel",
]
