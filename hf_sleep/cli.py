"""The `hf-sleep` command. Each sub-command lives in its own module with an `add_subparsers(subparsers)`.

Modules import their heavy dependencies inside the handlers, so `hf-sleep --help` and fast commands
start quickly.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# The explicit list of modules that contribute sub-commands.
COMMAND_MODULES: tuple[str, ...] = (
    "hf_sleep.staging.demo",
    "hf_sleep.data.cli",
    "hf_sleep.hub.cli",
    "hf_sleep.staging.cli",
    "hf_sleep.training.cli",
    "hf_sleep.training.pretraining",
    "hf_sleep.training.latent_cli",
    "hf_sleep.pretrained.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hf-sleep", description="Sleep-staging models on the Hugging Face stack.")
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
    from hf_sleep.console import plain_warnings

    plain_warnings(f"hf-sleep {args.command}")
    try:
        return int(args.handler(args) or 0)
    except (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError) as error:
        # Bad input is reported in one line that names the file or argument, not with a traceback.
        print(f"hf-sleep {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
