"""Trained models shipped inside the package: physioex's SeqSleepNet, converted (see each folder's README.md).

    >>> import hf_sleep
    >>> model = hf_sleep.load_pretrained("seqsleepnet-physioex-eeg")  # or "hf-sleep/seqsleepnet-physioex-eeg"

Each `hf_sleep/pretrained/<name>/` folder is a `save_pretrained` folder (`model.safetensors`, `config.json`,
`preprocessor_config.json`, `README.md`, and the card's `training_info.json`), so `AutoModel.from_pretrained(pretrained_path(name))` also works;
`onnx/` holds its exported graph (`hf_sleep.staging.onnx_export`), which `hf-sleep stage --backend onnx` runs.
This module imports no torch: `hf-sleep --help` stays fast.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

BUNDLE_ROOT = Path(__file__).resolve().parent
NAMESPACE = "hf-sleep"
# Bundled name -> the physioex checkpoint it is converted from.
BUNDLED: dict[str, str] = {
    "seqsleepnet-physioex-eeg": "seqsleepnet-EEG-L=21-test_acc=0.864.ckpt",
    "seqsleepnet-physioex-eeg-eog-emg": "seqsleepnet-EEG-EOG-EMG-L=21-test_acc=0.877.ckpt",
}
# What `hf-sleep stage` uses without --model: one EEG channel.
DEFAULT_MODEL = "seqsleepnet-physioex-eeg"
ALIASES: dict[str, str] = {
    **{f"{NAMESPACE}/{name}": name for name in BUNDLED},
    "physioex-eeg": "seqsleepnet-physioex-eeg",
    "physioex-eeg-eog-emg": "seqsleepnet-physioex-eeg-eog-emg",
}
# Files of a bundled folder (the modeling code is the installed package's, not a copy).
BUNDLE_FILES: tuple[str, ...] = (
    "model.safetensors", "config.json", "preprocessor_config.json", "README.md", "training_info.json"
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


def build_bundle(checkpoint_dir: str | os.PathLike, out_root: str | os.PathLike = BUNDLE_ROOT) -> list[Path]:
    """Converts physioex's checkpoints in `checkpoint_dir` into the bundled folders under `out_root`.

    Writes only [`BUNDLE_FILES`]: the copied modeling code of a saved folder is left out (the package provides it)
    and `config.json` and `preprocessor_config.json` lose their `auto_map`. Returns the folders written.
    """
    import shutil
    import tempfile

    from hf_sleep.pretrained.convert_physioex import convert_physioex_checkpoint

    folders = []
    for name, checkpoint in BUNDLED.items():
        target = Path(out_root) / name
        with tempfile.TemporaryDirectory() as scratch:
            convert_physioex_checkpoint(Path(checkpoint_dir) / checkpoint, scratch, name=name)
            for json_name in ("config.json", "preprocessor_config.json"):  # no remote code in the bundle
                path = Path(scratch) / json_name
                content = json.loads(path.read_text())
                content.pop("auto_map", None)
                path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")
            target.mkdir(parents=True, exist_ok=True)
            for file_name in BUNDLE_FILES:
                shutil.copyfile(Path(scratch) / file_name, target / file_name)
        folders.append(target)
    return folders


__all__ = [
    "ALIASES",
    "BUNDLED",
    "BUNDLE_ONNX_FILES",
    "DEFAULT_MODEL",
    "bundled_name",
    "build_bundle",
    "load_pretrained",
    "pretrained_path",
    "resolve_bundled",
]
