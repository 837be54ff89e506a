"""Client side of the Hub tests, run in a fresh interpreter whose `huggingface_hub` talks to the local Hub.

    python publish_flows.py WORKDIR

Runs every publishing flow against the real client code and writes what it observed to
`WORKDIR/report.json` (one entry per scenario, an `error` entry where a scenario raised), which the
pytest side asserts on. Arrays the no-hf_sleep process compares against are written beside it.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import torch
from huggingface_hub import HfApi, ModelCard, metadata_update
from transformers import AutoConfig, AutoModel, Trainer, TrainingArguments

from hf_sleep import ARCHITECTURES
from hf_sleep.cli import main as cli_main
from hf_sleep.hub import (
    HubAuthenticationError,
    HubUploadError,
    RepositoryConflictError,
    push_model,
)
from hf_sleep.hub.model_card import SleepCardCallback
from hf_sleep.training.metrics import build_compute_metrics
from hf_sleep.training.trainer import CardTrainerMixin
from tests.testers import TESTERS

WORKDIR = Path(sys.argv[1])
REPO_ROOT = Path(__file__).resolve().parents[3]
REPORT: dict[str, dict] = {}
API = HfApi()
warnings.filterwarnings("ignore")


def scenario(name: str):
    def wrap(function):
        try:
            REPORT[name] = function() or {}
        except Exception as error:  # recorded, so the other scenarios still run and the test shows the cause
            REPORT[name] = {
                "error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc()[-3000:],
            }
        return function

    return wrap


def python_blocks(card_text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", card_text, re.DOTALL)



class CardTrainer(CardTrainerMixin, Trainer):
    pass


def random_dataset(config, n: int, seed: int) -> list[dict]:
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for _ in range(n):
        x = 20.0 * torch.randn(config.seq_len, config.n_chans, config.n_times, generator=generator)
        labels = torch.randint(0, config.num_labels, (config.seq_len,), generator=generator)
        rows.append({"input_values": x, "labels": labels})
    return rows


# --------------------------------------------------------------------------------------- trained models
TRAINED: dict[str, dict] = {}

for name in sorted(ARCHITECTURES):

    @scenario(f"trained/{name}")
    def _trained(name=name):
        torch.manual_seed(0)
        arch = ARCHITECTURES[name]
        model = arch.model_class(TESTERS[name].config())
        config = model.config
        repo_id = f"tester/{name}-tiny-trained"
        callback = SleepCardCallback(dataset_name="synthetic noise", split="12 training and 4 test sequences")
        args = TrainingArguments(
            output_dir=str(WORKDIR / f"run-{name}"),
            per_device_train_batch_size=4,
            per_device_eval_batch_size=4,
            max_steps=3,
            learning_rate=1e-3,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            hub_model_id=repo_id,
            seed=0,
            disable_tqdm=True,
        )
        trainer = CardTrainer(
            model=model,
            args=args,
            train_dataset=random_dataset(config, 12, 1),
            eval_dataset=random_dataset(config, 4, 2),
            # The package's own metrics (the local `evaluate` module), as `hf-sleep train` reports them.
            compute_metrics=build_compute_metrics(config.stage_names),
            callbacks=[callback],
        )
        trainer.train()
        metrics = trainer.evaluate()
        first = trainer.push_to_hub()
        second = trainer.push_to_hub()
        model.eval()
        x = 20.0 * torch.randn(
            2, config.seq_len, config.n_chans, config.n_times, generator=torch.Generator().manual_seed(3)
        )
        with torch.no_grad():
            expected = model(x).logits.numpy()
        np.save(WORKDIR / f"{name}-x.npy", x.numpy())
        np.save(WORKDIR / f"{name}-expected.npy", expected)
        loaded = AutoModel.from_pretrained(repo_id).eval()
        with torch.no_grad():
            got = loaded(x).logits.numpy()
        card = ModelCard.load(repo_id)
        namespace: dict = {}
        # The card's Auto-class block runs on the tensors it makes itself; its pipeline block needs a recording
        # and is run against a repository of the local Hub in tests/hub/test_sleep_staging_pipeline.py.
        auto_block = next(block for block in python_blocks(card.text) if "AutoModel" in block)
        exec(compile(auto_block, f"{repo_id} card quick start", "exec"), namespace)
        TRAINED[name] = {"repo_id": repo_id}
        return {
            "repo_id": repo_id,
            "metrics": {k: v for k, v in metrics.items() if k.startswith("eval_")},
            "first_changed": first.changed,
            "second_changed": second.changed,
            "same_commit": first.commit == second.commit,
            "commits": len(API.list_repo_commits(repo_id)),
            "files": sorted(API.list_repo_files(repo_id)),
            "loaded_class": type(loaded).__name__,
            "max_abs_diff": float(np.abs(got - expected).max()),
            "card_text": card.text,
            "quick_start_class": type(namespace["model"]).__name__,
            "card_metadata": card.data.to_dict(),
        }


@scenario("metadata_update")
def _metadata_update():
    repo_id = TRAINED[sorted(TRAINED)[0]]["repo_id"]
    metadata_update(repo_id, {"tags": ["sleep-staging", "eeg", "polysomnography"]}, overwrite=True)
    card = ModelCard.load(repo_id)
    return {"tags": card.data.tags, "still_our_card": "## Input contract" in card.text}


@scenario("model_push_to_hub")
def _model_push_to_hub():
    name = sorted(ARCHITECTURES)[0]
    torch.manual_seed(1)
    model = ARCHITECTURES[name].model_class(TESTERS[name].config())
    result = model.push_to_hub("tester/plain-push", tags=["my-tag"])
    card = ModelCard.load("tester/plain-push")
    return {
        "changed": result.changed,
        "files": sorted(API.list_repo_files("tester/plain-push")),
        "has_input_contract": "## Input contract" in card.text,
        "generic_card": "More information needed" in card.text,
        "tags": card.data.tags,
    }


# -------------------------------------------------------------------------------- architecture-only repos
for name in sorted(ARCHITECTURES):

    @scenario(f"architecture/{name}")
    def _architecture(name=name):
        repo_id = f"hf-sleep/{name}"
        committed = (REPO_ROOT / "model_cards" / f"{name}.md").read_text(encoding="utf-8")
        first_rc = cli_main(["push", name, "--repo-id", repo_id, "--architecture-only"])
        head = API.model_info(repo_id).sha
        second_rc = cli_main(["push", name, "--repo-id", repo_id, "--architecture-only"])
        published = Path(API.hf_hub_download(repo_id, "README.md")).read_text(encoding="utf-8")
        blocks = python_blocks(committed)
        namespace: dict = {}
        exec(compile(blocks[0], f"model_cards/{name}.md quick start", "exec"), namespace)
        weights_error = None
        try:
            AutoModel.from_pretrained(repo_id)
        except OSError as error:
            weights_error = str(error)[:300]
        return {
            "first_rc": first_rc,
            "second_rc": second_rc,
            "unchanged_head": API.model_info(repo_id).sha == head,
            "files": sorted(API.list_repo_files(repo_id)),
            "published_equals_committed": published == committed,
            "quick_start_class": type(namespace["model"]).__name__,
            "quick_start_logits_shape": list(namespace["logits"].shape),
            "from_pretrained_oserror": weights_error,
            "n_python_blocks": len(blocks),
        }


@scenario("conflict")
def _conflict():
    names = sorted(ARCHITECTURES)
    target, other = f"hf-sleep/{names[0]}", ARCHITECTURES[names[-1]].build(**TESTERS[names[-1]].tiny_config)
    outcome: dict = {}
    try:
        push_model(other, target, trained=False)
        outcome["refused"] = False
    except RepositoryConflictError as error:
        outcome["refused"] = True
        outcome["message"] = str(error)
    outcome["cli_rc"] = cli_main(["push", names[-1], "--repo-id", target, "--architecture-only"])
    forced = push_model(other, target, trained=False, force=True)
    outcome["forced_changed"] = forced.changed
    outcome["model_type_after_force"] = AutoConfig.from_pretrained(target).model_type
    # Put the right card back for the quick-start checks of the no-hf_sleep process.
    cli_main(["push", names[0], "--repo-id", target, "--architecture-only", "--force"])
    outcome["restored_type"] = AutoConfig.from_pretrained(target, force_download=True).model_type
    return outcome


@scenario("architecture_only_over_weights")
def _over_weights():
    name = sorted(TRAINED)[0]
    model = ARCHITECTURES[name].build(**TESTERS[name].tiny_config)
    try:
        push_model(model, TRAINED[name]["repo_id"], trained=False)
        return {"refused": False}
    except RepositoryConflictError as error:
        return {"refused": True, "message": str(error)}


@scenario("bad_token")
def _bad_token():
    name = sorted(ARCHITECTURES)[0]
    model = ARCHITECTURES[name].build(**TESTERS[name].tiny_config)
    try:
        push_model(model, "tester/bad-token", trained=False, token="hf_not_a_valid_token")
        return {"raised": None}
    except HubAuthenticationError as error:
        return {
            "raised": type(error).__name__,
            "message": str(error),
            "repo_created": API.repo_exists("tester/bad-token"),
        }


@scenario("dropped_connection")
def _dropped():
    name = sorted(ARCHITECTURES)[0]
    torch.manual_seed(2)
    model = ARCHITECTURES[name].model_class(TESTERS[name].config())
    repo_id = "tester/dropped"
    endpoint = API.endpoint
    # The standard library talks to the local server's control route: the HTTP client under huggingface_hub
    # differs between its releases (httpx, httpx2).
    request = urllib.request.Request(
        f"{endpoint}/__control/drop",
        data=json.dumps({"path_contains": "/commit/", "times": 1}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status
    outcome: dict = {}
    try:
        push_model(model, repo_id, trained=True, eval_results=None)
        outcome["first"] = "succeeded"
    except HubUploadError as error:
        outcome["first"] = type(error).__name__
        outcome["message"] = str(error)
    outcome["files_after_failure"] = sorted(API.list_repo_files(repo_id))
    retry = push_model(model, repo_id, trained=True)
    outcome["retry_changed"] = retry.changed
    outcome["files_after_retry"] = sorted(API.list_repo_files(repo_id))
    loaded = AutoModel.from_pretrained(repo_id).eval()
    same = all(
        torch.equal(a, b)
        for a, b in zip(model.state_dict().values(), loaded.state_dict().values(), strict=True)
    )
    outcome["weights_identical"] = same
    return outcome


@scenario("dataset")
def _dataset():
    import datasets

    rows = {
        "input_values": np.random.default_rng(0).normal(size=(6, 1, 300)).astype("float32").tolist(),
        "labels": [0, 1, 2, 3, 4, 2],
        "subject": ["s1", "s1", "s1", "s2", "s2", "s2"],
    }
    dataset = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict(rows).select(range(4)),
            "test": datasets.Dataset.from_dict(rows).select(range(4, 6)),
        }
    )
    dataset.push_to_hub("tester/tiny-sleep-epochs")
    loaded = datasets.load_dataset("tester/tiny-sleep-epochs", cache_dir=str(WORKDIR / "datasets-cache"))
    return {
        "splits": sorted(loaded),
        "train_labels": loaded["train"]["labels"][:],
        "test_subjects": loaded["test"]["subject"][:],
        "values_equal": np.allclose(
            np.asarray(loaded["train"]["input_values"][:]), np.asarray(rows["input_values"][:4])
        ),
        "files": sorted(API.list_repo_files("tester/tiny-sleep-epochs", repo_type="dataset")),
    }


(WORKDIR / "report.json").write_text(json.dumps(REPORT, indent=1, default=str))
print("CLIENT-DONE", len(REPORT))
