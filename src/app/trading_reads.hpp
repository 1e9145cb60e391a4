#pragma once
// Read use cases over the paper account the live engine writes (spec 07, 12): decisions
// ("signals"), positions, trades, daily PnL, and the engine's status (watermarks, leader lock,
// progress age, dead letters, mode). Viewers may read them all (the doors check the role).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/pg_trading_reads.hpp"

namespace usdcop::app {

class Services;

inline constexpr long kMaxReadLimit = 10000;

struct AccountReadRequest {
  Timestamp from{}, to{};  // from <= time < to
  std::string model_id;    // empty: any
  std::string account;     // empty: any
  long limit = 1000;       // 1..kMaxReadLimit, field "limit"
};

struct SignalReadRequest : AccountReadRequest {
  std::string role;  // production | shadow, empty: both (field "role")
};
// Newest first.
std::vector<store::SignalRecord> list_signals(Services& services, const SignalReadRequest& request);
std::vector<store::PositionRecord> list_positions(Services& services, const std::string& account);
// Fills with their orders, newest first.
std::vector<store::TradeRecord> list_trades(Services& services, const AccountReadRequest& request);

struct DailyPnlRequest {
  Date from{}, to{};    // COT days, inclusive; at most 366 days (field "from")
  std::string account;  // empty: every account
};
std::vector<store::DailyPnlRecord> daily_pnl(Services& services, const DailyPnlRequest& request);

struct EngineStatus {
  long leader_epoch = 0;
  std::string leader_holder;  // host:pid of the engine that last took the lock
  bool leader_alive = false;  // a session holds the leader lock now
  std::vector<store::WatermarkRecord> watermarks;
  // The newest watermark write (leader claim, L1 or L5): the engine's last sign of progress.
  // The 60 s system_heartbeat NOTIFY is not stored, so this stands in for the heartbeat age.
  std::optional<Timestamp> last_progress_at;
  std::optional<double> progress_age_seconds;  // database now - last_progress_at
  std::map<std::string, long> dead_letters;    // by status
  std::string mode;                            // operations mode, lowercase
};
EngineStatus engine_status(Services& services);

}  // namespace usdcop::app
