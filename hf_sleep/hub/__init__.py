"""The hub wing: publishing models with generated cards (`push_model`, `hf-sleep push`) and the cards themselves.

- `publish.py`: `push_model`, the one way a model reaches the Hub, and its errors;
- `model_card.py`: the card data, the callback that fills it during training, the template renderer;
- `cli.py`: `hf-sleep push`.

Names are imported on first use (see `hf_sleep/lazy_exports.py`): `huggingface_hub` loads only when publishing.
"""

from __future__ import annotations

from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "model_card": ("SleepCardCallback", "SleepModelCardData", "model_card_for", "render_model_card"),
    "publish": (
        "MANAGED_SUFFIXES",
        "TRAINING_INFO_KEYS",
        "HubAuthenticationError",
        "HubPublishError",
        "HubUploadError",
        "PushResult",
        "RepositoryConflictError",
        "build_card",
        "push_from_model_method",
        "push_model",
    ),
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
