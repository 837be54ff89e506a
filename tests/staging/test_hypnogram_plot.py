"""The hypnogram PNG: clock time from the recording header, hours as an option, lights-off/on marks and a
"random weights" note — checked on the matplotlib objects, not on pixels."""

from __future__ import annotations

import datetime as dt

import mne
import numpy as np
import pytest

from hf_sleep.cli import main
from hf_sleep.staging import lights_from_annotations, plotting, recording_lights, seconds_from_start
from hf_sleep.staging.plotting import plot_hypnogram

from .helpers import cycling_hypnogram, stage_like_signal

START = dt.datetime(2026, 3, 14, 22, 50, tzinfo=dt.timezone.utc)
STAGES = ["W", "N1", "N2", "N3", "REM"]


def tick_labels(axis) -> list[str]:
    axis.figure.canvas.draw()
    return [label.get_text() for label in axis.get_xticklabels() if label.get_text()]


def test_clock_time_axis_from_the_recording_start():
    stages = cycling_hypnogram(8.0)
    figure = plot_hypnogram(stages, None, STAGES, start_time=START)
    axis = figure.axes[-1]
    assert axis.get_xlabel() == "Clock time (recording started 2026-03-14 22:50)"
    assert tick_labels(axis) == ["23:00", "00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00"]
    assert axis.get_xticks()[0] == pytest.approx(10 / 60)  # data stays in hours from the start


def test_hours_axis_as_an_option_and_without_a_start_time():
    stages = cycling_hypnogram(2.0)
    for figure in (plot_hypnogram(stages, None, STAGES, start_time=START, time_axis="hours"),
                   plot_hypnogram(stages, None, STAGES)):  # fmt: skip
        assert figure.axes[-1].get_xlabel() == "Time from recording start (h)"
        assert tick_labels(figure.axes[-1])[:3] == ["0.00", "0.25", "0.50"]
    with pytest.raises(ValueError, match="time_axis must be 'clock' or 'hours'"):
        plot_hypnogram(stages, None, STAGES, time_axis="minutes")


def test_random_weights_note_and_lights_marks():
    stages = cycling_hypnogram(1.0)
    probabilities = np.full((len(stages), 5), 0.2)
    figure = plot_hypnogram(stages, probabilities, STAGES, start_time=START, lights_off=600, lights_on=3000,
                            note="RANDOM WEIGHTS (untrained model)")  # fmt: skip
    top = figure.axes[0]
    assert [text.get_text() for text in top.texts if text.get_gid() == "note"] == ["RANDOM WEIGHTS (untrained model)"]
    for axis in figure.axes[:2]:
        lines = {line.get_gid(): line.get_xdata()[0] for line in axis.lines if line.get_gid()}
        assert lines == {"lights off": pytest.approx(600 / 3600), "lights on": pytest.approx(3000 / 3600)}
    assert {text.get_text().strip() for text in top.texts if text.get_gid() != "note"} == {"lights off", "lights on"}
    plain = plot_hypnogram(stages, probabilities, STAGES)
    assert not plain.axes[0].texts and not [line for line in plain.axes[0].lines if line.get_gid()]


def test_clock_times_become_seconds_from_the_start():
    assert seconds_from_start("23:10", START, 9 * 3600) == 20 * 60
    assert seconds_from_start("07:05", START, 9 * 3600) == 8 * 3600 + 15 * 60  # after midnight: next day
    assert seconds_from_start(120.0, None, 3600) == 120.0
    with pytest.raises(ValueError, match="lights-off must be a clock time HH:MM"):
        seconds_from_start("25:00", START, 3600)
    with pytest.raises(ValueError, match=r"lights-on 12:00 is outside the recording \(22:50 to 23:50\)"):
        seconds_from_start("12:00", START, 3600, "lights-on")
    with pytest.raises(ValueError, match="needs the recording's start time"):
        seconds_from_start("23:00", None, 3600)


def test_lights_from_annotations(tmp_path):
    texts = ["Lights off", "Sleep stage W", "LIGHTS_ON"]
    assert lights_from_annotations([12.0, 30.0, 3000.0], texts) == {"lights_off": 12.0, "lights_on": 3000.0}
    assert lights_from_annotations([5.0], ["Lightsaber"]) == {}
    # other formats: MNE's annotations (a FIF file here)
    info = mne.create_info(["EEG Fpz-Cz"], 100.0, "eeg")
    raw = mne.io.RawArray(np.zeros((1, 6000)), info, verbose="error")
    raw.set_annotations(mne.Annotations([10.0], [0.0], ["Lights Off"]))
    raw.save(tmp_path / "night_raw.fif", verbose="error")
    assert recording_lights(tmp_path / "night_raw.fif") == {"lights_off": 10.0}


def test_stage_cli_plots_clock_time_lights_and_random_weights(tmp_path, monkeypatch):
    from edfio import Edf, EdfAnnotation, EdfSignal, Recording

    stages = cycling_hypnogram(0.5)
    signal = stage_like_signal(stages)
    night = tmp_path / "night.edf"
    Edf(
        [EdfSignal(signal, sampling_frequency=100.0, label="EEG Fpz-Cz", physical_dimension="uV")],
        recording=Recording(startdate=START.date()),
        starttime=START.time().replace(tzinfo=None),
        data_record_duration=30.0,
        annotations=[EdfAnnotation(300.0, None, "Lights off")],
    ).write(night)
    figures = []
    original = plotting.plot_hypnogram
    monkeypatch.setattr(plotting, "plot_hypnogram", lambda *a, **k: figures.append(original(*a, **k)) or figures[-1])
    code = main(["stage", str(night), "--architecture", "tinysleepnet", "--out-dir", str(tmp_path / "o"),
                 "--lights-on", "23:05", "--stride", "5", "--quiet"])  # fmt: skip
    assert code == 0 and (tmp_path / "o" / "night_hypnogram.png").is_file()
    (figure,) = figures
    top = figure.axes[0]
    assert figure.axes[-1].get_xlabel() == "Clock time (recording started 2026-03-14 22:50)"
    assert any("RANDOM WEIGHTS" in text.get_text() for text in top.texts)
    lines = {line.get_gid(): line.get_xdata()[0] for line in top.lines if line.get_gid()}
    assert lines == {"lights off": pytest.approx(300 / 3600), "lights on": pytest.approx(15 / 60)}
