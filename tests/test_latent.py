"""Latent-space metrics on embeddings whose answer is known, the plots, and the embedding of a dataset."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hf_sleep.training.latent import (
    average_cluster_entropy,
    cluster_purity,
    distance_alignment,
    evaluate_latent_space,
    latent_space_metrics,
)


def separated_clusters(n_per_class: int = 20, n_classes: int = 5, dim: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = 100.0 * np.eye(n_classes, dim)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    return centres[labels] + rng.normal(0, 0.1, size=(len(labels), dim)), labels


def test_perfectly_separated_clusters_score_perfectly():
    points, labels = separated_clusters()
    metrics = latent_space_metrics(points, labels)
    assert metrics["purity"] == 1.0
    assert metrics["average_entropy"] == pytest.approx(0.0, abs=1e-12)
    assert metrics["adjusted_rand_index"] == pytest.approx(1.0)
    assert metrics["adjusted_mutual_information"] == pytest.approx(1.0)
    assert metrics["silhouette"] > 0.99
    assert metrics["davies_bouldin"] < 0.01
    assert metrics["trustworthiness"] == pytest.approx(1.0)
    assert metrics["distance_alignment"] == pytest.approx(1.0)
    assert metrics["compactness_to_separation"] < 1e-4


def test_random_labels_score_at_chance():
    points, _ = separated_clusters(n_per_class=60)
    labels = np.random.default_rng(1).integers(0, 5, size=len(points))
    metrics = latent_space_metrics(points, labels)
    assert abs(metrics["adjusted_rand_index"]) < 0.05
    assert abs(metrics["adjusted_mutual_information"]) < 0.05
    assert metrics["average_entropy"] > 0.9 * math.log2(5)
    assert metrics["purity"] < 0.4
    assert metrics["compactness_to_separation"] > 1.0


def test_metric_helpers_on_hand_made_cases():
    labels = np.array([0, 0, 1, 1])
    assert cluster_purity(labels, np.array([0, 0, 0, 0])) == 0.5
    assert average_cluster_entropy(labels, np.array([0, 0, 0, 0])) == pytest.approx(1.0)
    assert average_cluster_entropy(labels, np.array([1, 1, 0, 0])) == 0.0
    points = np.random.default_rng(0).normal(size=(10, 3))
    assert distance_alignment(points, 3 * points) == pytest.approx(1.0)
    assert distance_alignment(points, np.random.default_rng(1).normal(size=(10, 2))) < 0.95
    with pytest.raises(ValueError, match="at least 2"):
        latent_space_metrics(points, np.zeros(10))


def check_report(tmp_path, methods):
    points, labels = separated_clusters(n_per_class=12)
    report = evaluate_latent_space(points, labels, ["W", "N1", "N2", "N3", "REM"], out_dir=tmp_path, methods=methods)
    saved = json.loads((tmp_path / "latent_metrics.json").read_text())
    assert set(saved["metrics"]) == set(methods)
    for method in methods:
        png = tmp_path / f"latent_{method}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert saved["metrics"][method]["adjusted_rand_index"] > 0.9, method
    assert report["stage_counts"] == {name: 12 for name in ["W", "N1", "N2", "N3", "REM"]}
    return points, labels


def test_evaluate_writes_metrics_and_plots(tmp_path):
    points, labels = check_report(tmp_path, ["pca", "tsne"])
    with pytest.raises(ValueError, match="unknown reduction"):
        evaluate_latent_space(points, labels, ["a"] * 5, methods=["lda"])


@pytest.mark.slow
def test_umap_reduction_and_plot(tmp_path):
    """UMAP compiles its numba kernels on first use (about a minute on 2 cores)."""
    check_report(tmp_path, ["umap"])
