"""A later `model.push_to_hub(...)` keeps what `push_model(...)` said about training (the README's Python push)."""

from __future__ import annotations

import json

from .conftest import run_client

CLIENT = """
import json, warnings
import numpy as np
from huggingface_hub import ModelCard
from transformers import EvalPrediction
from hf_sleep import get_architecture
from hf_sleep.hub import push_model
from hf_sleep.training.metrics import build_compute_metrics

warnings.simplefilter("ignore")
model = get_architecture("tinysleepnet").build()
rng = np.random.default_rng(0)
metrics = build_compute_metrics(model.config.stage_names)(
    EvalPrediction(predictions=rng.normal(size=(200, 5)), label_ids=rng.integers(0, 5, size=200))
)
push_model(model, "hf-sleep/pushed-twice", trained=True, eval_results=metrics,
           training_info={"dataset_name": "Sleep-EDF SC", "split": "by subject, 80/10/10"})
first = ModelCard.load("hf-sleep/pushed-twice")
model.push_to_hub("hf-sleep/pushed-twice", eval_results=metrics)
second = ModelCard.load("hf-sleep/pushed-twice")
print(json.dumps({"first": first.content, "second": second.content}))
"""


def test_model_push_to_hub_after_push_model_keeps_the_dataset_of_the_card(local_hub, hf_home):
    result = run_client(local_hub, hf_home, ["-c", CLIENT])
    assert result.returncode == 0, result.stderr[-4000:]
    cards = json.loads(result.stdout.strip().splitlines()[-1])
    assert "trained on Sleep-EDF SC." in cards["first"]
    assert "trained on Sleep-EDF SC." in cards["second"], "the second push forgot the training data"
    assert "trained on ." not in cards["second"] and "name: unknown" not in cards["second"]
    assert "by subject, 80/10/10" in cards["second"]
