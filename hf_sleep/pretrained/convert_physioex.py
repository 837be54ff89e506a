"""Converts a physioex SeqSleepNet checkpoint (PyTorch Lightning `.ckpt`) into a saved hf_sleep model folder.

physioex (guidogagl/physioex, MIT licence) published SeqSleepNet checkpoints trained on real PSG. Its network
(`physioex/train/networks/seqsleepnet.py`) is this package's SeqSleepNet with these settings: a learnable
filterbank `sigmoid(W) * S` on a scipy power-spectral-density log spectrogram (29 frames x 129 bins per channel),
a plain bidirectional `nn.LSTM` (64 units) over the frames, attention pooling (size 32), a bidirectional `nn.GRU`
(64 units, named `LSTM` there) over the epochs and one linear classifier shared by every position. Its input is
standardised with statistics of its training set that were not published; the converted model standardises
each recording with its own statistics instead (`spectrum_standardization="recording"`).

The conversion maps every tensor of the checkpoint (none left unused, none of the model's missing), writes
`model.safetensors`, `config.json`, `preprocessor_config.json`, a model card, `training_info.json` (what the
card says, read again by `hf-sleep push`) and the source's `LICENSE` (MIT asks for its notice in every copy).

    python scripts/convert_physioex_checkpoint.py seqsleepnet-EEG-L=21-test_acc=0.864.ckpt out/
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import torch

from hf_sleep.models.seqsleepnet.configuration_seqsleepnet import SeqSleepNetConfig

from .physioex_card import physioex_model_card, physioex_training_info

# Labels of physioex's checkpoints, in class-index order.
PHYSIOEX_LABELS = ["W", "N1", "N2", "N3", "REM"]
# The input channels of the two published checkpoints, by their number of channels.
PHYSIOEX_CHANNELS: dict[int, tuple[list[str], list[str]]] = {
    1: (["EEG"], ["eeg"]),
    3: (["EEG", "EOG", "EMG"], ["eeg", "eog", "emg"]),
}
# physioex's input preparation (physioex/preprocess/utils/signal.py and the per-dataset readers): each 30-s epoch
# at 100 Hz band-passed 0.3-40 Hz with a 5th-order Butterworth filter run forwards and backwards (`filtfilt`),
# then the spectrogram (in the model) and its standardisation (in the model, per recording here).
PHYSIOEX_PREPROCESSING: dict[str, Any] = {
    "sfreq": 100.0,
    "epoch_seconds": 30.0,
    "units": "uV",
    "l_freq": 0.3,
    "h_freq": 40.0,
    "filter": {"method": "butter", "order": 5, "zero_phase": True, "scope": "epoch"},
    "resample_method": "polyphase",
    "preprocessing": [{"name": "log_spectrum_standardization", "scope": "recording"}],
}
# checkpoint key (regular expression) -> our key (with the captured parameter name).
KEY_MAP: tuple[tuple[str, str], ...] = (
    (r"nn\.epoch_encoder\.F2_filtbank\.W", "seqsleepnet.epoch_encoder.front_end.filterbank_weight"),
    (r"nn\.epoch_encoder\.F2_filtbank\.S", "seqsleepnet.epoch_encoder.front_end.triangular_filters"),
    (r"nn\.epoch_encoder\.F2_birnn\.(\w+)", r"seqsleepnet.epoch_encoder.frame_rnn.rnn.\1"),
    (r"nn\.epoch_encoder\.F2_attention\.W_omega", "seqsleepnet.epoch_encoder.attention.weight"),
    (r"nn\.epoch_encoder\.F2_attention\.b_omega", "seqsleepnet.epoch_encoder.attention.bias"),
    (r"nn\.epoch_encoder\.F2_attention\.u_omega", "seqsleepnet.epoch_encoder.attention.context"),
    (r"nn\.sequence_encoder\.LSTM\.(\w+)", r"seqsleepnet.sequence_rnn.rnn.\1"),
    (r"nn\.sequence_encoder\.clf\.(weight|bias)", r"classifier.\1"),
)


def load_physioex_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The `state_dict` of a physioex checkpoint, opened with `torch.load(..., weights_only=True)` only."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a pickle that needs code, or not a torch file at all
        raise ValueError(f"could not open {path} as a weights-only torch checkpoint: {_load_failure(error)}") from None
    state_dict = checkpoint.get("state_dict") if isinstance(checkpoint, dict) else None
    if not isinstance(state_dict, dict) or not any(key.startswith("nn.epoch_encoder.") for key in state_dict):
        raise ValueError(f"{path} is not a physioex SeqSleepNet checkpoint (no nn.epoch_encoder.* tensors)")
    return state_dict


def _load_failure(error: Exception) -> str:
    """`torch.load`'s refusal in one line: what the file holds, without torch's advice to load it unsafely."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if lines and lines[0].startswith("Weights only load failed"):
        reason = next((line for line in lines[1:] if "GLOBAL" in line or "Unsupported" in line), "")
        return (
            f"it holds Python objects, not only tensors ({reason.rstrip('.') or 'an object torch refuses'}); "
            "checkpoints are never unpickled with code"
        )
    return f"not a torch file ({type(error).__name__}: {lines[0] if lines else 'unreadable'})"


def physioex_config(state_dict: dict[str, torch.Tensor], seq_len: int = 21) -> SeqSleepNetConfig:
    """The SeqSleepNet configuration of a physioex checkpoint (its channel count read from the filterbank)."""
    n_chans, n_bins, n_filters = state_dict["nn.epoch_encoder.F2_filtbank.W"].shape
    if n_chans not in PHYSIOEX_CHANNELS:
        raise ValueError(f"physioex checkpoints have 1 or 3 channels, this one has {n_chans}")
    return SeqSleepNetConfig(
        n_chans=n_chans,
        seq_len=seq_len,
        n_fft=2 * (n_bins - 1),
        n_filters=n_filters,
        attention_size=state_dict["nn.epoch_encoder.F2_attention.u_omega"].shape[0],
        epoch_rnn_hidden_size=state_dict["nn.epoch_encoder.F2_birnn.weight_hh_l0"].shape[1],
        sequence_rnn_hidden_size=state_dict["nn.sequence_encoder.LSTM.weight_hh_l0"].shape[1],
        rnn_cell="gru",
        epoch_rnn_cell="plain_lstm",
        sequence_rnn_cell="gru",
        per_position_classifier=False,
        spectrogram="scipy_density",
        spectrum_standardization="recording",
        channel_major_frames=True,  # physioex reshapes (n_chans, frames, filters) straight to (frames, -1)
        drop_prob=0.0,  # physioex's network has no dropout
        id2label=dict(enumerate(PHYSIOEX_LABELS)),
    )


def convert_state_dict(state_dict: dict[str, torch.Tensor], model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """physioex tensors renamed and reshaped for `model`; raises when one is unused or one of the model's is missing."""
    ours = model.state_dict()
    converted: dict[str, torch.Tensor] = {}
    unused = []
    for key, tensor in state_dict.items():
        target = next((re.sub(f"^{pattern}$", name, key) for pattern, name in KEY_MAP if re.fullmatch(pattern, key)), None)
        if target is None or target not in ours:
            unused.append(key)
            continue
        if key.endswith("F2_filtbank.S"):
            # The fixed triangular filterbank, one copy per channel there, one shared buffer here.
            if not all(torch.equal(tensor[0], channel) for channel in tensor) or not torch.equal(tensor[0], ours[target]):
                raise ValueError(f"{key} is not the linear triangular filterbank this model builds")
            tensor = tensor[0]
        elif target.startswith("classifier."):
            tensor = tensor[None]  # one shared classifier: position axis of length 1
        if tuple(tensor.shape) != tuple(ours[target].shape):
            raise ValueError(f"{key} has shape {tuple(tensor.shape)}, {target} needs {tuple(ours[target].shape)}")
        converted[target] = tensor.to(ours[target].dtype).contiguous()
    missing = sorted(set(ours) - set(converted))
    if unused or missing:
        raise ValueError(f"checkpoint tensors left unused: {unused}; model tensors missing: {missing}")
    return converted


def physioex_feature_extractor(config: SeqSleepNetConfig):
    """The signal contract (`preprocessor_config.json`) of a converted model: physioex's input preparation."""
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    ch_names, ch_types = PHYSIOEX_CHANNELS[config.n_chans]
    return SleepFeatureExtractor(
        ch_names=list(ch_names),
        ch_types=ch_types,
        reference=None,
        label_names=[config.id2label[i] for i in range(config.num_labels)],
        **PHYSIOEX_PREPROCESSING,
    )


def convert_physioex_checkpoint(
    checkpoint: str | os.PathLike, out_dir: str | os.PathLike, *, name: str | None = None, card: bool = True
):
    """Converts `checkpoint` into a model folder `out_dir` (safetensors, config, preprocessor config, card).

    Args:
        checkpoint: a physioex SeqSleepNet `.ckpt` file.
        out_dir: the folder to write (created; files in it are replaced).
        name: the model's name in its card (defaults to the folder name).
        card: write `README.md` (and the `training_info.json` it is made from).

    Returns:
        The converted `SeqSleepNetForSleepStaging`, in eval mode.

    Raises:
        FileNotFoundError: when no `LICENSE` lies next to `checkpoint` (the weights are shipped only with it).
    """
    from hf_sleep.models.seqsleepnet import SeqSleepNetForSleepStaging

    checkpoint = Path(checkpoint)
    state_dict = load_physioex_state_dict(checkpoint)
    licence = checkpoint.parent / "LICENSE"
    if not licence.is_file():
        raise FileNotFoundError(f"{licence} does not exist: physioex's MIT licence must travel with its weights")
    config = physioex_config(state_dict)
    model = SeqSleepNetForSleepStaging(config)
    model.load_state_dict(convert_state_dict(state_dict, model), strict=True)
    model.eval()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    feature_extractor = physioex_feature_extractor(config)
    feature_extractor.save_pretrained(out_dir)
    (out_dir / "LICENSE").write_bytes(licence.read_bytes())
    if card:
        training_info = physioex_training_info(config, feature_extractor, checkpoint.name, name or out_dir.name)
        (out_dir / "training_info.json").write_text(json.dumps(training_info, indent=2) + "\n")
        (out_dir / "README.md").write_text(physioex_model_card(config, training_info, feature_extractor))
    return model
