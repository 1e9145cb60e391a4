#pragma once
// The regime history port (liq.regime_history, liq.regime_alerts); store::PgRegimeHistory
// implements it.
#include <optional>
#include <vector>

#include "liquidity/regime_engine.hpp"

namespace usdcop::liquidity {

struct StoredRegimeDay {
  RegimeDay day;
  Timestamp computed_at{};
};

struct HistoryWriteResult {
  long written = 0;
  std::vector<Date> new_alerts;  // flip alerts recorded (and notified) for the first time
};

class RegimeHistory {
 public:
  virtual ~RegimeHistory() = default;
  // Replaces the whole history with `days` in one transaction and records each flip alert
  // once (NOTIFY usdcop_alerts with flip_alert_payload when first recorded).
  virtual HistoryWriteResult replace(const std::vector<RegimeDay>& days) = 0;
  virtual std::optional<StoredRegimeDay> latest() = 0;
  virtual std::optional<StoredRegimeDay> at(Date date) = 0;
  virtual std::vector<StoredRegimeDay> range(Date from, Date to) = 0;  // inclusive
};

}  // namespace usdcop::liquidity
