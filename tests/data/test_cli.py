"""The ``generate``, ``convert`` and ``download`` sub-commands, driven through argparse."""

from __future__ import annotations

import argparse
from pathlib import Path

from datasets import load_from_disk

from hf_sleep.data.cli import add_subparsers


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="hf-sleep")
    add_subparsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_generate_then_convert_sleep_edf(tmp_path: Path, capsys) -> None:
    raw, out = tmp_path / "raw", tmp_path / "ds"
    assert run(["generate", "sleep-edf", "--out", str(raw), "--n-nights", "2", "--hours", "1"]) == 0
    assert sorted(p.name for p in raw.iterdir()) == [
        "SC4001E0-PSG.edf", "SC4001EC-Hypnogram.edf", "SC4002E0-PSG.edf", "SC4002EC-Hypnogram.edf",
    ]  # fmt: skip
    argv = [
        "convert",
        "sleep-edf",
        str(raw),
        "--out",
        str(out),
        "--channels",
        "EEG Fpz-Cz",
        "EEG Pz-Oz",
        "--card",
    ]
    assert run([*argv, "--subset", "sleep-edf-20"]) == 0
    ds = load_from_disk(str(out))
    assert ds.features["input_values"].shape == (2, 3000) and set(ds["recording"]) == {"SC4001E0", "SC4002E0"}
    assert (out / "README.md").read_text().startswith("---")
    assert "wrote" in capsys.readouterr().out


def test_generate_then_convert_mass_and_rodent(tmp_path: Path) -> None:
    assert (
        run(
            [
                "generate",
                "mass",
                "--out",
                str(tmp_path / "mass"),
                "--n-nights",
                "1",
                "--hours",
                "0.5",
                "--subset",
                "2",
            ]
        )
        == 0
    )
    assert run(["convert", "mass", str(tmp_path / "mass"), "--out", str(tmp_path / "mass-ds")]) == 0
    assert load_from_disk(str(tmp_path / "mass-ds")).features["input_values"].shape == (1, 3000)
    gen = [
        "generate",
        "rodent",
        "--out",
        str(tmp_path / "rod"),
        "--n-nights",
        "1",
        "--hours",
        "0.2",
        "--epoch-seconds",
        "4",
    ]
    assert run(gen) == 0
    assert (
        run(["convert", "rodent", str(tmp_path / "rod"), "--out", str(tmp_path / "rod-ds"), "--slumbernet"])
        == 0
    )
    assert load_from_disk(str(tmp_path / "rod-ds")).features["input_values"].shape == (2, 256)


def test_download_parser() -> None:
    parser = argparse.ArgumentParser(prog="hf-sleep")
    add_subparsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["download", "sleep-edf", "--out", "x", "--subjects", "0", "1", "--nights", "1"])
    assert args.subjects == [0, 1] and args.nights == [1] and args.handler.__name__ == "run_download"
