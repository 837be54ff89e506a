"""Names braindecode imports from `torchaudio.transforms`; they can be subclassed but not built."""

from torch import nn


class _Unavailable(nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            f"torchaudio.transforms.{type(self).__name__} is not available: "
            "this is the hf_sleep benchmark's torchaudio stub"
        )


class Spectrogram(_Unavailable):
    pass


class Resample(_Unavailable):
    pass


class TimeMasking(_Unavailable):
    pass


class FrequencyMasking(_Unavailable):
    pass
