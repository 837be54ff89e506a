"""What the command-line tools share: one flag vocabulary, and what they print besides their results (warnings in
plain words, log lines, progress bars).

Python prints a warning as ``/path/to/staging.py:342: UserWarning: message`` followed by the source line;
a user of ``hf-sleep`` needs the message alone, once. Only the command-line entry points call these
functions: the library itself never changes how warnings or logs are shown.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings

__all__ = ["SHARED_FLAGS", "add_command", "add_flag", "plain_warnings", "quiet_library_bars", "setup_script_output", "silence_progress_bars"]

# One vocabulary: the flag every command uses for a concept it takes (older spellings stay accepted, unlisted).
SHARED_FLAGS: dict[str, str] = {
    "--model": "a model: saved folder, Hub repository id or bundled name",
    "--architecture": "a registered architecture name (tinysleepnet, dsb_cnn, ...)",
    "--dataset": "a converted dataset folder (written by save_to_disk)",
    "--output-dir": "the folder the command writes into",
    "--batch-size": "examples per forward pass",
    "--channels": "channel names in model order",
    "--device": "cpu, cuda, cuda:1 ...",
    "--seed": "the random seed",
    "--overwrite": "replace existing outputs",
    "--quiet": "no progress bars or summaries; warnings and errors still print",
}


def add_command(subparsers: argparse._SubParsersAction, name: str, doc: str | None) -> argparse.ArgumentParser:
    """A sub-command documented by its module's docstring: the first line, "`hf-sleep NAME`: what it does.", gives
    the one-line help of `hf-sleep --help` (after the colon); the second paragraph is the command's description."""
    summary, _, rest = (doc or f"`hf-sleep {name}`: {name}").partition("\n\n")  # `python -OO` drops docstrings
    help_text = summary.split(": ", 1)[-1].strip().removesuffix(".")
    return subparsers.add_parser(name, help=help_text, description=rest.split("\n\n")[0] or help_text)


def add_flag(parser: argparse.ArgumentParser, flag: str, *old_spellings: str, **kwargs) -> argparse.Action:
    """Adds the option `flag`; `old_spellings` are still accepted but left out of `--help` and error messages.

    Args:
        parser (`argparse.ArgumentParser`): the command's parser (or an argument group of it).
        flag (`str`): the spelling shown, one of [`SHARED_FLAGS`] for a shared concept.
        old_spellings (`str`): earlier spellings of the same option.
        kwargs: as for `add_argument`.
    """
    action = parser.add_argument(flag, *old_spellings, **kwargs)
    action.option_strings = [flag]  # the parser still maps every spelling to this action
    return action


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def plain_warnings(program: str) -> None:
    """Shows each warning as ``<program>: warning: <message>``, once per message, without file or line.

    Only the formatting changes (``warnings.formatwarning``), so filters and ``pytest.warns`` work as usual.

    Args:
        program: the command name the lines start with (``hf-sleep stage``).
    """
    shown: set[str] = set()

    def format_warning(message, category, filename, lineno, line=None) -> str:
        text = str(message).strip()
        if text in shown:
            return ""
        shown.add(text)
        return f"{program}: warning: {text}\n"

    warnings.formatwarning = format_warning


def setup_script_output(program: str, *, quiet: bool = False, progress_bars: bool = True) -> None:
    """Log lines with time and source at INFO (WARNING when ``quiet``), plain warnings, optional progress bars.

    Args:
        program: the command name warnings start with.
        quiet: show warnings and errors only.
        progress_bars: keep the progress bars of ``transformers`` and ``datasets``.
    """
    logging.basicConfig(format=LOG_FORMAT, level=logging.WARNING if quiet else logging.INFO)
    plain_warnings(program)
    if not progress_bars:
        silence_progress_bars()


def quiet_library_bars() -> None:
    """Keeps the bars of the libraries underneath (transformers' "Loading weights" and "Writing model shards",
    huggingface_hub's uploads) out of a command's output; the command's own bars stay.

    Both libraries read ``HF_HUB_DISABLE_PROGRESS_BARS`` when imported; a user who sets it to 0 keeps them.
    """
    if os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1") != "1":
        return
    if "transformers" in sys.modules:  # imported already: its switch was read
        sys.modules["transformers"].utils.logging.disable_progress_bar()
    if "huggingface_hub" in sys.modules:
        sys.modules["huggingface_hub"].utils.disable_progress_bars()


def silence_progress_bars() -> None:
    """Turns off the progress bars of ``transformers`` (loading and writing weights) and ``datasets``."""
    import datasets
    import transformers

    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
