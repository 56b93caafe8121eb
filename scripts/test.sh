#!/usr/bin/env bash
# Install tailormed with its test dependencies into .venv, then run lint, type checks and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
install_tailormed "dev,ml,report,service,postgres,cohort,spark"
"$VENV/bin/ruff" check src tests benchmarks scripts
"$VENV/bin/mypy"
"$VENV/bin/python" -m pytest "$@"
