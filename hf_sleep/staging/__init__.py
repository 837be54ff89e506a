"""The staging wing: a trained model scores whole recordings.

- `one_night.py`: `stage_recording`, in steps: check the request, load the model (`model_loading.py`), read the
  night (`reading.py`, `lights.py`), predict, score, write the four outputs (`outputs.py`);
- `result.py`: `StagingResult`, what staging a night gives back;
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

from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "demo_night": ("DEMO_CHANNELS", "demo_hypnogram", "make_demo_night"),
    "inference": ("NightPrediction", "predict_night", "window_starts"),
    "lights": ("lights_from_annotations", "night_lights", "recording_lights", "seconds_from_start"),
    "many_nights": ("FailedRecording", "expand_recordings", "stage_recordings"),
    "model_loading": (
        "load_feature_extractor",
        "load_model",
        "load_model_and_extractor",
        "saved_feature_extractor",
    ),
    "one_night": (
        "check_request",
        "predict_scorable",
        "score_night",
        "stage_recording",
        "torch_predictor",
        "unscorable_epochs",
    ),
    "outputs": (
        "OUTPUT_SUFFIXES",
        "STAGE_PREFIX",
        "night_summary",
        "output_paths",
        "read_hypnogram_annotations",
        "write_annotations_edf",
        "write_hypnogram_csv",
        "write_outputs",
    ),
    "plotting": ("plot_hypnogram",),
    "reading": ("NightInput", "read_checked", "read_night", "read_signals"),
    "result": ("UNSCORABLE", "StagingResult"),
    "sleep_stats": ("format_statistics", "sleep_statistics"),
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
