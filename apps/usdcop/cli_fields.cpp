#include "cli_fields.hpp"

#include <array>
#include <utility>

namespace usdcop::cli {

namespace {

// Logical field -> CLI spelling. A field whose flag differs between commands stays out of the
// table and prints by its logical name.
constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kSpellings{{
    {"at", "--at"},
    {"backtest_id", "--backtest"},
    {"backtest_uuid", "UUID"},
    {"checklist", "--checklist"},
    {"comment", "--comment"},
    {"config_file", "--config"},
    {"date", "--date"},
    {"day", "DATE"},
    {"days", "--days"},
    {"from", "--from"},
    {"policy_file", "FILE"},
    {"policy_kind", "--kind"},
    {"reason", "--reason"},
    {"request_id", "REQUEST"},
    {"run_dir", "RUN_DIR"},
    {"scopes", "--scopes"},
    {"skip_staging_time", "--skip-staging-time"},
    {"split", "--split"},
    {"target_model_id", "--to"},
    {"time", "TIME"},
    {"to", "--to"},
    {"token_file", "--token-file"},
    {"token_label", "--name"},
    {"window", "--window"},
}};

}  // namespace

std::string cli_spelling(std::string_view field) {
  for (const auto& [logical, spelled] : kSpellings) {
    if (logical == field) return std::string(spelled);
  }
  return std::string(field);
}

std::string cli_error_message(std::string_view field, std::string_view message) {
  if (field.empty()) return std::string(message);
  return cli_spelling(field) + ": " + std::string(message);
}

}  // namespace usdcop::cli
