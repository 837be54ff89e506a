"""BENCHMARKS.md from the results of one run: the set-up first, then one section per measurement."""

from __future__ import annotations

from typing import Any

from bench.harness import conversion, gpu, inference, learning, macs, many, memory, startup, training

RENDERERS = {
    "inference": inference.render,
    "conversion": conversion.render,
    "training": training.render,
    "learning": learning.render,
    "memory": memory.render,
    "startup": startup.render,
    "many": many.render,
    "macs": macs.render,
    "gpu": gpu.render,
}


def _versions(versions: dict[str, str | None]) -> str:
    return ", ".join(f"{name} {version or 'not installed'}" for name, version in versions.items())


def render(results: dict[str, Any]) -> str:
    meta = results["meta"]
    machine = meta["machine"]
    lines = [
        "# Benchmarks",
        "",
        "hf_sleep against the tools a user would pick instead — braindecode, YASA and GSSC — measured in one run "
        "on the same inputs. Regenerate with `python bench/run_all.py` (peers first: "
        "`bash bench/peers/setup_peers.sh`). Every figure is the median of several runs with the min–max spread.",
        "",
    ]
    if meta["quick"]:
        lines += [
            "> **Quick run** (`--quick`): tiny sizes to check the harness; these are not reference figures.",
            "",
        ]
    lines += [
        "## Set-up",
        "",
        f"- Date: {machine['date']}; run took {meta['seconds'] / 60:.1f} min (`{meta['command']}`).",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB RAM, {machine['os']}, "
        f"Python {machine['python']}; every measurement limited to {machine['threads']} threads "
        "(`torch.set_num_threads`, `OMP_NUM_THREADS`).",
        f"- hf_sleep {meta['hf_sleep_version']} (commit {meta['commit']}): {_versions(meta['versions_ours'])}.",
        f"- Peers (own virtual environment, `bench/.peers-venv`): {_versions(meta['versions_peers'])}"
        if meta.get("versions_peers")
        else "- Peers: environment missing (`bash bench/peers/setup_peers.sh`); their figures are not measured.",
        f"- Generated nights: {meta['generator']}, driven by the real Sleep-EDF hypnograms of the team data "
        "(30 min of wake before the first sleep epoch, then the night as scored); Sleep-EDF SC layout.",
        *([f"- Note: {meta['note']}"] if meta.get("note") else []),
        "- braindecode imports torchaudio at module level; torchaudio has no build for this CPU torch, so the peer "
        "environment carries a stub providing only those names (`bench/peers/torchaudio_stub`); none of the "
        "measured code calls it. GSSC's pickled networks are loaded with `torch.load(weights_only=False)` "
        "(torch ≥ 2.6 refuses them otherwise).",
        "",
    ]
    for name, renderer in RENDERERS.items():
        if name in results["sections"]:
            lines.append(renderer(results["sections"][name]))
    return "\n".join(lines).rstrip() + "\n"
