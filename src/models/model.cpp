#include "models/model.hpp"

#include "core/error.hpp"

namespace usdcop::models {

namespace {
template <class T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
nlohmann::json opt_time(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}
nlohmann::json opt_date(const std::optional<Date>& d) {
  return d ? nlohmann::json(format_date(*d)) : nlohmann::json(nullptr);
}
}  // namespace

const char* to_string(ModelStatus s) {
  switch (s) {
    case ModelStatus::registered:
      return "registered";
    case ModelStatus::staging:
      return "staging";
    case ModelStatus::deployed:
      return "deployed";
    case ModelStatus::archived:
      return "archived";
    case ModelStatus::rejected:
      return "rejected";
  }
  return "?";
}

ModelStatus parse_model_status(const std::string& text) {
  for (auto s : {ModelStatus::registered, ModelStatus::staging, ModelStatus::deployed,
                 ModelStatus::archived, ModelStatus::rejected}) {
    if (text == to_string(s)) return s;
  }
  throw Error(
      ErrorKind::invalid_input,
      "status: '" + text + "' is not one of registered, staging, deployed, archived, rejected");
}

const char* to_string(Role r) {
  switch (r) {
    case Role::viewer:
      return "viewer";
    case Role::operator_:
      return "operator";
    case Role::admin:
      return "admin";
    case Role::system:
      return "system";
  }
  return "?";
}

Role parse_role(const std::string& text) {
  for (auto r : {Role::viewer, Role::operator_, Role::admin}) {
    if (text == to_string(r)) return r;
  }
  throw Error(ErrorKind::invalid_input, "'" + text + "' is not one of viewer, operator, admin",
              "role");
}

bool at_least(Role have, Role need) {
  auto rank = [](Role r) {
    switch (r) {
      case Role::viewer:
        return 0;
      case Role::operator_:
      case Role::system:
        return 1;
      case Role::admin:
        return 2;
    }
    return 0;
  };
  return rank(have) >= rank(need);
}

const char* to_string(Stage s) {
  return s == Stage::staging ? "staging" : "production";
}

Stage parse_stage(const std::string& text) {
  if (text == "staging") return Stage::staging;
  if (text == "production") return Stage::production;
  throw Error(ErrorKind::invalid_input, "stage: '" + text + "' is not staging or production");
}

nlohmann::json to_json(const ModelRecord& m) {
  return {{"model_id", m.model_id},
          {"version", m.version},
          {"status", to_string(m.status)},
          {"algorithm", m.algorithm},
          {"artifact_uri", m.artifact_uri},
          {"model_hash", m.model_hash},
          {"norm_stats_hash", m.norm_stats_hash},
          {"feature_order_hash", m.feature_order_hash},
          {"dataset_hash", m.dataset_hash},
          {"builder_version", m.builder_version},
          {"training_start", opt_date(m.training_start)},
          {"training_end", opt_date(m.training_end)},
          {"run_id", m.run_id},
          {"created_at", format_rfc3339(m.created_at)},
          {"staged_at", opt_time(m.staged_at)},
          {"deployed_at", opt_time(m.deployed_at)},
          {"archived_at", opt_time(m.archived_at)},
          {"was_production", m.was_production}};
}

nlohmann::json to_json(const BacktestSummary& b) {
  return {{"backtest_id", b.backtest_id},
          {"model_id", b.model_id},
          {"start_date", format_date(b.start_date)},
          {"end_date", format_date(b.end_date)},
          {"period_type", b.period_type},
          {"is_out_of_sample", b.out_of_sample},
          {"sharpe_ratio", opt(b.sharpe_ratio)},
          {"sortino_ratio", opt(b.sortino_ratio)},
          {"win_rate", opt(b.win_rate)},
          {"max_drawdown_pct", opt(b.max_drawdown_pct)},
          {"profit_factor", opt(b.profit_factor)},
          {"total_return_pct", opt(b.total_return_pct)},
          {"total_trades", opt(b.total_trades)},
          {"run_at", format_rfc3339(b.run_at)}};
}

}  // namespace usdcop::models
