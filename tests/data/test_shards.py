"""Cohort scale: each machine converts one shard (--shard-index/--num-shards), `hf-sleep combine` joins them."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest
from datasets import load_from_disk

from hf_sleep.data.cli import add_subparsers
from hf_sleep.data.synthetic import write_nsrr_night

NIGHT = ["W"] * 8 + ["N1"] * 3 + ["N2"] * 10 + ["N3"] * 3 + ["S4"] * 2 + ["REM"] * 5 + ["?"] + ["W"] * 4


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="hf-sleep")
    add_subparsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def rows(ds) -> dict[tuple[str, int], tuple[int, np.ndarray]]:
    table = ds.with_format("numpy")[:]
    keys = zip(table["recording"].tolist(), table["epoch_index"].tolist(), strict=True)
    return {
        key: (int(label), x)
        for key, label, x in zip(keys, table["labels"], table["input_values"], strict=True)
    }


def test_shards_on_several_machines_combine_to_the_whole(tmp_path: Path) -> None:
    root = tmp_path / "shhs" / "polysomnography"
    for i in range(5):
        write_nsrr_night(root, hypnogram=NIGHT[i:], cohort="shhs", subject=200001 + i, seed=i)
    convert = ["convert", "nsrr", str(root), "--channels", "EEG", "EOG(L)", "--num-shards", "3"]
    for index in range(3):  # what each task of a SLURM array runs, with its own SLURM_ARRAY_TASK_ID
        assert run([*convert, "--shard-index", str(index), "--out", str(tmp_path / f"part-{index}")]) == 0
    parts = [load_from_disk(str(tmp_path / f"part-{index}")) for index in range(3)]
    assert [len(set(p["recording"])) for p in parts] == [2, 2, 1]  # every 3rd recording, disjoint
    out = tmp_path / "shhs-all"
    assert (
        run(["combine", *(str(tmp_path / f"part-{i}") for i in range(3)), "--out", str(out), "--card"]) == 0
    )
    combined = load_from_disk(str(out))
    assert (
        run(["convert", "nsrr", str(root), "--channels", "EEG", "EOG(L)", "--out", str(tmp_path / "whole")])
        == 0
    )
    whole = load_from_disk(str(tmp_path / "whole"))
    assert combined.features == whole.features and len(combined) == len(whole)
    got, want = rows(combined), rows(whole)
    assert got.keys() == want.keys()
    for key, (label, x) in want.items():
        assert got[key][0] == label and np.array_equal(got[key][1], x)
    assert "| N3 |" in (out / "README.md").read_text()


def test_combine_refuses_overlapping_parts(tmp_path: Path) -> None:
    root = tmp_path / "nsrr"
    write_nsrr_night(root, hypnogram=NIGHT, cohort="shhs", subject=200009, layout="flat")
    assert run(["convert", "nsrr", str(root), "--out", str(tmp_path / "a")]) == 0
    with pytest.raises(ValueError, match="recording 'shhs1-200009' is in part 0 and in part 1"):
        run(["combine", str(tmp_path / "a"), str(tmp_path / "a"), "--out", str(tmp_path / "b")])
    with pytest.raises(FileNotFoundError, match="no such dataset folder"):
        run(["combine", str(tmp_path / "a"), str(tmp_path / "missing"), "--out", str(tmp_path / "b")])
    assert not (tmp_path / "b").exists()
