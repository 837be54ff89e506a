from hf_sleep.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "configuration_seqsleepnet": ("SeqSleepNetConfig",),
        "modeling_seqsleepnet": (
            "SeqSleepNetForSleepStaging",
            "SeqSleepNetModel",
            "SeqSleepNetPreTrainedModel",
            "density_log_spectrogram",
            "log_magnitude_spectrogram",
            "triangular_filterbank",
        ),
    },
)

__all__ = [
    "SeqSleepNetConfig",
    "SeqSleepNetForSleepStaging",
    "SeqSleepNetModel",
    "SeqSleepNetPreTrainedModel",
    "density_log_spectrogram",
    "log_magnitude_spectrogram",
    "triangular_filterbank",
]
