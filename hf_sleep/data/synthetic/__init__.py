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

from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "cohort_layouts": (
        "COHORT_LAYOUT_CHANNELS", "HYPNOGRAM_FORMATS", "NSRR_LAYOUT_CHANNELS", "write_cohort_night",
        "write_nsrr_night", "write_scored_night",
    ),
    "generate": ("generate_rodent", "generate_sleep_edf"),
    "hypnograms": ("synthetic_hypnogram",),
    "layouts": (
        "MASS_CHANNELS", "MASS_EPOCH_SECONDS", "RODENT_CHANNELS", "SLEEP_EDF_CHANNELS", "write_mass_night",
        "write_rodent_recording", "write_sleep_edf_night",
    ),
    "signals": ("synthesize_night",),
}  # fmt: skip

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
