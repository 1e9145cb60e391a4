#include "adapters/market_data/twelvedata_client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "core/config.hpp"
#include "core/error.hpp"

namespace usdcop::adapters {

namespace {

using nlohmann::json;

// "2024-01-02 13:00:00" for TwelveData's start_date/end_date (interpreted in timezone=UTC).
std::string provider_datetime(Timestamp t) {
  std::string s = format_rfc3339(std::chrono::floor<std::chrono::seconds>(t));
  if (s.size() >= 20 && s[10] == 'T') {
    s[10] = ' ';
    s.resize(19);
  }
  return s;
}

std::string field_text(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string snippet(const std::string& body) {
  std::string s = body.substr(0, 80);
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return "'" + s + (body.size() > 80 ? "...'" : "'");
}

bool is_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Why an attempt failed beyond its status: a body that could not be understood, or the
// provider's refusal of a non-retryable request.
struct AttemptNotes {
  std::string malformed;
  std::string refusal;
  long refusal_code = 0;
};

// Error payloads: {"code":429,"message":"...","status":"error"}, possibly with HTTP 200.
AttemptOutcome judge_error_payload(const json& body, const HttpResponse& resp,
                                   AttemptNotes& notes) {
  const auto code_it = body.find("code");
  const long code = (code_it != body.end() && code_it->is_number_integer())
                        ? code_it->get<long>()
                        : (resp.status >= 400 ? resp.status : 0);
  const std::string message = field_text(body, "message");
  if (code == 400 && message.find("No data is available") != std::string::npos) {
    return AttemptOutcome::ok();  // an empty window (weekend, holiday): not an error
  }
  AttemptOutcome o;
  o.what = "HTTP " + std::to_string(resp.status) + ", payload code " + std::to_string(code) +
           (message.empty() ? "" : ": " + message.substr(0, 200));
  if (code == 0) {
    o.status = AttemptStatus::fatal;
    o.source_fault = true;
    notes.malformed = "error payload without a code";
    return o;
  }
  o.status = RetryPolicy::classify_status(code);
  if (o.status == AttemptStatus::success) {  // "status":"error" with a 2xx code
    o.status = AttemptStatus::fatal;
    o.source_fault = true;
    notes.malformed = "error payload with code " + std::to_string(code);
    return o;
  }
  if (code == 429 || code == 503) o.retry_after = resp.retry_after();
  notes.refusal = message;
  notes.refusal_code = code;
  return o;
}

// What is wrong with a 2xx body, or empty when it holds a values array.
std::string malformed_reason(const json& body, const HttpResponse& resp) {
  if (body.is_discarded())
    return "body is not JSON (HTTP " + std::to_string(resp.status) + ", " +
           std::to_string(resp.body.size()) + " bytes, starts with " + snippet(resp.body) + ")";
  if (!body.is_object()) return "body is not a JSON object";
  if (!body.contains("values"))
    return "no 'values' in the response (status '" + field_text(body, "status") + "')";
  if (!body["values"].is_array()) return "'values' is not an array";
  return {};
}

std::vector<TextBar> text_bars(const json& values) {
  std::vector<TextBar> rows;
  for (const json& v : values) {
    TextBar bar;
    bar.raw = v.dump();
    if (v.is_object()) {
      bar.time = TwelveDataClient::to_rfc3339_utc(field_text(v, "datetime"));
      bar.open = field_text(v, "open");
      bar.high = field_text(v, "high");
      bar.low = field_text(v, "low");
      bar.close = field_text(v, "close");
      bar.volume = field_text(v, "volume");
    }  // else: all fields empty, the importer rejects it with the raw text kept
    rows.push_back(std::move(bar));
  }
  return rows;
}

}  // namespace

TwelveDataOptions TwelveDataOptions::from_env() {
  TwelveDataOptions o;
  o.base_url = env_or("TWELVEDATA_BASE_URL", o.base_url);
  o.api_key = required_api_key("TWELVEDATA_API_KEY", "TwelveData");
  return o;
}

TwelveDataClient::TwelveDataClient(TwelveDataOptions options, ApiClientDeps deps)
    : options_(std::move(options)) {
  auto complete = complete_deps(std::move(deps), kSource);
  transport_ = std::move(complete.transport);
  retry_ = std::move(*complete.retry);
  breaker_ = std::move(complete.breaker);
  log_ = std::move(complete.log);
  options_.base_url = without_trailing_slashes(std::move(options_.base_url));
  if (options_.outputsize < 1) options_.outputsize = 5000;
  if (options_.window < std::chrono::hours(1)) options_.window = std::chrono::hours(1);
}

std::string TwelveDataClient::to_rfc3339_utc(const std::string& dt) {
  // Exactly "YYYY-MM-DD HH:MM:SS" (no offset: it is in the requested timezone, UTC).
  if (dt.size() == 19 && dt[4] == '-' && dt[7] == '-' && dt[10] == ' ' && dt[13] == ':' &&
      dt[16] == ':' && is_digits(dt.substr(0, 4)) && is_digits(dt.substr(5, 2)) &&
      is_digits(dt.substr(8, 2)) && is_digits(dt.substr(11, 2)) && is_digits(dt.substr(14, 2)) &&
      is_digits(dt.substr(17, 2))) {
    return dt.substr(0, 10) + "T" + dt.substr(11) + "Z";
  }
  // A bare date (daily intervals) is 00:00 UTC.
  if (dt.size() == 10 && dt[4] == '-' && dt[7] == '-' && is_digits(dt.substr(0, 4)) &&
      is_digits(dt.substr(5, 2)) && is_digits(dt.substr(8, 2))) {
    return dt + "T00:00:00Z";
  }
  return dt;
}

std::string TwelveDataClient::safe(std::string text) const {
  text = redact(std::move(text), options_.api_key);
  text = redact(std::move(text), url_encode(options_.api_key));
  return mask_secrets(text);
}

void TwelveDataClient::log(const std::string& line) const {
  if (log_) log_(safe(std::string(kSource) + ": " + line));
}

TwelveDataClient::Page TwelveDataClient::fetch_window(Timestamp from, Timestamp to,
                                                      TwelveDataFetch& stats) {
  HttpRequest req;
  req.url = options_.base_url + "/time_series";
  req.timeouts = options_.timeouts;
  req.query = {{"symbol", options_.symbol},
               {"interval", options_.interval},
               {"timezone", "UTC"},
               {"start_date", provider_datetime(from)},
               {"end_date", provider_datetime(to)},
               {"outputsize", std::to_string(options_.outputsize)},
               {"order", "ASC"},
               {"format", "JSON"},
               {"apikey", options_.api_key}};
  const std::string what = std::string(kSource) + " " + options_.symbol + " " + options_.interval +
                           " [" + provider_datetime(from) + ", " + provider_datetime(to) + ")";

  Page page;
  AttemptNotes notes;
  auto attempt = [&](int n) -> AttemptOutcome {
    ++stats.requests;
    notes.malformed.clear();
    log("GET " + build_url(req.url, req.query) + " (attempt " + std::to_string(n) + ")");
    const HttpResult result = transport_->get(req);
    if (!result.has_response()) return RetryPolicy::classify(result);
    const HttpResponse& resp = result.response();
    const json body = json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_object() && body.value("status", std::string()) == "error")
      return judge_error_payload(body, resp, notes);
    AttemptOutcome o = RetryPolicy::classify(result);
    if (o.status != AttemptStatus::success) {
      notes.refusal_code = resp.status;
      notes.refusal.clear();
      return o;
    }
    notes.malformed = malformed_reason(body, resp);
    if (!notes.malformed.empty()) {
      o.status = AttemptStatus::fatal;
      o.source_fault = true;
      o.what = "malformed response";
      return o;
    }
    page.rows = text_bars(body["values"]);
    return o;
  };

  const RetryReport report = run_guarded(retry_, breaker_.get(), attempt);
  if (report.succeeded()) return page;
  if (!notes.malformed.empty()) {
    throw Error(ErrorKind::unavailable, safe(what + ": malformed response: " + notes.malformed));
  }
  if (report.last.status == AttemptStatus::fatal) {
    throw Error(ErrorKind::invalid_input,
                safe(what + ": request refused (code " + std::to_string(notes.refusal_code) + ")" +
                     (notes.refusal.empty() ? "" : ": " + notes.refusal.substr(0, 200))));
  }
  throw Error(ErrorKind::unavailable, safe(what + ": gave up " + report.describe()));
}

TwelveDataFetch TwelveDataClient::fetch(Timestamp from, Timestamp to) {
  if (!(from < to)) {
    throw Error(ErrorKind::invalid_input, "twelvedata: the start must be before the end", "from");
  }
  TwelveDataFetch out;
  std::unordered_set<std::string> seen;
  const auto window = std::chrono::duration_cast<Timestamp::duration>(options_.window);
  const auto min_split = std::chrono::duration_cast<Timestamp::duration>(std::chrono::minutes(20));

  // Windows to fetch, oldest first; a full page is split in two and both halves fetched.
  std::vector<std::pair<Timestamp, Timestamp>> todo;
  for (Timestamp t = from; t < to; t += window) todo.emplace_back(t, std::min(to, t + window));
  std::reverse(todo.begin(), todo.end());
  while (!todo.empty()) {
    const auto [ws, we] = todo.back();
    todo.pop_back();
    ++out.windows;
    Page page = fetch_window(ws, we, out);
    if (static_cast<long>(page.rows.size()) >= options_.outputsize && we - ws > min_split) {
      const Timestamp mid = ws + std::chrono::floor<std::chrono::minutes>((we - ws) / 2);
      log("window returned " + std::to_string(page.rows.size()) +
          " rows (the page limit): splitting");
      todo.emplace_back(mid, we);
      todo.emplace_back(ws, mid);
      continue;
    }
    for (TextBar& bar : page.rows) {
      if (const auto t = parse_timestamp(bar.time); t && (*t < from || *t >= to)) {
        ++out.outside_range;
        continue;
      }
      if (!seen.insert(bar.raw).second) {
        ++out.duplicates;
        continue;
      }
      out.records.push_back(std::move(bar));
    }
  }
  for (size_t i = 0; i < out.records.size(); ++i) out.records[i].line = static_cast<long>(i) + 1;
  return out;
}

}  // namespace usdcop::adapters
