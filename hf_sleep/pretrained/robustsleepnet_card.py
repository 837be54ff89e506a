"""The model card of a RobustSleepNet converted from Dreem's published models: cohorts, input, deviations, licence."""

from __future__ import annotations

from typing import Any

from hf_sleep.models.robustsleepnet.configuration_robustsleepnet import RobustSleepNetConfig
from hf_sleep.pretrained import NAMESPACE

ROBUSTSLEEPNET_REPOSITORY = "https://github.com/Dreem-Organization/RobustSleepNet"
ROBUSTSLEEPNET_COMMIT = "c8ff3f6f"
# The 8 cohorts of the leave-one-cohort-out training (the paper's and `description.csv`'s names).
COHORTS: dict[str, str] = {
    "mass": "MASS",
    "dodh": "DOD-H",
    "dodo": "DOD-O",
    "mesa": "MESA",
    "sleep_edf": "Sleep-EDF",
    "shhs": "SHHS",
    "mros": "MrOS",
    "cap": "CAP",
}
# `pretrained_model/description.csv`: experiment id -> the cohort it was trained without.
HELD_OUT: dict[str, str] = {
    "415fe39c-0729-41b6-bf8a-a04570042f5c": "mass",
    "fdbd193a-0408-4fc8-9a6a-a18351459512": "dodh",
    "e5844e92-6b9b-4033-8362-2f139c7bab0e": "mesa",
    "a2eb4aed-90de-4968-8535-a424588c0dfa": "dodo",
    "0dfcee73-055a-4c4d-929c-8fdf630e14f1": "sleep_edf",
    "8f1969fa-0f79-426e-aaa5-7ab3a076a215": "shhs",
    "be685bd5-eaab-4c22-b2e6-c487ecc8773c": "mros",
    "40c76916-23f2-4697-91f9-0ef91440f57d": "cap",
}
# Published twice with tensor-for-tensor identical weights (checked by a test): one bundled model.
SAME_WEIGHTS: dict[str, str] = {"40c76916-23f2-4697-91f9-0ef91440f57d": "0dfcee73-055a-4c4d-929c-8fdf630e14f1"}


def robustsleepnet_preprocessing(end_padding_epochs: int = 0) -> str:
    padding = (
        "no padding: each epoch's stage is the mean of the probabilities of every window of 21 epochs inside the "
        "recording that contains it (a recording shorter than 21 epochs is one shorter window); "
        "`end_padding_epochs=30` in `config.json` restores the original's 900 s of zeros at each end"
        if end_padding_epochs == 0
        else f"{end_padding_epochs} zero-valued epochs at each end, as the original"
    )
    return (
        "Any number of derivations (EEG, EOG, EMG) in µV at any sampling rate (without `--channels`, `hf-sleep stage` "
        "picks one central EEG). As the original's inference path: polyphase resampling to 100 Hz, a 2nd-order "
        "Butterworth band-pass 0.2-30 Hz forwards and backwards, polyphase resampling to 60 Hz, then per recording "
        "and channel the IQR normalisation (clipped at 20 interquartile half-ranges, minus the median, divided by "
        "the interquartile range; `preprocessor_config.json`). Inside the model: clipped to ±20 and scaled to ±1, "
        "log10 power spectrogram (2-s Hann windows every 1 s, 28 frames × 65 bins per epoch), standardised per "
        f"channel and bin over each window of 21 epochs. Whole recordings: {padding}."
    )


def robustsleepnet_training_info(experiment_id: str, description: dict[str, Any], name: str) -> dict[str, Any]:
    """What the card says about a converted model (saved as `training_info.json`, which `hf-sleep push` reads)."""
    if experiment_id not in HELD_OUT:
        raise ValueError(f"unknown RobustSleepNet experiment {experiment_id!r}; known: {', '.join(HELD_OUT)}")
    held_out = HELD_OUT[experiment_id]
    training = [COHORTS[cohort] for cohort in COHORTS if cohort != held_out]
    twin = next((other for other, same in SAME_WEIGHTS.items() if same == experiment_id), None)
    scores = description.get("performance_on_test_set") or {}
    reported = (
        f"on the held-out {COHORTS[held_out]} cohort, the source reports accuracy {scores['accuracy']:.3f}, "
        f"Cohen's kappa {scores['cohen_kappa']:.3f} and macro F1 {scores['f1_macro']:.3f} (its `description.json`; "
        "reported by the source, with its own zero padding, not measured here)"
        if {"accuracy", "cohen_kappa", "f1_macro"} <= set(scores)
        else "the source reports no test scores for this model"
    )
    twin_note = (
        f" The same weights, tensor for tensor, are also published as experiment `{twin}`, listed as the "
        f"{COHORTS[HELD_OUT[twin]]}-held-out model; they are bundled once, under the held-out cohort of this "
        "experiment's own record."
        if twin
        else ""
    )
    provenance = "\n".join(
        [
            f"- **Source**: experiment `{experiment_id}` of [RobustSleepNet]({ROBUSTSLEEPNET_REPOSITORY}) (commit "
            f"`{ROBUSTSLEEPNET_COMMIT}`, `pretrained_model/{experiment_id}/best_model.gz`), MIT licence "
            "(Copyright (c) 2021 Dreem). Paper: Guillot & Thorey, \"RobustSleepNet: Transfer learning for "
            "automated sleep staging at scale\", IEEE TNSRE 29 (2021). Converted tensor by tensor with "
            "`hf_sleep/pretrained/convert_robustsleepnet.py`; a test checks the converted logits against an "
            "independent re-implementation of the original forward pass and preprocessing (to 1e-5)." + twin_note,
            f"- **Training data**: leave-one-cohort-out: trained on {', '.join(training)}; "
            f"**{COHORTS[held_out]} held out**. Labels: 0 W, 1 N1, 2 N2, 3 N3, 4 REM.",
            f"- **Reported scores**: {reported}.",
            "- **Deviation from the original — ends of a recording**: the original pads 900 s of zeros at each "
            "end, which the model reads as the wake that begins and ends whole nights, so the first and last "
            "epochs of a recording (and much of a nap or an excerpt) come out as wake. Here every epoch is staged "
            "from the windows inside the recording (`end_padding_epochs=0`); the original behaviour is kept as "
            "`end_padding_epochs=30`.",
        ]
    )
    return {
        "model_name": name,
        "license": "mit",
        "dataset_name": f"{', '.join(training)} (RobustSleepNet's leave-one-cohort-out training, {COHORTS[held_out]} held out)",
        "split": f"leave-one-cohort-out: {COHORTS[held_out]} held out",
        "preprocessing": robustsleepnet_preprocessing(),
        "provenance": provenance,
        "tags": ["robustsleepnet", "converted", f"held-out-{held_out.replace('_', '-')}"],
    }


def robustsleepnet_model_card(
    config: RobustSleepNetConfig, training_info: dict[str, Any], feature_extractor: Any
) -> str:
    """The rendered card (Markdown with YAML front matter) of a converted RobustSleepNet."""
    import torch

    from hf_sleep.hub.model_card import SleepModelCardData, render_model_card
    from hf_sleep.models.robustsleepnet import RobustSleepNetForSleepStaging

    torch.manual_seed(0)  # the card reads the architecture, not the weights
    card_data = SleepModelCardData(
        repo_id=f"{NAMESPACE}/{training_info['model_name']}", trained=True, **training_info
    ).set_model(RobustSleepNetForSleepStaging(config), feature_extractor)
    return str(render_model_card(card_data))
