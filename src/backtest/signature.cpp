#include "backtest/signature.hpp"

#include "core/sha256.hpp"

namespace usdcop::backtest {
namespace {
// PostgreSQL numeric has no negative zero: normalize it so the jsonb round trip is exact.
double num(double x) {
  return x == 0 ? 0.0 : x;
}
}  // namespace

nlohmann::json trades_to_json(std::span<const trading::Trade> trades) {
  auto arr = nlohmann::json::array();
  for (const auto& t : trades) {
    arr.push_back({{"id", t.id},
                   {"side", t.side > 0 ? "long" : "short"},
                   {"entry_time", format_rfc3339(t.entry_time)},
                   {"exit_time", format_rfc3339(t.exit_time)},
                   {"entry_price", num(t.entry_price)},
                   {"exit_price", num(t.exit_price)},
                   {"quantity", num(t.quantity)},
                   {"bars_held", t.bars_held},
                   {"gross_pnl", num(t.gross_pnl)},
                   {"costs", num(t.costs)},
                   {"net_pnl", num(t.net_pnl)},
                   {"return_pct", num(t.return_pct)},
                   {"exit_reason", trading::exit_reason_name(t.exit_reason)}});
  }
  return arr;
}

nlohmann::json equity_to_json(std::span<const EquityPoint> equity) {
  auto arr = nlohmann::json::array();
  for (const auto& p : equity)
    arr.push_back({format_rfc3339(p.time), num(p.equity), num(p.position)});
  return arr;
}

std::string canonical_json(const nlohmann::json& j) {
  // nlohmann::json objects are std::map-backed: dump() already sorts keys.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

std::string trades_signature(const nlohmann::json& trades) {
  return sha256_hex(canonical_json(trades));
}

}  // namespace usdcop::backtest
