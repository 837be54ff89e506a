"""Open PSG cohorts with their own layouts: HMC, DCSM, ISRUC-Sleep and the DREAMS subjects/patients databases.

Each cohort is a file layout (how a PSG finds its hypnogram), a stage vocabulary and a default channel;
the conversion itself is ``generic.convert_recordings``. HMC is hosted on PhysioNet and has a
downloader (``download_hmc``: SHA-256 checked, resumable, as for Sleep-EDF).

=========  =========================================  ======================================  ==========
cohort     files                                      stages                                  default
=========  =========================================  ======================================  ==========
``hmc``    ``SN001.edf`` + ``SN001_sleepscoring.edf``  EDF+ ``Sleep stage W/N1/N2/N3/R``, 30 s  EEG C4-M1
``dcsm``   ``<id>/psg.edf`` + ``<id>/hypnogram.ids``    ``onset,duration,stage`` (W…REM), s     C4-M1
``isruc``  ``<n>/<n>.rec`` + ``<n>/<n>_1.txt``          one code per 30 s: 0 W 1–3 N1–N3 5 REM   C4-A1
``dreams`` ``subject<n>.edf`` + ``HypnogramAASM_…txt``  one code per 5 s: 5 W 4 REM 3 N1 2 N2     CZ-A1
                                                      1 N3 0/-1/-2 unscored
=========  =========================================  ======================================  ==========
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .download import DownloadError, download_file, path_inside, read_checksums
from .errors import RecordingError
from .generic import STAGE_VOCABULARIES, convert_recordings
from .options import ConversionOptions
from .scored import ScoredRecording

__all__ = ["COHORTS", "PHYSIONET_HMC", "Cohort", "convert_cohort", "download_hmc", "find_cohort_recordings"]

PHYSIONET_HMC = "https://physionet.org/files/hmc-sleep-staging/1.1/"
"""Base URL of the Haaglanden Medisch Centrum sleep staging database 1.1 on PhysioNet."""


@dataclass(frozen=True)
class Cohort:
    """How a cohort lays out its files and names its stages.

    Args:
        name: the cohort id (``hmc``, ``dcsm``, ``isruc``, ``dreams``).
        title: its full name.
        channels: the default channel specification (alternatives separated by ``|``).
        label_map: stage text → AASM name or ``None``.
        label_seconds: duration of one code in one-label-per-line hypnograms (``None``: 30 s).
        homepage: where the data is published.
        license: the licence as the source states it.
        citation: how to cite it.
    """

    name: str
    title: str
    channels: tuple[str, ...]
    label_map: dict[str, str | None]
    label_seconds: float | None
    homepage: str
    license: str
    citation: str


_DREAMS_AASM = {"5": "W", "4": "REM", "3": "N1", "2": "N2", "1": "N3", "0": None, "-1": None, "-2": None}

COHORTS: dict[str, Cohort] = {
    "hmc": Cohort(
        "hmc",
        "Haaglanden Medisch Centrum sleep staging database",
        ("EEG C4-M1",),
        {**STAGE_VOCABULARIES["sleep-stage"], "Lights off": None, "Lights on": None},
        None,
        "https://physionet.org/content/hmc-sleep-staging/1.1/",
        "odc-by",  # Open Data Commons Attribution License v1.0
        "Alvarez-Estevez D, Rijsman RM. Inter-database validation of a deep learning approach for automatic sleep "
        "scoring. PLoS One 16(8):e0256111 (2021).",
    ),
    "dcsm": Cohort(
        "dcsm",
        "Danish Center for Sleep Medicine (DCSM) dataset",
        ("C4-M1|C3-M2",),
        dict(STAGE_VOCABULARIES["aasm"]),
        None,
        "https://erda.ku.dk/public/archives/db553715ecbe1f3ac66c1dc569826eef/",
        "cc-by-4.0",
        "Perslev M, Darkner S, Kempfner L, Nikolic M, Jennum PJ, Igel C. U-Sleep: resilient high-frequency sleep "
        "staging. npj Digit Med 4:72 (2021).",
    ),
    "isruc": Cohort(
        "isruc",
        "ISRUC-Sleep",
        ("C4-A1|C4-M1",),
        dict(STAGE_VOCABULARIES["numeric"]),
        None,
        "https://sleeptight.isr.uc.pt/",
        "other",  # free for research use, citation required
        "Khalighi S, Sousa T, Santos JM, Nunes U. ISRUC-Sleep: a comprehensive public dataset for sleep "
        "researchers. Comput Methods Programs Biomed 124:180-192 (2016).",
    ),
    "dreams": Cohort(
        "dreams",
        "DREAMS subjects and patients databases",
        ("CZ-A1|Cz-A1|C3-A1",),
        _DREAMS_AASM,
        5.0,
        "https://zenodo.org/records/2650142",
        "other",  # free for research use, citation required
        "Devuyst S. The DREAMS Databases and Assessment Algorithm. Zenodo (2005). doi:10.5281/zenodo.2650142.",
    ),
}
"""The supported cohorts and their defaults."""


def _files(paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    if isinstance(paths_or_dir, (str, os.PathLike)):
        root = Path(paths_or_dir)
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    return sorted(Path(p) for p in paths_or_dir)


def _one(psg: Path, candidates: Sequence[Path], expected: str) -> Path:
    found = [c for c in candidates if c.is_file()]
    if not found:
        raise RecordingError(psg, f"no hypnogram found (expected {expected})")
    return found[0]


def find_cohort_recordings(
    cohort: str, paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike], *, scorer: int = 1
) -> list[ScoredRecording]:
    """Pair a cohort's PSG files with their hypnograms by the cohort's naming rules.

    Args:
        cohort: a key of ``COHORTS``.
        paths_or_dir: a folder (searched recursively) or the PSG files.
        scorer: ISRUC's scorer (1 or 2: ``<n>_1.txt`` or ``<n>_2.txt``).

    Raises:
        RecordingError: a PSG without its hypnogram.
    """
    if cohort not in COHORTS:
        raise ValueError(f"unknown cohort {cohort!r}; known: {', '.join(COHORTS)}")
    out = []
    for f in _files(paths_or_dir):
        if cohort == "hmc" and (m := re.fullmatch(r"(SN\d{3})\.edf", f.name)):
            hyp = _one(f, [f.with_name(f"{m[1]}_sleepscoring.edf")], f"{m[1]}_sleepscoring.edf next to it")
            out.append(ScoredRecording(f, hyp, m[1], m[1]))
        elif cohort == "dcsm" and f.name == "psg.edf":
            hyp = _one(f, [f.with_name("hypnogram.ids")], "hypnogram.ids next to it")
            out.append(ScoredRecording(f, hyp, f.parent.name, f.parent.name))
        elif cohort == "isruc" and (m := re.fullmatch(r"(\d+)\.rec", f.name)):
            hyp = _one(f, [f.with_name(f"{m[1]}_{scorer}.txt")], f"{m[1]}_{scorer}.txt next to it")
            group = f.parent.parent.name if f.parent.name == m[1] else f.parent.name
            name = f"{group}-{m[1]}" if group else m[1]
            out.append(ScoredRecording(f, hyp, name, name))
        elif cohort == "dreams" and (
            m := re.fullmatch(r"(subject|patient)(\d+)\.edf", f.name, re.IGNORECASE)
        ):
            expected = f"HypnogramAASM_{m[1]}{m[2]}.txt"
            hyp = _one(f, [f.with_name(expected)], f"{expected} next to it")
            out.append(ScoredRecording(f, hyp, f"{m[1].lower()}{m[2]}", f"{m[1].lower()}{m[2]}"))
    return out


def convert_cohort(
    cohort: str,
    paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    channels: Sequence[str] | None = None,
    scorer: int = 1,
    rescore: float | None = None,
    options: ConversionOptions | None = None,
):
    """Convert HMC, DCSM, ISRUC or DREAMS recordings into a ``datasets.Dataset`` of 30-s epochs.

    Rows are as in ``convert_sleep_edf``; ``subject`` and ``recording`` are the cohort's ids (``SN001``,
    the DCSM folder name, ``subgroupI-1``, ``subject3``). DREAMS' 5-s codes are merged into 30-s
    epochs (the six codes of an epoch must agree, unless ``rescore`` is given).

    Args:
        cohort: ``hmc``, ``dcsm``, ``isruc`` or ``dreams``.
        paths_or_dir: the cohort's folder or its PSG files.
        channels: channel specifications (labels, ``A-B`` derivations, ``|`` alternatives); default
            the cohort's central EEG (``COHORTS[cohort].channels``).
        scorer: ISRUC's scorer (1 or 2).
        rescore: epochs of this many seconds, each with the stage covering most of it (a tie unscored), whatever
            the length the hypnogram is scored in (``labels.rescore``); ``None``: 30-s epochs, as scored.
        options: the output rate, band-pass, epochs kept and where the dataset goes ([`ConversionOptions`]).
    """
    recordings = find_cohort_recordings(cohort, paths_or_dir, scorer=scorer)
    if not recordings:
        raise ValueError(f"no {cohort.upper()} recording found in {paths_or_dir}")
    spec = COHORTS[cohort]
    return convert_recordings(
        recordings, channels=channels or spec.channels, label_map=spec.label_map, label_seconds=spec.label_seconds,
        rescore=rescore, title=f"{spec.title} converted with hf_sleep: one row per scored {rescore or 30:g}-s epoch.",
        info={"license": spec.license, "homepage": spec.homepage, "citation": spec.citation, "dataset_name": cohort},
        options=options or ConversionOptions(),
    )  # fmt: skip


def download_hmc(
    out_dir: str | os.PathLike,
    *,
    subjects: Iterable[int] | None = None,
    base_url: str = PHYSIONET_HMC,
    retries: int = 3,
    timeout: float = 60.0,
    progress: bool = True,
) -> list[Path]:
    """Download HMC recordings (``SNnnn.edf`` + ``SNnnn_sleepscoring.edf``) from PhysioNet.

    Files are listed from the project's ``SHA256SUMS.txt``, checked against it and resumed after an
    interruption (``download.download_file``), and written under ``out_dir`` with PhysioNet's paths.

    Args:
        out_dir: destination folder.
        subjects: subject numbers (``1`` → ``SN001``; ``None``: all 154).
        base_url, retries, timeout, progress: as for [`hf_sleep.data.download.download_sleep_edf`] (a mirror or a
            test server may replace PhysioNet).

    Returns:
        The downloaded (or already present and verified) files.
    """
    from tqdm.auto import tqdm

    wanted = None if subjects is None else {f"SN{int(s):03d}" for s in subjects}
    selected = []
    for rel, digest in sorted(read_checksums(base_url, timeout=timeout).items()):
        # Matched as decoded (the name on disk); `path_inside` then keeps it inside `out_dir`.
        m = re.fullmatch(r"(?:.*/)?(SN\d{3})(?:_sleepscoring)?\.edf", urllib.parse.unquote(rel))
        if m and (wanted is None or m[1] in wanted):
            selected.append((rel, digest))
    if not selected:
        raise DownloadError(f"{base_url}: no HMC recording for subjects {sorted(wanted or [])}")
    sums_url = base_url.rstrip("/") + "/SHA256SUMS.txt"
    targets = [
        (rel, digest, path_inside(out_dir, rel, sums_url)) for rel, digest in selected
    ]  # before any write
    return [
        download_file(base_url.rstrip("/") + "/" + rel, target, digest, retries=retries, timeout=timeout)
        for rel, digest, target in tqdm(targets, desc="HMC files", unit="file", disable=not progress)
    ]
