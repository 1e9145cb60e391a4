-- 0023: feature drift history (spec 08 "Drift", spec 12: an hourly leader job writes it;
-- retraining checks read it). One row per computation and market feature: the PSI of the
-- production model's training reference (norm_stats.json deciles) against the last `window`
-- complete feature rows. Grants come from system.grant_application_privileges() (0012).
CREATE SCHEMA IF NOT EXISTS monitor;

CREATE TABLE monitor.drift_history (
  id bigserial PRIMARY KEY,
  computed_at timestamptz NOT NULL,
  model_id text NOT NULL,
  norm_stats_hash text NOT NULL,
  feature text NOT NULL,
  psi double precision NOT NULL CHECK (psi >= 0),
  threshold double precision NOT NULL,
  drifted boolean NOT NULL,
  window_from timestamptz NOT NULL,  -- first and last bar of the window
  window_to timestamptz NOT NULL,
  window_bars integer NOT NULL CHECK (window_bars > 0),
  UNIQUE (computed_at, model_id, feature)
);
CREATE INDEX drift_history_feature_time_idx ON monitor.drift_history (feature, computed_at);
