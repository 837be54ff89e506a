"""What a newcomer meets in the first five minutes: the defects found on the way (issue 24), one test each."""

from __future__ import annotations

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
    assert not (tmp_path / "ds").exists() and not (tmp_path / "staged").exists()
