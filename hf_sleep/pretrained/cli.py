"""`hf-sleep convert-physioex`: convert a physioex SeqSleepNet checkpoint (.ckpt) into a model folder.

Convert a physioex SeqSleepNet checkpoint (opened with torch.load(weights_only=True)) into a save_pretrained
folder: model.safetensors, config.json, preprocessor_config.json and a model card. With --bundle, CHECKPOINT is the
folder of published weights (holding physioex/ and robustsleepnet/) and every bundled model is regenerated
(RobustSleepNet's too).
"""

from __future__ import annotations

import argparse

from hf_sleep.console import add_command


def _handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.out_dir and args.output_dir and args.out_dir != args.output_dir:
        raise ValueError("give the folder to write once: OUT_DIR or --output-dir")
    args.out_dir = args.output_dir or args.out_dir
    if args.bundle:
        from hf_sleep.pretrained.bundle import build_bundle

        for folder in build_bundle(args.checkpoint, args.out_dir or Path(__file__).resolve().parent):
            print(f"wrote {folder}")
        return 0
    if not args.out_dir:
        raise ValueError("convert-physioex needs OUT_DIR or --output-dir (the folder to write) unless --bundle is given")
    from hf_sleep.pretrained.convert_physioex import convert_physioex_checkpoint

    convert_physioex_checkpoint(args.checkpoint, args.out_dir, name=args.name)
    print(f"wrote {args.out_dir} (model.safetensors, config.json, preprocessor_config.json, README.md)")
    return 0


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "convert-physioex", __doc__)
    parser.add_argument("checkpoint", help="the .ckpt file (with --bundle: the folder holding physioex/ and robustsleepnet/)")
    parser.add_argument("out_dir", nargs="?", help="the folder to write (with --bundle: default the package's)")
    parser.add_argument("--output-dir", help="the same as OUT_DIR")
    parser.add_argument("--name", help="the model's name in its card (default: the folder name)")
    parser.add_argument("--bundle", action="store_true", help="regenerate the bundled models")
    parser.set_defaults(handler=_handle)
