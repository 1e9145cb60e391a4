-- 0008: what the model registry, promotion, rollback and audit of spec 05 need beyond 0005.

-- The audit log is append-only for the application: no UPDATE, DELETE or TRUNCATE, whatever
-- the role (the trigger also binds the table owner, which the application connects as).
ALTER TABLE system.audit_log ADD COLUMN IF NOT EXISTS request_id text;
CREATE INDEX IF NOT EXISTS audit_log_request_idx ON system.audit_log (request_id) WHERE request_id IS NOT NULL;

CREATE OR REPLACE FUNCTION system.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'system.audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'audit rows are kept 7 years; write a new row to correct an old one';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON system.audit_log
  FOR EACH ROW EXECUTE FUNCTION system.refuse_audit_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON system.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION system.refuse_audit_change();
REVOKE UPDATE, DELETE, TRUNCATE ON system.audit_log FROM PUBLIC;

-- Serializes the changes of the production model (promotion to production, rollback): one
-- transaction-scoped advisory lock; the loser of a race gets false and reports a conflict.
CREATE OR REPLACE FUNCTION ml.try_lock_model_change() RETURNS boolean LANGUAGE sql AS $$
  SELECT pg_try_advisory_xact_lock(hashtextextended('usdcop.ml.model_change', 0));
$$;

-- Publishes a production-model swap to listeners (the live engine hot-swaps the policy);
-- delivered when the swapping transaction commits.
CREATE OR REPLACE FUNCTION ml.notify_model_changed(payload jsonb) RETURNS void LANGUAGE sql AS $$
  SELECT pg_notify('model_changed', payload::text);
$$;

-- Rollback targets: former production models, most recently retired first.
CREATE INDEX IF NOT EXISTS model_registry_former_production_idx
  ON ml.model_registry (archived_at DESC) WHERE was_production;
CREATE INDEX IF NOT EXISTS model_registry_status_idx ON ml.model_registry (status, version DESC);
-- Shadow agreement joins the staging model's rows with the production model's by bar time.
CREATE INDEX IF NOT EXISTS model_inferences_model_time_idx ON trading.model_inferences (model_id, time);
-- At most one undecided request per model and stage.
CREATE UNIQUE INDEX IF NOT EXISTS promotion_requests_one_pending
  ON ml.promotion_requests (model_id, target_stage) WHERE final_decision = 'pending';
