"""hf_sleep: published sleep-staging networks as Hugging Face models.

Every public name is imported when first used (see `hf_sleep/lazy_exports.py`), so `import hf_sleep` and the `hf-sleep`
command start without torch or transformers. Every architecture is registered with transformers' Auto classes by
`import hf_sleep` after transformers, or when one of these names is first used after transformers; otherwise call
[`register_auto_classes`] (hf_sleep's own loaders do).
"""

from __future__ import annotations

import sys
from typing import Any

from hf_sleep.lazy_exports import exported_names, lazy_exports
from hf_sleep.models import (
    deepsleepnet,
    dsb_cnn,
    dsb_cnn_attention,
    dsb_transformer,
    robustsleepnet,
    seqsleepnet,
    slumbernet,
    tinysleepnet,
)
from hf_sleep.registry import register_auto_classes

__version__ = "0.1.0"

# The architectures export what their own `__init__.py` tables list (importing those tables is cheap: they
# import nothing else).
_ARCHITECTURE_PACKAGES = (
    deepsleepnet, dsb_cnn, dsb_cnn_attention, dsb_transformer, robustsleepnet, seqsleepnet, slumbernet, tinysleepnet,
)  # fmt: skip
_LAZY: dict[str, tuple[str, ...]] = {
    **{package.__name__.removeprefix(__name__ + "."): tuple(package.__all__) for package in _ARCHITECTURE_PACKAGES},
    "models.dsb_base": ("DSBConfig", "DSBPretrainingOutput"),
    "models.sleep_base": (
        "AASM_STAGES",
        "SleepEncoderOutput",
        "SleepFeatureExtractor",
        "SleepStagingConfig",
        "SleepStagingOutput",
        "SleepStagingPreTrainedModel",
    ),
    "pretrained": ("load_pretrained",),
    "registry": ("ARCHITECTURES", "Architecture", "get_architecture"),
    "staging.many_nights": ("FailedRecording", "stage_recordings"),
    "staging.one_night": ("stage_recording",),
    "staging.result": ("StagingResult",),
    "staging.sleep_stats": ("sleep_statistics",),
}

_import_lazily, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = ["__version__", "register_auto_classes", *exported_names(_LAZY)]


# Registering imports transformers' Auto modules, and with them torch (longer than `import torch` itself,
# BENCHMARKS.md), so it waits until transformers is imported: `hf-sleep --help` stays light. It happens at
# `import hf_sleep` after transformers, or when a name of hf_sleep is first used after transformers.
def __getattr__(name: str) -> Any:
    value = _import_lazily(name)
    if "transformers" in sys.modules:
        register_auto_classes()
    return value


if "transformers" in sys.modules:
    register_auto_classes()
