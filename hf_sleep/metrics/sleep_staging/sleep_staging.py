"""Sleep-staging metrics as an `evaluate` module: accuracy, macro-F1, Cohen's kappa, balanced accuracy,
per-stage F1 and the confusion matrix, as sleep-staging papers report them.

Load it from its folder (no Hub access needed):

    >>> import evaluate
    >>> from hf_sleep.metrics import SLEEP_STAGING_METRIC_PATH
    >>> metric = evaluate.load(SLEEP_STAGING_METRIC_PATH)
    >>> metric.compute(predictions=[0, 1, 2, 2], references=[0, 1, 2, 1], num_labels=3)["accuracy"]
    0.75
"""

# isort: skip_file
# One import per line: evaluate's dependency scanner reads this module line by line.
import datasets
import evaluate
import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.metrics import cohen_kappa_score
from sklearn.metrics import confusion_matrix
from sklearn.metrics import f1_score

_DESCRIPTION = """
Epoch-by-epoch agreement between predicted and scored sleep stages. All epochs of all recordings are
pooled before the metrics are computed. References equal to `ignore_index` (-100 by default: padding or
unscored epochs) are dropped together with their predictions.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list[int]`): predicted class index per epoch.
    references (`list[int]`): scored class index per epoch; `ignore_index` entries are skipped.
    num_labels (`int`, *optional*): number of classes; defaults to `len(label_names)` or to the largest index + 1.
    label_names (`list[str]`, *optional*): stage names in class-index order, used for the per-stage keys
        (`f1_W`, `f1_N1`, ...); defaults to the class indices.
    ignore_index (`int`, *optional*, defaults to -100): reference value of epochs to skip.

Returns:
    accuracy (`float`), macro_f1 (`float`, mean F1 over all `num_labels` classes; an absent class that is
    never predicted scores 0, as scikit-learn does), kappa (`float`, Cohen's kappa), balanced_accuracy
    (`float`, mean recall over the classes present in the references), `f1_<stage>` (`float`, one per class),
    confusion_matrix (`list[list[int]]`, rows = scored stage, columns = predicted stage) and n_epochs (`int`).
"""

_CITATION = """
@article{cohen1960kappa,
  title={A Coefficient of Agreement for Nominal Scales},
  author={Cohen, Jacob},
  journal={Educational and Psychological Measurement},
  volume={20}, number={1}, pages={37--46}, year={1960}
}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SleepStaging(evaluate.Metric):
    """Accuracy, macro-F1, kappa, balanced accuracy, per-stage F1 and confusion matrix of sleep stages."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
            ),
            reference_urls=["https://scikit-learn.org/stable/modules/model_evaluation.html"],
        )

    def _compute(self, predictions, references, num_labels=None, label_names=None, ignore_index=-100):
        predictions = np.asarray(predictions, dtype=np.int64)
        references = np.asarray(references, dtype=np.int64)
        scored = references != ignore_index
        predictions, references = predictions[scored], references[scored]
        if references.size == 0:
            raise ValueError("no scored epochs: every reference equals ignore_index")
        if num_labels is None:
            num_labels = len(label_names) if label_names is not None else int(max(predictions.max(), references.max())) + 1
        if label_names is None:
            label_names = [str(index) for index in range(num_labels)]
        if len(label_names) != num_labels:
            raise ValueError(f"label_names has {len(label_names)} names for num_labels={num_labels}")
        for name, values in (("predictions", predictions), ("references", references)):
            if values.min() < 0 or values.max() >= num_labels:
                raise ValueError(f"{name} must be class indices in [0, {num_labels}), got {values.min()}..{values.max()}")
        labels = list(range(num_labels))
        per_stage = f1_score(references, predictions, labels=labels, average=None, zero_division=0)
        result = {
            "accuracy": float(np.mean(predictions == references)),
            "macro_f1": float(np.mean(per_stage)),
            "kappa": float(cohen_kappa_score(references, predictions, labels=labels)),
            "balanced_accuracy": float(balanced_accuracy_score(references, predictions)),
        }
        result.update({f"f1_{name}": float(score) for name, score in zip(label_names, per_stage, strict=True)})
        result["confusion_matrix"] = confusion_matrix(references, predictions, labels=labels).tolist()
        result["n_epochs"] = int(references.size)
        return result
