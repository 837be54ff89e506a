"""The staging wing: a trained model scores whole recordings.

- `one_night.py`: `stage_recording` (read, pick channels, epoch, stage, write the four outputs) and its readers;
- `many_nights.py`: `stage_recordings`, the model loaded once and the next night read ahead;
- `inference.py`: `predict_night`, every epoch scored with every overlapping window (`night_windows.py`: the
  windows and their fusion, in numpy);
- `onnx_export.py`, `onnx_runtime.py`, `export_cli.py`: the night as one ONNX graph (`hf-sleep export onnx`),
  and staging with it through onnxruntime, without torch or transformers (`hf-sleep stage --backend onnx`);
- `sleep_stats.py`, `plotting.py`: the statistics and the hypnogram figure of a night;
- `demo_night.py`, `demo.py`: the synthetic demo night and `hf-sleep demo`;
- `cli.py`: `hf-sleep stage`.

Names are imported on first use (see `hf_sleep/lazy_exports.py`), so `hf-sleep stage --help` starts without torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hf_sleep.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from hf_sleep.staging.demo_night import DEMO_CHANNELS, demo_hypnogram, make_demo_night
    from hf_sleep.staging.inference import predict_night
    from hf_sleep.staging.many_nights import FailedRecording, expand_recordings, stage_recordings
    from hf_sleep.staging.night_windows import NightPrediction, window_starts
    from hf_sleep.staging.one_night import (
        OUTPUT_SUFFIXES,
        STAGE_PREFIX,
        UNSCORABLE,
        StagingResult,
        check_amplitudes,
        check_extractor_fits,
        epoch_signal,
        lights_from_annotations,
        load_feature_extractor,
        load_model,
        open_recording,
        output_paths,
        read_checked,
        read_hypnogram_annotations,
        read_night,
        read_signals,
        recording_lights,
        resolve_channels,
        saved_feature_extractor,
        seconds_from_start,
        stage_recording,
        write_annotations_edf,
        write_hypnogram_csv,
        write_outputs,
    )
    from hf_sleep.staging.plotting import plot_hypnogram
    from hf_sleep.staging.sleep_stats import format_statistics, sleep_statistics

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "DEMO_CHANNELS",
    "OUTPUT_SUFFIXES",
    "STAGE_PREFIX",
    "UNSCORABLE",
    "FailedRecording",
    "NightPrediction",
    "StagingResult",
    "check_amplitudes",
    "check_extractor_fits",
    "demo_hypnogram",
    "epoch_signal",
    "expand_recordings",
    "format_statistics",
    "lights_from_annotations",
    "load_feature_extractor",
    "load_model",
    "make_demo_night",
    "open_recording",
    "output_paths",
    "plot_hypnogram",
    "predict_night",
    "read_checked",
    "read_hypnogram_annotations",
    "read_night",
    "read_signals",
    "recording_lights",
    "resolve_channels",
    "saved_feature_extractor",
    "seconds_from_start",
    "sleep_statistics",
    "stage_recording",
    "stage_recordings",
    "window_starts",
    "write_annotations_edf",
    "write_hypnogram_csv",
    "write_outputs",
]
