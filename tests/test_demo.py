"""The README's first command: every architecture stages a generated night."""

from __future__ import annotations

from hf_sleep import ARCHITECTURES
from hf_sleep.cli import main


def test_demo_stages_a_generated_night_with_every_architecture(capsys):
    assert main(["demo", "--hours", "0.1"]) == 0
    out = capsys.readouterr().out
    for arch in ARCHITECTURES.values():
        line = next(line for line in out.splitlines() if arch.display_name + " " in line)
        assert "parameters" in line and "->" in line
        counts = [int(part.split()[-1]) for part in line.split("->")[1].split(",")]
        n_epochs = int(line.split("parameters")[1].split("x")[0])
        assert sum(counts) == n_epochs > 0
