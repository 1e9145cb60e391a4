#!/usr/bin/python3
"""Independent reference for the technical features of spec 02, with pandas.

usage: pandas_reference.py BARS_CSV(.gz) OUT_CSV
Writes time plus log_ret_5m, log_ret_1h, log_ret_4h, rsi_9, atr_pct, adx_14 for every bar.
Wilder smoothing = ewm(alpha=1/n, adjust=False), which seeds with the first value.
"""
import sys

import numpy as np
import pandas as pd


def wilder(s, n, ignore_na=False):
    return s.ewm(alpha=1.0 / n, adjust=False, ignore_na=ignore_na).mean()


def main(src, dst):
    df = pd.read_csv(src)
    c, h, l = df["close"], df["high"], df["low"]
    pc = c.shift(1)
    out = pd.DataFrame({"time": df["time"]})
    for k, name in ((1, "log_ret_5m"), (12, "log_ret_1h"), (48, "log_ret_4h")):
        out[name] = np.log(c / c.shift(k))

    diff = c.diff()
    gain = diff.clip(lower=0).fillna(0.0)
    loss = (-diff).clip(lower=0).fillna(0.0)
    ag, al = wilder(gain, 9), wilder(loss, 9)
    rsi = 100.0 - 100.0 / (1.0 + ag / al)
    rsi[(al == 0) & (ag > 0)] = 100.0
    rsi[(al == 0) & (ag == 0)] = 50.0
    out["rsi_9"] = rsi

    tr = pd.concat([h - l, (h - pc).abs(), (l - pc).abs()], axis=1).max(axis=1)
    tr.iloc[0] = h.iloc[0] - l.iloc[0]
    out["atr_pct"] = wilder(tr, 10) / c

    up, dn = h.diff(), -l.diff()
    pdm = np.where((up > dn) & (up > 0), up, 0.0)
    mdm = np.where((dn > up) & (dn > 0), dn, 0.0)
    atr14 = wilder(tr, 14)
    pdi = 100.0 * wilder(pd.Series(pdm), 14) / atr14
    mdi = 100.0 * wilder(pd.Series(mdm), 14) / atr14
    s = pdi + mdi
    dx = (100.0 * (pdi - mdi).abs() / s).where((s != 0) & (atr14 != 0))
    # seeded with the first defined DX; an undefined DX leaves the average unchanged
    out["adx_14"] = wilder(dx, 14, ignore_na=True)
    out.to_csv(dst, index=False, float_format="%.17g")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
