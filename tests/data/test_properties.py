"""Property-based tests (hypothesis) over generated files, label sequences and annotations."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hf_sleep.data import (
    IGNORE_INDEX,
    RODENT_OPTIONS,
    SLEEP_EDF_OPTIONS,
    RecordingError,
    RodentArrays,
    convert_rodent,
    convert_sleep_edf,
    synthesize_night,
    to_sequences,
)
from hf_sleep.data.labels import SLEEP_EDF_LABEL_MAP, label_ids
from hf_sleep.data.preprocess import epoch_labels, trim_wake
from hf_sleep.data.synthetic import write_sleep_edf_night

SETTINGS = dict(derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RK_TEXTS = sorted(SLEEP_EDF_LABEL_MAP)
IDS = label_ids(SLEEP_EDF_LABEL_MAP, ("W", "N1", "N2", "N3", "REM"))
STAGE = st.sampled_from(["W", "N1", "N2", "N3", "REM", "Sleep stage 4", "Movement time", "Sleep stage ?"])
AASM_ID = {"W": 0, "N1": 1, "N2": 2, "N3": 3, "Sleep stage 4": 3, "REM": 4}


def naive_trim(ids: list[int], trim: int | None) -> list[int]:
    if trim is None:
        return list(range(len(ids)))
    sleep = [k for k, i in enumerate(ids) if i in (1, 2, 3, 4)]
    if not sleep:
        return []
    return list(range(max(0, sleep[0] - trim), min(len(ids), sleep[-1] + trim + 1)))


@settings(max_examples=200, **SETTINGS)
@given(
    runs=st.lists(st.tuples(st.sampled_from(RK_TEXTS), st.integers(1, 6)), min_size=1, max_size=12),
    first=st.integers(0, 3),
    n_epochs=st.integers(1, 60),
)
def test_epoch_labels_match_naive_expansion(runs, first, n_epochs) -> None:
    onset, duration, text, naive = [], [], [], [IGNORE_INDEX] * n_epochs
    t = first
    for label, length in runs:
        onset.append(t * 30.0), duration.append(length * 30.0), text.append(label)
        for k in range(t, t + length):
            if k < n_epochs:
                naive[k] = IDS[label]
        t += length
    ids, texts = epoch_labels("h.edf", np.array(onset), np.array(duration), np.array(text, dtype=object),
                              n_epochs=n_epochs, epoch_seconds=30.0, label_ids=IDS)  # fmt: skip
    assert ids.tolist() == naive
    assert all((tx == "") == (k < first or k >= t) for k, tx in enumerate(texts))


@settings(max_examples=200, **SETTINGS)
@given(
    ids=st.lists(st.sampled_from([0, 1, 2, 3, 4, IGNORE_INDEX]), max_size=80),
    trim=st.one_of(st.none(), st.integers(0, 10)),
)
def test_trim_wake_matches_definition(ids, trim) -> None:
    span = trim_wake(np.array(ids, dtype=np.int64), [1, 2, 3, 4], trim)
    assert list(range(len(ids)))[span] == naive_trim(ids, trim)


@settings(max_examples=8, **SETTINGS)
@given(
    stages=st.lists(STAGE, min_size=2, max_size=40),
    trim=st.sampled_from([None, 0, 2]),
    seed=st.integers(0, 5),
)
def test_generated_sleep_edf_round_trip(stages, trim, seed) -> None:
    """Whatever the hypnogram, the converted labels are exactly the hypnogram's, trimmed and filtered."""
    ids = [AASM_ID.get(s, IGNORE_INDEX) for s in stages]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        write_sleep_edf_night(folder, hypnogram=stages, subject=3, night=1, seed=seed)
        kept = convert_sleep_edf(folder, options=SLEEP_EDF_OPTIONS.replace(keep_unknown=True, trim_wake_minutes=None, progress=False, cache_dir=Path(tmp) / "c"))  # fmt: skip
        assert list(kept["labels"]) == ids and list(kept["epoch_index"]) == list(range(len(ids)))
        x = kept.with_format("numpy")[:]["input_values"]
        assert x.shape == (len(ids), 1, 3000) and np.isfinite(x).all()
        want = [k for k in naive_trim(ids, trim) if ids[k] != IGNORE_INDEX]
        if not want:
            with pytest.raises(RecordingError, match="no scored sleep epoch"):
                convert_sleep_edf(folder, options=SLEEP_EDF_OPTIONS.replace(trim_wake_minutes=None if trim is None else trim * 0.5, progress=False, cache_dir=Path(tmp) / "c"))  # fmt: skip
            return
        ds = convert_sleep_edf(folder, options=SLEEP_EDF_OPTIONS.replace(trim_wake_minutes=None if trim is None else trim * 0.5, progress=False, cache_dir=Path(tmp) / "c"))  # fmt: skip
        assert list(ds["epoch_index"]) == want and list(ds["labels"]) == [ids[k] for k in want]
        np.testing.assert_array_equal(ds.with_format("numpy")[:]["input_values"], x[want])


RODENT = st.sampled_from(["Wake", "Non REM", "REM", "Wake X", "Unscored"])


@settings(max_examples=15, **SETTINGS)
@given(
    recordings=st.lists(st.lists(RODENT, min_size=1, max_size=30), min_size=1, max_size=3),
    seq_len=st.integers(1, 6),
    stride=st.integers(1, 6),
)
def test_rodent_arrays_and_sequences(recordings, seq_len, stride) -> None:
    """Labels and signals survive conversion; sequences are consecutive and never cross recordings."""
    ids = {"Wake": 0, "Non REM": 1, "REM": 2}
    recs, rng = [], np.random.default_rng(0)
    for i, labels in enumerate(recordings):
        recs.append(
            RodentArrays(rng.normal(0, 10, (2, len(labels) * 40)).astype(np.float32), 10.0, labels, f"a{i}")
        )
    with tempfile.TemporaryDirectory() as tmp:
        if not any(lab in ids for labels in recordings for lab in labels):
            with pytest.raises(RecordingError, match="no scored epoch"):
                convert_rodent(recs, options=RODENT_OPTIONS.replace(progress=False, cache_dir=tmp))
            return
        recs = [r for r in recs if any(lab in ids for lab in r.labels)]
        ds = convert_rodent(recs, options=RODENT_OPTIONS.replace(progress=False, cache_dir=tmp))
        rows = ds.with_format("numpy")[:]
        start = 0
        for rec in recs:
            keep = [k for k, lab in enumerate(rec.labels) if lab in ids]
            sl = slice(start, start + len(keep))
            assert rows["epoch_index"][sl].tolist() == keep
            assert rows["labels"][sl].tolist() == [ids[rec.labels[k]] for k in keep]
            np.testing.assert_array_equal(
                rows["input_values"][sl], rec.signals.reshape(2, -1, 40)[:, keep].transpose(1, 0, 2)
            )
            start += len(keep)
        seq = to_sequences(ds, seq_len, stride, cache_dir=tmp)
        expected = 0
        for rec in recs:
            keep = [k for k, lab in enumerate(rec.labels) if lab in ids]
            runs = np.split(np.array(keep), np.flatnonzero(np.diff(keep) != 1) + 1)
            expected += sum(len(range(0, len(r) - seq_len + 1, stride)) for r in runs)
        assert len(seq) == expected
        by_animal = {rec.animal: rec for rec in recs}  # recs lost the recordings without a scored epoch
        for row in seq.with_format("numpy"):
            rec = by_animal[row["recording"].split("_")[0]]
            k0 = int(row["epoch_index"])
            assert row["labels"].tolist() == [ids[rec.labels[k0 + j]] for j in range(seq_len)]


@settings(max_examples=20, **SETTINGS)
@given(stages=st.lists(STAGE, min_size=1, max_size=20), seed=st.integers(0, 2**31 - 1))
def test_synthesizer_is_deterministic_and_finite(stages, seed) -> None:
    chans = ("EEG Fpz-Cz", "EOG horizontal", "EMG submental")
    a = synthesize_night(stages, channels=chans, seed=seed, sfreq=50.0)
    assert a.shape == (3, len(stages) * 1500) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, synthesize_night(stages, channels=chans, seed=seed, sfreq=50.0))


# -- hypnogram tables: rows, separators, encodings (issue 25) ----------------------------------------------
N_TABLE_EPOCHS = 12
TABLE_IDS = {"W": 0, "N2": 2, "REM": 4, "?": IGNORE_INDEX}
SECONDS = st.one_of(
    st.integers(-2, 14).map(lambda k: 30.0 * k),  # on the grid, inside or just outside the recording
    st.sampled_from([15.0, 1e12, 3e12, -30.0, float("nan"), float("inf"), 0.0]),
)
ROW = st.tuples(SECONDS, SECONDS, st.sampled_from(["W", "N2", "REM", "?", "", "Bogus", "Réveil"]))
# separator, decimal mark, encoding
DIALECT = st.tuples(st.sampled_from([(",", "."), (";", ","), ("\t", ".")]), st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))


def expected_epochs(rows) -> list[int] | None:
    """The per-epoch ids a table of `rows` means, or `None` where it must be refused."""
    ids = [IGNORE_INDEX] * N_TABLE_EPOCHS
    kept = [(o, d, label) for o, d, label in rows if not (d == 0 or label == "")]
    if any(not (np.isfinite(o) and np.isfinite(d)) or d < 0 for o, d, _ in rows):
        return None
    if not kept or any(label not in TABLE_IDS for _, _, label in kept):
        return None
    if any(o % 30 or d % 30 for o, d, _ in kept):
        return None
    owner: dict[int, int] = {}
    for o, d, label in sorted(kept, key=lambda row: row[0]):
        for k in range(max(0, int(o // 30)), min(N_TABLE_EPOCHS, int((o + d) // 30))):
            if TABLE_IDS[label] != IGNORE_INDEX:
                if k in owner:
                    return None  # two stages for one epoch
                owner[k] = TABLE_IDS[label]
            ids[k] = TABLE_IDS[label]
    return ids


@settings(max_examples=150, **SETTINGS)
@given(rows=st.lists(ROW, min_size=1, max_size=6), dialect=DIALECT)
def test_hypnogram_tables_read_as_written_or_refused_in_one_line(rows, dialect) -> None:
    """Each table either gives exactly the epochs its rows say or fails in one line naming the file."""
    from hf_sleep.data.generic import read_hypnogram

    (separator, decimal), encoding = dialect
    number = lambda x: f"{x:g}".replace(".", decimal)  # noqa: E731
    lines = [separator.join(["onset", "duration", "stage"])]
    lines += [separator.join([number(o), number(d), label]) for o, d, label in rows]
    text = "\n".join(lines) + "\n"
    expected = expected_epochs(rows)
    readable = encoding in ("utf-8", "utf-8-sig", "utf-16") or (encoding == "latin-1" and text.isascii())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "night_hypnogram.csv"
        path.write_bytes(text.encode(encoding))
        try:
            onset, duration, texts = read_hypnogram(path, header=None)
            ids, _ = epoch_labels(path, onset, duration, texts, n_epochs=N_TABLE_EPOCHS, epoch_seconds=30.0,
                                  label_ids=TABLE_IDS)  # fmt: skip
        except RecordingError as error:
            assert str(error).startswith(f"{path}: ") and "\n" not in str(error)
            assert expected is None or not readable, (rows, str(error))
            return
        assert readable and ids.tolist() == expected, rows
