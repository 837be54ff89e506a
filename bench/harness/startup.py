"""Section 6: start-up of the command line, and one night's staging against the floor of reading its EEG.

Start-up: fresh processes of `hf-sleep --help`, `hf-sleep <command> --help` and `import hf_sleep` beside
`python -c "import torch"` (the reference of the speed issue: `--help` must take at most half of it).
Floor: MNE reading the staged channel of the night in a fresh process, against `hf-sleep stage` of the same
night with the bundled trained default (no `--model`), run interleaved so machine load hits both alike.
"""

from __future__ import annotations

from typing import Any

from bench.harness.common import Stat, python_ours, ratio, run_process, thread_env
from bench.harness.context import Context

STAGED_CHANNEL = "EEG Fpz-Cz"
# The speed issue's targets: `--help` at most half of importing torch; a night at most 3x MNE's read of it.
TARGET_HELP_FRACTION_OF_TORCH = 0.5
TARGET_STAGE_OVER_READ = 3.0

STARTUP_COMMANDS: dict[str, list[str]] = {
    'python -c "import torch"': ["-c", "import torch"],
    "hf-sleep --help": ["-m", "hf_sleep.cli", "--help"],
    "hf-sleep stage --help": ["-m", "hf_sleep.cli", "stage", "--help"],
    "hf-sleep convert sleep-edf --help": ["-m", "hf_sleep.cli", "convert", "sleep-edf", "--help"],
    "hf-sleep train --help": ["-m", "hf_sleep.cli", "train", "--help"],
    'python -c "import hf_sleep"': ["-c", "import hf_sleep"],
    # What registering the Auto classes at `import hf_sleep` would cost: transformers' Auto module imports torch.
    "import transformers' Auto configuration module": ["-c", "import transformers.models.auto.configuration_auto"],
    "hf_sleep.register_auto_classes()": ["-c", "import hf_sleep; hf_sleep.register_auto_classes()"],
}


def mne_read_command(night: str, channel: str = STAGED_CHANNEL) -> list[str]:
    """A fresh interpreter that imports MNE and reads one channel of `night` into memory (the floor)."""
    code = f"import mne; mne.io.read_raw_edf({night!r}, include=[{channel!r}], preload=True, verbose='error')"
    return [python_ours(), "-c", code]


def stage_default_command(night: str, out_dir: str) -> list[str]:
    """`hf-sleep stage night` with the bundled trained default model, writing its four outputs."""
    return [python_ours(), "-m", "hf_sleep.cli", "stage", night, "--output-dir", out_dir, "--device", "cpu",
            "--overwrite", "--quiet"]  # fmt: skip


def run(ctx: Context) -> dict[str, Any]:
    runs = ctx.settings.process_runs
    result: dict[str, Any] = {"startup": {}, "floor": {}}
    for label, arguments in STARTUP_COMMANDS.items():
        ctx.log(f"start-up: {label}")
        result["startup"][label] = ctx.attempt(
            lambda arguments=arguments: {
                "seconds": [run_process([python_ours(), *arguments], env=thread_env()).seconds for _ in range(runs)]
            }
        )
    night = str(ctx.staged_night())
    result["floor"]["night_hours"] = ctx.settings.night_hours
    ctx.log("floor: MNE read vs hf-sleep stage with the trained default, interleaved")

    def floor() -> dict[str, Any]:
        read, stage = [], []
        for _ in range(runs):
            read.append(run_process(mne_read_command(night), env=thread_env()).seconds)
            stage.append(run_process(stage_default_command(night, str(ctx.work_dir / "floor")), env=thread_env()).seconds)
        return {"mne_read": read, "stage": stage}

    result["floor"].update(ctx.attempt(floor))
    return result


def render(result: dict[str, Any]) -> str:
    lines = [
        "## 6. Start-up, and one night against the floor of reading it",
        "",
        "Fresh processes, 2 threads; median (min–max, n) of wall time in seconds.",
        "",
        "| Command | Seconds | × `import torch` |",
        "|---|---:|---:|",
    ]
    startup = result.get("startup", {})
    stats = {label: Stat.of(entry["seconds"]) for label, entry in startup.items() if "seconds" in entry}
    torch_stat = stats.get('python -c "import torch"')
    for label, entry in startup.items():
        if label not in stats:
            lines.append(f"| `{label}` | not measured: {entry.get('error')} | — |")
        else:
            lines.append(f"| `{label}` | {stats[label].fmt()} | {ratio(stats[label], torch_stat)} |")
    help_stat = stats.get("hf-sleep --help")
    if help_stat and torch_stat:
        share = help_stat.median / torch_stat.median
        mark = "met" if share <= TARGET_HELP_FRACTION_OF_TORCH else "NOT met"
        lines += ["", f"Target: `hf-sleep --help` at most {TARGET_HELP_FRACTION_OF_TORCH:g}× `import torch`: "
                  f"{share:.2f}× ({mark})."]  # fmt: skip
    floor = result.get("floor", {})
    hours = floor.get("night_hours")
    lines += [
        "",
        f"One generated {hours:g}-h night (`{STAGED_CHANNEL}`, 100 Hz), interleaved fresh processes:",
        "",
        "| Process | Seconds | × MNE read |",
        "|---|---:|---:|",
    ]
    if "error" in floor:
        lines.append(f"| both | not measured: {floor['error']} | — |")
        return "\n".join(lines + [""])
    read, stage = Stat.of(floor["mne_read"]), Stat.of(floor["stage"])
    lines += [
        f"| MNE: `import mne` + `read_raw_edf(..., include=['{STAGED_CHANNEL}'], preload=True)` | {read.fmt()} | 1.00× |",
        f"| `hf-sleep stage night.edf` (trained default, four outputs written) | {stage.fmt()} | {ratio(stage, read)} |",
    ]
    if torch_stat:
        lines.append(f"| `python -c \"import torch\"` alone | {torch_stat.fmt()} | {ratio(torch_stat, read)} |")
    over = stage.median / read.median
    mark = "met" if over <= TARGET_STAGE_OVER_READ else "NOT met"
    lines += [
        "",
        f"Target: a night staged within {TARGET_STAGE_OVER_READ:g}× MNE's read: {over:.1f}× ({mark}). "
        "Staging a night in a fresh process needs PyTorch, and importing it alone takes "
        + (f"{ratio(torch_stat, read)} the read" if torch_stat else "longer than the read")
        + "; many nights in one process (section 7) share that start-up.",
        "",
    ]
    return "\n".join(lines)
