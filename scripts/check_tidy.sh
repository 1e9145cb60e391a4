#!/usr/bin/env bash
# clang-tidy with the repository's .clang-tidy over the C++ sources of src/ (spec 12):
#   scripts/check_tidy.sh          the .cpp files under src/ changed since the commit in
#                                  scripts/tidy_base (a changed header brings the .cpp beside it;
#                                  headers are checked through the files that include them)
#   scripts/check_tidy.sh --all    every .cpp file under src/
# Uses build/ci/compile_commands.json (TIDY_BUILD_DIR overrides), so build or configure the ci
# preset first; TIDY_JOBS sets the parallel runs (default: the number of cores). Exit 1 on any
# finding (WarningsAsErrors), printing each; run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TIDY_BUILD_DIR:-build/ci}
if ! command -v clang-tidy >/dev/null; then
  echo "check_tidy: clang-tidy not found (scripts/setup.sh installs it)" >&2
  exit 1
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "check_tidy: $build/compile_commands.json missing: configure the ci preset first" >&2
  exit 1
fi
# The translation units CMake knows, relative to the repository (generated files excluded).
mapfile -t known < <(/usr/bin/python3 -c '
import json, os, sys
root = os.getcwd()
for e in json.load(open(sys.argv[1])):
    f = os.path.relpath(os.path.join(e["directory"], e["file"]), root)
    if f.startswith("src/") and f.endswith(".cpp"):
        print(f)' "$build/compile_commands.json" | sort -u)
if [ "${1:-}" = "--all" ]; then
  files=("${known[@]}")
  scope="every .cpp under src/"
else
  base=$(grep -v '^#' scripts/tidy_base | head -1)
  if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
    # A shallow clone cannot tell what changed: check everything rather than nothing.
    echo "check_tidy: base commit $base (scripts/tidy_base) is not in this clone (shallow?);" \
      "checking every .cpp under src/" >&2
    exec "$0" --all
  fi
  mapfile -t changed < <({ git diff --name-only --diff-filter=d "$base" -- 'src/*.cpp' 'src/*.hpp'
                           git ls-files --others --exclude-standard -- 'src/*.cpp' 'src/*.hpp'; } |
                         sed 's/\.hpp$/.cpp/' | sort -u)
  files=()
  for f in "${changed[@]}"; do
    for k in "${known[@]}"; do
      if [ "$f" = "$k" ]; then files+=("$f"); break; fi
    done
  done
  scope="${#files[@]} .cpp file(s) under src/ changed since ${base:0:10}"
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "check_tidy: nothing to check ($scope)"
  exit 0
fi
start=$(date +%s)
log=$(mktemp)
# -Wno-error: the ci flags' -Werror would turn clang's own warnings (not in the check set) into
# errors; the check set decides what fails.
status=0
printf '%s\n' "${files[@]}" |
  xargs -P "${TIDY_JOBS:-$(nproc)}" -n 2 clang-tidy -p "$build" --quiet --extra-arg=-Wno-error >"$log" 2>&1 ||
  status=$?
grep -vE '^[0-9]+ (warning|error)s? (and [0-9]+ errors? )?generated' "$log" || true
rm -f "$log"
elapsed=$(($(date +%s) - start))
if [ "$status" -ne 0 ]; then
  echo "check_tidy: findings in $scope (${elapsed}s); fix them or discuss the check" >&2
  exit 1
fi
echo "check_tidy: $scope pass .clang-tidy (${elapsed}s)"
