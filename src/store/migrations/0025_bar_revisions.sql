-- 0025: revisions of stored bars (spec 12 "Revisions and order"). Any UPDATE of a bar's values
-- (`usdcop ingest csv --replace`, or any other writer) records here, in its own transaction,
-- the old and the new values. The live engine's L1 handler reads the pending revisions (at
-- start, on the update's new_ohlcv_bar notification and periodically), rebuilds the live
-- feature rows from the earliest revised bar up to its watermark (the feature builder folds
-- every later bar over it), and marks them handled in the same fenced transaction. L5 never
-- re-decides a bar: a revised bar it had already decided is logged as the risk event
-- `revised_after_decision` (trading.risk_events, source live). Grants come from
-- system.grant_application_privileges() (0012).
CREATE TABLE market.bar_revisions (
  id bigserial PRIMARY KEY,
  time timestamptz NOT NULL,  -- the revised bar's open time
  old_open double precision NOT NULL,
  old_high double precision NOT NULL,
  old_low double precision NOT NULL,
  old_close double precision NOT NULL,
  old_volume double precision NOT NULL,
  new_open double precision NOT NULL,
  new_high double precision NOT NULL,
  new_low double precision NOT NULL,
  new_close double precision NOT NULL,
  new_volume double precision NOT NULL,
  old_source text NOT NULL,
  new_source text NOT NULL,
  revised_at timestamptz NOT NULL DEFAULT now(),
  -- Set by the engine's L1 handler: when, under which leader epoch, whether the bar's feature
  -- row existed (and was rebuilt with every later row) and whether L5 had decided it.
  handled_at timestamptz,
  handled_epoch bigint,
  features_rebuilt boolean,
  decided_before boolean
);
CREATE INDEX bar_revisions_pending_idx ON market.bar_revisions (time, id) WHERE handled_at IS NULL;
CREATE INDEX bar_revisions_time_idx ON market.bar_revisions (time);

-- One statement-level trigger: a replace of 10,000 bars is one INSERT ... SELECT, not 10,000.
CREATE FUNCTION market.record_bar_revisions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO market.bar_revisions (time, old_open, old_high, old_low, old_close, old_volume,
                                    new_open, new_high, new_low, new_close, new_volume,
                                    old_source, new_source)
  SELECT n.time, o.open, o.high, o.low, o.close, o.volume, n.open, n.high, n.low, n.close,
         n.volume, o.source, n.source
  FROM old_bars o JOIN new_bars n ON n.time = o.time
  WHERE (o.open, o.high, o.low, o.close, o.volume) IS DISTINCT FROM
        (n.open, n.high, n.low, n.close, n.volume)
  ORDER BY n.time;
  RETURN NULL;
END $$;

CREATE TRIGGER usdcop_m5_ohlcv_record_revisions AFTER UPDATE ON market.usdcop_m5_ohlcv
  REFERENCING OLD TABLE AS old_bars NEW TABLE AS new_bars
  FOR EACH STATEMENT EXECUTE FUNCTION market.record_bar_revisions();
