"""Fixtures for the data tests: the team's real data folder and generated recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
HYPNOGRAMS = SHARED_DATA / "sleep-edf" / "hypnograms"
RODENT_SCORES = SHARED_DATA / "rodent"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder ``<repo>/../shared/data``; skips when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (tests with real hypnograms need it)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_hypnograms(shared_data: Path) -> list[Path]:
    """The 20 real sleep-cassette hypnograms."""
    files = sorted(HYPNOGRAMS.glob("SC*-Hypnogram.edf"))
    if len(files) != 20:
        pytest.skip(f"expected 20 SC hypnograms in {HYPNOGRAMS}, found {len(files)}")
    return files


@pytest.fixture(scope="session")
def sc20_dir(tmp_path_factory: pytest.TempPathFactory, real_hypnograms: list[Path]) -> Path:
    """Generated PSGs for the 20 real SC hypnograms, in the Sleep-EDF layout."""
    from hf_sleep.data.synthetic import generate_sleep_edf

    out = tmp_path_factory.mktemp("sleep-edf-20")
    generate_sleep_edf(out, hypnograms=real_hypnograms, num_proc=2)
    return out


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A per-session folder for converted Arrow shards."""
    return tmp_path_factory.mktemp("hf-cache")


SHORT_NIGHT = (
    ["W"] * 70 + ["N1"] * 6 + ["N2"] * 30 + ["N3"] * 25 + ["N2"] * 10 + ["REM"] * 20
    + ["MT"] * 1 + ["N2"] * 20 + ["?"] * 2 + ["N3"] * 10 + ["REM"] * 15 + ["W"] * 75
)  # fmt: skip
"""A 2.4-h hypnogram with every label (W long enough on both ends to be trimmed)."""


@pytest.fixture(scope="session")
def small_sleep_edf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three short generated nights (two SC subjects, one ST) in the Sleep-EDF layout."""
    from hf_sleep.data.synthetic import write_sleep_edf_night

    out = tmp_path_factory.mktemp("small-sleep-edf")
    write_sleep_edf_night(out, hypnogram=SHORT_NIGHT, subject=0, night=1, seed=1)
    write_sleep_edf_night(out, hypnogram=SHORT_NIGHT[::-1], subject=1, night=1, seed=2)
    write_sleep_edf_night(out, hypnogram=SHORT_NIGHT, subject=2, night=1, study="ST", seed=3)
    return out


@pytest.fixture(scope="session")
def short_night() -> list[str]:
    """The stages of the first ``small_sleep_edf`` night (``SC4001E0``)."""
    return list(SHORT_NIGHT)
