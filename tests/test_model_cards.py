"""Generated model cards: the parameter table (from signatures and values), card content and YAML, and the committed cards."""

from __future__ import annotations

import importlib.util
import inspect
import json

import pytest
import yaml
from huggingface_hub import ModelCard

from hf_sleep import ARCHITECTURES
from hf_sleep.hub.model_card import (
    SleepCardCallback,
    SleepModelCardData,
    config_parameters,
    model_card_for,
    normalize_eval_results,
)

from .conftest import REPO_ROOT
from .testers import TESTERS

ARCH_NAMES = sorted(ARCHITECTURES)
STAGES = ["W", "N1", "N2", "N3", "REM"]
RESULTS = {
    "accuracy": 0.8125,
    "macro_f1": 0.7311,
    "cohen_kappa": 0.7402,
    "per_stage_f1": {"W": 0.91, "N1": 0.42, "N2": 0.85, "N3": 0.83, "REM": 0.65},
    "confusion_matrix": [
        [90, 5, 3, 0, 2],
        [8, 20, 12, 0, 10],
        [2, 6, 180, 10, 2],
        [0, 0, 9, 60, 0],
        [3, 7, 5, 0, 70],
    ],
}


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def tiny_model(name: str):
    import torch

    torch.manual_seed(0)
    return ARCHITECTURES[name].model_class(TESTERS[name].config())


@pytest.mark.parametrize("name", ARCH_NAMES)
def test_parameter_table_covers_every_config_argument(name):
    """Read from the signatures and the values, not parsed back from docstrings."""
    config_class = ARCHITECTURES[name].config_class
    config = config_class(**TESTERS[name].tiny_config)
    rows = {row.name: row for row in config_parameters(config)}
    signature = {
        p.name
        for p in inspect.signature(config_class.__init__).parameters.values()
        if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD
    }
    assert signature <= set(rows)
    assert {"n_chans", "sfreq", "id2label"} <= set(rows)  # the shared ones, from the base's signature
    assert not {"ch_names", "units"} & set(rows)  # the signal contract's, in the feature extractor
    for key, value in TESTERS[name].tiny_config.items():  # a changed value shows, its default beside it
        assert rows[key].value == json.dumps(value), key
    assert rows["n_chans"].type == "int" and rows["n_chans"].default == str(config_class().n_chans)


@pytest.fixture(scope="module")
def rendered_cards() -> dict[str, str]:
    """What `scripts/generate_model_cards.py` writes now (rendered once: DeepSleepNet is 22 M parameters)."""
    path = REPO_ROOT / "scripts" / "generate_model_cards.py"
    spec = importlib.util.spec_from_file_location("generate_model_cards", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script.render_all()


@pytest.mark.parametrize("name", ARCH_NAMES)
def test_committed_architecture_card_is_current(name, rendered_cards):
    """Fails when model_cards/<name>.md is stale: run `python scripts/generate_model_cards.py`."""
    path = REPO_ROOT / "model_cards" / f"{name}.md"
    assert path.is_file(), f"model_cards/{name}.md is missing: run python scripts/generate_model_cards.py"
    assert path.read_text(encoding="utf-8") == rendered_cards[f"{name}.md"], (
        f"model_cards/{name}.md is stale: run python scripts/generate_model_cards.py"
    )


@pytest.mark.parametrize("name", ARCH_NAMES)
def test_architecture_card_content(name):
    text = (REPO_ROOT / "model_cards" / f"{name}.md").read_text(encoding="utf-8")
    arch = ARCHITECTURES[name]
    metadata = front_matter(text)
    assert metadata["license"] == "bsd-3-clause" and metadata["library_name"] == "transformers"
    assert {"eeg", "sleep-staging", "biosignal", name, "architecture-only"} <= set(metadata["tags"])
    assert "model-index" not in metadata
    assert "no trained weights" in text and "not a medical device" in text
    assert f'AutoConfig.from_pretrained("hf-sleep/{name}")' in text
    config = arch.config_class()
    n_parameters = sum(p.numel() for p in arch.build().parameters())
    assert f"**{n_parameters:,}**" in text
    for row in config_parameters(config):
        assert f"| `{row.name}` |" in text
    assert f"{config.n_times} samples" in text and f"{config.sfreq:g} Hz" in text
    assert arch.bibtex in text and "@software{hf_sleep" in text
    assert ModelCard(text).data.license == "bsd-3-clause"


def test_trained_card_renders_the_evaluation_and_a_valid_model_index():
    model = tiny_model("tinysleepnet")
    card = model_card_for(
        model,
        repo_id="lab/tiny",
        trained=True,
        eval_results=RESULTS,
        datasets=["lab/sleep-edf"],
        dataset_name="Sleep-EDF SC",
        split="by subject, 80/20",
        hyperparameters={"learning_rate": 1e-4},
    )
    text = str(card)
    assert "| Macro F1 | 0.7311 |" in text and "| Cohen's κ | 0.7402 |" in text
    assert "| **N1** | 8 | 20 | 12 | 0 | 10 |" in text
    assert "| 0.9100 | 0.4200 | 0.8500 | 0.8300 | 0.6500 |" in text
    assert "by subject, 80/20" in text and "| `learning_rate` | 0.0001 |" in text
    assert 'AutoModel.from_pretrained("lab/tiny")' in text and "Architecture only" not in text
    reloaded = ModelCard(text)
    assert reloaded.data.datasets == ["lab/sleep-edf"]
    values = {r.metric_name: r.metric_value for r in reloaded.data.eval_results}
    assert values["Accuracy"] == 0.8125 and values["F1 (REM)"] == 0.65
    assert {r.dataset_split for r in reloaded.data.eval_results} == {"test"}


def test_trainer_metric_keys_are_accepted():
    flat = {"eval_accuracy": 0.5, "eval_macro_f1": 0.4, "eval_kappa": 0.3, "eval_loss": 1.2}
    flat.update({f"eval_f1_{s}": 0.1 * i for i, s in enumerate(STAGES)})
    normalized = normalize_eval_results(flat, STAGES)
    assert normalized["cohen_kappa"] == 0.3 and normalized["per_stage_f1"]["N2"] == pytest.approx(0.2)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"accuracy": 0.5}, "lacks macro_f1, cohen_kappa"),
        ({**RESULTS, "confusion_matrix": [[1, 2], [3, 4]]}, "confusion_matrix must be 5 x 5"),
        ({**RESULTS, "per_stage_f1": {"Wake": 0.5}}, "unknown stages"),
    ],
)
def test_bad_eval_results_raise_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        normalize_eval_results(bad, STAGES)


def test_eval_results_need_a_trained_repository():
    with pytest.raises(ValueError, match="trained=True"):
        SleepModelCardData(trained=False, eval_results=RESULTS)


def test_callback_collects_hyperparameters_and_metrics(tmp_path):
    from transformers import TrainerControl, TrainerState, TrainingArguments

    callback = SleepCardCallback(dataset_name="synthetic", split="random")
    args = TrainingArguments(
        output_dir=str(tmp_path), learning_rate=3e-4, per_device_train_batch_size=8, seed=7
    )
    state, control = TrainerState(global_step=12, epoch=2.0), TrainerControl()
    callback.on_train_begin(args, state, control)
    callback.on_evaluate(
        args, state, control, metrics={"eval_accuracy": 0.6, "eval_macro_f1": 0.5, "eval_kappa": 0.4}
    )
    callback.on_train_end(args, state, control)
    card_data = callback.card_data(tiny_model("tinysleepnet"), repo_id="lab/x")
    assert card_data.hyperparameters["learning_rate"] == 3e-4 and card_data.hyperparameters["seed"] == 7
    assert card_data.hyperparameters["training_steps"] == 12
    assert card_data.eval_results["accuracy"] == 0.6 and card_data.dataset_name == "synthetic"


def test_push_model_rejects_bad_input_before_any_request():
    from hf_sleep.hub import push_model

    model = tiny_model("tinysleepnet")
    with pytest.raises(ValueError, match="repo_id"):
        push_model(model, "a/b/c", trained=False)
    with pytest.raises(ValueError, match="architecture-only"):
        push_model(model, "a/b", trained=False, eval_results=RESULTS)
    with pytest.raises(ValueError, match="unknown keys"):
        push_model(model, "a/b", trained=True, eval_results=RESULTS, training_info={"lr": 1})
