"""The project's own flags of `hf-sleep train | finetune | evaluate | cross-validate`, as argument dataclasses.

Plain dataclasses, importing neither torch nor transformers: `hf-sleep train --help` lists them without loading the
Trainer stack. [`SleepTrainingArguments`] (in `arguments.py`) adds them to transformers' `TrainingArguments`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ModelArguments:
    """Which model to train: a registered architecture from scratch or a pretrained one."""

    model_type: str | None = field(
        default=None,
        metadata={
            "help": "Registered architecture to train from scratch (e.g. tinysleepnet, deepsleepnet).",
            "aliases": ["--architecture"],
        },
    )
    model_name_or_path: str | None = field(
        default=None,
        metadata={"help": "Hub repository, local folder or bundled model to start from (fine-tuning).", "aliases": ["--model"]},
    )
    config_overrides: str | None = field(
        default=None,
        metadata={
            "help": 'Config arguments as a JSON object, e.g. \'{"seq_len": 15, "drop_prob": 0.3}\'. '
            "The input shape (n_chans, sfreq, epoch_seconds) comes from the dataset; channel names travel in its feature extractor."
        },
    )
    class_weights: list[float] | None = field(
        default=None, metadata={"help": "Cross-entropy weight per stage, e.g. 1 1.5 1 1 1 (TinySleepNet)."}
    )
    ignore_mismatched_sizes: bool = field(
        default=False,
        metadata={"help": "Re-initialise weights whose shape differs (a new label set gets a new classifier)."},
    )
    freeze_encoder: bool = field(
        default=False, metadata={"help": "Train only what follows the per-epoch encoder; the encoder stays fixed."}
    )
    trust_remote_code: bool = field(
        default=False, metadata={"help": "Allow loading model code from the repository (saved hf_sleep folders)."}
    )


@dataclass
class DataArguments:
    """Where the converted dataset is and how to split and augment it."""

    dataset_path: str | None = field(
        default=None,
        metadata={
            "help": "A dataset saved with `save_to_disk` (a Dataset, or a DatasetDict with train/validation/test).",
            "aliases": ["--dataset"],
        },
    )
    dataset_name: str | None = field(
        default=None, metadata={"help": "A dataset on the Hub (or a local dataset script folder) for `load_dataset`."}
    )
    dataset_config_name: str | None = field(default=None, metadata={"help": "Configuration of `dataset_name`."})
    train_split: str = field(default="train", metadata={"help": "Split to train on."})
    validation_split: str = field(default="validation", metadata={"help": "Split to select checkpoints on."})
    test_split: str = field(default="test", metadata={"help": "Split of the final evaluation."})
    test_size: float = field(
        default=0.2, metadata={"help": "Share of subjects held out for testing when the dataset is not split."}
    )
    validation_size: float = field(
        default=0.1,
        metadata={
            "help": "Share of subjects for validation when the dataset is not split, and of the training subjects "
            "of each cross-validation fold."
        },
    )
    split_seed: int = field(default=42, metadata={"help": "Seed of the subject-wise split."})
    stage_names: list[str] | None = field(
        default=None, metadata={"help": "Stage names in class order; defaults to the dataset's ClassLabel names."}
    )
    signal_shift: float = field(
        default=0.0, metadata={"help": "Random shift of the training signal, as a fraction of an epoch (0.1 in TinySleepNet)."}
    )
    skip_sequence_start: bool = field(
        default=False, metadata={"help": "Start each night's training sequences after a random 0..seq_len-1 epochs."}
    )

    def __post_init__(self) -> None:
        if (self.dataset_path is None) == (self.dataset_name is None):
            raise ValueError("give exactly one of --dataset (a save_to_disk folder) or --dataset_name")
        for name in ("test_size", "validation_size"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"--{name} must be a fraction in [0, 1), got {getattr(self, name)}")
        if not 0.0 <= self.signal_shift < 1.0:
            raise ValueError(f"--signal_shift must be a fraction of an epoch in [0, 1), got {self.signal_shift}")


@dataclass
class SleepTrainingOptions:
    """The optimisation details of the sleep-staging papers, on top of the Trainer's own arguments."""

    encoder_learning_rate: float | None = field(
        default=None,
        metadata={"help": "Learning rate of the per-epoch encoder (DeepSleepNet fine-tuning: 1e-6); the rest uses learning_rate."},
    )
    conv_l2: float = field(
        default=0.0,
        metadata={"help": "L2 penalty (sum of squares / 2, TensorFlow's l2_loss) times this on the kernels matched by conv_l2_pattern."},
    )
    conv_l2_pattern: str = field(
        default=r"first_conv\.\d+\.weight$",
        metadata={"help": "Regular expression of the parameter names conv_l2 applies to (the first convolutions by default)."},
    )
    balanced_sampling: bool = field(
        default=False, metadata={"help": "Oversample every stage to the size of the largest (DeepSleepNet's first phase)."}
    )
    encoder_only: bool = field(
        default=False,
        metadata={"help": "Train the per-epoch encoder with its own softmax layer on single epochs (DeepSleepNet's first phase)."},
    )
    encoder_probe: str = field(
        default="linear",
        metadata={"help": "Head of encoder_only training: linear (DeepSleepNet's softmax layer) or mlp (one hidden layer)."},
    )
    early_stopping_patience: int | None = field(
        default=None, metadata={"help": "Stop after this many evaluations without improvement of metric_for_best_model."}
    )
    auto_mixed_precision: bool = field(
        default=True,
        metadata={"help": "On a CUDA device, use bf16 where supported, else fp16 (ignored on CPU or when bf16/fp16 is set)."},
    )
    batch_size: int | None = field(
        default=None,
        metadata={"help": "Sets per_device_train_batch_size and per_device_eval_batch_size (--batch-size of every hf-sleep command)."},
    )
    quiet: bool = field(
        default=False,
        metadata={"help": "Print results, warnings and errors only: no progress bars (as --disable_tqdm true), no INFO log lines."},
    )


@dataclass
class CrossValidationArguments:
    """How to cut the subjects into folds."""

    n_folds: int = field(default=20, metadata={"help": "Number of subject-wise folds (20 on Sleep-EDF-20, 10 on Sleep-EDF-78)."})
    fold_seed: int = field(default=42, metadata={"help": "Seed that assigns subjects to folds."})
    folds: list[int] | None = field(
        default=None,
        metadata={"help": "Run only these folds, numbered 1 to n_folds (e.g. to spread folds over machines); default all."},
    )

    def __post_init__(self) -> None:
        if self.n_folds < 2:
            raise ValueError(f"--n_folds must be at least 2, got {self.n_folds}")
        for fold in self.folds or []:
            if not 1 <= fold <= self.n_folds:
                raise ValueError(f"--folds are fold numbers from 1 to {self.n_folds}, got {fold}")
