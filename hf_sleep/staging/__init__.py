"""The staging wing: a trained model scores whole recordings.

- `one_night.py`: `stage_recording` (read, pick channels, epoch, stage, write the four outputs) and its readers;
- `many_nights.py`: `stage_recordings`, the model loaded once and the next night read ahead;
- `inference.py`: `predict_night`, every epoch scored with every overlapping window;
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
    "many_nights": ("FailedRecording", "expand_recordings", "stage_recordings"),
    "one_night": (
        "OUTPUT_SUFFIXES",
        "STAGE_PREFIX",
        "UNSCORABLE",
        "StagingResult",
        "check_amplitudes",
        "check_extractor_fits",
        "epoch_signal",
        "lights_from_annotations",
        "load_feature_extractor",
        "load_model",
        "open_recording",
        "output_paths",
        "read_checked",
        "read_hypnogram_annotations",
        "read_night",
        "read_signals",
        "recording_lights",
        "resolve_channels",
        "saved_feature_extractor",
        "seconds_from_start",
        "stage_recording",
        "write_annotations_edf",
        "write_hypnogram_csv",
        "write_outputs",
    ),
    "plotting": ("plot_hypnogram",),
    "sleep_stats": ("format_statistics", "sleep_statistics"),
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
