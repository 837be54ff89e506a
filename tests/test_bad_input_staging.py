"""Bad input through `hf-sleep stage` and `hf-sleep convert`: each row of issue 14, one test (or a few) per row.

Every case either succeeds with an honest warning or note, or fails with one line that names the file or
folder; nothing is half-written.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
import warnings
from pathlib import Path

import mne
import numpy as np
import pytest
import torch

from hf_sleep import get_architecture
from hf_sleep.cli import main
from hf_sleep.data import SLEEP_EDF_OPTIONS, convert_sleep_edf
from hf_sleep.data.checks import volts_per_unit
from hf_sleep.data.synthetic import write_sleep_edf_night as write_sleep_edf_pair
from hf_sleep.models.sleep_base.signals import resolve_channels
from hf_sleep.staging import read_signals, stage_recording

from .staging.helpers import cycling_hypnogram, stage_like_signal, write_edf, write_sleep_edf_night
from .testers import TESTERS

NIGHT = ["W"] * 4 + ["N1"] * 2 + ["N2"] * 10 + ["N3"] * 6 + ["REM"] * 6 + ["W"] * 4


def tiny(name: str = "tinysleepnet", **overrides):
    torch.manual_seed(0)
    config = TESTERS[name].config(**overrides)
    return get_architecture(name).model_class(config).eval()


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def save_fif(path: Path, data_uv: np.ndarray, names=("EEG Fpz-Cz",), types="eeg") -> Path:
    info = mne.create_info(list(names), 100.0, types)
    mne.io.RawArray(np.atleast_2d(data_uv) * 1e-6, info, verbose="error").save(path, verbose="error")
    return path


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Runs `hf-sleep ARGV...` in this process: `(exit status, stdout, stderr without progress bars)`."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    pieces = (re.sub(r"^.*\|.*/s\]", "", piece) for piece in re.split(r"[\r\n]", captured.err))  # tqdm bars
    return code, captured.out, "\n".join(piece for piece in pieces if piece.strip())


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder no file can be created in (root ignores permission bits, so it gets a read-only file system)."""
    if os.geteuid() == 0:
        if not Path("/sys").is_dir():
            pytest.skip("running as root without /sys: no folder is unwritable")
        return Path("/sys/hf-sleep-test-out")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return folder / "out"


def set_first_unit(psg: Path, unit: bytes) -> None:
    """Overwrites the physical dimension of the first signal (EEG Fpz-Cz) in an EDF header."""
    data = bytearray(psg.read_bytes())
    offset = 256 + 96 * int(data[252:256])  # labels (16) and transducers (80) of every signal come first
    data[offset : offset + 8] = unit.ljust(8)
    psg.write_bytes(bytes(data))


# -- truncated EDF / wrong record count: one judgement in both paths ----------------------------------------
def test_truncated_edf_is_staged_as_far_as_it_goes_with_a_loud_warning(tmp_path, capsys):
    night = write_sleep_edf_night(tmp_path / "night.edf", cycling_hypnogram(0.5))  # 60 records of 30 s
    whole = stage_recording(night, tiny())
    data = night.read_bytes()
    header = int(data[184:192])
    record = (len(data) - header) // 60
    night.write_bytes(data[: header + 25 * record + record // 2])  # dies in record 26
    message = r"truncated EDF: the header announces 60 data records \(1800 s\) but the file holds 25 \(750 s\)"
    with pytest.warns(UserWarning, match=message):
        cut = stage_recording(night, tiny())
    assert cut.n_epochs == 25 and any("truncated EDF" in w for w in cut.warnings)
    assert cut.stages[:20] == whole.stages[:20]  # the tail differs only through the sequence context at the end
    code, out, err = cli(capsys, "stage", night, "--architecture", "tinysleepnet", "--out-dir", tmp_path / "o")
    assert code == 0 and "25 epochs" in out
    assert "hf-sleep stage: warning:" in err and "only the 750 s in the file are read" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("factor", [2.0, 0.5])
def test_wrong_record_count_names_the_header_in_stage_and_convert(tmp_path, factor):
    psg, _ = write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
    data = bytearray(psg.read_bytes())
    records = int(data[236:244])
    data[236:244] = str(int(records * factor)).ljust(8).encode()
    psg.write_bytes(bytes(data))
    message = f"the header announces {int(records * factor)} data records .* but the file holds {records} "
    with pytest.warns(UserWarning, match=message):
        assert stage_recording(psg, tiny()).n_epochs == len(NIGHT)
    with pytest.warns(UserWarning, match=message):
        ds = convert_sleep_edf(tmp_path / "in", options=SLEEP_EDF_OPTIONS.replace(trim_wake_minutes=None, progress=False, cache_dir=tmp_path / "c"))
    assert len(ds) == len(NIGHT)


# -- NaN / inf stretches: unscorable epochs, cut out of the sequence context ---------------------------------
def test_nan_stretch_gives_unscorable_epochs_and_leaves_the_others_unchanged(tmp_path):
    signal = stage_like_signal(cycling_hypnogram(0.5))
    gap = signal.copy()
    gap[3000 * 10 + 500 : 3000 * 13 + 20] = np.nan  # touches epochs 10, 11, 12 and 13
    gap[3000 * 40 + 7] = np.inf
    with_gap = save_fif(tmp_path / "gap_raw.fif", gap)
    without = save_fif(tmp_path / "cut_raw.fif", np.delete(signal, np.r_[30000:42000, 120000:123000]))
    with pytest.warns(UserWarning, match="5 of 60 epochs hold NaN or infinite samples"):
        result = stage_recording(with_gap, tiny(), output_dir=tmp_path / "out")
    reference = stage_recording(without, tiny())
    bad = [10, 11, 12, 13, 40]
    assert np.flatnonzero(result.unscorable).tolist() == bad
    assert [result.stages[k] for k in bad] == ["?"] * 5
    # Valid epochs keep exactly the stages (and probabilities) they get when the bad epochs are absent.
    valid = [k for k in range(60) if k not in bad]
    assert [result.stages[k] for k in valid] == reference.stages
    np.testing.assert_allclose(result.probabilities[valid], reference.probabilities, rtol=1e-6)
    assert np.isnan(result.probabilities[bad]).all()
    rows = read_csv(result.files["csv"])
    assert rows[10]["stage"] == "?" and rows[10]["prob_W"] == "" and rows[9]["prob_W"] != ""
    summary = json.loads(result.files["statistics"].read_text())
    assert summary["unscorable_epochs"] == 5
    stats = summary["statistics"]
    assert stats["TST"] + stats["W"] == pytest.approx((60 - 5) * 0.5)  # the unscorable 2.5 min are neither
    # The EDF+ hypnogram marks them too, and the plot is drawn (with a gap).
    assert "Sleep stage ?" in mne.read_annotations(result.files["annotations"]).description
    assert result.files["plot"].stat().st_size > 10_000


def test_all_nan_channel_is_a_clear_error(tmp_path, capsys):
    recording = save_fif(tmp_path / "dead_raw.fif", np.full(3000 * 6, np.nan))
    code, _, err = cli(capsys, "stage", recording, "--architecture", "tinysleepnet", "--out-dir", tmp_path / "o")
    assert code == 2 and "every 30-s epoch holds NaN or infinite samples in EEG Fpz-Cz" in err
    assert len(err.strip().splitlines()) == 1 and "dead_raw.fif" in err
    assert not (tmp_path / "o").exists() or list((tmp_path / "o").iterdir()) == []


# -- folders and model files ---------------------------------------------------------------------------------
def test_unwritable_output_folder_is_one_line_in_stage_and_convert(tmp_path, capsys):
    out = unwritable_folder(tmp_path)
    night = write_sleep_edf_night(tmp_path / "night.edf", ["W"] * 3)
    code, _, err = cli(capsys, "stage", night, "--architecture", "tinysleepnet", "--out-dir", out)
    assert code == 2 and err.strip().startswith(f"hf-sleep stage: error: output folder {out}")
    assert "is not writable" in err and len(err.strip().splitlines()) == 1
    write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
    code, _, err = cli(capsys, "convert", "sleep-edf", tmp_path / "in", "--out", out / "dataset")
    assert code == 2 and f"output folder {out}" in err and len(err.strip().splitlines()) == 1


def test_corrupt_or_truncated_safetensors_is_one_line(tmp_path, capsys):
    night = write_sleep_edf_night(tmp_path / "night.edf", ["W"] * 3)
    tiny().save_pretrained(tmp_path / "model")
    weights = tmp_path / "model" / "model.safetensors"
    whole = weights.read_bytes()
    capsys.readouterr()  # save_pretrained's own progress bar
    for broken in (whole[: len(whole) // 2], b"\x00" * 64 + whole[64:]):
        weights.write_bytes(broken)
        code, _, err = cli(capsys, "stage", night, "--model", tmp_path / "model", "--out-dir", tmp_path / "o")
        assert code == 2 and len(err.strip().splitlines()) == 1
        assert f"{weights} is incomplete or corrupt" in err


# -- units ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("unit", ["uV", "UV", "uv", "µV", "μV", "mV"])
def test_unit_spellings_read_the_same_in_stage_and_convert(tmp_path, unit):
    assert volts_per_unit(unit) == (1e-3 if unit == "mV" else 1e-6)
    psg, _ = write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
    reference = read_signals(psg, ["EEG Fpz-Cz"], sfreq=100.0)[0][0]
    set_first_unit(psg, unit.encode("latin-1") if unit != "μV" else unit.encode())  # Greek mu: as UTF-8
    if unit == "mV":  # the same numbers labelled mV are read 1000 times larger, and are implausible EEG
        with pytest.warns(UserWarning, match="far above EEG's"):
            staged = read_signals(psg, ["EEG Fpz-Cz"], sfreq=100.0)[0][0]
        np.testing.assert_allclose(staged, reference * 1000, rtol=1e-6)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plausible amplitude: no warning
        staged = read_signals(psg, ["EEG Fpz-Cz"], sfreq=100.0)[0][0]
        converted = convert_sleep_edf(tmp_path / "in", options=SLEEP_EDF_OPTIONS.replace(trim_wake_minutes=None, progress=False, cache_dir=tmp_path / "c"))
    np.testing.assert_allclose(staged, reference, rtol=1e-6)
    np.testing.assert_allclose(converted.with_format("numpy")[:]["input_values"][:, 0].ravel(), reference, rtol=1e-5)


def test_microvolts_labelled_volts_get_the_same_check_and_fix_in_both_paths(tmp_path, capsys):
    psg, _ = write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
    set_first_unit(psg, b"V")
    message = "far above EEG's: the file may store µV where its header says volts .* pass --rescale 1e-6"
    with pytest.warns(UserWarning, match=message):
        stage_recording(psg, tiny())
    code, _, err = cli(capsys, "convert", "sleep-edf", tmp_path / "in", "--out", tmp_path / "ds")
    assert code == 2 and "SC4001E0-PSG.edf: channel 'EEG Fpz-Cz' has a typical amplitude" in err
    assert "--rescale 1e-6" in err and len(err.strip().splitlines()) == 1 and not (tmp_path / "ds").exists()
    code, out, err = cli(capsys, "convert", "sleep-edf", tmp_path / "in", "--out", tmp_path / "ds", "--rescale", "1e-6")
    assert code == 0, err
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert stage_recording(psg, tiny(), rescale=1e-6).warnings == []


# -- derivations of channels whose names contain "-" ---------------------------------------------------------
def test_derivation_syntax_and_exact_names_win(tmp_path):
    available = ["FP1-A1", "C3-A1", "EEG Fpz-Cz", "C4", "M1", "C4-M1"]
    assert resolve_channels(["FP1-A1 - C3-A1"], available)[0] == ("FP1-A1", "C3-A1")
    assert resolve_channels(["FP1-A1-C3-A1"], available)[0] == ("FP1-A1", "C3-A1")  # only one split names two channels
    assert resolve_channels(["C4-M1"], available)[0] == ("C4-M1", None)  # the exact name wins over C4 - M1
    assert resolve_channels(["C4 - M1"], available)[0] == ("C4", "M1")
    assert resolve_channels(["eeg fpz-cz"], available)[0] == ("EEG Fpz-Cz", None)
    with pytest.raises(ValueError, match=r"'A-B-C' is ambiguous: it splits into 'A' - 'B-C' or 'A-B' - 'C'"):
        resolve_channels(["A-B-C"], ["A-B", "C", "A", "B-C"])[0]
    rng = np.random.default_rng(0)
    a, b = (20 * rng.standard_normal(6000) for _ in range(2))
    recording = write_edf(tmp_path / "r.edf", {"FP1-A1": a, "C3-A1": b}, slow_channel=False)
    signal, info = read_signals(recording, ["FP1-A1 - C3-A1"], sfreq=100.0)
    assert info["channels"] == ["FP1-A1 - C3-A1"]
    np.testing.assert_allclose(signal[0], a - b, atol=0.05)
    from hf_sleep.cli import build_parser

    help_text = " ".join(build_parser()._subparsers._group_actions[0].choices["stage"].format_help().split())
    assert "'FP1-A1 - C3-A1'" in help_text and "exact channel name always wins" in help_text


# -- short recordings, --quiet, --reference average ----------------------------------------------------------
def test_recording_shorter_than_the_context_is_noted(tmp_path, capsys):
    model = tiny(seq_len=6)
    model.save_pretrained(tmp_path / "model")
    nap = save_fif(tmp_path / "nap_raw.fif", stage_like_signal(["N2"] * 4))
    result = stage_recording(nap, model, output_dir=tmp_path / "out")
    assert result.context_epochs == 4 and "fewer than the model's context of 6" in result.notes[0]
    summary = json.loads(result.files["statistics"].read_text())
    assert summary["context_epochs"] == 4 and summary["notes"] == result.notes
    code, _, err = cli(capsys, "stage", nap, "--model", tmp_path / "model", "--out-dir", tmp_path / "o", "--quiet")
    assert code == 0 and "note: the recording has 4 scorable epochs" in err


def test_quiet_prints_no_weight_loading_bar(tmp_path, capsys):
    tiny().save_pretrained(tmp_path / "model")
    night = write_sleep_edf_night(tmp_path / "night.edf", ["W"] * 3)
    capsys.readouterr()  # save_pretrained's own progress bar
    code, out, err = cli(capsys, "stage", night, "--model", tmp_path / "model", "--out-dir", tmp_path / "o", "--quiet")
    assert code == 0 and out == "" and err == ""


def test_average_reference_uses_eeg_channels_only_and_is_recorded(tmp_path):
    rng = np.random.default_rng(0)
    c3, c4, eog, emg = (20 * rng.standard_normal(9000) for _ in range(4))
    # The file types every channel as EEG (as many exports do): the names tell EOG and EMG apart.
    recording = save_fif(tmp_path / "r_raw.fif", np.stack([c3, c4, eog, emg]), ("C3", "C4", "EOG left", "EMG chin"))
    signal, info = read_signals(recording, ["C3"], reference="average", sfreq=100.0)
    np.testing.assert_allclose(signal[0], c3 - (c3 + c4) / 2, atol=1e-3)
    assert info["reference"] == "average of C3, C4"
    result = stage_recording(recording, tiny(), channels=["C3"], reference="average", output_dir=tmp_path / "out")
    assert json.loads(result.files["statistics"].read_text())["reference"] == "average of C3, C4"
    plain = stage_recording(recording, tiny(), channels=["C3"], output_dir=tmp_path / "plain")
    assert json.loads(plain.files["statistics"].read_text())["reference"] == "as recorded"


# -- permissions, annotations, training --help, download --------------------------------------------------------
def test_written_files_follow_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
        for path in (tmp_path / "in").iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
        code, _, err = cli(capsys, "convert", "sleep-edf", tmp_path / "in", "--out", tmp_path / "ds")
        assert code == 0, err
        assert stat.S_IMODE((tmp_path / "ds").stat().st_mode) == 0o755
        assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "ds").iterdir()} == {0o644}
        result = stage_recording(tmp_path / "in" / "SC4001E0-PSG.edf", tiny(), output_dir=tmp_path / "out")
        assert {stat.S_IMODE(p.stat().st_mode) for p in result.files.values()} == {0o644}
    finally:
        os.umask(old)


def test_edf_hypnogram_starts_with_the_recording(tmp_path):
    from hf_sleep.data.edf import read_annotations

    psg, _ = write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
    result = stage_recording(psg, tiny(), output_dir=tmp_path / "out")
    raw = mne.io.read_raw_edf(psg, verbose="error")
    header, onset, _, _ = read_annotations(result.files["annotations"])
    assert header.start == raw.info["meas_date"].replace(tzinfo=None) and onset[0] == 0.0
    # MNE reads EDF annotations relative to the file start (orig_time=None): set on the recording, they align.
    annotations = mne.read_annotations(result.files["annotations"])
    raw.set_annotations(annotations)
    assert raw.annotations.orig_time == raw.info["meas_date"]
    assert raw.annotations.onset[0] == 0.0 and raw.annotations.duration.sum() == 30.0 * len(NIGHT)


@pytest.mark.parametrize("command", ["train", "finetune", "evaluate", "cross-validate"])
def test_training_commands_show_the_recipe_arguments(command, capsys):
    try:  # the shipped help text returns 0; the live parser's --help exits 0
        code = main([command, "--help"])
    except SystemExit as exit_:
        code = exit_.code
    assert code == 0
    out = capsys.readouterr().out
    assert "--dataset_path" in out and "--output_dir" in out


def test_download_offline_is_one_line_naming_the_host(tmp_path, capsys):
    code, _, err = cli(capsys, "download", "sleep-edf", "--out", tmp_path / "d", "--subjects", "0",
                       "--base-url", "http://127.0.0.1:9/sleep-edfx/")  # fmt: skip
    assert code == 1 and err.startswith("hf-sleep download: error: cannot reach 127.0.0.1")
    assert "--base-url" in err and len(err.strip().splitlines()) == 1
