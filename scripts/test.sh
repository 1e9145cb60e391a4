#!/usr/bin/env bash
# Quick start command 2: installs what is needed, builds, and runs every test.
#   1. the ci preset (Release, -Werror): all tests, including the database, real-data and
#      end-to-end CLI tests (a temporary PostgreSQL cluster is started by a CTest fixture) and
#      the lint tests (format, layering, function length);
#   2. clang-tidy (.clang-tidy) over the src/ files changed since scripts/tidy_base;
#   3. the tsan preset (ThreadSanitizer): only the test executables labelled `threads`;
#   4. the asan preset (AddressSanitizer + UBSan): the unit tests.
# USDCOP_SKIP_TIDY=1, USDCOP_SKIP_TSAN=1, USDCOP_SKIP_ASAN=1 skip steps 2-4 locally (docs/DEVELOPMENT.md).
# Exit status is non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
bash scripts/build.sh ci
ctest --preset ci -j "$(nproc)" || status=$?
if [ "${USDCOP_SKIP_TIDY:-0}" != "1" ]; then
  bash scripts/check_tidy.sh || status=$?
fi
if [ "${USDCOP_SKIP_TSAN:-0}" != "1" ]; then
  bash scripts/build.sh tsan usdcop_thread_tests
  ctest --preset tsan -j "$(nproc)" || status=$?
fi
if [ "${USDCOP_SKIP_ASAN:-0}" != "1" ]; then
  bash scripts/build.sh asan usdcop_unit_tests
  ctest --preset asan -j "$(nproc)" || status=$?
fi
exit $status
