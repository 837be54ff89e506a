"""The hub wing: publishing models with generated cards (`push_model`, `hf-sleep push`) and the cards themselves.

- `publish.py`: `push_model`, the one way a model reaches the Hub, and its errors;
- `model_card.py`: the card data, the callback that fills it during training, the template renderer;
- `cli.py`: `hf-sleep push`.

Names are imported on first use (see `hf_sleep/lazy_exports.py`): `huggingface_hub` loads only when publishing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hf_sleep.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from hf_sleep.hub.model_card import (
        SleepCardCallback,
        SleepModelCardData,
        model_card_for,
        render_model_card,
    )
    from hf_sleep.hub.publish import (
        MANAGED_SUFFIXES,
        TRAINING_INFO_KEYS,
        HubAuthenticationError,
        HubPublishError,
        HubUploadError,
        PushResult,
        RepositoryConflictError,
        build_card,
        push_from_model_method,
        push_model,
    )

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "MANAGED_SUFFIXES",
    "TRAINING_INFO_KEYS",
    "HubAuthenticationError",
    "HubPublishError",
    "HubUploadError",
    "PushResult",
    "RepositoryConflictError",
    "SleepCardCallback",
    "SleepModelCardData",
    "build_card",
    "model_card_for",
    "push_from_model_method",
    "push_model",
    "render_model_card",
]
