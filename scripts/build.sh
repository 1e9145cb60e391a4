#!/usr/bin/env bash
# Configures (first time) and builds a CMake preset: dev, release, ci or asan.
set -euo pipefail
preset=${1:-release}
cd "$(dirname "$0")/.."
if [ ! -f "build/$preset/build.ninja" ]; then
  cmake --preset "$preset" >/dev/null
fi
cmake --build --preset "$preset" -j "$(nproc)"
