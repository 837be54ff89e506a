"""The conversion engine: epoch features, streamed parallel conversion, saving, combining and sharding.

Conversion streams one recording at a time: each recording is read, epoched and written to its
own Arrow shard by a worker (``num_proc`` processes, see ``parallel.py``), so memory does not grow with the number of
recordings. Shards are written into a hidden folder next to the target and moved into place only
when every recording has converted; a failure leaves nothing where the dataset is expected.
Sequences and subject splits of a converted dataset live in ``splits.py``.
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .checks import WriteError, apply_umask, check_writable_folder, writing
from .parallel import worker_pool
from .preprocess import RecordingEpochs
from .scratch import scratch_folder

CONVERT_PREFIX = ".hf_sleep-convert-"
SAVE_PREFIX = ".hf_sleep-save-"

if TYPE_CHECKING:
    from .options import ConversionOptions

__all__ = [
    "column",
    "combine_datasets",
    "epoch_features",
    "run_conversion",
    "save_dataset",
]


def column(dataset, name: str) -> np.ndarray:
    """One column as a numpy array (object dtype for strings), honouring ``select``/``filter`` views.

    Args:
        dataset: a ``datasets.Dataset``.
        name: the column.
    """
    values = dataset.with_format("numpy", columns=[name])[:][name]
    return np.asarray(values)


def epoch_features(
    n_chans: int, n_times: int, label_names: Sequence[str], keep_unknown: bool = False, contract=None
):
    """The ``datasets.Features`` of an epoch dataset.

    ``labels`` is a ``ClassLabel`` over ``label_names`` when unscored epochs are dropped (the
    default). With ``keep_unknown=True`` unscored epochs stay in place (sequence models need the
    continuity) with label ``-100``, which a ``ClassLabel`` cannot hold, so ``labels`` is then an
    ``int64`` ``Value``; the names stay in the signal contract.

    The signal contract (a ``SleepFeatureExtractor``: channels, rate, epoch length, units, filters,
    preprocessing, label names) is stored as JSON in the ``input_values`` feature's metadata (its ``id``):
    features survive ``save_to_disk``/``load_from_disk``, ``select``/``filter``/``map`` and
    ``push_to_hub``/``load_dataset`` (the card's YAML), where ``DatasetInfo.description`` does not.
    ``SleepFeatureExtractor.from_dataset(ds)`` reads it back.

    Args:
        n_chans: number of channels.
        n_times: samples per epoch.
        label_names: class names in id order.
        keep_unknown: whether unscored epochs are kept (label ``-100``).
        contract: the ``SleepFeatureExtractor`` the rows were made with.
    """
    from datasets import Array2D, ClassLabel, Features, Value

    feature_id = contract.to_feature_id() if contract is not None else None
    return Features(
        {
            "input_values": Array2D((n_chans, n_times), "float32", id=feature_id),
            "labels": Value("int64") if keep_unknown else ClassLabel(names=list(label_names)),
            "subject": Value("string"),
            "night": Value("int32"),
            "recording": Value("string"),
            "epoch_index": Value("int32"),
            "onset_s": Value("float64"),
            "source_label": Value("string"),
        }
    )


def _write_shard(epochs: RecordingEpochs, path: Path, features) -> None:
    """One recording as an Arrow IPC stream file, the format and schema ``datasets.ArrowWriter`` writes."""
    with writing(path.parent):
        _write_arrow(epochs, path, features)


def _write_arrow(epochs: RecordingEpochs, path: Path, features) -> None:
    import pyarrow as pa

    n = len(epochs.labels)
    expected = tuple(features["input_values"].shape)
    if epochs.data.shape[1:] != expected:
        from .errors import RecordingError

        raise RecordingError(
            epochs.recording,
            f"epochs of shape {epochs.data.shape[1:]} differ from the dataset's {expected} "
            "(another sampling rate or epoch length than the first recording)",
        )
    schema = features.arrow_schema  # carries the features in its metadata, as datasets writes them
    per_row = max(1, int(np.prod(expected)))
    step = max(1, 2**30 // per_row)  # list<> offsets are int32: keep each table's values below 2**31
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        for lo in range(0, n, step):
            writer.write_table(_epochs_table(epochs, schema, slice(lo, lo + step)), max_chunksize=1000)


def _epochs_table(epochs: RecordingEpochs, schema, rows_slice: slice):
    """Rows of one recording as an Arrow table, the signal array shared with numpy (no copy)."""
    import pyarrow as pa

    data = np.ascontiguousarray(epochs.data[rows_slice], dtype=np.float32)
    n = len(data)
    _, n_chans, n_times = data.shape
    # Array2D storage: list<list<float32>>; the offsets are built here, the values are the numpy buffer.
    rows = pa.ListArray.from_arrays(
        pa.array(np.arange(0, n * n_chans * n_times + 1, n_times, dtype=np.int32)), pa.array(data.reshape(-1))
    )
    storage = pa.ListArray.from_arrays(pa.array(np.arange(0, n * n_chans + 1, n_chans, dtype=np.int32)), rows)
    signal = pa.ExtensionArray.from_storage(schema.field("input_values").type, storage)
    columns = {
        "input_values": signal,
        "labels": pa.array(np.asarray(epochs.labels[rows_slice], dtype=np.int64)),
        "subject": pa.array([epochs.subject] * n, pa.string()),
        "night": pa.array(np.full(n, epochs.night, dtype=np.int32)),
        "recording": pa.array([epochs.recording] * n, pa.string()),
        "epoch_index": pa.array(np.asarray(epochs.epoch_index[rows_slice], dtype=np.int32)),
        "onset_s": pa.array(np.asarray(epochs.onset_s[rows_slice], dtype=np.float64)),
        "source_label": pa.array([str(t) for t in epochs.source_label[rows_slice]], pa.string()),
    }
    return pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema)


@dataclass(frozen=True)
class _Job:
    task: Any
    load: Callable[[Any], RecordingEpochs]
    shard: Path
    features: Any


def _run_job(job: _Job) -> tuple[str, int]:
    epochs = job.load(job.task)
    _write_shard(epochs, job.shard, job.features)
    return epochs.recording, len(epochs.labels)


def default_cache_dir() -> Path:
    import datasets

    return Path(datasets.config.HF_DATASETS_CACHE) / "hf_sleep"


def run_conversion(
    tasks: Sequence[Any],
    load: Callable[[Any], RecordingEpochs],
    *,
    features,
    info_kwargs: dict[str, Any],
    options: ConversionOptions,
    desc: str = "recordings",
):
    """Convert recordings in parallel into one ``datasets.Dataset`` (internal engine of ``convert_*``).

    Each recording becomes one Arrow shard, written once: the shards are named and described
    (``state.json``, ``dataset_info.json``) as ``Dataset.save_to_disk`` lays a dataset out, so the
    folder is moved into place as it is, with no second copy of the data.

    Args:
        tasks: one picklable task per recording.
        load: top-level function turning a task into ``RecordingEpochs`` (runs in the workers).
        features: the dataset features.
        info_kwargs: ``DatasetInfo`` fields (description, citation, homepage, license).
        options: ``num_proc`` (1: in this process), ``output_dir`` (saved there atomically, ``load_from_disk``
            reads it), ``cache_dir`` (the Arrow shards without ``output_dir``), ``overwrite``, ``progress``.
        desc: progress-bar label.
    """
    num_proc, output_dir, cache_dir = options.num_proc, options.output_dir, options.cache_dir
    overwrite, progress = options.overwrite, options.progress
    if not tasks:
        raise ValueError("no recordings to convert")
    if output_dir is not None and Path(output_dir).exists() and not overwrite:
        raise FileExistsError(f"{output_dir} exists; pass overwrite=True to replace it")
    base = Path(output_dir).parent if output_dir is not None else Path(cache_dir or default_cache_dir())
    check_writable_folder(base, "output folder" if output_dir is not None else "cache folder")
    target = Path(output_dir) if output_dir is not None else base / f"{desc.replace(' ', '_')}-{uuid.uuid4().hex[:12]}"
    # The dataset grows in a subfolder of the scratch folder; the scratch folder also takes the replaced dataset,
    # so a kill at any point leaves one hidden folder that the next conversion here removes.
    with scratch_folder(base, CONVERT_PREFIX) as scratch:
        work = scratch / "dataset"
        work.mkdir()
        try:
            _convert_into(work, tasks, load, features, num_proc, desc, progress)
        except WriteError as error:  # a shard that could not be written: the dataset could not
            raise WriteError(target, error.reason) from None
        with writing(target):
            _write_dataset_files(work, [f"data-{i:05d}-of-{len(tasks):05d}.arrow" for i in range(len(tasks))],
                                 features, info_kwargs)  # fmt: skip
            apply_umask(work)  # the scratch folder is private; the dataset is not
            _move_into_place(work, target, scratch)
    from datasets import load_from_disk

    return load_from_disk(str(target))


def _convert_into(work: Path, tasks, load, features, num_proc: int, desc: str, progress: bool) -> None:
    """Every task converted into its shard ``data-<i>-of-<n>.arrow`` in ``work``."""
    from tqdm.auto import tqdm

    n = len(tasks)
    jobs = [
        _Job(task, load, work / f"data-{i:05d}-of-{n:05d}.arrow", features)
        for i, task in enumerate(tasks)
    ]
    bar = tqdm(total=len(jobs), desc=desc, unit="recording", disable=not progress)
    if num_proc <= 1 or len(jobs) == 1:
        # Two writer threads put recordings on disk while the next one is read (writing ~12 MB per
        # 8-h channel costs more than reading it): at most three recordings in memory.
        with ThreadPoolExecutor(max_workers=2) as writers:
            in_flight: deque = deque()
            for job in jobs:
                epochs = job.load(job.task)
                if len(in_flight) == 2:
                    in_flight.popleft().result()
                    bar.update(1)
                in_flight.append(writers.submit(_write_shard, epochs, job.shard, job.features))
                del epochs
            while in_flight:
                in_flight.popleft().result()
                bar.update(1)
    else:
        with worker_pool(min(num_proc, len(jobs))) as pool:
            pending = {pool.submit(_run_job, job) for job in jobs}
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    future.result()  # re-raises a worker's RecordingError
                    bar.update(1)
    bar.close()


def _write_dataset_files(folder: Path, shards: Sequence[str], features, info_kwargs: dict[str, Any]) -> None:
    """``state.json`` and ``dataset_info.json`` for Arrow shards, as ``Dataset.save_to_disk`` writes them."""
    import json

    from datasets import DatasetInfo
    from datasets.fingerprint import generate_random_fingerprint
    from datasets.utils.py_utils import asdict

    state = {
        "_data_files": [{"filename": name} for name in shards],
        "_fingerprint": generate_random_fingerprint(),
        "_format_columns": None,
        "_format_kwargs": {},
        "_format_type": None,
        "_output_all_columns": False,
        "_split": None,
    }
    (folder / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    info = asdict(DatasetInfo(features=features, **info_kwargs))
    (folder / "dataset_info.json").write_text(
        json.dumps({key: info[key] for key in sorted(info)}, indent=2), encoding="utf-8"
    )


def _move_into_place(source: Path, target: Path, scratch: Path) -> None:
    """Replace ``target`` by ``source`` (same file system); the old ``target`` is moved into ``scratch`` (removed
    with it) and put back if the move fails."""
    old = None
    if target.exists() or target.is_symlink():
        old = scratch / "replaced"
        os.replace(target, old)
    try:
        os.replace(source, target)
    except BaseException:
        if old is not None and not target.exists():
            os.replace(old, target)
        raise


def save_dataset(dataset, output_dir: str | os.PathLike, *, overwrite: bool = False):
    """``save_to_disk`` into a hidden sibling folder, then move it into place.

    Args:
        dataset: a ``Dataset`` or ``DatasetDict``.
        output_dir: the target folder.
        overwrite: replace an existing target.

    Returns:
        The dataset loaded back from ``output_dir`` (memory-mapped).
    """
    from datasets import load_from_disk

    target = Path(output_dir)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    check_writable_folder(target.parent)
    with scratch_folder(target.parent, SAVE_PREFIX) as scratch, writing(target):
        dataset.save_to_disk(str(scratch / "dataset"))
        apply_umask(scratch / "dataset")
        _move_into_place(scratch / "dataset", target, scratch)
    return load_from_disk(str(target))


def combine_datasets(parts: Sequence[Any]):
    """Combine shards converted by separate processes or machines into one dataset.

    Args:
        parts: ``Dataset`` objects or folders written by ``save_to_disk`` (e.g. the output of
            ``convert_sleep_edf(..., options=ConversionOptions(shard_index=i, num_shards=n, output_dir=...))`` on each machine).

    Raises:
        ValueError: the parts have different features, or a recording appears in two parts.
    """
    from datasets import Dataset, concatenate_datasets, load_from_disk

    loaded = [p if isinstance(p, Dataset) else load_from_disk(str(p)) for p in parts]
    if not loaded:
        raise ValueError("no dataset to combine")
    for i, part in enumerate(loaded[1:], start=1):
        if part.features != loaded[0].features:
            raise ValueError(f"part {i} has features {part.features}, part 0 has {loaded[0].features}")
    seen: dict[str, int] = {}
    for i, part in enumerate(loaded):
        for rec in set(column(part, "recording").tolist()):
            if rec in seen:
                raise ValueError(f"recording {rec!r} is in part {seen[rec]} and in part {i}")
            seen[rec] = i
    combined = concatenate_datasets(loaded) if len(loaded) > 1 else loaded[0]
    combined.info.description = loaded[0].info.description
    combined.info.license = loaded[0].info.license
    combined.info.citation = loaded[0].info.citation
    combined.info.homepage = loaded[0].info.homepage
    return combined
