# Sourced by the comparison scripts: a virtual environment in bench/.venv with ReservoirPy
# 0.4.2 and hyperopt 0.3.0 (for its `research`) from PyPI. Run from the repository's root.
VENV=bench/.venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet "reservoirpy==0.4.2" "hyperopt==0.3.0"
