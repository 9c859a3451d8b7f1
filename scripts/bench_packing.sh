#!/usr/bin/env bash
# Packing benchmark for the local sweep scheduler (GPU machine): the 8 small MQAR runs of sweeps/bench_packing.yaml
# one at a time on one GPU, then 4 at a time on the same GPU (--runs-per-gpu 4), each on a fresh DB and run
# folder. Prints both wall times and their ratio; exits 1 when packing takes more than 0.5x the sequential time.
#
#   scripts/bench_packing.sh [GATELAB_BINARY] [GPU_INDEX]     (default: build/gatelab, GPU 0)
set -euo pipefail
bin=${1:-build/gatelab}
gpu=${2:-0}
grid=$(dirname "${BASH_SOURCE[0]}")/../sweeps/bench_packing.yaml
work=$(mktemp -d "${TMPDIR:-/tmp}/gatelab-bench-packing-XXXXXX")
trap 'rm -rf "$work"' EXIT

# run_mode NAME RUNS_PER_GPU: runs the grid and prints its wall seconds.
run_mode() {
  local start end
  start=$(date +%s.%N)
  "$bin" sweep run "$grid" --db "$work/$1.db" --runs-dir "$work/$1-runs" --gpus "$gpu" --runs-per-gpu "$2" \
    --progress lines > "$work/$1.log" 2>&1 || { echo "sweep ($1) failed:" >&2; tail -n 30 "$work/$1.log" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

sequential=$(run_mode sequential 1)
packed=$(run_mode packed 4)
ratio=$(awk -v p="$packed" -v s="$sequential" 'BEGIN { printf "%.3f", p / s }')
gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader -i "$gpu" 2>/dev/null || echo "GPU $gpu")
echo "bench_packing on $gpu_name: 8 MQAR runs, sequential ${sequential}s, --runs-per-gpu 4 ${packed}s, ratio ${ratio} (target <= 0.5)"
awk -v r="$ratio" 'BEGIN { exit !(r <= 0.5) }'
