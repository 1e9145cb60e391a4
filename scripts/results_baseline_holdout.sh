#!/usr/bin/env bash
# Reproduces docs/RESULTS.md (issue 14): 3 seeds × {baseline, baseline_holdout} × 2M steps on
# the real data in ../shared/data, then `usdcop evaluate` with the bootstrap and the cost
# sensitivity. Runs one training at a time at low priority; logs in $OUT/*.log.
# Usage: scripts/results_baseline_holdout.sh [setup|train|evaluate|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
U=${USDCOP:-$PWD/build/release/apps/usdcop/usdcop}
export USDCOP_HOME=${USDCOP_HOME:-$PWD/.usdcop}
OUT=${OUT:-$PWD/runs/results}
SEEDS=${SEEDS:-"1 2 3"}
STEPS=${STEPS:-2000000}
mkdir -p "$OUT"
step=${1:-all}

accept_partial() { local s=$?; [ "$s" -eq 0 ] || [ "$s" -eq 3 ]; }  # exit 3: some rows rejected

if [ "$step" = setup ] || [ "$step" = all ]; then
  "$U" db start
  "$U" ingest csv ../shared/data/usdcop_m5_dev.csv.gz --json > "$OUT/ingest_bars.json" || accept_partial
  "$U" ingest macro-csv ../shared/data/macro_daily_dev.csv.gz --json > "$OUT/ingest_macro.json" || accept_partial
  "$U" features build --json > "$OUT/features.json"
  for cfg in baseline baseline_holdout; do
    [ -d "$OUT/datasets/$cfg" ] ||
      "$U" dataset build --config "config/experiments/$cfg.yaml" --out "$OUT/datasets/$cfg" --json \
        > "$OUT/dataset_$cfg.json"
  done
fi

if [ "$step" = train ] || [ "$step" = all ]; then
  # Interleaved (seed by seed) so that a partial run still covers both configurations.
  for seed in $SEEDS; do
    for cfg in baseline baseline_holdout; do
      run="$OUT/$cfg-s$seed"
      [ -f "$run/run.json" ] && continue
      rm -rf "$run"
      nice -n 10 "$U" train --config "config/experiments/$cfg.yaml" --seed "$seed" \
        --timesteps "$STEPS" --threads 1 --dataset "$OUT/datasets/$cfg" --out "$run" --json \
        > "$OUT/$cfg-s$seed.json" 2> "$OUT/$cfg-s$seed.log"
    done
  done
fi

if [ "$step" = evaluate ] || [ "$step" = all ]; then
  runs() { for s in $SEEDS; do [ -f "$OUT/$1-s$s/run.json" ] && echo "$OUT/$1-s$s"; done; }
  for spec in "baseline val" "baseline_holdout test" "baseline_holdout val"; do
    set -- $spec
    dirs=$(runs "$1")
    [ -n "$dirs" ] || continue
    n=$(echo "$dirs" | wc -l)
    # shellcheck disable=SC2086
    nice -n 10 "$U" evaluate $dirs --split "$2" --seeds "$n" --out "$OUT/eval-$1-$2.json" \
      > "$OUT/eval-$1-$2.txt" || accept_partial
  done
fi
