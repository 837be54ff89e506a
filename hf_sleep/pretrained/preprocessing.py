"""Input preparation the bundled physioex models ask for in `preprocessor_config.json`: a per-epoch band-pass.

physioex band-passes each 30-s epoch on its own (`scipy.signal.butter` + `filtfilt`, 0.3-40 Hz, order 5) before
the spectrogram. Staging applies it here to every model whose saved contract says
`"filter": {"method": "butter", "scope": "epoch", ...}` (until the shared SleepFeatureExtractor applies it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def saved_contract(model: Any) -> dict[str, Any] | None:
    """The `preprocessor_config.json` saved beside a model loaded from a folder, or `None`."""
    folder = str(getattr(model.config, "_name_or_path", "") or "")
    path = Path(folder) / "preprocessor_config.json"
    return json.loads(path.read_text()) if folder and path.is_file() else None


def epoch_bandpass(epochs: np.ndarray, sfreq: float, l_freq: float, h_freq: float, order: int) -> np.ndarray:
    """Zero-phase Butterworth band-pass of each epoch alone: `(n_epochs, n_chans, n_times)` float32."""
    from scipy.signal import butter, filtfilt

    nyquist = sfreq / 2
    b, a = butter(order, [l_freq / nyquist, h_freq / nyquist], btype="band")
    return filtfilt(b, a, epochs.astype(np.float64), axis=-1).astype(np.float32)


def apply_saved_epoch_filter(model: Any, epochs: np.ndarray) -> tuple[np.ndarray, str | None]:
    """`epochs` band-passed per epoch when the model's saved contract asks for it; also a note of what was done."""
    contract = saved_contract(model)
    design = (contract or {}).get("filter") or {}
    if design.get("scope") != "epoch" or design.get("method") != "butter" or not design.get("zero_phase", True):
        return epochs, None
    if contract.get("l_freq") is None or contract.get("h_freq") is None:
        return epochs, None
    filtered = epoch_bandpass(
        epochs, float(model.config.sfreq), contract["l_freq"], contract["h_freq"], int(design.get("order", 5))
    )
    return filtered, f"{contract['l_freq']:g}-{contract['h_freq']:g} Hz per-epoch Butterworth band-pass"


__all__ = ["apply_saved_epoch_filter", "epoch_bandpass", "saved_contract"]
