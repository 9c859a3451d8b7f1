#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for gatelab, builds it, and runs one of:
#   scripts/setup.sh main   install what is missing, build, run the smoke sweep (CPU when no GPU), print its summary
#   scripts/setup.sh test   install what is missing (test tools too), build, run every test through ctest
# Idempotent: installed packages, the build folder and the corpus are reused.
set -euo pipefail

mode=${1:-main}
case "$mode" in main|test) ;; *) echo "usage: scripts/setup.sh main|test" >&2; exit 2 ;; esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${GATELAB_BUILD_DIR:-$root/build}
jobs=$(nproc)

# Debian 12 packages. libopenblas0-pthread replaces the reference BLAS that libtorch-dev pulls in (~20x faster
# matmul); bible-kjv is the small CPU corpus; gnuplot-nox draws the plots (run through Boost.Process:
# libboost-filesystem-dev); libpugixml-dev rewrites the report's SVG ids; libjs-jquery, libjs-jquery-datatables
# and libjs-chart.js are the report's tables and charts (inlined into the page); chromium renders the HTML report
# in tests; python3-torch runs the peer benchmark script's CPU checks (tests/harness/peer_bench_test.cpp).
packages=(build-essential cmake ninja-build ccache git pkg-config python3 zstd sqlite3
          libtorch-dev libopenblas0-pthread libsqlitecpp-dev libsqlite3-dev libfmt-dev catch2
          libboost-program-options-dev libboost-filesystem-dev libyaml-cpp-dev nlohmann-json3-dev libpugixml-dev
          libutf8proc-dev gnuplot-nox libjs-jquery libjs-jquery-datatables libjs-chart.js bible-kjv)
[ "$mode" = test ] && packages+=(chromium python3-torch)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== building in $build ($jobs jobs)"
# CI (.ci/run) sets GATELAB_WARNINGS_AS_ERRORS=ON: a warning in our code fails the build there.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGATELAB_WARNINGS_AS_ERRORS="${GATELAB_WARNINGS_AS_ERRORS:-OFF}" >/dev/null
cmake --build "$build" -j "$jobs"

data=${GATELAB_DATA:-$root/data}
if [ ! -f "$data/kjv/train.txt" ]; then
  echo "== building the KJV corpus in $data"
  "$root/scripts/build_corpus.sh" kjv "$data"
fi
export GATELAB_DATA=$data

if [ "$mode" = test ]; then
  echo "== running the tests"
  cd "$build"
  ctest --output-on-failure -j "$jobs" --timeout 1800
  exit 0
fi

echo "== running sweeps/smoke.yaml"
cd "$root"
gpus=none
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && gpus=all
"$build/gatelab" sweep run sweeps/smoke.yaml --db results.db --gpus "$gpus"
echo "== summary (results.db, view run_summary)"
"$build/gatelab" query --db results.db \
  "SELECT s.run_name AS run, r.attn_kind, r.gate, r.task, r.status, r.steps_done AS steps,
          round(r.final_valid_loss, 4) AS valid_loss, round(r.final_bpb, 4) AS bpb,
          round(r.final_accuracy, 4) AS accuracy, round(r.tokens_per_s) AS tokens_per_s
   FROM run_summary r JOIN sweep_runs s USING (run_id) JOIN sweeps w USING (sweep_id)
   WHERE w.name = 'smoke' ORDER BY s.run_name"
