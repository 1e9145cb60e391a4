-- 0011: the feature store (spec 10, spec 12 "Liquidity regime"): a versioned catalog, values
-- partitioned by UTC day on ts, a latest-value table, recorded rejects and ingest counts, the
-- read-only view of the platform's own macro inputs, and the liquidity regime history.
CREATE SCHEMA IF NOT EXISTS fs;
CREATE SCHEMA IF NOT EXISTS liq;

-- One row per (feature, version); exactly one active version per feature. `spec` is the whole
-- FeatureSpec as published by the catalog file (canonical JSON), the columns index it.
CREATE TABLE fs.features_catalog (
  feature_id text NOT NULL CHECK (feature_id ~ '^[a-z0-9_/]+$'),
  version integer NOT NULL CHECK (version > 0),
  entity text NOT NULL CHECK (entity IN ('asset', 'pair', 'market', 'macro')),
  frequency text NOT NULL,
  ttl_ms bigint NOT NULL CHECK (ttl_ms > 0),
  tags text[] NOT NULL DEFAULT '{}',
  spec jsonb NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (feature_id, version)
);
CREATE UNIQUE INDEX features_catalog_active_idx ON fs.features_catalog (feature_id) WHERE active;
CREATE INDEX features_catalog_tags_idx ON fs.features_catalog USING gin (tags);

-- Values, one partition per UTC day [00:00Z, next 00:00Z). Partitions are created ahead by
-- `usdcop fs maintain` and on demand by publish (back-fills), dropped by retention after export.
CREATE TABLE fs.features_values (
  feature_id text NOT NULL,
  ts timestamptz NOT NULL,
  value double precision NOT NULL,
  confidence double precision NOT NULL DEFAULT 1 CHECK (confidence >= 0 AND confidence <= 1),
  meta jsonb NOT NULL DEFAULT '{}',
  evidence jsonb NOT NULL DEFAULT '[]',
  ingested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (feature_id, ts)
) PARTITION BY RANGE (ts);

-- The newest stored point per feature, kept by the publish transaction, so `latest` is one
-- primary-key read however many partitions exist.
CREATE TABLE fs.features_latest (
  feature_id text PRIMARY KEY,
  ts timestamptz NOT NULL,
  value double precision NOT NULL,
  confidence double precision NOT NULL,
  meta jsonb NOT NULL,
  evidence jsonb NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now()
);

-- Every refused point with the reason and the input as received (nothing is lost).
CREATE TABLE fs.publish_rejects (
  id bigserial PRIMARY KEY,
  rejected_at timestamptz NOT NULL DEFAULT now(),
  batch_index integer NOT NULL,
  feature_id text,
  reason text NOT NULL,
  raw jsonb NOT NULL
);
CREATE INDEX publish_rejects_feature_idx ON fs.publish_rejects (feature_id, rejected_at);

-- Accepted and rejected points per known feature and UTC day (ingest failure-rate gate).
CREATE TABLE fs.ingest_counts (
  feature_id text NOT NULL,
  day date NOT NULL,
  accepted bigint NOT NULL DEFAULT 0,
  rejected bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (feature_id, day)
);

-- Partition DDL runs with the owner's rights (spec 12): the application role only EXECUTEs.
CREATE FUNCTION fs.day_partition_name(d date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'features_values_p' || to_char(d, 'YYYYMMDD') $$;

CREATE FUNCTION fs.create_day_partition(d date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF to_regclass('fs.' || fs.day_partition_name(d)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE IF NOT EXISTS fs.%I PARTITION OF fs.features_values '
                 'FOR VALUES FROM (%L) TO (%L)', fs.day_partition_name(d),
                 (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
  RETURN true;
END $$;

CREATE FUNCTION fs.drop_day_partition(d date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF to_regclass('fs.' || fs.day_partition_name(d)) IS NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('DROP TABLE fs.%I', fs.day_partition_name(d));
  RETURN true;
END $$;

-- The UTC days that have a partition, oldest first.
CREATE FUNCTION fs.day_partitions() RETURNS SETOF date
LANGUAGE sql STABLE AS $$
  SELECT to_date(substr(c.relname, 18), 'YYYYMMDD') AS d
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'fs.features_values'::regclass
  ORDER BY d
$$;

-- Range reads of stored values. A year of daily data spans ~365 partitions: planning that
-- query each time costs more than running it, so the function keeps one generic plan per
-- session (runtime partition pruning). It holds no client-side prepared statement, so it
-- also works behind a transaction-mode pooler.
CREATE FUNCTION fs.read_values(ids text[], since timestamptz, until timestamptz)
RETURNS TABLE (feature_id text, ts_us bigint, value double precision, confidence double precision,
               meta text, evidence text)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  RETURN QUERY
    SELECT v.feature_id, (extract(epoch FROM v.ts) * 1000000)::bigint, v.value, v.confidence,
           v.meta::text, v.evidence::text
    FROM fs.features_values v
    WHERE v.feature_id = ANY(ids) AND v.ts >= since AND v.ts < until;
END $$;

-- The platform's own macro inputs, read-only, as feature points: ts = available_at (when the
-- value could first be known), values with an open (unaccepted) quality flag left out exactly
-- as the feature builder does. Feature ids are macro/usdcop/<variable>.
CREATE VIEW fs.platform_macro_values AS
SELECT 'macro/usdcop/' || o.variable AS feature_id,
       o.variable,
       o.available_at AS ts,
       o.value,
       1.0::double precision AS confidence,
       jsonb_build_object('observation_date', o.observation_date, 'source', o.source) AS meta,
       jsonb_build_array(jsonb_build_object('source', o.source, 'ref',
         'market.macro_observations/' || o.variable || '/' || o.observation_date,
         'ts', o.ingested_at)) AS evidence,
       o.ingested_at
FROM market.macro_observations o
WHERE NOT EXISTS (SELECT 1 FROM market.macro_flags f
                  WHERE f.variable = o.variable AND f.observation_date = o.observation_date
                    AND f.accepted_at IS NULL);

-- The liquidity regime, one row per UTC grid date (spec 12), recomputed by `liquidity compute`.
CREATE TABLE liq.regime_history (
  grid_date date PRIMARY KEY,
  scored boolean NOT NULL,           -- false: no usable component, the previous state was kept
  state text NOT NULL CHECK (state IN ('GREEN', 'YELLOW', 'RED')),
  candidate text NOT NULL CHECK (candidate IN ('GREEN', 'YELLOW', 'RED')),
  candidate_since date NOT NULL,
  gl double precision,
  cn double precision,
  mp double precision,
  raw_score double precision,
  score double precision NOT NULL,   -- the EMA-smoothed score
  score_0_100 double precision NOT NULL,
  coherence double precision NOT NULL,
  confidence double precision NOT NULL,
  stale_feeds text[] NOT NULL DEFAULT '{}',
  feeds jsonb NOT NULL,              -- per feed: raw value, ts, z-score, stale
  computed_at timestamptz NOT NULL DEFAULT now()
);

-- The GREEN -> RED flip alerts (spec 12: the first day of a RED candidate while GREEN is
-- published), recorded once per day and sent on NOTIFY usdcop_alerts when first recorded.
CREATE TABLE liq.regime_alerts (
  grid_date date PRIMARY KEY,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
