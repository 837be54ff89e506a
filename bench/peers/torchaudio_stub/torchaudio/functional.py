"""Names braindecode imports from `torchaudio.functional`; calling any of them raises."""


def _unavailable(name: str):
    def function(*args, **kwargs):
        raise NotImplementedError(
            f"torchaudio.functional.{name} is not available: this is the hf_sleep benchmark's torchaudio stub"
        )

    function.__name__ = name
    return function


fftconvolve = _unavailable("fftconvolve")
filtfilt = _unavailable("filtfilt")
lfilter = _unavailable("lfilter")
