#include "fstore/feature_point.hpp"

#include <cmath>

namespace usdcop::fstore {

using nlohmann::json;

json evidence_to_json(const std::vector<Evidence>& evidence) {
  json out = json::array();
  for (const auto& e : evidence)
    out.push_back({{"source", e.source}, {"ref", e.ref}, {"ts", format_rfc3339(e.ts)}});
  return out;
}

std::vector<Evidence> evidence_from_json(const json& j) {
  std::vector<Evidence> out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    Evidence ev;
    ev.source = e.value("source", "");
    ev.ref = e.value("ref", "");
    if (auto t = parse_timestamp(e.value("ts", ""))) ev.ts = *t;
    out.push_back(std::move(ev));
  }
  return out;
}

json FeaturePoint::to_json() const {
  return {{"featureId", feature_id},
          {"ts", format_rfc3339(ts)},
          {"value", value},
          {"confidence", confidence},
          {"meta", meta},
          {"evidence", evidence_to_json(evidence)}};
}

namespace {

std::optional<FeaturePoint> fail(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return std::nullopt;
}

bool parse_evidence(const json& j, std::vector<Evidence>& out, std::string* why) {
  if (!j.is_array()) {
    if (why) *why = "evidence: must be a list of {source, ref, ts}";
    return false;
  }
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    const auto where = "evidence[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.contains("source") || !e["source"].is_string()) {
      if (why) *why = where + ".source: must be a string";
      return false;
    }
    Evidence ev;
    ev.source = e["source"].get<std::string>();
    ev.ref = e.contains("ref") && e["ref"].is_string() ? e["ref"].get<std::string>() : "";
    if (e.contains("ts")) {
      std::string err;
      const auto t =
          e["ts"].is_string() ? parse_timestamp(e["ts"].get<std::string>(), &err) : std::nullopt;
      if (!t) {
        if (why) *why = where + ".ts: not an RFC 3339 time with offset";
        return false;
      }
      ev.ts = *t;
    }
    out.push_back(std::move(ev));
  }
  return true;
}

}  // namespace

std::optional<FeaturePoint> point_from_json(const json& j, std::string* why) {
  if (!j.is_object()) return fail(why, "point: must be an object");
  FeaturePoint p;
  if (!j.contains("featureId") || !j["featureId"].is_string())
    return fail(why, "featureId: must be a string");
  p.feature_id = j["featureId"].get<std::string>();
  if (!j.contains("ts") || !j["ts"].is_string()) return fail(why, "ts: must be an RFC 3339 string");
  std::string err;
  const auto ts = parse_timestamp(j["ts"].get<std::string>(), &err);
  if (!ts) return fail(why, "ts: " + err);
  p.ts = *ts;
  // JSON has no NaN literal; a null or string value is the non-finite case of a JSON client.
  if (!j.contains("value") || !j["value"].is_number())
    return fail(why, "value: must be a finite number");
  p.value = j["value"].get<double>();
  if (j.contains("confidence")) {
    if (!j["confidence"].is_number()) return fail(why, "confidence: must be a number in 0..1");
    p.confidence = j["confidence"].get<double>();
  }
  if (j.contains("meta")) {
    if (!j["meta"].is_object()) return fail(why, "meta: must be an object");
    p.meta = j["meta"];
  }
  if (j.contains("evidence") && !parse_evidence(j["evidence"], p.evidence, why))
    return std::nullopt;
  return p;
}

json PublishResult::to_json() const {
  json errs = json::array();
  for (const auto& e : errors) errs.push_back({{"index", e.index}, {"reason", e.reason}});
  return {{"accepted", accepted},
          {"stored", stored},
          {"unchanged", unchanged},
          {"rejected", rejected},
          {"errors", errs}};
}

}  // namespace usdcop::fstore
