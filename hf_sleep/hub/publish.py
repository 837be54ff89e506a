"""Publishing hf_sleep models to the Hugging Face Hub with generated model cards.

Two kinds of repository:

- **trained**: `model.safetensors`, `config.json`, the modeling code for `trust_remote_code` and a card
  with the evaluation results;
- **architecture-only**: `config.json`, the modeling code and a card, no weights (as braindecode's
  architecture cards), for people who train the architecture themselves.

`push_model` is the one entry point; `model.push_to_hub` (through `push_from_model_method`), `hf-sleep push`
and `hf_sleep.training.trainer.CardTrainerMixin.push_to_hub` all go through it. Publishing is safe to repeat: an unchanged push makes no commit, a push over a
repository holding another architecture (or trained weights, for an architecture-only push) is refused
unless forced, a connection lost half-way is reported and a retry completes it (LFS objects already
uploaded are not sent again), and a rejected token is reported as such.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Seconds before each new try of a push the Hub answered with a server error (5xx).
RETRY_DELAYS: tuple[float, ...] = (1.0, 3.0)
# Files a push owns: stale copies in the repository are deleted so it never mixes two pushes.
MANAGED_SUFFIXES = (".safetensors", ".bin", ".py", ".safetensors.index.json")
# What the card says about training, kept in the repository so that a later push can say it again.
TRAINING_INFO_FILE = "training_info.json"
TRAINING_INFO_KEYS = frozenset(
    {
        "dataset_name", "datasets", "split", "preprocessing", "hyperparameters", "eval_dataset_name",
        "eval_split", "model_name", "tags", "license", "provenance",
    }
)  # fmt: skip


class HubPublishError(RuntimeError):
    """Publishing failed; the message says why and what to do."""


class HubAuthenticationError(HubPublishError):
    """The Hub rejected the token, or the token may not write to the repository."""


class RepositoryConflictError(HubPublishError):
    """The repository holds something this push would silently replace (another architecture, weights)."""


class HubUploadError(HubPublishError):
    """The connection failed during the upload; nothing was committed and the push can be retried."""


@dataclass(frozen=True)
class PushResult:
    """What a push did.

    Args:
        repo_id: the repository, with its namespace.
        commit: the commit id `main` points to after the push.
        changed: whether the push created a commit (False when the repository already held the same files).
        url: the repository's URL.
        files: the files the push sent.
    """

    repo_id: str
    commit: str
    changed: bool
    url: str
    files: tuple[str, ...]


def _transport_errors() -> tuple[type[BaseException], ...]:
    """Connection-level exception classes of whichever HTTP client `huggingface_hub` uses."""
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError]
    for module_name, name in (
        ("httpx2", "TransportError"),
        ("httpx", "TransportError"),
        ("requests", "ConnectionError"),
    ):
        try:
            errors.append(getattr(importlib.import_module(module_name), name))
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


def _transport_cause(error: BaseException) -> BaseException | None:
    """The connection error behind `error` (the client wraps LFS failures in a RuntimeError), if any."""
    transport = _transport_errors()
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, transport):
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def retry_server_errors(action: Callable[[], Any], delays: Sequence[float] | None = None) -> Any:
    """`action()`, tried again after each of `delays` seconds (default `RETRY_DELAYS`) while the Hub answers with
    a server error (5xx: a busy or restarting Hub); other errors are raised at once.

    Args:
        action: the whole idempotent operation (a push that reads the repository's state again).
        delays: the waits before the retries.
    """
    from huggingface_hub.errors import HfHubHTTPError

    for delay in (*(RETRY_DELAYS if delays is None else delays), None):
        try:
            return action()
        except HfHubHTTPError as error:
            status = error.response.status_code if error.response is not None else None
            if delay is None or status is None or status < 500:
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


@contextlib.contextmanager
def hub_failures(repo_id: str, endpoint: str) -> Iterator[None]:
    """Turns what the Hub and the connection raise into one-line `HubPublishError`s naming `repo_id`."""
    from huggingface_hub.errors import HfHubHTTPError

    try:
        yield
    except HfHubHTTPError as error:
        raise _publish_error(error, repo_id, endpoint) from error
    except HubPublishError:
        raise
    except Exception as error:
        cause = _transport_cause(error)
        if cause is None:
            raise
        raise HubUploadError(
            f"the upload to {repo_id} on {endpoint} failed half-way: the connection was lost "
            f"({type(cause).__name__}: {_one_line(cause)}). Nothing was committed; run the same push again to "
            "complete it (files already uploaded are not sent again)"
        ) from error


def _validate_training_info(training_info: dict[str, Any] | None) -> dict[str, Any]:
    if training_info is None:
        return {}
    if not isinstance(training_info, dict):
        raise ValueError(f"training_info must be a dict, got {type(training_info).__name__}")
    unknown = sorted(set(training_info) - TRAINING_INFO_KEYS)
    if unknown:
        raise ValueError(
            f"training_info has unknown keys {unknown}; expected some of {sorted(TRAINING_INFO_KEYS)}"
        )
    return dict(training_info)


def build_card(
    model: Any,
    repo_id: str,
    *,
    trained: bool,
    eval_results: dict[str, Any] | None = None,
    training_info: dict[str, Any] | None = None,
    feature_extractor: Any = None,
    onnx: bool = False,
):
    """The rendered `ModelCard` that `push_model` would publish (no network)."""
    from hf_sleep.hub.model_card import SleepModelCardData, render_model_card

    info = _validate_training_info(training_info)
    if not trained and eval_results is not None:
        raise ValueError(
            "eval_results were given for an architecture-only push; pass trained=True to push weights"
        )
    card_data = SleepModelCardData(repo_id=repo_id, trained=trained, onnx=onnx, **info).set_model(
        model, feature_extractor
    )
    if eval_results is not None:
        card_data.set_eval_results(eval_results)
    return render_model_card(card_data)


def _write_folder(
    model: Any, folder: Path, trained: bool, card: Any, feature_extractor: Any = None, onnx_folder: Any = None
) -> list[str]:
    from hf_sleep.hub.model_card import model_feature_extractor

    if trained:
        model.save_pretrained(folder)  # safetensors + config.json + modeling code
    else:
        model.config.save_pretrained(folder)  # config.json + modeling code, no weights
    # The signal contract travels with every model: preprocessor_config.json (+ its code for trust_remote_code).
    extractor = feature_extractor if feature_extractor is not None else model_feature_extractor(model.config)
    extractor.save_pretrained(folder)
    card.save(folder / "README.md")
    sent = sorted(path.name for path in folder.iterdir() if path.is_file())
    if onnx_folder is not None:  # onnx/model.onnx and onnx/staging.json, where transformers.js looks for them
        (folder / "onnx").mkdir()
        for path in sorted((Path(onnx_folder) / "onnx").iterdir()):
            shutil.copyfile(path, folder / "onnx" / path.name)
            sent.append(f"onnx/{path.name}")
    return sent


def _remote_state(api: Any, repo_id: str, revision: str | None) -> tuple[str | None, list[str], dict | None]:
    """`(head commit, files, config.json)` of the repository, or `(None, [], None)` for a new one."""
    from huggingface_hub.utils import EntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

    try:
        info = api.model_info(repo_id, revision=revision, files_metadata=False)
    except (RepositoryNotFoundError, RevisionNotFoundError):
        return None, [], None
    files = [sibling.rfilename for sibling in info.siblings or []]
    config = None
    if "config.json" in files:
        try:
            path = api.hf_hub_download(repo_id, "config.json", revision=info.sha)
            config = json.loads(Path(path).read_text(encoding="utf-8"))
        except (EntryNotFoundError, ValueError):
            config = None
    return info.sha, files, config


def _published_training_info(api: Any, repo_id: str, revision: str | None) -> dict[str, Any]:
    """The `training_info.json` an earlier push left in the repository (its known keys), or `{}`."""
    from huggingface_hub.utils import EntryNotFoundError

    try:
        content = json.loads(Path(api.hf_hub_download(repo_id, TRAINING_INFO_FILE, revision=revision)).read_text())
    except (EntryNotFoundError, ValueError, UnicodeDecodeError):
        return {}
    return {key: value for key, value in content.items() if key in TRAINING_INFO_KEYS} if isinstance(content, dict) else {}


def _check_conflicts(
    repo_id: str, model: Any, trained: bool, files: list[str], remote_config: dict | None
) -> None:
    ours = model.config.model_type
    if remote_config is not None and remote_config.get("model_type") != ours:
        raise RepositoryConflictError(
            f"{repo_id} holds a different architecture (model_type={remote_config.get('model_type')!r}), "
            f"this push is {ours!r}; pass force=True (or --force) to replace it"
        )
    if remote_config is None and any(f.endswith((".safetensors", ".bin", ".pt")) for f in files):
        raise RepositoryConflictError(
            f"{repo_id} holds weights but no hf_sleep config.json; pass force=True (or --force) to replace it"
        )
    weights = [f for f in files if f.endswith(".safetensors")]
    if not trained and weights:
        raise RepositoryConflictError(
            f"{repo_id} holds trained weights ({', '.join(weights)}) and this architecture-only push would "
            "delete them; pass force=True (or --force) to do so"
        )


def push_model(
    model: Any,
    repo_id: str,
    *,
    trained: bool,
    eval_results: dict[str, Any] | None = None,
    training_info: dict[str, Any] | None = None,
    force: bool = False,
    token: str | bool | None = None,
    commit_message: str | None = None,
    private: bool | None = None,
    revision: str | None = None,
    create_pr: bool = False,
    feature_extractor: Any = None,
    onnx_folder: str | os.PathLike | None = None,
) -> PushResult:
    """Publishes an hf_sleep model to the Hub with its generated card.

    Args:
        model: a `SleepStagingPreTrainedModel` (any registered architecture).
        repo_id: `"namespace/name"` (or `"name"` for the token's own namespace).
        trained: push the weights and a card with evaluation results (True), or only the architecture (False).
        eval_results: accuracy, macro_f1, cohen_kappa (or kappa), per_stage_f1, confusion_matrix, as
            `hf_sleep`'s `compute_metrics` or `Trainer.evaluate` return them. Only for trained pushes.
        training_info: what the card says about training (`SleepModelCardData` arguments: `dataset_name`,
            `datasets`, `split`, `preprocessing`, `hyperparameters`, `eval_dataset_name`, `eval_split`, ...).
        force: replace a repository holding another architecture, or weights on an architecture-only push.
        token: Hub token (default: the logged-in one / `HF_TOKEN`).
        commit_message: defaults to "Upload <Display> (trained|architecture only) with hf_sleep".
        private: visibility when the repository is created.
        revision, create_pr: as in `HfApi.create_commit`.
        feature_extractor: the model's `SleepFeatureExtractor`, published as `preprocessor_config.json`; by
            default the one saved in the folder the model came from, else one derived from its config.
        onnx_folder: a folder written by `hf_sleep.staging.onnx_export.export_onnx` for this model: its
            `onnx/model.onnx` and `onnx/staging.json` are published too, and the card says how to run them.
            Trained pushes only (`hf-sleep push --onnx` exports and passes it).

    Returns:
        A `PushResult`; `changed` is False when the repository already held exactly these files.

    Raises:
        ValueError: bad arguments (nothing is sent).
        HubAuthenticationError: the token was rejected or may not write here.
        RepositoryConflictError: the repository holds something else and `force` is False.
        HubUploadError: the connection failed half-way; run the same push again to complete it.
    """
    from huggingface_hub import HfApi

    _check_push_arguments(model, repo_id, trained, eval_results)
    if onnx_folder is not None:
        if not trained:
            raise ValueError("an ONNX export needs trained weights: onnx_folder is for trained pushes only")
        if not (Path(onnx_folder) / "onnx" / "model.onnx").is_file():
            raise FileNotFoundError(f"{onnx_folder} holds no onnx/model.onnx (write it with hf-sleep export onnx)")
    # Everything that can fail on bad input happens before the first request.
    card = build_card(
        model, repo_id, trained=trained, eval_results=eval_results, training_info=training_info,
        feature_extractor=feature_extractor, onnx=onnx_folder is not None,
    )  # fmt: skip
    api = HfApi(token=token)
    endpoint = api.endpoint
    message = commit_message or (
        f"Upload {model.config.model_type} ({'trained' if trained else 'architecture only'}) with hf_sleep"
    )
    def push_once() -> tuple[Any, str | None, Any, list[str]]:
        repo_url = api.create_repo(repo_id, private=private, exist_ok=True)
        head, info, sent = _commit_model(
            api, repo_url.repo_id, model, card, trained=trained, eval_results=eval_results,
            training_info=training_info, feature_extractor=feature_extractor, force=force, message=message,
            revision=revision, create_pr=create_pr, onnx_folder=onnx_folder,
        )  # fmt: skip
        return repo_url, head, info, sent

    # A server error is tried again (the push reads the repository's state again), then reported in one line.
    with hub_failures(repo_id, endpoint):
        repo_url, head, info, sent = retry_server_errors(push_once)
    repo_id = repo_url.repo_id
    return PushResult(repo_id=repo_id, commit=info.oid, changed=info.oid != head, url=str(repo_url), files=tuple(sent))


def _commit_model(
    api: Any, repo_id: str, model: Any, card: Any, *, trained: bool, eval_results: dict[str, Any] | None,
    training_info: dict[str, Any] | None, feature_extractor: Any, force: bool, message: str, revision: str | None,
    create_pr: bool, onnx_folder: Any = None,
) -> tuple[str | None, Any, list[str]]:  # fmt: skip
    """Checks what the repository holds, then commits the model's folder in one commit.

    Returns the head before the commit, the commit's info and the file names sent.
    """
    head, remote_files, remote_config = _remote_state(api, repo_id, revision)
    if not force:
        _check_conflicts(repo_id, model, trained, remote_files, remote_config)
    if trained and TRAINING_INFO_FILE in remote_files:
        # A later push (`model.push_to_hub(...)` after `push_model(...)`) keeps what the card said about
        # training unless it says otherwise.
        published = _published_training_info(api, repo_id, head)
        if {**published, **(training_info or {})} != (training_info or {}):
            training_info = {**published, **(training_info or {})}
            card = build_card(
                model, repo_id, trained=trained, eval_results=eval_results, training_info=training_info,
                feature_extractor=feature_extractor, onnx=onnx_folder is not None,
            )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="hf_sleep_push_") as tmp:
        sent = _write_folder(model, Path(tmp), trained, card, feature_extractor, onnx_folder)
        if trained and training_info:
            (Path(tmp) / TRAINING_INFO_FILE).write_text(json.dumps(training_info, indent=2, sort_keys=True) + "\n")
            sent.append(TRAINING_INFO_FILE)
        info = api.create_commit(
            repo_id,
            operations=_commit_operations(Path(tmp), sent, remote_files),
            commit_message=message,
            revision=revision,
            create_pr=create_pr,
            parent_commit=head if head and not create_pr else None,
        )
    return head, info, sent


def _check_push_arguments(model: Any, repo_id: Any, trained: bool, eval_results: Any) -> None:
    """Raises `ValueError` for a model or repository id `push_model` cannot publish; warns on a trained push
    without evaluation results."""
    # Recognised by its config, not by class: the hub layer imports no modeling code (the models call into it),
    # and a model loaded with `trust_remote_code` is not an instance of the installed class anyway.
    if not hasattr(getattr(model, "config", None), "n_chans"):
        raise ValueError(f"model must be an hf_sleep SleepStagingPreTrainedModel, got {type(model).__name__}")
    if not isinstance(repo_id, str) or not repo_id or repo_id.count("/") > 1 or repo_id.startswith("/"):
        raise ValueError(f"repo_id must be 'namespace/name' or 'name', got {repo_id!r}")
    if trained and eval_results is None:
        warnings.warn(
            f"pushing trained weights to {repo_id} without eval_results: the card will say no evaluation "
            "results were reported",
            UserWarning,
            stacklevel=3,
        )


def _commit_operations(folder: Path, sent: list[str], remote_files: list[str]) -> list[Any]:
    """Adds every file written into `folder`; deletes the repository's managed files this push does not hold."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    operations: list[Any] = [
        CommitOperationAdd(path_in_repo=name, path_or_fileobj=str(folder / name)) for name in sent
    ]
    operations += [
        CommitOperationDelete(path_in_repo=name)
        for name in remote_files
        if name not in sent and (name.endswith(MANAGED_SUFFIXES) or name == "training_args.bin")
    ]
    return operations


def _publish_error(error: Any, repo_id: str, endpoint: str) -> HubPublishError:
    """The one-line error a rejected Hub request becomes (401 and 403 name the token's problem; a server error
    says it persisted through the retries)."""
    status = error.response.status_code if error.response is not None else None
    said = _one_line(error.server_message or "") or _one_line(str(error).splitlines()[0] if str(error) else "")
    if status == 401:
        return HubAuthenticationError(
            f"the Hub at {endpoint} rejected the token (401 Unauthorized: {said or 'invalid token'}); "
            "log in with `hf auth login` or pass a valid token with write access"
        )
    if status == 403:
        return HubAuthenticationError(
            f"the token may not write to {repo_id} on {endpoint} (403 Forbidden: {said}); "
            "use a token with write access to that namespace"
        )
    if status is not None and status >= 500:
        return HubPublishError(
            f"pushing to {repo_id} on {endpoint} failed: the Hub answered {status} ({said}) "
            f"{len(RETRY_DELAYS) + 1} times; nothing was committed, try again later"
        )
    return HubPublishError(f"pushing to {repo_id} on {endpoint} failed: {status} ({said})")


def push_from_model_method(model: Any, repo_id: str, **kwargs: Any) -> PushResult:
    """What `model.push_to_hub(repo_id, **kwargs)` does for an hf_sleep model: transformers' keywords mapped onto
    [`push_model`].

    `tags` are added to the card, `trained` defaults to True, `eval_results`, `training_info`, `force`,
    `token`, `private`, `revision` and `commit_message` are passed on; `max_shard_size` and
    `commit_description` are ignored (small models: one safetensors file).
    """
    tags = kwargs.pop("tags", None)
    training_info = dict(kwargs.pop("training_info", None) or {})
    if tags:
        training_info["tags"] = [tags] if isinstance(tags, str) else list(tags)
    kwargs.pop("max_shard_size", None)
    kwargs.pop("commit_description", None)
    return push_model(
        model, repo_id, trained=kwargs.pop("trained", True), training_info=training_info or None, **kwargs
    )
