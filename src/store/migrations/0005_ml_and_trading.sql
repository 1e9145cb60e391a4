-- 0005: the model life cycle (spec 03, 04, 05) and the trading tables the registry and the
-- risk/operations layer share (spec 06). Later migrations add to these; they do not rename.
CREATE SCHEMA IF NOT EXISTS ml;
CREATE SCHEMA IF NOT EXISTS trading;

-- One row per dataset build / training run (spec 03). kind: 'dataset' | 'training'.
CREATE TABLE ml.experiment_runs (
  run_id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('dataset', 'training')),
  experiment text NOT NULL,
  parent_run_id text REFERENCES ml.experiment_runs (run_id),
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
  config jsonb NOT NULL DEFAULT '{}',
  artifact_uri text,
  dataset_hash text,
  norm_stats_hash text,
  feature_order_hash text,
  builder_version text,
  seed bigint,
  metrics jsonb NOT NULL DEFAULT '{}',
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

CREATE TABLE ml.model_registry (
  model_id text PRIMARY KEY,
  version integer NOT NULL UNIQUE,
  status text NOT NULL DEFAULT 'registered'
    CHECK (status IN ('registered', 'staging', 'deployed', 'archived', 'rejected')),
  algorithm text NOT NULL DEFAULT 'ppo',
  config jsonb NOT NULL DEFAULT '{}',
  artifact_uri text NOT NULL,
  model_hash text NOT NULL,
  norm_stats_hash text NOT NULL,
  feature_order_hash text NOT NULL,
  dataset_hash text,
  builder_version text NOT NULL,
  training_start date,
  training_end date,
  run_id text REFERENCES ml.experiment_runs (run_id),
  created_at timestamptz NOT NULL DEFAULT now(),
  staged_at timestamptz,
  deployed_at timestamptz,
  archived_at timestamptz,
  was_production boolean NOT NULL DEFAULT false
);
-- The invariant of spec 05: at most one production model, enforced by the database.
CREATE UNIQUE INDEX model_registry_one_deployed ON ml.model_registry ((true)) WHERE status = 'deployed';

CREATE TABLE ml.backtest_results (
  id bigserial PRIMARY KEY,
  backtest_uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  model_id text NOT NULL REFERENCES ml.model_registry (model_id),
  model_version text,
  start_date date NOT NULL,
  end_date date NOT NULL,
  period_type text NOT NULL CHECK (period_type IN ('validation', 'test', 'custom')),
  is_out_of_sample boolean NOT NULL,
  total_trades integer,
  win_rate double precision,
  sharpe_ratio double precision,
  sortino_ratio double precision,
  max_drawdown_pct double precision,
  total_pnl double precision,
  total_return_pct double precision,
  profit_factor double precision,  -- NULL when there were no losing trades
  metrics jsonb NOT NULL DEFAULT '{}',  -- every metric of spec 04 (calmar, exposure, ...)
  trades jsonb NOT NULL DEFAULT '[]',
  equity_curve jsonb NOT NULL DEFAULT '[]',
  daily_returns jsonb NOT NULL DEFAULT '[]',
  config jsonb NOT NULL DEFAULT '{}',
  signature text NOT NULL,
  run_source text NOT NULL DEFAULT 'cli' CHECK (run_source IN ('backend', 'api', 'cli')),
  run_at timestamptz NOT NULL DEFAULT now(),
  created_by text
);
CREATE INDEX backtest_results_model_idx ON ml.backtest_results (model_id, run_at DESC);

CREATE TABLE ml.promotion_requests (
  request_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  model_id text NOT NULL REFERENCES ml.model_registry (model_id),
  target_stage text NOT NULL CHECK (target_stage IN ('staging', 'production')),
  backtest_id uuid NOT NULL REFERENCES ml.backtest_results (backtest_uuid),
  reason text NOT NULL CHECK (length(reason) >= 10),
  requested_by text NOT NULL,
  auto_vote_status text NOT NULL DEFAULT 'pending' CHECK (auto_vote_status IN ('pending', 'passed', 'failed')),
  auto_vote_details jsonb NOT NULL DEFAULT '{}',
  auto_vote_at timestamptz,
  manual_vote_status text NOT NULL DEFAULT 'pending'
    CHECK (manual_vote_status IN ('pending', 'approved', 'rejected')),
  manual_vote_by text,
  manual_vote_role text,
  manual_vote_at timestamptz,
  manual_vote_comment text,
  checklist_backtest_reviewed boolean NOT NULL DEFAULT false,
  checklist_metrics_acceptable boolean NOT NULL DEFAULT false,
  checklist_team_notified boolean NOT NULL DEFAULT false,
  skip_staging_time boolean NOT NULL DEFAULT false,
  final_decision text NOT NULL DEFAULT 'pending'
    CHECK (final_decision IN ('pending', 'promoted', 'rejected', 'override_promoted')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  promoted_at timestamptz
);
CREATE INDEX promotion_requests_model_idx ON ml.promotion_requests (model_id, created_at DESC);

-- One row per model per bar (spec 06); shadow agreement (spec 05) is computed from it.
CREATE TABLE trading.model_inferences (
  time timestamptz NOT NULL,
  model_id text NOT NULL REFERENCES ml.model_registry (model_id),
  role text NOT NULL CHECK (role IN ('production', 'shadow')),
  observation_hash text,
  action double precision NOT NULL,
  signal smallint NOT NULL CHECK (signal IN (-1, 0, 1)),
  latency_us double precision,
  error text,
  trade_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (time, model_id)
);

-- The operations mode (spec 06): a single row. An unreadable mode is treated as KILLED.
CREATE TABLE trading.operations_state (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  mode text NOT NULL DEFAULT 'NORMAL' CHECK (mode IN ('NORMAL', 'PAUSED', 'KILLED')),
  reason text,
  changed_by text NOT NULL DEFAULT 'system',
  changed_at timestamptz NOT NULL DEFAULT now(),
  kill_switch_active boolean NOT NULL DEFAULT false
);
INSERT INTO trading.operations_state (id) VALUES (1);

-- Every risk veto with its rule and values (spec 06).
CREATE TABLE trading.risk_events (
  id bigserial PRIMARY KEY,
  time timestamptz NOT NULL,
  model_id text,
  rule text NOT NULL,
  action text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  source text NOT NULL DEFAULT 'live' CHECK (source IN ('live', 'backtest')),
  created_at timestamptz NOT NULL DEFAULT now()
);
