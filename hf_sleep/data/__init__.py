"""Sleep datasets: converters (Sleep-EDF, MASS, rodent), synthetic PSG, splits, cards, downloads.

>>> from hf_sleep.data import convert_sleep_edf, subject_split
>>> ds = convert_sleep_edf("sleep-edf/", channels=("EEG Fpz-Cz",), subset="sleep-edf-20")  # doctest: +SKIP
>>> splits = subject_split(ds, test_size=0.2, validation_size=0.1, seed=0)  # doctest: +SKIP
"""

from typing import TYPE_CHECKING

from hf_sleep.lazy_exports import lazy_exports

if TYPE_CHECKING:  # imported on first use: converting or generating needs neither torch nor every converter
    from .card import build_dataset_card, push_to_hub, write_dataset_card
    from .dataset import (
        combine_datasets,
        epoch_features,
        save_dataset,
        stage_counts,
        subject_kfold,
        subject_split,
        to_sequences,
    )
    from .download import DownloadError, download_sleep_edf
    from .errors import RecordingError
    from .labels import AASM_LABELS, IGNORE_INDEX, RODENT_LABEL_MAP, RODENT_LABELS, SLEEP_EDF_LABEL_MAP
    from .mass import convert_mass, find_mass_pairs
    from .rodent import RodentArrays, RodentPair, convert_rodent, find_rodent_pairs, slumbernet_preprocess
    from .sleep_edf import SLEEP_EDF_SUBSETS, convert_sleep_edf, find_sleep_edf_pairs
    from .synthetic import (
        generate_rodent,
        generate_sleep_edf,
        synthesize_night,
        synthetic_hypnogram,
        write_mass_night,
        write_rodent_recording,
        write_sleep_edf_night,
    )

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "AASM_LABELS",
    "IGNORE_INDEX",
    "RODENT_LABELS",
    "RODENT_LABEL_MAP",
    "SLEEP_EDF_LABEL_MAP",
    "SLEEP_EDF_SUBSETS",
    "DownloadError",
    "RecordingError",
    "RodentArrays",
    "RodentPair",
    "build_dataset_card",
    "combine_datasets",
    "convert_mass",
    "convert_rodent",
    "convert_sleep_edf",
    "download_sleep_edf",
    "epoch_features",
    "find_mass_pairs",
    "find_rodent_pairs",
    "find_sleep_edf_pairs",
    "generate_rodent",
    "generate_sleep_edf",
    "push_to_hub",
    "save_dataset",
    "slumbernet_preprocess",
    "stage_counts",
    "subject_kfold",
    "subject_split",
    "synthesize_night",
    "synthetic_hypnogram",
    "to_sequences",
    "write_dataset_card",
    "write_mass_night",
    "write_rodent_recording",
    "write_sleep_edf_night",
]
