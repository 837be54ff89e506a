"""Runs the whole benchmark harness in `--quick` mode on tiny sizes and checks what BENCHMARKS.md says.

Peers are measured when `bench/.peers-venv` exists (`bash bench/peers/setup_peers.sh`); otherwise their
cells must say that the environment is missing. Parts of hf_sleep that have not landed must be reported
as not measured, with the reason, and make the command exit with status 1.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys

import pytest

from bench.harness.common import python_peers
from hf_sleep import ARCHITECTURES
from tests.conftest import REPO_ROOT

NUMBER = r"[0-9][0-9.,]* \([0-9.,]+–[0-9.,]+, n=\d+\)"


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.slow
def test_run_all_quick_writes_every_section(tmp_path):
    output, results_path = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    command = [
        sys.executable, str(REPO_ROOT / "bench" / "run_all.py"), "--quick",
        "--output", str(output), "--json", str(results_path), "--work-dir", str(tmp_path / "work"),
    ]  # fmt: skip
    process = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=1500)
    assert output.is_file(), process.stderr[-3000:]
    text = output.read_text()
    results = json.loads(results_path.read_text())
    assert results["meta"]["quick"] is True and "Quick run" in text
    for heading in ("## Set-up", "## 1. Inference", "### 1b.", "## 2. Conversion", "## 3. Training",
                    "## 4. Learning", "## 5. Memory", "## 6. Start-up", "## 7. Many nights", "## 8. Multiply",
                    "## 9. GPU"):  # fmt: skip
        assert heading in text
    # start-up against importing torch, and one night against the floor of reading it
    assert re.search(rf"\| `hf-sleep --help` \| {NUMBER} \| [0-9.]+× \|", text)
    assert re.search(rf"\| `hf-sleep stage night.edf` \(trained default, four outputs written\) \| {NUMBER} \| [0-9.]+× \|", text)
    assert re.search(r"Target: a night staged within 3× MNE's read: [0-9.]+× \((met|NOT met)\)", text)
    # many nights in one process, flat memory, the wide recording
    assert re.search(r"\| 2 \| [0-9.]+ \| [0-9.]+ \| [0-9,]+ \|", text)
    assert re.search(r"one EEG channel staged: [0-9.]+ s, peak RSS [0-9,]+ MB", text)

    for arch in ARCHITECTURES.values():  # our model time and training throughput for every architecture
        assert re.search(
            rf"\| hf_sleep \| {re.escape(arch.display_name)} \| [0-9,]+ \| \d+ \| {NUMBER} \|", text
        ), arch.name
        assert re.search(rf"\| {re.escape(arch.display_name)} \| \d+ × \d+ \| {NUMBER} \|", text), arch.name

    peers = python_peers() is not None
    if peers:
        for model in ("DeepSleepNet", "AttnSleep", "USleep"):
            assert re.search(
                rf"\| braindecode \| {model} \| [0-9,]+ \| [^|]+ \| {NUMBER} \| [0-9.]+× \|", text
            )
        assert re.search(rf"\| YASA 0.8 `SleepStaging` \| pre-trained \| {NUMBER} \|", text)
        assert re.search(rf"\| GSSC `EEGInfer.mne_infer` \| pre-trained \| {NUMBER} \|", text)
        assert re.search(rf"\| braindecode SleepPhysionet \+ windows \| [0-9,]+ \| {NUMBER} \|", text)
    else:
        assert "peer environment missing" in text

    converter = _available("hf_sleep.data")
    staging = _available("hf_sleep.staging")
    if converter:
        assert re.search(rf"\| hf_sleep `convert_sleep_edf` \| [0-9,]+ \| {NUMBER} \|", text)
        assert re.search(r"\| hf_sleep conversion \| [0-9,]+ \| [0-9,]+ \| (yes|no) \| (yes|no) \|", text)
    else:
        assert "hf_sleep.data.convert_sleep_edf is not available" in text
    if staging:
        assert re.search(rf"\| hf-sleep stage \| TinySleepNet \| {NUMBER} \|", text)
    else:
        assert "hf_sleep.staging is not available yet" in text

    assert "Not measured: skipped in --quick" in text  # learning trains for minutes: not in a smoke test
    complete = peers and converter and staging
    assert process.returncode == (0 if complete else 1), process.stderr[-3000:]
