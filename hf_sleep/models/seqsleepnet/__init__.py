from .configuration_seqsleepnet import SeqSleepNetConfig
from .modeling_seqsleepnet import (
    SeqSleepNetForSleepStaging,
    SeqSleepNetModel,
    SeqSleepNetPreTrainedModel,
    density_log_spectrogram,
    log_magnitude_spectrogram,
    triangular_filterbank,
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
