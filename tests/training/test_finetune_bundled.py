"""`hf-sleep finetune` starts from the bundled physioex SeqSleepNet (`hf-sleep/seqsleepnet-physioex-eeg`)."""

from __future__ import annotations

import json

import datasets
import numpy as np

from hf_sleep.training import finetune

from ..staging.helpers import stage_like_signal
from .helpers import STAGES
from .test_scripts import COMMON


def generated_split(n_epochs: int = 30) -> datasets.DatasetDict:
    """Three generated 100-Hz recordings (one per split) in the converter's per-epoch layout."""
    rng = np.random.default_rng(0)
    splits = {}
    for index, name in enumerate(("train", "validation", "test")):
        labels = np.repeat(rng.integers(0, 5, n_epochs // 5), 5)
        signal = stage_like_signal([STAGES[i] for i in labels], seed=index).reshape(-1, 1, 3000)
        splits[name] = datasets.Dataset.from_dict(
            {
                "input_values": list(signal),
                "labels": labels.tolist(),
                "subject": [f"S{index}"] * len(labels),
                "night": [1] * len(labels),
                "recording": [f"S{index}N1"] * len(labels),
                "epoch_index": list(range(len(labels))),
                "onset_s": [30.0 * i for i in range(len(labels))],
            },
            features=datasets.Features(
                {
                    "input_values": datasets.Array2D((1, 3000), "float32"),
                    "labels": datasets.ClassLabel(names=list(STAGES)),
                    "subject": datasets.Value("string"),
                    "night": datasets.Value("int32"),
                    "recording": datasets.Value("string"),
                    "epoch_index": datasets.Value("int32"),
                    "onset_s": datasets.Value("float64"),
                }
            ),
        )
    return datasets.DatasetDict(splits)


def test_finetune_from_the_bundled_model(tmp_path):
    generated_split().save_to_disk(str(tmp_path / "data"))
    finetune.main(
        ["--model_name_or_path", "hf-sleep/seqsleepnet-physioex-eeg", "--dataset_path", str(tmp_path / "data"),
         "--output_dir", str(tmp_path / "ft"), "--num_train_epochs", "1", "--learning_rate", "1e-5", *COMMON]
    )  # fmt: skip
    config = json.loads((tmp_path / "ft" / "config.json").read_text())
    assert config["spectrum_standardization"] == "recording" and config["epoch_rnn_cell"] == "plain_lstm"
    results = json.loads((tmp_path / "ft" / "test_results.json").read_text())
    assert results["test_n_epochs"] == 30


def test_sequences_carry_their_recordings_statistics():
    import torch

    from hf_sleep.pretrained import load_pretrained
    from hf_sleep.training.data import SleepDataCollator, as_model_inputs
    from hf_sleep.training.pipeline import recording_statistics_function

    model = load_pretrained()
    train = generated_split(n_epochs=45)["train"]
    sequences = as_model_inputs(train, 21, statistics_of=recording_statistics_function(model, 21))
    expected = model.spectrum_statistics_of(torch.from_numpy(np.asarray(train["input_values"], dtype=np.float32)))
    items = [sequences[i] for i in range(len(sequences))]
    for item in items:
        np.testing.assert_allclose(item["spectrum_statistics"], expected.float().numpy(), rtol=1e-6)
    batch = SleepDataCollator()(items)
    assert batch["spectrum_statistics"].shape == (len(items), 2, 1, 129)
    with torch.no_grad(), model.recording_statistics(torch.from_numpy(np.asarray(train["input_values"]))):
        staged = model(batch["input_values"]).logits
    torch.testing.assert_close(model(**batch).logits, staged, atol=1e-5, rtol=0)
    assert recording_statistics_function(model, 1) is None
