#include "trading/operations_mode.hpp"

namespace usdcop::trading {

const char* mode_name(OperationsMode m) {
  switch (m) {
    case OperationsMode::kNormal:
      return "NORMAL";
    case OperationsMode::kPaused:
      return "PAUSED";
    case OperationsMode::kKilled:
      return "KILLED";
  }
  return "KILLED";
}

std::optional<OperationsMode> parse_operations_mode(std::string_view text) {
  if (text == "NORMAL") return OperationsMode::kNormal;
  if (text == "PAUSED") return OperationsMode::kPaused;
  if (text == "KILLED") return OperationsMode::kKilled;
  return std::nullopt;
}

}  // namespace usdcop::trading
