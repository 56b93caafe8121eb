# Shared by the scripts: where the virtual environment lives and how tailormed is installed into it.
VENV="${TAILORMED_VENV:-.venv}"

install_tailormed() {
  local extras="$1"
  local python="${PYTHON:-python3}"
  if [ ! -x "$VENV/bin/python" ]; then
    "$python" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  if [ -n "$extras" ]; then
    "$VENV/bin/python" -m pip install --quiet -e ".[${extras}]"
  else
    "$VENV/bin/python" -m pip install --quiet -e .
  fi
}
