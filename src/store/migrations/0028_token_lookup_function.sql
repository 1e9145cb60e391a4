-- 0028: the token lookup of every API request (store::TokenLookup) as a function, so that its
-- plan is cached by the database session instead of planned per request: planning the join
-- cost more than executing it (docs/API.md, Performance). The cache lives inside the backend
-- and the caller sends a plain statement, so nothing is left in the client's session
-- (PgBouncer-compatible, spec 11). force_generic_plan: the plan does not depend on how many
-- hashes are asked for (unique index), and without it PL/pgSQL would keep re-planning custom
-- plans for the array parameter. STABLE: it reads; now() is the caller's statement time.
-- EXECUTE for the application role comes from system.grant_application_privileges() (0012).
CREATE FUNCTION system.find_api_tokens(hashes text[])
  RETURNS TABLE (token_sha256 text, token_id bigint, principal_id bigint, principal text,
                 role text, scopes text, revoked boolean, expired boolean,
                 principal_disabled boolean, rate_limit_per_minute integer, last_used_stale boolean)
  LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  RETURN QUERY
    SELECT t.token_sha256, t.id, p.id, p.name, p.role, array_to_string(t.scopes, ','),
           t.revoked_at IS NOT NULL, t.expires_at <= now(), p.disabled_at IS NOT NULL,
           coalesce(t.rate_limit_per_minute, 0),
           t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute'
      FROM system.api_tokens t JOIN system.principals p ON p.id = t.principal_id
     WHERE t.token_sha256 = ANY(hashes);
END
$$;
