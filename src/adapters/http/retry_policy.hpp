#pragma once
// Retry with exponential backoff and jitter for the market-data clients (spec 01): after the
// first request, up to 3 retries waiting 1 s, 2 s, 4 s (each +/- 20 % jitter); a 429 (or 503)
// carrying Retry-After waits exactly that many seconds instead. Retried: 5xx, 429 and transport
// errors. Not retried: any other 4xx and anything the caller calls fatal. The sleep function is
// injectable (tests record the delays instead of waiting) and the jitter is deterministic when
// a seed is given.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/http/circuit_breaker.hpp"
#include "adapters/http/http_client.hpp"

namespace usdcop::adapters {

struct RetryOptions {
  int max_retries = 3;                         // retries after the first attempt
  std::chrono::milliseconds base_delay{1000};  // retry i waits base * 2^i (1 s, 2 s, 4 s)
  double jitter = 0.2;                         // each backoff is scaled by 1 + U[-jitter, +jitter]
  std::chrono::seconds max_retry_after{120};   // a longer Retry-After gives up instead of waiting
};

enum class AttemptStatus { success, retryable, fatal };

// What one attempt produced, as the caller judged it.
struct AttemptOutcome {
  AttemptStatus status = AttemptStatus::success;
  std::optional<std::chrono::seconds> retry_after;  // honoured for retryable outcomes
  std::string what;                                 // "HTTP 500", ...: safe to show
  // A fatal outcome caused by the source itself (e.g. a malformed body): counted as a failure
  // by the circuit breaker. Other fatal outcomes (a 4xx) mean the source is up.
  bool source_fault = false;

  static AttemptOutcome ok() { return {}; }
};

struct RetryReport {
  int attempts = 0;
  std::vector<std::chrono::milliseconds> delays;  // the waits requested between attempts
  AttemptOutcome last;                            // the final attempt's outcome
  bool retry_after_too_long = false;              // gave up: Retry-After > max_retry_after

  bool succeeded() const { return last.status == AttemptStatus::success; }
  // "after 4 attempts: HTTP 500" and the like.
  std::string describe() const;
};

class RetryPolicy {
 public:
  using Sleep = std::function<void(std::chrono::milliseconds)>;

  // Without a seed the jitter comes from std::random_device.
  explicit RetryPolicy(RetryOptions options = {}, Sleep sleep = {},
                       std::optional<uint64_t> seed = std::nullopt);

  const RetryOptions& options() const { return options_; }

  // 5xx, 429 and 408 are retryable; other 4xx (and 1xx/3xx) are fatal; 2xx is success.
  static AttemptStatus classify_status(long status);
  // classify_status for a response (with its Retry-After), retryable for a transport error.
  static AttemptOutcome classify(const HttpResult& result);

  // The jittered backoff before retry number `retry` (0-based): base * 2^retry * (1 + u).
  std::chrono::milliseconds backoff(int retry);

  // Calls attempt(n) (n = 1, 2, ...) until it succeeds, fails fatally, or retries run out,
  // sleeping between attempts. Exceptions from attempt propagate unchanged.
  RetryReport run(const std::function<AttemptOutcome(int attempt)>& attempt);

 private:
  double unit();  // uniform in [0, 1)

  RetryOptions options_;
  Sleep sleep_;
  uint64_t state_;
};

// Runs one logical request (its attempts under `retry`) guarded by `breaker` (may be null):
// the breaker is asked first and throws Error(unavailable, "<source> circuit open until ...")
// without calling `attempt`; afterwards it records one success (success, or a fatal outcome that
// is not a source fault) or one failure (retries exhausted, or a source fault).
RetryReport run_guarded(RetryPolicy& retry, CircuitBreaker* breaker,
                        const std::function<AttemptOutcome(int attempt)>& attempt);

// What an API client is built from. Empty members get defaults: a CurlTransport, a RetryPolicy
// with the spec's options, and the process-wide breaker of the source.
struct ApiClientDeps {
  std::shared_ptr<HttpTransport> transport;
  std::optional<RetryPolicy> retry;
  std::shared_ptr<CircuitBreaker> breaker;
  std::function<void(const std::string&)> log;  // progress lines (never contain secrets)
};

// `deps` with its empty members filled by those defaults (`source` names the breaker).
ApiClientDeps complete_deps(ApiClientDeps deps, const std::string& source);
// The API key in the environment variable `variable`, else the first line of the file named by
// `variable`_FILE (a secret kept out of the environment); Error(invalid_input) saying which
// variable to set (`source` names the API) when neither gives a key. Never logged.
std::string required_api_key(const char* variable, const std::string& source);
// A base URL without its trailing slashes (paths are appended with a leading '/').
std::string without_trailing_slashes(std::string url);

}  // namespace usdcop::adapters
