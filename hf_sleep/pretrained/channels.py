"""Which recording channels feed a model whose inputs are named by kind (`EEG`, `EOG`, `EMG`), as the bundled ones.

A recording names its channels in many ways (`EEG C4-A1`, `C4-M1`, `C4`, `EEG Fpz-Cz`, `EOG(L)`, `EMG chin`);
the bundled models were trained on one central (or Fpz-Cz) EEG derivation, an EOG and a chin EMG, so staging
picks the first fitting channel of each kind by name when the user gives no `--channels`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

CHANNEL_KINDS: tuple[str, ...] = ("EEG", "EOG", "EMG")
# EEG electrodes in order of preference: central first, then the frontal-central derivation of Sleep-EDF.
EEG_PREFERENCE: tuple[str, ...] = ("C4", "C3", "CZ", "FPZ-CZ", "FPZ")
EOG_ELECTRODES: tuple[str, ...] = ("E1", "E2", "LOC", "ROC")
EMG_WORDS: tuple[str, ...] = ("CHIN", "SUBMENTAL")


def _electrodes(name: str) -> tuple[str, str]:
    """`("C4", "C4-A1")` for `"EEG C4-A1"`: the first electrode and the whole derivation, upper case, no type prefix."""
    text = re.sub(r"^(EEG|EOG|EMG)[\s_:]*", "", name.strip().upper())
    text = re.sub(r"\s*-\s*", "-", text).strip()
    first = re.split(r"[-:/\s]", text, maxsplit=1)[0]
    return first, text


def pick_channel(kind: str, available: Sequence[str]) -> str | None:
    """The first channel of `available` that fits `kind` (`"EEG"`, `"EOG"` or `"EMG"`) by name, or `None`."""
    if kind == "EEG":
        for wanted in EEG_PREFERENCE:
            for channel in available:
                first, whole = _electrodes(channel)
                if channel.strip().upper().startswith(("EOG", "EMG")):
                    continue
                if wanted == whole or ("-" not in wanted and wanted == first):
                    return channel
        return None
    upper = [channel.strip().upper() for channel in available]
    if kind == "EOG":
        typed = [channel for channel, name in zip(available, upper, strict=True) if "EOG" in name]
        electrodes = [ch for ch in available if _electrodes(ch)[0] in EOG_ELECTRODES]
        candidates = typed or electrodes
    else:
        typed = [channel for channel, name in zip(available, upper, strict=True) if "EMG" in name]
        chin = [ch for ch in typed if any(word in ch.upper() for word in EMG_WORDS)]
        candidates = chin or typed or [ch for ch in available if any(w in ch.upper() for w in EMG_WORDS)]
    return candidates[0] if candidates else None


def default_channels(ch_names: Sequence[str], available: Sequence[str]) -> list[str]:
    """The recording channels for a model's `ch_names`: a name the file has is used as is; a kind is picked.

    Raises:
        ValueError: naming the kind that no channel fits and listing the recording's channels.
    """
    available_folded = {channel.strip().lower() for channel in available}
    picked = []
    for name in ch_names:
        if name.strip().lower() in available_folded or name not in CHANNEL_KINDS:
            picked.append(name)
            continue
        channel = pick_channel(name, available)
        if channel is None:
            hint = "a central EEG (C4, C3, Cz) or Fpz-Cz" if name == "EEG" else f"an {name}"
            raise ValueError(
                f"no channel looks like {hint}; the recording has: {', '.join(available)}. "
                "Choose with --channels (a derivation is written 'A-B')"
            )
        picked.append(channel)
    return picked
