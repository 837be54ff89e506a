"""``hf-sleep convert | generate | download`` sub-commands (the top-level CLI calls ``add_subparsers``)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_subparsers", "run_convert", "run_download", "run_generate"]


def _common_convert(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", type=Path, help="folder with the recordings")
    p.add_argument(
        "--out", type=Path, required=True, help="output folder (save_to_disk layout, written atomically)"
    )
    p.add_argument("--channels", nargs="+", help="channels to keep, in order")
    p.add_argument("--num-proc", type=int, default=1, help="recordings converted in parallel")
    p.add_argument("--sfreq", type=float, help="output sampling rate in Hz")
    p.add_argument("--keep-unknown", action="store_true", help="keep unscored epochs with label -100")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.add_argument("--card", action="store_true", help="also write a dataset card (README.md) into --out")
    p.add_argument("--shard-index", type=int, default=0, help="this machine's shard (with --num-shards)")
    p.add_argument("--num-shards", type=int, default=1, help="split the recordings over machines")


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``convert``, ``generate`` and ``download`` to a top-level ``hf-sleep`` parser.

    Args:
        subparsers: the object returned by ``parser.add_subparsers()``.
    """
    convert = subparsers.add_parser("convert", help="convert recordings into a Hugging Face dataset")
    kinds = convert.add_subparsers(dest="kind", required=True)
    sedf = kinds.add_parser("sleep-edf", help="Sleep-EDF Expanded (SC and ST)")
    _common_convert(sedf)
    sedf.add_argument("--subset", choices=["sleep-edf-20", "sleep-edf-78"], help="named benchmark subset")
    sedf.add_argument(
        "--trim-wake-minutes", type=float, default=30.0, help="wake kept around sleep (-1: no trimming)"
    )
    sedf.add_argument("--l-freq", type=float, help="band-pass high-pass edge (Hz)")
    sedf.add_argument("--h-freq", type=float, help="band-pass low-pass edge (Hz)")
    sedf.add_argument(
        "--rescale", type=float, default=1.0, help="multiply the voltage signals (for files with a wrong unit)"
    )
    mass = kinds.add_parser("mass", help="MASS SS1-SS5")
    _common_convert(mass)
    mass.add_argument(
        "--window-seconds", type=float, default=30.0, help="window centred on each scored epoch"
    )
    mass.add_argument("--l-freq", type=float, help="band-pass high-pass edge (Hz)")
    mass.add_argument("--h-freq", type=float, help="band-pass low-pass edge (Hz)")
    rodent = kinds.add_parser("rodent", help="rodent EEG/EMG with Wake/NREM/REM scores")
    _common_convert(rodent)
    rodent.add_argument("--scorer", help="scorer initials when an animal has several score files")
    rodent.add_argument("--epoch-seconds", type=float, help="epoch length (default: from the score file)")
    rodent.add_argument("--slumbernet", action="store_true", help="apply SlumberNet's preprocessing (64 Hz)")
    convert.set_defaults(handler=run_convert)

    generate = subparsers.add_parser("generate", help="write synthetic recordings in a real file layout")
    gkinds = generate.add_subparsers(dest="kind", required=True)
    gsedf = gkinds.add_parser("sleep-edf", help="Sleep-EDF PSG + hypnogram pairs")
    gsedf.add_argument("--hypnograms", type=Path, help="folder of real *-Hypnogram.edf files to follow")
    gsedf.add_argument("--study", choices=["SC", "ST"], default="SC")
    gmass = gkinds.add_parser("mass", help="MASS PSG + Base pairs")
    gmass.add_argument("--subset", type=int, default=3, choices=[1, 2, 3, 4, 5])
    gmass.add_argument("--reference", choices=["CLE", "LER"], default="CLE")
    grod = gkinds.add_parser("rodent", help="rodent EDF + score file")
    grod.add_argument("--scores", type=Path, help="folder of real NNNscores_XX.txt files to follow")
    grod.add_argument("--epoch-seconds", type=float, default=10.0, help="epoch length (4 for SlumberNet)")
    for g in (gsedf, gmass, grod):
        g.add_argument("--out", type=Path, required=True, help="output folder")
        g.add_argument("--n-nights", type=int, default=2, help="number of synthetic recordings")
        g.add_argument("--hours", type=float, default=8.0, help="sleep period of a synthetic hypnogram")
        g.add_argument("--seed", type=int, default=0)
        g.add_argument("--num-proc", type=int, default=1)
    generate.set_defaults(handler=run_generate)

    download = subparsers.add_parser("download", help="download Sleep-EDF Expanded from PhysioNet")
    dkinds = download.add_subparsers(dest="kind", required=True)
    dsedf = dkinds.add_parser("sleep-edf", help="selected subjects, checksums verified, resumable")
    dsedf.add_argument("--out", type=Path, required=True)
    dsedf.add_argument("--subjects", type=int, nargs="+", help="subject numbers (default: all)")
    dsedf.add_argument("--nights", type=int, nargs="+", default=[1, 2])
    dsedf.add_argument("--study", choices=["SC", "ST"], default="SC")
    dsedf.add_argument("--base-url", default=None, help="mirror of physionet.org/files/sleep-edfx/1.0.0/")
    download.set_defaults(handler=run_download)


def run_convert(args: argparse.Namespace) -> int:
    """Handler of ``hf-sleep convert``.

    Args:
        args: parsed arguments.
    """
    common = dict(
        num_proc=args.num_proc,
        output_dir=args.out,
        overwrite=args.overwrite,
        keep_unknown=args.keep_unknown,
        shard_index=args.shard_index,
        num_shards=args.num_shards,
    )
    if args.channels:
        common["channels"] = tuple(args.channels)
    if args.kind == "sleep-edf":
        from .sleep_edf import convert_sleep_edf

        trim = (
            None
            if args.trim_wake_minutes is not None and args.trim_wake_minutes < 0
            else args.trim_wake_minutes
        )
        ds = convert_sleep_edf(
            args.input, subset=args.subset, sfreq=args.sfreq or 100.0, trim_wake_minutes=trim,
            l_freq=args.l_freq, h_freq=args.h_freq, rescale=args.rescale, **common,
        )  # fmt: skip
    elif args.kind == "mass":
        from .mass import convert_mass

        ds = convert_mass(
            args.input, sfreq=args.sfreq or 100.0, window_seconds=args.window_seconds,
            l_freq=args.l_freq, h_freq=args.h_freq, **common,
        )  # fmt: skip
    else:
        from .rodent import convert_rodent

        ds = convert_rodent(
            args.input, scorer=args.scorer, epoch_seconds=args.epoch_seconds, sfreq=args.sfreq,
            preprocessing="slumbernet" if args.slumbernet else None, **common,
        )  # fmt: skip
    if args.card:
        from .card import write_dataset_card

        write_dataset_card(ds, args.out)
    print(f"wrote {len(ds)} epochs from {len(set(ds['recording']))} recordings to {args.out}")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    """Handler of ``hf-sleep generate``.

    Args:
        args: parsed arguments.
    """
    from . import synthetic

    if args.kind == "sleep-edf":
        results = synthetic.generate_sleep_edf(
            args.out, hypnograms=args.hypnograms, n_nights=None if args.hypnograms else args.n_nights,
            study=args.study, seed=args.seed, num_proc=args.num_proc, progress=True, n_hours=args.hours,
        )  # fmt: skip
    elif args.kind == "mass":
        results = [
            synthetic.write_mass_night(
                args.out,
                subset=args.subset,
                subject=i + 1,
                seed=args.seed,
                reference=args.reference,
                n_hours=args.hours,
            )
            for i in range(args.n_nights)
        ]
    else:
        results = synthetic.generate_rodent(
            args.out, scores=args.scores, n_recordings=args.n_nights, epoch_seconds=args.epoch_seconds,
            n_hours=args.hours, seed=args.seed,
        )  # fmt: skip
    print(f"wrote {len(results)} recordings to {args.out}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    """Handler of ``hf-sleep download``.

    Args:
        args: parsed arguments.
    """
    import sys

    from .download import PHYSIONET_SLEEP_EDF, DownloadError, download_sleep_edf

    try:
        files = download_sleep_edf(
            args.out, subjects=args.subjects, nights=args.nights, study=args.study,
            base_url=args.base_url or PHYSIONET_SLEEP_EDF,
        )  # fmt: skip
    except DownloadError as error:  # the network, not the user's input: one line, exit status 1
        print(f"hf-sleep download: error: {error}", file=sys.stderr)
        return 1
    print(f"{len(files)} files verified in {args.out}")
    return 0
