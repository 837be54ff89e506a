"""Every fenced block of the documentation pages (docs/*.md), run in order in one fresh folder, as a newcomer would
run them; README.md's blocks are copies of pages' blocks, so they run once, on their page.

Which blocks run, in which order:
- The pages run one after another in the order of `PAGES`: the order in which their outputs build on each other
  (the data page converts what the training page trains on; staging and publishing use the trained folder). Every
  page of docs/ is in `PAGES`, so a new page's blocks run too.
- README.md's blocks: each block the README runs is, character for character, a block of a page (checked by
  `test_readme_blocks_are_blocks_of_the_pages`), so it is run there, once; a README block that is not a copy is
  marked skip with its reason.

How the blocks run:
- `bash` blocks: saved as `<page>_L<line>.sh` and run with `bash -e`; the environment a block exports (`export
  HF_ENDPOINT=...`) carries over to the blocks after it, as in one terminal. The console scripts of pyproject's
  `[project.scripts]` are shell functions that call the same `module:function` with this interpreter, so they run
  the checkout under test whatever an installed environment's scripts point at. The folder holds a link `scripts`
  to the checkout's `scripts/`, as a clone does (the pages' paths are relative to the repository root).
- `python` blocks: saved as `<page>_L<line>.py` and run with `python <page>_L<line>.py` in a fresh interpreter
  (no `if __name__ == "__main__"` guard unless the page shows one). A line `print(...)  # shown` must print
  what the comment shows.
- The pages of `OWN_RUNNER` are run by their own test (fine-tuning: a folder of its own, sizes reduced, and checks
  of the dataset, the model and the scores it makes), not again here.
- A block marked `<!-- readme-test: skip: <reason> -->` on the line above it is not run; every skip names its
  reason. A block marked `<!-- readme-test: background: ... -->` is what a page runs in a second terminal:
  it is started in the background, the test waits for its first line of output, and stops it at the end.
- Every block runs with the Hub pointed at a local Hub (`hf_sleep.testing.LocalHub`, token `hf_local_writer` for
  user `me`), as "Trying publishing offline" sets it up, and with a private, empty `HF_HOME`.

What changes, only sizes and addresses, each in `SUBSTITUTIONS` with its reason (a substitution that no longer
matches any page fails the test); the training commands also get `SMALL_TRAINING` (2 optimiser steps of 2
sequences: the same code paths as the pages' 20-step first run: steps, evaluation, checkpoints, best-model
reload, test metrics and plots).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hf_sleep.testing import LocalHub, hub_client_env

from .conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
# The pages in the order their blocks run (each page's outputs are what the later pages use); index.md has no block.
PAGES = (
    "index.md", "installation.md", "python-api.md", "signal-contract.md", "data.md", "training.md",
    "fine-tuning.md", "staging.md", "scoring.md", "onnx.md", "browser.md", "publishing.md", "architectures.md",
    "benchmarks.md", "contributing.md",
)  # fmt: skip
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
MARKER = re.compile(r"^<!-- readme-test: (skip|background)(?::\s*(.*?))?\s*-->$")
TOKEN, USER = "hf_local_writer", "me"
# Training commands: one epoch, 2 optimiser steps of 2 sequences (the training page suggests `--max_steps 20`).
SMALL_TRAINING = "--num_train_epochs 1 --max_steps 2 --per_device_train_batch_size 2"
TRAINING_SUBCOMMANDS = {"train", "finetune", "cross-validate"}
# (pattern, replacement, why): applied to every block before it runs. `{physionet}` and `{port}` are filled in.
SUBSTITUTIONS = [
    (r"^\./scripts/run_demo\.sh", "hf-sleep demo",
     "what the script runs once it has built .venv (the test runs in its own environment)"),
    (r"--hypnograms \.\./shared/data/sleep-edf/hypnograms", "--n-nights 8 --hours 1",
     "the team's 39 real Sleep-EDF-20 hypnograms (22-h recordings) are not in a clone and take minutes: "
     "4 subjects x 2 generated 1-h nights instead (subjects 0-3, all in sleep-edf-20)"),
    (r"(hf-sleep generate sleep-edf [^\n]*--hours) [0-9.]+", r"\1 1", "every generated Sleep-EDF night 1 h long"),
    (r"--n_folds 10", "--n_folds 4", "4 generated subjects: 4 folds"),
    (r"(hf-sleep download sleep-edf [^\n#]*?)(\s*#|\n)", r"\1 --base-url {physionet}\2",
     "a local server with generated files and their SHA-256 list stands in for physionet.org"),
    (r"\b8090\b", "{port}", "a free port: 8090 may be taken on a shared machine"),
    (r"--epochs-per-stage 64", "--epochs-per-stage 16", "a smaller toy dataset"),
    (r"--max-steps 20", "--max-steps 2", "2 pretraining steps (and 2 probe steps follow from it)"),
]
TIMEOUT_S = 600
# Pages whose blocks a test of their own runs, in a folder of their own, with checks of what they produce.
OWN_RUNNER = {"docs/fine-tuning.md": "tests/test_fine_tuning_page.py"}
# Commands whose comment lines after them are what they print (a line with "..." elides): checked against the output.
SHOWN_OUTPUT = ("./scripts/run_demo.sh", "hf-sleep stage nights/night01.edf   # the default")


@dataclass
class Block:
    page: str  # "docs/staging.md", "README.md"
    line: int  # of the opening fence
    lang: str
    code: str
    action: str  # "run", "skip" or "background"
    reason: str | None


    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def name(self) -> str:
        return f"{Path(self.page).stem}_L{self.line}"


def readme_blocks(text: str, page: str = "README.md") -> list[Block]:
    """The fenced blocks of a Markdown file with the marker on the line above each, if any."""
    blocks = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        above = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        marker = MARKER.match(above)
        action, reason = (marker.group(1), marker.group(2)) if marker else ("run", None)
        blocks.append(Block(page, line, match.group(1), match.group(2), action, reason))
    return blocks


def page_blocks() -> list[Block]:
    """The blocks of every page, pages in the order of `PAGES`."""
    return [
        block
        for page in PAGES
        for block in readme_blocks((DOCS / page).read_text(encoding="utf-8"), f"docs/{page}")
    ]


def entry_points() -> dict[str, str]:
    """pyproject's console scripts: name → "module:function" (read by hand: tomllib needs Python 3.11)."""
    text = (REPO_ROOT / "pyproject.toml").read_text()
    section = re.search(r"^\[project\.scripts\]\n(.*?)(?:^\[|\Z)", text, re.S | re.M).group(1)
    return dict(re.findall(r'^([\w-]+)\s*=\s*"([\w.]+:\w+)"', section, re.M))


def shell_preamble() -> str:
    """`set -euo pipefail`, `python` as this interpreter, and one shell function per console script."""
    lines = ["set -euo pipefail", f'python() {{ {shlex.quote(sys.executable)} "$@"; }}']
    for name, target in entry_points().items():
        module, function = target.split(":")
        call = f"import sys; sys.argv[0] = {name!r}; from {module} import {function}; sys.exit({function}())"
        if name == "hf-sleep":
            small = f'$(case "${{1:-}}" in {"|".join(sorted(TRAINING_SUBCOMMANDS))}) echo {SMALL_TRAINING};; esac)'
        else:
            small = ""
        lines.append(f'{name}() {{ python -c {shlex.quote(call)} "$@" {small}; }}')
    return "\n".join(lines) + "\n"


def substitute(code: str, values: dict[str, str], used: dict[str, int]) -> str:
    for pattern, replacement, _ in SUBSTITUTIONS:
        code, count = re.subn(pattern, replacement.format(**values), code, flags=re.M)
        used[pattern] += count
    return code


def expected_prints(code: str) -> list[str]:
    """What a page says a `print(...)  # shown` line prints."""
    return [m.group(1).strip() for m in re.finditer(r"^print\(.*\)\s+#\s*(.+)$", code, re.M)]


def _normalised(line: str) -> str:
    """A printed line without its timings (`0.4 s` → `_ s`) and with single spaces."""
    return " ".join(re.sub(r"\b\d+(\.\d+)? s\b", "_ s", line).split())


def shown_output(code: str, command: str) -> list[str]:
    """The comment lines after `command` in a block: what the page says the command prints ("..." elides)."""
    lines = code.split(command, 1)[1].splitlines()
    return [_normalised(line.lstrip("#")) for line in lines if line.startswith("#") and line.strip("# ")
            and "..." not in line]  # fmt: skip


def tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:]


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def physionet_mirror(root: Path) -> str:
    """Writes generated Sleep-EDF files in PhysioNet's layout under `root` (with `SHA256SUMS.txt`)."""
    from hf_sleep.data import write_sleep_edf_night

    base = root / "files" / "sleep-edfx" / "1.0.0"
    night = ["W"] * 6 + ["N1", "N2", "N2", "N3", "N3", "REM", "N2"] + ["W"] * 6
    paths = [
        path
        for subject in (0, 1, 2)
        for number in (1, 2)
        for path in write_sleep_edf_night(
            base / "sleep-cassette", hypnogram=night, subject=subject, night=number, seed=subject
        )
    ]
    sums = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()} {p.relative_to(base).as_posix()}\n" for p in paths)
    (base / "SHA256SUMS.txt").write_text(sums)
    return "/files/sleep-edfx/1.0.0/"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_env(path: Path) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in path.read_bytes().decode().split("\0") if "=" in item)
    return {k: v for k, v in pairs if k not in ("_", "PWD", "OLDPWD", "SHLVL") and not k.startswith("BASH_FUNC")}


def test_every_page_runs_in_the_order_of_pages():
    on_disk = sorted(path.name for path in DOCS.glob("*.md"))
    assert sorted(PAGES) == on_disk, f"add the new page to PAGES: {sorted(set(on_disk) - set(PAGES))}"


def test_every_block_is_run_or_skipped_with_a_reason():
    blocks = page_blocks()
    assert len(blocks) > 15, "the pages' fences were not found"
    for block in blocks + readme_blocks(README.read_text(encoding="utf-8")):
        if block.action != "skip":  # a skipped block may show a console session or output
            assert block.lang in ("bash", "python"), f"{block.where}: a ```{block.lang} block cannot be run"
        if block.action != "run":
            assert block.reason and len(block.reason) > 10, f"{block.where}: a {block.action} needs a reason"
    assert sum(block.action == "run" for block in blocks) >= 12
    # The console scripts the pages call are the project's.
    names = set(re.findall(r"^(hf-sleep[\w-]*)\b", "\n".join(b.code for b in blocks), re.M))
    assert names <= set(entry_points()), names - set(entry_points())


def test_readme_blocks_are_blocks_of_the_pages():
    """A block the README runs is a copy of a page's block (run there); any other README block is skipped with a
    reason. So the README's commands are run, once, and cannot drift from their page."""
    in_pages = {(block.code, block.action) for block in page_blocks()}
    readme = readme_blocks(README.read_text(encoding="utf-8"))
    assert any(block.action == "run" for block in readme), "the README's first staging command is run on its page"
    for block in readme:
        if block.action != "skip":
            assert (block.code, block.action) in in_pages, (
                f"{block.where}: not a copy of any block of docs/*.md (copy it from its page, or mark it skip)"
            )


@pytest.mark.slow
def test_readme_blocks_run_in_order(tmp_path: Path):
    work = tmp_path / "newcomer"
    work.mkdir()
    (work / "scripts").symlink_to(REPO_ROOT / "scripts")
    logs = tmp_path / "logs"
    logs.mkdir()

    mirror = tmp_path / "physionet"
    prefix = physionet_mirror(mirror)
    files = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietFiles, directory=str(mirror)))
    threading.Thread(target=files.serve_forever, daemon=True).start()
    values = {"physionet": f"http://127.0.0.1:{files.server_address[1]}{prefix}", "port": str(free_port())}

    hub = LocalHub(root=tmp_path / "hub", tokens={TOKEN: USER}).start()
    env = hub_client_env(hub.endpoint, hf_home=tmp_path / "hf-home", token=TOKEN)
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)  # as a newcomer's terminal
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)
    env["TOKENIZERS_PARALLELISM"] = "false"
    env_file = tmp_path / "env"
    preamble = shell_preamble()

    used = {pattern: 0 for pattern, _, _ in SUBSTITUTIONS}
    background: list[subprocess.Popen] = []
    outputs: dict[int, str] = {}
    timings: list[tuple[int, float]] = []
    try:
        for block in page_blocks():
            if block.action == "skip" or block.page in OWN_RUNNER:
                continue
            code = substitute(block.code, values, used)
            log = logs / f"{block.name}.log"
            if block.lang == "python":
                script = work / f"{block.name}.py"
                script.write_text(code)
                argv = [sys.executable, script.name]
            else:
                script = tmp_path / f"{block.name}.sh"
                footer = "" if block.action == "background" else f"\nenv -0 > {shlex.quote(str(env_file))}\n"
                script.write_text(preamble + code + footer)
                argv = ["bash", str(script)]
            started = time.perf_counter()
            with log.open("w") as out:
                process = subprocess.Popen(
                    argv, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
                )
            if block.action == "background":
                background.append(process)
                deadline = time.monotonic() + 120
                while not log.read_text().strip() and process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.2)
                assert process.poll() is None and log.read_text().strip(), (
                    f"{block.where}: the background block did not start:\n{tail(log)}"
                )
                continue
            try:
                returncode = process.wait(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                returncode = "timeout"
            timings.append((block.where, time.perf_counter() - started))
            output = log.read_text(errors="replace")
            outputs[block.where] = output
            assert returncode == 0, f"{block.where} ({block.lang}) failed ({returncode}):\n{tail(log)}"
            if block.lang == "bash":
                env = read_env(env_file)
            for command in SHOWN_OUTPUT:  # the page shows what the command prints, timings aside
                if command in block.code:
                    printed = {_normalised(line) for line in output.splitlines()}
                    for shown in shown_output(block.code, command):
                        assert shown in printed, f"{block.where}: {command} does not print\n{shown}\n{output[-3000:]}"
            for shown in expected_prints(code):
                assert shown in output, f"{block.where}: prints\n{output[-2000:]}\nnot {shown!r}"
            # A clean terminal: no Python warning with its source location.
            warnings = re.findall(r"^.*\.py:\d+: \w*Warning: .*$", output, re.M)
            assert not warnings, f"{block.where}: warnings in the output:\n" + "\n".join(warnings)
    finally:
        for process in background:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        hub.stop()
        files.shutdown()
        print("\n".join(f"{where}: {seconds:.1f} s" for where, seconds in timings))

    unused = [pattern for pattern, count in used.items() if not count]
    assert not unused, f"substitutions that no longer match any page: {unused}"

    # What the blocks left behind is what the pages say they make.
    runs = work / "runs"
    tiny = json.loads((runs / "tiny" / "test_results.json").read_text())
    assert len(tiny["test_confusion_matrix"]) == 5
    for run, prefix in (("tiny", "test"), ("tiny-eval", "test"), ("tiny-st", "test"), ("tiny-cv", "cv"),
                        ("dsn2", "test"), ("seq", "test"), ("physioex-st", "test")):  # fmt: skip
        assert (runs / run / f"confusion_matrix_{prefix}.png").read_bytes()[:4] == b"\x89PNG", run
    cv = json.loads((runs / "tiny-cv" / "cv_results.json").read_text())
    assert sorted(cv["per_fold"]) == ["1", "2", "3", "4"]  # every subject tested once, folds numbered from 1
    assert sorted(p.name for p in (runs / "tiny-cv").glob("fold_*")) == ["fold_1", "fold_2", "fold_3", "fold_4"]
    assert len(list((work / "physionet").rglob("*-PSG.edf"))) == 6
    everything = "".join(outputs.values())
    assert "['EEG Fpz-Cz']" in everything  # the model loaded back from the Hub
    assert "statistics over time in bed: lights off 22:40 to lights on 00:50" in everything
    in_bed = json.loads((work / "results" / "night02_sleep_stats.json").read_text())["statistics"]
    assert in_bed["TIB"] == 130.0  # 22:40 to 00:50
