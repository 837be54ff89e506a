"""Sleep datasets: converters (Sleep-EDF, MASS, rodent), synthetic PSG, splits, cards, downloads."""

from .dataset import (
    combine_datasets,
    epoch_features,
    save_dataset,
    stage_counts,
    subject_kfold,
    subject_split,
    to_sequences,
)
from .errors import RecordingError
from .labels import AASM_LABELS, IGNORE_INDEX, RODENT_LABELS, SLEEP_EDF_LABEL_MAP
from .sleep_edf import SLEEP_EDF_SUBSETS, convert_sleep_edf, find_sleep_edf_pairs

__all__ = [
    "AASM_LABELS",
    "IGNORE_INDEX",
    "RODENT_LABELS",
    "SLEEP_EDF_LABEL_MAP",
    "SLEEP_EDF_SUBSETS",
    "RecordingError",
    "combine_datasets",
    "convert_sleep_edf",
    "epoch_features",
    "find_sleep_edf_pairs",
    "save_dataset",
    "stage_counts",
    "subject_kfold",
    "subject_split",
    "to_sequences",
]
