-- 0004: canonical features (spec 02): one raw (not normalized) vector per bar, written only
-- by the L1 step (live engine, or `usdcop features build` for history), and the builder's
-- checkpoint so that a build resumes where it stopped.
CREATE SCHEMA IF NOT EXISTS features;

CREATE TABLE features.inference_features_5m (
  time timestamptz PRIMARY KEY,  -- bar open, UTC
  log_ret_5m double precision,   -- NULL when missing
  log_ret_1h double precision,
  log_ret_4h double precision,
  rsi_9 double precision,
  atr_pct double precision,
  adx_14 double precision,
  dxy_z double precision,
  dxy_change_1d double precision,
  vix_z double precision,
  embi_z double precision,
  brent_change_1d double precision,
  rate_spread double precision,
  usdmxn_change_1d double precision,
  time_normalized double precision,
  complete boolean NOT NULL,
  missing text[] NOT NULL DEFAULT '{}',
  builder_version text NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inference_features_5m_complete_idx ON features.inference_features_5m (time) WHERE complete;

-- The builder state after the last folded bar (one row per builder version), with the
-- fingerprints of the inputs it was computed from: resuming is only valid while they hold.
CREATE TABLE features.builder_state (
  builder_version text PRIMARY KEY,
  first_bar timestamptz NOT NULL,
  last_bar timestamptz NOT NULL,
  bar_count bigint NOT NULL,
  state text NOT NULL,  -- FeatureBuilder::serialize(): exact doubles
  bars_fingerprint text NOT NULL,
  macro_fingerprint text NOT NULL,
  saved_at timestamptz NOT NULL DEFAULT now()
);
