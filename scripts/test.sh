#!/usr/bin/env bash
# Quick start command 2: installs what is needed, builds, and runs every test.
#   1. the ci preset (Release, -Werror): all tests, including the database, real-data and
#      end-to-end CLI tests (a temporary PostgreSQL cluster is started by a CTest fixture);
#   2. the asan preset (AddressSanitizer + UBSan): the unit tests.
# Set USDCOP_SKIP_ASAN=1 to skip step 2 locally. Exit status is non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
bash scripts/build.sh ci
ctest --preset ci -j "$(nproc)" || status=$?
if [ "${USDCOP_SKIP_ASAN:-0}" != "1" ]; then
  bash scripts/build.sh asan usdcop_unit_tests
  ctest --preset asan -j "$(nproc)" || status=$?
fi
exit $status
