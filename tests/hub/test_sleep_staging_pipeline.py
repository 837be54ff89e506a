"""`pipeline("sleep-staging", model=...)`: registered by hf_sleep, and saved into every model folder and published
repository so that it stages a night with `trust_remote_code=True` in a process where hf_sleep cannot be imported."""

from __future__ import annotations

import json

import mne
import numpy as np
import pytest

from hf_sleep.pretrained import pretrained_path
from hf_sleep.staging.demo_night import make_demo_night

from .conftest import BLOCK_HF_SLEEP, run_client

HOURS = 1.0


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    return make_demo_night(tmp_path_factory.mktemp("pipeline-night"), HOURS, seed=3)


@pytest.fixture(scope="module")
def stager():
    from transformers import pipeline

    from hf_sleep import register_auto_classes

    register_auto_classes()  # hf_sleep was imported before transformers here: register as its docstring says
    return pipeline("sleep-staging", model=str(pretrained_path()))


def test_registered_pipeline_stages_a_path_a_raw_and_an_array_as_hf_sleep_stage_does(stager, night, tmp_path):
    from hf_sleep.staging.one_night import stage_recording

    from_path = stager(str(night))
    n_epochs = int(HOURS * 120)
    assert type(stager).__name__ == "SleepStagingPipeline"
    assert len(from_path["stages"]) == n_epochs and from_path["labels"] == ["W", "N1", "N2", "N3", "REM"]
    assert from_path["probabilities"].shape == (n_epochs, 5) and from_path["epoch_seconds"] == 30.0
    np.testing.assert_allclose(from_path["probabilities"].sum(axis=1), 1.0, rtol=1e-6)
    assert from_path["stages"] == [from_path["labels"][i] for i in from_path["probabilities"].argmax(axis=1)]
    # The same night through the command-line stager: the same stages.
    assert stage_recording(night, output_dir=tmp_path, overwrite=True).stages == from_path["stages"]

    raw = mne.io.read_raw_edf(night, preload=True, verbose="error")
    from_raw = stager(raw)
    assert from_raw["stages"] == from_path["stages"]
    # An array in volts, with its channel names: the EEG channel is picked and the unit converted.
    from_array = stager(raw.get_data(), sfreq=raw.info["sfreq"], ch_names=raw.ch_names, units="V")
    assert from_array["stages"] == from_path["stages"]
    np.testing.assert_allclose(from_array["probabilities"], from_path["probabilities"], atol=1e-4)
    with pytest.raises(ValueError, match="an array needs its sampling rate"):
        stager(raw.get_data(picks=[0], units="uV"))


@pytest.mark.slow  # two fresh interpreters load torch and transformers
def test_saved_folder_and_published_repository_stage_without_hf_sleep(stager, night, local_hub, hf_home, tmp_path):
    expected = stager(str(night))["stages"]
    folder = tmp_path / "saved"
    stager.save_pretrained(folder)
    config = json.loads((folder / "config.json").read_text())
    assert config["custom_pipelines"]["sleep-staging"]["impl"] == "sleep_staging_pipeline.SleepStagingPipeline"
    from transformers.dynamic_module_utils import get_imports

    # What transformers requires installed before it runs the saved file (imports inside `try` blocks excepted).
    assert "hf_sleep" not in get_imports(folder / "sleep_staging_pipeline.py")
    # Published as `hf-sleep push` does, from a process that talks to the local Hub.
    pushed = run_client(local_hub, hf_home, ["-c", (
        "import warnings; warnings.simplefilter('ignore')\n"
        "from hf_sleep.hub.publish import push_model\n"
        "from hf_sleep.pretrained import load_pretrained\n"
        "push_model(load_pretrained(), 'hf-sleep/pipeline-night', trained=True)\n"
    )])
    assert pushed.returncode == 0, pushed.stderr[-4000:]

    client = BLOCK_HF_SLEEP + (
        "import json, sys\n"
        "from transformers import pipeline\n"
        "out = {}\n"
        f"local = pipeline(model={str(folder)!r}, trust_remote_code=True)\n"  # the task comes from config.json
        f"out['folder'] = local({str(night)!r})['stages']\n"
        "hub = pipeline('sleep-staging', model='hf-sleep/pipeline-night', trust_remote_code=True)\n"
        f"night = hub({str(night)!r})\n"
        "out['hub'] = night['stages']\n"
        "out['rows'] = night['probabilities'].sum(axis=1).round(6).tolist()\n"
        "out['hf_sleep_imported'] = any(name.startswith('hf_sleep') for name in sys.modules)\n"
        "print(json.dumps(out))\n"
    )
    result = run_client(local_hub, hf_home, ["-c", client], with_hf_sleep=False)
    assert result.returncode == 0, result.stderr[-4000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["hf_sleep_imported"] is False
    assert out["folder"] == expected
    assert out["hub"] == expected
    assert set(out["rows"]) == {1.0}


def test_trained_cards_show_the_pipeline_first():
    card = (pretrained_path() / "README.md").read_text()
    quick_start = card.split("## Quick start", 1)[1]
    first_block = quick_start.split("```python", 1)[1].split("```", 1)[0]
    assert 'pipeline("sleep-staging", model="hf-sleep/seqsleepnet-physioex-eeg", trust_remote_code=True)' in first_block
