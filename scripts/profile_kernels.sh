#!/usr/bin/env bash
# Profiles one forward+backward of the CUDA linear-attention kernels with Nsight Compute (GPU machine; run after
# `scripts/gpu_check.sh build`): per kernel, time, achieved occupancy, issue-slot use and shared-memory bank
# conflicts, at the first `gatelab bench` shape (B 8, T 2048, H 16, D 64, bf16). Output: $OUT/ncu.csv and a summary.
#   scripts/profile_kernels.sh [GATELAB_BINARY]        (default build-gpu/gatelab)
set -uo pipefail
bin=${1:-build-gpu/gatelab}
OUT=${OUT:-out}
mkdir -p "$OUT"
metrics=gpu__time_duration.sum,sm__warps_active.avg.pct_of_peak_sustained_active,sm__inst_issued.avg.pct_of_peak_sustained_active,l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum,launch__occupancy_limit_shared_mem,launch__registers_per_thread,dram__throughput.avg.pct_of_peak_sustained_elapsed,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active
# The bench's first kernel call (3 warm-up reps + 1 timed) is enough: skip the first warm-up rep's launches.
ncu --csv --page raw --metrics "$metrics" --kernel-name regex:'state_pass|output_pass|backward_pass|chunk_scan|gate_gradient|column_pass|row_pass' \
  --launch-skip 0 --launch-count 9 "$bin" bench --db /tmp/profile.db --no-train --no-chunked --reps 1 --warmup 0 \
  >"$OUT/ncu.csv" 2>"$OUT/ncu.err"
python3 - "$OUT/ncu.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
head = next(i for i, r in enumerate(rows) if r and r[0] == "ID")
names = rows[head]
for r in rows[head + 2:]:
    d = dict(zip(names, r))
    short = d["Kernel Name"].split("(")[0].split("::")[-1][:60]
    print(f'{short:<60} {d["gpu__time_duration.sum"]:>10} ns  warps {d["sm__warps_active.avg.pct_of_peak_sustained_active"]:>6}%  '
          f'issue {d["sm__inst_issued.avg.pct_of_peak_sustained_active"]:>6}%  bank-conf {d["l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum"]:>10}  '
          f'smem-limit {d["launch__occupancy_limit_shared_mem"]:>3}  regs {d["launch__registers_per_thread"]:>4}  dram {d["dram__throughput.avg.pct_of_peak_sustained_elapsed"]:>6}%  '
          f'tensor {d["sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active"]:>6}%')
PY

# Details of the two slowest tensor-core kernels: warp stall reasons, instruction mix, and the hottest source lines.
if [[ "${GATELAB_PROFILE_DETAILS:-0}" == 1 ]]; then
  for kernel in backward_pass output_pass; do
    ncu --kernel-name regex:"$kernel" --launch-count 1 --section WarpStateStats --section InstructionStats \
      --section SchedulerStats --section SourceCounters --print-details all \
      "$bin" bench --db /tmp/profile.db --no-train --no-chunked --reps 1 --warmup 0 >"$OUT/ncu-$kernel.txt" 2>&1
  done
fi

# Where a training step's GPU time goes: every kernel of two steps (one warm-up, one timed) of one bench model,
# summed by kernel name. GATELAB_PROFILE_TRAIN=<model> (e.g. softmax_d512_l6).
if [[ -n "${GATELAB_PROFILE_TRAIN:-}" ]]; then
  ncu --csv --page raw --metrics gpu__time_duration.sum "$bin" bench --db /tmp/profile.db --no-kernels \
    --models "$GATELAB_PROFILE_TRAIN" --train-steps 1 --warmup 1 >"$OUT/ncu-train.csv" 2>"$OUT/ncu-train.err"
  python3 - "$OUT/ncu-train.csv" <<'PY'
import csv, sys, collections
rows = list(csv.reader(open(sys.argv[1])))
head = next(i for i, r in enumerate(rows) if r and r[0] == "ID")
names = rows[head]
total, count = collections.Counter(), collections.Counter()
for r in rows[head + 2:]:
    d = dict(zip(names, r))
    name = d["Kernel Name"].split("(")[0][:90]
    total[name] += float(d["gpu__time_duration.sum"].replace(",", ""))
    count[name] += 1
all_ns = sum(total.values())
print(f"two training steps: {len(rows) - head - 2} kernels, {all_ns / 1e6:.2f} ms of kernel time")
for name, ns in total.most_common(30):
    print(f"{ns / 1e6:9.3f} ms {100 * ns / all_ns:5.1f}% {count[name]:6d}x  {name}")
PY
fi
