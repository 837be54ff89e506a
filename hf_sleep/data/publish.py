"""Publish a converted dataset to the Hugging Face Hub with its card (``hf-sleep push-dataset``).

The data goes up with ``DatasetDict.push_to_hub`` (Parquet shards plus the ``dataset_info``/``configs``
YAML that ``load_dataset`` reads, the signal contract in the features included); the README is then
replaced by the card built from the data (source, licence, preprocessing, splits, epochs per stage and
per subject), keeping that YAML so ``load_dataset(repo_id)`` gets the same features back.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["push_dataset", "push_to_hub", "splits_table"]


def _load(dataset):
    from datasets import Dataset, DatasetDict, load_from_disk

    if isinstance(dataset, (Dataset, DatasetDict)):
        return dataset
    if isinstance(dataset, (list, tuple)):  # shards converted on several machines
        from .conversion import combine_datasets

        parts = [_load(part) for part in dataset]
        return parts[0] if len(parts) == 1 else combine_datasets(parts)
    path = Path(dataset)
    if not (path / "dataset_info.json").is_file() and not (path / "dataset_dict.json").is_file():
        raise FileNotFoundError(f"{path} is not a dataset folder written by save_to_disk or hf-sleep convert")
    return load_from_disk(str(path))


def splits_table(splits) -> str:
    """A Markdown table of the splits: epochs, subjects and recordings in each.

    Args:
        splits: a ``DatasetDict``.
    """
    from .card import _table
    from .conversion import column

    rows = []
    for name, part in splits.items():
        rows.append(
            (
                f"`{name}`",
                len(part),
                len(set(column(part, "subject").tolist())),
                len(set(column(part, "recording").tolist())),
            )
        )
    return _table(["split", "examples", "subjects", "recordings"], rows)


def push_dataset(
    dataset,
    repo_id: str,
    *,
    private: bool = True,
    token: str | None = None,
    test_size: float | int | None = None,
    validation_size: float | int = 0,
    seed: int = 0,
    pretty_name: str | None = None,
    source: str | None = None,
    license: str | None = None,
    summary: str | None = None,
) -> str:
    """Push a converted dataset and its card to the Hub.

    Args:
        dataset: a ``Dataset``, a ``DatasetDict``, a folder written by ``hf-sleep convert``/``save_to_disk``, or a
            list of such folders (shards converted with ``--shard-index``/``--num-shards``, combined here).
        repo_id: ``user/name`` of the dataset repository (created if needed).
        private: create the repository private.
        token: Hub token (default: the logged-in user's).
        test_size: split a single ``Dataset`` by subject first (``subject_split``): fraction or number of
            subjects for ``test``; ``None`` pushes it as one ``train`` split.
        validation_size: fraction or number of subjects for ``validation`` (with ``test_size``).
        seed: the split's seed.
        pretty_name: the card's title (default: the dataset name).
        source: a sentence on where the recordings come from (default: the homepage).
        license: licence id for the card (default: the one the converter recorded from the source).
        summary: the card's opening paragraph (default: sizes and the table of splits).

    Returns:
        The repository URL.
    """
    from datasets import Dataset, DatasetDict
    from huggingface_hub import DatasetCard

    from .card import build_dataset_card
    from .conversion import column, combine_datasets
    from .splits import subject_split

    loaded = _load(dataset)
    if isinstance(loaded, Dataset):
        if test_size is not None:
            loaded = subject_split(loaded, test_size=test_size, validation_size=validation_size, seed=seed)
        else:
            loaded = DatasetDict({"train": loaded})
    if not len(loaded):
        raise ValueError(f"{repo_id}: the dataset has no split to push")
    combined = combine_datasets(list(loaded.values()))  # keeps the converter's description, licence, citation
    subjects = len(set(column(combined, "subject").tolist()))
    summary = summary or (
        f"{len(combined)} examples from {subjects} subjects, converted with `hf_sleep` for sleep staging.\n\n"
        f"{splits_table(loaded)}\n\nSplits never share a subject. "
        f'`load_dataset("{repo_id}")` returns them as a `DatasetDict`.'
    )
    # The card is built (and a broken contract refused) before anything is sent.
    card = build_dataset_card(
        combined, pretty_name=pretty_name, source=source, license=license, summary=summary
    )
    from huggingface_hub import constants

    from hf_sleep.hub.publish import hub_failures, retry_server_errors

    def push_once() -> None:
        loaded.push_to_hub(repo_id, private=private, token=token)
        pushed = DatasetCard.load(repo_id, repo_type="dataset", token=token)
        for key in ("dataset_info", "configs"):  # what load_dataset reads: the features (and contract), the files
            if pushed.data.get(key) is not None:
                card.data[key] = pushed.data.get(key)
        card.push_to_hub(repo_id, repo_type="dataset", token=token, commit_message="Dataset card from hf_sleep")

    # A server error is tried again, then reported in one line, as `hf-sleep push` does.
    with hub_failures(repo_id, constants.ENDPOINT):
        retry_server_errors(push_once)
    return f"{constants.ENDPOINT}/datasets/{repo_id}"


def _existing_dir(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such dataset folder")
    return path


def add_push_subparser(subparsers) -> None:
    """Add ``push-dataset`` to a top-level ``hf-sleep`` parser.

    Args:
        subparsers: the object returned by ``parser.add_subparsers()``.
    """
    p = subparsers.add_parser("push-dataset", help="publish a converted dataset and its card to the Hub")
    p.add_argument("dataset", nargs="+", help="folder written by hf-sleep convert (or several shard folders)")
    p.add_argument("--repo-id", required=True, help="user/name of the dataset repository")
    p.add_argument("--public", action="store_true", help="create the repository public (default: private)")
    p.add_argument(
        "--test-size", type=float, help="split by subject first: fraction (<1) or number of subjects"
    )
    p.add_argument(
        "--validation-size", type=float, default=0.0, help="validation subjects (with --test-size)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the subject split")
    p.add_argument("--pretty-name", help="title of the card")
    p.add_argument("--source", help="a sentence on where the recordings come from")
    p.add_argument("--license", help="licence id for the card (default: the one recorded at conversion)")
    p.set_defaults(handler=run_push_dataset)


def _size(value: float | None) -> float | int | None:
    return None if value is None else int(value) if value >= 1 else value


def run_push_dataset(args) -> int:
    """Handler of ``hf-sleep push-dataset``.

    Args:
        args: parsed arguments.
    """
    import sys

    from hf_sleep.hub.publish import HubPublishError

    for folder in args.dataset:
        _existing_dir(folder)
    try:
        url = push_dataset(
            args.dataset if len(args.dataset) > 1 else args.dataset[0], args.repo_id, private=not args.public, test_size=_size(args.test_size),
            validation_size=_size(args.validation_size) or 0, seed=args.seed, pretty_name=args.pretty_name,
            source=args.source, license=args.license,
        )  # fmt: skip
    except HubPublishError as error:  # the Hub or the connection, not the user's input: exit status 1, as push
        print(f"hf-sleep push-dataset: error: {error}", file=sys.stderr)
        return 1
    print(f"pushed {', '.join(args.dataset)} to {url}")
    return 0


def push_to_hub(
    dataset, repo_id: str, *, private: bool = True, token: str | None = None, **card_kwargs
) -> str:
    """Push a dataset and its generated card to the Hugging Face Hub (``publish.push_dataset``).

    Args:
        dataset: a ``Dataset`` or ``DatasetDict``.
        repo_id: ``user/name`` of the dataset repository.
        private: create the repository private.
        token: Hub token (default: the logged-in user's).
        **card_kwargs: ``pretty_name``, ``source``, ``license``, ``summary`` (see ``build_dataset_card``).

    Returns:
        The repository URL.
    """
    return push_dataset(dataset, repo_id, private=private, token=token, **card_kwargs)
