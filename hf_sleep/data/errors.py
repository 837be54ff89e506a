"""The error raised for a recording that cannot be converted."""

from __future__ import annotations

import os


class RecordingError(ValueError):
    """A recording (PSG, hypnogram or label file) that cannot be read or converted.

    The message always names the file and the problem, e.g.
    ``SC4001E0-PSG.edf: channel 'EEG Fz-Cz' not found; available: EEG Fpz-Cz, EEG Pz-Oz``.

    Args:
        path: the file at fault.
        problem: what is wrong with it.
    """

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):  # keeps the error intact across worker processes
        return (type(self), (self.path, self.problem))
