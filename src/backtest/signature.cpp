#include "backtest/signature.hpp"

#include "core/canonical_json.hpp"
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

nlohmann::json signed_document(const SignatureInputs& in, const SignedResult& r) {
  return {{"inputs",
           {{"model_hash", in.model_hash},
            {"builder_version", in.builder_version},
            {"feature_order_hash", in.feature_order_hash},
            {"bar_range", in.bar_range},
            {"config", in.config}}},
          {"trades", r.trades},
          {"metrics", r.metrics},
          {"equity_curve", r.equity_curve},
          {"daily_returns", r.daily_returns}};
}

std::string signature_v2(const SignatureInputs& inputs, const SignedResult& result) {
  return canonical_json_sha256(signed_document(inputs, result));
}

std::string signature_v1(const nlohmann::json& trades) {
  // The v1 rule exactly as it was: nlohmann's dump (std::map keys, its own number format).
  return sha256_hex(trades.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict));
}

}  // namespace usdcop::backtest
