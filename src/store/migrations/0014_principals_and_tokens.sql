-- 0014: authenticated identities (spec 07 "Authentication and roles", spec 12 "Identity").
-- A principal (unique NFKC-casefolded name, one role) holds any number of tokens, stored as
-- their sha256 only. The actor of every governance audit row is a principal's name.
CREATE TABLE system.principals (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 64),
  role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin', 'system')),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text,
  disabled_at timestamptz
);

-- Service principals act for automatic actions; they cannot vote and hold no tokens.
INSERT INTO system.principals (name, role, created_by)
VALUES ('system:monitor', 'system', 'migration 0014'), ('system:scheduler', 'system', 'migration 0014');

CREATE TABLE system.api_tokens (
  id bigserial PRIMARY KEY,
  principal_id bigint NOT NULL REFERENCES system.principals (id),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  scopes text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text,
  expires_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_principal_idx ON system.api_tokens (principal_id);

-- The tamper-evident chain (store/audit_chain.hpp): row_hash = sha256 of the row's canonical
-- JSON including prev_hash, the row_hash of the row before it. Rows written before this
-- migration stay unchained; `usdcop audit verify` reports them apart.
ALTER TABLE system.audit_log
  ADD COLUMN prev_hash text CHECK (prev_hash ~ '^([0-9a-f]{64})?$'),
  ADD COLUMN row_hash text CHECK (row_hash ~ '^[0-9a-f]{64}$');

-- Spec 12: a production request still pending after 14 days expires (PgPromotions::vote).
ALTER TABLE ml.promotion_requests
  DROP CONSTRAINT promotion_requests_final_decision_check,
  ADD CONSTRAINT promotion_requests_final_decision_check
    CHECK (final_decision IN ('pending', 'promoted', 'rejected', 'override_promoted', 'expired'));

-- Spec 12: a stored backtest names the actor it ran in ml.backtest_results.model_hash (0010,
-- covered by the v2 signature); a promotion refuses a backtest of another hash, or one without.

-- Spec 12: the promotion policy and the risk/trading profiles are owned by the database,
-- versioned with the sha256 of their canonical JSON; `usdcop policy apply` (admin, audited)
-- adds a version, the newest is active. The YAML files under config/ are seeds.
CREATE TABLE system.policies (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('promotion', 'risk', 'trading')),
  version integer NOT NULL CHECK (version >= 1),
  source_yaml text NOT NULL,
  canonical_json text NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  applied_by text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, version)
);
