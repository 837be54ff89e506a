"""`hf-sleep stage`: stage a whole recording (EDF/BDF/FIF/BrainVision) and write its hypnogram.

Stage every 30-s epoch of a recording with a sleep-staging model and write <name>_hypnogram.csv (stage and
probabilities per epoch), <name>_hypnogram.edf (EDF+ annotations), <name>_hypnogram.png and
<name>_sleep_stats.json.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from hf_sleep.console import add_command, add_flag


def _build_model(args: argparse.Namespace):
    """The model to stage with: `--model`, a randomly initialised `--architecture`, or `None` (the bundled default)."""
    if not args.architecture:
        return args.model
    import torch

    from hf_sleep import get_architecture

    torch.manual_seed(args.seed)
    return get_architecture(args.architecture).build(**({"n_chans": len(args.channels)} if args.channels else {}))


# What a randomly initialised --architecture reads without --channels (it has no signal contract of its own).
DEMO_CHANNELS = ["EEG Fpz-Cz"]


def _handle(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    from hf_sleep.staging.many_nights import FailedRecording, stage_recordings

    if args.architecture:
        from hf_sleep import get_architecture

        get_architecture(args.architecture)  # a misspelt name is an error before anything is printed
    # Without --model (or with channel sets) the consensus stages, through torch or the members' ONNX graphs.
    consensus = not args.architecture and (not args.model or bool(args.channel_sets))
    if args.architecture and args.backend == "onnx":
        raise ValueError("--backend onnx stages a bundled model or an exported folder (--model), not --architecture")
    if args.architecture and not args.quiet:
        print(f"Using {args.architecture} with RANDOM weights (demo): its stages mean nothing.")
    elif consensus and not args.models and not args.quiet:
        print(
            "Staging with the consensus of the bundled RobustSleepNet models (Dreem's 7 published models, "
            "probabilities averaged over them and over the central EEG derivations; research use only)"
        )
    single = len(args.recording) == 1 and not Path(args.recording[0]).is_dir()
    failures, printed = [], set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        if consensus:
            results = _stage_consensus(args)
        else:
            results = stage_recordings(
                args.recording,
                _build_model(args),
                channels=args.channels or (DEMO_CHANNELS if args.architecture else None),
                reference=args.reference[0] if args.reference and len(args.reference) == 1 else args.reference,
                output_dir=args.output_dir,
                rescale=args.rescale,
                device=args.device,
                batch_size=args.batch_size,
                stride=args.stride,
                progress=not args.quiet,
                overwrite=args.overwrite,
                lights_off=args.lights_off,
                lights_on=args.lights_on,
                random_weights=bool(args.architecture),
                time_axis=args.time_axis,
                nap=True if args.nap else None,
                backend=args.backend,
                plot=not args.no_plot,
            )
        for result in results:
            if isinstance(result, FailedRecording):
                if single:  # one file: its error is the command's (worded by the CLI, exit code 2)
                    raise result.error
                failures.append(result)
                continue
            # Problems of the input are printed once, as one line each, also with --quiet.
            prefix = "" if single else f"{result.recording.name}: "
            for message in dict.fromkeys(result.warnings):
                printed.add(message)
                print(f"hf-sleep stage: warning: {prefix}{message}", file=sys.stderr)
            for note in result.notes:
                print(f"hf-sleep stage: note: {prefix}{note}", file=sys.stderr)
            if not args.quiet:
                _print_result(result, start)
    for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, UserWarning)):
        if message not in printed:
            print(f"hf-sleep stage: warning: {message}", file=sys.stderr)
    return 0 if single else _report_many(args, failures, time.perf_counter() - start)


def _stage_consensus(args: argparse.Namespace):
    """Each recording staged by every model on every channel set (see `hf_sleep.staging.consensus`)."""
    from hf_sleep.staging.consensus import stage_consensus
    from hf_sleep.staging.many_nights import FailedRecording, expand_recordings

    if args.reference:
        raise ValueError("--reference takes one --model (the consensus reads each central EEG as the file has it)")
    channel_sets = [entry.split(",") for entry in args.channel_sets or []]
    if args.channels:
        channel_sets.append(list(args.channels))
    loaded: dict = {}  # each model loaded once for all the recordings
    for recording in expand_recordings(args.recording):
        try:
            yield stage_consensus(
                recording,
                args.models or ([args.model] if args.model else None),
                channel_sets or None,
                args.output_dir,
                stride=args.stride,
                rescale=args.rescale,
                device=args.device,
                batch_size=args.batch_size,
                overwrite=args.overwrite,
                nap=True if args.nap else None,
                time_axis=args.time_axis,
                progress=False,
                plot=not args.no_plot,
                loaded=loaded,
                lights_off=args.lights_off,
                lights_on=args.lights_on,
                backend=args.backend,
            )
        except (OSError, ValueError) as error:
            yield FailedRecording(Path(recording), error)


def _print_result(result, start: float) -> None:
    from hf_sleep.staging.sleep_stats import format_statistics

    hours = result.n_epochs * result.epoch_seconds / 3600
    print(f"{result.recording.name}: {result.n_epochs} epochs ({hours:.2f} h) from {', '.join(result.channels)}")
    if result.unscorable is not None and result.unscorable.any():
        print(f"  {int(result.unscorable.sum())} epochs unscorable (NaN or infinite samples): stage '?'")
    if result.dropped_seconds:
        print(f"  last {result.dropped_seconds:g} s (shorter than one epoch) left unscored")
    if result.lights_off is not None or result.lights_on is not None:
        import datetime

        span = [result.lights_off or 0.0, hours * 3600 if result.lights_on is None else result.lights_on]
        if result.meas_date is not None:
            first, last = (f"{result.meas_date + datetime.timedelta(seconds=s):%H:%M}" for s in span)
        else:
            first, last = (f"{s / 3600:.2f} h" for s in span)
        print(f"  statistics over time in bed: lights off {first} to lights on {last}")
    print(format_statistics(result.statistics))
    for kind, path in result.files.items():
        print(f"  {kind:<12}{path}")
    timings = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
    print(f"  time: {timings}; total {time.perf_counter() - start:.2f} s")


def _report_many(args: argparse.Namespace, failures: list, seconds: float) -> int:
    """The summary of several recordings: nights per minute, then one error line per failed recording."""
    from hf_sleep.staging.many_nights import expand_recordings

    total = len(expand_recordings(args.recording))
    staged = total - len(failures)
    if not args.quiet:
        print(f"staged {staged} of {total} recording(s) in {seconds:.1f} s ({staged / seconds * 60:.1f} nights per minute)")
    for failure in failures:
        print(f"error: {failure.message}", file=sys.stderr)
    return 1 if failures else 0


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "stage", __doc__)
    parser.add_argument(
        "recording", nargs="+",
        help="recording(s) (.edf, .bdf, .fif, .vhdr) or folders of them: the model is loaded once, a broken file "
        "is reported at the end (exit code 1) and the others are staged",
    )  # fmt: skip
    _add_model_arguments(parser)
    _add_input_arguments(parser)
    add_flag(parser, "--output-dir", "--out-dir", default=".", help="where to write the outputs (default: here)")
    parser.add_argument(
        "--rescale", type=float, default=1.0, help="multiply the signal read (for files with a wrong unit)"
    )
    parser.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: the GPU when there is one)")
    parser.add_argument(
        "--backend", choices=("auto", "torch", "onnx"), default="auto",
        help="torch, or onnx: the model's exported graph (onnx/model.onnx, bundled with the bundled models) with "
        "onnxruntime, without torch or transformers (pip install 'hf_sleep[onnx]'). Default auto: onnx for a "
        "folder written by 'hf-sleep export onnx' (a graph, no torch weights), torch otherwise",
    )  # fmt: skip
    parser.add_argument("--no-plot", action="store_true", help="write no PNG (the other three outputs only)")
    parser.add_argument("--batch-size", type=int, default=64, help="windows per forward pass (default 64)")
    parser.add_argument(
        "--stride", type=int, default=None,
        help="epochs between overlapping windows, fused by summed log-probabilities (default: 1, or DeepSleepNet's "
        "single whole-night pass as its original scores nights; --stride 1 for every window)",
    )  # fmt: skip
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument(
        "--lights-off", metavar="HH:MM",
        help="lights-off clock time: time in bed (the statistics) starts here; marked on the plot "
        "(default: the file's 'Lights off' annotation, else the recording's start)",
    )  # fmt: skip
    parser.add_argument(
        "--lights-on", metavar="HH:MM",
        help="lights-on clock time: time in bed ends here (default: the annotation, else the recording's end)",
    )  # fmt: skip
    parser.add_argument(
        "--time-axis", choices=("clock", "hours"), default="clock",
        help="plot against the clock time from the recording's start (default) or hours from the start",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights of --architecture")
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bars, no summary (warnings are still printed)"
    )
    parser.set_defaults(handler=_handle)


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """What stages: one model, several (a consensus), or a randomly initialised architecture."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--model",
        help=(
            "a bundled model (hf-sleep/robustsleepnet-<held-out cohort>: Dreem's RobustSleepNet, any derivations; "
            "hf-sleep/seqsleepnet-physioex-eeg, -eeg-eog-emg: physioex's SeqSleepNet), a local folder saved "
            "with save_pretrained, or a Hub repository id. Default: the consensus of the 7 bundled RobustSleepNet "
            "models on each central EEG derivation"
        ),
    )
    source.add_argument(
        "--models", nargs="+",
        help="several models (as --model) staged together: their consensus, probabilities averaged",
    )  # fmt: skip
    source.add_argument(
        "--architecture", help="stage with a randomly initialised model of this architecture (a demo)"
    )


def _add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """What is read from each recording: the channels (or sets of them), the reference, and nap statistics."""
    parser.add_argument(
        "--channels",
        nargs="+",
        help=(
            "channels in the model's input order (default: the ch_names of its feature extractor; for the bundled models a central "
            "EEG, an EOG and a chin EMG picked by name). An exact channel name always wins; 'A - B' (spaces around "
            "the minus) derives A minus B, also for names with '-': 'FP1-A1 - C3-A1'"
        ),
    )
    parser.add_argument(
        "--channel-sets",
        nargs="+",
        metavar="CH[,CH...]",
        help="consensus over channel sets: each set (channels joined by commas, e.g. 'C4-M1' 'C3-M2' "
        "'C4-M1,E1-M2,Chin1-Chin2' for EEG+EOG+EMG) staged by every model, probabilities averaged "
        "(default: each central EEG derivation alone, at most 2)",
    )
    parser.add_argument(
        "--nap", action="store_true",
        help="report nap statistics (sleep-onset REM period) whatever the length (default: under 2 h in bed)",
    )  # fmt: skip
    parser.add_argument(
        "--reference",
        nargs="+",
        help="channel(s) to re-reference to (averaged), or 'average' for the EEG channels (by type, and by "
        "name where a file types EOG/EMG as EEG)",
    )
