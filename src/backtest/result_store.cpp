#include "backtest/result_store.hpp"

#include "backtest/signature.hpp"
#include "core/error.hpp"

namespace usdcop::backtest {

bool is_out_of_sample(Date from, Date to, std::optional<Date> training_start,
                      std::optional<Date> training_end) {
  if (!training_start || !training_end) return false;
  return to < *training_start || from > *training_end;
}

std::string recompute_signature(const BacktestRecord& r) {
  if (r.signature_version == 1) return signature_v1(r.trades);
  if (r.signature_version == 2)
    return signature_v2(
        {r.model_hash, r.builder_version, r.feature_order_hash, r.bar_range, r.config},
        {r.trades, r.metrics, r.equity_curve, r.daily_returns});
  throw Error(ErrorKind::invalid_input,
              "signature_version: " + std::to_string(r.signature_version) + " is not 1 or 2");
}

}  // namespace usdcop::backtest
