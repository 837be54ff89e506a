"""The README's first command: every architecture stages a generated night."""

from __future__ import annotations

from hf_sleep import ARCHITECTURES
from hf_sleep.cli import main


def test_demo_stages_a_generated_night_with_the_default_model_then_every_architecture(capsys, tmp_path):
    assert main(["demo", "--hours", "0.1", "--night-hours", "0.5", "--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "with the trained default hf-sleep/seqsleepnet-physioex-eeg" in out.splitlines()[0]
    assert "60 epochs from EEG Fpz-Cz" in out and "generated signals, not real PSG" in out
    png = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.strip().startswith("hypnogram:"))
    assert png == str(tmp_path / "SC4001E0-PSG_hypnogram.png") and open(png, "rb").read(4) == b"\x89PNG"
    for arch in ARCHITECTURES.values():
        line = next(line for line in out.splitlines() if arch.display_name + " " in line)
        assert "parameters" in line and "->" in line
        counts = [int(part.split()[-1]) for part in line.split("->")[1].split(",")]
        n_epochs = int(line.split("parameters")[1].split("x")[0])
        assert sum(counts) == n_epochs > 0
