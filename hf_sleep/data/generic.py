"""Bring your own scored PSG: any EDF with its stages (EDF+ annotations, CSV/TSV, one label per epoch, BIDS events).

``hf-sleep convert edf <folder or files> --hypnogram <pattern>`` pairs each EDF with its hypnogram and
converts both into a Hugging Face dataset with the same rows as the Sleep-EDF converter:

* **EDF+ annotations** — embedded in the PSG (no ``--hypnogram``) or a separate annotation file
  (``--hypnogram "{stem}-Hypnogram.edf"``); the file must start when the PSG starts;
* **a table with onset, duration and stage columns** — CSV or TSV with a header (``onset,duration,stage``),
  BIDS ``*_events.tsv`` (``onset``, ``duration``, ``trial_type``/``value``/``stage``) included;
* **one label per epoch** — a text file with one stage per line (text or integer), the first line
  starting at the PSG start.

Stage texts are matched ignoring case against a vocabulary: the built-in one (``STAGE_VOCABULARIES``:
AASM, R&K, numeric 0–5, ``Sleep stage X``), extended by a label map given inline
(``"Wake=W,Light=N2,Art=ignore"``) or as a JSON/YAML file; its entries override built-in ones for the same text.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import math
import os
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from numbers import Real
from pathlib import Path

import numpy as np

from .edf import ANNOTATION_LABEL, EdfHeader, read_annotations, read_edf_header
from .errors import RecordingError
from .labels import AASM_LABELS, label_key, label_runs
from .options import ConversionOptions
from .recording import judge_recording_file
from .scored import (
    ScoredRecording,
    ScoredTask,
    StageIntervals,
    check_channels,
    convert_scored,
    describe,
)

__all__ = [
    "STAGE_VOCABULARIES",
    "convert_edf",
    "find_scored_recordings",
    "parse_label_map",
    "read_hypnogram",
]

_AASM = {"W": "W", "Wake": "W", "N1": "N1", "N2": "N2", "N3": "N3", "R": "REM", "REM": "REM"}
_RK = {
    "S0": "W", "S1": "N1", "S2": "N2", "S3": "N3", "S4": "N3", "MT": None, "Movement": None,
    "Movement time": None, "Unscored": None, "?": None, "Sleep stage W": "W", "Sleep stage 1": "N1",
    "Sleep stage 2": "N2", "Sleep stage 3": "N3", "Sleep stage 4": "N3", "Sleep stage R": "REM",
    "Sleep stage ?": None,
}  # fmt: skip
_NUMERIC = {
    "0": "W",
    "1": "N1",
    "2": "N2",
    "3": "N3",
    "4": "N3",
    "5": "REM",
    "6": None,
    "9": None,
    "-1": None,
}
_SLEEP_STAGE_X = {
    "Sleep stage W": "W", "Sleep stage N1": "N1", "Sleep stage N2": "N2", "Sleep stage N3": "N3",
    "Sleep stage R": "REM", "Sleep stage REM": "REM", "Sleep stage N": None, "Sleep stage ?": None,
}  # fmt: skip

STAGE_VOCABULARIES: dict[str, dict[str, str | None]] = {
    "aasm": _AASM,
    "rk": _RK,
    "numeric": _NUMERIC,
    "sleep-stage": _SLEEP_STAGE_X,
    "auto": {**_AASM, **_RK, **_NUMERIC, **_SLEEP_STAGE_X},
}
"""Built-in stage vocabularies (text → AASM name, ``None`` = unscored), matched ignoring case.

``aasm``: ``W``/``Wake``, ``N1``–``N3``, ``R``/``REM``. ``rk``: ``S0``–``S4``, ``Sleep stage 1``–``4``,
``MT``; stages 3 and 4 → N3. ``numeric``: 0 W, 1–3 N1–N3, 4 (R&K stage 4) N3, 5 REM, 6/9/-1 unscored.
``sleep-stage``: ``Sleep stage W/N1/N2/N3/R`` (BIDS, HMC). ``auto`` (the default): all of them.
"""

_IGNORED_WORDS = {"ignore", "ignored", "none", "null", "unscored", "-100", ""}
_STAGE_COLUMNS = (
    "stage",
    "sleep_stage",
    "label",
    "trial_type",
    "value",
    "description",
    "annotation",
    "event",
)


def parse_label_map(spec: str | os.PathLike | Mapping[str, str | None] | None) -> dict[str, str | None]:
    """A label map: a built-in vocabulary extended by the user's own entries.

    Stages are AASM names (``W``, ``N1``, ``N2``, ``N3``, ``REM``; ``R`` is accepted) or ``ignore``
    (also ``null``/``none``/``unscored``) for texts that carry no stage: their epochs are left unscored.
    The user's entries extend the vocabulary (``auto`` unless the spec names another), so ``"U=ignore"``
    keeps ``W``, ``N1``, ... known; an entry for a text the vocabulary already has (matched ignoring case
    and spaces, as hypnogram texts are) overrides it: ``"4=REM"`` for a lab that numbers REM 4.

    Args:
        spec: ``None`` (the ``auto`` vocabulary), a key of ``STAGE_VOCABULARIES``, inline entries
            ``"Wake=W,Light=N2,Art=ignore"`` (one entry may name the vocabulary they extend:
            ``"rk,U=ignore"``), the path of a ``.json``/``.yaml``/``.yml`` file holding a mapping, or a mapping.

    Raises:
        ValueError: an unreadable file, a malformed entry, a stage that is not AASM, or one text given two
            stages.
    """
    vocabulary, raw = _label_map_entries(spec)
    given: dict[str, tuple[str, str | None]] = {}  # folded text -> (text as first written, stage)
    for key, value in raw:
        stage = None if value is None or str(value).strip().lower() in _IGNORED_WORDS else str(value).strip()
        if stage is not None:
            stage = (
                "REM" if stage.upper() == "R" else stage.upper() if stage.upper() in AASM_LABELS else stage
            )
        if stage is not None and stage not in AASM_LABELS:
            raise ValueError(
                f"label map sends {key!r} to {value!r}; stages are {', '.join(AASM_LABELS)} or ignore"
            )
        written, earlier = given.setdefault(label_key(str(key)), (str(key), stage))
        if earlier != stage:
            raise ValueError(
                f"label map gives {written!r} two stages, {earlier or 'ignore'} and {stage or 'ignore'} "
                "(texts match ignoring case and spaces)"
            )
    merged = {
        text: stage for text, stage in STAGE_VOCABULARIES[vocabulary].items() if label_key(text) not in given
    }
    merged.update(given.values())
    return merged


def _label_map_entries(
    spec: str | os.PathLike | Mapping[str, str | None] | None,
) -> tuple[str, list[tuple[str, object]]]:
    """The vocabulary a label-map spec extends and its own ``(text, stage)`` entries, as written."""
    if spec is None:
        return "auto", []
    if isinstance(spec, Mapping):
        return "auto", list(spec.items())
    if str(spec) in STAGE_VOCABULARIES:
        return str(spec), []
    if Path(spec).suffix.lower() in (".json", ".yaml", ".yml"):
        path = Path(spec)
        try:
            text = path.read_text(encoding="utf-8")
            if path.suffix.lower() == ".json":
                raw = json.loads(text)
            else:
                import yaml

                raw = yaml.safe_load(text)
        except Exception as err:  # json, yaml and OS errors alike: name the file
            raise ValueError(f"{path}: cannot read the label map: {err}") from err
        if not isinstance(raw, Mapping):
            raise ValueError(
                f"{path}: a label map must be a mapping of text to stage, got {type(raw).__name__}"
            )
        return "auto", list(raw.items())
    vocabulary, entries = None, []
    for entry in str(spec).split(","):
        if "=" in entry:
            key, value = entry.split("=", 1)
            entries.append((key.strip(), value.strip()))
        elif entry.strip() in STAGE_VOCABULARIES and vocabulary is None:
            vocabulary = entry.strip()
        else:
            raise ValueError(
                f"label map entry {entry.strip()!r} is not 'text=STAGE' "
                f"(or, once, a vocabulary to extend: {', '.join(STAGE_VOCABULARIES)})"
            )
    return vocabulary or "auto", entries


def _edf_stages(path: Path, header: EdfHeader | None) -> StageIntervals:
    hyp_header, onset, duration, text = read_annotations(path)
    # Onsets count from the annotation file's own start; a separate file may start later than the PSG.
    offset = 0.0 if header is None or hyp_header.path == header.path else (hyp_header.start - header.start).total_seconds()
    if header is not None and not 0 <= offset < header.duration:
        raise RecordingError(
            path,
            f"does not belong to {header.path.name}: annotations start {hyp_header.start}, PSG starts "
            f"{header.start} ({offset:+g} s)",
        )
    keep = duration > 0  # zero-length annotations are events (lights off, arousal markers), not stages
    return onset[keep] + offset, duration[keep], text[keep]


def _number(text: str, decimal_comma: bool = False) -> float | None:
    """The number a cell holds (``30,0`` too in a ``;``-separated file), else ``None``."""
    try:
        return float(text.replace(",", ".") if decimal_comma else text)
    except ValueError:
        return None


def _sniff_rows(text: str) -> tuple[list[list[str]], str]:
    """The rows of a CSV/TSV and its delimiter: a tab, ``;`` (the decimal-comma convention) or ``,``."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    sample = lines[:20]
    if any("\t" in line for line in sample):
        delimiter = "\t"
    elif sample and all(";" in line for line in sample):
        delimiter = ";"
    else:
        delimiter = ","
    rows = [
        [cell.strip() for cell in row]
        for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    ]
    return rows, delimiter


def _read_text(path: Path) -> str:
    """A hypnogram's text: UTF-8 (with or without a BOM) or UTF-16 with its BOM (what Windows tools save)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise RecordingError(path, f"cannot read the hypnogram: {err.strerror or err}") from None
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise RecordingError(
            path, f"is not {encoding.upper().replace('-SIG', '')} text (byte {data[err.start]:#04x} at {err.start}); "
            "save the hypnogram as UTF-8"
        ) from None


def _table_stages(path: Path, label_seconds: float) -> StageIntervals:
    text = _read_text(path)
    rows, delimiter = _sniff_rows(text)
    if not rows:
        raise RecordingError(path, "hypnogram is empty")
    comma = delimiter == ";"  # a ';'-separated file writes decimals with a comma
    head = [cell.lower() for cell in rows[0]]
    if all(len(row) >= 3 and _number(row[0], comma) is not None and _number(row[1], comma) is not None for row in rows):
        rows = [["onset", "duration", "stage"], *rows]  # a headerless onset,duration,stage table (DCSM)
        head = rows[0]
    if "onset" in head:  # an interval table (CSV/TSV, BIDS events.tsv)
        if "duration" not in head:
            raise RecordingError(path, f"has an 'onset' column but no 'duration' column (columns: {rows[0]})")
        stage_col = next((head.index(c) for c in _STAGE_COLUMNS if c in head), None)
        if stage_col is None:
            raise RecordingError(
                path,
                f"no stage column: expected one of {', '.join(_STAGE_COLUMNS)}; columns: {', '.join(rows[0])}",
            )
        i_on, i_dur = head.index("onset"), head.index("duration")
        onset, duration, labels = [], [], []
        for n, row in enumerate(rows[1:], start=2):
            if len(row) <= max(i_on, i_dur, stage_col):
                raise RecordingError(path, f"row {n} has {len(row)} cells, the header {len(head)}: {row}")
            o = _number(row[i_on], comma)
            d = 0.0 if row[i_dur] in ("", "n/a") else _number(row[i_dur], comma)
            label = row[stage_col]
            if o is None or d is None:
                raise RecordingError(path, f"row {n}: onset and duration must be numbers of seconds: {row}")
            if not (math.isfinite(o) and math.isfinite(d)):
                raise RecordingError(path, f"row {n}: onset and duration must be finite, got {o:g} and {d:g} s")
            if d < 0:
                raise RecordingError(path, f"row {n}: duration {d:g} s is negative")
            # A row without duration or stage is an event (BIDS: lights off, an arousal marker), not a stage.
            if d > 0 and label not in ("", "n/a"):
                onset.append(o)
                duration.append(d)
                labels.append(label)
        if not onset:
            raise RecordingError(path, "no stage interval (rows with a positive duration and a stage)")
        order = np.argsort(onset, kind="stable")
        return (
            np.asarray(onset, float)[order],
            np.asarray(duration, float)[order],
            np.asarray(labels, dtype=object)[order],
        )
    # one label per epoch (the last cell of a row; a header line naming the column is skipped)
    labels = [row[-1] for row in rows]
    if labels and labels[0].lower() in _STAGE_COLUMNS + ("hypnogram", "sleep stage", "epoch"):
        labels = labels[1:]
    if labels and re.fullmatch(r"\[.*\]", labels[0]):  # DREAMS: a "[Hypnogram]" title line
        labels = labels[1:]
    return _runs_of(labels, label_seconds)


def _runs_of(labels: Sequence[str], label_seconds: float) -> StageIntervals:
    """One label per ``label_seconds`` → intervals of equal consecutive labels."""
    runs = label_runs(list(labels))
    starts = np.array([first for first, _, _ in runs], dtype=np.int64)
    lengths = np.array([length for _, length, _ in runs], dtype=np.int64)
    return starts * label_seconds, lengths * label_seconds, np.array([label for *_, label in runs], dtype=object)


def read_hypnogram(
    path: str | os.PathLike, header: EdfHeader | None, label_seconds: float = 30.0
) -> StageIntervals:
    """Read stage intervals from a hypnogram in any supported format (chosen by the file name).

    Args:
        path: an EDF+ file (``.edf``; the PSG itself for embedded annotations), an NSRR ``.xml``, or a
            text file: a table with ``onset``/``duration``/stage columns or one label per line.
        header: the PSG header (an EDF+ hypnogram must start when the PSG starts); ``None`` for a hypnogram
            read on its own (an EDF+ one then counts its onsets from its own start).
        label_seconds: how long one label of a one-label-per-line file lasts.

    Returns:
        ``(onset_s, duration_s, text)``, onsets in seconds from the PSG start.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".edf":
        return _edf_stages(path, header)
    if suffix == ".xml":
        from .nsrr import read_nsrr_stages

        return read_nsrr_stages(path)
    return _table_stages(path, label_seconds)


_BIDS_SUBJECT = re.compile(r"sub-([A-Za-z0-9]+)")
_BIDS_SESSION = re.compile(r"ses-(\d+)")


def _is_signal_file(path: Path) -> bool:
    header = read_edf_header(path)
    return any(label != ANNOTATION_LABEL for label in header.labels)


HYPNOGRAM_FIELDS = ("stem", "base", "name")
"""The ``{field}`` names a ``--hypnogram`` pattern may hold."""


def check_hypnogram_pattern(pattern: str) -> None:
    """A one-line ``ValueError`` naming ``--hypnogram`` for a pattern ``str.format`` cannot fill.

    Args:
        pattern: e.g. ``"{stem}.csv"``; ``{{``/``}}`` stand for literal braces.
    """
    try:
        fields = [field for _, field, spec, _ in string.Formatter().parse(pattern) if field is not None]
    except ValueError as error:  # a lone '{' or '}'
        raise ValueError(f"--hypnogram {pattern!r}: {error} (write '{{{{' for a literal brace)") from None
    wrong = [field for field in fields if field not in HYPNOGRAM_FIELDS]
    if wrong:
        raise ValueError(
            f"--hypnogram {pattern!r}: unknown field {{{wrong[0]}}}; a pattern may use "
            f"{', '.join('{' + name + '}' for name in HYPNOGRAM_FIELDS)}"
        )


def find_scored_recordings(
    paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike],
    hypnogram: str | None = None,
    *,
    subject_pattern: str | None = None,
) -> list[ScoredRecording]:
    """Pair each EDF with its hypnogram.

    Args:
        paths_or_dir: a folder (searched recursively for ``*.edf``; annotation-only EDF+ files are
            hypnograms, not recordings) or EDF files.
        hypnogram: where the hypnogram of ``<folder>/<stem>.edf`` is, relative to its folder, with
            ``{stem}`` for the EDF name without extension and ``{base}`` for the stem without a BIDS
            ``_eeg``/``_psg`` suffix (glob characters allowed; it must match one file): ``"{stem}.csv"``,
            ``"{stem}-Hypnogram.edf"``, ``"{base}_events.tsv"``, ``"../scores/{stem}*.txt"``, or an absolute
            pattern (``"/data/scores/{stem}.csv"``). ``None``: the EDF's own EDF+ annotations.
        subject_pattern: regular expression whose first group (applied to the stem) is the subject id;
            default: the BIDS ``sub-<label>`` when present, else the stem.

    Raises:
        ValueError: a pattern with a field other than ``{stem}``, ``{base}``, ``{name}`` (or a lone brace).
        RecordingError: an EDF without hypnogram, a pattern matching several files, or one hypnogram matched by
            two recordings.
    """
    if isinstance(paths_or_dir, (str, os.PathLike)):
        root = Path(paths_or_dir)
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        files = sorted(p for p in root.rglob("*") if p.suffix.lower() == ".edf") if root.is_dir() else [root]
        files = [f for f in files if root.is_file() or _is_signal_file(f)]
    else:
        files = [Path(p) for p in paths_or_dir]
    if hypnogram is not None:
        check_hypnogram_pattern(hypnogram)
    out, claimed = [], {}
    pattern = re.compile(subject_pattern) if subject_pattern else None
    for edf in files:
        judge_recording_file(edf)  # the verdict `hf-sleep stage` gives on the same file
        if hypnogram is None:
            if ANNOTATION_LABEL not in read_edf_header(edf).labels:
                raise RecordingError(
                    edf, "has no EDF+ annotations; give the hypnogram file pattern (--hypnogram '{stem}.csv')"
                )
            hyp = edf
        else:
            # The file's own names are escaped: a '[' in a stem is a character, not a glob class.
            names = {"stem": edf.stem, "name": edf.name, "base": re.sub(r"_(eeg|psg)$", "", edf.stem)}
            try:
                relative = hypnogram.format(**{key: glob.escape(value) for key, value in names.items()})
            except (ValueError, KeyError, IndexError) as error:  # a format spec such as {stem:>{base}}
                raise ValueError(f"--hypnogram {hypnogram!r}: {error}") from None
            # An absolute pattern stays as it is (``Path / absolute`` is the absolute path).
            pattern_path = Path(glob.escape(str(edf.parent))) / relative
            matches = sorted(m for m in map(Path, glob.glob(str(pattern_path), recursive=True)) if m != edf)
            if not matches:
                raise RecordingError(
                    edf, f"no hypnogram found: nothing matches {str(edf.parent / relative)!r}"
                )
            if len(matches) > 1:
                raise RecordingError(
                    edf, f"several hypnograms match {relative!r}: {', '.join(m.name for m in matches[:5])}"
                )
            hyp = matches[0]
            if hyp in claimed:  # one file scoring two recordings: a pattern without {stem}?
                raise RecordingError(
                    hyp, f"is the hypnogram of both {claimed[hyp].name} and {edf.name}: put {{stem}} in --hypnogram"
                )
            claimed[hyp] = edf
        if pattern is not None:
            m = pattern.search(edf.stem)
            if m is None:
                raise RecordingError(edf, f"subject pattern {subject_pattern!r} does not match {edf.stem!r}")
            subject = m.group(1) if m.groups() else m.group(0)
        else:
            m = _BIDS_SUBJECT.search(edf.stem)
            subject = m.group(1) if m else edf.stem
        session = _BIDS_SESSION.search(edf.stem)
        out.append(ScoredRecording(edf, hyp, edf.stem, subject, int(session.group(1)) if session else 1))
    return out


def convert_edf(
    paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    channels: Sequence[str] | None = None,
    hypnogram: str | None = None,
    label_map: str | os.PathLike | Mapping[str, str | None] | None = None,
    epoch_seconds: float | None = None,
    label_seconds: float | None = None,
    rescore: float | None = None,
    subject_pattern: str | None = None,
    dataset_name: str = "scored-psg",
    license: str = "other",
    options: ConversionOptions | None = None,
):
    """Convert your own scored EDF recordings into a ``datasets.Dataset`` of epochs.

    Rows are as in ``convert_sleep_edf`` (AASM labels, ``source_label`` keeps the scorer's text).

    Args:
        paths_or_dir: a folder of EDF files or the files.
        channels: labels or ``A-B`` derivations to keep, in order (``|`` separates alternatives);
            required: recordings differ too much for a default.
        hypnogram: the hypnogram file pattern (see ``find_scored_recordings``); ``None``: embedded EDF+
            annotations.
        label_map: a vocabulary name, an inline ``text=STAGE,...`` list, a JSON/YAML file or a mapping
            (see ``parse_label_map``; default: every built-in vocabulary).
        epoch_seconds: the scoring epoch length (default 30 s); stages off this grid are an error.
        label_seconds: duration of one label in one-label-per-line hypnograms (default ``epoch_seconds``;
            e.g. 5 for 5-s codes, merged into ``epoch_seconds`` epochs when they agree).
        rescore: the epoch length of the dataset when the hypnogram is scored in other epochs (5-, 10-, 20-s:
            read from its onsets and durations, or ``label_seconds`` for one label per line): each epoch gets
            the stage covering most of it, a tie stays unscored (``labels.rescore``).
        subject_pattern: regular expression giving the subject id from the EDF stem.
        dataset_name: the name stored in the dataset info and card.
        license: the licence of the recordings (stored in the dataset info and card).
        options: the output rate, band-pass, epochs kept and where the dataset goes ([`ConversionOptions`]).

    Raises:
        ValueError: no channels, or ``rescore`` that is not a positive length or disagrees with ``epoch_seconds``.
        RecordingError: a hypnogram that is misaligned, uses unknown labels, is scored in epochs of another
            length (without ``rescore``) or belongs to another recording; a missing channel. The message names
            the file.
    """
    if not channels:
        raise ValueError("channels is required: name the EDF labels (or derivations A-B) to keep")
    if rescore is not None and epoch_seconds is not None and epoch_seconds != rescore:
        raise ValueError(
            f"rescore {rescore:g} and epoch_seconds {epoch_seconds:g} disagree: with rescore, the dataset's "
            "epochs are rescore seconds long and the hypnogram's own epoch length is read from it"
        )
    recordings = find_scored_recordings(paths_or_dir, hypnogram, subject_pattern=subject_pattern)
    if not recordings:
        raise ValueError(f"no EDF recording found in {paths_or_dir}")
    return convert_recordings(
        recordings, channels=channels, label_map=parse_label_map(label_map), label_seconds=label_seconds,
        epoch_seconds=epoch_seconds or 30.0, rescore=rescore,
        title="Scored PSG recordings converted with hf_sleep: one row per scored epoch.",
        extra_params={"hypnogram": hypnogram or "EDF+ annotations of each recording"},
        info={"license": license, "dataset_name": dataset_name}, options=options or ConversionOptions(),
    )  # fmt: skip


def convert_recordings(
    recordings: Sequence[ScoredRecording],
    *,
    channels: Sequence[str],
    label_map: Mapping[str, str | None],
    title: str,
    info: Mapping[str, str],
    options: ConversionOptions,
    epoch_seconds: float = 30.0,
    label_seconds: float | None = None,
    rescore: float | None = None,
    extra_params: Mapping[str, str] | None = None,
):
    """Convert paired recordings whose hypnograms ``read_hypnogram`` reads (the engine of ``convert_edf`` and the
    PhysioNet cohorts).

    Args:
        recordings: the PSG/hypnogram pairs.
        channels: channel specifications (labels, ``A-B`` derivations, ``|`` alternatives).
        label_map: stage text → AASM name or ``None``.
        title: first line of the dataset description.
        info: ``DatasetInfo`` fields besides the description (license, dataset_name, citation, homepage).
        options: the output rate, band-pass, epochs kept and where the dataset goes.
        epoch_seconds: scoring epoch length.
        label_seconds: duration of one label of one-label-per-line hypnograms.
        rescore: the dataset's epoch length (in place of ``epoch_seconds``) when the hypnograms are scored in
            epochs of another length: each epoch gets the stage covering most of it (``labels.rescore``).
        extra_params: more ``- key: value`` lines for the description.
    """
    if rescore is not None:
        if not (isinstance(rescore, Real) and math.isfinite(rescore) and rescore > 0):
            raise ValueError(f"rescore must be a positive number of seconds (the dataset's epoch), got {rescore!r}")
        epoch_seconds = rescore
        extra_params = {
            **(extra_params or {}),
            "rescored": f"into {epoch_seconds:g}-s epochs: the stage covering most of each, ties unscored",
        }
    recordings = options.shard(list(recordings))
    channels = tuple(channels)
    # The contract keeps the alternatives (``C4-M1|C3-M2``): a model trained on it reads whichever one a
    # recording has, as the converter did.
    extractor = options.contract(list(channels), epoch_seconds, AASM_LABELS)
    tasks = [
        ScoredTask(
            rec,
            read_hypnogram,
            channels,
            extractor,
            options.trim_wake_minutes,
            options.keep_unknown,
            dict(label_map),
            label_seconds,
            rescore=rescore is not None,
        )
        for rec in recordings
    ]
    first = recordings[0]
    check_channels(first.psg, channels, read_edf_header(first.psg))
    params = options.described(channels, extractor.sfreq, epoch_seconds, AASM_LABELS)
    params.update(extra_params or {})
    return convert_scored(tasks, info_kwargs={"description": describe(title, params), **info}, options=options)
