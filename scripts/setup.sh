#!/usr/bin/env bash
# Set up gvae_ext in the current Python environment (python3, or $PYTHON).
#
# - A CPU build of torch (2.13.0) is installed ONLY when no torch is importable;
#   an existing torch (CPU or CUDA) is never replaced.
# - Then the package itself is installed in editable mode; `--test` adds the
#   test extras (pytest, hypothesis, ruff, scikit-learn, matplotlib).
set -euo pipefail
PY="${PYTHON:-python3}"
cd "$(dirname "$0")/.."

if "$PY" -c 'import torch' >/dev/null 2>&1; then
  echo "setup: keeping the installed torch $("$PY" -c 'import torch; print(torch.__version__)')"
else
  echo "setup: no torch found; installing the CPU build torch==2.13.0"
  "$PY" -m pip install --quiet torch==2.13.0
fi

extras=""
if [ "${1:-}" = "--test" ]; then
  extras="[test]"
fi
"$PY" -m pip install --quiet --disable-pip-version-check -e ".${extras}"
echo "setup: gvae_ext $("$PY" -c 'import gvae_ext; print(gvae_ext.__version__)') ready"
