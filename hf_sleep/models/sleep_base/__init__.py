"""The shared base of every architecture: configuration, signal contract (feature extractor), base model."""

from __future__ import annotations

from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "configuration_sleep_base": ("SleepStagingConfig",),
    "feature_extraction_sleep": ("SleepFeatureExtractor",),
    "modeling_sleep_base": ("SleepEncoderOutput", "SleepStagingOutput", "SleepStagingPreTrainedModel"),
    "signals": ("AASM_STAGES",),
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
