#!/usr/bin/env bash
# Set up with the test extras, lint, and run the test suite.
set -euo pipefail
PY="${PYTHON:-python3}"
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
"$PY" -m ruff check gvae_ext tests benchmarks examples scripts
"$PY" -m ruff format --check gvae_ext tests benchmarks examples scripts
exec "$PY" -m pytest -q "$@"
