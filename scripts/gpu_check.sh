#!/usr/bin/env bash
# Builds gatelab with the CUDA kernels on the GPU machine and checks it end to end, in one call of the device tool:
#   unpack the carried Debian packages (.debs/, from `apt-get download` on a CPU machine) into a prefix, configure
#   against the PyTorch LibTorch with -DGATELAB_CUDA=ON, build, run every ctest test (CPU and GPU), `gatelab bench`,
#   a real `gatelab run` on CUDA (MQAR, and a bf16 GLA run) with its DB rows printed, and the sweeps packing
#   benchmark (scripts/bench_packing.sh) when `gatelab sweep` and that script exist. Logs and the DB go to $OUT.
# Usage (device tool, carry .debs and .source-stamp):  bash scripts/gpu_check.sh [stage ...]
#   (first, where the checkout is: bash scripts/source_stamp.sh write, so runs record the real commit)
#   stages: build test gputest memcheck bench generate peers run packing oom mqar studies, always run in this order
#   whatever order they are named in (default: build test bench run packing); gputest runs only the GPU test binary, for kernel work; memcheck runs it under
#   compute-sanitizer --tool memcheck; generate runs `gatelab bench --generate`; peers times the same models in PyTorch (scripts/peer_bench.py) after bench,
#   into the same DB (view bench_versus_peers); oom runs a CUDA out-of-memory run beside a packed neighbour,
#   tests/gpu/oom_neighbour.yaml; mqar runs the quick MQAR study, analysis/studies/mqar/README.md, or
#   GATELAB_STUDY_SWEEP; studies runs several sweeps at once on one shared MPS daemon, GATELAB_STUDIES).
#   Idempotent: re-running reuses the build.
# Environment: OUT (default ./out), GATELAB_GPU_BUILD (default ./build-gpu), GATELAB_DEB_PREFIX (/tmp/gatelab-debs),
#   GATELAB_BUILD_TARGETS (ninja targets, default all), GATELAB_CTEST_ARGS (extra ctest arguments), GATELAB_CTEST_TIMEOUT (seconds per test, default 1500),
#   GATELAB_BENCH_ARGS (extra `gatelab bench` arguments), GATELAB_GENERATE_ARGS (extra `bench --generate` arguments), GATELAB_GPUTEST_ARGS (test_gpu arguments of the gputest stage, e.g. a Catch2 filter), GATELAB_MEMCHECK_ARGS (test_gpu arguments under memcheck,
#   e.g. a Catch2 filter), GATELAB_PACKING_TIMEOUT (seconds, default 300),
#   GATELAB_PRELOAD_STDCXX=1 (work around the std::filesystem crash described below), GATELAB_STUDY_SECONDS,
#   GATELAB_STUDY_DIR, GATELAB_STUDY_SWEEP, GATELAB_STUDY_RUNS_PER_GPU, GATELAB_STUDY_THREADS (the mqar stage),
#   GATELAB_PEERS_ARGS, GATELAB_PEERS_TIMEOUT (the peers stage), GATELAB_STUDIES ("sweep:runs-per-gpu[:db] ...",
#   names of sweeps/*.yaml, db the DB's name when not the sweep's; the studies stage, with GATELAB_STUDY_SECONDS
#   and GATELAB_STUDY_DIR).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/out}
BUILD=${GATELAB_GPU_BUILD:-$ROOT/build-gpu}
PREFIX=${GATELAB_DEB_PREFIX:-/tmp/gatelab-debs}
STAGES=${*:-build test bench run packing}
mkdir -p "$OUT" "$PREFIX"
status=0
has_stage() { [[ " $STAGES " == *" $1 "* ]]; }
note() { echo "== gpu_check: $*" | tee -a "$OUT/gpu_check.log"; }

shopt -s nullglob
# Splits an argument variable into words without pathname expansion: with nullglob on, an unquoted Catch2 filter
# such as "fused*" that names no file here would vanish, and the stage would run every case.
split_args() { read -r -a "$1" <<<"$2"; }
debs=("$ROOT"/.debs/*.deb)
# The Debian packages the GPU build unpacks (the GPU machine reaches no registry): every one must be carried.
needed_debs=(libsqlitecpp-dev libfmt-dev libfmt9 catch2 libboost-program-options-dev libboost-program-options1.74-dev
             libboost-program-options1.74.0 libboost-filesystem-dev libboost-filesystem1.74-dev
             libboost-filesystem1.74.0 libboost1.74-dev libboost-dev libyaml-cpp-dev libyaml-cpp0.7 nlohmann-json3-dev
             libsqlite3-dev libsqlite3-0 libpugixml-dev libpugixml1v5 bible-kjv bible-kjv-text)
# Optional: libutf8proc-dev libutf8proc2 (display widths of wide characters; without it, code points are counted);
# zstd (the studies stage: the compressed corpus data/mix.tar.zst and the DBs it sends back).
missing_debs=()
for pkg in "${needed_debs[@]}"; do
  found=("$ROOT/.debs/${pkg}"_*.deb)
  [[ ${#found[@]} -gt 0 ]] || missing_debs+=("$pkg")
done
if [[ ${#missing_debs[@]} -gt 0 ]]; then
  echo "gpu_check: ${#missing_debs[@]} of the needed .deb files are not in $ROOT/.debs; on a CPU machine run" >&2
  echo "  mkdir -p .debs && cd .debs && apt-get download ${missing_debs[*]}" >&2
  exit 2
fi
for f in "${debs[@]}"; do dpkg -x "$f" "$PREFIX"; done
LIBDIR="$PREFIX/usr/lib/x86_64-linux-gnu"
# Carried command-line tools (zstd for the compressed corpus and the study DBs) come after the machine's own.
export PATH="$PATH:$PREFIX/usr/bin"
export LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# Plain "-lsqlite3" (results/) must find the unpacked library at link time too.
export LIBRARY_PATH="$LIBDIR${LIBRARY_PATH:+:$LIBRARY_PATH}"
# The sweeps smoke test builds the KJV corpus: from the carried bible-kjv .deb files (the GPU machine reaches no registry).
export GATELAB_DEB_DIR="$ROOT/.debs"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
TORCH_PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
# Provenance: the copy's .git holds only the session's base commit. A carried .source-stamp (scripts/source_stamp.sh
# write, where the checkout is) names the real commit when this tree is the stamped one; runs record it.
if [[ -z "${GATELAB_GIT_COMMIT:-}" ]]; then
  stamped=$(bash "$ROOT/scripts/source_stamp.sh" check 2>>"$OUT/gpu_check.log")
  [[ -z "$stamped" ]] || export GATELAB_GIT_COMMIT="$stamped"
fi
GATELAB="$BUILD/gatelab"
RUNS=${GATELAB_GPU_RUNS:-/tmp/gatelab-gpu-runs}  # run folders (checkpoints) stay off $OUT: it brings back 8 files at most
note "device: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
note "source commit recorded by runs: ${GATELAB_GIT_COMMIT:-git's own answer (the session's base commit, -dirty)}"

# Known problem (H100 machine, PyTorch 2.11): libtorch.so exports its own std::filesystem symbols and comes before
# libstdc++ in every executable's DT_NEEDED list, so std::filesystem::remove_all bound to libtorch's copy, which
# jumps to address 0 (cuda-gdb backtrace: TempDir::~TempDir -> remove_all in libtorch.so -> 0x0); 24 ctest tests
# died with SIGSEGV. Naming -lstdc++ first at link time did not change the DT_NEEDED order. Preloading libstdc++
# (preloaded libraries are searched first) fixed all 24 on the H100 (2026-11-24); GATELAB_PRELOAD_STDCXX=0 turns it
# off. The sweeps smoke test builds the KJV corpus from the bible-kjv packages carried in .debs (GATELAB_DEB_DIR).
if [[ "${GATELAB_PRELOAD_STDCXX:-1}" == 1 ]]; then
  export LD_PRELOAD="$(g++ -print-file-name=libstdc++.so.6)${LD_PRELOAD:+:$LD_PRELOAD}"
fi

if has_stage build; then
  note "configure"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGATELAB_CUDA=ON -DGATELAB_FMT_HEADER_ONLY=ON \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$PREFIX/usr;$LIBDIR/cmake" \
    -DCMAKE_INCLUDE_PATH="$PREFIX/usr/include" -DCMAKE_LIBRARY_PATH="$LIBDIR" \
    -DCMAKE_CXX_FLAGS="-isystem $PREFIX/usr/include" -DCMAKE_EXE_LINKER_FLAGS="-L$LIBDIR" >"$BUILD.configure.log" 2>&1 || {
    cp "$BUILD.configure.log" "$OUT/configure.log"; tail -40 "$OUT/configure.log"; note "configure FAILED"; exit 1; }
  note "build"
  mkdir -p "$BUILD"
  split_args build_targets "${GATELAB_BUILD_TARGETS:-}"
  if ! ninja -C "$BUILD" -j16 -k 0 "${build_targets[@]}" >"$BUILD.build.log" 2>&1; then
    cp "$BUILD.build.log" "$OUT/build.log"
    grep -E "^FAILED" "$OUT/build.log" | head -20
    note "build FAILED for the targets above (-k 0 built everything else; see build.log); going on"
    status=1
  fi
  tail -2 "$BUILD.build.log"
fi

if has_stage test; then
  note "ctest (all tests, CPU and GPU)"
  split_args ctest_args "${GATELAB_CTEST_ARGS:-}"
  (cd "$BUILD" && ctest --output-on-failure -j8 --timeout "${GATELAB_CTEST_TIMEOUT:-1500}" "${ctest_args[@]}") \
    >"$OUT/ctest.log" 2>&1 || status=1
  grep -E "tests passed|tests failed|Skipped|\*\*\*Failed|Not Run|Timeout" "$OUT/ctest.log" | tail -30
  # The GPU test's own summary (every compared tensor is listed on failure).
  "$BUILD/tests/gpu/test_gpu" --durations yes >"$OUT/test_gpu.log" 2>&1 || status=1
  grep -E "passed|failed|relative error|skipped" "$OUT/test_gpu.log" | tail -30
fi

if has_stage gputest; then
  note "GPU tests only (tests/gpu/test_gpu)"
  split_args gputest_args "${GATELAB_GPUTEST_ARGS:-}"
  "$BUILD/tests/gpu/test_gpu" --durations yes "${gputest_args[@]}" >"$OUT/test_gpu.log" 2>&1 || status=1
  grep -E "passed|failed|relative error|skipped" "$OUT/test_gpu.log" | tail -30
fi

if has_stage memcheck; then
  note "compute-sanitizer --tool memcheck over tests/gpu/test_gpu"
  # No --leak-check: PyTorch's caching allocator keeps its cudaMalloc'd pool until exit, so every pool block is
  # reported as a leak (H200, 2026-12-01: 195 reports, all from c10::cuda::CUDACachingAllocator). Access errors
  # (out of bounds, misaligned, uninitialized reads of device memory) are what this stage checks.
  split_args memcheck_args "${GATELAB_MEMCHECK_ARGS:-}"
  timeout "${GATELAB_MEMCHECK_TIMEOUT:-400}" compute-sanitizer --tool memcheck --error-exitcode 1 \
    "$BUILD/tests/gpu/test_gpu" "${memcheck_args[@]}" >"$OUT/memcheck.log" 2>&1 || status=1
  grep -E "ERROR SUMMARY|LEAK SUMMARY|passed|failed|Invalid" "$OUT/memcheck.log" | tail -20
fi

if has_stage bench; then
  if "$GATELAB" bench --help >/dev/null 2>&1; then
    note "gatelab bench"
    split_args bench_args "${GATELAB_BENCH_ARGS:-}"
    "$GATELAB" bench --db "$OUT/gatelab.db" "${bench_args[@]}" 2>&1 | tee "$OUT/bench.log" || status=1
  else
    note "gatelab bench: not in this build"
  fi
fi

if has_stage generate; then
  # Issue 18: token-by-token generation, linear attention's recurrent state against softmax's KV cache
  # (`gatelab bench --generate`), into the same DB as the bench stage.
  note "gatelab bench --generate"
  split_args generate_args "${GATELAB_GENERATE_ARGS:-}"
  "$GATELAB" bench --generate --db "$OUT/gatelab.db" "${generate_args[@]}" 2>&1 | tee "$OUT/generate.log" || status=1
fi

if has_stage peers; then
  # Issue 18: the same models in PyTorch eager, torch.compile (softmax) and fla (when importable), on this GPU in
  # this call, imported into the bench stage's DB so bench_versus_peers gives gatelab / PyTorch per model.
  note "peer benchmark: scripts/peer_bench.py (PyTorch $(python3 -c 'import torch;print(torch.__version__)'))"
  split_args peers_args "${GATELAB_PEERS_ARGS:-}"
  PYTHONUNBUFFERED=1 timeout "${GATELAB_PEERS_TIMEOUT:-420}" python3 "$ROOT/scripts/peer_bench.py" --gatelab "$GATELAB" \
    --out "$OUT/peers.jsonl" "${peers_args[@]}" 2>&1 | tee "$OUT/peers.log" || status=1
  "$GATELAB" bench --import-peers "$OUT/peers.jsonl" --db "$OUT/gatelab.db" 2>&1 | tee -a "$OUT/peers.log"
  "$GATELAB" query --db "$OUT/gatelab.db" --format markdown "SELECT model, peer, gatelab_tokens_per_s,
    peer_tokens_per_s, ratio, gatelab_peak_gib, peer_peak_gib, memory_ratio FROM bench_versus_peers" 2>&1 |
    tee -a "$OUT/peers.log"
fi

if has_stage run; then
  note "gatelab run on CUDA: MQAR (fp32) and a bf16 GLA byte-text run"
  rm -rf "$RUNS"
  "$GATELAB" run --db "$OUT/gatelab.db" --run-dir "$RUNS/mqar" --device cuda --quiet --name gpu-check-mqar \
    --set task.name=mqar --set train.steps=200 --set train.eval_every=100 >"$OUT/runs.log" 2>&1 || status=1
  tail -5 "$OUT/runs.log"
  "$GATELAB" run --db "$OUT/gatelab.db" --run-dir "$RUNS/gla" --device cuda --quiet --name gpu-check-gla-bf16 \
    --set train.dtype=bfloat16 --set model.attn.gate=gla --set train.steps=100 \
    --set train.eval_every=50 --set task.name=mqar --set task.seq_len=256 >>"$OUT/runs.log" 2>&1 || status=1
  tail -5 "$OUT/runs.log"
  note "DB rows"
  if "$GATELAB" query --help >/dev/null 2>&1; then
    "$GATELAB" query --db "$OUT/gatelab.db" "SELECT run_id, name, status, device, git_commit FROM runs" 2>&1 | tee "$OUT/rows.txt"
  fi
  python3 - "$OUT/gatelab.db" <<'PY' 2>&1 | tee -a "$OUT/rows.txt"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for table, query in [
    ("runs", "SELECT run_id, name, status, device, git_commit, n_params FROM runs"),
    ("metrics (last 12)", "SELECT run_id, step, split, key, value FROM metrics ORDER BY rowid DESC LIMIT 12"),
    ("layer_stats (first 6)", "SELECT * FROM layer_stats LIMIT 6"),
    ("benches", "SELECT what, shape, dtype, ms, ratio_to_ref, tokens_per_s, peak_mem_gib, target FROM benches"),
]:
    print(f"-- {table}")
    try:
        for row in db.execute(query):
            print("  ", row)
    except sqlite3.Error as e:
        print("   (", e, ")")
PY
fi

if has_stage packing; then
  if "$GATELAB" sweep --help >/dev/null 2>&1 && [[ -f "$ROOT/scripts/bench_packing.sh" ]]; then
    note "sweeps packing benchmark (scripts/bench_packing.sh)"
    timeout "${GATELAB_PACKING_TIMEOUT:-300}" bash "$ROOT/scripts/bench_packing.sh" "$GATELAB" 0 2>&1 |
      tee "$OUT/packing.log" || status=1
  else
    note "packing benchmark: gatelab sweep or scripts/bench_packing.sh not present; skipped"
  fi
fi

if has_stage oom; then
  # Issue 15: a real CUDA out-of-memory run packed beside a small neighbour (tests/gpu/oom_neighbour.yaml). With
  # --on-oom fail the hog must end 'oom' and the neighbour 'finished'; with --on-oom split-batch (a fresh DB) the hog
  # is resumed with more micro-batches until a slice fits, and both finish.
  OOMDIR=/tmp/gatelab-oom
  rm -rf "$OOMDIR"; mkdir -p "$OOMDIR"
  for policy in fail split-batch; do
    note "GPU OOM with a packed neighbour, --on-oom $policy"
    timeout 280 "$GATELAB" sweep run "$ROOT/tests/gpu/oom_neighbour.yaml" --db "$OOMDIR/$policy.db" \
      --runs-dir "$OOMDIR/runs-$policy" --out "$OOMDIR/out-$policy" --gpus all --runs-per-gpu 2 --threads-per-run 2 \
      --on-oom "$policy" --progress lines >"$OOMDIR/$policy.log" 2>&1
    echo "sweep exit code $?" >>"$OOMDIR/$policy.log"
    "$GATELAB" query --db "$OOMDIR/$policy.db" \
      "SELECT name, status, steps_done, device, status_reason FROM runs ORDER BY name" >>"$OOMDIR/$policy.log" 2>&1
    cat "$OOMDIR/$policy.log" >>"$OUT/oom.log"
    tail -12 "$OOMDIR/$policy.log"
  done
fi

if has_stage mqar; then
  # The quick Zoology MQAR study (analysis/studies/mqar/): runs or resumes sweeps/mqar_quick.yaml for at most
  # GATELAB_STUDY_SECONDS (default 500), then leaves the DB and the status table in $OUT. The DB and checkpoints
  # live under GATELAB_STUDY_DIR (default /tmp/gatelab-mqar), so the next call on a warm machine resumes the sweep;
  # SIGTERM at the time limit makes every run checkpoint first.
  STUDY=${GATELAB_STUDY_DIR:-/tmp/gatelab-mqar}
  SWEEP=${GATELAB_STUDY_SWEEP:-$ROOT/sweeps/mqar_quick.yaml}
  mkdir -p "$STUDY"
  note "MQAR study: $(basename "$SWEEP") for at most ${GATELAB_STUDY_SECONDS:-500} s"
  timeout --signal=TERM --kill-after=40 "${GATELAB_STUDY_SECONDS:-500}" "$GATELAB" sweep run "$SWEEP" \
    --db "$STUDY/mqar.db" --runs-dir "$STUDY/runs" --gpus all --runs-per-gpu "${GATELAB_STUDY_RUNS_PER_GPU:-8}" \
    --threads-per-run "${GATELAB_STUDY_THREADS:-2}" --progress lines >"$OUT/mqar_sweep.log" 2>&1
  note "MQAR study: sweep exited with $?"
  tail -5 "$OUT/mqar_sweep.log"
  "$GATELAB" sweep status "$SWEEP" --db "$STUDY/mqar.db" >"$OUT/mqar_status.txt" 2>&1
  tail -60 "$OUT/mqar_status.txt"
  cp "$STUDY/mqar.db" "$OUT/mqar.db"
fi

if has_stage studies; then
  # Issue 19 (and 14's remainders): several sweeps at once, each its own DB under GATELAB_STUDY_DIR (kept between
  # calls on a warm machine, so the next call resumes), all sharing one MPS daemon started here (the sweeps find it
  # through CUDA_MPS_PIPE_DIRECTORY), for at most GATELAB_STUDY_SECONDS; SIGTERM makes every run checkpoint. The
  # byte corpus travels compressed (data/mix.tar.zst, carried) and is unpacked once. Back in $OUT: studies.txt
  # (every sweep's status) and studies.tar (each DB, zstd-compressed).
  STUDY=${GATELAB_STUDY_DIR:-/tmp/gatelab-studies}
  STUDIES=${GATELAB_STUDIES:-gated_attention:6}
  # One GATELAB_STUDIES entry "sweep:runs-per-gpu[:db]" into name, per_gpu and db (the sweep's name by default).
  read_study_spec() { IFS=: read -r name per_gpu db <<<"$1"; db=${db:-$name}; }
  mkdir -p "$STUDY/mps/pipe" "$STUDY/mps/log"
  export GATELAB_DATA="$ROOT/data"
  if [[ ! -f "$ROOT/data/mix/train.txt" && -f "$ROOT/data/mix.tar.zst" ]]; then
    note "unpacking data/mix.tar.zst"; (cd "$ROOT/data" && zstd -dc mix.tar.zst | tar xf -)
  fi
  export CUDA_MPS_PIPE_DIRECTORY="$STUDY/mps/pipe" CUDA_MPS_LOG_DIRECTORY="$STUDY/mps/log"
  nvidia-cuda-mps-control -d 2>/dev/null || note "MPS daemon already running"
  pids=()
  for spec in $STUDIES; do
    read_study_spec "$spec"
    # A fresh machine continues from the committed DB (analysis/studies/*/<db>.db.zst): its finished runs are
    # skipped; the unfinished ones start over (their checkpoints stayed on the earlier machine).
    seed_db=("$ROOT"/analysis/studies/*/"$db".db.zst)
    if [[ ! -f "$STUDY/$db.db" && ${#seed_db[@]} -gt 0 ]]; then
      note "study $name: continuing from ${seed_db[0]#"$ROOT"/}"; zstd -q -d "${seed_db[0]}" -o "$STUDY/$db.db"
    fi
    note "study $name: $("$GATELAB" sweep status "$ROOT/sweeps/$name.yaml" --db "$STUDY/$db.db" 2>&1 | grep -m1 -E 'runs:|finished' || true)"
    note "study $name: --runs-per-gpu $per_gpu for at most ${GATELAB_STUDY_SECONDS:-500} s"
    timeout --signal=TERM --kill-after=40 "${GATELAB_STUDY_SECONDS:-500}" "$GATELAB" sweep run \
      "$ROOT/sweeps/$name.yaml" --db "$STUDY/$db.db" --runs-dir "$STUDY/runs-$name" --gpus all \
      --runs-per-gpu "$per_gpu" --threads-per-run 1 --progress lines >>"$STUDY/$name.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  echo quit | nvidia-cuda-mps-control 2>/dev/null
  : >"$OUT/studies.txt"
  files=()
  for spec in $STUDIES; do
    read_study_spec "$spec"
    { echo "== $name"; tail -3 "$STUDY/$name.log"; "$GATELAB" sweep status "$ROOT/sweeps/$name.yaml" --db "$STUDY/$db.db"; } \
      >>"$OUT/studies.txt" 2>&1
    [[ " ${files[*]} " == *" $db.db.zst "* ]] && continue  # several sweeps may share one DB
    python3 -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA wal_checkpoint(TRUNCATE)')" \
      "$STUDY/$db.db" 2>/dev/null
    zstd -q -f -6 "$STUDY/$db.db" -o "$STUDY/$db.db.zst" && files+=("$db.db.zst")
  done
  tar cf "$OUT/studies.tar" -C "$STUDY" "${files[@]}"
  grep -E "^== |runs:|finished|running|queued" "$OUT/studies.txt" | head -60
fi

note "done (status $status); logs in $OUT"
exit $status
