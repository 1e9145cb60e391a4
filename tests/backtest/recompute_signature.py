#!/usr/bin/python3
"""Recompute a stored backtest's signature from `usdcop backtest show UUID --json`, with the
standard library only (docs/CANONICAL_JSON.md). Prints the sha256; exit 1 when it differs from
the stored one. Usage: recompute_signature.py FILE (or - for stdin)."""
import hashlib
import json
import sys


def no_negative_zero(v):
    if isinstance(v, float) and v == 0.0:
        return 0.0
    if isinstance(v, list):
        return [no_negative_zero(x) for x in v]
    if isinstance(v, dict):
        return {k: no_negative_zero(x) for k, x in v.items()}
    return v


def canonical(obj):
    return json.dumps(no_negative_zero(obj), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def signature(row):
    if row["signature_version"] == 1:
        raise SystemExit("v1 rows are signed by the old nlohmann rule (trades only)")
    signed = {k: row[k] for k in ("inputs", "trades", "metrics", "equity_curve", "daily_returns")}
    return hashlib.sha256(canonical(signed)).hexdigest()


def main():
    text = sys.stdin.read() if sys.argv[1] == "-" else open(sys.argv[1], encoding="utf-8").read()
    row = json.loads(text)
    sig = signature(row)
    print(sig)
    return 0 if sig == row["signature"] else 1


if __name__ == "__main__":
    sys.exit(main())
