-- Versioned backtest signatures (spec 12, spec 04): v1 rows (trades only) keep verifying by
-- their own rule; v2 rows sign the inputs (model hash, feature builder version and hash, bar
-- range, config) and the whole result (trades, metrics, equity curve, daily returns).
ALTER TABLE ml.backtest_results
  ADD COLUMN signature_version smallint NOT NULL DEFAULT 1 CHECK (signature_version IN (1, 2)),
  ADD COLUMN model_hash text,
  ADD COLUMN builder_version text,
  ADD COLUMN feature_order_hash text,
  ADD COLUMN bar_range jsonb;  -- {"from", "to", "first_bar", "last_bar", "bars"}
ALTER TABLE ml.backtest_results
  ADD CONSTRAINT backtest_results_v2_inputs CHECK (
    signature_version = 1 OR (model_hash IS NOT NULL AND builder_version IS NOT NULL
                              AND feature_order_hash IS NOT NULL AND bar_range IS NOT NULL));
