#pragma once
// What the live engine left in the database, for `ops status`: its watermarks (system.watermarks,
// the leader row among them), the open positions (trading.positions) and the number of dead
// letters not resolved.
#include <optional>
#include <string>
#include <vector>

#include "store/connection_pool.hpp"

namespace usdcop::store {

struct EngineWatermark {
  std::string name;
  std::optional<std::string> value;  // RFC 3339; none before the first event
  long epoch = 0;
  std::string holder;  // the leader row's holder ("" elsewhere)
};

struct EnginePosition {
  std::string account;
  double quantity = 0, units = 0, avg_price = 0, cash = 0, last_price = 0;
};

struct EngineStatus {
  std::vector<EngineWatermark> watermarks;  // by name
  std::vector<EnginePosition> positions;    // by account
  long dead_letters_open = 0;
};

// One read-only transaction.
EngineStatus read_engine_status(ConnectionPool& pool);

}  // namespace usdcop::store
