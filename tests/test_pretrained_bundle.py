"""The bundled trained models (physioex's SeqSleepNet, converted): shipped files, loading, default staging."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from hf_sleep.cli import main
from hf_sleep.pretrained import (
    BUNDLE_FILES,
    BUNDLE_ONNX_FILES,
    BUNDLED,
    DEFAULT_MODEL,
    load_pretrained,
    pretrained_path,
)
from hf_sleep.pretrained.bundle import build_bundle
from hf_sleep.pretrained.channels import default_channels, pick_channel
from hf_sleep.staging.inference import predict_night

from .staging.helpers import cycling_hypnogram, stage_like_signal, write_edf, yasa_excerpt
from .test_physioex_conversion import PRETRAINED


def test_bundled_folders_hold_only_the_model_files_and_load_with_auto_model():
    from transformers import AutoFeatureExtractor, AutoModel  # noqa: F401

    import hf_sleep

    hf_sleep.register_auto_classes()  # hf_sleep may have been imported before transformers in this process

    for name in [name for name in BUNDLED if name.startswith("seqsleepnet-")]:
        folder = pretrained_path(name)
        # The exported graph beside the weights where it has been exported (always for the default stager).
        exported = (folder / "onnx").is_dir() or name == DEFAULT_MODEL
        assert sorted(p.name for p in folder.iterdir()) == sorted([*BUNDLE_FILES, *(["onnx"] if exported else [])])
        if exported:
            assert sorted(p.name for p in (folder / "onnx").iterdir()) == sorted(Path(f).name for f in BUNDLE_ONNX_FILES)
        assert (folder / "model.safetensors").stat().st_size < 1_000_000
        model = AutoModel.from_pretrained(folder)
        assert type(model).__name__ == "SeqSleepNetForSleepStaging"
        assert model.config.id2label == {0: "W", 1: "N1", 2: "N2", 3: "N3", 4: "REM"}
        contract = json.loads((folder / "preprocessor_config.json").read_text())
        assert contract["filter"] == {"method": "butter", "order": 5, "zero_phase": True, "scope": "epoch"}
        assert contract["ch_names"] and "ch_names" not in json.loads((folder / "config.json").read_text())
        card = (folder / "README.md").read_text()
        for fact in ("24d4974b", "license: mit", "not documented by the source", "reported by the source",
                     "Deviation from physioex", "not a medical"):
            assert fact in card, fact
    assert hf_sleep.load_pretrained is load_pretrained
    assert load_pretrained("hf-sleep/seqsleepnet-physioex-eeg-eog-emg").config.n_chans == 3
    assert load_pretrained().config.n_chans == 1
    with pytest.raises(ValueError, match="'seqsleepnet' is not a bundled model; bundled: seqsleepnet-physioex-eeg"):
        pretrained_path("seqsleepnet")


# Stamps that the writing library puts in its files: they change with each release, not with the model.
VERSION_STAMPS = ("transformers_version",)


def _without_version_stamps(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if key not in VERSION_STAMPS}


def test_bundle_regenerates_from_the_checkpoints(tmp_path):
    """The shipped bundle is what the converter writes today: the same tensors, the same fields, the same card.

    Compared by content, not bytes: `config.json` carries the installed transformers' version, and a test
    tied to one release turns red with the next one.
    """
    from safetensors.numpy import load_file

    if not PRETRAINED.is_dir():
        pytest.skip(f"published weights {PRETRAINED.parent} are absent (the team's ../shared/pretrained folder)")
    for folder in build_bundle(PRETRAINED.parent, tmp_path):
        shipped_folder = pretrained_path(folder.name)
        assert sorted(p.name for p in folder.iterdir()) == sorted(BUNDLE_FILES)
        rebuilt, shipped = load_file(folder / "model.safetensors"), load_file(shipped_folder / "model.safetensors")
        assert sorted(rebuilt) == sorted(shipped), folder.name
        for name in shipped:
            np.testing.assert_array_equal(rebuilt[name], shipped[name], err_msg=f"{folder.name}: {name}")
        for file_name in ("config.json", "preprocessor_config.json", "training_info.json"):
            rebuilt_fields = json.loads((folder / file_name).read_text())
            shipped_fields = json.loads((shipped_folder / file_name).read_text())
            assert _without_version_stamps(rebuilt_fields) == _without_version_stamps(shipped_fields), (
                f"{folder.name}/{file_name}"
            )
        card = (folder / "README.md").read_text()
        assert card == (shipped_folder / "README.md").read_text(), f"{folder.name}/README.md"


@pytest.mark.parametrize(
    ("available", "kind", "expected"),
    [
        (["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal", "EMG submental"], "EEG", "EEG Fpz-Cz"),
        (["EEG F3-A2", "EEG C3-A2", "EEG C4-A1"], "EEG", "EEG C4-A1"),
        (["E1-M2", "C3-M2", "Chin1-Chin2"], "EEG", "C3-M2"),
        (["Fp1", "CZ", "O2"], "EEG", "CZ"),
        (["EOG(L)", "EEG C4-M1"], "EEG", "EEG C4-M1"),
        (["EEG C4-A1", "EOG E1-M2", "EOG E2-M2"], "EOG", "EOG E1-M2"),
        (["C4-M1", "E1-M2"], "EOG", "E1-M2"),
        (["EMG", "EMG chin"], "EMG", "EMG chin"),
        (["C4", "Chin"], "EMG", "Chin"),
    ],
)
def test_channels_are_picked_by_name(available, kind, expected):
    assert pick_channel(kind, available) == expected


def test_channel_picking_keeps_named_channels_and_explains_a_missing_kind():
    assert default_channels(["EEG Fpz-Cz"], ["eeg fpz-cz"]) == ["EEG Fpz-Cz"]
    assert default_channels(["EEG", "EOG", "EMG"], ["C3-M2", "E1-M2", "Chin1-Chin2"]) == [
        "C3-M2", "E1-M2", "Chin1-Chin2"
    ]
    with pytest.raises(ValueError, match=r"no channel looks like a central EEG \(C4, C3, Cz\) or Fpz-Cz; the "
                                         r"recording has: ECG, Resp\. Choose with --channels"):
        default_channels(["EEG"], ["ECG", "Resp"])


def test_predict_night_standardises_over_the_whole_night():
    model = load_pretrained()
    epochs = torch.from_numpy(stage_like_signal(cycling_hypnogram(0.5))).reshape(-1, 1, 3000)
    whole = predict_night(model, epochs, batch_size=1000)
    chunked = predict_night(model, epochs, batch_size=7)  # chunks of 7 epochs share the night's statistics
    # float32 sums: a relative tolerance, since log-probabilities of rare stages reach -20 and below
    np.testing.assert_allclose(chunked.log_prob_sum, whole.log_prob_sum, rtol=1e-5, atol=1e-6)
    # A plain forward standardises with its own input: the whole night as one sequence gives the same statistics.
    with torch.no_grad():
        plain = model(epochs[None]).logits
        with model.recording_statistics(epochs):
            scoped = model(epochs[None]).logits
    torch.testing.assert_close(plain, scoped)
    assert model.seqsleepnet.epoch_encoder.front_end.recording_mean_std is None  # nothing left behind


def test_stage_without_model_uses_the_bundled_default(tmp_path, capsys):
    signal = stage_like_signal(cycling_hypnogram(0.5), seed=1)
    rng = np.random.default_rng(0)
    recording = write_edf(
        tmp_path / "night.edf",
        {"EEG F4-M1": signal + rng.normal(0, 5, signal.shape), "EEG C4-M1": signal, "EOG E1-M2": signal / 2,
         "EMG chin": rng.normal(0, 3, signal.shape)},
    )
    assert main(["stage", str(recording), "--out-dir", str(tmp_path / "out"), "--quiet"]) == 0
    stats = json.loads((tmp_path / "out" / "night_sleep_stats.json").read_text())
    assert stats["channels"] == ["EEG C4-M1"] and stats["n_epochs"] == 60
    assert stats["model"] == "consensus of 7"  # the 7 RobustSleepNet models on the one central EEG
    assert main(["stage", str(recording), "--model", "hf-sleep/seqsleepnet-physioex-eeg-eog-emg",
                 "--out-dir", str(tmp_path / "out3"), "--quiet"]) == 0
    stats = json.loads((tmp_path / "out3" / "night_sleep_stats.json").read_text())
    assert stats["channels"] == ["EEG C4-M1", "EOG E1-M2", "EMG chin"]
    capsys.readouterr()
    bare = write_edf(tmp_path / "bare.edf", {"ECG": signal})
    assert main(["stage", str(bare), "--out-dir", str(tmp_path / "out4")]) == 2
    assert "no channel looks like a central EEG (C4, C3, Cz) or Fpz-Cz; the recording has: ECG" in (
        capsys.readouterr().err
    )


def test_default_model_stages_real_eeg(shared_data, tmp_path):
    """YASA's real N3 and N2 EEG, 200 Hz, staged with no --model: every epoch scored as NREM sleep.

    (Standardised over a "recording" of only N2 and N3, the two look alike to the model: it says N2 throughout.
    Per-recording statistics need a recording with its stages mixed, as a night has.)
    """
    from hf_sleep import stage_recording

    signal, sfreq = yasa_excerpt(shared_data, repeats=6)  # 6 x (N3 epoch, N2 epoch) at 200 Hz
    recording = write_edf(tmp_path / "yasa.edf", {"EEG C4-A1": signal}, sfreq)
    result = stage_recording(recording, output_dir=tmp_path / "out")
    assert result.n_epochs == 12 and result.channels == ["EEG C4-A1"]
    assert set(result.stages) <= {"N2", "N3"}, result.stages
    assert result.probabilities[:, [2, 3]].sum(axis=1).min() > 0.6
