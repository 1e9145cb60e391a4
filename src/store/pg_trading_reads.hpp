#pragma once
// Reads of the paper account the live engine writes (migration 0018) for the API and the CLI:
// decisions (trading.model_inferences), positions, trades (fills with their orders), daily PnL
// (equity snapshots) and the engine's status (watermarks, the leader lock, the dead letters).
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

struct SignalRecord {
  Timestamp time{};
  std::string model_id, role, account, mode, rule, error;
  double action = 0;
  int signal = 0;  // -1, 0, 1
  std::optional<double> latency_us, position_before, position_after;
};
nlohmann::json to_json(const SignalRecord& s);

struct PositionRecord {
  std::string account, symbol, model_id;
  double quantity = 0, units = 0, avg_price = 0, cash = 0, realized_pnl = 0, costs = 0;
  std::optional<double> last_price;
  std::optional<Timestamp> opened_at, last_bar;
  Timestamp updated_at{};
};
nlohmann::json to_json(const PositionRecord& p);

struct TradeRecord {
  long fill_id = 0, order_id = 0;
  std::string account, model_id, side, source, reason;
  Timestamp time{};
  double quantity = 0, price = 0, cost = 0, position_after = 0;
};
nlohmann::json to_json(const TradeRecord& t);

struct DailyPnlRecord {
  Date date{};  // COT calendar day
  std::string account;
  double start_equity = 0, end_equity = 0, pnl = 0, realized_pnl = 0, costs = 0;
  long bars = 0;
};
nlohmann::json to_json(const DailyPnlRecord& d);

struct WatermarkRecord {
  std::string name, holder;
  std::optional<Timestamp> value;
  long epoch = 0;
  Timestamp updated_at{};
};

struct EngineStatusRecord {
  std::vector<WatermarkRecord> watermarks;   // leader, L1, L5
  bool leader_lock_held = false;             // a session holds the engine's advisory lock
  std::map<std::string, long> dead_letters;  // by status
  Timestamp database_now{};
};

struct AccountQuery {
  Timestamp from{}, to{};  // from <= time < to
  std::string model_id;    // empty: any
  std::string account;     // empty: any
  long limit = 1000;
};

class PgTradingReads {
 public:
  explicit PgTradingReads(ConnectionPool& pool) : pool_(pool) {}
  // Newest first; `role` production | shadow, empty: both.
  std::vector<SignalRecord> signals(const AccountQuery& q, const std::string& role);
  std::vector<PositionRecord> positions(const std::string& account);
  std::vector<TradeRecord> trades(const AccountQuery& q);  // newest first
  // COT days of [from, to] (inclusive dates), oldest first.
  std::vector<DailyPnlRecord> daily_pnl(Date from, Date to, const std::string& account);
  EngineStatusRecord engine_status();

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
