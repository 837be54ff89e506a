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
