#pragma once
// FRED (St. Louis Fed) observations client (spec 01): GET {base}/series/observations with
// series_id, observation_start, observation_end, file_type=json, api_key. The documented body is
// {"count":N,"offset":0,"limit":100000,"observations":[{"date":"2024-01-02","value":"4.33"},...]}
// where "." marks a missing observation (skipped and counted). Values that are neither a number
// nor "." are reported as invalid (and kept, so the importer can reject them with a reason).
// Errors come as {"error_code":400,"error_message":"..."}. The API key never appears in logs or
// error messages.
#include <string>
#include <vector>

#include "adapters/http/http_client.hpp"
#include "adapters/http/retry_policy.hpp"
#include "core/time.hpp"

namespace usdcop::adapters {

struct FredObservation {
  std::string date;   // "2024-01-02" as sent
  std::string value;  // "4.33" as sent
  std::string raw;    // the JSON of the observation object
  double number = 0;  // parsed value (valid observations only)
};

struct FredInvalid {
  FredObservation observation;
  std::string reason;  // "value 'n/a' is not a number", "date '2024-13-01' is not a date"
};

struct FredSeries {
  std::string series_id;
  std::vector<FredObservation> observations;  // valid ones, in the provider's order
  std::vector<FredInvalid> invalid;           // neither a number nor "."
  long missing = 0;                           // "." values skipped
  int requests = 0;                           // HTTP requests made, retries included
};

struct FredOptions {
  std::string base_url = "https://api.stlouisfed.org/fred";
  std::string api_key;
  long limit = 100000;  // observations per page (FRED's maximum)
  HttpTimeouts timeouts;

  // base_url from FRED_BASE_URL (default above), api_key from FRED_API_KEY. Throws
  // Error(invalid_input) naming FRED_API_KEY when it is unset or empty.
  static FredOptions from_env();
};

class FredClient {
 public:
  static constexpr const char* kSource = "fred";

  explicit FredClient(FredOptions options, ApiClientDeps deps = {});

  // Observations of one series with start <= date <= end (FRED's bounds are inclusive), paged
  // by offset until `count` is reached. Throws Error(unavailable) when FRED cannot be reached
  // (retries exhausted, circuit open, malformed body) and Error(invalid_input) when it refuses
  // the request (unknown series, bad key: a non-retryable 4xx).
  FredSeries fetch(const std::string& series_id, Date start, Date end);

  const FredOptions& options() const { return options_; }
  CircuitBreaker& breaker() { return *breaker_; }

 private:
  std::string safe(std::string text) const;
  void log(const std::string& line) const;

  FredOptions options_;
  std::shared_ptr<HttpTransport> transport_;
  RetryPolicy retry_;
  std::shared_ptr<CircuitBreaker> breaker_;
  std::function<void(const std::string&)> log_;
};

}  // namespace usdcop::adapters
