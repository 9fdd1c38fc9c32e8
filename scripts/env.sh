# Sourced by the scripts: make (once) and activate the project's virtualenv in .venv.
# Installs pyignite in editable mode with its test and dev extras.
set -e
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PYIGNITE_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
STAMP="$VENV/.pyignite-installed"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
    echo "installing pyignite and its test tools into $VENV" >&2
    if ! python -m pip install -e "$ROOT[dev]" > "$VENV/install.log" 2>&1; then
        cat "$VENV/install.log" >&2
        exit 1
    fi
    touch "$STAMP"
fi
