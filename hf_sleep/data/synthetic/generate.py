"""Many synthetic recordings at once: Sleep-EDF nights and rodent recordings, driven by real or generated
scoring."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..parallel import worker_pool
from .hypnograms import synthetic_hypnogram
from .layouts import atomic_write, write_rodent_recording, write_sleep_edf_night

__all__ = ["generate_rodent", "generate_sleep_edf"]


def _write_sleep_edf_job(kwargs: dict) -> tuple[Path, Path]:
    return write_sleep_edf_night(**kwargs)


def generate_sleep_edf(
    out_dir: str | os.PathLike,
    *,
    hypnograms: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
    n_nights: int | None = None,
    study: str = "SC",
    seed: int = 0,
    num_proc: int = 1,
    progress: bool = False,
    n_hours: float = 8.0,
) -> list[tuple[Path, Path]]:
    """Write many synthetic Sleep-EDF nights, driven by real hypnogram files or synthetic ones.

    Args:
        out_dir: destination folder.
        hypnograms: a folder of ``*-Hypnogram.edf`` files or a list of them; subject, night and
            study are parsed from each name. ``None``: ``n_nights`` synthetic hypnograms.
        n_nights: number of synthetic nights (subjects 0, 0, 1, 1, … nights 1, 2, 1, 2, …).
        study: study of synthetic nights (``SC`` or ``ST``).
        seed: random seed.
        num_proc: nights written in parallel.
        progress: show a progress bar.
        n_hours: sleep period of each synthetic hypnogram.

    Returns:
        ``(psg_path, hypnogram_path)`` per night, in input order.
    """
    from tqdm.auto import tqdm

    jobs: list[dict] = []
    if hypnograms is not None:
        files = (
            sorted(Path(hypnograms).glob("*-Hypnogram.edf"))
            if isinstance(hypnograms, (str, os.PathLike)) and Path(hypnograms).is_dir()
            else [
                Path(h) for h in ([hypnograms] if isinstance(hypnograms, (str, os.PathLike)) else hypnograms)
            ]
        )
        for f in files:
            m = re.match(r"^(SC|ST)[47](\d{2})(\d)", f.name)
            if not m:
                raise ValueError(f"{f}: not a Sleep-EDF hypnogram name (SC4ssN…/ST7ssN…-Hypnogram.edf)")
            jobs.append(
                dict(out_dir=out_dir, hypnogram=f, subject=int(m[2]), night=int(m[3]), study=m[1], seed=seed)
            )
    else:
        if not n_nights or n_nights < 1:
            raise ValueError("give hypnograms or a positive n_nights")
        for i in range(n_nights):
            subject, night = i // 2, i % 2 + 1
            stages = synthetic_hypnogram(n_hours, seed=seed * 1000 + subject * 10 + night)
            jobs.append(
                dict(out_dir=out_dir, hypnogram=stages, subject=subject, night=night, study=study, seed=seed)
            )
    bar = tqdm(total=len(jobs), desc="nights", unit="night", disable=not progress)
    if num_proc <= 1:
        results = []
        for job in jobs:
            results.append(_write_sleep_edf_job(job))
            bar.update(1)
    else:
        with worker_pool(num_proc) as pool:
            results = []
            for result in pool.map(_write_sleep_edf_job, jobs):
                results.append(result)
                bar.update(1)
    bar.close()
    return results


def generate_rodent(
    out_dir: str | os.PathLike,
    *,
    scores: str | os.PathLike | None = None,
    n_recordings: int = 2,
    epoch_seconds: float = 10.0,
    n_hours: float = 2.0,
    seed: int = 0,
) -> list[tuple[Path, Path]]:
    """Write rodent recordings driven by a folder of real ``NNNscores_XX.txt`` files, or synthetic ones.

    With real scores, one EDF per animal follows the first scorer's file (alphabetical) and every
    scorer's file is copied next to it, so a converter can pick a scorer.

    Args:
        out_dir: destination folder.
        scores: folder of score files (``None``: ``n_recordings`` synthetic animals).
        n_recordings: number of synthetic animals.
        epoch_seconds: epoch length of synthetic scores (4 s for SlumberNet).
        n_hours: length of synthetic scores.
        seed: random seed.

    Returns:
        ``(edf_path, scores_path)`` per animal (the first scorer's file).
    """
    results = []
    if scores is None:
        for i in range(n_recordings):
            results.append(
                write_rodent_recording(
                    out_dir,
                    animal=f"mouse{i + 1:02d}",
                    seed=seed + i,
                    epoch_seconds=epoch_seconds,
                    n_hours=n_hours,
                )
            )
        return results
    by_animal: dict[str, list[Path]] = {}
    for f in sorted(Path(scores).glob("*scores_*.txt")):
        by_animal.setdefault(f.name.split("scores_")[0], []).append(f)
    for i, (animal, files) in enumerate(sorted(by_animal.items())):
        first_scorer = files[0].stem.rsplit("_", 1)[-1]
        results.append(
            write_rodent_recording(
                out_dir, scores=files[0], animal=animal, scorer=first_scorer, seed=seed + i
            )
        )
        for f in files[1:]:
            target = Path(out_dir) / f.name
            atomic_write(target, lambda tmp, src=f: shutil.copyfile(src, tmp))
    return results
