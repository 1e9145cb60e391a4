-- 0001: the system schema: migration bookkeeping and the audit trail (spec 00, principle 5).
CREATE SCHEMA IF NOT EXISTS system;
CREATE SCHEMA IF NOT EXISTS market;

CREATE TABLE IF NOT EXISTS system.schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,  -- sha256 (hex) of the migration file
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- Every state change: who (actor, role), when, what (action on object), from, to, why.
CREATE TABLE system.audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  role text,
  action text NOT NULL,
  object_type text,
  object_id text,
  from_state text,
  to_state text,
  reason text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON system.audit_log (at);
CREATE INDEX audit_log_object_idx ON system.audit_log (object_type, object_id);
CREATE INDEX audit_log_action_idx ON system.audit_log (action, at);
