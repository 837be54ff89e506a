"""`hf-sleep score PRED REF`: real hypnograms scored against perturbed copies whose agreement the tests compute
themselves (Cohen's kappa from its definition, not from scikit-learn), in every hypnogram format read."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from hf_sleep.cli import main
from hf_sleep.staging.scoring import recording_name, score

AASM = ("W", "N1", "N2", "N3", "REM")
SLEEP_EDF_TEXTS = {
    "Sleep stage W": "W", "Sleep stage 1": "N1", "Sleep stage 2": "N2", "Sleep stage 3": "N3",
    "Sleep stage 4": "N3", "Sleep stage R": "REM",
}  # fmt: skip


def sleep_edf_epochs(path: Path) -> list[str | None]:
    """30-s stages of a Sleep-EDF hypnogram read with MNE (a reader independent of the package's)."""
    import mne

    annotations = mne.read_annotations(path)
    stages: list[str | None] = []
    for onset, duration, text in zip(annotations.onset, annotations.duration, annotations.description, strict=True):
        assert math.isclose(onset, 30 * len(stages))
        stages += [SLEEP_EDF_TEXTS.get(text)] * int(round(duration / 30))
    return stages


def perturb(stages, fraction: float, seed: int, names=AASM) -> list[str | None]:
    """A copy with `fraction` of the scored epochs changed to another stage (a second scorer who disagrees)."""
    rng = np.random.default_rng(seed)
    out = list(stages)
    for index in np.flatnonzero([s is not None for s in stages]):
        if rng.random() < fraction:
            out[index] = str(rng.choice([n for n in names if n != stages[index]]))
    return out


def expected_agreement(ref, pred, names=AASM) -> dict[str, float]:
    """Accuracy and Cohen's kappa from their definitions, over the epochs both score."""
    pairs = [(r, p) for r, p in zip(ref, pred, strict=False) if r is not None and p is not None]
    n = len(pairs)
    observed = sum(r == p for r, p in pairs) / n
    ref_counts, pred_counts = Counter(r for r, _ in pairs), Counter(p for _, p in pairs)
    chance = sum(ref_counts[s] * pred_counts[s] for s in names) / n**2
    return {"epochs": n, "accuracy": observed, "kappa": (observed - chance) / (1 - chance)}


def write_stage_csv(path: Path, stages, epoch_seconds: float = 30.0) -> Path:
    """The `onset,duration,stage` CSV `hf-sleep stage` writes (probabilities left out), `?` for unscored."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["onset", "duration", "stage"])
        for index, stage in enumerate(stages):
            writer.writerow([f"{index * epoch_seconds:g}", f"{epoch_seconds:g}", stage or "?"])
    return path


@pytest.fixture(scope="module")
def sleep_edf_night(shared_data) -> tuple[Path, list[str | None]]:
    path = shared_data / "sleep-edf" / "hypnograms" / "SC4001EC-Hypnogram.edf"
    return path, sleep_edf_epochs(path)


def test_a_real_sleep_edf_hypnogram_against_a_perturbed_copy(sleep_edf_night, tmp_path):
    path, stages = sleep_edf_night
    pred = perturb(stages, 0.2, seed=1)
    report = score(write_stage_csv(tmp_path / "SC4001E0_hypnogram.csv", pred), path, n_resamples=50)
    expected = expected_agreement(stages, pred)
    (recording,) = report.recordings
    assert recording.n_epochs == expected["epochs"]
    assert recording.metrics["accuracy"] == pytest.approx(expected["accuracy"], abs=1e-12)
    assert recording.metrics["kappa"] == pytest.approx(expected["kappa"], abs=1e-12)
    low, high = recording.intervals["kappa"]
    assert low < expected["kappa"] < high and high - low < 0.05
    # The SC hypnogram runs 24 h; its `?` and movement epochs are left out and counted.
    assert recording.unscored_ref == sum(s is None for s in stages[: len(pred)])
    assert recording.matrix.sum() == expected["epochs"]
    assert recording.ref_statistics["TST"] == pytest.approx(sum(s not in (None, "W") for s in stages) / 2)


def test_the_bootstrap_is_seeded(sleep_edf_night, tmp_path):
    path, stages = sleep_edf_night
    pred = write_stage_csv(tmp_path / "p.csv", perturb(stages, 0.3, seed=2))
    first, again = (score(pred, path, n_resamples=30, seed=7).recordings[0].intervals for _ in range(2))
    other = score(pred, path, n_resamples=30, seed=8).recordings[0].intervals
    assert first == again and first != other


def test_folders_match_by_recording_name_and_pool_over_recordings(shared_data, tmp_path):
    hypnograms = shared_data / "sleep-edf" / "hypnograms"
    names = ["SC4001EC", "SC4011EH", "SC4021EH"]
    (tmp_path / "ref").mkdir()
    (tmp_path / "pred").mkdir()
    refs, preds = [], []
    for index, name in enumerate(names):
        (tmp_path / "ref" / f"{name}-Hypnogram.edf").write_bytes((hypnograms / f"{name}-Hypnogram.edf").read_bytes())
        refs.append(sleep_edf_epochs(hypnograms / f"{name}-Hypnogram.edf"))
        preds.append(perturb(refs[-1], 0.1 + 0.1 * index, seed=index))
        # the PSG's name, as `hf-sleep stage SC4001E0-PSG.edf` writes it
        write_stage_csv(tmp_path / "pred" / f"{name[:6]}E0-PSG_hypnogram.csv", preds[-1])
    report = score(tmp_path / "pred", tmp_path / "ref", n_resamples=40)
    assert [r.name for r in report.recordings] == [f"{n[:6]}E0" for n in names]
    pooled = expected_agreement(sum(refs, []), sum(preds, []))
    assert report.pooled["kappa"] == pytest.approx(pooled["kappa"], abs=1e-12)
    assert report.pooled_bootstrap_over == "recordings"
    # Bland-Altman over the three nights: the mean difference of TST and its limits
    differences = [
        (sum(p not in (None, "W") for p in pred) - sum(r not in (None, "W") for r in ref)) / 2
        for pred, ref in zip(preds, refs, strict=True)
    ]
    tst = report.statistics_agreement["TST"]
    assert tst["mean_difference"] == pytest.approx(np.mean(differences))
    assert tst["loa_high"] - tst["loa_low"] == pytest.approx(2 * 1.96 * np.std(differences, ddof=1))


def test_yasa_codes_with_a_label_map_and_twenty_second_codes(shared_data, tmp_path):
    lines = (shared_data / "yasa" / "data_full_6hrs_100Hz_hypno_30s.txt").read_text().splitlines()
    codes = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    stages = [AASM[int(code)] for code in codes]  # YASA: 0 W, 1 N1, 2 N2, 3 N3, 4 REM
    pred = write_stage_csv(tmp_path / "night_hypnogram.csv", stages)
    report = score(pred, shared_data / "yasa" / "data_full_6hrs_100Hz_hypno_30s.txt", label_map={"4": "REM"}, n_resamples=0)
    assert report.recordings[0].metrics["accuracy"] == 1.0 and report.recordings[0].n_epochs == len(stages)
    # 20-s codes: each the stage of the 30-s epoch holding its middle; majority of time gives the 30-s epochs back.
    twenty = [codes[int((20 * k + 10) // 30)] for k in range(len(codes) * 3 // 2)]
    (tmp_path / "night_20s.txt").write_text("\n".join(twenty) + "\n")
    report = score(pred, tmp_path / "night_20s.txt", label_map={"4": "REM"}, ref_label_seconds=20, n_resamples=0)
    assert report.recordings[0].metrics["accuracy"] == 1.0 and report.recordings[0].n_epochs == len(stages)
    misread = score(pred, tmp_path / "night_20s.txt", label_map={"4": "REM"}, n_resamples=0)  # as 30-s codes
    assert misread.recordings[0].metrics["accuracy"] < 0.9
    # 5-s codes as a table: two of each epoch's six codes changed, the majority keeps the epoch's stage; in the
    # last epoch three of six changed (a tie) leaves it unscored.
    rng = np.random.default_rng(5)
    rows = []
    for index, stage in enumerate(stages):
        codes = [stage] * 6
        changed = 3 if index == len(stages) - 1 else 2
        for position in rng.choice(6, changed, replace=False):
            codes[position] = "N1" if stage != "N1" else "N2"
        rows += [f"{30 * index + 5 * k},5,{code}" for k, code in enumerate(codes)]
    (tmp_path / "night_5s.csv").write_text("onset,duration,stage\n" + "\n".join(rows) + "\n")
    report = score(pred, tmp_path / "night_5s.csv", n_resamples=0)
    recording = report.recordings[0]
    assert recording.metrics["accuracy"] == 1.0 and recording.n_epochs == len(stages) - 1 and recording.unscored_ref == 1


def test_nsrr_xml_reference_and_different_starts_and_lengths(sleep_edf_night, tmp_path):
    from hf_sleep.data.synthetic.cohort_layouts import nsrr_xml

    _, stages = sleep_edf_night
    night = [s or "?" for s in stages[800:1400]]  # the sleep of the night (epochs 800-1399)
    (tmp_path / "shhs1-200001-nsrr.xml").write_text(nsrr_xml(night))
    # PRED starts 100 epochs later and runs 50 epochs past REF's end: only the overlap is scored.
    pred_stages = [None] * 100 + perturb(stages[800:1400], 0.15, seed=3)[100:] + ["W"] * 50
    rows = [(30.0 * i, s) for i, s in enumerate(pred_stages) if i >= 100]
    with open(tmp_path / "shhs1-200001_stages.tsv", "w") as handle:
        handle.write("onset\tduration\tstage\n" + "".join(f"{o:g}\t30\t{s}\n" for o, s in rows))
    assert recording_name(tmp_path / "shhs1-200001_stages.tsv") == recording_name(tmp_path / "shhs1-200001-nsrr.xml")
    report = score(tmp_path / "shhs1-200001_stages.tsv", tmp_path / "shhs1-200001-nsrr.xml", n_resamples=0)
    recording = report.recordings[0]
    ref_night = [None if s == "?" else s for s in night]
    expected = expected_agreement(ref_night[100:], pred_stages[100:600])
    assert recording.n_epochs == expected["epochs"] and recording.first_epoch == 100
    assert recording.metrics["kappa"] == pytest.approx(expected["kappa"], abs=1e-12)
    assert recording.outside_overlap == 100 + 50


def test_three_human_scorers_of_one_mouse(shared_data):
    from hf_sleep.data.rodent import read_rodent_scores

    gs, ng = (shared_data / "rodent" / f"335scores_{who}.txt" for who in ("GS", "NG"))
    report = score(gs, ng, epoch_seconds=10, n_resamples=0)
    states = {"Wake": "Wake", "Non REM": "NREM", "REM": "REM"}
    labels = [
        [states.get(text.removesuffix(" X")) for text in read_rodent_scores(path)[0]] for path in (gs, ng)
    ]  # fmt: skip
    expected = expected_agreement(labels[1], labels[0], names=("Wake", "NREM", "REM"))
    assert report.stage_names == ("Wake", "NREM", "REM")
    assert report.recordings[0].metrics["kappa"] == pytest.approx(expected["kappa"], abs=1e-12)
    assert 0.6 < expected["kappa"] < 0.99  # two people scoring one mouse agree well, not perfectly


@pytest.mark.slow  # stages a night with a model (about 20 s on two cores)
def test_a_staged_generated_night_against_its_hypnogram(tmp_path, capsys):
    from hf_sleep.data.edf import write_annotations_edf
    from tests.staging.helpers import cycling_hypnogram, write_sleep_edf_night

    truth = cycling_hypnogram(0.5)
    night = write_sleep_edf_night(tmp_path / "night.edf", truth)
    assert main(["stage", str(night), "--architecture", "tinysleepnet", "--out-dir", str(tmp_path / "staged"), "--quiet"]) == 0
    (tmp_path / "scored").mkdir()
    write_annotations_edf(
        tmp_path / "scored" / "night-Hypnogram.edf",
        [(30.0 * first, 30.0 * length, f"Sleep stage {stage}") for first, length, stage in _runs(truth)],
        start=None,
    )
    capsys.readouterr()
    code = main(["score", str(tmp_path / "staged"), str(tmp_path / "scored"), "--output-dir", str(tmp_path / "report"),
                 "--bootstrap", "20"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    with open(tmp_path / "staged" / "night_hypnogram.csv") as handle:
        predicted = [row["stage"] for row in csv.DictReader(handle)]
    expected = expected_agreement(truth, [None if s == "?" else s for s in predicted])
    summary = json.loads((tmp_path / "report" / "scores.json").read_text())
    assert summary["pooled"]["kappa"] == pytest.approx(expected["kappa"], abs=1e-12)
    assert summary["recordings"][0]["epochs"] == expected["epochs"] == 60
    assert f"{expected['accuracy']:.3f}" in out and "Confusion matrix" in out and "limits of agreement" in out
    with open(tmp_path / "report" / "scores.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["recording"] for row in rows] == ["night", "pooled"]
    low, high = summary["pooled"]["kappa_ci"]
    assert float(rows[1]["kappa_low"]) == low <= expected["kappa"] <= high == float(rows[1]["kappa_high"])
    assert "kappa_low" not in summary["pooled"]
    assert (tmp_path / "report" / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    # a second run refuses to overwrite, in one line, and leaves the report as it was
    code = main(["score", str(tmp_path / "staged"), str(tmp_path / "scored"), "--output-dir", str(tmp_path / "report")])
    assert code == 2 and "--overwrite" in capsys.readouterr().err


def _runs(stages):
    from hf_sleep.data.labels import label_runs

    return label_runs(stages)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: [d / "missing.csv", d / "ref"], "PRED .*missing.csv: no such file or folder"),
        (lambda d: [d / "pred", d / "ref"], "no reference hypnogram for 1 predicted recording\\(s\\): night2 "
                                            "\\(reference recordings: night1\\)"),
        (lambda d: [d / "pred" / "night2_hypnogram.csv", d / "late.csv"], "no overlapping epochs"),
        (lambda d: [d / "odd.csv", d / "ref" / "night1.csv"], "odd.csv: unknown stage text\\(s\\) 'Light'"),
        (lambda d: [d / "empty", d / "ref"], "PRED .*empty: no hypnogram in the folder"),
        (lambda d: [d / "pred", d / "twice"], "REF .*twice: night2.csv and night2_hypnogram.csv are both hypnograms of "
                                              "recording 'night2'"),
    ],
)
def test_bad_input_is_one_line_naming_the_file(tmp_path, capsys, make, message):
    import re

    for folder in ("pred", "ref", "empty", "twice"):
        (tmp_path / folder).mkdir()
    for name in ("night2.csv", "night2_hypnogram.csv"):
        write_stage_csv(tmp_path / "twice" / name, ["W"])
    write_stage_csv(tmp_path / "pred" / "night2_hypnogram.csv", ["W", "N1", "N2"])
    write_stage_csv(tmp_path / "ref" / "night1.csv", ["W", "N1", "N2"])
    (tmp_path / "late.csv").write_text("onset,duration,stage\n600,30,W\n630,30,N2\n")
    (tmp_path / "odd.csv").write_text("onset,duration,stage\n0,30,Light\n")
    code = main(["score", *map(str, make(tmp_path)), "--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert re.search(message, err), err
    assert not (tmp_path / "out").exists()


def test_the_resampled_metrics_equal_scikit_learn_on_every_resample(sleep_edf_night, tmp_path):
    from hf_sleep.staging.scoring import agreement, resampled_agreement

    path, stages = sleep_edf_night
    matrix = score(write_stage_csv(tmp_path / "p.csv", perturb(stages, 0.25, seed=4)), path, n_resamples=0).recordings[0].matrix
    rng = np.random.default_rng(0)
    samples = rng.multinomial(200, (matrix / matrix.sum()).ravel(), size=300).reshape(-1, 5, 5)
    samples[0] = 0
    samples[0, 2, 2] = 7  # one stage in both: kappa undefined
    samples[1, :, 4] = 0
    samples[1, 4, :] = 0  # REM in neither: left out of macro F1
    fast = resampled_agreement(samples)
    for index, sample in enumerate(samples):
        slow = agreement(sample)
        for key in ("accuracy", "macro_f1", "kappa"):
            assert fast[key][index] == pytest.approx(slow[key], abs=1e-12, nan_ok=True), (index, key)


def test_edf_hypnograms_that_start_at_different_clock_times_are_aligned(sleep_edf_night, tmp_path):
    import datetime

    from hf_sleep.data.edf import read_edf_header, write_annotations_edf
    from hf_sleep.data.labels import label_runs

    path, stages = sleep_edf_night
    start = read_edf_header(path).start
    later = stages[20:]  # a scorer whose file starts 10 minutes (20 epochs) after the recording
    write_annotations_edf(
        tmp_path / "late.edf",
        [(30.0 * first, 30.0 * length, f"Sleep stage {stage or '?'}") for first, length, stage in label_runs(later)],
        start=start + datetime.timedelta(seconds=600),
    )
    report = score(tmp_path / "late.edf", path, n_resamples=0)
    recording = report.recordings[0]
    assert recording.pred_shift_seconds == 600 and recording.first_epoch == 20
    assert recording.metrics["accuracy"] == 1.0
    assert recording.n_epochs == sum(s is not None for s in later)
