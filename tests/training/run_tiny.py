"""Driver for the subprocess tests: trains the tiny TinySleepNet with `run_training` on a saved tiny dataset.

    python tests/training/run_tiny.py DATASET OUTPUT_DIR WEIGHTS_FILE [--crash_after_step N] [trainer flags...]

Writes the SHA-256 of the final state dict (WEIGHTS_FILE.rank<k>) and of the parameters alone
(WEIGHTS_FILE.params.rank<k>), one file per rank. `--crash_after_step N`
ends the process with `os._exit` right after checkpoint N is written, as a killed job would.
`--record_batches` writes, per rank, a fingerprint of every training sequence each step fed to the model
(WEIGHTS_FILE.batches.rank<k>, JSON: one list per step) and keeps batch norm on its running statistics, so that
data-parallel training can be compared with one process on the full batch (batch statistics of a half batch
would differ by design).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from torch import nn  # noqa: E402
from transformers import TrainerCallback  # noqa: E402

from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments  # noqa: E402
from hf_sleep.training.pipeline import parse_arguments, run_training  # noqa: E402
from tests.training.helpers import TINY_TINYSLEEPNET  # noqa: E402


class CrashAfterSave(TrainerCallback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_save(self, args, state, control, **kwargs):
        if state.global_step >= self.step:
            os._exit(17)  # no clean-up, no final save: like SIGKILL


class BatchRecorder:
    """Forward pre-hook: fingerprints each training sequence (its signal sum, rounded) and freezes batch norm."""

    def __init__(self, model: nn.Module) -> None:
        self.steps: list[list[float]] = []
        self.norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        model.register_forward_pre_hook(self, with_kwargs=True)

    def __call__(self, module, args, kwargs):
        if module.training:
            for norm in self.norms:
                norm.eval()
            values = kwargs["input_values"] if "input_values" in kwargs else args[0]
            sums = values.detach().double().flatten(1).sum(dim=1)
            self.steps.append([round(float(v), 6) for v in sums])


RECORDERS: list[BatchRecorder] = []


class RecordBatchesCallback(TrainerCallback):
    """Attaches a `BatchRecorder` to the model the `Trainer` trains."""

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        RECORDERS.append(BatchRecorder(model))


def weights_digest(model, parameters_only: bool = False) -> str:
    """SHA-256 of the state dict (or of the trainable parameters only)."""
    digest = hashlib.sha256()
    tensors = dict(model.named_parameters()) if parameters_only else model.state_dict()
    for name, tensor in sorted(tensors.items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def main() -> None:
    dataset, output_dir, weights_file, *rest = sys.argv[1:]
    callbacks = []
    if rest[:1] == ["--crash_after_step"]:
        callbacks.append(CrashAfterSave(int(rest[1])))
        rest = rest[2:]
    record = rest[:1] == ["--record_batches"]
    rest = rest[1:] if record else rest
    argv = [
        "--model_type", "tinysleepnet", "--config_overrides", json.dumps(TINY_TINYSLEEPNET),
        "--dataset_path", dataset, "--output_dir", output_dir, "--use_cpu", "true", "--report_to", "none",
        "--per_device_train_batch_size", "4", "--learning_rate", "3e-3", "--logging_steps", "5",
        "--disable_tqdm", "true", "--dataloader_num_workers", "0", "--seed", "7",
        *rest,
    ]  # fmt: skip
    model_args, data_args, training_args = parse_arguments((ModelArguments, DataArguments, SleepTrainingArguments), argv)
    if record:
        callbacks.append(RecordBatchesCallback())
    result = run_training(model_args, data_args, training_args, callbacks=callbacks)
    rank = training_args.process_index
    if record:
        Path(f"{weights_file}.batches.rank{rank}").write_text(json.dumps(RECORDERS[0].steps), encoding="utf-8")
    Path(f"{weights_file}.rank{rank}").write_text(weights_digest(result.model), encoding="utf-8")
    Path(f"{weights_file}.params.rank{rank}").write_text(weights_digest(result.model, True), encoding="utf-8")


if __name__ == "__main__":
    main()
