"""What a newcomer meets in the first five minutes: the defects found on the way (issue 24), one test each."""

from __future__ import annotations

import re

import pytest

from hf_sleep.cli import main


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0].split(": error: ", 1)[1]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.txt", b"# hf_sleep notes\n" * 20, "notes.txt: not a recording: expected EDF (.edf), BDF (.bdf)"),
        ("fake.edf", b"# hf_sleep notes\n" * 20, "fake.edf: not an EDF file: version field is b'# hf_sle'"),
        ("short.edf", b"0       \n", "short.edf: not an EDF file: 9 bytes, shorter than a 256-byte EDF header"),
    ],
)
def test_stage_and_convert_judge_a_bad_file_in_the_same_words(tmp_path, capsys, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["stage", str(path), "--quiet", "--output-dir", str(tmp_path / "staged")]) == 2
    staged = _error_line(capsys)
    code = main(["convert", "edf", str(path), "--channels", "EEG Fpz-Cz", "--output-dir", str(tmp_path / "ds")])
    assert code != 0
    converted = _error_line(capsys)
    assert staged == converted
    assert staged.startswith(str(tmp_path / expected.split(":", 1)[0]) + ":" + expected.split(":", 1)[1])
    assert not (tmp_path / "ds").exists()
    assert not (tmp_path / "staged").exists()  # not even an empty output folder


def test_a_misspelt_architecture_is_one_error_with_a_suggestion_and_nothing_printed_before(tmp_path, capsys):
    night = tmp_path / "x.edf"
    night.write_bytes(b"unused: the name is refused first")
    assert main(["stage", str(night), "--architecture", "tinysleepnett"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unknown architecture 'tinysleepnett'; did you mean 'tinysleepnet'?" in captured.err


def test_a_channel_named_without_its_type_prefix_points_to_the_close_match(tmp_path, capsys):
    from hf_sleep.data.synthetic import write_sleep_edf_night
    from hf_sleep.models.sleep_base.signals import resolve_channels

    with pytest.raises(ValueError, match="channel 'C4-M1' is not in the recording; did you mean 'EEG C4-M1'"):
        resolve_channels(["C4-M1"], ["EEG F3-M2", "EEG C4-M1", "EOG E1-M2"])
    with pytest.raises(ValueError, match=r"channel 'Fpz-Cz' is not in the recording; did you mean 'EEG Fpz-Cz'\?"):
        resolve_channels(["Fpz-Cz"], ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"])
    psg, _ = write_sleep_edf_night(tmp_path, hypnogram=["W"] * 4, subject=0, night=1, seed=0)
    assert main(["stage", str(psg), "--channels", "Pz-Oz", "--quiet", "--output-dir", str(tmp_path / "o")]) == 2
    assert "did you mean 'EEG Pz-Oz'?" in capsys.readouterr().err


def test_statistics_say_why_a_latency_is_undefined_and_carry_no_unit():
    from hf_sleep.staging.sleep_stats import format_statistics, sleep_statistics

    stats = sleep_statistics(["W"] * 10 + ["N2"] * 20 + ["W"] * 5, epoch_seconds=30.0)
    lines = {line.split()[0]: line for line in format_statistics(stats).splitlines()}
    assert lines["REM_latency"].split()[1:] == ["n/a", "(no", "REM", "sleep)"]
    assert lines["SOL"].split()[1:] == ["5.0", "min"]


def test_plot_title_names_the_bundled_model_by_its_hub_id_never_by_a_path(tmp_path):
    from hf_sleep.pretrained import load_pretrained
    from hf_sleep.staging.model_loading import model_name as _model_name

    model = load_pretrained()
    assert _model_name(model) == "hf-sleep/seqsleepnet-physioex-eeg"
    model.config._name_or_path = str(tmp_path / "runs" / "tiny")
    (tmp_path / "runs" / "tiny").mkdir(parents=True)
    assert _model_name(model) == "tiny"
    model.config._name_or_path = "someone/sleep-model"
    assert _model_name(model) == "someone/sleep-model"


def test_commands_show_no_progress_bars_of_the_libraries_underneath(tmp_path):
    import os
    import subprocess
    import sys

    from hf_sleep.staging.demo_night import make_demo_night

    from .conftest import REPO_ROOT

    psg = make_demo_night(tmp_path / "night", hours=0.5)
    env = {key: value for key, value in os.environ.items() if key != "HF_HUB_DISABLE_PROGRESS_BARS"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    done = subprocess.run([sys.executable, "-m", "hf_sleep.cli", "stage", str(psg), "--output-dir", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for bar in ("Loading weights", "Writing model shards", "Upload"):
        assert bar not in done.stderr + done.stdout, bar
    assert "Staging with" in done.stdout  # the command's own words are kept


def test_the_space_readme_says_what_an_empty_checkpoint_means_as_the_app_does():
    from .conftest import REPO_ROOT

    space = REPO_ROOT / "spaces" / "model_explorer"
    readme = " ".join((space / "README.md").read_text().split())
    app = (space / "app.py").read_text()
    assert 'label="Checkpoint: local folder or Hub id (empty = the model chosen above)"' in app
    assert "empty = the model chosen above" in readme
    assert "empty = random weights" not in readme


def test_the_installation_page_states_the_suite_time_measured_and_the_suite_reports_its_durations():
    from .conftest import REPO_ROOT

    readme = (REPO_ROOT / "docs" / "installation.md").read_text()
    script = (REPO_ROOT / "scripts" / "run_tests.sh").read_text()
    assert "about 9 min" not in readme
    assert re.search(r"\d+ tests, \d+(\.\d)? min of pytest\s+#?\s*on a fresh clone", readme), "measured suite time"
    assert "the 25 slowest tests are listed" in readme
    assert 'python -m pytest --durations=25 "$@"' in script


def test_the_training_page_counts_the_real_hypnograms_that_the_team_folder_holds(shared_data):
    import re

    from .conftest import REPO_ROOT

    readme = (REPO_ROOT / "docs" / "training.md").read_text()
    cassette = sorted((shared_data / "sleep-edf" / "hypnograms").glob("SC4*-Hypnogram.edf"))
    claims = [int(n) for n in re.findall(r"each of the (\d+) real Sleep-EDF-20 hypnograms", readme)]
    assert claims and set(claims) == {len(cassette)}, (claims, len(cassette))
    assert "39 real" not in readme
