#!/usr/bin/env bash
# Compares the end-to-end benchmarks of a base commit with the current tree (issue 9's
# acceptance: no regression over 10 %, median of 5 runs):
#   scripts/bench_compare.sh BASE_REF [RUNS]
# Builds BASE_REF in a temporary git worktree and the current tree (preset $BENCH_PRESET,
# default release; ccache makes a rebuild of an already built commit cheap), starts a private
# PostgreSQL cluster for the scratch databases, then runs `usdcop bench features`,
# `usdcop bench backtest` and `usdcop bench ingest` alternately base/current RUNS times (default
# 5) and prints each figure's median for both and the ratio current/base. Figures are rates
# (higher is better). Run it on a quiet machine, e.g. `nice -n 10 scripts/bench_compare.sh ...`.
# Environment: BENCH_PRESET (release), BENCH_REPEAT (--repeat of each bench run, default 3),
# BENCH_DATA (../shared/data), BENCH_OUT (directory for the raw JSON, default a temp dir),
# BENCH_BASE_DIR (keep the base worktree there instead of a temporary one), BENCH_NO_BUILD=1
# (use the binaries already built in both trees).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
base_ref=${1:?usage: scripts/bench_compare.sh BASE_REF [RUNS]}
runs=${2:-5}
preset=${BENCH_PRESET:-release}
repeat=${BENCH_REPEAT:-3}
data=${BENCH_DATA:-$root/../shared/data}
out=${BENCH_OUT:-$(mktemp -d /tmp/usdcop-bench.XXXXXX)}
mkdir -p "$out"
base_sha=$(git rev-parse --verify "$base_ref^{commit}")

# The base: a detached worktree beside the repository (ccache's base_dir makes paths relative,
# so its objects hit the cache of any earlier build of the same sources).
# BENCH_BASE_DIR keeps the base worktree (and its build) for the next comparison.
keep_base=0
if [ -n "${BENCH_BASE_DIR:-}" ]; then
  base_tree=$BENCH_BASE_DIR
  keep_base=1
else
  base_tree=$(mktemp -d "$root/../bench-base.XXXXXX")
  rmdir "$base_tree"
fi
home=$(mktemp -d /tmp/usdcop-bench-home.XXXXXX)
chmod o+x "$home"  # the managed PostgreSQL may run as another user (docs/DATABASE.md)
cleanup() {
  if [ -x "${current_bin:-}" ]; then USDCOP_HOME=$home "$current_bin" db stop >/dev/null 2>&1 || true; fi
  if [ "$keep_base" = 0 ]; then
    git -C "$root" worktree remove --force "$base_tree" >/dev/null 2>&1 || rm -rf "$base_tree"
  fi
  rm -rf "$home"
}
trap cleanup EXIT
if [ ! -d "$base_tree/.git" ] && [ ! -f "$base_tree/.git" ]; then
  git worktree add --detach "$base_tree" "$base_sha" >/dev/null
elif [ "$(git -C "$base_tree" rev-parse HEAD)" != "$base_sha" ]; then
  git -C "$base_tree" checkout --detach -q "$base_sha"
fi
if [ "${BENCH_NO_BUILD:-0}" != "1" ]; then
  echo "bench_compare: building base $base_sha ($preset preset)" >&2
  bash "$base_tree/scripts/build.sh" "$preset" usdcop >"$out/build-base.log" 2>&1 ||
    { tail -20 "$out/build-base.log" >&2; exit 1; }
  echo "bench_compare: building the current tree ($preset preset)" >&2
  bash scripts/build.sh "$preset" usdcop >"$out/build-current.log" 2>&1 ||
    { tail -20 "$out/build-current.log" >&2; exit 1; }
fi
base_bin=$base_tree/build/$preset/apps/usdcop/usdcop
current_bin=$root/build/$preset/apps/usdcop/usdcop

# One private cluster for both binaries' scratch databases (each bench drops and re-creates its
# own database, so the runs do not see each other's data).
USDCOP_HOME=$home USDCOP_PG_FAST=1 "$current_bin" db start --fresh >"$out/cluster.log" 2>&1

bars=$data/usdcop_m5_dev.csv.gz
macro=$data/macro_daily_dev.csv.gz
run_bench() {  # run_bench WHICH BIN NAME N
  local which=$1 bin=$2 name=$3 n=$4 file=$out/$1-$3-$4.json
  case $name in
    features) USDCOP_HOME=$home "$bin" bench features --repeat "$repeat" --bars "$bars" --macro "$macro" --json >"$file" ;;
    backtest) USDCOP_HOME=$home "$bin" bench backtest --repeat "$repeat" --bars "$bars" --macro "$macro" --json >"$file" ;;
    ingest) USDCOP_HOME=$home "$bin" bench ingest "$bars" --repeat "$repeat" --json >"$file" ;;
  esac
}
for n in $(seq 1 "$runs"); do
  for name in features backtest ingest; do
    echo "bench_compare: run $n/$runs: $name (base, current)" >&2
    run_bench base "$base_bin" "$name" "$n"
    run_bench current "$current_bin" "$name" "$n"
  done
done

/usr/bin/python3 - "$out" "$runs" "$base_sha" <<'EOF'
import json, pathlib, statistics, sys
out, runs, base = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
FIGURES = {  # bench -> (label, JSON path) of rates, higher is better
    "features": [("incremental bars/s", ["incremental_bars_per_s"]),
                 ("incremental bars/CPU-s", ["incremental_cpu_bars_per_s"]),
                 ("full build bars/s", ["full_build_bars_per_s"])],
    "backtest": [("bars/s", ["bars_per_s"]), ("bars/CPU-s", ["bars_per_cpu_s"])],
    "ingest": [("rows/s", ["rows_per_s"]), ("re-import rows/s", ["reimport_rows_per_s"])],
}
def value(doc, path):
    for k in path:
        doc = doc[k]
    return float(doc)
print(f"median of {runs} runs, base {base[:10]} vs current tree; ratio = current / base")
print(f"{'bench':9} {'figure':24} {'base':>14} {'current':>14} {'ratio':>7}")
worst = None
for bench, figures in FIGURES.items():
    for label, path in figures:
        med = {}
        for which in ("base", "current"):
            vals = [value(json.loads((out / f"{which}-{bench}-{n}.json").read_text()), path)
                    for n in range(1, runs + 1)]
            med[which] = statistics.median(vals)
        ratio = med["current"] / med["base"]
        worst = ratio if worst is None else min(worst, ratio)
        print(f"{bench:9} {label:24} {med['base']:14.1f} {med['current']:14.1f} {ratio:7.3f}")
print(f"lowest ratio {worst:.3f} ({'within' if worst >= 0.9 else 'OUTSIDE'} the 10 % budget)")
print(f"raw JSON: {out}")
EOF
