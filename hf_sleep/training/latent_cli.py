"""`hf-sleep latent-eval`: latent-space metrics and PCA / t-SNE / UMAP plots of a model's epoch embeddings.

Embed the epochs of a dataset with a saved model's encoder, then write how well the embeddings separate the stages
(latent_metrics.json) and one scatter plot per projection method (latent_<method>.png).

    hf-sleep latent-eval --model DIR --dataset DIR --output-dir DIR [--methods pca tsne umap] [--max-epochs 2000]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hf_sleep.console import add_command, add_flag


def _handle(args: argparse.Namespace) -> int:
    import numpy as np
    from transformers import AutoModel

    from hf_sleep.registry import register_auto_classes
    from hf_sleep.training.latent import embed_dataset, evaluate_latent_space
    from hf_sleep.training.pretraining import evaluation_split, load_epochs

    register_auto_classes()
    model_dir = Path(args.model)
    if not (model_dir / "config.json").is_file():
        raise FileNotFoundError(f"--model {model_dir}: no config.json (expected a folder written by save_pretrained)")
    if args.split is not None:
        dataset = load_epochs(args.dataset, args.split)
    else:
        dataset = evaluation_split(args.dataset) or load_epochs(args.dataset)
    if args.max_epochs and len(dataset) > args.max_epochs:
        # A stratification-free but reproducible subsample keeps t-SNE and UMAP affordable.
        rng = np.random.default_rng(args.seed)
        dataset = dataset.select(np.sort(rng.choice(len(dataset), args.max_epochs, replace=False)))
    model = AutoModel.from_pretrained(model_dir)
    embeddings, labels = embed_dataset(model, dataset, batch_size=args.batch_size, device=args.device)
    report = evaluate_latent_space(
        embeddings, labels, model.config.stage_names, out_dir=args.output_dir, methods=args.methods, seed=args.seed
    )
    print(f"{report['n_samples']} epochs, {report['dim']}-d latent; written to {args.output_dir}")
    print(json.dumps(report["metrics"], indent=2))
    return 0


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "latent-eval", __doc__)
    parser.add_argument("--model", required=True, help="saved model folder (a staging model or pretraining head)")
    parser.add_argument("--dataset", required=True, help="folder written by datasets.save_to_disk")
    add_flag(
        parser, "--output-dir", "--out", required=True, help="folder for latent_metrics.json and latent_<method>.png"
    )
    parser.add_argument("--split", default=None, help="split of a DatasetDict (default: test, else validation, else train)")
    parser.add_argument("--methods", nargs="+", default=["pca", "tsne", "umap"], choices=["pca", "tsne", "umap"])
    parser.add_argument("--max-epochs", type=int, default=2000, help="random subsample size (0: all)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: the GPU when there is one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(handler=_handle)
