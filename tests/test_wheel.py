"""The wheel works on its own: built from the sdist, checked by twine, installed into a fresh environment outside
the checkout, it prints its version, stages a generated night with no flags and loads every bundled model.

The fresh environment sees this environment's dependencies (torch, transformers, ...) through a path entry, so
nothing is downloaded; `hf_sleep` itself can only come from the wheel (checked with `hf_sleep.__file__`).
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

pytestmark = pytest.mark.slow


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert completed.returncode == 0, f"{' '.join(map(str, command))}\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def _dependency_paths() -> list[str]:
    """Where this environment's installed distributions live (a venv made from a venv does not see them)."""
    paths = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()]
    return list(dict.fromkeys(path for path in paths if Path(path).is_dir()))


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    """(python, bin folder, env, work folder, wheel) of a fresh venv holding only the freshly built wheel."""
    pytest.importorskip("build", reason="`build` is missing: install the dev extra (pip install -e '.[dev]')")
    pytest.importorskip("twine", reason="`twine` is missing: install the dev extra (pip install -e '.[dev]')")
    root = tmp_path_factory.mktemp("wheel")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1", MPLBACKEND="Agg")
    dist = root / "dist"
    # sdist first, then the wheel built from it: what an index would serve, and proof that the sdist is complete.
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(REPO_ROOT)], root, env)
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in dist.iterdir())
    _run([sys.executable, "-m", "twine", "check", "--strict", str(wheels[0]), str(sdists[0])], root, env)

    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], root, env)
    python = venv / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root, env)
                   .strip())
    # Plain path lines: the dependencies become importable, their .pth hooks (an editable hf_sleep) do not run.
    (purelib / "dependencies.pth").write_text("\n".join(_dependency_paths()) + "\n")
    # --no-index: every requirement of the wheel must already be satisfied by the dependencies above.
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--quiet", str(wheels[0])],
         root, env)
    work = root / "work"
    work.mkdir()
    return python, venv / "bin", env, work, wheels[0]


def test_wheel_carries_licences_templates_help_and_bundled_models(wheel_env):
    import zipfile

    from hf_sleep.pretrained import BUNDLE_FILES, BUNDLE_ONNX_FILES, BUNDLED

    names = set(zipfile.ZipFile(wheel_env[4]).namelist())
    for model in BUNDLED:  # every bundle with its exported graph: `--backend onnx` stages any of them
        for file_name in (*BUNDLE_FILES, *BUNDLE_ONNX_FILES):
            assert f"hf_sleep/pretrained/{model}/{file_name}" in names, (model, file_name)
    dist_info = next(name.split("/")[0] for name in names if name.endswith(".dist-info/METADATA"))
    assert f"{dist_info}/licenses/LICENSE" in names
    assert {"hf_sleep/hub/templates/model_card.md.jinja", "hf_sleep/data/templates/dataset_card.md"} <= names
    assert not any(name.startswith(("tests/", "bench/", "scripts/")) for name in names)


def test_installed_wheel_stages_a_night_and_loads_every_bundled_model(wheel_env):
    import hf_sleep

    python, bin_dir, env, work, _ = wheel_env
    # `hf_sleep` comes from the wheel, not from the checkout or an editable install.
    location = _run([str(python), "-c", "import hf_sleep; print(hf_sleep.__file__)"], work, env).strip()
    assert Path(location).is_relative_to(python.parent.parent), location

    assert _run([str(bin_dir / "hf-sleep"), "--version"], work, env).strip() == f"hf-sleep {hf_sleep.__version__}"

    _run([str(python), "-c", "from hf_sleep.staging.demo_night import make_demo_night; "
          "print(make_demo_night('night', hours=2))"], work, env)
    output = _run([str(bin_dir / "hf-sleep"), "stage", "night/SC4001E0-PSG.edf"], work, env)
    assert "Staging with" in output and "RANDOM weights" not in output  # a bundled trained default
    hypnogram = (work / "SC4001E0-PSG_hypnogram.csv").read_text().splitlines()
    assert len(hypnogram) > 200  # a header and one row per 30-s epoch of the 2.5-h recording

    loaded = _run([str(python), "-c", (
        "from transformers import AutoModel\n"
        "from hf_sleep.pretrained import BUNDLED, pretrained_path\n"
        "for name in BUNDLED:\n"
        "    model = AutoModel.from_pretrained(pretrained_path(name))\n"
        "    assert (pretrained_path(name) / 'LICENSE').is_file(), name\n"
        "    print(name, type(model).__name__, model.config.n_chans)\n"
    )], work, env)
    from hf_sleep.pretrained import BUNDLED

    assert [line.split()[0] for line in loaded.splitlines() if line.split()[0] in BUNDLED] == list(BUNDLED)
