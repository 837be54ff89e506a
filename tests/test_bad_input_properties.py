"""Property-based bad input (hypothesis): corrupted EDF headers and data, NaN/inf stretches, broken model folders.

For every generated case, `hf-sleep stage` and `hf-sleep convert sleep-edf` (run in this process through the CLI's
`main`) either succeed with finite outputs or fail with one line that names the file; never a traceback (an
exception escaping `main` fails the test), never partial outputs, never a hang (an alarm fails a case that
runs for minutes). Few examples, derandomized: the suite runs in about a minute.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import mne
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hf_sleep import get_architecture
from hf_sleep.cli import main
from hf_sleep.data.synthetic import write_sleep_edf_night

from .staging.helpers import stage_like_signal
from .testers import TESTERS

SETTINGS = dict(
    derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
NIGHT = ["W"] * 2 + ["N1"] * 2 + ["N2"] * 4 + ["N3"] * 2 + ["REM"] * 2 + ["W"] * 2
HANG_SECONDS = 120  # far beyond any case here (a few seconds): only a hang trips it

# (offset, width) of the fixed header fields, and (offset per signal, width) of the per-signal fields.
HEADER_FIELDS = {
    "version": (0, 8), "start date": (168, 8), "start time": (176, 8), "header bytes": (184, 8),
    "records": (236, 8), "record duration": (244, 8), "signals": (252, 4),
}  # fmt: skip
SIGNAL_FIELDS = {
    "label": (0, 16), "unit": (96, 8), "physical min": (104, 8), "physical max": (112, 8),
    "digital min": (120, 8), "digital max": (128, 8), "samples per record": (216, 8),
}  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(
        [b"", b"0", b"-1", b"1", b"2", b"3", b"0.5", b"30", b"1e9", b"-32768", b"32767", b"99999999", b"nan",
         b"inf", b"abc", b"V", b"UV", b"mV", b"EEG Fpz-Cz", b"\xff\xfe"]
    ),
    st.binary(max_size=8),
)  # fmt: skip
MUTATION = st.one_of(
    st.tuples(st.just("header"), st.sampled_from(sorted(HEADER_FIELDS)), st.just(0), VALUES),
    st.tuples(st.just("signal"), st.sampled_from(sorted(SIGNAL_FIELDS)), st.integers(0, 6), VALUES),
    st.tuples(st.just("truncate"), st.just(""), st.floats(0.0, 1.0), st.just(b"")),
    st.tuples(st.just("bytes"), st.just(""), st.floats(0.0, 1.0), st.binary(min_size=1, max_size=64)),
)


@contextlib.contextmanager
def time_limit(seconds: int):
    def hang(signum, frame):
        raise TimeoutError(f"a case ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(*argv) -> tuple[int, list[str]]:
    """`hf-sleep ARGV` in this process: the exit status and the lines of stderr (progress bars removed)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), time_limit(HANG_SECONDS):
        code = main([str(a) for a in argv])  # an exception here is a traceback for the user: the test fails
    pieces = [piece.split("/s]")[-1] for piece in err.getvalue().replace("\r", "\n").splitlines()]
    return code, [piece for piece in pieces if piece.strip()]


def mutate(data: bytes, mutations) -> bytes:
    data = bytearray(data)
    n_signals = 7  # the Sleep-EDF SC layout of the base file
    for kind, name, where, value in mutations:
        if kind == "header":
            offset, width = HEADER_FIELDS[name]
            data[offset : offset + width] = value[:width].ljust(width, b" ")
        elif kind == "signal":
            start, width = SIGNAL_FIELDS[name]
            offset = 256 + n_signals * start + where * width
            data[offset : offset + width] = value[:width].ljust(width, b" ")
        elif kind == "truncate":
            data = data[: int(where * len(data))]
        else:
            offset = int(where * max(len(data) - len(value), 0))
            data[offset : offset + len(value)] = value
    return bytes(data)


def assert_one_line_naming(code: int, lines: list[str], *names: str) -> None:
    errors = [line for line in lines if "error:" in line]
    assert code != 0 and len(errors) == 1, lines
    assert "Traceback" not in "\n".join(lines)
    assert any(name in errors[0] for name in names), errors[0]


def check_stage_outputs(out: Path) -> None:
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 4 and not any(name.startswith(".") for name in files), files
    with open(next(out.glob("*_hypnogram.csv")), newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        values = [value for key, value in row.items() if key.startswith("prob_")]
        if row["stage"] == "?":
            assert all(value == "" for value in values)
        else:
            probabilities = [float(value) for value in values]
            assert all(math.isfinite(p) for p in probabilities) and abs(sum(probabilities) - 1) < 1e-4


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A valid short Sleep-EDF pair (SC layout: 100-Hz EEG/EOG, 1-Hz signals) and a tiny saved model."""
    root = tmp_path_factory.mktemp("base")
    psg, hypnogram = write_sleep_edf_night(root / "pair", hypnogram=NIGHT, subject=0, night=1)
    torch.manual_seed(0)
    config = TESTERS["tinysleepnet"].config()
    with contextlib.redirect_stderr(io.StringIO()):
        get_architecture("tinysleepnet").model_class(config).save_pretrained(root / "model")
    return {"psg": psg.read_bytes(), "hypnogram": hypnogram, "model": root / "model"}


@settings(max_examples=12, **SETTINGS)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_corrupted_edf_in_stage_and_convert(base, mutations) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        psg = folder / "SC4001E0-PSG.edf"
        psg.write_bytes(mutate(base["psg"], mutations))
        shutil.copyfile(base["hypnogram"], folder / base["hypnogram"].name)

        out = Path(tmp) / "staged"
        code, lines = run_cli("stage", psg, "--model", base["model"], "--out-dir", out, "--quiet")
        if code == 0:
            check_stage_outputs(out)
        else:
            assert_one_line_naming(code, lines, psg.name)
            assert not out.exists() or list(out.iterdir()) == []

        converted = Path(tmp) / "out" / "dataset"
        code, lines = run_cli("convert", "sleep-edf", folder, "--out", converted, "--trim-wake-minutes", "-1")
        if code == 0:
            from datasets import load_from_disk

            x = load_from_disk(str(converted)).with_format("numpy")[:]["input_values"]
            assert len(x) and np.isfinite(x).all()
        else:
            assert_one_line_naming(code, lines, psg.name, base["hypnogram"].name)
            assert not (Path(tmp) / "out").exists() or list((Path(tmp) / "out").iterdir()) == []


@settings(max_examples=6, **SETTINGS)
@given(
    stretches=st.lists(
        st.tuples(st.integers(0, 6 * 3000 - 1), st.integers(1, 9000), st.sampled_from([np.nan, np.inf, -np.inf])),
        min_size=1, max_size=3,
    ),
    n_epochs=st.integers(1, 6),
)  # fmt: skip
def test_nan_and_inf_stretches_in_stage(base, stretches, n_epochs) -> None:
    data = stage_like_signal(["N2"] * n_epochs).astype(np.float64)
    for start, length, value in stretches:
        data[start : start + length] = value
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / "night_raw.fif"
        info = mne.create_info(["EEG Fpz-Cz"], 100.0, "eeg")
        mne.io.RawArray(data[None] * 1e-6, info, verbose="error").save(recording, verbose="error")
        out = Path(tmp) / "staged"
        code, lines = run_cli("stage", recording, "--model", base["model"], "--out-dir", out, "--quiet")
        bad = {k for k in range(n_epochs) if not np.isfinite(data[k * 3000 : (k + 1) * 3000]).all()}
        if code == 0:
            check_stage_outputs(out)
            with open(out / "night_raw_hypnogram.csv", newline="") as handle:
                stages = [row["stage"] for row in csv.DictReader(handle)]
            assert {k for k, stage in enumerate(stages) if stage == "?"} == bad
            summary = json.loads((out / "night_raw_sleep_stats.json").read_text())
            assert summary["unscorable_epochs"] == len(bad)
        else:
            assert bad == set(range(n_epochs))  # only a night without one scorable epoch is refused
            assert_one_line_naming(code, lines, recording.name)


MODEL_CASES = st.one_of(
    st.tuples(st.sampled_from(["config.json", "model.safetensors", "preprocessor_config.json"]),
              st.sampled_from(["missing", "truncate", "garbage"]), st.floats(0.0, 0.99)),
    st.tuples(st.just("config.json"), st.sampled_from(["deepsleepnet", "seqsleepnet", "bert", "[]"]), st.just(0.0)),
)  # fmt: skip


@settings(max_examples=10, **SETTINGS)
@given(case=MODEL_CASES)
def test_broken_model_folders(base, case) -> None:
    name, damage, where = case
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model"
        shutil.copytree(base["model"], model)
        (model / "preprocessor_config.json").write_text(json.dumps(  # a valid one: its damage is a case of its own
            {"ch_names": ["EEG Fpz-Cz"], "sfreq": 100.0, "epoch_seconds": 30.0, "l_freq": 0.3, "h_freq": 35.0}))
        target = model / name
        if damage == "missing":
            target.unlink()
        elif damage == "truncate":
            target.write_bytes(target.read_bytes()[: int(where * target.stat().st_size)])
        elif damage == "garbage":
            original = target.read_bytes()
            target.write_bytes(original[: int(where * len(original))] + b"\x00garbage\xff" * 4)
        elif damage == "[]":
            target.write_text("[]")
        else:  # a config of another architecture beside these weights
            config = json.loads(target.read_text())
            config["model_type"] = damage
            target.write_text(json.dumps(config))
        psg = Path(tmp) / "night.edf"
        psg.write_bytes(base["psg"])
        out = Path(tmp) / "staged"
        code, lines = run_cli("stage", psg, "--model", model, "--out-dir", out, "--quiet")
        if code == 0:  # a missing preprocessor_config.json, for one, is no problem
            check_stage_outputs(out)
        else:
            assert_one_line_naming(code, lines, str(model))
            assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.slow  # a fresh interpreter against the local Hub: ~20 s on a busy machine
def test_repository_that_does_not_exist_on_the_hub(base, tmp_path) -> None:
    from hf_sleep.testing.hub_server import LocalHub, hub_client_env

    from .conftest import REPO_ROOT

    psg = tmp_path / "night.edf"
    psg.write_bytes(base["psg"])
    with LocalHub(root=tmp_path / "hub", tokens={"hf_test": "tester"}) as hub:
        env = hub_client_env(hub.endpoint, hf_home=tmp_path / "home", token="hf_test")
        env["PYTHONPATH"] = str(REPO_ROOT)
        result = subprocess.run(
            [sys.executable, "-m", "hf_sleep.cli", "stage", str(psg), "--model", "tester/no-such-model",
             "--out-dir", str(tmp_path / "out"), "--quiet"],
            env=env, capture_output=True, text=True, timeout=HANG_SECONDS,
        )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "could not load a model from 'tester/no-such-model'" in lines[0]


# -- contract values and types, hypnogram rows (issue 25) --------------------------------------------------
CONTRACT_VALUES = st.sampled_from(
    [1e308, -1, 0, 0.3, 35.0, 100.0, "abc", "uV", "", [], {}, None, True, [1], ["EEG Fpz-Cz"], {"method": "iir"}]
)
CONTRACT_KEYS = ["ch_names", "sfreq", "epoch_seconds", "units", "ch_types", "reference", "l_freq", "h_freq",
                 "filter", "resample_method", "preprocessing", "label_names", "sampling_rate"]  # fmt: skip
CONTRACT_KEY = st.sampled_from(CONTRACT_KEYS)


@settings(max_examples=8, **SETTINGS)
@given(changes=st.lists(st.tuples(CONTRACT_KEY, CONTRACT_VALUES), min_size=1, max_size=2), as_list=st.booleans())
def test_preprocessor_config_values_and_types_in_stage(base, changes, as_list) -> None:
    """A value the contract refuses is one line naming preprocessor_config.json; one it accepts is staged with."""
    from hf_sleep import SleepFeatureExtractor

    contract = {"ch_names": ["EEG Fpz-Cz"], "sfreq": 100.0, "epoch_seconds": 30.0, "l_freq": 0.3, "h_freq": 35.0}
    contract.update(changes)
    written = list(contract.values()) if as_list and len(changes) == 2 else contract
    try:
        SleepFeatureExtractor.from_dict(written)
        valid = True
    except ValueError as error:
        assert "\n" not in str(error)
        valid = False
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model"
        shutil.copytree(base["model"], model)
        config_path = model / "preprocessor_config.json"
        config_path.write_text(json.dumps(written))
        psg = Path(tmp) / "night.edf"
        psg.write_bytes(base["psg"])
        out = Path(tmp) / "staged"
        code, lines = run_cli("stage", psg, "--model", model, "--out-dir", out, "--quiet")
        if code == 0:
            assert valid
            check_stage_outputs(out)
        else:
            assert_one_line_naming(code, lines, str(config_path) if not valid else str(model))
            assert not out.exists() or list(out.iterdir()) == []


HYPNOGRAM_SECONDS = st.one_of(
    st.integers(-1, 16).map(lambda k: 30.0 * k), st.sampled_from([1e12, -30.0, float("nan"), 10.0])
)
HYPNOGRAM_ROW = st.tuples(HYPNOGRAM_SECONDS, HYPNOGRAM_SECONDS, st.sampled_from(["W", "N2", "REM", "?", "Bogus"]))


@settings(max_examples=5, **SETTINGS)
@given(
    rows=st.lists(HYPNOGRAM_ROW, min_size=1, max_size=5),
    separator=st.sampled_from([(",", "."), (";", ",")]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig"]),
)
def test_hypnogram_rows_in_convert(rows, separator, encoding) -> None:
    """`convert edf` with any table: the rows' labels, or one line naming the hypnogram and nothing written."""
    from datasets import load_from_disk

    from hf_sleep.data.synthetic import write_scored_night

    sep, decimal = separator
    night = ["W", "N2", "N2", "REM"] * 3  # 12 epochs: the PSG the table scores
    table = [sep.join(["onset", "duration", "stage"])]
    table += [sep.join([f"{o:g}".replace(".", decimal), f"{d:g}".replace(".", decimal), label]) for o, d, label in rows]
    with tempfile.TemporaryDirectory() as tmp:
        edf, hypnogram = write_scored_night(Path(tmp) / "in", hypnogram=night, channels=("EEG C4-M1",), sfreq=100.0)
        hypnogram.write_bytes(("\n".join(table) + "\n").encode(encoding))
        out = Path(tmp) / "out"
        code, lines = run_cli("convert", "edf", edf.parent, "--hypnogram", "{stem}.csv", "--channels", "EEG C4-M1",
                              "--out", out / "dataset", "--keep-unknown")  # fmt: skip
        if code != 0:
            assert_one_line_naming(code, lines, hypnogram.name)
            assert not out.exists() or list(out.iterdir()) == []
            return
        ds = load_from_disk(str(out / "dataset"))
        ids = {"W": 0, "N2": 2, "REM": 4}
        for k, label in zip(ds["epoch_index"], ds["labels"], strict=True):  # each kept epoch has its row's stage
            covering = [lab for o, d, lab in sorted(rows, key=lambda row: row[0]) if d > 0 and o <= 30 * k < o + d]
            assert covering and ids.get(covering[-1], -100) == label, (rows, k, label)  # the later onset wins


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.sampled_from([1e308, -1e308, 0.0, 1e-300, 0.3, 100.0])
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


@settings(max_examples=150, **SETTINGS)
@given(changes=st.dictionaries(st.sampled_from([*CONTRACT_KEYS, "feature_extractor_type", "auto_map"]),
                               JSON_VALUES, max_size=3))  # fmt: skip
def test_any_json_contract_is_accepted_whole_or_refused_in_one_line_naming_the_key(changes) -> None:
    """Whatever JSON a contract holds, it loads with the values written, or raises one `ValueError` line that
    names the key at fault; never a `TypeError`/`OverflowError` from deep inside."""
    from hf_sleep import SleepFeatureExtractor

    contract = {"ch_names": ["EEG Fpz-Cz"], "sfreq": 100.0, "epoch_seconds": 30.0, **changes}
    try:
        extractor = SleepFeatureExtractor.from_dict(json.loads(json.dumps(contract)))
    except ValueError as error:
        message = str(error)
        assert "\n" not in message
        assert any(key in message for key in (*contract, "Nyquist", "whole number of samples", "SlumberNet")), message
        return
    for key in ("ch_names", "sfreq", "epoch_seconds", "l_freq", "h_freq", "units", "label_names"):
        if key in changes and changes[key] is not None:
            assert getattr(extractor, key) == changes[key]
    assert extractor.n_times == round(extractor.sfreq * extractor.epoch_seconds)
