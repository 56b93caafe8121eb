#!/usr/bin/env bash
# Install tailormed into .venv and analyse the bundled demo patients on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
install_tailormed ""
"$VENV/bin/tailormed" demo "$@"
