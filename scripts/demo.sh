#!/usr/bin/env bash
# Install tailormed with its report and service extras into .venv, analyse the bundled demo patients on the embedded
# defaults and write their reports, then serve the web app and API in demo mode on http://127.0.0.1:8000 (printing
# the demo logins and the report paths) until Ctrl-C; pass --no-serve to stop after the reports.
# PDF reports need Pango; on Debian/Ubuntu as root it is installed when missing, elsewhere the reports stay HTML.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh
install_tailormed "report,service"
if ! "$VENV/bin/python" -c "import weasyprint" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Pango for PDF reports (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null
  else
    echo "note: PDF reports need Pango (libpango-1.0-0, libpangoft2-1.0-0); writing HTML reports only" >&2
  fi
fi
exec "$VENV/bin/tailormed" demo --serve "$@"
