#!/usr/bin/env bash
# One command from a fresh clone to the package's main job on its embedded default:
# set up .venv, then build every architecture and stage a generated night with each.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup_env.sh" ""
cd "$ROOT"
hf-sleep demo "$@"
