#pragma once
// FeaturePoint (spec 10): one value of one feature at one instant, with its audit evidence,
// and the per-index outcome of a publish batch.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace usdcop::fstore {

struct Evidence {
  std::string source, ref;
  Timestamp ts{};
};

struct FeaturePoint {
  std::string feature_id;
  Timestamp ts{};
  double value = 0;
  double confidence = 1;  // 0..1
  nlohmann::json meta = nlohmann::json::object();
  std::vector<Evidence> evidence;

  // {"featureId", "ts" (RFC 3339), "value", "confidence", "meta", "evidence"}.
  nlohmann::json to_json() const;
};

nlohmann::json evidence_to_json(const std::vector<Evidence>& evidence);
std::vector<Evidence> evidence_from_json(const nlohmann::json& j);  // lenient: stored data

// Parses one element of a publish body; on failure returns nullopt and sets *why to a reason
// naming the field (the per-index error of the batch).
std::optional<FeaturePoint> point_from_json(const nlohmann::json& j, std::string* why);

struct PublishError {
  std::size_t index = 0;
  std::string reason;
};

// POST /publish's answer: accepted counts stored + unchanged (identical re-publication).
struct PublishResult {
  long accepted = 0;
  long stored = 0;     // newly written rows
  long unchanged = 0;  // identical to a stored point (idempotent re-publication)
  long rejected = 0;
  std::vector<PublishError> errors;  // by ascending index
  nlohmann::json to_json() const;
};

}  // namespace usdcop::fstore
