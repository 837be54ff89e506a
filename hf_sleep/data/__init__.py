"""Sleep datasets: converters (Sleep-EDF, MASS, NSRR, HMC/DCSM/ISRUC/DREAMS, your own PSG, rodent), synthetic PSG,
splits, cards, downloads, publishing.

>>> from hf_sleep.data import convert_sleep_edf, subject_split
>>> ds = convert_sleep_edf("sleep-edf/", channels=("EEG Fpz-Cz",), subset="sleep-edf-20")  # doctest: +SKIP
>>> splits = subject_split(ds, test_size=0.2, validation_size=0.1, seed=0)  # doctest: +SKIP
"""

from typing import TYPE_CHECKING

from hf_sleep.lazy_exports import lazy_exports

if TYPE_CHECKING:  # imported on first use: converting or generating needs neither torch nor every converter
    from .card import build_dataset_card, write_dataset_card
    from .cohorts import COHORTS, convert_cohort, download_hmc
    from .conversion import combine_datasets, epoch_features, save_dataset
    from .download import DownloadError, download_sleep_edf
    from .errors import RecordingError
    from .generic import STAGE_VOCABULARIES, convert_edf, parse_label_map
    from .labels import AASM_LABELS, IGNORE_INDEX, RODENT_LABEL_MAP, RODENT_LABELS, SLEEP_EDF_LABEL_MAP
    from .mass import convert_mass, find_mass_pairs
    from .nsrr import NSRR_CHANNEL_PRESETS, convert_nsrr
    from .options import ConversionOptions
    from .publish import push_dataset, push_to_hub
    from .rodent import (
        RODENT_OPTIONS,
        RodentArrays,
        RodentPair,
        convert_rodent,
        find_rodent_pairs,
        slumbernet_preprocess,
    )
    from .sleep_edf import SLEEP_EDF_OPTIONS, SLEEP_EDF_SUBSETS, convert_sleep_edf, find_sleep_edf_pairs
    from .splits import stage_counts, subject_kfold, subject_split, to_sequences
    from .synthetic import (
        generate_rodent,
        generate_sleep_edf,
        synthesize_night,
        synthetic_hypnogram,
        write_cohort_night,
        write_mass_night,
        write_nsrr_night,
        write_rodent_recording,
        write_scored_night,
        write_sleep_edf_night,
    )

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "AASM_LABELS",
    "COHORTS",
    "IGNORE_INDEX",
    "NSRR_CHANNEL_PRESETS",
    "RODENT_LABELS",
    "RODENT_LABEL_MAP",
    "RODENT_OPTIONS",
    "SLEEP_EDF_LABEL_MAP",
    "SLEEP_EDF_OPTIONS",
    "SLEEP_EDF_SUBSETS",
    "STAGE_VOCABULARIES",
    "ConversionOptions",
    "DownloadError",
    "RecordingError",
    "RodentArrays",
    "RodentPair",
    "build_dataset_card",
    "combine_datasets",
    "convert_cohort",
    "convert_edf",
    "convert_mass",
    "convert_nsrr",
    "convert_rodent",
    "convert_sleep_edf",
    "download_hmc",
    "download_sleep_edf",
    "epoch_features",
    "find_mass_pairs",
    "find_rodent_pairs",
    "find_sleep_edf_pairs",
    "generate_rodent",
    "generate_sleep_edf",
    "parse_label_map",
    "push_dataset",
    "push_to_hub",
    "save_dataset",
    "slumbernet_preprocess",
    "stage_counts",
    "subject_kfold",
    "subject_split",
    "synthesize_night",
    "synthetic_hypnogram",
    "to_sequences",
    "write_cohort_night",
    "write_dataset_card",
    "write_mass_night",
    "write_nsrr_night",
    "write_rodent_recording",
    "write_scored_night",
    "write_sleep_edf_night",
]
