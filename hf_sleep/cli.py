"""The `hf-sleep` command. Each sub-command lives in its own module with an `add_subparsers(subparsers)`.

Modules import their heavy dependencies inside the handlers, so `hf-sleep --help` and fast commands
start quickly. Every command spells a shared concept the same way ([`SHARED_FLAGS`], added with [`add_flag`]);
the training scripts accept the same names as aliases of their dataclass fields.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

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


# The explicit list of modules that contribute sub-commands.
COMMAND_MODULES: tuple[str, ...] = (
    "hf_sleep.staging.demo",
    "hf_sleep.data.cli",
    "hf_sleep.hub.cli",
    "hf_sleep.staging.cli",
    "hf_sleep.staging.export_cli",
    "hf_sleep.training.cli",
    "hf_sleep.training.pretraining",
    "hf_sleep.training.latent_cli",
    "hf_sleep.pretrained.cli",
)


def build_parser() -> argparse.ArgumentParser:
    from hf_sleep import __version__

    parser = argparse.ArgumentParser(prog="hf-sleep", description="Sleep-staging models on the Hugging Face stack.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_subparsers(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    from hf_sleep.console import plain_warnings, quiet_library_bars

    plain_warnings(f"hf-sleep {args.command}")
    quiet_library_bars()
    try:
        return int(args.handler(args) or 0)
    except (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError) as error:
        # Bad input is reported in one line that names the file or argument, not with a traceback.
        print(f"hf-sleep {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
