"""`pipeline("sleep-staging", model=...)`: a night in, a stage and the stage probabilities per 30-s epoch out.

    >>> from transformers import pipeline
    >>> import hf_sleep  # registers the task (published repositories also carry this file: trust_remote_code=True)
    >>> stager = pipeline("sleep-staging", model="hf-sleep/seqsleepnet-physioex-eeg")
    >>> night = stager("night.edf")
    >>> night["stages"][:3], night["probabilities"].shape
    (['W', 'W', 'W'], (960, 5))

The input goes through the model's feature extractor (its signal contract), and the whole night through
[`predict_night`] (overlapping windows fused), as `hf-sleep stage` does. Saving a model writes this module beside
its weights (`custom_pipelines` in `config.json`), so that a published repository stages nights with
`trust_remote_code=True` where hf_sleep is not installed; files are then read with MNE. The saved file,
`sleep_staging_pipeline.py`, is generated from `modular_sleep_staging_pipeline.py` with `predict_night` and the
channel picking copied in.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np
from transformers import Pipeline

from hf_sleep.models.sleep_base.configuration_sleep_base import SLEEP_STAGING_TASK
from hf_sleep.pretrained.channels import default_channels
from hf_sleep.staging.inference import predict_night


def _installed_night_reader():
    """hf_sleep's reader of a night (with its checks and one-line errors), or `None` where hf_sleep is absent."""
    try:  # in a `try` block: transformers' check of a saved folder's imports skips it, so the copy saved beside a
        # model loads where hf_sleep is absent
        from hf_sleep.staging.reading import read_night
    except ImportError:
        return None
    return read_night


class SleepStagingPipeline(Pipeline):
    """Stages a whole night given as a recording path (EDF, BDF, FIF, BrainVision), an MNE `Raw` or an array.

    Call arguments:
        sfreq (`float`): the array's sampling rate (arrays only).
        ch_names (`list[str]`): the names of the array's rows; channels are then picked from them as from a file.
        units (`str`): the array's unit, `"uV"` (default: the model's), `"mV"` or `"V"`.
        channels (`list[str]`): the recording's channels in model order; default: picked by name and kind.
        stride (`int`): epochs between the starts of the model's windows (default: the model's own choice).

    Returns:
        `dict` with `stages` (one label per epoch), `probabilities` (`(n_epochs, n_labels)`, rows sum to 1),
        `labels` (the label of each column) and `epoch_seconds`.
    """

    _load_tokenizer = False
    _load_image_processor = False
    _load_video_processor = False
    _load_processor = False
    _load_feature_extractor = True

    def _sanitize_parameters(self, sfreq=None, ch_names=None, units=None, channels=None, stride=None, **kwargs):
        if kwargs:
            raise TypeError(f"the sleep-staging pipeline takes no argument {', '.join(sorted(kwargs))}")
        preprocess = {"sfreq": sfreq, "ch_names": ch_names, "units": units, "channels": channels}
        return {key: value for key, value in preprocess.items() if value is not None}, {"stride": stride}, {}

    def preprocess(self, recording, sfreq=None, ch_names=None, units=None, channels=None):
        if self.feature_extractor is None:
            raise ValueError("the sleep-staging pipeline needs the model's feature extractor (preprocessor_config.json)")
        extractor = copy.deepcopy(self.feature_extractor)
        if isinstance(recording, (str, os.PathLike)):
            read_night = _installed_night_reader()
            if read_night is not None:
                return {"input_values": read_night(recording, extractor, channels).epochs}
            import mne

            recording = mne.io.read_raw(recording, preload=True, verbose="error")
        if hasattr(recording, "get_data"):  # an MNE Raw: its channels, in µV
            ch_names, sfreq, units = list(recording.ch_names), recording.info["sfreq"], "uV"
            recording = recording.get_data(units="uV")
        if channels:
            extractor.ch_names = list(channels)
        elif ch_names is not None:
            extractor.ch_names = default_channels(extractor.ch_names, list(ch_names))
        features = extractor(np.asarray(recording), sfreq=sfreq, ch_names=ch_names, units=units)
        return {"input_values": features["input_values"]}

    def _forward(self, model_inputs, stride=None):
        return predict_night(self.model, model_inputs["input_values"], stride=stride, device=self.device)

    def postprocess(self, prediction):
        return {
            "stages": prediction.stage_labels,
            "probabilities": prediction.probabilities,
            "labels": list(prediction.stage_names),
            "epoch_seconds": float(self.model.config.epoch_seconds),
        }

    def save_pretrained(self, save_directory: str | os.PathLike, **kwargs: Any) -> None:
        """The model and its feature extractor; the model's config writes this module and `custom_pipelines`."""
        self.model.save_pretrained(save_directory, **kwargs)
        self.feature_extractor.save_pretrained(save_directory, **kwargs)


def register_pipeline() -> None:
    """Registers the `sleep-staging` task with transformers' `PIPELINE_REGISTRY` (idempotent)."""
    from transformers import AutoModel
    from transformers.pipelines import PIPELINE_REGISTRY

    if PIPELINE_REGISTRY.supported_tasks.get(SLEEP_STAGING_TASK, {}).get("impl") is not SleepStagingPipeline:
        PIPELINE_REGISTRY.register_pipeline(SLEEP_STAGING_TASK, pipeline_class=SleepStagingPipeline, pt_model=AutoModel)
