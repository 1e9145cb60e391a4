#pragma once
// Reading trading.risk_events (spec 06: every risk veto with its rule and values; written by
// the backtest store and the live engine) for the API's GET /risk-events.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

struct RiskEventRecord {
  long id = 0;
  Timestamp time{};
  std::string model_id, rule, action, source;
  nlohmann::json details = nlohmann::json::object();
};
nlohmann::json to_json(const RiskEventRecord& e);

struct RiskEventQuery {
  Timestamp from{}, to{};  // from <= time < to
  std::string model_id;    // empty: any
  std::string rule;        // empty: any
  std::string source;      // live | backtest; empty: any
  long limit = 1000;
};

class PgRiskEvents {
 public:
  explicit PgRiskEvents(ConnectionPool& pool) : pool_(pool) {}
  // Newest first.
  std::vector<RiskEventRecord> list(const RiskEventQuery& q);

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
