"""The `hf-sleep` command. Each sub-command lives in its own module with an `add_subparsers(subparsers)`.

Modules import their heavy dependencies inside the handlers, so `hf-sleep --help` and fast commands
start quickly. Every command spells a shared concept the same way (`hf_sleep.console.SHARED_FLAGS`, added with
`add_flag`); the training commands accept the same names as aliases of their dataclass fields.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from hf_sleep import __version__
from hf_sleep.data import cli as data_cli
from hf_sleep.hub import cli as hub_cli
from hf_sleep.pretrained import cli as pretrained_cli
from hf_sleep.staging import cli as staging_cli
from hf_sleep.staging import demo, export_cli, score_cli
from hf_sleep.training import cli as training_cli
from hf_sleep.training import latent_cli, pretraining

# The modules that contribute sub-commands, each with an `add_subparsers(subparsers)`, in the order of `--help`.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    demo,
    data_cli,
    hub_cli,
    staging_cli,
    score_cli,
    export_cli,
    training_cli,
    pretraining,
    latent_cli,
    pretrained_cli,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hf-sleep", description="Sleep-staging models on the Hugging Face stack.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.add_subparsers(subparsers)
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
