#!/usr/bin/env bash
# Creates (or reuses) the project's virtual environment in .venv and installs hf_sleep into it.
# Usage: source scripts/setup_env.sh [EXTRAS]   e.g. EXTRAS="dev,latent,space"
# HF_SLEEP_VENV picks another environment folder; HF_SLEEP_CONSTRAINTS a pip constraints file applied to every
# install (CI's second job: HF_SLEEP_CONSTRAINTS=.ci/lowest.txt, the lowest versions pyproject allows).
# PyTorch comes first, CPU build where one is to be had, so the package's `torch` requirement
# is already satisfied and pip never pulls the multi-GB CUDA build on a CPU-only machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${HF_SLEEP_VENV:-$ROOT/.venv}"
EXTRAS="${1:-}"
TORCH_VERSION="${HF_SLEEP_TORCH_VERSION:-2.13.0}"
CONSTRAINTS=()
if [ -n "${HF_SLEEP_CONSTRAINTS:-}" ]; then
  CONSTRAINTS=(-c "$(cd "$(dirname "$HF_SLEEP_CONSTRAINTS")" && pwd)/$(basename "$HF_SLEEP_CONSTRAINTS")")
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip

if ! "$PY" -c "import torch" 2>/dev/null; then
  # 1) a local CPU wheel (pip's find-links), without touching any index;
  # 2) PyTorch's CPU index; 3) whatever the default index has.
  "$PY" -m pip install --quiet --no-index --no-deps "torch==$TORCH_VERSION" 2>/dev/null \
    || "$PY" -m pip install --quiet torch --index-url https://download.pytorch.org/whl/cpu 2>/dev/null \
    || "$PY" -m pip install --quiet torch
fi

SPEC="$ROOT"
[ -n "$EXTRAS" ] && SPEC="$ROOT[$EXTRAS]"
# setuptools announces every editable install with a boxed "Editable installation." notice (a warning of that
# message, from the build backend): filtered by its message alone, so every other warning and every error still shows.
PYTHONWARNINGS="ignore:Editable installation" "$PY" -m pip install --quiet "${CONSTRAINTS[@]}" -e "$SPEC"
export PATH="$VENV/bin:$PATH"
