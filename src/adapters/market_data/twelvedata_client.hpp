#pragma once
// TwelveData REST client for USD/COP 5-minute bars (spec 01): GET {base}/time_series with
// symbol, interval, timezone=UTC, start_date, end_date, outputsize=5000, order=ASC, apikey.
// A range is fetched in windows small enough to stay under 5000 rows each (a full window is
// split in two and fetched again), concatenated and de-duplicated. Every value object becomes a
// textual record for BarImporter::add_text: nothing is parsed or dropped here except exact
// repeats and bars outside the requested range, so malformed values reach the importer, which
// rejects them with a reason. The API key never appears in logs or error messages.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/http/http_client.hpp"
#include "adapters/http/retry_policy.hpp"
#include "core/time.hpp"

namespace usdcop::adapters {

// One bar as text, in BarImporter::add_text's argument order. `time` is RFC 3339 UTC
// ("2024-01-02T13:00:00Z") when the provider's datetime had the expected form, else the
// provider's text unchanged; `raw` is the JSON of the provider's value object.
struct TextBar {
  long line = 0;  // 1-based position in the fetched series
  std::string raw, time, open, high, low, close, volume;
};

struct TwelveDataOptions {
  std::string base_url = "https://api.twelvedata.com";
  std::string api_key;
  std::string symbol = "USD/COP";
  std::string interval = "5min";
  int outputsize = 5000;
  std::chrono::hours window{24 * 14};  // 14 days of 5-min FX bars: at most 4032 rows
  HttpTimeouts timeouts;

  // base_url from TWELVEDATA_BASE_URL (default above), api_key from TWELVEDATA_API_KEY.
  // Throws Error(invalid_input) naming TWELVEDATA_API_KEY when it is unset or empty.
  static TwelveDataOptions from_env();
};

struct TwelveDataFetch {
  std::vector<TextBar> records;  // oldest first as received; lines numbered 1..n
  int windows = 0;               // windows requested (after splitting)
  int requests = 0;              // HTTP requests made, retries included
  long duplicates = 0;           // value objects received twice (window overlap), dropped
  long outside_range = 0;        // bars outside [from, to), dropped
};

class TwelveDataClient {
 public:
  static constexpr const char* kSource = "twelvedata";

  explicit TwelveDataClient(TwelveDataOptions options, ApiClientDeps deps = {});

  // All bars with from <= open time < to. Throws Error(unavailable) when the source cannot be
  // reached (retries exhausted, circuit open, malformed body) and Error(invalid_input) when it
  // refuses the request (bad key, unknown symbol: a non-retryable 4xx).
  TwelveDataFetch fetch(Timestamp from, Timestamp to);

  // "2024-01-02 13:00:00" -> "2024-01-02T13:00:00Z"; anything else is returned unchanged.
  static std::string to_rfc3339_utc(const std::string& datetime);

  const TwelveDataOptions& options() const { return options_; }
  CircuitBreaker& breaker() { return *breaker_; }

 private:
  struct Page {
    std::vector<TextBar> rows;
  };
  Page fetch_window(Timestamp from, Timestamp to, TwelveDataFetch& stats);
  std::string safe(std::string text) const;  // masks the API key
  void log(const std::string& line) const;

  TwelveDataOptions options_;
  std::shared_ptr<HttpTransport> transport_;
  RetryPolicy retry_;
  std::shared_ptr<CircuitBreaker> breaker_;
  std::function<void(const std::string&)> log_;
};

}  // namespace usdcop::adapters
