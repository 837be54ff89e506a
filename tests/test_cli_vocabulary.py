"""One CLI vocabulary: every command takes a shared concept under the same flag (`hf_sleep.console.SHARED_FLAGS`), the
training scripts included; the older spellings still parse but are not listed in `--help`. Parsing only."""

from __future__ import annotations

from pathlib import Path

import pytest

from hf_sleep.cli import build_parser, main
from hf_sleep.console import SHARED_FLAGS

# argv in the unified spellings -> attributes the parsed namespace must hold
COMMANDS: dict[str, tuple[list[str], dict]] = {
    "stage": (
        ["stage", "night.edf", "--model", "m", "--output-dir", "o", "--batch-size", "7", "--channels", "C3", "C4",
         "--device", "cpu", "--seed", "3", "--overwrite", "--quiet"],
        {"model": "m", "output_dir": "o", "batch_size": 7, "channels": ["C3", "C4"], "device": "cpu", "seed": 3,
         "overwrite": True, "quiet": True},
    ),
    "stage-architecture": (["stage", "night.edf", "--architecture", "tinysleepnet"], {"architecture": "tinysleepnet"}),
    "demo": (["demo", "--output-dir", "o", "--seed", "3"], {"output_dir": "o", "seed": 3}),
    "push": (["push", "--model", "m", "--repo-id", "u/r"], {"model": "m", "source": None}),
    "push-architecture": (["push", "--architecture", "tinysleepnet", "--repo-id", "u/r"], {"architecture": "tinysleepnet"}),
    "pretrain": (
        ["pretrain", "--architecture", "dsb_cnn", "--objective", "contrastive", "--dataset", "d", "--output-dir", "o",
         "--batch-size", "7", "--seed", "3", "--overwrite"],
        {"architecture": "dsb_cnn", "dataset": "d", "output_dir": "o", "batch_size": 7, "seed": 3, "overwrite": True},
    ),
    "latent-eval": (
        ["latent-eval", "--model", "m", "--dataset", "d", "--output-dir", "o", "--batch-size", "7", "--device", "cpu",
         "--seed", "3"],
        {"model": "m", "dataset": "d", "output_dir": "o", "batch_size": 7, "device": "cpu", "seed": 3},
    ),
    "convert": (
        ["convert", "sleep-edf", "raw", "--output-dir", "o", "--channels", "C3", "--overwrite"],
        {"out": Path("o"), "channels": ["C3"], "overwrite": True},
    ),
    "generate": (["generate", "sleep-edf", "--output-dir", "o", "--seed", "3"], {"out": Path("o"), "seed": 3}),
    "download": (["download", "sleep-edf", "--output-dir", "o"], {"out": Path("o")}),
    "combine": (["combine", "a", "b", "--output-dir", "o", "--overwrite"], {"out": Path("o"), "overwrite": True}),
    "convert-physioex": (["convert-physioex", "model.ckpt", "--output-dir", "o"], {"output_dir": "o"}),
}  # fmt: skip

# the same command in an older spelling -> the attribute it must still set
OLD_SPELLINGS: dict[str, tuple[list[str], dict]] = {
    "stage --out-dir": (["stage", "night.edf", "--out-dir", "o"], {"output_dir": "o"}),
    "demo --out-dir": (["demo", "--out-dir", "o"], {"output_dir": "o"}),
    "pretrain --arch --out": (
        ["pretrain", "--arch", "dsb_cnn", "--objective", "masked", "--dataset", "d", "--out", "o"],
        {"architecture": "dsb_cnn", "output_dir": "o"},
    ),
    "latent-eval --out": (["latent-eval", "--model", "m", "--dataset", "d", "--out", "o"], {"output_dir": "o"}),
    "convert --out": (["convert", "sleep-edf", "raw", "--out", "o"], {"out": Path("o")}),
    "combine --out": (["combine", "a", "--out", "o"], {"out": Path("o")}),
    "push DIR": (["push", "runs/tiny", "--repo-id", "u/r"], {"source": "runs/tiny"}),
}


def _parse(argv: list[str]):
    return build_parser().parse_args(argv)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_takes_the_shared_flags(name):
    argv, expected = COMMANDS[name]
    args = _parse(argv)
    assert {key: getattr(args, key) for key in expected} == expected


@pytest.mark.parametrize("name", OLD_SPELLINGS)
def test_old_spellings_still_parse(name):
    argv, expected = OLD_SPELLINGS[name]
    args = _parse(argv)
    assert {key: getattr(args, key) for key in expected} == expected


def test_help_lists_the_unified_spelling_only():
    commands = build_parser()._subparsers._group_actions[0].choices
    for command in ("stage", "demo", "pretrain", "latent-eval", "combine"):
        text = commands[command].format_help()
        assert "--output-dir" in text and "--out " not in text and "--out-dir" not in text, command
    assert "--architecture" in commands["pretrain"].format_help() and "--arch " not in commands["pretrain"].format_help()


def test_the_tests_cover_every_shared_flag():
    used = {word for argv, _ in COMMANDS.values() for word in argv if word.startswith("--")}
    assert set(SHARED_FLAGS) <= used, sorted(set(SHARED_FLAGS) - used)


def test_a_missing_required_flag_is_named_by_its_unified_spelling(capsys):
    with pytest.raises(SystemExit):
        _parse(["latent-eval", "--model", "m", "--dataset", "d"])
    assert "--output-dir" in capsys.readouterr().err


def test_push_takes_exactly_one_model(capsys):
    assert main(["push", "--repo-id", "u/r"]) == 2
    assert main(["push", "a", "--model", "b", "--repo-id", "u/r"]) == 2
    assert "give one model to publish" in capsys.readouterr().err


def _training_arguments(argv: list[str], with_folds: bool = False):
    from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
    from hf_sleep.training.pipeline import parse_arguments

    types = [ModelArguments, DataArguments, SleepTrainingArguments]
    if with_folds:
        from hf_sleep.training.cross_validate import CrossValidationArguments

        types.append(CrossValidationArguments)
    return parse_arguments(types, argv)


@pytest.mark.parametrize("with_folds", [False, True], ids=["train-finetune-evaluate", "cross-validate"])
def test_training_scripts_take_the_shared_flags(with_folds):
    model_args, data_args, training_args, *_ = _training_arguments(
        ["--model", "m", "--dataset", "d", "--output-dir", "o", "--batch-size", "7", "--seed", "3", "--quiet"],
        with_folds,
    )
    assert (model_args.model_name_or_path, data_args.dataset_path, training_args.output_dir) == ("m", "d", "o")
    assert training_args.per_device_train_batch_size == training_args.per_device_eval_batch_size == 7
    assert training_args.seed == 3 and training_args.quiet and training_args.disable_tqdm
    (model_args, *_) = _training_arguments(["--architecture", "tinysleepnet", "--dataset", "d", "--output-dir", "o"])
    assert model_args.model_type == "tinysleepnet"


def test_training_scripts_keep_the_transformers_spellings():
    model_args, data_args, training_args = _training_arguments(
        ["--model_name_or_path", "m", "--dataset_path", "d", "--output_dir", "o", "--per_device_eval_batch_size", "5"]
    )
    assert (model_args.model_name_or_path, data_args.dataset_path, training_args.output_dir) == ("m", "d", "o")
    assert training_args.per_device_eval_batch_size == 5 and training_args.batch_size is None


def test_convert_physioex_takes_its_folder_once(capsys):
    assert main(["convert-physioex", "model.ckpt", "a", "--output-dir", "b"]) == 2
    assert "OUT_DIR or --output-dir" in capsys.readouterr().err


def test_version_prints_the_package_version(capsys):
    import hf_sleep

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"hf-sleep {hf_sleep.__version__}\n"
