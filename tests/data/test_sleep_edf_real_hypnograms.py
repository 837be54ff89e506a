"""Converting the 20 real Sleep-EDF hypnograms with generated PSGs gives exactly the implied counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import mne
import numpy as np

from hf_sleep.data import AASM_LABELS, SLEEP_EDF_OPTIONS, convert_sleep_edf

# Independent reference: R&K text → AASM, by hand.
RK = {
    "Sleep stage W": "W",
    "Sleep stage 1": "N1",
    "Sleep stage 2": "N2",
    "Sleep stage 3": "N3",
    "Sleep stage 4": "N3",
    "Sleep stage R": "REM",
}


def expected_counts(hypnogram: Path, psg: Path) -> Counter:
    """Counts per stage after clipping to the PSG and trimming wake to 30 min, computed naively."""
    raw = mne.io.read_raw_edf(psg, include=["EEG Fpz-Cz"], preload=False, verbose="error")
    n_epochs = int(raw.n_times / raw.info["sfreq"] // 30)
    stages = [None] * n_epochs
    annotations = mne.read_annotations(hypnogram)
    for onset, duration, text in zip(
        annotations.onset, annotations.duration, annotations.description, strict=True
    ):
        for k in range(int(onset // 30), int((onset + duration) // 30)):
            if k < n_epochs:
                stages[k] = RK.get(str(text))
    sleep = [k for k, s in enumerate(stages) if s in ("N1", "N2", "N3", "REM")]
    first, last = max(0, sleep[0] - 60), min(n_epochs - 1, sleep[-1] + 60)
    return Counter(s for s in stages[first : last + 1] if s is not None)


def test_sc20_exact_counts_and_torch_shapes(
    sc20_dir: Path, real_hypnograms: list[Path], cache_dir: Path
) -> None:
    ds = convert_sleep_edf(sc20_dir, options=SLEEP_EDF_OPTIONS.replace(num_proc=2, cache_dir=cache_dir, progress=False))
    assert sorted(set(ds["recording"])) == sorted(h.name[:7] + "0" for h in real_hypnograms)
    labels = np.asarray(ds["labels"])
    recordings = np.asarray(ds["recording"])
    total = Counter()
    for hyp in real_hypnograms:
        psg = sc20_dir / (hyp.name[:7] + "0-PSG.edf")
        want = expected_counts(hyp, psg)
        mine = labels[recordings == psg.name[:8]]
        got = Counter({AASM_LABELS[i]: int((mine == i).sum()) for i in range(5) if (mine == i).any()})
        assert got == want, hyp.name
        total += want
    assert len(ds) == sum(total.values())
    # Before trimming the real files hold 1700 + 1374 stage-3/4 epochs: all N3 epochs lie in the sleep period.
    assert total["N3"] == 1700 + 1374
    assert total["N1"] == 1689 and total["N2"] == 8927 and total["REM"] == 3693
    torch_ds = ds.with_format("torch")
    batch = torch_ds[:16]
    assert tuple(batch["input_values"].shape) == (16, 1, 3000)
    assert str(batch["input_values"].dtype) == "torch.float32"
    assert batch["labels"].shape == (16,)
