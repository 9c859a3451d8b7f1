#!/usr/bin/env bash
# Builds gatelab and its CPU tests with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and runs
# them through ctest (same entries as CI). Usage: scripts/sanitize.sh [ctest args, e.g. -L fast]
# A clean build takes about as long as the normal one (~20 min on 2 cores); the tests run ~3x slower.
# Leak checking is off: LibTorch (not built with ASan) keeps allocations alive past exit by design. Any
# ASan/UBSan report fails the test that triggered it (halt_on_error, and -fno-sanitize-recover at compile time).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${GATELAB_ASAN_BUILD_DIR:-$root/build-asan}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGATELAB_SANITIZE=ON >/dev/null
cmake --build "$build" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export GATELAB_DATA=${GATELAB_DATA:-$root/data}
cd "$build"
ctest --output-on-failure -j "$(nproc)" --timeout 3600 "$@"
