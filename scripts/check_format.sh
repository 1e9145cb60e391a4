#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (repo .clang-format) makes of it.
# Prints each such file; `clang-format -i FILE` fixes it. Run by ctest (lint_format).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "check_format: clang-format not found (scripts/setup.sh installs it)" >&2
  exit 1
fi
bad=0
while IFS= read -r f; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f"
    bad=$((bad + 1))
  fi
done < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc' 2>/dev/null || find src apps tests bench -name '*.[ch]pp')
if [ "$bad" -gt 0 ]; then
  echo "check_format: $bad file(s) differ from clang-format; run clang-format -i on them" >&2
  exit 1
fi
echo "check_format: every C++ file is clang-format clean"
