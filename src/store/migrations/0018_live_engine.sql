-- 0018: the live engine (spec 06, 12 "Events and the live engine"): durable watermarks with the
-- leader epoch, the processed-events ledger of the exactly-once handlers, the dead-letter
-- queue, and the paper account's orders, fills, positions and equity snapshots. Grants come
-- from system.grant_application_privileges() (0012), re-run after every migration.

-- One row per handler ('L1' features, 'L5' decisions) plus 'leader'. For 'leader', epoch is
-- the current leader epoch (raised by each engine that takes the lock); for a handler, the
-- epoch of its last write. Every handler transaction reads the leader row FOR SHARE, checks
-- its own epoch against it and advances its watermark only from the value it read
-- (compare-and-set), so a deposed leader cannot write.
CREATE TABLE system.watermarks (
  name text PRIMARY KEY,
  value timestamptz,            -- the last event (bar time) fully processed; NULL: none yet
  epoch bigint NOT NULL DEFAULT 0,
  holder text,                  -- 'leader': host:pid of the engine holding the lock
  state text,                   -- 'L1': FeatureBuilder::serialize() after `value`
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO system.watermarks (name) VALUES ('leader');

-- A handler's output and its row here commit in one transaction (event_id = channel:bar time,
-- deterministic): a second delivery of the same event finds the row and does nothing.
CREATE TABLE system.processed_events (
  event_id text NOT NULL,
  handler text NOT NULL,
  epoch bigint NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, handler)
);

-- Events whose handler failed after its retries (spec 06): retried at 60 s, 300 s, 900 s, then
-- exhausted until an operator retries or resolves them (`usdcop dlq`).
CREATE TABLE system.dead_letter_queue (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL,
  handler text NOT NULL,
  channel text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  error text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,  -- every failed attempt, the handler's own retries included
  retries integer NOT NULL DEFAULT 0,   -- scheduled retries from the queue (60 s, 300 s, 900 s)
  next_retry_at timestamptz,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'exhausted', 'resolved')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  resolved_by text,
  resolved_at timestamptz,
  resolution text,
  UNIQUE (event_id, handler)
);
CREATE INDEX dead_letter_queue_open_idx ON system.dead_letter_queue (status, next_retry_at)
  WHERE status <> 'resolved';

-- Market orders of the paper account. bar_time: the bar at whose close the order was made.
-- source: 'engine' (a decision), 'kill_switch' (the kill transaction), 'flatten' (ops flatten);
-- at most one order per (account, bar, source).
CREATE TABLE trading.orders (
  id bigserial PRIMARY KEY,
  account text NOT NULL,
  model_id text,
  bar_time timestamptz NOT NULL,
  source text NOT NULL CHECK (source IN ('engine', 'kill_switch', 'flatten')),
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  quantity double precision NOT NULL CHECK (quantity <> 0),  -- signed, asset units
  target_units double precision NOT NULL,                     -- position after, signal units
  order_type text NOT NULL DEFAULT 'market',
  reason text NOT NULL,  -- trading::exit_reason_name: signal, risk, kill_switch, session_end
  status text NOT NULL DEFAULT 'filled' CHECK (status IN ('filled')),
  event_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account, bar_time, source)
);

CREATE TABLE trading.fills (
  id bigserial PRIMARY KEY,
  order_id bigint NOT NULL UNIQUE REFERENCES trading.orders (id),
  account text NOT NULL,
  time timestamptz NOT NULL,  -- the bar whose close priced it
  quantity double precision NOT NULL,
  price double precision NOT NULL,
  cost double precision NOT NULL CHECK (cost >= 0),
  position_after double precision NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fills_account_time_idx ON trading.fills (account, time, id);

-- One row per account and symbol (spec 06). units: signal units (-1..1); cost_bps: the rate the
-- engine fills at, so the kill transaction closes at the same cost.
CREATE TABLE trading.positions (
  account text NOT NULL,
  symbol text NOT NULL DEFAULT 'USD/COP',
  quantity double precision NOT NULL DEFAULT 0,
  units double precision NOT NULL DEFAULT 0,
  avg_price double precision NOT NULL DEFAULT 0,
  opened_at timestamptz,
  cash double precision NOT NULL,
  realized_pnl double precision NOT NULL DEFAULT 0,
  costs double precision NOT NULL DEFAULT 0,
  cost_bps double precision NOT NULL,
  last_price double precision,
  last_bar timestamptz,
  model_id text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, symbol)
);

-- The account marked at each decided bar's close, after its fill. mode: the operations mode
-- the decision read; restart rebuilds the engine state from these rows, the decisions and the
-- fills.
CREATE TABLE trading.equity_snapshots (
  account text NOT NULL,
  time timestamptz NOT NULL,
  model_id text,
  close double precision NOT NULL,
  mode text NOT NULL CHECK (mode IN ('NORMAL', 'PAUSED', 'KILLED')),
  decided boolean NOT NULL,
  units double precision NOT NULL,
  quantity double precision NOT NULL,
  cash double precision NOT NULL,
  equity double precision NOT NULL,
  realized_pnl double precision NOT NULL,
  unrealized_pnl double precision NOT NULL,
  costs double precision NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, time)
);

-- Decisions: what the engine saw and did (spec 06 "Policy inference").
ALTER TABLE trading.model_inferences
  ADD COLUMN account text,
  ADD COLUMN event_id text,
  ADD COLUMN observation jsonb,
  ADD COLUMN mode text,
  ADD COLUMN position_before double precision,
  ADD COLUMN position_after double precision,
  ADD COLUMN rule text;  -- the position rule or risk veto that changed the target, if any

-- Risk events of the engine carry the account and the event that produced them; 'engine' and
-- 'operations' join the sources.
ALTER TABLE trading.risk_events
  ADD COLUMN account text,
  ADD COLUMN event_id text;
ALTER TABLE trading.risk_events DROP CONSTRAINT IF EXISTS risk_events_source_check;
ALTER TABLE trading.risk_events ADD CONSTRAINT risk_events_source_check
  CHECK (source IN ('live', 'backtest', 'operations', 'monitor'));
CREATE INDEX risk_events_account_time_idx ON trading.risk_events (account, time);
