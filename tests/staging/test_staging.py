"""Whole-recording staging: reading, preprocessing, the four outputs, bad input, the CLI."""

from __future__ import annotations

import csv
import json
import math

import mne
import numpy as np
import pytest
import torch

from hf_sleep import get_architecture
from hf_sleep.cli import main
from hf_sleep.models.sleep_base.signals import resolve_channels
from hf_sleep.staging import (
    read_hypnogram_annotations,
    read_signals,
    stage_recording,
    stage_recordings,
)
from hf_sleep.staging.sleep_stats import sleep_statistics

from ..testers import TESTERS
from .helpers import cycling_hypnogram, stage_like_signal, write_edf, write_sleep_edf_night, yasa_excerpt


def tiny(name: str = "tinysleepnet", **overrides):
    torch.manual_seed(0)
    config = TESTERS[name].config(**overrides)
    return get_architecture(name).model_class(config).eval()


def read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def check_outputs(result, n_epochs: int) -> None:
    """The four files exist and agree with each other and with the result."""
    files = result.files
    assert sorted(files) == ["annotations", "csv", "plot", "statistics"]
    rows = read_csv(files["csv"])
    assert len(rows) == n_epochs == result.n_epochs
    assert list(rows[0]) == ["onset", "duration", "stage", *(f"prob_{s}" for s in result.stage_names)]
    probabilities = np.array([[float(row[f"prob_{s}"]) for s in result.stage_names] for row in rows])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert [row["stage"] for row in rows] == result.stages
    # The CSV's stage is its most probable class (ties aside).
    assert [result.stage_names[i] for i in probabilities.argmax(axis=1)] == result.stages
    assert float(rows[-1]["onset"]) == 30.0 * (n_epochs - 1)
    # EDF+ annotations re-open with MNE with the same stage for every epoch.
    assert read_hypnogram_annotations(files["annotations"]) == result.stages
    annotations = mne.read_annotations(files["annotations"])
    assert annotations.duration.sum() == 30.0 * n_epochs
    stats = json.loads(files["statistics"].read_text())
    expected = sleep_statistics(result.stages)
    for key, value in expected.items():
        assert (stats["statistics"][key] is None and math.isnan(value)) or stats["statistics"][key] == value
    image = __import__("matplotlib.image").image.imread(files["plot"])
    assert image.shape[0] > 300 and image.shape[1] > 1000
    # Nothing else (no temporary folder) is left in the output folder.
    assert sorted(p.name for p in files["csv"].parent.iterdir()) == sorted(p.name for p in files.values())


def test_22_hour_sleep_edf_night(tmp_path):
    hypnogram = cycling_hypnogram(22.0)
    recording = write_sleep_edf_night(tmp_path / "SC4001E0-PSG.edf", hypnogram)
    result = stage_recording(recording, tiny(), output_dir=tmp_path / "out")
    check_outputs(result, 2640)
    assert result.channels == ["EEG Fpz-Cz"] and result.warnings == [] and result.dropped_seconds == 0
    assert result.files["csv"].name == "SC4001E0-PSG_hypnogram.csv"


def test_real_eeg_excerpt_resampled_from_200_hz(shared_data, tmp_path):
    signal, sfreq = yasa_excerpt(shared_data, repeats=3)
    recording = write_edf(tmp_path / "yasa.edf", {"EEG C4-A1": signal}, sfreq)
    model = tiny("deepsleepnet")
    result = stage_recording(recording, model, channels=["EEG C4-A1"], output_dir=tmp_path / "out")
    check_outputs(result, 6)
    assert result.warnings == []
    # The real N3 snippet survives reading, 200 -> 100 Hz resampling and unit conversion.
    n3 = np.loadtxt(shared_data / "yasa" / "data_N3_no-spindles_30sec_100Hz.txt")
    read, _ = read_signals(recording, ["EEG C4-A1"], sfreq=100.0)
    assert np.corrcoef(read[0, 100:2900], n3[100:2900])[0, 1] > 0.99
    np.testing.assert_allclose(read[0, :3000].std(), n3.std(), rtol=0.02)


def test_channels_derivations_and_reference(tmp_path):
    rng = np.random.default_rng(0)
    a, b, c = (20 * rng.standard_normal(6000) for _ in range(3))
    recording = write_edf(tmp_path / "r.edf", {"C4": a, "M1": b, "EEG Fpz-Cz": c}, slow_channel=False)
    signal, info = read_signals(recording, ["C4-M1", "eeg fpz-cz"], sfreq=100.0)
    assert info["channels"] == ["C4 - M1", "EEG Fpz-Cz"]  # derivations are named as the contract writes them
    np.testing.assert_allclose(signal[0], a - b, atol=0.05)  # 16-bit EDF quantisation
    np.testing.assert_allclose(signal[1], c, atol=0.05)
    referenced, _ = read_signals(recording, ["C4"], reference="M1", sfreq=100.0)
    np.testing.assert_allclose(referenced[0], a - b, atol=0.05)
    averaged, _ = read_signals(recording, ["C4"], reference="average", sfreq=100.0)
    np.testing.assert_allclose(averaged[0], a - (a + b + c) / 3, atol=0.05)
    with pytest.raises(ValueError, match="'O2' is not in the recording; it has: C4, M1, EEG Fpz-Cz"):
        resolve_channels(["O2"], ["C4", "M1", "EEG Fpz-Cz"])


def test_fif_recording_and_saved_model_folder(tmp_path):
    data = stage_like_signal(["N2"] * 5)[None] * 1e-6
    raw = mne.io.RawArray(data, mne.create_info(["EEG Fpz-Cz"], 100.0, "eeg"), verbose="error")
    raw.save(tmp_path / "nap_raw.fif", verbose="error")
    tiny().save_pretrained(tmp_path / "model")
    result = stage_recording(tmp_path / "nap_raw.fif", str(tmp_path / "model"), output_dir=tmp_path / "out")
    check_outputs(result, 5)


def test_volts_stored_as_microvolts_warn_and_rescale(tmp_path):
    signal = stage_like_signal(["W"] * 4) * 1e-6  # volts, but the header will say µV
    recording = write_edf(tmp_path / "wrong_unit.edf", {"EEG Fpz-Cz": signal}, slow_channel=False)
    with pytest.warns(UserWarning, match="volts where its header says µV"):
        result = stage_recording(recording, tiny())
    assert len(result.warnings) == 1
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert stage_recording(recording, tiny(), rescale=1e6).warnings == []


def test_short_missing_corrupt_and_existing_leave_nothing(tmp_path):
    out = tmp_path / "out"
    short = write_edf(tmp_path / "short.edf", {"EEG Fpz-Cz": stage_like_signal(["W"])[:2000]}, slow_channel=False)
    with pytest.raises(ValueError, match=r"short.edf is 20.0 s long, shorter than one 30-s epoch"):
        stage_recording(short, tiny(), output_dir=out)
    night = write_sleep_edf_night(tmp_path / "night.edf", ["W"] * 3)
    with pytest.raises(ValueError, match="'EEG C3-A2' is not in the recording; it has: EEG Fpz-Cz, EEG Pz-Oz"):
        stage_recording(night, tiny(), channels=["EEG C3-A2"], output_dir=out)
    corrupt = tmp_path / "corrupt.edf"
    corrupt.write_bytes(b"0       this is not an EDF header" * 3)
    with pytest.raises(ValueError, match=r"corrupt\.edf: not an EDF file"):
        stage_recording(corrupt, tiny(), output_dir=out)
    with pytest.raises(FileNotFoundError, match="missing.edf does not exist"):
        stage_recording(tmp_path / "missing.edf", tiny(), output_dir=out)
    assert not out.exists() or list(out.iterdir()) == []
    stage_recording(night, tiny(), output_dir=out)
    with pytest.raises(FileExistsError, match="night_hypnogram.csv"):
        stage_recording(night, tiny(), output_dir=out)
    assert stage_recording(night, tiny(), output_dir=out, overwrite=True).n_epochs == 3


def test_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    night = write_sleep_edf_night(tmp_path / "night.edf", ["W", "N2", "N2"])

    def broken_plot(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("hf_sleep.staging.plotting.plot_hypnogram", broken_plot)
    with pytest.raises(RuntimeError, match="disk full"):
        stage_recording(night, tiny(), output_dir=tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_cli(tmp_path, capsys):
    night = write_sleep_edf_night(tmp_path / "night.edf", cycling_hypnogram(0.5))
    code = main(["stage", str(night), "--architecture", "tinysleepnet", "--out-dir", str(tmp_path / "o"), "--stride", "5"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "RANDOM weights" in out and "60 epochs (0.50 h)" in out and "TST" in out
    assert (tmp_path / "o" / "night_hypnogram.edf").is_file()
    code = main(["stage", str(night), "--architecture", "tinysleepnet", "--channels", "Fp1", "--out-dir", str(tmp_path)])
    assert code == 2
    assert "'Fp1' is not in the recording; it has: EEG Fpz-Cz" in capsys.readouterr().err


def test_demo_night_is_deterministic_and_plausible(tmp_path):
    from hf_sleep.staging.demo_night import demo_hypnogram, make_demo_night
    from hf_sleep.staging.sleep_stats import sleep_statistics as stats_of

    hypnogram = demo_hypnogram(8.0)
    assert hypnogram == demo_hypnogram(8.0) and len(hypnogram) == 960
    stats = stats_of(hypnogram)
    assert 10 <= stats["SOL"] <= 20 and 70 <= stats["SE"] <= 95 and stats["REM"] > 0 and stats["N3"] > 0
    for seed in (0, 1, 2):  # healthy adults: first REM 60-120 min after sleep onset, REM 15-25 % of sleep
        stats = stats_of(demo_hypnogram(8.0, seed))
        assert 60 <= stats["REM_latency"] <= 120 and 15 <= stats["%REM"] <= 25 and 10 <= stats["%N3"] <= 25, stats
    first = make_demo_night(tmp_path / "a", hours=0.5)
    second = make_demo_night(tmp_path / "b", hours=0.5)
    assert first.read_bytes() == second.read_bytes()
    signal, info = read_signals(first, ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"], sfreq=100.0)
    assert signal.shape == (3, 180_000) and info["warnings"] == []



@pytest.mark.slow
def test_default_model_stages_the_demo_night_as_it_was_generated(tmp_path):
    """The night `hf-sleep demo` stages, read by the trained 1-EEG default: the stages the night was generated
    from, with the REM share and REM latency of healthy adults (Carskadon & Dement: REM 20-25 % of sleep, first
    REM 70-120 min after sleep onset; 15-25 % and 60-120 min as the demo hypnogram test allows)."""
    from sklearn.metrics import cohen_kappa_score

    from hf_sleep.staging.demo_night import demo_hypnogram, make_demo_night

    psg = make_demo_night(tmp_path / "night", 8.0)  # the demo's night: 8 h, seed 0
    result = stage_recording(psg, "seqsleepnet-physioex-eeg", plot=False)
    truth = demo_hypnogram(8.0)[: result.n_epochs]
    stats = result.statistics
    assert cohen_kappa_score(truth, list(result.stages)) >= 0.7
    assert 60 <= stats["REM_latency"] <= 120 and 15 <= stats["%REM"] <= 25, stats

def test_model_argument_errors(tmp_path):
    night = write_sleep_edf_night(tmp_path / "night.edf", ["W"] * 2)
    with pytest.raises(FileNotFoundError, match="model folder ./no/such/model does not exist"):
        stage_recording(night, "./no/such/model")
    with pytest.raises(ValueError, match="could not load a model from 'someone/not-cached'"):
        stage_recording(night, "someone/not-cached")  # offline in tests: the Hub id cannot resolve
    with pytest.raises(ValueError, match="not an hf_sleep sleep-staging model"):
        stage_recording(night, torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="takes 1 channel"):
        stage_recording(night, tiny(), channels=["EEG Fpz-Cz", "EEG Pz-Oz"])


def test_a_backend_plugs_in_at_the_predict_step(tmp_path):
    """`score_night` stages a night read for a model with any `epochs -> NightPrediction` function (the seam an
    ONNX runtime uses): given the torch model's predictions, it gives exactly what `stage_recording` gives."""
    from hf_sleep.staging import load_feature_extractor, read_night, score_night
    from hf_sleep.staging.inference import predict_night

    hypnogram = cycling_hypnogram(1.0)
    recording = write_sleep_edf_night(tmp_path / "SC4001E0-PSG.edf", hypnogram)
    model = tiny("deepsleepnet")
    night = read_night(recording, load_feature_extractor(None, model.config))
    seen = []

    def predict(epochs):
        seen.append(epochs)
        return predict_night(model, epochs)

    result = score_night(recording, night, predict, context_epochs=model.config.seq_len)
    expected = stage_recording(recording, model)
    assert len(seen) == 1 and isinstance(seen[0], np.ndarray) and seen[0].shape == (len(hypnogram), 1, 3000)
    assert result.stages == expected.stages and result.statistics == expected.statistics
    np.testing.assert_array_equal(result.probabilities, expected.probabilities)
    assert set(result.timings) == {"model"} and {"load_model", "read", "model"} <= set(expected.timings)


def test_a_contract_at_another_rate_than_the_model_is_refused(tmp_path):
    """A `preprocessor_config.json` cutting 60-s epochs at 50 Hz has the model's 3000 samples per epoch, but the
    model was built for 30 s at 100 Hz: staging refuses in one line (the rate has one home, and it is checked)."""
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    night = write_sleep_edf_night(tmp_path / "night.edf", ["W"] * 4)
    model = tiny()
    model.save_pretrained(tmp_path / "model")
    SleepFeatureExtractor(["EEG Fpz-Cz"], sfreq=50.0, epoch_seconds=60.0).save_pretrained(tmp_path / "model")
    with pytest.raises(ValueError, match=r"model: preprocessor_config.json samples at 50 Hz but the model was built "
                       r"for 100 Hz \(60-s epochs, not 30 s\)") as error:  # fmt: skip
        stage_recording(night, str(tmp_path / "model"))
    assert "\n" not in str(error.value)


def test_a_feature_extractor_given_beside_the_model_reads_the_recording(tmp_path):
    """`feature_extractor=` says which channels a model instance reads (its contract, not its config); one that
    does not fit the model is refused in one line naming the argument."""
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    hypnogram = cycling_hypnogram(0.5)
    pz_oz = stage_like_signal(hypnogram, seed=1)
    recording = write_edf(
        tmp_path / "r.edf", {"EEG Fpz-Cz": 0.2 * stage_like_signal(hypnogram), "EEG Pz-Oz": pz_oz}, slow_channel=False
    )
    model = tiny()
    contract = SleepFeatureExtractor.from_model_config(model.config, ch_names=["EEG Pz-Oz"])
    result = stage_recording(recording, model, feature_extractor=contract)
    assert result.channels == ["EEG Pz-Oz"]
    staged_by_name = stage_recording(recording, model, channels=["EEG Pz-Oz"])
    np.testing.assert_allclose(result.probabilities, staged_by_name.probabilities, atol=1e-6)
    # Many nights read ahead with the same contract.
    [many] = list(stage_recordings([recording], model, feature_extractor=contract))
    assert many.channels == ["EEG Pz-Oz"]
    np.testing.assert_allclose(many.probabilities, result.probabilities, atol=1e-6)

    two = SleepFeatureExtractor.from_model_config(model.config, ch_names=["EEG Fpz-Cz", "EEG Pz-Oz"])
    with pytest.raises(ValueError, match="feature_extractor") as error:
        stage_recording(recording, model, feature_extractor=two)
    assert "\n" not in str(error.value)
