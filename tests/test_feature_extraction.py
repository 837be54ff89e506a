"""SleepFeatureExtractor: the signal contract saved beside a model (preprocessor_config.json) and applied to input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from transformers import AutoFeatureExtractor

from hf_sleep import SleepFeatureExtractor, TinySleepNetConfig, TinySleepNetForSleepStaging
from hf_sleep.models.sleep_base.preprocessing import slumbernet_preprocess


def _signal(n_chans: int, seconds: float, sfreq: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (20 * rng.standard_normal((n_chans, int(seconds * sfreq)))).astype(np.float32)


def test_save_load_round_trip_keeps_every_field(tmp_path):
    extractor = SleepFeatureExtractor(
        ["EEG Fpz - Cz", "EOG"],
        sfreq=128.0,
        epoch_seconds=20.0,
        units="mV",
        ch_types=["eeg", "eog"],
        reference=["A1", "A2"],
        l_freq=0.5,
        h_freq=40.0,
        filter={"method": "butter", "order": 4, "zero_phase": True, "scope": "epoch"},
        preprocessing=[{"name": "log_spectrum_standardization", "scope": "recording"}],
        label_names=["Wake", "NREM", "REM"],
    )
    extractor.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "preprocessor_config.json").read_text())
    assert saved["feature_extractor_type"] == "SleepFeatureExtractor"
    assert saved["ch_names"] == ["EEG Fpz - Cz", "EOG"] and saved["reference"] == ["A1", "A2"]
    loaded = SleepFeatureExtractor.from_pretrained(tmp_path)
    assert loaded.to_dict() == extractor.to_dict()
    # An unknown step (applied by the model's own code) is carried, not applied or rejected.
    assert loaded.model_steps == [{"name": "log_spectrum_standardization", "scope": "recording"}]


def test_auto_feature_extractor_loads_it_from_a_model_folder(tmp_path):
    config = TinySleepNetConfig(seq_len=2)
    TinySleepNetForSleepStaging(config).save_pretrained(tmp_path)
    SleepFeatureExtractor.from_model_config(config, ch_names=["EEG Fpz-Cz"], l_freq=0.3, h_freq=35.0).save_pretrained(
        tmp_path
    )
    loaded = AutoFeatureExtractor.from_pretrained(tmp_path)
    assert isinstance(loaded, SleepFeatureExtractor)
    assert loaded.ch_names == ["EEG Fpz-Cz"] and (loaded.l_freq, loaded.h_freq) == (0.3, 35.0)
    assert loaded.label_names == config.stage_names and loaded.n_times == config.n_times


def test_contract_matches_the_model_config():
    config = TinySleepNetConfig(sfreq=64.0, epoch_seconds=4.0, id2label={0: "W", 1: "S"})
    extractor = SleepFeatureExtractor.from_model_config(config, ch_names=["EEG Pz-Oz"])
    rebuilt = TinySleepNetConfig(**extractor.config_kwargs())
    assert (rebuilt.n_chans, rebuilt.sfreq, rebuilt.epoch_seconds, rebuilt.id2label) == (1, 64.0, 4.0, {0: "W", 1: "S"})
    assert "ch_names" not in rebuilt.to_dict() and "units" not in rebuilt.to_dict()  # the extractor is their home


def test_configs_saved_with_channel_names_still_load(tmp_path):
    """A `config.json` written when configs carried `ch_names` and `units` loads; they are not saved again, and a
    folder without `preprocessor_config.json` still reads the channels it names."""
    config = TinySleepNetConfig(seq_len=2, n_chans=2)
    TinySleepNetForSleepStaging(config).save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert "ch_names" not in saved and "units" not in saved
    saved.update(ch_names=["EEG Fpz-Cz", "EEG Pz-Oz"], units="mV")  # as older releases wrote it
    (tmp_path / "config.json").write_text(json.dumps(saved))
    loaded = TinySleepNetForSleepStaging.from_pretrained(tmp_path)
    assert loaded.config.n_chans == 2 and not hasattr(loaded.config, "ch_names")
    contract = SleepFeatureExtractor.from_model_config(loaded.config)
    assert (contract.ch_names, contract.units) == (["EEG Fpz-Cz", "EEG Pz-Oz"], "mV")
    loaded.save_pretrained(tmp_path / "again")  # the names move to their home
    assert "ch_names" not in json.loads((tmp_path / "again" / "config.json").read_text())
    migrated = SleepFeatureExtractor.from_pretrained(tmp_path / "again")
    assert (migrated.ch_names, migrated.units, migrated.n_times) == (["EEG Fpz-Cz", "EEG Pz-Oz"], "mV", 3000)
    assert SleepFeatureExtractor.from_model_config(TinySleepNetConfig(n_chans=2)).ch_names == ["EEG1", "EEG2"]


def test_arrays_are_resampled_filtered_and_epoched():
    extractor = SleepFeatureExtractor(["EEG"], sfreq=100.0, epoch_seconds=30.0, l_freq=0.3, h_freq=35.0)
    signal = _signal(1, 95, 200.0)
    out = extractor(signal, sfreq=200.0)["input_values"]
    assert out.shape == (3, 1, 3000) and out.dtype == np.float32  # the 5-s tail is dropped
    import mne
    from scipy.signal import resample_poly

    expected = mne.filter.filter_data(
        resample_poly(signal, 1, 2, axis=-1).astype(np.float32).astype(np.float64), 100.0, 0.3, 35.0, verbose="error"
    ).astype(np.float32)
    # The resampler is NumPy's twin of scipy's (hf_sleep.models.sleep_base.filters): equal to float32 rounding.
    expected = expected[:, :9000].reshape(1, 3, 3000).transpose(1, 0, 2)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-6 * np.abs(expected).max())
    assert extractor(signal, sfreq=200.0, return_tensors="pt")["input_values"].dtype.is_floating_point


def test_arrays_pick_and_derive_channels_by_name_and_convert_units():
    extractor = SleepFeatureExtractor(["C3 - A2", "EMG"], sfreq=100.0, epoch_seconds=1.0, units="mV")
    signal = _signal(3, 2, 100.0)
    out = extractor(signal, sfreq=100.0, ch_names=["EMG", "c3", "A2"], units="uV")["input_values"]
    expected = np.stack([signal[1] - signal[2], signal[0]]) * np.float32(1e-3)
    np.testing.assert_allclose(out.transpose(1, 0, 2).reshape(2, -1), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="'C3 - A2' is not in the recording"):
        extractor(signal, sfreq=100.0, ch_names=["EMG", "Cz", "A2"])
    with pytest.raises(ValueError, match="pass ch_names"):
        extractor(signal, sfreq=100.0)
    with pytest.raises(ValueError, match="sampling rate"):
        extractor(signal[:2])


def test_slumbernet_step_is_the_one_implementation():
    extractor = SleepFeatureExtractor(
        ["EEG", "EMG"], sfreq=64.0, epoch_seconds=4.0, preprocessing=[{"name": "slumbernet", "emg_index": 1}],
        label_names=["Wake", "NREM", "REM"],
    )  # fmt: skip
    signal = _signal(2, 41, 256.0)
    out = extractor(signal, sfreq=256.0)["input_values"]
    expected, _ = slumbernet_preprocess(signal[0], signal[1], 256.0, epoch_seconds=4.0, target_sfreq=64.0)
    np.testing.assert_array_equal(out, expected)
    assert out.shape == (10, 2, 256) and extractor.model_steps == []


def test_epoch_scope_butterworth_filters_each_epoch_alone():
    extractor = SleepFeatureExtractor(
        ["EEG"], sfreq=100.0, epoch_seconds=10.0, l_freq=1.0, h_freq=30.0,
        filter={"method": "butter", "order": 4, "zero_phase": True, "scope": "epoch"},
    )  # fmt: skip
    signal = _signal(1, 30, 100.0)
    whole = extractor(signal, sfreq=100.0)["input_values"]
    second = extractor(signal[:, 1000:2000], sfreq=100.0)["input_values"]
    np.testing.assert_array_equal(whole[1], second[0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sfreq": 100.0, "epoch_seconds": 0.015}, "whole number of samples"),
        ({"units": "volts"}, "units must be one of"),
        ({"h_freq": 60.0}, "below Nyquist"),
        ({"filter": {"method": "chebyshev"}, "l_freq": 1.0}, "filter method"),
        ({"preprocessing": [{"scope": "epoch"}]}, "needs a 'name'"),
        ({"preprocessing": [{"name": "slumbernet"}]}, "one EEG and one EMG"),
    ],
)
def test_bad_contracts_are_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SleepFeatureExtractor(["EEG"], **kwargs)


def test_remote_code_folder_loads_the_extractor_without_hf_sleep(tmp_path):
    saved = tmp_path / "saved"
    extractor = SleepFeatureExtractor(
        ["EEG", "EMG"], sfreq=64.0, epoch_seconds=4.0, preprocessing=[{"name": "slumbernet", "emg_index": 1}],
        label_names=["Wake", "NREM", "REM"],
    )  # fmt: skip
    extractor.save_pretrained(saved)
    assert (saved / "feature_extraction_sleep.py").is_file()
    signal = _signal(2, 16, 256.0)
    np.save(tmp_path / "x.npy", signal)
    np.save(tmp_path / "expected.npy", extractor(signal, sfreq=256.0)["input_values"])
    script = textwrap.dedent(
        f"""
        import sys, importlib.abc
        class BlockHfSleep(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "hf_sleep" or name.startswith("hf_sleep."):
                    raise ImportError("hf_sleep is deliberately unavailable in this test")
        sys.meta_path.insert(0, BlockHfSleep())
        import numpy as np
        from transformers import AutoFeatureExtractor
        extractor = AutoFeatureExtractor.from_pretrained({str(saved)!r}, trust_remote_code=True)
        assert "hf_sleep" not in sys.modules
        out = extractor(np.load({str(tmp_path / "x.npy")!r}), sfreq=256.0)["input_values"]
        np.testing.assert_array_equal(out, np.load({str(tmp_path / "expected.npy")!r}))
        print("REMOTE-OK", type(extractor).__module__)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HF_MODULES_CACHE"] = str(tmp_path / "modules")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "REMOTE-OK transformers_modules" in result.stdout


def test_model_card_shows_the_channels_and_preprocessing_of_the_saved_extractor(tmp_path):
    from transformers import AutoModel

    from hf_sleep.hub.model_card import model_card_for

    config = TinySleepNetConfig(seq_len=2, ch_names=["EEG Fpz-Cz"])
    TinySleepNetForSleepStaging(config).save_pretrained(tmp_path)
    SleepFeatureExtractor.from_model_config(config, l_freq=0.3, h_freq=35.0).save_pretrained(tmp_path)
    card = str(model_card_for(AutoModel.from_pretrained(tmp_path), repo_id="me/tiny", trained=False))
    assert "`EEG Fpz-Cz`" in card and "band-passed 0.3-35 Hz (zero-phase FIR (MNE) over the whole recording)" in card
    assert "preprocessor_config.json" in card
