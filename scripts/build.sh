#!/usr/bin/env bash
# Configures (first time) and builds a CMake preset: dev, release, ci or asan; optionally only
# the given targets (scripts/build.sh asan usdcop_unit_tests).
set -euo pipefail
preset=${1:-release}
shift || true
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cd "$(dirname "$0")/.."
if [ ! -f "build/$preset/build.ninja" ]; then
  cmake --preset "$preset" >/dev/null
fi
cmake --build --preset "$preset" -j "$(nproc)" "${targets[@]}"
