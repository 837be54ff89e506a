"""Staging many nights: the model loaded once, the next recording read while the model runs.

    >>> from hf_sleep.staging.many_nights import FailedRecording, stage_recordings
    >>> for outcome in stage_recordings(["a.edf", "b.edf", "nights/"], output_dir="results"):
    ...     print(outcome.recording, "failed" if isinstance(outcome, FailedRecording) else outcome.n_epochs)

A broken recording does not stop the others: it comes out as a [`FailedRecording`] in its place. Memory stays
flat in the number of nights (one night staged, one read ahead) and, for long wide files, bounded by the
channels the model needs (only those are read).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hf_sleep.data.recording import READERS
from hf_sleep.staging.model_loading import (
    load_feature_extractor,
    load_model,
    model_source,
    saved_feature_extractor,
)
from hf_sleep.staging.one_night import stage_recording
from hf_sleep.staging.reading import read_night
from hf_sleep.staging.result import StagingResult

# Errors a bad recording raises (RecordingError is a ValueError); anything else is a bug and propagates.
RECORDING_ERRORS = (ValueError, OSError)


@dataclass
class FailedRecording:
    """A recording that could not be staged.

    Args:
        recording: the file.
        error: what went wrong.
    """

    recording: Path
    error: Exception

    @property
    def message(self) -> str:
        """One line naming the file and the problem."""
        text = str(self.error).splitlines()[0] if str(self.error) else type(self.error).__name__
        return text if str(self.recording) in text else f"{self.recording}: {text}"


def expand_recordings(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """The recordings named by files and folders: a folder gives its recordings (by suffix, sorted by name).

    Raises:
        ValueError: a folder without recordings (naming it and the suffixes looked for).
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            found.append(path)  # a missing or unreadable file fails later, in its place
            continue
        inside = sorted(
            child for child in path.iterdir()
            if child.is_file() and child.name.lower().endswith(tuple(READERS)) and not _is_output(child.name)
        )  # fmt: skip
        if not inside:
            raise ValueError(f"folder {path} holds no recordings ({', '.join(READERS)})")
        found.extend(inside)
    return found


def _is_output(name: str) -> bool:
    """Our own `<stem>_hypnogram.edf` (and hypnogram files beside Sleep-EDF's PSGs) are not nights to stage."""
    return "hypnogram" in name.lower()


def stage_recordings(
    paths: Sequence[str | os.PathLike],
    model: Any = None,
    channels: Sequence[str] | None = None,
    reference: str | Sequence[str] | None = None,
    output_dir: str | os.PathLike | None = None,
    *,
    rescale: float = 1.0,
    device: str | None = None,
    backend: str = "auto",
    **options: Any,
) -> Iterator[StagingResult | FailedRecording]:
    """Stages recordings one after the other with one model, reading the next while the model runs.

    Args:
        paths: recordings and folders of recordings (see [`expand_recordings`]).
        model: as for [`stage_recording`] (`None`: the bundled default stager); loaded once.
        channels: the channels to feed the model, as for [`stage_recording`] (picked per recording by default).
        reference: as for [`stage_recording`].
        output_dir: where to write each recording's four outputs; `None` writes nothing.
        rescale: as for [`stage_recording`].
        device: as for [`stage_recording`].
        backend: as for [`stage_recording`]; an ONNX session is opened once, as a torch model is loaded once.
        options: further keyword arguments of [`stage_recording`] (`batch_size`, `stride`, `overwrite`, ...).

    Yields:
        A [`StagingResult`] per recording, in order, or a [`FailedRecording`] for one that could not be staged.
    """
    from hf_sleep.pretrained import resolve_bundled
    from hf_sleep.staging.onnx_runtime import staging_model

    recordings = expand_recordings(paths)
    model = staging_model(resolve_bundled(model), backend)
    source = model_source(model)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hf-sleep-reader") as reader:
        # With a contract given or a folder's preprocessor_config.json, the first recording is read while the
        # weights load.
        given = options.get("feature_extractor")
        extractor = (given or _saved_extractor(model)) if recordings else None
        ahead = None
        if extractor is not None:
            ahead = reader.submit(read_night, recordings[0], extractor, channels, reference, rescale)
        if recordings and output_dir is not None and options.get("plot", True):  # matplotlib, imported meanwhile
            reader.submit(_import_plotting)
        loading = time.perf_counter()
        model = load_model(model, device, progress=options.get("progress", False)) if recordings else None
        loading = time.perf_counter() - loading
        if recordings and extractor is None:
            extractor = getattr(model, "signal_contract", None) or load_feature_extractor(source, model.config)
        elif recordings:  # read before the weights: the same shape check as the single-night path
            extractor.check_model(model.config, "feature_extractor" if given is not None else source)
        for index, path in enumerate(recordings):
            current = ahead or reader.submit(read_night, path, extractor, channels, reference, rescale)
            ahead = None
            if index + 1 < len(recordings):
                ahead = reader.submit(read_night, recordings[index + 1], extractor, channels, reference, rescale)
            night = None
            try:
                waiting = time.perf_counter()
                night = current.result()
                waiting = time.perf_counter() - waiting
                result = stage_recording(
                    path, model, channels, reference, output_dir, rescale=rescale, device=device, night=night, **options
                )
                # What this night cost beyond the read ahead: the model's load (first night) and any wait for it.
                result.timings.update(load_model=loading if index == 0 else 0.0, wait_for_read=waiting)
                yield result
            except RECORDING_ERRORS as error:
                yield FailedRecording(path, error)
            del current, night  # the night just staged is not held while the next one is read


def _import_plotting() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401
    from matplotlib.ticker import FixedLocator  # noqa: F401


def _saved_extractor(model: Any):
    """The feature extractor of a saved model folder, read before (and without) its weights; else `None`."""
    if not isinstance(model, (str, os.PathLike)):
        return None
    if not (Path(str(model)).expanduser() / "preprocessor_config.json").is_file():
        return None
    return saved_feature_extractor(model)
