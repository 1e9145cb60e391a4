#include "fstore/feature_query.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/error.hpp"

namespace usdcop::fstore {

using nlohmann::json;

std::optional<Aggregation> parse_aggregation(std::string_view t) {
  if (t == "none") return Aggregation::none;
  if (t == "sum") return Aggregation::sum;
  if (t == "mean") return Aggregation::mean;
  if (t == "last") return Aggregation::last;
  if (t == "min") return Aggregation::min;
  if (t == "max") return Aggregation::max;
  return std::nullopt;
}

const char* to_string(Aggregation a) {
  switch (a) {
    case Aggregation::none:
      return "none";
    case Aggregation::sum:
      return "sum";
    case Aggregation::mean:
      return "mean";
    case Aggregation::last:
      return "last";
    case Aggregation::min:
      return "min";
    case Aggregation::max:
      return "max";
  }
  return "none";
}

std::optional<std::chrono::milliseconds> parse_interval(std::string_view t) {
  long n = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc() || n <= 0) return std::nullopt;
  const std::string_view unit(ptr, static_cast<std::size_t>(t.data() + t.size() - ptr));
  using namespace std::chrono;
  if (unit == "s") return milliseconds(seconds(n));
  if (unit == "m") return milliseconds(minutes(n));
  if (unit == "h") return milliseconds(hours(n));
  if (unit == "d") return milliseconds(days(n));
  if (unit == "w") return milliseconds(weeks(n));
  return std::nullopt;
}

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw Error(ErrorKind::invalid_input, "query: field '" + field + "' " + why);
}

std::optional<Timestamp> time_field(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_string()) bad(key, "must be an RFC 3339 time or a date");
  return parse_time_or_date(body[key].get<std::string>(), key);
}

}  // namespace

QueryRequest QueryRequest::from_json(const json& body) {
  if (!body.is_object()) throw Error(ErrorKind::invalid_input, "query: the body must be an object");
  QueryRequest q;
  if (!body.contains("featureIds") || !body["featureIds"].is_array() || body["featureIds"].empty())
    bad("featureIds", "must be a non-empty list of feature ids");
  for (const auto& id : body["featureIds"]) {
    if (!id.is_string()) bad("featureIds", "must hold strings");
    q.feature_ids.push_back(id.get<std::string>());
  }
  q.since = time_field(body, "since");
  q.until = time_field(body, "until");
  if (body.contains("agg") && !body["agg"].is_null()) {
    const auto a =
        body["agg"].is_string() ? parse_aggregation(body["agg"].get<std::string>()) : std::nullopt;
    if (!a) bad("agg", "must be one of none|sum|mean|last|min|max");
    q.agg = *a;
  }
  if (body.contains("interval") && !body["interval"].is_null()) {
    const auto i = body["interval"].is_string()
                       ? parse_interval(body["interval"].get<std::string>())
                       : std::nullopt;
    if (!i) bad("interval", "must be a positive duration like 5m, 1h, 1d");
    q.interval = *i;
  }
  if (q.agg != Aggregation::none && !q.interval) bad("interval", "is required with an aggregation");
  if (body.contains("limit") && !body["limit"].is_null()) {
    if (!body["limit"].is_number_integer() || body["limit"].get<long>() <= 0 ||
        body["limit"].get<long>() > 100000)
      bad("limit", "must be an integer in 1..100000");
    q.limit = body["limit"].get<std::size_t>();
  }
  return q;
}

std::vector<Bucket> aggregate(const std::vector<FeaturePoint>& points, Aggregation agg,
                              std::chrono::milliseconds interval) {
  std::vector<Bucket> out;
  const auto step = std::chrono::duration_cast<std::chrono::microseconds>(interval).count();
  for (const auto& p : points) {
    const auto us = p.ts.time_since_epoch().count();
    const auto k = us >= 0 ? us / step : -((-us + step - 1) / step);
    const Timestamp start{std::chrono::microseconds(k * step)};
    if (out.empty() || out.back().start != start) {
      out.push_back({start, p.value, 1});
      continue;
    }
    auto& b = out.back();
    ++b.count;
    switch (agg) {
      case Aggregation::sum:
      case Aggregation::mean:
        b.value += p.value;
        break;
      case Aggregation::last:
      case Aggregation::none:
        b.value = p.value;
        break;
      case Aggregation::min:
        b.value = std::min(b.value, p.value);
        break;
      case Aggregation::max:
        b.value = std::max(b.value, p.value);
        break;
    }
  }
  if (agg == Aggregation::mean)
    for (auto& b : out) b.value /= static_cast<double>(b.count);
  return out;
}

json QueryResult::to_json() const {
  json feats = json::array();
  for (const auto& f : features) {
    json j{{"featureId", f.feature_id},
           {"received", f.received},
           {"coverage", f.coverage ? json(*f.coverage) : json(nullptr)},
           {"truncated", f.truncated},
           {"quality", f.quality.to_json()}};
    if (agg == Aggregation::none) {
      json pts = json::array();
      for (const auto& p : f.points) pts.push_back(p.to_json());
      j["points"] = std::move(pts);
    } else {
      json bs = json::array();
      for (const auto& b : f.buckets)
        bs.push_back({{"start", format_rfc3339(b.start)}, {"value", b.value}, {"count", b.count}});
      j["buckets"] = std::move(bs);
    }
    feats.push_back(std::move(j));
  }
  return {{"since", format_rfc3339(since)},
          {"until", format_rfc3339(until)},
          {"agg", to_string(agg)},
          {"features", feats}};
}

json LatestResult::to_json() const {
  if (!point) return {{"featureId", feature_id}, {"point", nullptr}, {"stale", true}};
  json j = point->to_json();
  j["stale"] = stale;
  j["age_ms"] = age_ms;
  return j;
}

LatestResult make_latest(const FeatureSpec& spec, std::optional<FeaturePoint> point,
                         Timestamp now) {
  LatestResult r;
  r.feature_id = spec.id;
  if (!point) return r;
  r.age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - point->ts).count();
  r.stale = r.age_ms > spec.ttl_ms;
  if (r.stale) point->confidence *= kStaleConfidenceFactor;
  r.point = std::move(point);
  return r;
}

}  // namespace usdcop::fstore
