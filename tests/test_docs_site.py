"""The documentation site builds with `mkdocs build --strict` (a broken link or anchor, a page missing from the nav,
a snippet that is not there fails), and the README's links lead to pages and headings that exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO_ROOT


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")  # the theme's notice about its successor, not about our pages
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    # mkdocs-material is in the dev extra, as pytest is: a missing one fails here rather than skipping in CI.
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_every_page_is_in_the_nav_and_built(site):
    nav = (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in sorted((REPO_ROOT / "docs").glob("*.md")):
        assert f" {page.name}" in nav, f"docs/{page.name} is not in mkdocs.yml's nav"
        built = site / ("index.html" if page.stem == "index" else f"{page.stem}/index.html")
        assert built.is_file(), built


def test_the_readme_links_lead_to_pages_and_headings_that_exist(site):
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(\s*([^)\s]+)\)", readme)
    assert sum(link.startswith("docs/") for link in links) >= 10, links
    for link in links:
        if "://" in link:
            continue
        path, _, anchor = link.partition("#")
        assert (REPO_ROOT / path).is_file(), f"README.md links to {path}, which is not in the repository"
        if anchor:
            page = Path(path)
            assert page.parts[0] == "docs", link
            html = (site / page.with_suffix("").relative_to("docs") / "index.html").read_text(encoding="utf-8")
            assert f'id="{anchor}"' in html, f"README.md links to {link}: the page has no heading #{anchor}"


def test_the_readme_is_short_and_its_first_screen_says_what_and_how():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 160, "the README is a page a newcomer reads in two minutes; detail goes to docs/"
    first_screen = "\n".join(readme.splitlines()[:40])
    for words in ("hf-sleep stage", "git clone", "scripts/setup_env.sh", "fine-tune", "Hub"):
        assert words in first_screen, words
