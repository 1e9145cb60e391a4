#include "app/trading_reads.hpp"

#include <algorithm>
#include <cctype>

#include "app/operations.hpp"
#include "app/services.hpp"
#include "core/error.hpp"

namespace usdcop::app {

namespace {

void check_account_request(const AccountReadRequest& r) {
  if (r.limit < 1 || r.limit > kMaxReadLimit)
    throw Error(ErrorKind::invalid_input, "limit: between 1 and " + std::to_string(kMaxReadLimit),
                "limit");
  if (r.to <= r.from) throw Error(ErrorKind::invalid_input, "to: must be after from", "to");
}

store::AccountQuery query_of(const AccountReadRequest& r) {
  return {r.from, r.to, r.model_id, r.account, r.limit};
}

}  // namespace

std::vector<store::SignalRecord> list_signals(Services& services,
                                              const SignalReadRequest& request) {
  check_account_request(request);
  if (!request.role.empty() && request.role != "production" && request.role != "shadow")
    throw Error(ErrorKind::invalid_input, "role: production or shadow", "role");
  return store::PgTradingReads(services.pool()).signals(query_of(request), request.role);
}

std::vector<store::PositionRecord> list_positions(Services& services, const std::string& account) {
  return store::PgTradingReads(services.pool()).positions(account);
}

std::vector<store::TradeRecord> list_trades(Services& services, const AccountReadRequest& request) {
  check_account_request(request);
  return store::PgTradingReads(services.pool()).trades(query_of(request));
}

std::vector<store::DailyPnlRecord> daily_pnl(Services& services, const DailyPnlRequest& request) {
  if (request.to < request.from)
    throw Error(ErrorKind::invalid_input, "to: must not be before from", "to");
  if (request.to - request.from > std::chrono::days(366))
    throw Error(ErrorKind::invalid_input, "from: at most 366 days before to", "from");
  return store::PgTradingReads(services.pool())
      .daily_pnl(request.from, request.to, request.account);
}

EngineStatus engine_status(Services& services) {
  auto stored = store::PgTradingReads(services.pool()).engine_status();
  EngineStatus s;
  s.leader_alive = stored.leader_lock_held;
  s.dead_letters = std::move(stored.dead_letters);
  for (const auto& w : stored.watermarks) {
    if (w.name == "leader") {
      s.leader_epoch = w.epoch;
      s.leader_holder = w.holder;
      // The leader row is written when an engine takes the lock; before that it is the
      // migration's placeholder (epoch 0), not progress.
      if (w.epoch == 0) continue;
    }
    if (!s.last_progress_at || w.updated_at > *s.last_progress_at)
      s.last_progress_at = w.updated_at;
  }
  s.watermarks = std::move(stored.watermarks);
  if (s.last_progress_at)
    s.progress_age_seconds =
        std::chrono::duration<double>(stored.database_now - *s.last_progress_at).count();
  s.mode = operations_mode(services).mode;
  std::transform(s.mode.begin(), s.mode.end(), s.mode.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace usdcop::app
