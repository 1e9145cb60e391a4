#include "adapters/http/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <thread>

#include "core/config.hpp"
#include "core/error.hpp"

namespace usdcop::adapters {

namespace {

// splitmix64: tiny, portable and identical on every platform (std distributions are not).
uint64_t next(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace

std::string RetryReport::describe() const {
  std::string s = "after " + std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts");
  if (!last.what.empty()) s += ": " + last.what;
  if (retry_after_too_long && last.retry_after) {
    s += " (Retry-After " + std::to_string(last.retry_after->count()) + " s is too long to wait)";
  }
  return s;
}

RetryPolicy::RetryPolicy(RetryOptions options, Sleep sleep, std::optional<uint64_t> seed)
    : options_(options), sleep_(std::move(sleep)), state_(seed ? *seed : random_seed()) {
  if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  options_.max_retries = std::max(0, options_.max_retries);
  options_.jitter = std::clamp(options_.jitter, 0.0, 1.0);
}

AttemptStatus RetryPolicy::classify_status(long status) {
  if (status >= 200 && status < 300) return AttemptStatus::success;
  if (status == 429 || status == 408 || (status >= 500 && status < 600)) {
    return AttemptStatus::retryable;
  }
  return AttemptStatus::fatal;
}

AttemptOutcome RetryPolicy::classify(const HttpResult& result) {
  AttemptOutcome o;
  o.what = result.describe();
  if (!result.has_response()) {
    o.status = AttemptStatus::retryable;
    return o;
  }
  const auto& r = result.response();
  o.status = classify_status(r.status);
  if (r.status == 429 || r.status == 503) o.retry_after = r.retry_after();
  return o;
}

double RetryPolicy::unit() {
  return static_cast<double>(next(state_) >> 11) * 0x1.0p-53;
}

std::chrono::milliseconds RetryPolicy::backoff(int retry) {
  const double base = static_cast<double>(options_.base_delay.count()) * std::ldexp(1.0, retry);
  const double u = 2.0 * unit() - 1.0;  // [-1, 1)
  const double ms = base * (1.0 + options_.jitter * u);
  return std::chrono::milliseconds(std::llround(std::max(0.0, ms)));
}

RetryReport RetryPolicy::run(const std::function<AttemptOutcome(int attempt)>& attempt) {
  RetryReport report;
  for (int retry = 0;; ++retry) {
    report.last = attempt(++report.attempts);
    if (report.last.status != AttemptStatus::retryable || retry >= options_.max_retries) break;
    std::chrono::milliseconds delay;
    if (report.last.retry_after) {
      if (*report.last.retry_after > options_.max_retry_after) {
        report.retry_after_too_long = true;
        break;
      }
      delay = std::chrono::duration_cast<std::chrono::milliseconds>(*report.last.retry_after);
    } else {
      delay = backoff(retry);
    }
    report.delays.push_back(delay);
    sleep_(delay);
  }
  return report;
}

RetryReport run_guarded(RetryPolicy& retry, CircuitBreaker* breaker,
                        const std::function<AttemptOutcome(int attempt)>& attempt) {
  if (breaker) breaker->acquire();
  RetryReport report;
  try {
    report = retry.run(attempt);
  } catch (...) {
    if (breaker) breaker->record_failure();
    throw;
  }
  if (breaker) {
    const bool healthy = report.last.status == AttemptStatus::success ||
                         (report.last.status == AttemptStatus::fatal && !report.last.source_fault);
    if (healthy) {
      breaker->record_success();
    } else {
      breaker->record_failure();
    }
  }
  return report;
}

ApiClientDeps complete_deps(ApiClientDeps deps, const std::string& source) {
  if (!deps.transport) deps.transport = std::make_shared<CurlTransport>();
  if (!deps.retry) deps.retry.emplace();
  if (!deps.breaker) deps.breaker = shared_circuit_breaker(source);
  return deps;
}

std::string required_api_key(const char* variable, const std::string& source) {
  auto key = env_or(variable, "");
  const std::string file_variable = std::string(variable) + "_FILE";
  if (key.empty()) {
    if (const std::string path = env_or(file_variable.c_str(), ""); !path.empty()) {
      std::ifstream in(path);
      if (!in)
        throw Error(ErrorKind::invalid_input,
                    source + " API key: cannot read the file named by " + file_variable,
                    file_variable);
      std::getline(in, key);
      while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
    }
  }
  if (key.empty()) {
    throw Error(ErrorKind::invalid_input,
                source + " API key missing: set the environment variable " + std::string(variable) +
                    " (or " + file_variable + " to a file holding it)");
  }
  return key;
}

std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace usdcop::adapters
