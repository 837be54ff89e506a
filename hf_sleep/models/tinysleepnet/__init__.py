from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "configuration_tinysleepnet": ("TinySleepNetConfig",),
    "modeling_tinysleepnet": ("TinySleepNetForSleepStaging", "TinySleepNetModel", "TinySleepNetPreTrainedModel"),
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
