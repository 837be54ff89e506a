"""Synthetic polysomnography that follows a hypnogram, written in the file layouts of the real sources.

One module per job:

* `hypnograms` — plausible hypnograms (`synthetic_hypnogram`) and the stage spellings the generator reads;
* `signals` — the signals of a night that follow a hypnogram (`synthesize_night`);
* `layouts` — one night in the Sleep-EDF Expanded, MASS or rodent (focolab) layout;
* `cohort_layouts` — one night in the NSRR, HMC, DCSM, ISRUC, DREAMS or bring-your-own-PSG layout;
* `generate` — many Sleep-EDF nights or rodent recordings at once, driven by real or generated scoring.

Output is deterministic for a seed.

>>> from hf_sleep.data.synthetic import write_sleep_edf_night
>>> psg, hypnogram = write_sleep_edf_night("nights/", hypnogram=None, subject=0, night=1)  # doctest: +SKIP
"""

from .cohort_layouts import (
    COHORT_LAYOUT_CHANNELS,
    HYPNOGRAM_FORMATS,
    NSRR_LAYOUT_CHANNELS,
    write_cohort_night,
    write_nsrr_night,
    write_scored_night,
)
from .generate import generate_rodent, generate_sleep_edf
from .hypnograms import synthetic_hypnogram
from .layouts import (
    MASS_CHANNELS,
    MASS_EPOCH_SECONDS,
    RODENT_CHANNELS,
    SLEEP_EDF_CHANNELS,
    write_mass_night,
    write_rodent_recording,
    write_sleep_edf_night,
)
from .signals import synthesize_night

__all__ = [
    "COHORT_LAYOUT_CHANNELS",
    "HYPNOGRAM_FORMATS",
    "MASS_CHANNELS",
    "MASS_EPOCH_SECONDS",
    "NSRR_LAYOUT_CHANNELS",
    "RODENT_CHANNELS",
    "SLEEP_EDF_CHANNELS",
    "generate_rodent",
    "generate_sleep_edf",
    "synthesize_night",
    "synthetic_hypnogram",
    "write_cohort_night",
    "write_mass_night",
    "write_nsrr_night",
    "write_rodent_recording",
    "write_scored_night",
    "write_sleep_edf_night",
]
