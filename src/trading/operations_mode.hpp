#pragma once
// The operations mode (spec 06) as the trading code sees it: a read-only view. The risk
// manager asks it before every decision. NORMAL trades; PAUSED allows exits only; KILLED does
// nothing. A view that cannot read the mode must answer KILLED (fail closed).
// store::PgOperationsMode reads trading.operations_state; the backtest uses a fixed mode.
#include <optional>
#include <string_view>

namespace usdcop::trading {

enum class OperationsMode { kNormal, kPaused, kKilled };

const char* mode_name(OperationsMode m);  // "NORMAL" | "PAUSED" | "KILLED"
std::optional<OperationsMode> parse_operations_mode(std::string_view text);

class OperationsModeView {
 public:
  virtual ~OperationsModeView() = default;
  // Never throws: an unreadable mode is KILLED.
  virtual OperationsMode current() const noexcept = 0;
};

class FixedOperationsMode final : public OperationsModeView {
 public:
  explicit FixedOperationsMode(OperationsMode m = OperationsMode::kNormal) : mode_(m) {}
  OperationsMode current() const noexcept override { return mode_; }
  void set(OperationsMode m) { mode_ = m; }

 private:
  OperationsMode mode_;
};

}  // namespace usdcop::trading
