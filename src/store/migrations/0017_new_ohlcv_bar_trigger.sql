-- 0017: NOTIFY new_ohlcv_bar when bars are written (spec 12: a trigger, because any writer may
-- insert bars). One notification per INSERT or UPDATE statement and symbol, not per row: the
-- statement-level trigger reads the statement's transition table, so a bulk import of 100,000
-- bars sends one notification, not 100,000 (each of which every listener would wake for).
-- Payload (decoded by events::decode, docs/EVENTS.md):
--   {"symbol", "first_time", "last_time" (RFC 3339 UTC bar open times), "rows", "operation"}
-- A statement that writes no row sends nothing. Delivered when the transaction commits.
CREATE OR REPLACE FUNCTION market.notify_new_ohlcv_bar() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  w record;
BEGIN
  FOR w IN SELECT symbol, min(time) AS first_time, max(time) AS last_time, count(*) AS rows
           FROM written_bars GROUP BY symbol ORDER BY symbol
  LOOP
    PERFORM pg_notify('new_ohlcv_bar', json_build_object(
      'symbol', w.symbol,
      'first_time', to_char(w.first_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'last_time', to_char(w.last_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'rows', w.rows,
      'operation', lower(TG_OP))::text);
  END LOOP;
  RETURN NULL;
END $$;

-- A trigger with transition tables serves one event, hence two (INSERT: new bars; UPDATE:
-- `ingest csv --replace` revising stored bars, which the live engine must rebuild from).
CREATE TRIGGER usdcop_m5_ohlcv_notify_insert AFTER INSERT ON market.usdcop_m5_ohlcv
  REFERENCING NEW TABLE AS written_bars
  FOR EACH STATEMENT EXECUTE FUNCTION market.notify_new_ohlcv_bar();
CREATE TRIGGER usdcop_m5_ohlcv_notify_update AFTER UPDATE ON market.usdcop_m5_ohlcv
  REFERENCING NEW TABLE AS written_bars
  FOR EACH STATEMENT EXECUTE FUNCTION market.notify_new_ohlcv_bar();

-- model_changed is now sent by the application through the events codec (store::notify).
DROP FUNCTION IF EXISTS ml.notify_model_changed(jsonb);
