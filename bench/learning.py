"""Learning benchmark: does the whole pipeline learn? (Not a timed test; run it by hand or from bench/run_all.py.)

The data path is the one a user takes. `hf_sleep.data.generate_sleep_edf` writes one synthetic night in the
Sleep-EDF Expanded layout (EDF PSG + the real hypnogram file) for each of the 20 real Sleep-EDF-20 hypnograms
in `../shared/data/sleep-edf/hypnograms` (subjects 0-9, two nights each), `convert_sleep_edf` turns them
into a dataset of 30-s `EEG Fpz-Cz` epochs at 100 Hz (wake trimmed to 30 min around the sleep period,
unscored epochs dropped), and the split is by subject: subjects 0-6 train, 7 validates (checkpoint
selection), 8-9 are tested; no subject is in two splits. TinySleepNet and DeepSleepNet (both phases) are
trained on the CPU with `hf_sleep.training.pipeline.run_training` from the recipes in `scripts/configs/`,
the code behind `hf-sleep train` / `hf-sleep finetune`, with the flags listed in `RUNS` (fewer steps and a
larger learning rate than the papers' 100-200 epochs, so that both fit in a few CPU minutes). The held-out
accuracy, macro-F1 and Cohen's kappa, and the minutes each model took, are printed as a Markdown table and
written as JSON. A logistic regression on log band powers of the same epochs is reported beside them, to
show how separable the generated stages are.

This shows the pipeline learns generated signals; it says nothing about accuracy on real EEG.

    PYTHONPATH=. python bench/learning.py [--quick] [--models tinysleepnet deepsleepnet] [--out bench/results/learning.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import time
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from hf_sleep.data import SLEEP_EDF_OPTIONS

REPO_ROOT = Path(__file__).resolve().parents[1]
HYPNOGRAMS = REPO_ROOT.parent / "shared" / "data" / "sleep-edf" / "hypnograms"
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "learning.json"
DEFAULT_WORK_DIR = REPO_ROOT / "bench" / "runs" / "learning"
CHANNEL = "EEG Fpz-Cz"

# Subject numbers of each split (Sleep-EDF-20 subjects 0-9 have real hypnograms here).
SPLIT = {"train": list(range(0, 7)), "validation": [7], "test": [8, 9]}
QUICK_SPLIT = {"train": [0, 1], "validation": [2], "test": [3]}

# Flags added after each recipe (the recipes keep the papers' settings; these shorten the run for a CPU).
# DeepSleepNet phase 2 lets the CNN learn at 1e-4 instead of the paper's 1e-6, because its phase 1 here is
# minutes, not 100 epochs.
COMMON = ["--use_cpu", "true", "--report_to", "none", "--save_total_limit", "1", "--disable_tqdm", "true",
          "--dataloader_num_workers", "0", "--logging_steps", "20"]  # fmt: skip
RUNS: dict[str, list[dict[str, Any]]] = {
    "tinysleepnet": [
        {"recipe": "scripts/configs/tinysleepnet.json", "max_steps": 200, "eval_steps": 50,
         "flags": ["--learning_rate", "1e-3"]},
    ],
    "deepsleepnet": [
        {"recipe": "scripts/configs/deepsleepnet_phase1.json", "max_steps": 150, "eval_steps": 50,
         "flags": ["--learning_rate", "1e-3"]},
        {"recipe": "scripts/configs/deepsleepnet_phase2.json", "max_steps": 100, "eval_steps": 50,
         "flags": ["--learning_rate", "1e-3", "--encoder_learning_rate", "1e-4"]},
    ],
}  # fmt: skip
QUICK_STEPS = 4


def _generator_fingerprint(hypnograms: Sequence[Path]) -> str:
    """Changes when the generator, the converter or the hypnograms change: then the data is rebuilt."""
    digest = hashlib.sha256()
    for module in ("synthetic.py", "sleep_edf.py", "preprocess.py"):
        digest.update((REPO_ROOT / "hf_sleep" / "data" / module).read_bytes())
    for path in hypnograms:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def hypnogram_files(hypnogram_dir: Path, subjects: Sequence[int]) -> list[Path]:
    """The real sleep-cassette hypnograms of `subjects` (both nights), with a clear error when missing."""
    files = sorted(p for p in hypnogram_dir.glob("SC4*-Hypnogram.edf") if int(p.name[3:5]) in set(subjects))
    found = {int(p.name[3:5]) for p in files}
    if found != set(subjects):
        raise FileNotFoundError(
            f"the learning benchmark needs the real Sleep-EDF hypnograms of subjects {sorted(subjects)} in "
            f"{hypnogram_dir} (../shared/data/sleep-edf/hypnograms); missing subjects {sorted(set(subjects) - found)}"
        )
    return files


def build_dataset(
    work_dir: Path, split: dict[str, list[int]], hypnogram_dir: Path = HYPNOGRAMS, num_proc: int = 2
):
    """Generates the nights, converts them and splits by subject; reuses `work_dir/dataset` when unchanged.

    Returns:
        `(DatasetDict, info)`, info holding the minutes it took and the epochs per split and stage.
    """
    import datasets

    from hf_sleep.data import convert_sleep_edf, generate_sleep_edf, stage_counts

    subjects = sorted(s for ids in split.values() for s in ids)
    files = hypnogram_files(hypnogram_dir, subjects)
    fingerprint = _generator_fingerprint(files)
    dataset_dir, stamp = work_dir / "dataset", work_dir / "dataset.fingerprint"
    start = time.perf_counter()
    reused = dataset_dir.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint
    if reused:
        full = datasets.load_from_disk(str(dataset_dir))
    else:
        raw = work_dir / "raw"
        generate_sleep_edf(raw, hypnograms=files, num_proc=num_proc)
        full = convert_sleep_edf(raw, channels=(CHANNEL,), studies=("SC",), options=SLEEP_EDF_OPTIONS.replace(num_proc=num_proc, output_dir=dataset_dir, overwrite=True, progress=False))  # fmt: skip
        stamp.write_text(fingerprint + "\n")
    names = full.features["labels"].names
    numbers = np.array([int(s[2:]) for s in full["subject"]])
    splits = datasets.DatasetDict(
        {name: full.select(np.flatnonzero(np.isin(numbers, ids))) for name, ids in split.items()}
    )
    info = {
        "data_minutes": (time.perf_counter() - start) / 60,
        "data_reused": reused,
        "nights": len(files),
        "subjects": {name: [f"SC{s:02d}" for s in ids] for name, ids in split.items()},
        "epochs": {name: len(part) for name, part in splits.items()},
        "stages": {name: stage_counts(part, names) for name, part in splits.items()},
    }
    return splits, info


def band_power_baseline(splits) -> dict[str, float]:
    """Logistic regression on log band powers of single epochs: how separable the generated stages are."""
    from scipy.signal import welch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import cohen_kappa_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    edges = (0.3, 1, 2, 4, 6, 8, 10, 12, 15, 20, 30, 45)

    def features(part):
        signals = np.asarray(part.with_format("numpy")["input_values"])[:, 0]
        freqs, power = welch(signals, fs=100.0, nperseg=400, axis=-1)
        bands = [power[:, (freqs >= lo) & (freqs < hi)].mean(axis=1) for lo, hi in pairwise(edges)]
        return np.log(np.stack(bands, axis=1)), np.asarray(part["labels"])

    x_train, y_train = features(splits["train"])
    x_test, y_test = features(splits["test"])
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x_train, y_train)
    predicted = classifier.predict(x_test)
    return {
        "accuracy": float(np.mean(predicted == y_test)),
        "macro_f1": float(f1_score(y_test, predicted, average="macro")),
        "kappa": float(cohen_kappa_score(y_test, predicted)),
    }


def train_model(model_name: str, splits, work_dir: Path, quick: bool) -> dict[str, Any]:
    """Runs the phases of `RUNS[model_name]` through `run_training`; returns the held-out metrics and timing."""
    from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
    from hf_sleep.training.pipeline import parse_arguments, run_training

    shutil.rmtree(work_dir / model_name, ignore_errors=True)  # no checkpoints of an earlier run in the way
    start = time.perf_counter()
    previous: str | None = None
    phases, result = [], None
    for index, phase in enumerate(RUNS[model_name]):
        steps = QUICK_STEPS if quick else phase["max_steps"]
        every = QUICK_STEPS if quick else phase["eval_steps"]
        output = work_dir / model_name / f"phase{index + 1}"
        argv = [str(REPO_ROOT / phase["recipe"]), *phase["flags"], "--max_steps", str(steps),
                "--eval_strategy", "steps", "--eval_steps", str(every), "--save_strategy", "steps",
                "--save_steps", str(every), "--early_stopping_patience", "0", *COMMON,
                "--dataset_path", "unused", "--output_dir", str(output)]  # fmt: skip
        if previous is not None:
            argv += ["--model_name_or_path", previous]
        parsed = parse_arguments((ModelArguments, DataArguments, SleepTrainingArguments), argv)
        result = run_training(*parsed, splits=splits)
        state = result.trainer.state
        phases.append({
            "recipe": phase["recipe"], "flags": [*phase["flags"], "--max_steps", str(steps)],
            "optimizer_steps": state.global_step, "data_epochs": round(float(state.epoch or 0.0), 2),
            "test_macro_f1": result.test_metrics["test_macro_f1"],
        })  # fmt: skip
        previous = str(output)
    metrics = result.test_metrics
    return {
        "accuracy": metrics["test_accuracy"],
        "macro_f1": metrics["test_macro_f1"],
        "kappa": metrics["test_kappa"],
        "per_stage_f1": {
            key[len("test_f1_") :]: value for key, value in metrics.items() if key.startswith("test_f1_")
        },
        "confusion_matrix": metrics["test_confusion_matrix"],
        "test_epochs": metrics["test_n_epochs"],
        "phases": phases,
        "minutes": (time.perf_counter() - start) / 60,
    }


def format_table(results: dict[str, Any]) -> str:
    """The Markdown table of the benchmark (one row per model and the band-power baseline)."""
    split = results["data"]["subjects"]
    train = f"{len(split['train'])} ({split['train'][0]}-{split['train'][-1]})"
    test = ", ".join(split["test"])
    lines = [
        "| Model | Train subjects | Test subjects | Trained | Minutes (CPU) | Accuracy | Macro-F1 | Kappa |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for name, r in results["models"].items():
        trained = " + ".join(
            f"{p['optimizer_steps']} steps ({p['data_epochs']:g} epochs)" for p in r["phases"]
        )
        lines.append(f"| {name} | {train} | {test} | {trained} | {r['minutes']:.1f} | {r['accuracy']:.3f} | "
                     f"{r['macro_f1']:.3f} | {r['kappa']:.3f} |")  # fmt: skip
    b = results.get("band_power_baseline")
    if b:
        lines.append(f"| band-power logistic regression | {train} | {test} | - | - | {b['accuracy']:.3f} | "
                     f"{b['macro_f1']:.3f} | {b['kappa']:.3f} |")  # fmt: skip
    return "\n".join(lines)


def run_learning_benchmark(
    quick: bool = False,
    *,
    models: Sequence[str] = tuple(RUNS),
    out: str | os.PathLike | None = DEFAULT_OUT,
    work_dir: str | os.PathLike = DEFAULT_WORK_DIR,
    hypnogram_dir: str | os.PathLike = HYPNOGRAMS,
) -> dict[str, Any]:
    """Generates, converts and splits the nights, trains each model, tests it on the held-out subjects.

    Args:
        quick: a smoke run (subjects 0-3, a few steps per phase): checks the path, not the learning.
        models: which of `RUNS` to train.
        out: where the JSON goes (`None`: not written).
        work_dir: generated files, the dataset and the training runs.
        hypnogram_dir: the real Sleep-EDF hypnograms.

    Returns:
        The results: `models` (accuracy, macro_f1, kappa, per-stage F1, confusion matrix, minutes, phases),
        `data` (split, epochs per split and stage), `band_power_baseline`, `table` (Markdown) and the machine.
    """
    import torch

    unknown = sorted(set(models) - set(RUNS))
    if unknown:
        raise ValueError(f"unknown models {unknown}; the benchmark trains {list(RUNS)}")
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    splits, data_info = build_dataset(work_dir, QUICK_SPLIT if quick else SPLIT, Path(hypnogram_dir))
    results: dict[str, Any] = {
        "quick": quick,
        "data": data_info,
        "machine": {
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "platform": platform.platform(),
            "torch": torch.__version__,
        },  # fmt: skip
        "band_power_baseline": band_power_baseline(splits),
        "models": {},
    }
    for model_name in models:
        results["models"][model_name] = train_model(model_name, splits, work_dir, quick)
    results["table"] = format_table(results)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 4 subjects, a few steps")
    parser.add_argument("--models", nargs="+", default=list(RUNS), choices=list(RUNS))
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--work_dir", default=str(DEFAULT_WORK_DIR))
    parser.add_argument("--hypnograms", default=str(HYPNOGRAMS))
    args = parser.parse_args(argv)
    results = run_learning_benchmark(args.quick, models=args.models, out=args.out, work_dir=args.work_dir,
                                     hypnogram_dir=args.hypnograms)  # fmt: skip
    print(results["table"])
    print(f"\nJSON: {args.out}")


if __name__ == "__main__":
    main()
