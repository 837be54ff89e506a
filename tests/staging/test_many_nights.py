"""Many nights: one model load, a broken file reported at the end, results equal to one-night staging, and the
reader's memory bounded by the channels it needs (not by the file's width)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from transformers import AutoModel

from hf_sleep.cli import main
from hf_sleep.data.synthetic import write_sleep_edf_night
from hf_sleep.staging import output_paths, stage_recording
from hf_sleep.staging.consensus import default_consensus
from hf_sleep.staging.many_nights import FailedRecording, expand_recordings, stage_recordings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def nights_folder(tmp_path_factory) -> Path:
    """Three 15-min generated Sleep-EDF nights (PSG + hypnogram files) and a corrupt `broken.edf`."""
    folder = tmp_path_factory.mktemp("nights")
    for subject in range(3):
        write_sleep_edf_night(folder, hypnogram=None, subject=subject, night=1, duration_hours=0.25)
    (folder / "broken.edf").write_bytes(b"0       not an EDF header" * 40)
    return folder


def test_folder_stages_every_night_loads_the_model_once_and_lists_the_broken_file(
    nights_folder, tmp_path, monkeypatch, capsys
):
    loads = []
    original = AutoModel.from_pretrained

    def counting(*args, **kwargs):
        loads.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(AutoModel, "from_pretrained", counting)
    out_dir = tmp_path / "out"
    assert main(["stage", str(nights_folder), "--out-dir", str(out_dir)]) == 1
    assert len(loads) == len(set(loads)) == len(default_consensus())  # each model of the default once, not per night
    psgs = sorted(nights_folder.glob("*-PSG.edf"))
    assert expand_recordings([nights_folder]) == sorted([*psgs, nights_folder / "broken.edf"])
    for psg in psgs:
        assert all(path.is_file() for path in output_paths(psg, out_dir).values())
    assert not output_paths(nights_folder / "broken.edf", out_dir)["csv"].exists()
    captured = capsys.readouterr()
    assert "staged 3 of 4 recording(s)" in captured.out and "nights per minute" in captured.out
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "broken.edf" in errors[0]


def test_stage_recordings_equals_one_night_staging_and_keeps_going(nights_folder):
    psgs = sorted(nights_folder.glob("*-PSG.edf"))
    missing = nights_folder / "missing.edf"
    outcomes = list(stage_recordings([psgs[0], missing, psgs[1]]))
    assert [outcome.recording for outcome in outcomes] == [psgs[0], missing, psgs[1]]
    assert isinstance(outcomes[1], FailedRecording) and "missing.edf" in outcomes[1].message
    single = stage_recording(psgs[1])
    assert outcomes[2].stages == single.stages
    np.testing.assert_allclose(outcomes[2].probabilities, single.probabilities, rtol=1e-5, atol=1e-6)
    assert outcomes[2].channels == single.channels


def test_a_folder_without_recordings_is_refused(tmp_path):
    with pytest.raises(ValueError, match="holds no recordings"):
        expand_recordings([tmp_path])


def test_reading_one_channel_of_a_wide_file_takes_memory_for_that_channel_only(tmp_path):
    """A 1-h, 64-channel, 512-Hz EDF (236 MB): reading its Fpz-Cz grows the process by far less than the file."""
    sys.path.insert(0, str(ROOT))
    from bench.many_nights import write_wide_edf

    wide = write_wide_edf(tmp_path / "wide.edf", hours=1.0, n_channels=64, sfreq=512)
    script = textwrap.dedent(f"""
        import resource
        from hf_sleep.data.recording import read_recording
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        signal, sfreq, _ = read_recording({str(wide)!r}, ["EEG Fpz-Cz"])
        assert signal.shape == (1, 3600 * 512) and sfreq == 512.0
        print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
    """)
    growth_mb = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                   cwd=ROOT).stdout.split()[-1])  # fmt: skip
    file_mb = wide.stat().st_size // 2**20
    # The channel's float32 samples are 7 MB (16 MB measured, a copy included); decoding every channel needs ~the file.
    assert growth_mb < file_mb / 4, f"reading one channel grew the process by {growth_mb} MB (file {file_mb} MB)"
