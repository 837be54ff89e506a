"""``hf-sleep convert | generate | download`` sub-commands (the top-level CLI calls ``add_subparsers``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from hf_sleep.console import add_flag

if TYPE_CHECKING:
    from .options import ConversionOptions

__all__ = ["add_subparsers", "run_combine", "run_convert", "run_download", "run_generate"]


def _common_convert(p: argparse.ArgumentParser, many: bool = False) -> None:
    """The flags every converter takes: the input, the output, and those of `ConversionOptions`."""
    if many:
        p.add_argument("input", type=Path, nargs="+", help="folder with the recordings, or the recording files")
    else:
        p.add_argument("input", type=Path, help="folder with the recordings")
    add_flag(
        p, "--output-dir", "--out", dest="out", type=Path, required=True,
        help="output folder (save_to_disk layout, written atomically)",
    )  # fmt: skip
    p.add_argument("--channels", nargs="+", help="channels to keep, in order")
    p.add_argument("--num-proc", type=int, default=1, help="recordings converted in parallel")
    p.add_argument("--sfreq", type=float, help="output sampling rate in Hz")
    p.add_argument("--keep-unknown", action="store_true", help="keep unscored epochs with label -100")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --output-dir")
    p.add_argument("--card", action="store_true", help="also write a dataset card (README.md) into --output-dir")
    p.add_argument("--shard-index", type=int, default=0, help="this machine's shard (with --num-shards)")
    p.add_argument("--num-shards", type=int, default=1, help="split the recordings over machines")
    p.add_argument("--l-freq", type=float, help="band-pass high-pass edge (Hz)")
    p.add_argument("--h-freq", type=float, help="band-pass low-pass edge (Hz)")


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``convert``, ``generate``, ``download``, ``combine`` and ``push-dataset`` to a top-level ``hf-sleep`` parser.

    Args:
        subparsers: the object returned by ``parser.add_subparsers()``.
    """
    from .publish import add_push_subparser

    _add_convert(subparsers)
    _add_generate(subparsers)
    _add_download(subparsers)
    _add_combine(subparsers)
    add_push_subparser(subparsers)


def _add_convert(subparsers: argparse._SubParsersAction) -> None:
    convert = subparsers.add_parser("convert", help="convert recordings into a Hugging Face dataset")
    kinds = convert.add_subparsers(dest="kind", required=True)
    sedf = kinds.add_parser("sleep-edf", help="Sleep-EDF Expanded (SC and ST)")
    _common_convert(sedf)
    sedf.add_argument("--subset", choices=["sleep-edf-20", "sleep-edf-78"], help="named benchmark subset")
    sedf.add_argument(
        "--trim-wake-minutes", type=float, default=30.0, help="wake kept around sleep (-1: no trimming)"
    )
    sedf.add_argument(
        "--rescale", type=float, default=1.0, help="multiply the voltage signals (for files with a wrong unit)"
    )
    mass = kinds.add_parser("mass", help="MASS SS1-SS5")
    _common_convert(mass)
    mass.add_argument(
        "--window-seconds", type=float, default=30.0, help="window centred on each scored epoch"
    )
    rodent = kinds.add_parser("rodent", help="rodent EEG/EMG with Wake/NREM/REM scores")
    _common_convert(rodent)
    rodent.add_argument("--scorer", help="scorer initials when an animal has several score files")
    rodent.add_argument("--epoch-seconds", type=float, help="epoch length (default: from the score file)")
    rodent.add_argument("--slumbernet", action="store_true", help="apply SlumberNet's preprocessing (64 Hz)")
    nsrr = kinds.add_parser("nsrr", help="NSRR cohorts (SHHS, MESA, MrOS, CFS, CHAT): EDF + -nsrr.xml")
    _common_convert(nsrr)
    nsrr.add_argument("--cohort", help="cohort whose channel presets apply (default: from the file names)")
    edf = kinds.add_parser("edf", help="your own scored EDF files (EDF+ annotations, CSV/TSV, label lists, BIDS)")
    _common_convert(edf, many=True)
    edf.add_argument(
        "--hypnogram",
        help="hypnogram file next to each EDF, with {stem} (EDF name without .edf) or {base} (without a BIDS "
        "_eeg suffix), relative to the EDF's folder or absolute: '{stem}.csv', '{stem}-Hypnogram.edf', "
        "'{base}_events.tsv', '/data/scores/{stem}.csv'; default: embedded EDF+ annotations",
    )
    edf.add_argument(
        "--label-map",
        help="stage vocabulary (auto, aasm, rk, numeric, sleep-stage), or 'text=STAGE,...' entries (or a JSON/YAML "
        "file of them) that extend it: 'U=ignore' leaves U epochs unscored, 'rk,U=ignore' extends rk",
    )
    edf.add_argument("--epoch-seconds", type=float, help="scoring epoch length (default 30)")
    edf.add_argument("--label-seconds", type=float, help="duration of one label in one-label-per-line files")
    _add_rescore(edf)
    edf.add_argument("--subject-pattern", help="regular expression whose first group is the subject id")
    edf.add_argument("--name", default="scored-psg", help="dataset name for the info and card")
    edf.add_argument("--license", default="other", help="licence of the recordings, for the card")
    for name, title in (
        ("hmc", "HMC (PhysioNet): SNnnn.edf + SNnnn_sleepscoring.edf"),
        ("dcsm", "DCSM: <id>/psg.edf + <id>/hypnogram.ids"),
        ("isruc", "ISRUC-Sleep: <n>/<n>.rec + <n>/<n>_1.txt"),
        ("dreams", "DREAMS subjects/patients: subject<n>.edf + HypnogramAASM_subject<n>.txt"),
    ):
        cohort = kinds.add_parser(name, help=title)
        _common_convert(cohort)
        cohort.add_argument("--scorer", type=int, default=1, choices=[1, 2], help="ISRUC scorer")
        _add_rescore(cohort)
    convert.set_defaults(handler=run_convert)


def _add_rescore(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rescore", type=float, metavar="SECONDS",
        help="turn hypnograms scored in 5-, 10- or 20-s epochs into epochs of SECONDS (30): each gets the stage "
        "covering most of it, a tie stays unscored",
    )  # fmt: skip


def _add_generate(subparsers: argparse._SubParsersAction) -> None:
    generate = subparsers.add_parser("generate", help="write synthetic recordings in a real file layout")
    gkinds = generate.add_subparsers(dest="kind", required=True)
    gsedf = gkinds.add_parser("sleep-edf", help="Sleep-EDF PSG + hypnogram pairs")
    gsedf.add_argument("--hypnograms", type=Path, help="folder of real *-Hypnogram.edf files to follow")
    gsedf.add_argument("--study", choices=["SC", "ST"], default="SC")
    gmass = gkinds.add_parser("mass", help="MASS PSG + Base pairs")
    gmass.add_argument("--subset", type=int, default=3, choices=[1, 2, 3, 4, 5])
    gmass.add_argument("--reference", choices=["CLE", "LER"], default="CLE")
    gnsrr = gkinds.add_parser("nsrr", help="NSRR EDF + -nsrr.xml (edfs/ and annotations-events-nsrr/)")
    gnsrr.add_argument("--cohort", choices=["shhs", "mesa", "mros"], default="shhs")
    gnsrr.add_argument("--layout", choices=["nsrr", "flat"], default="nsrr")
    gedf = gkinds.add_parser("edf", help="EDF + hypnogram in a bring-your-own layout (csv, edf+, labels, bids, ...)")
    gedf.add_argument("--format", choices=["embedded", "edf+", "csv", "labels", "bids"], default="csv")
    gedf.add_argument("--vocabulary", choices=["aasm", "rk", "numeric", "sleep-stage"], default="aasm")
    gcoh = gkinds.add_parser("cohort", help="HMC, DCSM, ISRUC or DREAMS file layout")
    gcoh.add_argument("--cohort", choices=["hmc", "dcsm", "isruc", "dreams"], required=True)
    grod = gkinds.add_parser("rodent", help="rodent EDF + score file")
    grod.add_argument("--scores", type=Path, help="folder of real NNNscores_XX.txt files to follow")
    grod.add_argument("--epoch-seconds", type=float, default=10.0, help="epoch length (4 for SlumberNet)")
    for g in (gsedf, gmass, gnsrr, gedf, gcoh, grod):
        add_flag(g, "--output-dir", "--out", dest="out", type=Path, required=True, help="output folder")
        g.add_argument("--n-nights", type=int, default=2, help="number of synthetic recordings")
        g.add_argument("--hours", type=float, default=8.0, help="sleep period of a synthetic hypnogram")
        g.add_argument("--seed", type=int, default=0)
        g.add_argument("--num-proc", type=int, default=1)
    generate.set_defaults(handler=run_generate)


def _add_download(subparsers: argparse._SubParsersAction) -> None:
    download = subparsers.add_parser("download", help="download Sleep-EDF Expanded or HMC from PhysioNet")
    dkinds = download.add_subparsers(dest="kind", required=True)
    dsedf = dkinds.add_parser("sleep-edf", help="selected subjects, checksums verified, resumable")
    add_flag(dsedf, "--output-dir", "--out", dest="out", type=Path, required=True, help="download folder")
    dsedf.add_argument("--subjects", type=int, nargs="+", help="subject numbers (default: all)")
    dsedf.add_argument("--nights", type=int, nargs="+", default=[1, 2])
    dsedf.add_argument("--study", choices=["SC", "ST"], default="SC")
    dsedf.add_argument("--base-url", default=None, help="mirror of physionet.org/files/sleep-edfx/1.0.0/")
    dhmc = dkinds.add_parser("hmc", help="HMC sleep staging (PhysioNet): checksums verified, resumable")
    add_flag(dhmc, "--output-dir", "--out", dest="out", type=Path, required=True, help="download folder")
    dhmc.add_argument("--subjects", type=int, nargs="+", help="subject numbers, 1 = SN001 (default: all)")
    dhmc.add_argument("--base-url", default=None, help="mirror of physionet.org/files/hmc-sleep-staging/1.1/")
    download.set_defaults(handler=run_download)


def _add_combine(subparsers: argparse._SubParsersAction) -> None:
    combine = subparsers.add_parser(
        "combine", help="join datasets converted in shards (--shard-index/--num-shards) into one"
    )
    combine.add_argument("parts", type=Path, nargs="+", help="the shard folders written by hf-sleep convert")
    add_flag(combine, "--output-dir", "--out", dest="out", type=Path, required=True, help="output folder (written atomically)")
    combine.add_argument("--overwrite", action="store_true", help="replace an existing --output-dir")
    combine.add_argument("--card", action="store_true", help="also write a dataset card (README.md) into --output-dir")
    combine.set_defaults(handler=run_combine)


def conversion_options(args: argparse.Namespace) -> ConversionOptions:
    """The `ConversionOptions` of ``hf-sleep convert``'s flags (built once, for every kind)."""
    from .options import ConversionOptions

    trim = getattr(args, "trim_wake_minutes", None)
    return ConversionOptions(
        # rodent recordings keep their own rate unless --sfreq is given; the others are resampled to 100 Hz
        sfreq=args.sfreq or (None if args.kind == "rodent" else 100.0),
        l_freq=args.l_freq,
        h_freq=args.h_freq,
        trim_wake_minutes=None if trim is not None and trim < 0 else trim,
        keep_unknown=args.keep_unknown,
        num_proc=args.num_proc,
        output_dir=args.out,
        overwrite=args.overwrite,
        shard_index=args.shard_index,
        num_shards=args.num_shards,
    )


def run_convert(args: argparse.Namespace) -> int:
    """Handler of ``hf-sleep convert``.

    Args:
        args: parsed arguments.
    """
    options = conversion_options(args)
    channels = {"channels": tuple(args.channels)} if args.channels else {}
    if args.kind == "sleep-edf":
        from .sleep_edf import convert_sleep_edf

        ds = convert_sleep_edf(args.input, subset=args.subset, rescale=args.rescale, options=options, **channels)
    elif args.kind == "mass":
        from .mass import convert_mass

        ds = convert_mass(args.input, window_seconds=args.window_seconds, options=options, **channels)
    elif args.kind == "edf":
        from .generic import convert_edf

        inputs = args.input[0] if len(args.input) == 1 and args.input[0].is_dir() else args.input
        ds = convert_edf(
            inputs, hypnogram=args.hypnogram, label_map=args.label_map, epoch_seconds=args.epoch_seconds,
            label_seconds=args.label_seconds, rescore=args.rescore, subject_pattern=args.subject_pattern, dataset_name=args.name,
            license=args.license, options=options, **channels,
        )  # fmt: skip
    elif args.kind in ("hmc", "dcsm", "isruc", "dreams"):
        from .cohorts import convert_cohort

        ds = convert_cohort(
            args.kind, args.input, scorer=args.scorer, rescore=args.rescore, options=options, **channels
        )
    elif args.kind == "nsrr":
        from .nsrr import convert_nsrr

        ds = convert_nsrr(args.input, cohort=args.cohort, options=options, **channels)
    else:
        from .rodent import convert_rodent

        ds = convert_rodent(
            args.input, scorer=args.scorer, epoch_seconds=args.epoch_seconds,
            preprocessing="slumbernet" if args.slumbernet else None, options=options, **channels,
        )  # fmt: skip
    return _report_written(ds, args)


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
    elif args.kind == "nsrr":
        from .synthetic import write_nsrr_night

        results = [
            write_nsrr_night(
                args.out, cohort=args.cohort, subject=200001 + i, layout=args.layout, seed=args.seed + i,
                n_hours=args.hours,
            )  # fmt: skip
            for i in range(args.n_nights)
        ]
    elif args.kind == "edf":
        from .synthetic import write_scored_night

        results = [
            write_scored_night(
                args.out, name=f"sub-{i + 1:02d}_task-sleep_eeg" if args.format == "bids" else f"night{i + 1:02d}",
                hypnogram_format=args.format, vocabulary=args.vocabulary, seed=args.seed + i, n_hours=args.hours,
            )  # fmt: skip
            for i in range(args.n_nights)
        ]
    elif args.kind == "cohort":
        from .synthetic import write_cohort_night

        results = [
            write_cohort_night(args.cohort, args.out, subject=i + 1, seed=args.seed + i, n_hours=args.hours)
            for i in range(args.n_nights)
        ]
    else:
        results = synthetic.generate_rodent(
            args.out, scores=args.scores, n_recordings=args.n_nights, epoch_seconds=args.epoch_seconds,
            n_hours=args.hours, seed=args.seed,
        )  # fmt: skip
    print(f"wrote {len(results)} recordings to {args.out}")
    return 0


def run_combine(args: argparse.Namespace) -> int:
    """Handler of ``hf-sleep combine``.

    Args:
        args: parsed arguments.
    """
    from .conversion import combine_datasets, save_dataset

    missing = [str(p) for p in args.parts if not p.is_dir()]
    if missing:
        raise FileNotFoundError(f"no such dataset folder: {', '.join(missing)}")
    ds = save_dataset(combine_datasets(args.parts), args.out, overwrite=args.overwrite)
    return _report_written(ds, args, f" ({len(args.parts)} parts)")


def _report_written(ds, args: argparse.Namespace, detail: str = "") -> int:
    """With ``--card``, the dataset card beside the dataset; then one line saying what was written."""
    if args.card:
        from .card import write_dataset_card

        write_dataset_card(ds, args.out)
    print(f"wrote {len(ds)} epochs from {len(set(ds['recording']))} recordings{detail} to {args.out}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    """Handler of ``hf-sleep download``.

    Args:
        args: parsed arguments.
    """
    import sys

    from .download import PHYSIONET_SLEEP_EDF, DownloadError, download_sleep_edf

    try:
        if args.kind == "hmc":
            from .cohorts import PHYSIONET_HMC, download_hmc

            files = download_hmc(args.out, subjects=args.subjects, base_url=args.base_url or PHYSIONET_HMC)
        else:
            files = download_sleep_edf(
                args.out, subjects=args.subjects, nights=args.nights, study=args.study,
                base_url=args.base_url or PHYSIONET_SLEEP_EDF,
            )  # fmt: skip
    except DownloadError as error:  # the network, not the user's input: one line, exit status 1
        print(f"hf-sleep download: error: {error}", file=sys.stderr)
        return 1
    print(f"{len(files)} files verified in {args.out}")
    return 0
