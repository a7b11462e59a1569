#!/usr/bin/env bash
# Set up and run the main job: train a VGAE on the embedded Cora and print test AUC/AP.
# Extra arguments are passed to `gvae-ext fit`.
set -euo pipefail
PY="${PYTHON:-python3}"
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "$PY" -m gvae_ext fit --dataset cora --model vgae --seed 0 "$@"
