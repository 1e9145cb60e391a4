#pragma once
// The model card of spec 05 (Markdown): identity, hashes, training data range and dataset
// hash, hyperparameters, backtest metrics (validation and test), staging performance, known
// limitations, risk factors and the change history from the audit log.
#include <optional>
#include <string>
#include <vector>

#include "models/audit_entry.hpp"
#include "models/model.hpp"
#include "models/promotion_request.hpp"

namespace usdcop::models {

struct ShadowStats {
  long bars = 0;        // bars with both this model's and the production model's inference
  long agreeing = 0;    // of those, bars with the same signal
  long inferences = 0;  // this model's inference rows
  long errors = 0;      // of those, rows with an error
};

struct ModelCardData {
  ModelRecord model;
  std::vector<BacktestSummary> backtests;  // newest first
  std::vector<PromotionRequest> requests;  // newest first
  std::vector<AuditEntry> history;         // oldest first
  std::optional<ShadowStats> shadow;
  Timestamp generated_at{};
};

std::string render_model_card(const ModelCardData& data);

}  // namespace usdcop::models
