#include "adapters/market_data/fred_client.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>

#include "core/config.hpp"
#include "core/error.hpp"

namespace usdcop::adapters {

namespace {

using nlohmann::json;

std::string field_text(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::optional<double> parse_number(const std::string& s) {
  double v = 0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string snippet(const std::string& body) {
  std::string s = body.substr(0, 80);
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return "'" + s + (body.size() > 80 ? "...'" : "'");
}

// One page request's outcome beyond its status: the parsed body, why it is malformed, or the
// provider's refusal.
struct PageAttempt {
  json body;
  std::string malformed;
  std::string refusal;
  long refusal_code = 0;
};

// What is wrong with a 2xx body, or empty when it holds an observations array.
std::string malformed_reason(const json& body, const HttpResponse& resp) {
  if (body.is_discarded())
    return "body is not JSON (HTTP " + std::to_string(resp.status) + ", " +
           std::to_string(resp.body.size()) + " bytes, starts with " + snippet(resp.body) + ")";
  if (!body.is_object()) return "body is not a JSON object";
  if (!body.contains("observations")) return "no 'observations' in the response";
  if (!body["observations"].is_array()) return "'observations' is not an array";
  return {};
}

// Judges one attempt: FRED reports refusals as {"error_code", "error_message"}, whatever the
// HTTP status.
AttemptOutcome judge_page(const HttpResult& result, PageAttempt& page) {
  AttemptOutcome o = RetryPolicy::classify(result);
  if (!result.has_response()) return o;
  const HttpResponse& resp = result.response();
  page.body = json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (page.body.is_object() && page.body.contains("error_code")) {
    const json& c = page.body["error_code"];
    const long code = c.is_number_integer() ? c.get<long>() : resp.status;
    page.refusal = field_text(page.body, "error_message");
    page.refusal_code = code;
    o.status = RetryPolicy::classify_status(code);
    if (o.status == AttemptStatus::success) o.status = AttemptStatus::fatal;
    o.what = "HTTP " + std::to_string(resp.status) + ", error_code " + std::to_string(code) +
             (page.refusal.empty() ? "" : ": " + page.refusal.substr(0, 200));
    if (code == 429 || code == 503) o.retry_after = resp.retry_after();
    return o;
  }
  if (o.status != AttemptStatus::success) {
    page.refusal_code = resp.status;
    page.refusal.clear();
    return o;
  }
  page.malformed = malformed_reason(page.body, resp);
  if (!page.malformed.empty()) {
    o.status = AttemptStatus::fatal;
    o.source_fault = true;
    o.what = "malformed response";
  }
  return o;
}

// Sorts a page's observations into valid, missing (".") and invalid.
void add_observations(const json& obs, FredSeries& out) {
  for (const json& o : obs) {
    FredObservation ob;
    ob.raw = o.dump();
    if (!o.is_object()) {
      out.invalid.push_back({ob, "observation is not a JSON object"});
      continue;
    }
    ob.date = field_text(o, "date");
    ob.value = field_text(o, "value");
    if (ob.value == ".") {
      ++out.missing;
      continue;
    }
    if (!parse_date(ob.date)) {
      out.invalid.push_back({ob, "date '" + ob.date + "' is not a YYYY-MM-DD date"});
      continue;
    }
    if (const auto v = parse_number(ob.value)) {
      ob.number = *v;
      out.observations.push_back(std::move(ob));
    } else {
      out.invalid.push_back({ob, "value '" + ob.value + "' is not a number"});
    }
  }
}

}  // namespace

FredOptions FredOptions::from_env() {
  FredOptions o;
  o.base_url = env_or("FRED_BASE_URL", o.base_url);
  o.api_key = required_api_key("FRED_API_KEY", "FRED");
  return o;
}

FredClient::FredClient(FredOptions options, ApiClientDeps deps) : options_(std::move(options)) {
  auto complete = complete_deps(std::move(deps), kSource);
  transport_ = std::move(complete.transport);
  retry_ = std::move(*complete.retry);
  breaker_ = std::move(complete.breaker);
  log_ = std::move(complete.log);
  options_.base_url = without_trailing_slashes(std::move(options_.base_url));
  if (options_.limit < 1 || options_.limit > 100000) options_.limit = 100000;
}

std::string FredClient::safe(std::string text) const {
  text = redact(std::move(text), options_.api_key);
  text = redact(std::move(text), url_encode(options_.api_key));
  return mask_secrets(text);
}

void FredClient::log(const std::string& line) const {
  if (log_) log_(safe(std::string(kSource) + ": " + line));
}

FredSeries FredClient::fetch(const std::string& series_id, Date start, Date end) {
  if (series_id.empty()) throw Error(ErrorKind::invalid_input, "fred: empty series id");
  if (end < start) {
    throw Error(ErrorKind::invalid_input, "fred: observation start is after the end");
  }
  FredSeries out;
  out.series_id = series_id;
  const std::string what = std::string(kSource) + " " + series_id + " [" + format_date(start) +
                           ", " + format_date(end) + "]";

  for (long offset = 0;;) {
    HttpRequest req;
    req.url = options_.base_url + "/series/observations";
    req.timeouts = options_.timeouts;
    req.query = {{"series_id", series_id},
                 {"observation_start", format_date(start)},
                 {"observation_end", format_date(end)},
                 {"file_type", "json"},
                 {"sort_order", "asc"},
                 {"limit", std::to_string(options_.limit)},
                 {"offset", std::to_string(offset)},
                 {"api_key", options_.api_key}};

    PageAttempt page;
    auto attempt = [&](int n) -> AttemptOutcome {
      ++out.requests;
      page.malformed.clear();
      log("GET " + build_url(req.url, req.query) + " (attempt " + std::to_string(n) + ")");
      return judge_page(transport_->get(req), page);
    };

    const RetryReport report = run_guarded(retry_, breaker_.get(), attempt);
    if (!report.succeeded()) {
      if (!page.malformed.empty()) {
        throw Error(ErrorKind::unavailable, safe(what + ": malformed response: " + page.malformed));
      }
      if (report.last.status == AttemptStatus::fatal) {
        throw Error(ErrorKind::invalid_input,
                    safe(what + ": request refused (code " + std::to_string(page.refusal_code) +
                         ")" + (page.refusal.empty() ? "" : ": " + page.refusal.substr(0, 200))));
      }
      throw Error(ErrorKind::unavailable, safe(what + ": gave up " + report.describe()));
    }

    const json& body = page.body;
    const json& obs = body["observations"];
    add_observations(obs, out);
    // Paging: FRED returns count (total), offset and limit; ask again until all are read.
    const auto count_it = body.find("count");
    const long count =
        (count_it != body.end() && count_it->is_number_integer()) ? count_it->get<long>() : 0;
    offset += static_cast<long>(obs.size());
    if (obs.empty() || offset >= count) break;
    log(series_id + ": " + std::to_string(offset) + " of " + std::to_string(count) +
        " read, next page");
  }
  return out;
}

}  // namespace usdcop::adapters
