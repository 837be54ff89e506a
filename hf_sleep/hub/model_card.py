"""Model cards generated from data: the card data class, the parameter table parser and the Trainer callback.

`SleepModelCardData` holds what a card says. Its user fields (training data, split, evaluation results)
are init arguments; the fields that follow from the model (architecture, parameter table, input
contract, parameter count, references) are filled by `set_model`. The card itself is the Jinja template
`templates/model_card.md.jinja` rendered with `ModelCard.from_template`; tables and strings are computed
here so the template stays simple. `SleepCardCallback` collects the hyper-parameters, datasets and
metrics of a `Trainer` run.

Nothing here touches the network.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml
from huggingface_hub import CardData, EvalResult, ModelCard
from huggingface_hub.repocard_data import eval_results_to_model_index
from transformers import TrainerCallback

TEMPLATE_PATH = Path(__file__).parent / "templates" / "model_card.md.jinja"
# Where the architecture-only repositories of the registered architectures live.
DEFAULT_NAMESPACE = "hf-sleep"
LICENSE = "bsd-3-clause"
BASE_TAGS = ("eeg", "sleep-staging", "biosignal", "hf_sleep")
PACKAGE_BIBTEX = """@software{hf_sleep,
  title={hf\\_sleep: published sleep-staging networks as Hugging Face models},
  author={{The hf\\_sleep developers}},
  year={2025},
  note={Python package, version 0.1.0}
}"""
# Hyper-parameters of `TrainingArguments` that a card reports, in this order.
REPORTED_HYPERPARAMETERS = (
    "learning_rate", "per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps",
    "num_train_epochs", "max_steps", "seed", "optim", "weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon",
    "lr_scheduler_type", "warmup_ratio", "warmup_steps", "max_grad_norm", "label_smoothing_factor",
)  # fmt: skip

UNIT_NAMES = {"uV": "µV", "mV": "mV", "V": "V"}
LICENSE_NAMES = {
    "bsd-3-clause": "BSD-3-Clause",
    "mit": "MIT",
    "apache-2.0": "Apache-2.0",
    "cc-by-4.0": "CC-BY-4.0",
}
@dataclass(frozen=True)
class ConfigParameter:
    """One argument of a config class as the card shows it: name, annotated type, default, this model's value."""

    name: str
    type: str
    default: str
    value: str


def config_parameters(config: Any) -> list[ConfigParameter]:
    """Every `__init__` argument of the config's class and of its hf_sleep bases, then the label map.

    Read from data, not from docstrings: types from the signatures, defaults from a default instance of the
    class (so an argument whose default is `None` shows what it resolves to), values from `config`.
    """
    config_class = type(config)
    defaults = config_class()
    seen: dict[str, str] = {}
    for klass in reversed(config_class.__mro__):  # the shared arguments first, then the architecture's
        if klass.__module__.startswith("transformers") or "__init__" not in klass.__dict__:
            continue
        for parameter in inspect.signature(klass.__init__).parameters.values():
            if parameter.name != "self" and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
                annotation = parameter.annotation
                seen.setdefault(parameter.name, annotation if isinstance(annotation, str) else annotation.__name__)
    seen["id2label"] = "dict[int, str]"
    for name, annotation in seen.items():  # `None` that means "the architecture's default" is not a value
        if annotation.endswith(" | None") and getattr(defaults, name, None) is not None:
            seen[name] = annotation.removesuffix(" | None")
    return [
        ConfigParameter(
            name, annotation, _json_value(getattr(defaults, name, None)), _json_value(getattr(config, name, None))
        )
        for name, annotation in seen.items()
    ]


def _json_value(value: Any) -> str:
    """A config value as it reads in `config.json`."""
    if isinstance(value, float):
        return repr(value)  # 100.0, not 100
    return json.dumps(value, ensure_ascii=False)


def normalize_eval_results(results: dict[str, Any], stage_names: list[str]) -> dict[str, Any]:
    """Brings evaluation results to one form: `accuracy`, `macro_f1`, `cohen_kappa`, `per_stage_f1`, ...

    Accepts the keys of `hf_sleep`'s `compute_metrics` (`kappa`, `f1_<stage>`, with or without the `eval_` /
    `test_` prefix the `Trainer` adds) as well as `cohen_kappa` and a `per_stage_f1` mapping.

    Raises:
        ValueError: when a required metric is missing or the confusion matrix does not match the stages.
    """
    prefix = next((p for p in ("eval_", "test_") if any(k.startswith(p + "accuracy") for k in results)), "")
    flat = {key[len(prefix) :] if key.startswith(prefix) else key: value for key, value in results.items()}
    if "cohen_kappa" not in flat and "kappa" in flat:
        flat["cohen_kappa"] = flat["kappa"]
    per_stage = dict(flat.get("per_stage_f1") or {})
    for name in stage_names:
        if f"f1_{name}" in flat:
            per_stage.setdefault(name, flat[f"f1_{name}"])
    missing = [key for key in ("accuracy", "macro_f1", "cohen_kappa") if key not in flat]
    if missing:
        raise ValueError(
            f"eval_results lacks {', '.join(missing)}; expected accuracy, macro_f1, cohen_kappa (or kappa), "
            f"per_stage_f1 and confusion_matrix, got keys {sorted(results)}"
        )
    unknown = sorted(set(per_stage) - set(stage_names))
    if unknown:
        raise ValueError(
            f"eval_results per_stage_f1 names unknown stages {unknown}; the model's are {stage_names}"
        )
    matrix = flat.get("confusion_matrix")
    if matrix is not None:
        matrix = [[int(v) for v in row] for row in matrix]
        if len(matrix) != len(stage_names) or any(len(row) != len(stage_names) for row in matrix):
            raise ValueError(
                f"eval_results confusion_matrix must be {len(stage_names)} x {len(stage_names)} (one row and "
                f"column per stage {stage_names}), got {len(matrix)} rows"
            )
    normalized: dict[str, Any] = {
        "accuracy": float(flat["accuracy"]),
        "macro_f1": float(flat["macro_f1"]),
        "cohen_kappa": float(flat["cohen_kappa"]),
        "per_stage_f1": {name: float(per_stage[name]) for name in stage_names if name in per_stage},
        "confusion_matrix": matrix,
    }
    for optional in ("balanced_accuracy", "n_epochs", "loss"):
        if flat.get(optional) is not None:
            normalized[optional] = flat[optional]
    return normalized


@dataclass
class SleepModelCardData(CardData):
    """What an hf_sleep model card says.

    Args:
        repo_id (`str`, *optional*): the repository the card is for; used in the quick start.
        trained (`bool`, *optional*, defaults to False): trained weights (with evaluation) or architecture only.
        license (`str`, *optional*, defaults to `"bsd-3-clause"`): licence id of the weights and code.
        datasets (`list[str]`, *optional*): Hub dataset ids the model was trained on.
        dataset_name (`str`, *optional*): the training data in words, e.g. "Sleep-EDF Expanded (SC, 78 subjects)".
        split (`str`, *optional*): how train, validation and test were split (by subject, folds, ...).
        preprocessing (`str`, *optional*): what was done to the signal before the model (filters, scaling).
        eval_results (`dict`, *optional*): see `normalize_eval_results`.
        eval_dataset_name (`str`, *optional*): what the evaluation ran on; defaults to `dataset_name`.
        eval_split (`str`, *optional*, defaults to `"test"`): the split the evaluation results come from.
        hyperparameters (`dict`, *optional*): training hyper-parameters to report.
        tags (`list[str]`, *optional*): extra tags; the base tags and the architecture are always added.
        model_name (`str`, *optional*): card title; defaults to the repository name.
        provenance (`str`, *optional*): Markdown on where converted weights come from (source, commit, licence,
            what the source reports and what differs here); rendered as its own section.
        onnx (`bool`, *optional*, defaults to False): the repository also holds the exported graph
            (`onnx/model.onnx`, `onnx/staging.json`); the card says how to run it.
    """

    repo_id: str | None = None
    trained: bool = False
    license: str = LICENSE
    datasets: list[str] = field(default_factory=list)
    dataset_name: str | None = None
    split: str | None = None
    preprocessing: str | None = None
    eval_results: dict[str, Any] | None = None
    eval_dataset_name: str | None = None
    eval_split: str = "test"
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    model_name: str | None = None
    provenance: str | None = None
    onnx: bool = False

    # Filled from the model by `set_model`.
    model_type: str = field(default="", init=False)
    display_name: str = field(default="", init=False)
    summary: str = field(default="", init=False)
    architecture_description: str = field(default="", init=False)
    model_class: str = field(default="", init=False)
    config_class: str = field(default="", init=False)
    paper: str = field(default="", init=False)
    paper_bibtex: str = field(default="", init=False)
    package_bibtex: str = field(default=PACKAGE_BIBTEX, init=False)
    code_url: str = field(default="", init=False)
    parameter_note: str = field(default="", init=False)
    num_parameters: int = field(default=0, init=False)
    parameter_rows: list[dict[str, str]] = field(default_factory=list, init=False)
    input_rows: list[tuple[str, str]] = field(default_factory=list, init=False)
    example_shape: str = field(default="", init=False)
    stage_names: list[str] = field(default_factory=list, init=False)
    module_tree: str = field(default="", init=False)

    def __post_init__(self) -> None:
        if self.eval_results is not None and not self.trained:
            raise ValueError("eval_results belong to a trained repository; pass trained=True")

    # -------------------------------------------------------------------------------------- from the model
    def set_model(self, model: Any, feature_extractor: Any = None) -> SleepModelCardData:
        """Fills the architecture, input contract, parameter table and count from an hf_sleep model.

        Args:
            model: the model.
            feature_extractor: its `SleepFeatureExtractor` (the signal contract); by default the
                `preprocessor_config.json` of the folder the model was loaded from, when there is one.
        """
        from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor
        from hf_sleep.registry import get_architecture

        config = model.config
        extractor = feature_extractor if feature_extractor is not None else _saved_feature_extractor(config)
        arch = get_architecture(config.model_type)
        self.model_type = arch.name
        self.display_name = arch.display_name
        self.summary = arch.summary
        module = inspect.getmodule(type(model))
        self.architecture_description = inspect.cleandoc(module.__doc__ or "") if module else ""
        self.model_class = type(model).__name__
        self.config_class = type(config).__name__
        self.paper, self.paper_bibtex, self.code_url = arch.paper, arch.bibtex, arch.code_url
        self.parameter_note = arch.parameter_note
        self.num_parameters = sum(p.numel() for p in model.parameters())
        self.stage_names = list(config.stage_names)
        self.module_tree = repr(model)
        self.parameter_rows = [
            # Pipes escaped: the rows go into a Markdown table.
            {"name": row.name, "type": row.type.replace("|", "\\|"), "default": row.default, "value": row.value}
            for row in config_parameters(config)
        ]
        # Channel names and units live in the signal contract, not the config.
        signal = extractor if extractor is not None else SleepFeatureExtractor.from_model_config(config)
        seq_len = config.seq_len if getattr(model, "is_sequence_model", False) else 1
        self.example_shape = f"1, {seq_len}, {config.n_chans}, {config.n_times}"
        self.input_rows = [
            ("Channels", f"{config.n_chans}: " + ", ".join(f"`{name}`" for name in signal.ch_names)),
            ("Sampling rate", f"{config.sfreq:g} Hz"),
            ("Epoch length", f"{config.epoch_seconds:g} s ({config.n_times} samples)"),
            (
                "Sequence length",
                f"{config.seq_len} epochs per sample" + ("" if seq_len > 1 else " (one epoch at a time)"),
            ),
            (
                "Input tensor",
                f"`input_values` of shape `(batch, seq_len, {config.n_chans}, {config.n_times})`",
            ),
            ("Units", UNIT_NAMES[signal.units]),
            (
                "Output",
                f"`logits` of shape `(batch, seq_len, {config.num_labels})` over {', '.join(self.stage_names)}",
            ),
            (
                "Preprocessing",
                self.preprocessing
                or (describe_preprocessing(extractor) if extractor is not None else _default_preprocessing(signal)),
            ),
        ]
        return self

    def set_eval_results(self, results: dict[str, Any]) -> None:
        self.eval_results = normalize_eval_results(
            results, self.stage_names or list(results.get("stage_names", []))
        )

    # ----------------------------------------------------------------------------------------- metadata
    @property
    def all_tags(self) -> list[str]:
        tags = [*BASE_TAGS, self.model_type, *self.tags]
        if not self.trained:
            tags.append("architecture-only")
        return list(dict.fromkeys(tag for tag in tags if tag))

    def metadata(self) -> dict[str, Any]:
        """The YAML front matter: licence, library, tags, datasets, metrics and the model-index."""
        data: dict[str, Any] = {
            "license": self.license,
            "library_name": "transformers",
            "tags": self.all_tags,
        }
        if self.datasets:
            data["datasets"] = list(self.datasets)
        if self.trained and self.eval_results:
            data["metrics"] = ["accuracy", "f1", "cohen_kappa"]
            data["model-index"] = eval_results_to_model_index(self.title, self._hub_eval_results())
        return data

    def _hub_eval_results(self) -> list[EvalResult]:
        results = self.eval_results or {}
        dataset_name = (
            self.eval_dataset_name or self.dataset_name or (self.datasets[0] if self.datasets else "unknown")
        )
        dataset_type = (
            self.datasets[0] if self.datasets else re.sub(r"[^\w-]+", "-", dataset_name).strip("-").lower()
        )
        common = dict(
            task_type="sleep-staging",
            task_name="Sleep staging",
            dataset_type=dataset_type,
            dataset_name=dataset_name,
            dataset_split=self.eval_split,
        )
        metrics = [
            ("accuracy", "Accuracy", results["accuracy"], None),
            ("f1", "Macro F1", results["macro_f1"], "macro"),
            ("cohen_kappa", "Cohen's kappa", results["cohen_kappa"], None),
        ]
        metrics += [
            ("f1", f"F1 ({name})", value, name) for name, value in results.get("per_stage_f1", {}).items()
        ]
        return [
            EvalResult(
                metric_type=kind,
                metric_name=name,
                metric_value=round(float(value), 4),
                metric_config=config,
                **common,
            )
            for kind, name, value, config in metrics
        ]

    @property
    def title(self) -> str:
        if self.model_name:
            return self.model_name
        if not self.trained and self.display_name:
            return f"{self.display_name} (architecture only)"
        if self.repo_id:
            return self.repo_id.split("/")[-1]
        return self.model_type

    def to_dict(self) -> dict[str, Any]:
        """Everything the template reads (`ModelCard.from_template` passes it as keyword arguments)."""
        # Fields with plain defaults live on the class, not in `__dict__`, so read them through `fields`.
        data = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}
        data.update(license_name=LICENSE_NAMES.get(self.license, self.license))
        data.update(
            title=self.title,
            tags=self.all_tags,
            repo_id=self.repo_id or f"{DEFAULT_NAMESPACE}/{self.model_type}",
        )
        data.update(self._tables())
        return data

    def to_yaml(self, line_break: str | None = None, original_order: list[str] | None = None) -> str:
        return yaml.safe_dump(
            self.metadata(), sort_keys=False, allow_unicode=True, line_break=line_break
        ).strip()

    # ------------------------------------------------------------------------------------------- tables
    def _tables(self) -> dict[str, str]:
        parameter_table = "\n".join(
            [
                "| Parameter | Type | Default | Value here |",
                "|---|---|---|---|",
                *(
                    f"| `{row['name']}` | `{row['type']}` | {_code(row['default'])} | "
                    f"{_code(row['value'])} |"
                    for row in self.parameter_rows
                ),
            ]
        )
        input_table = "\n".join(
            ["| | |", "|---|---|", *(f"| {key} | {value} |" for key, value in self.input_rows)]
        )
        tables = {"parameter_table": parameter_table, "input_table": input_table, "hyperparameter_table": ""}
        if self.hyperparameters:
            tables["hyperparameter_table"] = "\n".join(
                [
                    "| Hyper-parameter | Value |",
                    "|---|---|",
                    *(f"| `{k}` | {v} |" for k, v in self.hyperparameters.items()),
                ]
            )
        results = self.eval_results
        if results:
            rows = [
                ("Accuracy", results["accuracy"]),
                ("Macro F1", results["macro_f1"]),
                ("Cohen's κ", results["cohen_kappa"]),
            ]
            if "balanced_accuracy" in results:
                rows.append(("Balanced accuracy", results["balanced_accuracy"]))
            tables["metrics_table"] = "\n".join(
                ["| Metric | Value |", "|---|---:|", *(f"| {name} | {value:.4f} |" for name, value in rows)]
            )
            per_stage = results.get("per_stage_f1") or {}
            tables["per_stage_table"] = (
                "| " + " | ".join(per_stage) + " |\n|" + "---:|" * len(per_stage) + "\n| "
                + " | ".join(f"{v:.4f}" for v in per_stage.values()) + " |"
            ) if per_stage else ""  # fmt: skip
            matrix = results.get("confusion_matrix")
            tables["confusion_table"] = (
                "\n".join(
                    [
                        "| true \\ predicted | " + " | ".join(self.stage_names) + " |",
                        "|---|" + "---:|" * len(self.stage_names),
                        *(
                            f"| **{name}** | " + " | ".join(str(v) for v in row) + " |"
                            for name, row in zip(self.stage_names, matrix, strict=True)
                        ),
                    ]
                )
                if matrix
                else ""
            )
        return tables


def _code(text: str) -> str:
    return f"`{text}`" if text not in ("", "None") else ("`None`" if text == "None" else "")


def _default_preprocessing(contract: Any) -> str:
    return (
        f"None inside the model: give it the raw signal in {UNIT_NAMES[contract.units]}, resampled to {contract.sfreq:g} Hz and "
        f"cut into {contract.epoch_seconds:g}-s epochs aligned with the scoring (no normalisation is applied)."
    )


def model_feature_extractor(config: Any) -> Any:
    """The model's `SleepFeatureExtractor`: the one saved where it was loaded from, else derived from its config."""
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    return _saved_feature_extractor(config) or SleepFeatureExtractor.from_model_config(config)


def _saved_feature_extractor(config: Any) -> Any:
    """The `SleepFeatureExtractor` saved in the local folder the model came from, or `None`."""
    folder = Path(str(getattr(config, "_name_or_path", "") or ""))
    if not (folder / "preprocessor_config.json").is_file():
        return None
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    return SleepFeatureExtractor.from_pretrained(folder)


def describe_preprocessing(extractor: Any) -> str:
    """One paragraph on how a recording becomes model input, from a `SleepFeatureExtractor`."""
    steps = []
    if extractor.reference is not None:
        reference = extractor.reference if isinstance(extractor.reference, str) else " + ".join(extractor.reference)
        steps.append(f"re-referenced to {reference}")
    steps.append(f"resampled to {extractor.sfreq:g} Hz ({extractor.resample_method})")
    if extractor.filter is not None and (extractor.l_freq is not None or extractor.h_freq is not None):
        design = extractor.filter
        method = "zero-phase " if design.get("zero_phase", True) else ""
        method += "FIR (MNE)" if design.get("method", "fir") == "fir" else f"Butterworth order {design.get('order', 5)}"
        scope = "each epoch" if design.get("scope") == "epoch" else "the whole recording"
        steps.append(f"band-passed {extractor.l_freq or 0:g}-{extractor.h_freq or extractor.sfreq / 2:g} Hz ({method} over {scope})")
    for step in extractor.preprocessing:
        if step["name"] == "slumbernet":
            steps.append("SlumberNet's steps per epoch (EMG 16-Hz low-pass, resampling, order-12 polynomial detrend)")
        else:
            steps.append(f"`{step['name']}` (applied by the model)")
    return (
        f"Channels {', '.join(f'`{name}`' for name in extractor.ch_names)} in {UNIT_NAMES[extractor.units]}, "
        + ", ".join(steps)
        + f", cut into {extractor.epoch_seconds:g}-s epochs. Saved as `preprocessor_config.json`: "
        "`AutoFeatureExtractor.from_pretrained(repo)(recording)` applies it to an EDF/BDF/FIF/BrainVision file."
    )


def render_model_card(card_data: SleepModelCardData) -> ModelCard:
    """Renders the package's template with `ModelCard.from_template`."""
    if not card_data.model_type:
        raise ValueError("call card_data.set_model(model) before rendering the card")
    return ModelCard.from_template(card_data, template_path=str(TEMPLATE_PATH))


def model_card_for(model: Any, **card_kwargs: Any) -> ModelCard:
    """The rendered card of `model` with the given `SleepModelCardData` arguments."""
    card_data = SleepModelCardData(**card_kwargs).set_model(model)
    if card_data.eval_results is not None:
        card_data.set_eval_results(card_data.eval_results)
    return render_model_card(card_data)


def architecture_card(name: str, namespace: str = DEFAULT_NAMESPACE) -> ModelCard:
    """The architecture-only card of a registered architecture with its default configuration."""
    import torch

    from hf_sleep.registry import get_architecture

    torch.manual_seed(0)  # the card does not depend on the weights, but stay deterministic anyway
    model = get_architecture(name).build()
    return model_card_for(model, repo_id=f"{namespace}/{name}", trained=False)


class SleepCardCallback(TrainerCallback):
    """Collects what a trained model's card reports while the `Trainer` runs.

    Hyper-parameters are read from the `TrainingArguments` when training starts; the latest evaluation
    metrics (from `Trainer.evaluate`, including the confusion matrix of hf_sleep's `compute_metrics`) as
    they arrive. `card_data(model)` returns a `SleepModelCardData` ready to render or to push.

    Args:
        dataset_name, datasets, split, preprocessing, eval_dataset_name, eval_split: as in `SleepModelCardData`.
    """

    def __init__(
        self,
        dataset_name: str | None = None,
        datasets: list[str] | None = None,
        split: str | None = None,
        preprocessing: str | None = None,
        eval_dataset_name: str | None = None,
        eval_split: str = "test",
    ) -> None:
        self.card_kwargs = dict(
            dataset_name=dataset_name,
            datasets=list(datasets or []),
            split=split,
            preprocessing=preprocessing,
            eval_dataset_name=eval_dataset_name,
            eval_split=eval_split,
        )
        self.hyperparameters: dict[str, Any] = {}
        self.eval_metrics: dict[str, Any] | None = None
        self.train_summary: dict[str, Any] = {}

    def on_train_begin(self, args, state, control, **kwargs):
        self.hyperparameters = {
            name: getattr(args, name)
            for name in REPORTED_HYPERPARAMETERS
            if getattr(args, name, None) not in (None, -1, 0, 0.0) or name in ("seed", "learning_rate")
        }
        self.hyperparameters = {
            k: (v.value if hasattr(v, "value") else v) for k, v in self.hyperparameters.items()
        }
        self.hyperparameters["total_train_batch_size"] = (
            args.per_device_train_batch_size * args.gradient_accumulation_steps * max(1, args.world_size)
        )

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if metrics:
            self.eval_metrics = dict(metrics)

    def on_train_end(self, args, state, control, **kwargs):
        self.hyperparameters["training_steps"] = state.global_step
        if state.epoch is not None:
            self.hyperparameters["epochs_trained"] = round(float(state.epoch), 2)

    def card_data(
        self,
        model: Any,
        repo_id: str | None = None,
        eval_results: dict[str, Any] | None = None,
        feature_extractor: Any = None,
    ):
        """A trained model's `SleepModelCardData` from what was collected (or the `eval_results` given)."""
        results = eval_results if eval_results is not None else self.eval_metrics
        if results is None:
            raise ValueError("no evaluation metrics were collected: run trainer.evaluate() before pushing")
        card_data = SleepModelCardData(
            repo_id=repo_id, trained=True, hyperparameters=dict(self.hyperparameters), **self.card_kwargs
        ).set_model(model, feature_extractor)
        card_data.set_eval_results(results)
        return card_data
