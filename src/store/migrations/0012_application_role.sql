-- 0012: least privilege (spec 12, "Database roles"). Migrations run as the owner role; every
-- other command connects as the application role `usdcop_app`, which is not a superuser, owns
-- nothing and gets only the grants below. The managed cluster creates `usdcop_app` as a LOGIN
-- role at `usdcop db start`; on an external server whose owner cannot create roles, the DBA
-- creates it first (docs/DATABASE.md).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'usdcop_app') THEN
    CREATE ROLE usdcop_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$;

-- Re-run by `usdcop db migrate` after every run (store/migrations.cpp), so the tables of later
-- migrations (and schemas) get the same grants without each migration repeating them. Tables are readable and
-- writable; the exceptions are the append-only audit log (INSERT and SELECT only) and the
-- migration bookkeeping (SELECT only).
CREATE OR REPLACE PROCEDURE system.grant_application_privileges() LANGUAGE plpgsql AS $$
DECLARE
  s text;
BEGIN
  -- Every schema the owner (the migrating role) made, so later modules' schemas are covered.
  FOR s IN SELECT n.nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
           WHERE r.rolname = current_user AND n.nspname NOT LIKE 'pg\_%'
             AND n.nspname <> 'information_schema'
  LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO usdcop_app', s);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO usdcop_app', s);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO usdcop_app', s);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO usdcop_app', s);
  END LOOP;
  REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON system.audit_log FROM usdcop_app;
  REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON system.schema_migrations FROM usdcop_app;
  IF to_regclass('system.policies') IS NOT NULL THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON system.policies FROM usdcop_app;  -- versions are kept
  END IF;
  REVOKE EXECUTE ON PROCEDURE system.grant_application_privileges() FROM usdcop_app, PUBLIC;
END
$$;
REVOKE EXECUTE ON PROCEDURE system.grant_application_privileges() FROM PUBLIC;
