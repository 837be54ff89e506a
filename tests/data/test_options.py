"""`ConversionOptions`: one options object, documented once, taken by every converter and built once by the CLI."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from hf_sleep.cli import build_parser
from hf_sleep.data import (
    RODENT_OPTIONS,
    SLEEP_EDF_OPTIONS,
    ConversionOptions,
    convert_cohort,
    convert_edf,
    convert_mass,
    convert_nsrr,
    convert_rodent,
    convert_sleep_edf,
)
from hf_sleep.data.cli import conversion_options

CONVERTERS = (convert_sleep_edf, convert_edf, convert_mass, convert_nsrr, convert_rodent, convert_cohort)
FIELDS = {field.name for field in dataclasses.fields(ConversionOptions)}


@pytest.mark.parametrize("convert", CONVERTERS, ids=lambda convert: convert.__name__)
def test_every_converter_takes_the_options_and_none_of_their_fields(convert) -> None:
    parameters = inspect.signature(convert).parameters
    assert "options" in parameters
    assert not FIELDS & set(parameters), f"{convert.__name__} repeats {sorted(FIELDS & set(parameters))}"
    # The options are documented once, in the dataclass; a converter's docstring names only `options`.
    assert not [name for name in FIELDS if f"\n        {name}:" in (convert.__doc__ or "")]


def test_the_options_document_every_field_once() -> None:
    doc = ConversionOptions.__doc__ or ""
    assert all(doc.count(f"\n        {name}:") == 1 for name in FIELDS), doc


def test_converters_own_defaults_are_options_too() -> None:
    assert SLEEP_EDF_OPTIONS == ConversionOptions(trim_wake_minutes=30)  # as DeepSleepNet and TinySleepNet trim
    assert RODENT_OPTIONS == ConversionOptions(sfreq=None)  # the recording's own rate
    assert SLEEP_EDF_OPTIONS.replace(sfreq=50.0).trim_wake_minutes == 30
    with pytest.raises(dataclasses.FrozenInstanceError):
        SLEEP_EDF_OPTIONS.sfreq = 50.0  # a shared default cannot be changed by one caller


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["convert", "edf", "in", "--output-dir", "out", "--channels", "C4-M1", "--sfreq", "128", "--l-freq",
             "0.3", "--h-freq", "35", "--keep-unknown", "--num-proc", "2", "--overwrite"],
            ConversionOptions(sfreq=128.0, l_freq=0.3, h_freq=35.0, keep_unknown=True, num_proc=2,
                              output_dir=Path("out"), overwrite=True),
        ),
        (
            ["convert", "sleep-edf", "in", "--output-dir", "out", "--shard-index", "1", "--num-shards", "3"],
            ConversionOptions(trim_wake_minutes=30.0, output_dir=Path("out"), shard_index=1, num_shards=3),
        ),
        (["convert", "sleep-edf", "in", "--output-dir", "out", "--trim-wake-minutes", "-1"],
         ConversionOptions(output_dir=Path("out"))),
        (["convert", "rodent", "in", "--output-dir", "out", "--h-freq", "30"],
         ConversionOptions(sfreq=None, h_freq=30.0, output_dir=Path("out"))),
        (["convert", "hmc", "in", "--output-dir", "out", "--sfreq", "64"], ConversionOptions(sfreq=64.0, output_dir=Path("out"))),
    ],
)  # fmt: skip
def test_the_cli_builds_one_options_object_from_its_flags(argv, expected) -> None:
    assert conversion_options(build_parser().parse_args(argv)) == expected
