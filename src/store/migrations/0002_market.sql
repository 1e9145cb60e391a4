-- 0002: market data (spec 01): 5-minute bars, rejected input rows, bar flags, macro
-- observations and their data-quality flags.

-- Bars keyed by open time (UTC), aligned to 5 minutes.
CREATE TABLE market.usdcop_m5_ohlcv (
  time timestamptz PRIMARY KEY,
  symbol text NOT NULL DEFAULT 'USD/COP',
  open double precision NOT NULL,
  high double precision NOT NULL,
  low double precision NOT NULL,
  close double precision NOT NULL,
  volume double precision NOT NULL DEFAULT 0,
  source text NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT usdcop_m5_ohlcv_time_5min CHECK (extract(epoch FROM time)::numeric % 300 = 0)
);

-- Input rows refused by validation, with the raw text exactly as received.
CREATE TABLE market.rejected_bars (
  id bigserial PRIMARY KEY,
  rejected_at timestamptz NOT NULL DEFAULT now(),
  source text NOT NULL,
  line bigint,
  time timestamptz NULL,
  reason text NOT NULL,
  detail text,
  raw text NOT NULL
);
CREATE INDEX rejected_bars_reason_idx ON market.rejected_bars (reason);
CREATE INDEX rejected_bars_rejected_at_idx ON market.rejected_bars (rejected_at);

-- Bars kept but flagged (close jumps, holiday bars).
CREATE TABLE market.bar_flags (
  time timestamptz NOT NULL,
  rule text NOT NULL,
  value double precision,
  detail text,
  flagged_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (time, rule)
);

-- One narrow table for every macro variable; the frequency lives in the catalog.
-- available_at = (observation_date + publication delay) 00:00 COT.
CREATE TABLE market.macro_observations (
  variable text NOT NULL,
  observation_date date NOT NULL,
  value double precision NOT NULL,
  available_at timestamptz NOT NULL,
  source text NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (variable, observation_date)
);
CREATE INDEX macro_observations_available_idx ON market.macro_observations (variable, available_at);

-- A flagged observation is excluded from features until an operator accepts it.
CREATE TABLE market.macro_flags (
  variable text NOT NULL,
  observation_date date NOT NULL,
  value double precision,
  rule text NOT NULL,
  detail text,
  flagged_at timestamptz NOT NULL DEFAULT now(),
  accepted_at timestamptz,
  accepted_by text,
  accept_reason text,
  PRIMARY KEY (variable, observation_date, rule)
);
CREATE INDEX macro_flags_open_idx ON market.macro_flags (variable, observation_date) WHERE accepted_at IS NULL;

-- The daily catalog variables side by side, one row per observation date; values with an
-- open (unaccepted) flag are left out, as the feature builder does.
CREATE VIEW market.macro_daily AS
SELECT o.observation_date,
       max(o.value) FILTER (WHERE o.variable = 'dxy') AS dxy,
       max(o.value) FILTER (WHERE o.variable = 'vix') AS vix,
       max(o.value) FILTER (WHERE o.variable = 'embi_col') AS embi_col,
       max(o.value) FILTER (WHERE o.variable = 'brent') AS brent,
       max(o.value) FILTER (WHERE o.variable = 'wti') AS wti,
       max(o.value) FILTER (WHERE o.variable = 'ust10y') AS ust10y,
       max(o.value) FILTER (WHERE o.variable = 'ust2y') AS ust2y,
       max(o.value) FILTER (WHERE o.variable = 'usdmxn') AS usdmxn,
       max(o.value) FILTER (WHERE o.variable = 'ibr') AS ibr,
       max(o.value) FILTER (WHERE o.variable = 'tpm') AS tpm,
       max(o.value) FILTER (WHERE o.variable = 'col10y') AS col10y
FROM market.macro_observations o
WHERE NOT EXISTS (SELECT 1 FROM market.macro_flags f
                  WHERE f.variable = o.variable AND f.observation_date = o.observation_date
                    AND f.accepted_at IS NULL)
GROUP BY o.observation_date;
