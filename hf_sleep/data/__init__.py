"""Sleep datasets: converters (Sleep-EDF, MASS, NSRR, HMC/DCSM/ISRUC/DREAMS, your own PSG, rodent), synthetic PSG,
splits, cards, downloads, publishing.

>>> from hf_sleep.data import convert_sleep_edf, subject_split
>>> ds = convert_sleep_edf("sleep-edf/", channels=("EEG Fpz-Cz",), subset="sleep-edf-20")  # doctest: +SKIP
>>> splits = subject_split(ds, test_size=0.2, validation_size=0.1, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

from hf_sleep.data import synthetic
from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "card": ("build_dataset_card", "write_dataset_card"),
    "cohorts": ("COHORTS", "convert_cohort", "download_hmc"),
    "conversion": ("combine_datasets", "epoch_features", "save_dataset"),
    "download": ("DownloadError", "download_sleep_edf"),
    "errors": ("RecordingError",),
    "generic": ("STAGE_VOCABULARIES", "convert_edf", "parse_label_map"),
    "labels": ("AASM_LABELS", "IGNORE_INDEX", "RODENT_LABEL_MAP", "RODENT_LABELS", "SLEEP_EDF_LABEL_MAP"),
    "mass": ("convert_mass", "find_mass_pairs"),
    "nsrr": ("NSRR_CHANNEL_PRESETS", "convert_nsrr"),
    "options": ("ConversionOptions",),
    "publish": ("push_dataset", "push_to_hub"),
    "rodent": (
        "RODENT_OPTIONS", "RodentArrays", "RodentPair", "convert_rodent", "find_rodent_pairs", "slumbernet_preprocess",
    ),
    "sleep_edf": ("SLEEP_EDF_OPTIONS", "SLEEP_EDF_SUBSETS", "convert_sleep_edf", "find_sleep_edf_pairs"),
    "splits": ("stage_counts", "subject_kfold", "subject_split", "to_sequences"),
    "synthetic": tuple(synthetic.__all__),  # its own table (importing it imports nothing else)
}  # fmt: skip

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
