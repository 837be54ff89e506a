"""Dataset cards generated from the converted data (counts per stage and per subject)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .checks import writing
from .conversion import column
from .labels import IGNORE_INDEX

__all__ = ["build_dataset_card", "write_dataset_card"]

TEMPLATE = Path(__file__).with_name("templates") / "dataset_card.md"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _contract(dataset):
    """The dataset's `SleepFeatureExtractor` (its signal contract), or `None` for a dataset without one."""
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    return SleepFeatureExtractor.from_dataset(dataset, missing_ok=True)  # a broken one is an error


def _label_names(dataset) -> list[str]:
    feature = dataset.features["labels"]
    names = getattr(feature, "names", None) or getattr(getattr(feature, "feature", None), "names", None)
    if names:
        return list(names)
    contract = _contract(dataset)
    if contract is not None:
        return list(contract.label_names)
    n = int(np.max(column(dataset, "labels"))) + 1
    return [str(i) for i in range(n)]


def _contract_text(dataset) -> str:
    contract = _contract(dataset)
    if contract is None:
        return "Not recorded (converted before hf_sleep stored it)."
    band = (
        f"{contract.l_freq or 0:g}-{contract.h_freq:g} Hz" if contract.h_freq is not None
        else f"above {contract.l_freq:g} Hz" if contract.l_freq is not None else "none"
    )  # fmt: skip
    rows = [
        ("channels", ", ".join(f"`{name}`" for name in contract.ch_names)),
        ("sampling rate", f"{contract.sfreq:g} Hz"),
        ("epoch", f"{contract.epoch_seconds:g} s ({contract.n_times} samples)"),
        ("units", "µV" if contract.units == "uV" else contract.units),  # the symbol, not the ASCII spelling
        ("reference", contract.reference or "as recorded"),
        ("band-pass", band + (f" ({contract.filter})" if contract.filter else "")),
        ("preprocessing", ", ".join(step["name"] for step in contract.preprocessing) or "none"),
        ("labels", ", ".join(contract.label_names)),
    ]
    return (
        "The `SleepFeatureExtractor` the rows were made with, stored in the `input_values` feature "
        "(`SleepFeatureExtractor.from_dataset(ds)` reads it; training saves it beside the model):\n\n"
        + _table(["", ""], rows)
    )


def build_dataset_card(
    dataset,
    *,
    pretty_name: str | None = None,
    source: str | None = None,
    license: str | None = None,
    summary: str | None = None,
):
    """Build a ``huggingface_hub.DatasetCard`` from a converted dataset.

    Args:
        dataset: an epoch or sequence ``Dataset`` made by this package (its ``info`` holds the
            source, licence, citation and preprocessing).
        pretty_name: title (defaults to ``info.dataset_name``).
        source: a sentence on where the recordings come from.
        license: SPDX-like licence id for the YAML header (defaults to ``info.license``).
        summary: an opening paragraph.

    Returns:
        The card (``str(card)`` is the Markdown).
    """
    from huggingface_hub import DatasetCard, DatasetCardData

    info = dataset.info
    names = _label_names(dataset)
    n_rows = len(dataset)
    stage_rows, per_subject = _stage_counts(dataset, names)
    license_id = license or info.license or "other"
    # Converters describe generated data with a first line "SYNTHETIC DATA...: ..." (see sleep_edf.synthetic_info).
    synthetic = (info.description or "").startswith("SYNTHETIC DATA")
    synthetic_line = (info.description or "").split("\n", 1)[0] if synthetic else ""
    size = (
        "n<1K"
        if n_rows < 1000
        else "1K<n<10K"
        if n_rows < 10_000
        else "10K<n<100K"
        if n_rows < 100_000
        else "100K<n<1M"
    )
    card_data = DatasetCardData(
        license=license_id,
        pretty_name=pretty_name or info.dataset_name or "sleep staging",
        task_categories=["time-series-classification"],
        tags=["sleep-staging", "eeg", "polysomnography", "hf_sleep", *(["synthetic"] if synthetic else [])],
        size_categories=[size],
    )
    input_feature = dataset.features["input_values"]
    label_feature = dataset.features["labels"]
    return DatasetCard.from_template(
        card_data,
        template_path=str(TEMPLATE),
        pretty_name=pretty_name or info.dataset_name or "Sleep staging dataset",
        summary=summary
        or (f"**{synthetic_line}**\n\n" if synthetic else "")
        + f"{n_rows} examples from {len(per_subject)} {'synthetic ' if synthetic else ''}subjects, "
        "converted with `hf_sleep` for sleep staging.",
        source=source or synthetic_line or info.homepage or "see the citation below",
        homepage=info.homepage or "n/a",
        license_text=license_id,
        description=info.description or "(none recorded)",
        contract_text=_contract_text(dataset),
        input_type=f"{type(input_feature).__name__}{tuple(input_feature.shape)} {input_feature.dtype}",
        label_type=type(label_feature).__name__,
        label_text="class ids: "
        + ", ".join(f"{i} = {n}" for i, n in enumerate(names))
        + "; -100 = unscored (ignored)",
        stage_table=_table(["stage", "epochs"], stage_rows),
        subject_table=_table(["subject", *names, "total"], per_subject),
        citation=info.citation or "n/a",
    )


def _stage_counts(dataset, names: list[str]) -> tuple[list[tuple[str, int]], list[list]]:
    """Rows of the card's two tables: epochs per stage (ignored ones and the total last), and per subject."""
    labels = column(dataset, "labels").ravel()
    subjects = column(dataset, "subject").astype(object)
    stage_rows = [(name, int((labels == i).sum())) for i, name in enumerate(names)]
    if (labels == IGNORE_INDEX).any():
        stage_rows.append(("ignored (-100)", int((labels == IGNORE_INDEX).sum())))
    stage_rows.append(("total", int(labels.size)))
    per_subject = []
    label_rows = labels.reshape(len(dataset), -1) if len(dataset) else labels.reshape(0, 1)
    for subject in sorted(set(subjects.tolist())):
        mine = label_rows[subjects == subject].ravel()
        per_subject.append([subject, *[int((mine == i).sum()) for i in range(len(names))], int(mine.size)])
    return stage_rows, per_subject


def write_dataset_card(dataset, path: str | os.PathLike, **kwargs) -> Path:
    """Write the dataset card as ``README.md`` (``path`` a folder) or to ``path`` (a ``.md`` file).

    Args:
        dataset: the converted dataset.
        path: a folder (e.g. the ``save_to_disk`` folder) or a Markdown file path.
        **kwargs: ``pretty_name``, ``source``, ``license``, ``summary`` (see ``build_dataset_card``).

    Returns:
        The written file.
    """
    path = Path(path)
    target = path if path.suffix == ".md" else path / "README.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    text = str(build_dataset_card(dataset, **kwargs))
    try:
        with writing(target):
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half card
    return target
