-- 0022: backtests started over the HTTP API run as jobs (spec 07, 12: `POST /backtests` answers
-- 202 at once; the job runs on the server's bounded worker). One row per job; the result is the
-- ml.backtest_results row it stored. A queued or running job whose server stopped beating is
-- marked failed by the next server that starts (docs/API.md).
CREATE TABLE ml.backtest_jobs (
  id uuid PRIMARY KEY,
  requested_by text NOT NULL,
  request_id text,
  request jsonb NOT NULL,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  progress double precision NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
  result_backtest_id uuid REFERENCES ml.backtest_results (backtest_uuid),
  error text,
  server_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'succeeded') = (result_backtest_id IS NOT NULL)),
  CHECK ((status = 'failed') = (error IS NOT NULL))
);
CREATE INDEX backtest_jobs_open_idx ON ml.backtest_jobs (status) WHERE status IN ('queued', 'running');
CREATE INDEX backtest_jobs_created_idx ON ml.backtest_jobs (created_at DESC);
