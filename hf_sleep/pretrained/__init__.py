"""Trained models shipped inside the package: physioex's SeqSleepNet and Dreem's RobustSleepNet (its 7 distinct
leave-one-cohort-out models), converted (see each folder's README.md).

    >>> import hf_sleep
    >>> model = hf_sleep.load_pretrained("seqsleepnet-physioex-eeg")  # or "hf-sleep/seqsleepnet-physioex-eeg"

Each `hf_sleep/pretrained/<name>/` folder is a `save_pretrained` folder (`model.safetensors`, `config.json`,
`preprocessor_config.json`, `README.md`, the card's `training_info.json` and the source's `LICENSE`), so `AutoModel.from_pretrained(pretrained_path(name))` also works.
`onnx/` holds its exported graph (`hf_sleep.staging.onnx_export`), which `hf-sleep stage --backend onnx` runs.
This module imports no torch: `hf-sleep --help` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BUNDLE_ROOT = Path(__file__).resolve().parent
# The Hub organisation the bundled models are named under (their cards and `hf-sleep/<name>`).
NAMESPACE = "hf-sleep"
# Bundled name -> what it is converted from, under the team's folder of published weights (`../shared/pretrained`).
BUNDLED: dict[str, str] = {
    "seqsleepnet-physioex-eeg": "physioex/seqsleepnet-EEG-L=21-test_acc=0.864.ckpt",
    "seqsleepnet-physioex-eeg-eog-emg": "physioex/seqsleepnet-EEG-EOG-EMG-L=21-test_acc=0.877.ckpt",
    # RobustSleepNet, named by the cohort each model was trained without (`pretrained_model/description.csv`).
    "robustsleepnet-mass": "robustsleepnet/pretrained_model/415fe39c-0729-41b6-bf8a-a04570042f5c/best_model.gz",
    "robustsleepnet-dod-h": "robustsleepnet/pretrained_model/fdbd193a-0408-4fc8-9a6a-a18351459512/best_model.gz",
    "robustsleepnet-dod-o": "robustsleepnet/pretrained_model/a2eb4aed-90de-4968-8535-a424588c0dfa/best_model.gz",
    "robustsleepnet-mesa": "robustsleepnet/pretrained_model/e5844e92-6b9b-4033-8362-2f139c7bab0e/best_model.gz",
    "robustsleepnet-sleep-edf": "robustsleepnet/pretrained_model/0dfcee73-055a-4c4d-929c-8fdf630e14f1/best_model.gz",
    "robustsleepnet-shhs": "robustsleepnet/pretrained_model/8f1969fa-0f79-426e-aaa5-7ab3a076a215/best_model.gz",
    "robustsleepnet-mros": "robustsleepnet/pretrained_model/be685bd5-eaab-4c22-b2e6-c487ecc8773c/best_model.gz",
}
# The RobustSleepNet models (the CAP-held-out one has the Sleep-EDF-held-out one's weights: bundled once).
ROBUSTSLEEPNET_MODELS: tuple[str, ...] = tuple(name for name in BUNDLED if name.startswith("robustsleepnet-"))
# What `hf-sleep stage` uses without --model: one EEG channel.
DEFAULT_MODEL = "seqsleepnet-physioex-eeg"
ALIASES: dict[str, str] = {
    **{f"{NAMESPACE}/{name}": name for name in BUNDLED},
    "physioex-eeg": "seqsleepnet-physioex-eeg",
    "physioex-eeg-eog-emg": "seqsleepnet-physioex-eeg-eog-emg",
}
# Files of a bundled folder (the modeling code is the installed package's, not a copy).
BUNDLE_FILES: tuple[str, ...] = (
    "model.safetensors", "config.json", "preprocessor_config.json", "README.md", "training_info.json", "LICENSE"
)
# The exported graph beside them, for staging without torch (`hf-sleep stage --backend onnx`); written by
# `hf-sleep export onnx <name> hf_sleep/pretrained/<name> --overwrite` after the bundle is regenerated.
BUNDLE_ONNX_FILES: tuple[str, ...] = ("onnx/model.onnx", "onnx/staging.json")


def bundled_name(name: str | os.PathLike) -> str | None:
    """The bundled model a name or alias refers to (`"hf-sleep/seqsleepnet-physioex-eeg"`, ...), else `None`."""
    name = str(name)
    return name if name in BUNDLED else ALIASES.get(name)


def pretrained_path(name: str = DEFAULT_MODEL) -> Path:
    """The folder of a bundled model.

    Raises:
        ValueError: naming the bundled models when `name` is none of them.
    """
    resolved = bundled_name(name)
    if resolved is None:
        raise ValueError(
            f"{name!r} is not a bundled model; bundled: {', '.join(BUNDLED)} (also as {NAMESPACE}/<name>)"
        )
    return BUNDLE_ROOT / resolved


def resolve_bundled(model: Any) -> Any:
    """`model` with a bundled name (or `None`, the default stager) replaced by the bundled folder's path."""
    if model is None:
        return pretrained_path(DEFAULT_MODEL)
    if isinstance(model, str) and bundled_name(model):
        return pretrained_path(model)
    return model


def load_pretrained(name: str = DEFAULT_MODEL, **kwargs: Any):
    """A bundled trained model, loaded with `AutoModel.from_pretrained` (keyword arguments passed on), in eval mode."""
    from transformers import AutoModel

    from hf_sleep.registry import register_auto_classes

    register_auto_classes()
    return AutoModel.from_pretrained(pretrained_path(name), **kwargs).eval()


__all__ = [
    "ALIASES",
    "BUNDLED",
    "BUNDLE_ONNX_FILES",
    "DEFAULT_MODEL",
    "ROBUSTSLEEPNET_MODELS",
    "bundled_name",
    "load_pretrained",
    "pretrained_path",
    "resolve_bundled",
]
