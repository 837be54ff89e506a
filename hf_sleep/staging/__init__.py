"""The staging wing: a trained model scores whole recordings.

- `one_night.py`: `stage_recording`, in steps: check the request, load the model (`model_loading.py`), read the
  night (`reading.py`, `lights.py`), predict, score, write the four outputs (`outputs.py`);
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
    from hf_sleep.staging.inference import NightPrediction, predict_night, window_starts
    from hf_sleep.staging.lights import (
        lights_from_annotations,
        night_lights,
        recording_lights,
        seconds_from_start,
    )
    from hf_sleep.staging.many_nights import FailedRecording, expand_recordings, stage_recordings
    from hf_sleep.staging.model_loading import (
        load_feature_extractor,
        load_model,
        load_model_and_extractor,
        saved_feature_extractor,
    )
    from hf_sleep.staging.one_night import (
        UNSCORABLE,
        StagingResult,
        check_request,
        predict_scorable,
        score_night,
        stage_recording,
        torch_predictor,
        unscorable_epochs,
    )
    from hf_sleep.staging.outputs import (
        OUTPUT_SUFFIXES,
        STAGE_PREFIX,
        night_summary,
        output_paths,
        read_hypnogram_annotations,
        write_annotations_edf,
        write_hypnogram_csv,
        write_outputs,
    )
    from hf_sleep.staging.plotting import plot_hypnogram
    from hf_sleep.staging.reading import NightInput, read_checked, read_night, read_signals
    from hf_sleep.staging.sleep_stats import format_statistics, sleep_statistics

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "DEMO_CHANNELS",
    "OUTPUT_SUFFIXES",
    "STAGE_PREFIX",
    "UNSCORABLE",
    "FailedRecording",
    "NightInput",
    "NightPrediction",
    "StagingResult",
    "check_request",
    "demo_hypnogram",
    "expand_recordings",
    "format_statistics",
    "lights_from_annotations",
    "load_feature_extractor",
    "load_model",
    "load_model_and_extractor",
    "make_demo_night",
    "night_lights",
    "night_summary",
    "output_paths",
    "plot_hypnogram",
    "predict_night",
    "predict_scorable",
    "read_checked",
    "read_hypnogram_annotations",
    "read_night",
    "read_signals",
    "recording_lights",
    "saved_feature_extractor",
    "score_night",
    "seconds_from_start",
    "sleep_statistics",
    "stage_recording",
    "stage_recordings",
    "torch_predictor",
    "unscorable_epochs",
    "window_starts",
    "write_annotations_edf",
    "write_hypnogram_csv",
    "write_outputs",
]
