#!/usr/bin/env bash
# One command from a fresh clone to the test suite: set up .venv with every extra, then run pytest.
# Extra arguments go to pytest (e.g. `-m "not slow"`, `-k deepsleepnet`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup_env.sh" "dev,latent,space,onnx"
cd "$ROOT"
ruff check hf_sleep tests scripts bench
# --durations: where the suite's time goes, printed at the end of every run.
python -m pytest --durations=25 "$@"
