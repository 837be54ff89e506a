#!/usr/bin/env bash
# Creates bench/.peers-venv: the tools a user would pick instead of hf_sleep, in their own environment
# (never project dependencies). Pinned: CPU torch, braindecode, YASA, GSSC and their dependencies.
# braindecode requires torchaudio, which has no build for this CPU torch: a stub that provides only
# the names braindecode imports at module level is installed in its place (bench/peers/torchaudio_stub).
# Usage: bash bench/peers/setup_peers.sh   (idempotent; PEERS_VENV overrides the location)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${PEERS_VENV:-$HERE/../.peers-venv}"
TORCH_VERSION="${HF_SLEEP_TORCH_VERSION:-2.13.0}"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip

if ! "$PY" -c "import torch" 2>/dev/null; then
  "$PY" -m pip install --quiet --no-index --no-deps "torch==$TORCH_VERSION" 2>/dev/null \
    || "$PY" -m pip install --quiet "torch==$TORCH_VERSION" --index-url https://download.pytorch.org/whl/cpu
fi
# torch's own dependencies (the local wheel was installed without them).
"$PY" -m pip install --quiet filelock typing-extensions sympy networkx jinja2 fsspec

# The torchaudio stub, installed by hand with its dist-info so pip counts braindecode's requirement as met.
SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
rm -rf "$SITE/torchaudio" "$SITE"/torchaudio-*.dist-info
cp -r "$HERE/torchaudio_stub/torchaudio" "$SITE/torchaudio"
STUB_INFO="$SITE/torchaudio-$TORCH_VERSION+stub.dist-info"
mkdir -p "$STUB_INFO"
printf 'Metadata-Version: 2.1\nName: torchaudio\nVersion: %s+stub\nSummary: hf_sleep benchmark stub\n' \
  "$TORCH_VERSION" > "$STUB_INFO/METADATA"
echo "hf-sleep-bench" > "$STUB_INFO/INSTALLER"
: > "$STUB_INFO/RECORD"

# The constraint keeps pip from replacing the CPU torch (or the stub) while resolving the peers.
CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
printf 'torch==%s\ntorchaudio==%s+stub\n' "$TORCH_VERSION" "$TORCH_VERSION" > "$CONSTRAINTS"
"$PY" -m pip install --quiet -c "$CONSTRAINTS" \
  "braindecode==1.8.1" "yasa==0.8.1" "gssc==0.0.9" psutil edfio

"$PY" - <<'PY'
import importlib.metadata as md
import braindecode.models, gssc.infer, yasa  # noqa: F401  (fails loudly if an import is broken)
print("peer environment ready:", ", ".join(f"{p} {md.version(p)}" for p in ("torch", "braindecode", "yasa", "gssc", "mne")))
PY
