-- 0020: a per-token request rate for the HTTP API (spec 07, 12: 1,000 requests a minute per
-- token by default). NULL means the server's default; a benchmark token gets a raised limit.
ALTER TABLE system.api_tokens
  ADD COLUMN rate_limit_per_minute integer CHECK (rate_limit_per_minute BETWEEN 1 AND 10000000);
