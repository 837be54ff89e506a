"""HMC, DCSM, ISRUC and DREAMS layouts convert with exact counts; HMC downloads from a local PhysioNet stand-in."""

from __future__ import annotations

import argparse
import hashlib
import threading
from collections import Counter
from http.server import ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from test_download import PREFIX, FakePhysioNet  # tests/data is on sys.path (no package)

from hf_sleep import SleepFeatureExtractor
from hf_sleep.data import AASM_LABELS, ConversionOptions, DownloadError, RecordingError
from hf_sleep.data.cli import add_subparsers
from hf_sleep.data.cohorts import COHORTS, convert_cohort, download_hmc, find_cohort_recordings
from hf_sleep.data.synthetic import write_cohort_night

NIGHT = (
    ["W"] * 12 + ["N1"] * 4 + ["N2"] * 20 + ["N3"] * 6 + ["S4"] * 5 + ["REM"] * 9 + ["MT"]
    + ["N2"] * 6 + ["?"] * 2 + ["W"] * 5
)  # fmt: skip
EXPECTED = {"W": 17, "N1": 4, "N2": 26, "N3": 11, "REM": 9}


def counts(ds) -> dict[str, int]:
    labels = Counter(ds["labels"])
    return {name: labels.get(i, 0) for i, name in enumerate(AASM_LABELS)}


@pytest.mark.parametrize(
    ("cohort", "recordings", "channels"),
    [
        ("hmc", ["SN001", "SN002"], (2, 3000)),
        ("dcsm", ["tp0001", "tp0002"], (1, 3000)),
        ("isruc", ["isruc-1", "isruc-2"], (1, 3000)),
        ("dreams", ["subject1", "subject2"], (1, 3000)),
    ],
)
def test_cohort_layouts_exact_counts(
    tmp_path: Path, cache_dir: Path, cohort: str, recordings, channels
) -> None:
    root = tmp_path / cohort
    write_cohort_night(cohort, root, hypnogram=NIGHT, subject=1, seed=1)
    write_cohort_night(cohort, root, hypnogram=NIGHT[::-1], subject=2, seed=2)
    picks = ["EEG C4-M1", "EOG E1-M2"] if cohort == "hmc" else None
    ds = convert_cohort(cohort, root, channels=picks, options=ConversionOptions(cache_dir=cache_dir, progress=False))
    assert ds.features["input_values"].shape == channels and sorted(set(ds["recording"])) == recordings
    assert counts(ds) == {k: 2 * v for k, v in EXPECTED.items()}  # N3 = 3 + 4; movement, unscored dropped
    assert ds.info.license and ds.info.citation and ds.info.dataset_name == cohort
    contract = SleepFeatureExtractor.from_dataset(ds)
    assert contract.ch_names == (picks or [COHORTS[cohort].channels[0]]) and contract.sfreq == 100.0  # alternatives kept


def test_isruc_second_scorer_and_dreams_misaligned_codes(tmp_path: Path) -> None:
    write_cohort_night("isruc", tmp_path / "isruc", hypnogram=NIGHT, subject=3)
    (tmp_path / "isruc" / "3" / "3_2.txt").write_text("\n".join(["2"] * len(NIGHT)))
    [rec] = find_cohort_recordings("isruc", tmp_path / "isruc", scorer=2)
    assert rec.hypnogram.name == "3_2.txt"
    assert counts(convert_cohort("isruc", tmp_path / "isruc", scorer=2, options=ConversionOptions(progress=False)))["N2"] == len(NIGHT)
    _, hyp = write_cohort_night("dreams", tmp_path / "dreams", hypnogram=NIGHT, subject=4)
    lines = hyp.read_text().splitlines()
    hyp.write_text("\n".join(lines[:-2]))  # the night stops 20 s into its last epoch: that epoch is left out
    assert len(convert_cohort("dreams", tmp_path / "dreams", options=ConversionOptions(progress=False))) == sum(EXPECTED.values()) - 1
    hyp.write_text("\n".join([lines[0], "5", *lines[1:-1]]))  # every code one 5-s step late
    with pytest.raises(RecordingError, match="HypnogramAASM_subject4.txt: annotation .* not aligned"):
        convert_cohort("dreams", tmp_path / "dreams", options=ConversionOptions(progress=False))


def test_missing_hypnogram(tmp_path: Path) -> None:
    _, hyp = write_cohort_night("hmc", tmp_path, hypnogram=NIGHT, subject=7)
    hyp.unlink()
    with pytest.raises(
        RecordingError, match="SN007.edf: no hypnogram found .expected SN007_sleepscoring.edf"
    ):
        convert_cohort("hmc", tmp_path, options=ConversionOptions(progress=False))


class FakeHmc(FakePhysioNet):
    files: dict[str, bytes] = {}
    cut: dict[str, int] = {}
    corrupt: set[str] = set()
    log: list[tuple[str, int]] = []


@pytest.fixture(scope="module")
def hmc_server(tmp_path_factory: pytest.TempPathFactory):
    src = tmp_path_factory.mktemp("hmc-src")
    files = {}
    for subject in (1, 2):
        for path in write_cohort_night("hmc", src, hypnogram=NIGHT, subject=subject, seed=subject):
            files[f"recordings/{path.name}"] = path.read_bytes()
    files["recordings/SN001_sleepscoring.txt"] = b"not used"
    sums = "".join(f"{hashlib.sha256(d).hexdigest()} {rel}\n" for rel, d in sorted(files.items()))
    FakeHmc.files = {**files, "SHA256SUMS.txt": sums.encode()}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeHmc)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}"
    httpd.shutdown()
    thread.join()


def test_download_hmc_resumes_verifies_and_converts(hmc_server: str, tmp_path: Path) -> None:
    FakeHmc.cut, FakeHmc.corrupt, FakeHmc.log = {"recordings/SN002.edf": 1}, set(), []
    files = download_hmc(tmp_path, subjects=[2], base_url=hmc_server, progress=False)
    assert sorted(f.name for f in files) == ["SN002.edf", "SN002_sleepscoring.edf"]
    starts = [start for rel, start in FakeHmc.log if rel == "recordings/SN002.edf"]
    assert starts[0] == 0 and starts[1] > 0 and not list(tmp_path.rglob("*.part"))
    ds = convert_cohort("hmc", tmp_path, options=ConversionOptions(progress=False, cache_dir=tmp_path / "cache"))
    assert counts(ds) == EXPECTED and np.isfinite(ds.with_format("numpy")[0]["input_values"]).all()
    FakeHmc.corrupt = {"recordings/SN001_sleepscoring.edf"}
    with pytest.raises(DownloadError, match="SN001_sleepscoring.edf: checksum mismatch"):
        download_hmc(tmp_path, subjects=[1], base_url=hmc_server, retries=1, progress=False)
    assert not (tmp_path / "recordings" / "SN001_sleepscoring.edf").exists()
    with pytest.raises(DownloadError, match="no HMC recording for subjects"):
        download_hmc(tmp_path, subjects=[99], base_url=hmc_server, progress=False)


def test_cli_generate_convert_download(tmp_path: Path, hmc_server: str) -> None:
    parser = argparse.ArgumentParser(prog="hf-sleep")
    add_subparsers(parser.add_subparsers(dest="command", required=True))

    def run(argv: list[str]) -> int:
        args = parser.parse_args(argv)
        return args.handler(args)

    FakeHmc.cut, FakeHmc.corrupt = {}, set()
    assert (
        run(["download", "hmc", "--out", str(tmp_path / "hmc"), "--subjects", "1", "--base-url", hmc_server])
        == 0
    )
    assert run(["convert", "hmc", str(tmp_path / "hmc"), "--out", str(tmp_path / "hmc-ds"), "--card"]) == 0
    assert "physionet.org/content/hmc-sleep-staging" in (tmp_path / "hmc-ds" / "README.md").read_text()
    gen = ["generate", "cohort", "--cohort", "dreams", "--out", str(tmp_path / "dreams"), "--hours", "0.5"]
    assert run([*gen, "--n-nights", "1"]) == 0
    assert run(["convert", "dreams", str(tmp_path / "dreams"), "--out", str(tmp_path / "dreams-ds")]) == 0
    from datasets import load_from_disk

    assert set(load_from_disk(str(tmp_path / "dreams-ds"))["subject"]) == {"subject1"}
