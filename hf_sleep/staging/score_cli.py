"""`hf-sleep score`: score predicted hypnograms against a reference scorer (agreement, confusion, sleep statistics).

Compare predicted hypnograms (PRED) with a reference scorer's (REF), epoch by epoch: accuracy, macro F1 and
Cohen's kappa per recording and pooled, with 95 % bootstrap intervals; F1 per stage; the confusion matrix; the
sleep statistics of both side by side with Bland-Altman limits of agreement. Hypnograms: the CSV of 'hf-sleep
stage', EDF+ annotations, NSRR XML, CSV/TSV tables (onset,duration,stage), one code per line, rodent score CSVs.

The scoring itself is in `scoring`; this module is the command.
"""

from __future__ import annotations

import argparse

from hf_sleep.console import add_command, add_flag


def _handle(args: argparse.Namespace) -> int:
    from hf_sleep.data.generic import parse_label_map
    from hf_sleep.staging.scoring import format_report, score, write_report

    for flag, value in (("--pred-label-seconds", args.pred_label_seconds), ("--ref-label-seconds", args.ref_label_seconds)):
        if value is not None and value <= 0:
            raise ValueError(f"{flag} must be positive seconds, got {value:g}")
    label_map = parse_label_map(args.label_map) if args.label_map else None
    report = score(
        args.pred, args.ref, epoch_seconds=args.epoch_seconds, pred_label_seconds=args.pred_label_seconds,
        ref_label_seconds=args.ref_label_seconds, label_map=label_map, n_resamples=args.bootstrap, seed=args.seed,
    )  # fmt: skip
    if args.output_dir is not None:  # written before printing: a refused folder leaves the screen to the error
        written = write_report(report, args.output_dir, overwrite=args.overwrite)
    print(format_report(report))
    if args.output_dir is not None:
        print(f"\nwritten: {', '.join(str(path) for path in written.values())}")
    return 0


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "score", __doc__)
    parser.add_argument(
        "pred", metavar="PRED",
        help="predicted hypnogram, or a folder of them (the output folder of 'hf-sleep stage')",
    )  # fmt: skip
    parser.add_argument(
        "ref", metavar="REF",
        help="reference hypnogram, or a folder of them; folders are matched by recording name (the file name "
        "without _hypnogram, -Hypnogram, _stages, -nsrr, ...)",
    )  # fmt: skip
    add_flag(parser, "--output-dir", default=None,
             help="write scores.csv, sleep_statistics.csv, statistics_agreement.csv, scores.json and "
             "confusion_matrix.png here")  # fmt: skip
    parser.add_argument("--epoch-seconds", type=float, default=30.0, help="the scoring epoch (default 30)")
    parser.add_argument(
        "--pred-label-seconds", type=float, metavar="SECONDS",
        help="length of one code of a one-code-per-line PRED file (default: --epoch-seconds); 5-, 10- or 20-s "
        "codes are put on the scoring epochs by majority of time, ties unscored",
    )  # fmt: skip
    parser.add_argument(
        "--ref-label-seconds", type=float, metavar="SECONDS", help="the same for REF (e.g. 20 for 20-s codes)"
    )
    parser.add_argument(
        "--label-map",
        help="stage texts added to the built-in vocabulary: 'text=STAGE,...' (STAGE: W, N1, N2, N3, REM or ignore) "
        "or a JSON/YAML file; e.g. '4=REM' for files coding REM as 4 (YASA)",
    )
    parser.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N",
        help="bootstrap resamples of the 95 %% intervals (default 1000; 0: none)",
    )  # fmt: skip
    add_flag(parser, "--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    add_flag(parser, "--overwrite", action="store_true", help="replace an earlier report in --output-dir")
    parser.set_defaults(handler=_handle)
