#!/usr/bin/env bash
# Installs what the browser tests (tests/space/test_explorer_browser.py, test_browser_stager*.py) need: Debian's
# headless Chromium and its WebDriver, Node.js with the browser stager's npm packages, and the Selenium client in the given Python (default: .venv's, else `python3`);
# `--system-only` installs just the Debian packages.
# Idempotent: does nothing that is already done. Needs root (or sudo) for apt-get.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${1:-}"
SYSTEM_ONLY=0
if [ "$PY" = "--system-only" ]; then SYSTEM_ONLY=1; PY=""; fi
if [ -z "$PY" ]; then
  if [ -x "${HF_SLEEP_VENV:-$ROOT/.venv}/bin/python" ]; then PY="${HF_SLEEP_VENV:-$ROOT/.venv}/bin/python"; else PY=python3; fi
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
fi

# The browser stager (tests/space/test_browser_stager*.py): Node.js and npm, and its pinned onnxruntime-web
# installed from spaces/browser_stager/package-lock.json.
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
if [ ! -d "$ROOT/spaces/browser_stager/node_modules/onnxruntime-web" ]; then
  (cd "$ROOT/spaces/browser_stager" && npm ci --no-audit --no-fund --silent)
fi

if [ "$SYSTEM_ONLY" = 1 ]; then
  # Selenium comes with the dev extra that scripts/run_tests.sh installs.
  echo "browser ready: $(chromium --version)"
  exit 0
fi
if ! "$PY" -c "import selenium" 2>/dev/null; then
  "$PY" -m pip install --quiet "selenium>=4.20"
fi
echo "browser test ready: $(chromium --version), selenium $("$PY" -c 'import selenium; print(selenium.__version__)')"
