"""Checks shared by every path that reads a recording or writes results (`hf-sleep stage`, `convert`, ...).

One implementation per judgement, so that staging and conversion say the same thing about the same file:
what a unit spelling means, whether amplitudes are plausible, how a derivation is named, which epochs
hold non-finite samples, and whether an output folder can be written. (How a requested derivation is parsed
lives with the signal contract: `feature_extraction_sleep.split_derivation`.)
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

# Volts per unit, keyed by the folded spelling (`_fold`): `uV`, `UV`, `uv`, `µV` (micro sign) and `μV`
# (Greek mu) all mean microvolts. The one unit table of the package.
VOLTS_PER_UNIT: dict[str, float] = {"v": 1.0, "mv": 1e-3, "uv": 1e-6, "nv": 1e-9}
# Typical scalp EEG: a robust standard deviation of a few to a few hundred µV over a night.
PLAUSIBLE_MICROVOLTS: tuple[float, float] = (0.5, 5000.0)
DERIVATION_SEPARATOR = " - "
# Labels of channels that files often type (or, EDF, cannot type) as EEG although they are not.
NOT_EEG_PATTERN = re.compile(r"EOG|EMG|ECG|EKG|RESP|SAO2|SPO2|PULSE|TEMP|CHIN|LEG|EVENT|MARKER|STATUS|TRIG", re.I)


def _fold(unit: str) -> str:
    # Files decoded as Latin-1 show a Shift-JIS "μV" as "\x83\xcaV" and a UTF-8 one as "\xce\xbcV" (or
    # "\xc2\xb5V"); every micro character becomes "u".
    for micro in ("\x83\xca", "\xce\xbc", "\xc2\xb5", "\u00b5", "\u03bc"):
        unit = unit.replace(micro, "u")
    unit = unit.strip()
    return unit.lower()


def volts_per_unit(unit: str) -> float | None:
    """Volts in one `unit` (any common spelling), or `None` when `unit` is not a voltage (`DegC`, empty).

    Args:
        unit: a physical dimension as files write it, e.g. `"uV"`, `"UV"`, `"µV"`, `"μV"`, `"mV"`, `"V"`.

    >>> volts_per_unit("UV"), volts_per_unit("mV"), volts_per_unit("DegC")
    (1e-06, 0.001, None)
    """
    return VOLTS_PER_UNIT.get(_fold(unit))


# Samples that judge a channel's amplitude: the check tells µV from mV or V (factors of 1,000), which a quarter
# of a million evenly spaced samples of any night settles; its medians then cost milliseconds, not a second.
MAX_SPREAD_SAMPLES = 250_000


def amplitude_problems(signal: np.ndarray, names: Sequence[str], microvolts_per_unit: float = 1.0) -> list[str]:
    """Messages for channels whose amplitude is implausible for EEG (e.g. volts stored as µV); `[]` when fine.

    A robust spread (1.4826 × the median absolute deviation) decides, so a few artefacts or a flat start do
    not. Non-finite samples are ignored.

    Args:
        signal: `(n_chans, n_samples)`.
        names: a name per channel, for the messages.
        microvolts_per_unit: µV in one unit of `signal` (1 for µV, 1e6 for volts).
    """
    messages = []
    low, high = PLAUSIBLE_MICROVOLTS
    for name, channel in zip(names, signal, strict=True):
        # Evenly spaced samples, at most MAX_SPREAD_SAMPLES: time and memory stay bounded for long, fast channels.
        channel = channel[:: max(1, -(-channel.size // MAX_SPREAD_SAMPLES))]
        channel = channel[np.isfinite(channel)]
        if not channel.size:
            continue
        spread = 1.4826 * float(np.median(np.abs(channel - np.median(channel)))) * microvolts_per_unit
        if spread == 0.0:
            messages.append(f"channel {name!r} is flat (no signal): its stages will be meaningless")
        elif spread < low:
            messages.append(
                f"channel {name!r} has a typical amplitude of {spread:.3g} µV, far below EEG's: the file may "
                "store volts where its header says µV. Fix the header or pass --rescale 1e6"
            )
        elif spread > high:
            messages.append(
                f"channel {name!r} has a typical amplitude of {spread:.3g} µV, far above EEG's: the file may "
                "store µV where its header says volts (or lacks a unit). Fix the header or pass --rescale 1e-6"
            )
    return messages


def eeg_channels(names: Sequence[str]) -> list[str]:
    """The EEG channels among `names` (typed EEG, or untyped as in EDF): those whose label does not say EOG,
    EMG, ECG, respiration, temperature or events. The channels of `reference="average"`."""
    return [name for name in names if not NOT_EEG_PATTERN.search(name)]


def derivation_name(plus: str, minus: str | None) -> str:
    """`"A"` or `"A - B"`: how a channel or a derivation is written (the signal contract's syntax)."""
    return plus if minus is None else f"{plus}{DERIVATION_SEPARATOR}{minus}"


def mask_nonfinite(signal: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Sets NaN and infinite samples to 0 (in place) so that resampling, filtering and re-referencing cannot
    spread them, and says where they were.

    Args:
        signal: `(n_chans, n_samples)`, before any resampling.

    Returns:
        `(signal, bad_samples)`: `bad_samples` is `(n_samples,)` bool, True where any channel was non-finite, or
        `None` when every sample is finite. Pass it to [`nonfinite_epochs`].
    """
    nonfinite = ~np.isfinite(signal)
    if not nonfinite.any():
        return signal, None
    signal[nonfinite] = 0.0
    return signal, nonfinite.any(axis=0)


def nonfinite_epochs(bad_samples: np.ndarray, sfreq: float, epoch_seconds: float, n_epochs: int) -> np.ndarray:
    """`(n_epochs,)` bool: the epochs that contain at least one non-finite sample.

    Args:
        bad_samples: `(n_samples,)` bool, True where any channel is NaN or infinite, at `sfreq`.
        sfreq: the rate of `bad_samples` (the file's rate, before any resampling).
        epoch_seconds: epoch length.
        n_epochs: number of epochs staged.
    """
    mask = np.zeros(n_epochs, dtype=bool)
    where = np.flatnonzero(bad_samples)
    if where.size:
        epochs = (where / sfreq // epoch_seconds).astype(np.int64)
        mask[np.unique(epochs[epochs < n_epochs])] = True
    return mask


def read_json_object(path: str | os.PathLike, what: str) -> dict:
    """The JSON object in the file `path`; a one-line error naming `what` and the file when it is missing, not
    JSON, or not an object (recipes, evaluation results, training info).

    Args:
        path: the JSON file.
        what: how the error names it, e.g. `"recipe"` or `"--eval-results"`.
    """
    import json

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} {path} does not exist") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{what} {path} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{what} {path} must hold one JSON object, got {type(data).__name__}")
    return data


def check_writable_folder(folder: str | os.PathLike, what: str = "output folder", *, create: bool = True) -> Path:
    """Creates `folder` if needed and proves that a file can be written in it.

    With `create=False` nothing is left on disk: the probe is written (and removed) in the folder or, where it does
    not exist yet, in its nearest existing parent, so a check made before the work leaves no empty folder behind
    when the work then fails.

    Raises:
        ValueError: one line naming the folder and the reason (permission denied, a file in the way, ...).
    """
    folder = Path(folder)
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
            probe_dir = folder
        else:
            probe_dir = next(p for p in (folder, *folder.absolute().parents) if p.exists())
            if not probe_dir.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        handle, probe = tempfile.mkstemp(prefix=".hf-sleep-write-test-", dir=probe_dir)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ValueError(f"{what} {folder} is not writable ({reason})") from None
    return folder


class WriteError(ValueError):
    """An output that could not be written (a full disk, a lost mount, a quota): one line naming it.

    Args:
        target: the output, as the user named it.
        reason: the system's reason (`No space left on device`).
    """

    def __init__(self, target: str | os.PathLike, reason: str) -> None:
        self.target, self.reason = str(target), reason
        super().__init__(f"could not write {self.target}: {reason}; nothing was left half-written")

    def __reduce__(self):  # intact across worker processes
        return (type(self), (self.target, self.reason))


@contextlib.contextmanager
def writing(target: str | os.PathLike) -> Iterator[None]:
    """Turns an `OSError` raised while writing `target` into a `WriteError` naming it; the caller's scratch folder
    makes sure nothing half-written is left.

    Args:
        target: the output being written (file or folder), as the user named it.
    """
    try:
        yield
    except OSError as error:
        raise WriteError(target, error.strerror or str(error) or type(error).__name__) from None


def apply_umask(path: str | os.PathLike) -> None:
    """Gives `path` (recursively for a folder) the permissions the user's umask gives new files.

    Temporary files and folders (`tempfile.mkstemp`/`mkdtemp`) are private (0600/0700); results moved
    into place from them should be readable as if written directly.
    """
    umask = os.umask(0)
    os.umask(umask)
    path = Path(path)
    paths = [path, *path.rglob("*")] if path.is_dir() else [path]
    for item in paths:
        os.chmod(item, (0o777 if item.is_dir() else 0o666) & ~umask)
