"""`hf-sleep push`: publish a model folder or an architecture to the Hugging Face Hub with a generated card.

Publish a folder written by save_pretrained (trained: weights, config, code, card with evaluation results) or,
with --architecture-only, a folder or a registered architecture name (config, code, card; no weights).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from hf_sleep.console import add_command

# Metrics files a model folder may hold, in order of preference: `evaluate` writes eval_results.json, the
# training scripts write test_results.json (the held-out test split).
METRICS_FILES: tuple[str, ...] = ("eval_results.json", "test_results.json")


def _model_from_folder(
    source: str, architecture_only: bool, eval_results: dict | None, training_info: dict | None
) -> tuple[Any, bool, dict | None, dict | None, Any]:
    """The model of a saved folder (or only its architecture), with the evaluation results, training info and
    feature extractor the folder carries where the command line gave none."""
    from transformers import AutoModel

    from hf_sleep.data.checks import read_json_object
    from hf_sleep.staging.model_loading import load_model

    feature_extractor = None
    if not (Path(source) / "config.json").is_file():
        raise FileNotFoundError(
            f"{source} has no config.json; expected a folder written by save_pretrained"
        )
    if architecture_only:
        from transformers import AutoConfig

        model = AutoModel.from_config(AutoConfig.from_pretrained(source))
    else:
        if not any(Path(source).glob("*.safetensors")):
            raise FileNotFoundError(
                f"{source} has no *.safetensors weights; pass --architecture-only to publish only the architecture"
            )
        model = load_model(source, "cpu")
    trained = not architecture_only
    metrics = next((Path(source) / name for name in METRICS_FILES if (Path(source) / name).is_file()), None)
    if trained and eval_results is None and metrics is not None:
        eval_results = read_json_object(metrics, "evaluation results")
    # A trained or converted folder carries what its card says (data, provenance, licence) and its contract.
    if trained and training_info is None and (Path(source) / "training_info.json").is_file():
        training_info = read_json_object(Path(source) / "training_info.json", "training info")
    if (Path(source) / "preprocessor_config.json").is_file():
        from hf_sleep import SleepFeatureExtractor

        feature_extractor = SleepFeatureExtractor.from_pretrained(source)
    return model, trained, eval_results, training_info, feature_extractor


def _handle_push(args: argparse.Namespace) -> int:
    from hf_sleep import ARCHITECTURES
    from hf_sleep.data.checks import read_json_object
    from hf_sleep.hub.publish import HubPublishError, push_model

    if (args.source, args.model, args.architecture).count(None) != 2:
        raise ValueError("give one model to publish: a folder (DIR or --model DIR) or --architecture NAME")
    source = args.source or args.model or args.architecture
    if args.architecture:
        args.architecture_only = True
    eval_results = training_info = feature_extractor = None
    if args.eval_results:
        eval_results = read_json_object(args.eval_results, "--eval-results")
    if args.training_info:
        training_info = read_json_object(args.training_info, "--training-info")
    if Path(source).is_dir():
        model, trained, eval_results, training_info, feature_extractor = _model_from_folder(
            source, args.architecture_only, eval_results, training_info
        )
    elif source in ARCHITECTURES:
        if not args.architecture_only:
            raise ValueError(
                f"{source!r} is an architecture name: it has no trained weights, so pass --architecture-only "
                "(or give a folder written by save_pretrained)"
            )
        model = ARCHITECTURES[source].build()
        trained = False
    else:
        raise FileNotFoundError(
            f"{source!r} is neither a model folder nor a registered architecture ({', '.join(ARCHITECTURES)})"
        )
    if args.onnx and not trained:
        raise ValueError("--onnx exports trained weights: it cannot go with --architecture-only")
    with tempfile.TemporaryDirectory(prefix="hf-sleep-push-onnx-") as scratch:
        onnx_folder = None
        if args.onnx:  # exported (and checked against torch) before anything is sent
            from hf_sleep.staging.onnx_export import export_onnx

            export_onnx(model, scratch)
            onnx_folder = scratch
        try:
            result = push_model(
                model,
                args.repo_id,
                trained=trained,
                eval_results=eval_results,
                training_info=training_info,
                force=args.force,
                token=args.token,
                private=args.private or None,
                feature_extractor=feature_extractor,
                onnx_folder=onnx_folder,
            )
        except HubPublishError as error:
            print(f"hf-sleep push: error: {error}", file=sys.stderr)
            return 1
    state = "published" if result.changed else "unchanged (the repository already holds these files)"
    print(f"{result.repo_id}: {state} at commit {result.commit[:12]} ({', '.join(result.files)})")
    return 0


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "push", __doc__)
    parser.add_argument(
        "source", metavar="DIR_OR_ARCH", nargs="?",
        help="model folder, or an architecture name with --architecture-only (or give --model / --architecture)",
    )  # fmt: skip
    parser.add_argument("--model", help="model folder (the same as DIR)")
    parser.add_argument("--architecture", help="a registered architecture, published without weights")
    parser.add_argument("--repo-id", required=True, help="target repository, namespace/name")
    parser.add_argument(
        "--architecture-only", action="store_true", help="publish the architecture without weights"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace a repository holding another architecture"
    )
    parser.add_argument(
        "--eval-results",
        help="JSON file of evaluation metrics (default: DIR/eval_results.json, else DIR/test_results.json)",
    )
    parser.add_argument(
        "--training-info",
        help="JSON file with dataset_name, split, hyperparameters, ... for the card (default: "
        "DIR/training_info.json, written by training)",
    )
    parser.add_argument("--token", help="Hub token (default: the logged-in one or HF_TOKEN)")
    parser.add_argument("--private", action="store_true", help="create the repository as private")
    parser.add_argument(
        "--onnx", action="store_true",
        help="also export the model to ONNX and publish onnx/model.onnx and onnx/staging.json (needs onnx, "
        "onnxscript and onnxruntime: pip install 'hf_sleep[onnx]'); the card says how to run them",
    )  # fmt: skip
    parser.set_defaults(handler=_handle_push)
