#include "backtest/result_store.hpp"

namespace usdcop::backtest {

bool is_out_of_sample(Date from, Date to, std::optional<Date> training_start,
                      std::optional<Date> training_end) {
  if (!training_start || !training_end) return false;
  return to < *training_start || from > *training_end;
}

}  // namespace usdcop::backtest
