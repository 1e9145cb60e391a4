#!/usr/bin/env bash
# Quick start command 1: installs what is needed, builds, and runs the main job (usdcop demo),
# which ends serving the API while the live engine trades a replay; it stays in the foreground
# until Ctrl-C (spec 11). Extra arguments go to `usdcop demo` (e.g. --port P, --no-serve,
# --data FILE --macro FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release usdcop   # the binary (and the libtorch module it loads) only
export USDCOP_HOME=${USDCOP_HOME:-$PWD/.usdcop}
exec build/release/apps/usdcop/usdcop demo "$@"
