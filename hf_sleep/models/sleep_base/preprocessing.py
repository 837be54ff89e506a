"""Signal preprocessing that an architecture's original pipeline applied before the network.

Data converters call these so a model sees what it was designed (and, for released weights, trained) on.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def _as_epochs(values: np.ndarray | list, name: str, samples_per_epoch: int) -> np.ndarray:
    """`(n_samples,)` continuous or `(n_epochs, samples_per_epoch)` epoched input as `(n_epochs, samples_per_epoch)`."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        n_epochs = array.shape[0] // samples_per_epoch
        if n_epochs == 0:
            raise ValueError(
                f"{name} has {array.shape[0]} samples, fewer than one epoch ({samples_per_epoch} samples)"
            )
        # A trailing partial epoch cannot be scored; it is dropped as the original's epoch loop does.
        return array[: n_epochs * samples_per_epoch].reshape(n_epochs, samples_per_epoch)
    if array.ndim == 2 and array.shape[1] == samples_per_epoch and array.shape[0] > 0:
        return array
    raise ValueError(
        f"{name} must be a continuous signal (n_samples,) or epochs (n_epochs, {samples_per_epoch}), "
        f"got shape {array.shape}"
    )


def _detrend_polynomial(epochs: np.ndarray, order: int) -> np.ndarray:
    """Subtracts each row's least-squares polynomial fit of the given order.

    Same fit as the original's `np.polyfit(arange(n), x, order)`, computed in a Legendre basis on [-1, 1],
    which stays well conditioned at order 12 where the raw-power basis does not.
    """
    n_times = epochs.shape[1]
    basis = np.polynomial.legendre.legvander(np.linspace(-1.0, 1.0, n_times), order)
    coefficients, *_ = np.linalg.lstsq(basis, epochs.T, rcond=None)
    return epochs - (basis @ coefficients).T


def _slumbernet_epoch_samples(
    sfreq: float,
    epoch_seconds: float,
    target_sfreq: float,
    detrend_order: int,
    emg_lowpass_hz: float,
    emg_filter_order: int,
) -> tuple[int, int]:
    """Checks `slumbernet_preprocess`'s settings together; returns the samples of an epoch before and after
    resampling. Raises `ValueError` naming the setting and what was expected."""
    for name, value in (("sfreq", sfreq), ("epoch_seconds", epoch_seconds), ("target_sfreq", target_sfreq)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if target_sfreq > sfreq:
        raise ValueError(
            f"target_sfreq ({target_sfreq} Hz) must not exceed sfreq ({sfreq} Hz): this only downsamples"
        )
    if not 0 < emg_lowpass_hz < sfreq / 2:
        raise ValueError(f"emg_lowpass_hz must be in (0, sfreq / 2 = {sfreq / 2}), got {emg_lowpass_hz}")
    if detrend_order < 0 or emg_filter_order < 1:
        raise ValueError(
            f"detrend_order must be >= 0 and emg_filter_order >= 1, got {detrend_order}, {emg_filter_order}"
        )
    samples_in, samples_out = sfreq * epoch_seconds, target_sfreq * epoch_seconds
    for name, samples in (("sfreq", samples_in), ("target_sfreq", samples_out)):
        if abs(samples - round(samples)) > 1e-6:
            raise ValueError(f"{name} * epoch_seconds must be a whole number of samples, got {samples}")
    samples_in, samples_out = int(round(samples_in)), int(round(samples_out))
    if samples_out <= detrend_order:
        raise ValueError(
            f"epochs of {samples_out} samples are too short for a detrend of order {detrend_order}"
        )
    return samples_in, samples_out


def slumbernet_preprocess(
    eeg: np.ndarray,
    emg: np.ndarray,
    sfreq: float,
    *,
    epoch_seconds: float = 4.0,
    target_sfreq: float = 64.0,
    detrend_order: int = 12,
    emg_lowpass_hz: float = 16.0,
    emg_filter_order: int = 4,
) -> tuple[np.ndarray, float]:
    """SlumberNet's preprocessing of one recording's EEG and EMG, epoch by epoch as in the original.

    Per epoch: the EMG is low-passed (Butterworth, causal `lfilter`, fresh filter state each epoch); both signals
    are resampled with `scipy.signal.resample_poly` (256 → 64 Hz in the original: ×4 down, 1024 → 256 samples per
    4-s epoch) and detrended by subtracting a least-squares polynomial of order 12.

    Args:
        eeg: EEG, either continuous `(n_samples,)` (cut into whole epochs; a trailing partial epoch is dropped)
            or already epoched `(n_epochs, sfreq * epoch_seconds)`.
        emg: EMG in the same layout and length as `eeg`.
        sfreq: sampling rate of `eeg` and `emg` in Hz (256 in the original).
        epoch_seconds: epoch length in seconds.
        target_sfreq: sampling rate after resampling (the model config's `sfreq`).
        detrend_order: order of the polynomial removed from each epoch.
        emg_lowpass_hz: cut-off of the EMG low-pass filter in Hz.
        emg_filter_order: order of the EMG Butterworth filter.

    Returns:
        `(epochs, target_sfreq)`: `epochs` is a float32 array `(n_epochs, 2, target_sfreq * epoch_seconds)`
        with EEG in channel 0 and EMG in channel 1, ready for [`SlumberNetForSleepStaging`].

    Example:

    ```python
    >>> import numpy as np
    >>> from hf_sleep.models.sleep_base.preprocessing import slumbernet_preprocess
    >>> rng = np.random.default_rng(0)
    >>> epochs, sfreq = slumbernet_preprocess(rng.normal(size=10240), rng.normal(size=10240), 256.0)
    >>> epochs.shape, sfreq
    ((10, 2, 256), 64.0)
    ```
    """
    samples_in, samples_out = _slumbernet_epoch_samples(
        sfreq, epoch_seconds, target_sfreq, detrend_order, emg_lowpass_hz, emg_filter_order
    )
    eeg_epochs = _as_epochs(eeg, "eeg", samples_in)
    emg_epochs = _as_epochs(emg, "emg", samples_in)
    if eeg_epochs.shape != emg_epochs.shape:
        raise ValueError(f"eeg and emg must have the same length, got {np.shape(eeg)} and {np.shape(emg)}")

    # SlumberNet's causal chain only: staging's resampling and filtering run in NumPy (.filters).
    from scipy import signal

    b, a = signal.butter(emg_filter_order, emg_lowpass_hz / (sfreq / 2), "low")
    emg_epochs = signal.lfilter(b, a, emg_epochs, axis=1)

    ratio = Fraction(samples_out, samples_in)
    both = np.stack((eeg_epochs, emg_epochs), axis=1)  # (n_epochs, 2, samples_in)
    resampled = signal.resample_poly(both, ratio.numerator, ratio.denominator, axis=2)
    n_epochs = resampled.shape[0]
    detrended = _detrend_polynomial(resampled.reshape(n_epochs * 2, samples_out), detrend_order)
    return detrended.reshape(n_epochs, 2, samples_out).astype(np.float32), float(target_sfreq)


def robustsleepnet_preprocess(
    signal_in: np.ndarray,
    sfreq: float,
    *,
    intermediate_sfreq: float = 100.0,
    target_sfreq: float = 60.0,
    l_freq: float = 0.2,
    h_freq: float = 30.0,
    filter_order: int = 2,
    clip_iqr: float = 20.0,
    eps: float = 1e-5,
) -> np.ndarray:
    """RobustSleepNet's preparation of a whole recording, as its inference path (`edf_to_h5`, `h5_to_memmaps`) runs it.

    Per channel: polyphase resampling to `intermediate_sfreq` (100 Hz, stored as float32 there), a Butterworth
    band-pass of order `filter_order` run forwards and backwards (`scipy.signal.filtfilt` on `(b, a)`
    coefficients), polyphase resampling to `target_sfreq`, then the recording-wide IQR normalisation: values
    clipped to `[-2 * clip_iqr * (median - q25), 2 * clip_iqr * (q75 - median)]` (bounds around 0, as the
    original writes them), minus the clipped signal's median, divided by its interquartile range (`eps` where
    that is 0).

    Args:
        signal_in: `(n_chans, n_samples)` in µV at `sfreq`.
        sfreq: its sampling rate in Hz (any rate; 50 Hz included).

    Returns:
        `(n_chans, n_samples * target_sfreq / sfreq)` float32 at `target_sfreq`.
    """
    # Relative: saved beside the weights with this file.
    from .filters import butter_ba, filtfilt, resample_poly
    from .signals import resample_ratio

    data = np.asarray(signal_in, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] == 0:
        raise ValueError(f"signal must be (n_chans, n_samples) with samples, got shape {data.shape}")

    def poly_resample(values: np.ndarray, rate_in: float, rate_out: float) -> np.ndarray:
        if rate_in == rate_out:
            return values
        up, down = resample_ratio(rate_in, rate_out)
        resampled = resample_poly(values, up, down)
        # The original pads with zeros up to round(duration * rate) when the resampler returns fewer samples.
        expected = round(values.shape[-1] / rate_in * rate_out)
        if resampled.shape[-1] < expected:
            resampled = np.pad(resampled, ((0, 0), (0, expected - resampled.shape[-1])))
        return resampled

    data = poly_resample(data, float(sfreq), intermediate_sfreq).astype(np.float32)
    b, a = butter_ba(filter_order, [l_freq, h_freq], "bandpass", fs=intermediate_sfreq)
    data = filtfilt(b, a, data)
    data = poly_resample(data, intermediate_sfreq, target_sfreq)
    q25, median, q75 = np.percentile(data, [25, 50, 75], axis=-1, keepdims=True)
    clipped = np.clip(data, -2 * clip_iqr * (median - q25), 2 * clip_iqr * (q75 - median))
    q25, median, q75 = np.percentile(clipped, [25, 50, 75], axis=-1, keepdims=True)
    spread = q75 - q25
    spread[spread == 0] = eps
    return ((clipped - median) / spread).astype(np.float32)
