"""Fast tests of the benchmark harness's pieces: statistics, fresh-process measurement, nights, reports."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from bench.harness import conversion, inference, memory, nights, report, training
from bench.harness.common import Stat, ratio, run_process, thread_env


def test_stat_median_spread_and_units():
    stat = Stat.of([3.0, 1.0, 2.0, 10.0])
    assert (stat.median, stat.low, stat.high, stat.n) == (2.5, 1.0, 10.0, 4)
    per_hour = stat.scaled(0.5)
    assert per_hour.median == 1.25 and per_hour.high == 5.0
    # A throughput is the median of the per-run rates, not the rate of the median time.
    rates = Stat.of([1.0, 2.0, 4.0]).inverse(8.0)
    assert rates.values == [8.0, 4.0, 2.0] and rates.median == 4.0
    assert stat.fmt() == "2.5 (1–10, n=4)"
    with pytest.raises(ValueError, match="at least one"):
        Stat.of([])


def test_ratio_of_medians():
    assert ratio(Stat.of([2.0]), Stat.of([4.0])) == "0.50×"
    assert ratio(None, Stat.of([1.0])) == "—"
    assert ratio(Stat.of([1.0]), Stat.of([0.0])) == "—"


def test_run_process_reports_each_childs_own_peak_memory():
    allocate = "import numpy as np, json; a = np.ones(60_000_000); print(json.dumps({'sum': float(a[:10].sum())}))"
    big = run_process([sys.executable, "-c", allocate], env=thread_env())
    small = run_process([sys.executable, "-c", "print('{\"ok\": 1}')"], env=thread_env())
    assert big.json() == {"sum": 10.0}
    assert big.peak_rss_mb > 450  # 60 M float64 = 480 MB
    # Measured after the big one: wait4 gives this child's peak, not the largest of all children so far.
    assert small.peak_rss_mb < 200
    assert small.seconds > 0
    with pytest.raises(RuntimeError, match="exit code 3"):
        run_process([sys.executable, "-c", "import sys; sys.exit(3)"], env=thread_env())


def test_night_stages_start_before_sleep(shared_data):
    hypnogram = sorted((shared_data / "sleep-edf" / "hypnograms").glob("SC4001*-Hypnogram.edf"))[0]
    stages = nights.night_stages(hypnogram, hours=8)
    assert len(stages) == 960
    first_sleep = next(i for i, text in enumerate(stages) if text in nights.SLEEP_TEXTS)
    assert first_sleep == 60 and set(stages[:60]) == {"Sleep stage W"}
    short = nights.night_stages(hypnogram, hours=0.25)
    assert len(short) == 30 and any(text in nights.SLEEP_TEXTS for text in short)


def test_local_writer_writes_the_sleep_edf_layout(tmp_path):
    import mne

    stages = ["Sleep stage W"] * 4 + ["Sleep stage 2"] * 3 + ["Sleep stage 4"] * 3 + ["Sleep stage R"] * 2
    psg, hyp = nights._local_writer(tmp_path, hypnogram=stages, subject=7, night=2, seed=0)
    assert (psg.name, hyp.name) == ("SC4072E0-PSG.edf", "SC4072EC-Hypnogram.edf")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([psg.name, hyp.name])  # no partial files left
    raw = mne.io.read_raw_edf(psg, preload=True, verbose="error")
    assert raw.ch_names[:3] == ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"]
    assert raw.n_times == 12 * 3000
    annotations = mne.read_annotations(hyp)
    assert list(annotations.description) == ["Sleep stage W", "Sleep stage 2", "Sleep stage 4", "Sleep stage R"]
    assert list(annotations.onset) == [0, 120, 210, 300] and list(annotations.duration) == [120, 90, 90, 60]
    eeg = raw.get_data(picks=["EEG Fpz-Cz"])[0].reshape(12, 3000) * 1e6
    # The signal follows the stages: N3 (slow waves) has far more power than wake.
    assert eeg[7:10].std() > 2 * eeg[:4].std()
    assert np.isfinite(eeg).all()


def _fake_results(quick: bool = False) -> dict:
    models = {
        "deepsleepnet": {"display_name": "DeepSleepNet", "parameters": 22_647_685, "seq_len": 25, "seconds": [16.0, 18.0]},
        "tinysleepnet": {"display_name": "TinySleepNet", "parameters": 1_516_421, "seq_len": 20, "seconds": [2.0, 2.4]},
    }
    bd_models = {
        name: {"parameters": 1, "seconds": [seconds]}
        for name, seconds in (("DeepSleepNet", 8.0), ("AttnSleep", 4.0), ("USleep", 6.0))
    }
    staged = {"seconds": [5.0, 5.5, 6.5], "peak_rss_mb": [400, 410, 405]}
    peer = {"seconds": [8.0], "peak_rss_mb": [600], "model_seconds": [7.0], "n_epochs": 960, "stages": {}}
    return {
        "meta": {
            "quick": quick,
            "machine": {"cpu": "Test CPU", "cores": 2, "memory_gb": 24, "os": "Linux", "python": "3.11",
                        "threads": 2, "date": "2026-01-01 00:00 UTC"},
            "seconds": 600, "command": "python bench/run_all.py", "hf_sleep_version": "0.1.0", "commit": "abc",
            "versions_ours": {"torch": "2.13.0"}, "versions_peers": {"braindecode": "1.8.1", "gssc": None},
            "generator": "local",
        },
        "sections": {
            "inference": {
                "night_hours": 8.0, "recording": "SC4001E0-PSG.edf",
                "ours": {"hours": 8.0, "models": models},
                "braindecode": {"hours": 8.0, "models": bd_models},
                "stage_ours": {"tinysleepnet": staged, "deepsleepnet": {"error": "boom"}},
                "yasa": peer, "gssc": {"error": "peer environment missing"},
            },
            "conversion": {
                "n_nights": 4, "night_hours": 8.0,
                "ours": {"seconds": [3.2, 3.0], "process_seconds": [10, 12], "peak_rss_mb": [300, 310],
                         "recorded_hours": 32.0, "n_windows": 3000},
                "braindecode": {"seconds": [12.8], "process_seconds": [44], "peak_rss_mb": [1500],
                                "recorded_hours": 32.0, "n_windows": 2900},
            },
            "training": {"cpu": {"device": "CPU", "models": {"tinysleepnet": {
                "display_name": "TinySleepNet", "epochs_per_run": 80, "seconds": [2.0, 4.0], "batch_size": 4,
                "seq_len": 20}}}, "gpu": {"note": "no CUDA GPU at hand on this machine"}},
            "learning": {"error": "bench/learning.py is not available yet"},
            "memory": {"counts": [1, 4, 16], "night_hours": 2.0, "series": {
                "hf_sleep conversion": {"1": {"peak_rss_mb": 300}, "4": {"peak_rss_mb": 320}, "16": {"peak_rss_mb": 330}},
                "braindecode conversion": {"1": {"peak_rss_mb": 400}, "4": {"peak_rss_mb": 900}, "16": {"peak_rss_mb": 2900}},
                "hf_sleep staging (TinySleepNet)": {"1": {"error": "not available"}},
            }},
        },
    }


def test_report_puts_ours_and_peers_side_by_side_with_ratios():
    text = report.render(_fake_results())
    assert text.startswith("# Benchmarks")
    assert "Test CPU, 2 cores" in text and "2026-01-01" in text and "braindecode 1.8.1" in text
    assert "gssc not installed" in text
    # Inference: 17 s / 8 h = 2.12 s per hour for DeepSleepNet; braindecode's 1 s per hour; ratio 2.12.
    assert "| hf_sleep | DeepSleepNet | 22,647,685 | 25 | 2.12 (2–2.25, n=2) | 7.73× |" in text
    assert "hf_sleep / braindecode model time = **2.12×**" in text
    assert "not measured: peer environment missing" in text and "not measured: boom" in text
    # Staging targets: TinySleepNet 2.2 s model time on 8 h misses 0.5 s; 5.5 s end to end meets 6 s.
    assert "model time on 8 h 2.20 s (target < 0.5 s: NOT met)" in text
    assert "end to end 5.50 s (target < 6.0 s: met)" in text
    assert "YASA 0.8 `SleepStaging` | pre-trained | 8 (8–8, n=1) | 7 (7–7, n=1) | 600 (600–600, n=1) | 1.45× |" in text
    # Conversion: 3.1 s vs 12.8 s over 32 h: 4.13× faster, target met.
    assert "Speed-up of hf_sleep over braindecode: **4.13×** (pipeline)" in text and "pipeline: met" in text
    assert "| TinySleepNet | 4 × 20 | 30 (20–40, n=2) | no CUDA GPU at hand on this machine |" in text
    assert "Not measured: bench/learning.py is not available yet." in text
    assert "| hf_sleep conversion | 300 | 320 | 330 | yes | yes |" in text
    assert "| braindecode conversion | 400 | 900 | 2,900 | no | no |" in text
    assert "Quick run" not in text and "Quick run" in report.render(_fake_results(quick=True))


def test_sections_render_alone():
    results = _fake_results()["sections"]
    assert inference.render(results["inference"]).startswith("## 1. Inference")
    assert conversion.render({"n_nights": 1, "night_hours": 1, "ours": {"error": "x"}, "braindecode": {"error": "y"}})
    assert "| DeepSleepNet |" not in training.render({"cpu": {"error": "no torch"}, "gpu": {"note": "none"}})
    assert "not measured" in memory.render(results["memory"])


def test_run_all_exits_nonzero_only_for_real_failures():
    from bench.run_all import _errors

    sections = _fake_results()["sections"]
    errors = _errors(sections)
    assert "boom" in errors and "peer environment missing" in errors
    assert not any("GPU" in error for error in errors)  # no GPU is a fact of the machine, not a failure


def test_run_all_re_renders_saved_results(tmp_path):
    import json

    from bench.run_all import main

    saved, output = tmp_path / "results.json", tmp_path / "BENCHMARKS.md"
    saved.write_text(json.dumps(_fake_results()))
    assert main(["--from-json", str(saved), "--output", str(output), "--note", "quiet machine"]) == 1
    text = output.read_text()
    assert "- Note: quiet machine" in text and "**4.13×** (pipeline)" in text
    assert not (tmp_path / "BENCHMARKS.partial").exists()


def test_learning_section_renders_the_training_scripts_json():
    from bench.harness import learning

    data = {
        "dataset_minutes": 0.5,
        "epochs": {"train": 9000, "test": 2000},
        "tinysleepnet": {"accuracy": 0.8123, "macro_f1": 0.7, "kappa": 0.65, "minutes": 3.25},
        "source": "`bench/learning.py`, 4.0 min in this run",
    }
    text = learning.render(data)
    assert "| tinysleepnet | 0.812 | 0.700 | 0.650 | 3.2 |" in text
    assert "Epochs per split: train 9,000, test 2,000." in text
    assert "Not measured: skipped in --quick" in learning.render({"note": "skipped in --quick: slow"})


def test_learning_section_lists_the_trained_models_of_learning_json():
    from bench.harness import learning

    # The layout bench/learning.py writes: the models nested under "models", the baseline beside them.
    data = {
        "band_power_baseline": {"accuracy": 0.9455, "macro_f1": 0.9384, "kappa": 0.9267},
        "models": {
            "tinysleepnet": {"accuracy": 0.9618, "macro_f1": 0.9332, "kappa": 0.9491, "minutes": 4.1},
            "deepsleepnet": {"accuracy": 0.9, "macro_f1": 0.8, "kappa": 0.85, "minutes": 6.0},
        },
        "data": {"epochs": {"train": 14366, "validation": 2249, "test": 4424}},
    }
    text = learning.render(data)
    assert "| band_power_baseline | 0.946 | 0.938 | 0.927 | — |" in text
    assert "| tinysleepnet | 0.962 | 0.933 | 0.949 | 4.1 |" in text
    assert "| deepsleepnet | 0.900 | 0.800 | 0.850 | 6.0 |" in text
    assert "Epochs per split: train 14,366, validation 2,249, test 4,424." in text
