"""Converts a published RobustSleepNet model (`best_model.gz`) into a saved hf_sleep model folder.

Dreem's RobustSleepNet (Dreem-Organization/RobustSleepNet, MIT licence, Guillot & Thorey 2021) ships 8
leave-one-cohort-out models, each a plain tar (despite its name) holding `state.torch` (a state dict,
opened here with `torch.load(..., weights_only=True)` and no other way), `net_params.json`,
`normalization_parameters.json`, `groups.json` and `features.json`. The architecture and the in-model
normalisation are read from those JSON files and checked against what `RobustSleepNetConfig` implements; every
tensor is mapped (none left unused, none missing). The preprocessing of their inference path
(`utils/inference/inference.py`) becomes the feature extractor's `robustsleepnet` step.

    python -m hf_sleep.pretrained.convert_robustsleepnet best_model.gz out/ [--name robustsleepnet-mass]
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import torch

from hf_sleep.models.robustsleepnet.configuration_robustsleepnet import RobustSleepNetConfig

ROBUSTSLEEPNET_LABELS = ["W", "N1", "N2", "N3", "REM"]
# Their `generate_memmap_description` (utils/inference/inference.py): the default `filter_bandpass` (order 2,
# 0.2-30 Hz, at the 100 Hz of `edf_to_h5`), `poly_resample` to 60 Hz, `normalize_signal_IQR(clip_IQR=20)`.
ROBUSTSLEEPNET_PREPROCESSING: dict[str, Any] = {
    "name": "robustsleepnet",
    "intermediate_sfreq": 100.0,
    "l_freq": 0.2,
    "h_freq": 30.0,
    "filter_order": 2,
    "clip_iqr": 20.0,
}
# Their inference pads 900 s of zeros at each end (`padding_duration: 900`).
ORIGINAL_END_PADDING_EPOCHS = 30
ARCHIVE_MEMBERS = ("state.torch", "net_params.json", "normalization_parameters.json", "groups.json")


def read_robustsleepnet_archive(path: str | os.PathLike) -> dict[str, Any]:
    """The members of a `best_model.gz`: `state_dict` (weights-only load) and the parsed JSON files."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"RobustSleepNet model {path} does not exist")
    try:
        with tarfile.open(path, "r") as archive:
            names = set(archive.getnames())
            missing = [name for name in ARCHIVE_MEMBERS if name not in names]
            if missing:
                raise ValueError(f"{path} is not a RobustSleepNet model archive (no {', '.join(missing)})")
            content = {name: archive.extractfile(name).read() for name in ARCHIVE_MEMBERS}
    except tarfile.TarError as error:
        raise ValueError(f"{path} is not a RobustSleepNet model archive (a tar file): {error}") from error
    try:
        state_dict = torch.load(io.BytesIO(content["state.torch"]), map_location="cpu", weights_only=True)
    except Exception as error:  # a pickle that needs code, or not a torch file at all
        raise ValueError(f"could not open {path}:state.torch as a weights-only torch state dict ({error})") from error
    parsed = {name.removesuffix(".json"): json.loads(content[name]) for name in ARCHIVE_MEMBERS[1:]}
    return {"state_dict": dict(state_dict), **parsed}


def robustsleepnet_config(archive: dict[str, Any], **kwargs: Any) -> RobustSleepNetConfig:
    """The configuration a published model's JSON files describe; `ValueError` for settings not implemented here."""
    net = archive["net_params"]
    group = archive["groups"].get("eeg", {})
    encoder = net["encoders"]["eeg"]
    reducer = net["reducers"]["eeg"]
    sequence = net["sequence_encoder"]
    expected = {
        "encoder": (encoder["type"], "RobustSleepEncoder"),
        "reducer": (reducer["type"], "AttentionWithReduction"),
        "sequence encoder": (sequence["type"], "ResidualGRUSequenceEncoder"),
        "output mode": (net.get("eval_output_mode", net.get("output_mode")), "many"),
        "input temporal context": (net.get("input_temporal_context", 1), 1),
        "bidirectional epoch GRU": (encoder["args"].get("bidir", True), True),
        "bidirectional sequence GRU": (sequence["args"].get("bidir", True), True),
    }
    for what, (found, wanted) in expected.items():
        if found != wanted:
            raise ValueError(f"unsupported RobustSleepNet {what}: {found!r} (this converter implements {wanted!r})")
    normalization = {step["type"]: step["args"] for step in archive["normalization_parameters"]["signals"][0]["normalization"]}
    if list(normalization) != ["clip_and_scale", "spectrogram", "standardize_online"]:
        raise ValueError(f"unsupported RobustSleepNet input normalisation: {list(normalization)}")
    clip = normalization["clip_and_scale"]
    spectrogram = normalization["spectrogram"]
    if -clip["min_value"] != clip["max_value"] or not spectrogram.get("logpower", True):
        raise ValueError(f"unsupported clipping or spectrogram settings: {clip}, {spectrogram}")
    sfreq = float(spectrogram["fs"])
    if float(group.get("fs", sfreq)) != sfreq:
        raise ValueError(f"the signal group's rate ({group.get('fs')}) differs from the spectrogram's ({sfreq})")
    return RobustSleepNetConfig(
        sfreq=sfreq,
        epoch_seconds=float(group.get("window_length", 30 * sfreq)) / sfreq,
        clip_value=float(clip["max_value"]),
        spectrogram_window_seconds=float(spectrogram["window_duration"]),
        spectrogram_hop_seconds=float(spectrogram["window_overlap"]),
        power_floor=float(spectrogram.get("clamp", 1e-20)),
        filter_dim=encoder["args"]["filter_dim"],
        n_virtual_channels=encoder["args"]["n_virtual_channels"],
        channel_attention_size=encoder["args"]["context_size"],
        epoch_rnn_hidden_size=encoder["args"]["hidden_layers"],
        epoch_embedding_size=reducer["args"]["output_dim"],
        epoch_attention_size=reducer["args"]["context_size"],
        sequence_rnn_hidden_size=sequence["args"]["cells"],
        sequence_rnn_layers=sequence["args"]["layers"],
        drop_prob=float(sequence["args"].get("dropout", 0.5)),
        id2label=dict(enumerate(ROBUSTSLEEPNET_LABELS[: net.get("n_class", 5)])),
        **kwargs,
    )


def convert_state_dict(state_dict: dict[str, torch.Tensor], model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Their tensors renamed (and the per-head attentions stacked) for `model`; raises on any unused or missing one."""
    ours = model.state_dict()
    remaining = dict(state_dict)
    converted: dict[str, torch.Tensor] = {}

    def take(key: str) -> torch.Tensor:
        if key not in remaining:
            raise ValueError(f"the checkpoint has no tensor {key!r}")
        return remaining.pop(key)

    def attention(prefix: str, heads: list[str], target: str) -> None:
        converted[f"{target}.context_weight"] = torch.stack([take(f"{prefix}{h}.context_matrix.weight") for h in heads])
        converted[f"{target}.context_bias"] = torch.stack([take(f"{prefix}{h}.context_matrix.bias") for h in heads])
        converted[f"{target}.context_vector"] = torch.stack([take(f"{prefix}{h}.context_vector.weight")[0] for h in heads])

    encoder = "robustsleepnet.epoch_encoder"
    config = model.config
    for name in ("weight", "bias"):
        converted[f"{encoder}.filter_reduction.{name}"] = take(f"encoder_eeg.encoder.filter_reduction.{name}")
        converted[f"{encoder}.embedding.{name}"] = take(f"reducer_eeg.reduction.{name}")
        converted[f"classifier.{name}"] = take(f"classifier.{name}")
    attention(
        "encoder_eeg.encoder.channel_attention.",
        [f"attention_{i}" for i in range(config.n_virtual_channels)],
        f"{encoder}.channel_attention",
    )
    attention("reducer_eeg.", ["attention"], f"{encoder}.frame_attention")
    for key in [k for k in remaining if k.startswith("encoder_eeg.encoder.gru.")]:
        converted[f"{encoder}.frame_rnn.{key.rsplit('.', 1)[1]}"] = take(key)
    for layer in range(config.sequence_rnn_layers):
        prefix = f"sequence_encoder.encoder.{layer}."
        for key in [k for k in remaining if k.startswith(prefix)]:
            suffix = key[len(prefix) :].replace("residual_connection.", "residual.").replace("gru.", "rnn.")
            converted[f"robustsleepnet.sequence_layers.{layer}.{suffix}"] = take(key)
    missing = sorted(set(ours) - set(converted))
    unexpected = sorted(set(converted) - set(ours))
    if remaining or missing or unexpected:
        raise ValueError(
            f"checkpoint tensors left unused: {sorted(remaining)}; model tensors missing: {missing}; unknown: {unexpected}"
        )
    for key, tensor in converted.items():
        if tuple(tensor.shape) != tuple(ours[key].shape):
            raise ValueError(f"{key}: the checkpoint's shape {tuple(tensor.shape)}, the model's {tuple(ours[key].shape)}")
        converted[key] = tensor.to(ours[key].dtype).contiguous()
    return converted


def robustsleepnet_feature_extractor(config: RobustSleepNetConfig):
    """The signal contract of a converted model: their preparation of a recording, on EEG channels (a bare `EEG`
    lets staging pick the recording's EEG; their models take any number of channels)."""
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    ch_names = ["EEG"] if config.n_chans == 1 else [f"EEG{index + 1}" for index in range(config.n_chans)]
    return SleepFeatureExtractor(
        ch_names=ch_names,
        ch_types=["eeg"] * config.n_chans,
        sfreq=config.sfreq,
        epoch_seconds=config.epoch_seconds,
        units="uV",
        preprocessing=[dict(ROBUSTSLEEPNET_PREPROCESSING)],
        label_names=[config.id2label[i] for i in range(config.num_labels)],
    )


def convert_robustsleepnet_model(
    archive_path: str | os.PathLike,
    out_dir: str | os.PathLike | None = None,
    *,
    name: str | None = None,
    card: bool = True,
    description: dict[str, Any] | None = None,
    **config_kwargs: Any,
):
    """Converts one `best_model.gz` into a model folder (safetensors, config, preprocessor config, card).

    Args:
        archive_path: the published `best_model.gz`.
        out_dir: the folder to write (created; its files replaced); `None` writes nothing.
        name: the model's name in its card (defaults to the folder name).
        card: write `README.md` and the `training_info.json` it is made from.
        description: the model's experiment record (`description.json` beside the archive; read from there
            when not given) for the card's cohorts and the test scores the source reports.
        config_kwargs: overrides of the config (e.g. `end_padding_epochs=30` for the original's end padding).

    Returns:
        The converted `RobustSleepNetForSleepStaging`, in eval mode.
    """
    from hf_sleep.models.robustsleepnet import RobustSleepNetForSleepStaging

    archive_path = Path(archive_path)
    archive = read_robustsleepnet_archive(archive_path)
    config = robustsleepnet_config(archive, **config_kwargs)
    model = RobustSleepNetForSleepStaging(config)
    model.load_state_dict(convert_state_dict(archive["state_dict"], model), strict=True)
    model.eval()
    if out_dir is None:
        return model
    # The repository's MIT licence (pretrained_model/<id>/best_model.gz -> LICENSE) asks for its notice in every copy.
    licence = archive_path.parent.parent.parent / "LICENSE"
    if not licence.is_file():
        raise FileNotFoundError(f"{licence} does not exist: RobustSleepNet's MIT licence must travel with its weights")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    (out_dir / "LICENSE").write_bytes(licence.read_bytes())
    feature_extractor = robustsleepnet_feature_extractor(config)
    feature_extractor.save_pretrained(out_dir)
    if card:
        from hf_sleep.pretrained.robustsleepnet_card import (
            robustsleepnet_model_card,
            robustsleepnet_training_info,
        )

        if description is None:
            description_path = archive_path.parent / "description.json"
            description = json.loads(description_path.read_text()) if description_path.is_file() else {}
        training_info = robustsleepnet_training_info(archive_path.parent.name, description, name or out_dir.name)
        (out_dir / "training_info.json").write_text(json.dumps(training_info, indent=2) + "\n")
        (out_dir / "README.md").write_text(robustsleepnet_model_card(config, training_info, feature_extractor))
    return model


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Convert a RobustSleepNet best_model.gz into a model folder.")
    parser.add_argument("archive", help="the published best_model.gz")
    parser.add_argument("out_dir", help="the folder to write")
    parser.add_argument("--name", help="the model's name in its card (default: the folder name)")
    args = parser.parse_args(argv)
    convert_robustsleepnet_model(args.archive, args.out_dir, name=args.name)
    print(f"wrote {args.out_dir} (model.safetensors, config.json, preprocessor_config.json, README.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
