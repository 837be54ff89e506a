"""Loading what stages a night: the model (an instance, a bundled name, a folder or a Hub id) and its
`SleepFeatureExtractor` (the signal contract saved beside the weights, else derived from the config).

Every failure is one line naming the folder or the file in it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def saved_feature_extractor(source: Any):
    """The `SleepFeatureExtractor` saved in a model folder or Hub repo (`preprocessor_config.json`), else `None`.

    A file that is there but broken (a wrong key, type or value) is a `ValueError` naming the file and the key:
    staging without the saved band-pass would silently change the stages.
    """
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    if not source:
        return None
    try:
        return SleepFeatureExtractor.from_pretrained(str(Path(str(source)).expanduser()))
    except OSError:  # no preprocessor_config.json (transformers says so with an OSError)
        return None


def load_feature_extractor(source: Any, config: Any):
    """The model's `SleepFeatureExtractor`: its `preprocessor_config.json`, else one derived from its config.

    Args:
        source: the model folder or Hub id (or `None` for a model given as an instance).
        config: the model's config, for models saved without a feature extractor.
    """
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    extractor = saved_feature_extractor(source)
    if extractor is None:
        return SleepFeatureExtractor.from_model_config(config)
    extractor.check_model(config, source)
    return extractor


def load_model(model: Any, device: str | None = None, *, progress: bool = True):
    """An hf_sleep model from an instance, a bundled name, a local folder or a Hub id (`AutoModel.from_pretrained`).

    Args:
        model: a model, a bundled name (`None`: the default stager, `hf_sleep.pretrained.DEFAULT_MODEL`), a
            folder written by `save_pretrained`, or a Hub repository id.
        device: where to put it; defaults to the GPU when there is one.
        progress: show transformers' weight-loading bar.

    Raises:
        FileNotFoundError: a local folder that does not exist.
        ValueError: one line naming the folder (or the file in it) when it cannot be loaded: missing or
            corrupt `config.json`, an incomplete or corrupt `model.safetensors`, a config of another
            architecture, a repository that does not exist.
    """
    from hf_sleep.staging.onnx_runtime import OnnxStagingModel

    if isinstance(model, OnnxStagingModel):  # runs with onnxruntime: nothing to load or move
        return model
    import torch

    from hf_sleep.pretrained import resolve_bundled

    model = resolve_bundled(model)
    if isinstance(model, (str, os.PathLike)):
        from transformers import AutoModel

        from hf_sleep.registry import register_auto_classes

        register_auto_classes()  # every architecture loads without remote code

        location = str(model)
        # "user/repo" is a Hub id; "./x", "/x", "~/x" or "a/b/c" can only be a folder.
        looks_local = location.startswith((".", "/", "~")) or location.count("/") > 1
        if looks_local and not Path(location).expanduser().exists():
            raise FileNotFoundError(f"model folder {location} does not exist")
        if Path(location).expanduser().exists():
            location = str(Path(location).expanduser())
        model = _from_pretrained(AutoModel, location, progress)
    # By name: every configuration file holds its own copy of the base (self-contained for trust_remote_code).
    if "SleepStagingConfig" not in {klass.__name__ for klass in type(getattr(model, "config", None)).__mro__}:
        raise ValueError(f"{type(model).__name__} is not an hf_sleep sleep-staging model")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    return model.to(device).eval()


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _from_pretrained(auto_class: Any, location: str, progress: bool = True):
    """`auto_class.from_pretrained(location)` with every failure as one line naming the folder or file."""
    from transformers.utils import logging as transformers_logging

    folder = Path(location)
    if folder.is_dir() and not (folder / "config.json").is_file():
        raise ValueError(f"model folder {folder} has no config.json: expected a folder written by save_pretrained")
    for name in ("config.json", "preprocessor_config.json"):
        if (folder / name).is_file():
            try:
                content = json.loads((folder / name).read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as error:
                raise ValueError(f"{folder / name} is not valid JSON ({_one_line(error)})") from None
            if not isinstance(content, dict):
                raise ValueError(f"{folder / name} must hold a JSON object, not {type(content).__name__}")
    bars_were_on = transformers_logging.is_progress_bar_enabled()
    verbosity = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()  # its multi-line loading report: our own error says it in one line
    if not progress:
        transformers_logging.disable_progress_bar()
    try:
        model, loading = auto_class.from_pretrained(location, output_loading_info=True)
    except Exception as error:  # transformers, safetensors and the Hub raise many types for one bad folder
        if "safetensor" in type(error).__name__.lower() or "deserializ" in str(error).lower():
            weights = next(iter(sorted(folder.glob("*.safetensors"))), folder / "model.safetensors")
            raise ValueError(f"{weights} is incomplete or corrupt ({_one_line(error)})") from None
        if "ignore_mismatched_sizes" in str(error):
            raise ValueError(
                f"the weights of {location} do not fit its config.json (tensor sizes differ): a config of another "
                "size or architecture?"
            ) from None
        raise ValueError(f"could not load a model from {location!r}: {_one_line(error)}") from None
    finally:
        transformers_logging.set_verbosity(verbosity)
        if bars_were_on and not progress:
            transformers_logging.enable_progress_bar()
    missing, unexpected = list(loading.get("missing_keys", ())), list(loading.get("unexpected_keys", ()))
    if missing or unexpected:  # transformers would stage with randomly initialised layers
        raise ValueError(
            f"the weights of {location} do not fit its config.json ({len(missing)} missing, {len(unexpected)} "
            f"unexpected, e.g. {(missing or unexpected)[0]!r}): a config of another architecture?"
        )
    return model


def model_name(model: Any) -> str:
    """The name a staged night credits: the repository the model came from, a bundled model by its Hub id, a
    local folder by its name (never a path of this machine, which a Space would show to its visitors), else its
    type."""
    from hf_sleep.pretrained import BUNDLE_ROOT, NAMESPACE, bundled_name

    name = str(getattr(model.config, "_name_or_path", "") or "")
    if not name:
        return model.config.model_type
    path = Path(name).expanduser()
    if not (path.is_absolute() or path.exists()):
        return name  # a Hub repository id
    if path.resolve().parent == BUNDLE_ROOT and bundled_name(path.name):
        return f"{NAMESPACE}/{path.name}"
    return path.resolve().name


def model_source(model: Any) -> Any:
    """Where a model's `preprocessor_config.json` is looked for: the folder or Hub id given, else the one an
    instance was loaded from (`""` for a model built in memory)."""
    if isinstance(model, (str, os.PathLike)):
        return model
    return getattr(getattr(model, "config", None), "_name_or_path", "")


def load_model_and_extractor(
    model: Any,
    device: str | None = None,
    *,
    progress: bool = False,
    backend: str = "auto",
    feature_extractor: Any = None,
) -> tuple[Any, Any]:
    """[`load_model`] and [`load_feature_extractor`] for `model` (`None`: the bundled default stager).

    With the ONNX `backend` (`hf_sleep.staging.onnx_runtime.staging_model`), the model is an `OnnxStagingModel`
    and the extractor its numpy `SignalContract`: neither torch nor transformers is imported. A `feature_extractor`
    given is used instead of the model's own, once checked against the model (a mismatch names the argument).
    """
    from hf_sleep.pretrained import resolve_bundled
    from hf_sleep.staging.onnx_runtime import OnnxStagingModel, staging_model

    model = staging_model(resolve_bundled(model), backend)
    source = model_source(model)
    model = load_model(model, device, progress=progress)  # an exported graph comes back as it is
    if feature_extractor is not None:
        feature_extractor.check_model(model.config, "feature_extractor")
        return model, feature_extractor
    if isinstance(model, OnnxStagingModel):
        return model, model.signal_contract
    return model, load_feature_extractor(source, model.config)
