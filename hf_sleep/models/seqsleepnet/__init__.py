from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "configuration_seqsleepnet": ("SeqSleepNetConfig",),
    "modeling_seqsleepnet": (
        "SeqSleepNetForSleepStaging", "SeqSleepNetModel", "SeqSleepNetPreTrainedModel", "density_log_spectrogram",
        "log_magnitude_spectrogram", "triangular_filterbank",
    ),
}  # fmt: skip

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
