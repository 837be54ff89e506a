from .configuration_seqsleepnet import SeqSleepNetConfig
from .modeling_seqsleepnet import (
    SeqSleepNetForSleepStaging,
    SeqSleepNetModel,
    SeqSleepNetPreTrainedModel,
    log_magnitude_spectrogram,
    triangular_filterbank,
)

__all__ = [
    "SeqSleepNetConfig",
    "SeqSleepNetForSleepStaging",
    "SeqSleepNetModel",
    "SeqSleepNetPreTrainedModel",
    "log_magnitude_spectrogram",
    "triangular_filterbank",
]
