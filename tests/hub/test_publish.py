"""Publishing and loading through the real `huggingface_hub` client against the local Hub server.

One client process runs every flow (`clients/publish_flows.py`); a second one, without hf_sleep, loads
what the first published with `trust_remote_code=True` and runs the cards' second quick start.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from hf_sleep import ARCHITECTURES

from ..conftest import REPO_ROOT
from .conftest import BLOCK_HF_SLEEP, run_client, scenario

pytestmark = pytest.mark.slow  # two fresh interpreters that import torch and transformers, ~1 min on 2 cores
ARCH_NAMES = sorted(ARCHITECTURES)
WEIGHTLESS_FILES = {".gitattributes", "README.md", "config.json"}


@pytest.mark.parametrize("name", ARCH_NAMES)
def test_trained_push_and_load_give_identical_outputs(publish_report, name):
    outcome = scenario(publish_report, f"trained/{name}")
    assert outcome["loaded_class"] == ARCHITECTURES[name].model_class.__name__
    assert outcome["max_abs_diff"] == 0.0
    files = set(outcome["files"])
    assert {"model.safetensors", "config.json", "README.md", f"modeling_{name}.py"} <= files
    assert "training_args.bin" not in files, "the Trainer's pickled arguments must not be published"
    assert outcome["quick_start_class"] == ARCHITECTURES[name].model_class.__name__


@pytest.mark.parametrize("name", ARCH_NAMES)
def test_trained_card_carries_the_evaluation(publish_report, name):
    outcome = scenario(publish_report, f"trained/{name}")
    metrics, text, metadata = outcome["metrics"], outcome["card_text"], outcome["card_metadata"]
    assert metadata["license"] == "bsd-3-clause" and metadata["library_name"] == "transformers"
    assert {"eeg", "sleep-staging", "biosignal", name} <= set(metadata["tags"])
    assert "architecture-only" not in metadata["tags"]
    index = {(m["name"]): m["value"] for m in metadata["model-index"][0]["results"][0]["metrics"]}
    assert index["Accuracy"] == pytest.approx(metrics["eval_accuracy"], abs=1e-4)
    assert index["Macro F1"] == pytest.approx(metrics["eval_macro_f1"], abs=1e-4)
    assert index["Cohen's kappa"] == pytest.approx(metrics["eval_kappa"], abs=1e-4)
    stages = ARCHITECTURES[name].config_class().stage_names
    for stage in stages:
        assert index[f"F1 ({stage})"] == pytest.approx(metrics[f"eval_f1_{stage}"], abs=1e-4)
    assert f"| Accuracy | {metrics['eval_accuracy']:.4f} |" in text
    assert f"| Cohen's κ | {metrics['eval_kappa']:.4f} |" in text
    for stage, row in zip(stages, metrics["eval_confusion_matrix"], strict=True):
        assert f"| **{stage}** | " + " | ".join(map(str, row)) + " |" in text
    assert "| `learning_rate` | 0.001 |" in text and "synthetic noise" in text
    assert "## Training" in text and "Architecture only" not in text


@pytest.mark.parametrize("name", ARCH_NAMES)
def test_pushing_the_same_model_twice_changes_nothing(publish_report, name):
    outcome = scenario(publish_report, f"trained/{name}")
    assert outcome["first_changed"] and not outcome["second_changed"] and outcome["same_commit"]
    assert outcome["commits"] == 2  # the repository's creation, then one push


@pytest.mark.parametrize("name", ARCH_NAMES)
def test_architecture_only_repository_and_its_quick_start(publish_report, name):
    outcome = scenario(publish_report, f"architecture/{name}")
    assert outcome["first_rc"] == 0 and outcome["second_rc"] == 0 and outcome["unchanged_head"]
    files = set(outcome["files"])
    assert WEIGHTLESS_FILES <= files and f"modeling_{name}.py" in files
    assert not any(f.endswith((".safetensors", ".bin")) for f in files)
    assert outcome["published_equals_committed"], "the pushed card differs from model_cards/" + name + ".md"
    assert outcome["quick_start_class"] == ARCHITECTURES[name].model_class.__name__
    config = ARCHITECTURES[name].config_class()
    assert outcome["quick_start_logits_shape"][-1] == config.num_labels
    assert "model.safetensors" in (outcome["from_pretrained_oserror"] or "")


def test_model_push_to_hub_writes_our_card(publish_report):
    outcome = scenario(publish_report, "model_push_to_hub")
    assert outcome["changed"] and "model.safetensors" in outcome["files"]
    assert outcome["has_input_contract"] and not outcome["generic_card"]
    assert "my-tag" in outcome["tags"] and "sleep-staging" in outcome["tags"]


def test_metadata_update_keeps_the_card(publish_report):
    outcome = scenario(publish_report, "metadata_update")
    assert outcome["tags"] == ["sleep-staging", "eeg", "polysomnography"] and outcome["still_our_card"]


def test_pushing_over_another_architecture_is_refused_unless_forced(publish_report):
    outcome = scenario(publish_report, "conflict")
    assert (
        outcome["refused"]
        and "different architecture" in outcome["message"]
        and "force" in outcome["message"]
    )
    assert outcome["cli_rc"] == 1
    assert outcome["forced_changed"] and outcome["model_type_after_force"] == ARCH_NAMES[-1]
    assert outcome["restored_type"] == ARCH_NAMES[0]
    over_weights = scenario(publish_report, "architecture_only_over_weights")
    assert over_weights["refused"] and "trained weights" in over_weights["message"]


def test_bad_token_gives_a_clear_error(publish_report):
    outcome = scenario(publish_report, "bad_token")
    assert outcome["raised"] == "HubAuthenticationError"
    assert "rejected the token" in outcome["message"] and "401" in outcome["message"]
    assert outcome["repo_created"] is False


def test_dropped_connection_is_reported_and_a_retry_completes(publish_report, local_hub):
    outcome = scenario(publish_report, "dropped_connection")
    assert outcome["first"] == "HubUploadError"
    assert "failed half-way" in outcome["message"] and "run the same push again" in outcome["message"]
    assert outcome["files_after_failure"] == [".gitattributes"], "nothing may be committed by the failed push"
    assert outcome["retry_changed"] and "model.safetensors" in outcome["files_after_retry"]
    assert outcome["weights_identical"]
    # The weights reached the server before the commit was lost; the retry did not send them again.
    weight_uploads = [
        path for method, path, _ in local_hub.requests if method == "PUT" and path.startswith("/__lfs/")
    ]
    assert len(weight_uploads) == len(set(p.split("?")[0] for p in weight_uploads))


def test_dataset_push_and_load_dataset(publish_report):
    outcome = scenario(publish_report, "dataset")
    assert outcome["splits"] == ["test", "train"]
    assert outcome["train_labels"] == [0, 1, 2, 3] and outcome["test_subjects"] == ["s2", "s2"]
    assert outcome["values_equal"]
    assert any(f.endswith(".parquet") for f in outcome["files"])


def test_no_unimplemented_endpoint_was_called(publish_report, local_hub):
    assert local_hub.unhandled == []


def test_without_hf_sleep_trust_remote_code_loads_what_was_published(publish_report, local_hub, hf_home):
    """A fresh interpreter that cannot import hf_sleep: trained repos load with `trust_remote_code=True`
    and give identical outputs; each architecture card's second quick start runs as written."""
    workdir = Path(publish_report["_workdir"])
    trained = {name: scenario(publish_report, f"trained/{name}")["repo_id"] for name in ARCH_NAMES}
    blocks = {}
    for name in ARCH_NAMES:
        card = (REPO_ROOT / "model_cards" / f"{name}.md").read_text(encoding="utf-8")
        blocks[name] = re.findall(r"```python\n(.*?)```", card, re.DOTALL)[1]
    script = BLOCK_HF_SLEEP + textwrap.dedent(
        f"""
        import numpy as np, torch
        from transformers import AutoModel
        for name, repo_id in {trained!r}.items():
            model = AutoModel.from_pretrained(repo_id, trust_remote_code=True).eval()
            assert type(model).__module__.startswith("transformers_modules"), type(model).__module__
            x = torch.from_numpy(np.load(f"{workdir}/{{name}}-x.npy"))
            with torch.no_grad():
                logits = model(x).logits.numpy()
            np.testing.assert_array_equal(logits, np.load(f"{workdir}/{{name}}-expected.npy"))
            print("REMOTE-TRAINED-OK", name)
        for name, block in {blocks!r}.items():
            namespace = {{}}
            exec(compile(block, f"model_cards/{{name}}.md", "exec"), namespace)
            assert type(namespace["model"]).__module__.startswith("transformers_modules")
            print("REMOTE-QUICKSTART-OK", name)
        assert "hf_sleep" not in sys.modules
        """
    )
    result = run_client(local_hub, hf_home, ["-c", script], with_hf_sleep=False)
    assert result.returncode == 0, result.stderr[-4000:]
    for name in ARCH_NAMES:
        assert f"REMOTE-TRAINED-OK {name}" in result.stdout
        assert f"REMOTE-QUICKSTART-OK {name}" in result.stdout
