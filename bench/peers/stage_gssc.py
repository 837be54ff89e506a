"""Whole-night staging of one EDF recording with GSSC (Greger Sleep Stage Classifier) on CPU.

GSSC ships its networks as whole pickled PyTorch modules (`gssc/nets/*.pt`); torch >= 2.6 refuses to
unpickle those by default, so they are loaded here with `weights_only=False` (a trusted wheel) and
handed to `EEGInfer`. `mne_infer` band-passes 0.3-30 Hz, resamples to its epoch length and runs every
channel permutation. Prints `{"read_seconds", "load_seconds", "model_seconds": [...], "n_epochs", "stages"}`.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import time

from _peer_common import emit, quiet, set_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("recording")
    parser.add_argument("--eeg", default="EEG Fpz-Cz")
    parser.add_argument("--eog", default=None)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    quiet()
    set_threads()
    from importlib.resources import files

    import mne
    import torch
    from gssc.infer import EEGInfer

    start = time.perf_counter()
    nets = files("gssc.nets")
    net = torch.load(nets.joinpath("sig_net_v1.pt"), weights_only=False, map_location="cpu")
    con_net = torch.load(nets.joinpath("gru_net_v1.pt"), weights_only=False, map_location="cpu")
    with contextlib.redirect_stdout(io.StringIO()):
        inferer = EEGInfer(net=net, con_net=con_net, use_cuda=False)
    load_seconds = time.perf_counter() - start

    start = time.perf_counter()
    picks = [args.eeg] + ([args.eog] if args.eog else [])
    raw = mne.io.read_raw_edf(args.recording, include=picks, preload=True)
    if args.eog:
        raw.set_channel_types({args.eog: "eog"})
    read_seconds = time.perf_counter() - start
    times, stages = [], None
    for _ in range(args.repeats):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # GSSC prints per permutation
            stages, _ = inferer.mne_infer(raw.copy(), eeg=[args.eeg], eog=[args.eog] if args.eog else [])
        times.append(time.perf_counter() - start)
    emit(
        {
            "read_seconds": read_seconds,
            "load_seconds": load_seconds,
            "model_seconds": times,
            "n_epochs": len(stages),
            "stages": dict(collections.Counter(map(str, stages.tolist()))),
            "parameters": sum(p.numel() for p in net.parameters()) + sum(p.numel() for p in con_net.parameters()),
        }
    )


if __name__ == "__main__":
    main()
