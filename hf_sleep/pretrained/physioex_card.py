"""The model card of a SeqSleepNet converted from physioex: provenance, input, the standardisation deviation, limits."""

from __future__ import annotations

import re
from typing import Any

from hf_sleep.models.seqsleepnet.configuration_seqsleepnet import SeqSleepNetConfig
from hf_sleep.pretrained import NAMESPACE

# The physioex commit the checkpoints come from (physioex/train/models/backup/ there).
PHYSIOEX_COMMIT = "24d4974b"
PHYSIOEX_REPOSITORY = "https://github.com/guidogagl/physioex"


def reported_accuracy(checkpoint_name: str) -> str | None:
    """The test accuracy physioex wrote into the checkpoint's file name (`...-test_acc=0.864.ckpt`), if any."""
    match = re.search(r"test_acc=([0-9.]+?)(?:\.ckpt)?$", checkpoint_name)
    return match.group(1) if match else None


def physioex_preprocessing(feature_extractor: Any) -> str:
    channels = " + ".join(feature_extractor.ch_names)
    return (
        f"{channels} in µV (without `--channels`, `hf-sleep stage` picks them by name: a central EEG — C4, C3, Cz, "
        "then Fpz-Cz — an EOG and a chin EMG), resampled to 100 Hz and cut into 30-s epochs; each epoch band-passed 0.3-40 Hz "
        "(5th-order Butterworth, forwards and backwards, `preprocessor_config.json`); inside the model: scipy's "
        "default power-spectral-density spectrogram (periodic Hamming window of 200 samples, 100 overlap, "
        "256-point FFT, constant detrend) as `20·log10(P + eps)`, 29 frames × 129 bins, then standardised per "
        "channel and frequency bin with the mean and standard deviation of the recording being staged."
    )


def physioex_provenance(config: SeqSleepNetConfig, checkpoint_name: str) -> str:
    accuracy = reported_accuracy(checkpoint_name)
    reported = (
        f"physioex reports a test accuracy of **{accuracy}** for this checkpoint (in its file name; reported by "
        "the source, on its own undocumented test split and with its own input standardisation — not measured "
        "here)."
        if accuracy
        else "physioex reports no test accuracy for this checkpoint."
    )
    return "\n".join(
        [
            f"- **Source**: the SeqSleepNet checkpoint `{checkpoint_name}` of [physioex]({PHYSIOEX_REPOSITORY}) "
            f"(commit `{PHYSIOEX_COMMIT}`, `physioex/train/models/backup/`), MIT licence (Copyright (c) Guido "
            "Gagliardi). Converted tensor by tensor with `hf-sleep convert-physioex` "
            "(`hf_sleep/pretrained/convert_physioex.py`); a test checks the converted logits "
            "against an independent forward pass written from the checkpoint tensors (to 1e-5).",
            "- **Training data**: real scored PSG, but *which* recordings is not documented by the source (the "
            "checkpoint names only a run folder). Labels: 0 W, 1 N1, 2 N2, 3 N3, 4 REM.",
            f"- **Reported accuracy**: {reported}",
            "- **Deviation from physioex — input standardisation**: physioex standardised each input with the mean "
            "and standard deviation (per channel, frame and frequency bin) of its training set; those statistics "
            "were not published. This model standardises each channel's log spectrum per frequency bin with the "
            "statistics of the recording being staged (all its epochs and frames; `hf-sleep stage` and "
            "`hf_sleep.staging.inference.predict_night` compute them once per night). A plain forward call standardises "
            "with the statistics of its own input. Stages can therefore differ from physioex's on the same "
            "signal, and very short recordings (a few epochs) give less reliable statistics.",
            "- **Other deviations**: physioex resampled each epoch with an FFT resampler; the extractor here "
            "resamples the whole recording (polyphase). Identical for recordings already at 100 Hz.",
        ]
    )


def physioex_training_info(
    config: SeqSleepNetConfig, feature_extractor: Any, checkpoint_name: str, name: str
) -> dict[str, Any]:
    """What the card says about a converted model (saved as `training_info.json`, which `hf-sleep push` reads)."""
    return {
        "model_name": name,
        "license": "mit",
        "dataset_name": "real scored PSG recordings not documented by the source (physioex)",
        "split": "not documented by the source",
        "preprocessing": physioex_preprocessing(feature_extractor),
        "provenance": physioex_provenance(config, checkpoint_name),
        "tags": ["physioex", "converted"],
    }


def physioex_model_card(config: SeqSleepNetConfig, training_info: dict[str, Any], feature_extractor: Any) -> str:
    """The rendered card (Markdown with YAML front matter) of a converted physioex model."""
    import torch

    from hf_sleep.hub.model_card import SleepModelCardData, render_model_card
    from hf_sleep.models.seqsleepnet import SeqSleepNetForSleepStaging

    torch.manual_seed(0)  # the card reads the architecture, not the weights
    card_data = SleepModelCardData(
        repo_id=f"{NAMESPACE}/{training_info['model_name']}", trained=True, **training_info
    ).set_model(SeqSleepNetForSleepStaging(config), feature_extractor)
    return str(render_model_card(card_data))
