#!/usr/bin/env bash
# Issue 15's side-by-side run, in one go: synthgan's default model (autoregressive), its GAN
# (ctgan, on adult) and the peers (TabularARGN, SDV CTGAN) on the four tables, seeds 0 and 1,
# one model at a time. SDV CTGAN's 300 epochs are scaled down to fit the session (0.1 on the
# three mid-sized tables, 0.02 = 6 epochs on the 203k-row diabetes table); the tables say so.
#
# Usage: bash bench/setup_peers.sh   # once
#        bash bench/run_field.sh     # about 2 hours on 2 cores; writes bench/results/bench_*.{json,md}
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
COMMON=(--seeds 0,1 --sample-rows 200000)
NOTE="issue 15 field run: sdv-ctgan epochs scaled for time (see settings); sampling timed on 200,000 rows"
$PY -m bench.run_bench --datasets adult "${COMMON[@]}" --note "$NOTE" \
    --models synthgan-autoregressive,argn,synthgan-ctgan,sdv-ctgan --model-epochs-scale sdv-ctgan=0.1
$PY -m bench.run_bench --datasets california_housing,bank_marketing "${COMMON[@]}" --note "$NOTE" \
    --models synthgan-autoregressive,argn,sdv-ctgan --model-epochs-scale sdv-ctgan=0.1
$PY -m bench.run_bench --datasets diabetes_health_indicators "${COMMON[@]}" --note "$NOTE" \
    --models synthgan-autoregressive,argn,sdv-ctgan --model-epochs-scale sdv-ctgan=0.02
