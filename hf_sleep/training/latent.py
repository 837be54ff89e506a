"""Latent-space evaluation of an encoder (DeepSleepBench's `latent_space_evaluator`): how well the stages
separate in the embedding, scored on 2-D reductions (PCA, t-SNE, UMAP) and drawn as scatter plots.

As in the original, every reduction is scored on its own: K-means with one cluster per stage runs on the 2-D
points, and silhouette and Davies-Bouldin score those clusters, purity, average cluster entropy, ARI and AMI
compare them with the stages, trustworthiness and distance alignment compare the 2-D points with the
embedding, and the compactness-to-separation ratio uses the stages directly. `latent_space_metrics` also
scores any space without reduction (pass the same array twice).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REDUCTIONS: tuple[str, ...] = ("pca", "tsne", "umap")


def _check(embeddings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    embeddings = np.asarray(embeddings, dtype=np.float64)
    labels = np.asarray(labels)
    if embeddings.ndim != 2 or labels.shape != (embeddings.shape[0],):
        raise ValueError(
            f"embeddings must be (n_samples, dim) with one label per sample, got {embeddings.shape} and "
            f"{labels.shape}"
        )
    if len(np.unique(labels)) < 2:
        raise ValueError("latent-space metrics need samples of at least 2 different stages")
    return embeddings, labels


def cluster_purity(labels: np.ndarray, clusters: np.ndarray) -> float:
    """Fraction of samples whose cluster's most frequent stage is their own (1 = every cluster is one stage).

    The original scored one-to-one matching of clusters to stages instead (the Hungarian assignment, i.e.
    clustering accuracy), which is never higher.
    """
    from sklearn.metrics.cluster import contingency_matrix

    table = contingency_matrix(labels, clusters)
    return float(table.max(axis=0).sum() / table.sum())


def average_cluster_entropy(labels: np.ndarray, clusters: np.ndarray) -> float:
    """Entropy (bits) of the stage distribution within each cluster, averaged weighted by cluster size."""
    from scipy.stats import entropy
    from sklearn.metrics.cluster import contingency_matrix

    table = contingency_matrix(labels, clusters)  # (stages, clusters)
    sizes = table.sum(axis=0)
    entropies = np.array([entropy(table[:, j], base=2) for j in range(table.shape[1])])
    return float((entropies * sizes).sum() / sizes.sum())


def distance_alignment(original: np.ndarray, reduced: np.ndarray) -> float:
    """Cosine similarity of the squared pairwise distances in the two spaces (1 = proportional distances)."""
    from scipy.spatial.distance import pdist

    d_original = pdist(original, "sqeuclidean")
    d_reduced = pdist(reduced, "sqeuclidean")
    norm = np.linalg.norm(d_original) * np.linalg.norm(d_reduced)
    return float(d_original @ d_reduced / norm) if norm > 0 else float("nan")


def compactness_to_separation(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean squared distance between points of one stage, averaged over stages, divided by the mean squared
    distance between stage centroids (lower = tighter, better separated stages), as the original."""
    from scipy.spatial.distance import pdist

    stages = np.unique(labels)
    intra = []
    for stage in stages:
        distances = pdist(points[labels == stage], "sqeuclidean")
        distances = distances[distances > 0]
        intra.append(distances.mean() if distances.size else 0.0)
    centroids = np.stack([points[labels == stage].mean(axis=0) for stage in stages])
    between = pdist(centroids, "sqeuclidean")
    between = between[between > 0]
    return float(np.mean(intra) / between.mean()) if between.size else float("inf")


def latent_space_metrics(
    points: np.ndarray,
    labels: np.ndarray,
    original: np.ndarray | None = None,
    n_clusters: int | None = None,
    n_neighbors: int = 5,
    seed: int = 0,
) -> dict[str, float]:
    """Scores one space.

    Args:
        points: `(n_samples, dim)` the space scored, usually a 2-D reduction.
        labels: `(n_samples,)` the stages.
        original: `(n_samples, dim_original)` the embedding `points` was reduced from (trustworthiness and
            distance alignment compare with it); defaults to `points` itself.
        n_clusters: clusters of K-means; defaults to the number of stages present.
        n_neighbors: neighbourhood of trustworthiness (5, as the original).
        seed: K-means seed.

    Returns:
        `{metric: value}`: silhouette, davies_bouldin, purity, average_entropy, adjusted_rand_index,
        adjusted_mutual_information, trustworthiness, distance_alignment, compactness_to_separation.
    """
    from sklearn.cluster import KMeans
    from sklearn.manifold import trustworthiness
    from sklearn.metrics import (
        adjusted_mutual_info_score,
        adjusted_rand_score,
        davies_bouldin_score,
        silhouette_score,
    )

    points, labels = _check(points, labels)
    original = points if original is None else np.asarray(original, dtype=np.float64)
    if original.shape[0] != points.shape[0]:
        raise ValueError(f"original has {original.shape[0]} samples, points {points.shape[0]}")
    n_clusters = n_clusters or len(np.unique(labels))
    clusters = KMeans(n_clusters=n_clusters, n_init=10, random_state=seed).fit_predict(points)
    several = len(np.unique(clusters)) > 1
    return {
        "silhouette": float(silhouette_score(points, clusters)) if several else float("nan"),
        "davies_bouldin": float(davies_bouldin_score(points, clusters)) if several else float("nan"),
        "purity": cluster_purity(labels, clusters),
        "average_entropy": average_cluster_entropy(labels, clusters),
        "adjusted_rand_index": float(adjusted_rand_score(labels, clusters)),
        "adjusted_mutual_information": float(adjusted_mutual_info_score(labels, clusters)),
        "trustworthiness": float(
            trustworthiness(original, points, n_neighbors=min(n_neighbors, (len(points) - 1) // 2))
        ),
        "distance_alignment": distance_alignment(original, points),
        "compactness_to_separation": compactness_to_separation(points, labels),
    }


def reduce_embeddings(embeddings: np.ndarray, method: str, seed: int = 0) -> np.ndarray:
    """2-D reduction by `"pca"`, `"tsne"` (scikit-learn) or `"umap"` (umap-learn)."""
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(embeddings)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, max(2.0, (len(embeddings) - 1) / 3)))
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(embeddings)
    if method == "umap":
        try:
            import umap
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError(
                "UMAP needs umap-learn: pip install umap-learn, or pip install -e '.[latent]' in the hf_sleep clone"
            ) from error
        n_neighbors = int(min(15, len(embeddings) - 1))
        reducer = umap.UMAP(n_components=2, n_neighbors=n_neighbors, random_state=seed, n_jobs=1)
        return np.asarray(reducer.fit_transform(embeddings), dtype=np.float64)
    raise ValueError(f"unknown reduction {method!r}; expected one of {REDUCTIONS}")


def plot_reduction(points: np.ndarray, labels: np.ndarray, stage_names: Sequence[str], title: str, path: Path) -> Path:
    """Scatter plot of a 2-D reduction coloured by stage, written to `path` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 5), dpi=120)
    colours = plt.get_cmap("tab10")
    for index, name in enumerate(stage_names):
        selected = labels == index
        if selected.any():
            axis.scatter(points[selected, 0], points[selected, 1], s=6, alpha=0.7, color=colours(index), label=name)
    axis.set_title(title)
    axis.set_xticks([])
    axis.set_yticks([])
    axis.legend(markerscale=3, fontsize=8, loc="best")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def evaluate_latent_space(
    embeddings: np.ndarray,
    labels: np.ndarray,
    stage_names: Sequence[str],
    out_dir: str | os.PathLike | None = None,
    methods: Sequence[str] = REDUCTIONS,
    seed: int = 0,
) -> dict[str, Any]:
    """Reduces the embedding with each method, scores every reduction and (with `out_dir`) writes
    `latent_metrics.json` and `latent_<method>.png`.

    Returns:
        `{"n_samples", "dim", "stage_counts", "metrics": {method: {metric: value}}, "plots": {method: path}}`.
    """
    embeddings, labels = _check(embeddings, labels)
    for method in methods:
        if method not in REDUCTIONS:
            raise ValueError(f"unknown reduction {method!r}; expected some of {REDUCTIONS}")
    report: dict[str, Any] = {
        "n_samples": int(len(labels)),
        "dim": int(embeddings.shape[1]),
        "stage_counts": {name: int((labels == i).sum()) for i, name in enumerate(stage_names)},
        "metrics": {},
        "plots": {},
    }
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    for method in methods:
        points = reduce_embeddings(embeddings, method, seed)
        report["metrics"][method] = latent_space_metrics(points, labels, original=embeddings, seed=seed)
        if out is not None:
            title = f"{method.upper()} of the latent space ({len(labels)} epochs)"
            report["plots"][method] = str(plot_reduction(points, labels, stage_names, title, out / f"latent_{method}.png"))
    if out is not None:
        tmp = out / "latent_metrics.json.tmp"
        tmp.write_text(json.dumps(report, indent=2, allow_nan=True), encoding="utf-8")
        os.replace(tmp, out / "latent_metrics.json")
    return report


def embed_dataset(model, dataset, batch_size: int = 64, device: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-epoch embeddings of a dataset with `input_values` (n_chans, n_times) and `labels` columns.

    `model` is any hf_sleep model with `embed_epochs` (a staging model; for DeepSleepBench the L2-normalised
    latent) or a DeepSleepBench backbone/pretraining head (its `dsb.embed`).
    """
    import torch

    if "input_values" not in dataset.column_names or "labels" not in dataset.column_names:
        raise ValueError(f"the dataset needs `input_values` and `labels` columns, has {dataset.column_names}")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model = model.to(device).eval()
    embed = getattr(model, "embed", None)
    if hasattr(model, "dsb"):
        embed = model.dsb.embed
    elif hasattr(model, "embed_epochs"):
        embed = model.embed_epochs
    if embed is None:
        raise ValueError(f"{type(model).__name__} has no per-epoch embedding (embed_epochs / dsb.embed)")
    embeddings, labels = [], []
    view = dataset.with_format("torch", columns=["input_values", "labels"])
    with torch.no_grad():
        for start in range(0, len(view), batch_size):
            batch = view[start : start + batch_size]
            epochs = batch["input_values"].float().to(device)
            if epochs.ndim == 2:
                epochs = epochs.unsqueeze(1)
            embeddings.append(embed(epochs).float().cpu().numpy())
            labels.append(batch["labels"].numpy())
    return np.concatenate(embeddings), np.concatenate(labels)
