#include "model_render.hpp"

#include <iomanip>
#include <optional>
#include <sstream>

namespace usdcop::cli {

namespace {

std::string opt_num(const std::optional<double>& v) {
  if (!v) return "—";
  std::ostringstream os;
  os << std::fixed << std::setprecision(3) << *v;
  return os.str();
}

void model_line(std::ostream& out, const models::ModelRecord& m) {
  out << std::left << std::setw(28) << m.model_id << " v" << std::setw(4) << m.version << " "
      << std::setw(11) << models::to_string(m.status) << " " << m.model_hash.substr(0, 12) << "  "
      << format_rfc3339(m.created_at) << (m.was_production ? "  (was production)" : "") << "\n";
}

nlohmann::json target_json(const store::RollbackTarget& t) {
  return {{"model", models::to_json(t.model)},
          {"current", t.current},
          {"recommended", t.recommended},
          {"backtest", t.backtest ? models::to_json(*t.backtest) : nlohmann::json(nullptr)}};
}

}  // namespace

void render_text(std::ostream& out, const std::vector<models::ModelRecord>& list) {
  if (list.empty()) out << "no models\n";
  for (const auto& m : list) model_line(out, m);
}

nlohmann::json render_json(const std::vector<models::ModelRecord>& list) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& m : list) j.push_back(models::to_json(m));
  return j;
}

nlohmann::json render_json(const app::ModelDetails& d) {
  nlohmann::json j = models::to_json(d.model);
  j["config"] = d.model.config;
  j["backtests"] = nlohmann::json::array();
  for (const auto& b : d.backtests) j["backtests"].push_back(models::to_json(b));
  return j;
}

void render_text(std::ostream& out, const app::ModelDetails& d) {
  const auto j = render_json(d);
  for (const auto& [k, v] : j.items()) {
    if (k == "config" || k == "backtests") continue;
    out << std::left << std::setw(20) << k << (v.is_string() ? v.get<std::string>() : v.dump())
        << "\n";
  }
  out << "backtests:\n";
  for (const auto& b : d.backtests) {
    out << "  " << b.backtest_id << "  " << b.period_type << " " << format_date(b.start_date)
        << ".." << format_date(b.end_date) << "  sharpe " << opt_num(b.sharpe_ratio) << "  win "
        << opt_num(b.win_rate) << "  maxDD " << opt_num(b.max_drawdown_pct) << "\n";
  }
}

void render_text(std::ostream& out, const std::vector<store::RollbackTarget>& targets) {
  if (targets.empty()) out << "no production model\n";
  for (const auto& t : targets) {
    out << (t.current       ? "current     "
            : t.recommended ? "recommended "
                            : "            ")
        << std::left << std::setw(28) << t.model.model_id << " v" << std::setw(4)
        << t.model.version;
    if (t.backtest) {
      out << " sharpe " << opt_num(t.backtest->sharpe_ratio) << " win "
          << opt_num(t.backtest->win_rate) << " maxDD " << opt_num(t.backtest->max_drawdown_pct);
    } else {
      out << " (no backtest)";
    }
    out << "\n";
  }
}

nlohmann::json render_json(const std::vector<store::RollbackTarget>& targets) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& t : targets) j.push_back(target_json(t));
  return j;
}

void render_text(std::ostream& out, const models::ModelRecord& m) {
  out << "registered " << m.model_id << " as version " << m.version << " (model_hash "
      << m.model_hash << ")\n";
}

nlohmann::json render_json(const models::ModelRecord& m) {
  return models::to_json(m);
}

void render_text(std::ostream& out, const app::RollbackOutcome& o) {
  out << "rolled back " << o.result.previous_model << " -> " << o.result.new_model << " in "
      << std::fixed << std::setprecision(1) << o.result.rollback_time_ms << " ms\n";
}

nlohmann::json render_json(const app::RollbackOutcome& o) {
  return {{"success", true},
          {"previous_model", o.result.previous_model},
          {"new_model", o.result.new_model},
          {"rollback_time_ms", o.result.rollback_time_ms},
          {"request_id", o.request_id}};
}

void render_text(std::ostream& out, const app::ModelReloadOutcome& o) {
  for (const auto& m : o.models)
    out << "verified " << m.model_id << " v" << m.version << " (" << m.status << ") "
        << m.model_hash.substr(0, 16) << "…\n";
  if (o.models.empty()) out << "no deployed or staging model\n";
  out << (o.engines_notified ? "running engines reload them before their next bar\n"
                             : "no deployed model: nothing to tell the engines\n");
}

void render_lineage_text(std::ostream& out, const nlohmann::json& l) {
  auto s = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  out << "model " << s(l["model_id"]) << "\n";
  out << "  data        training " << s(l["data"]["training_start"]) << " .. "
      << s(l["data"]["training_end"]) << ", validation " << s(l["data"]["validation_start"])
      << " .. " << s(l["data"]["validation_end"]) << "\n";
  out << "  builder     " << s(l["feature_builder"]["builder_version"]) << " (feature order "
      << s(l["feature_builder"]["feature_order_hash"]).substr(0, 16) << "…)\n";
  out << "  dataset     " << s(l["dataset"]["dataset_hash"]) << "\n";
  out << "  run         " << s(l["run"]["run_id"]);
  if (l["run"].contains("experiment"))
    out << " (" << s(l["run"]["experiment"]) << ", " << s(l["run"]["status"]) << ")";
  out << "\n  model       v" << s(l["model"]["version"]) << " " << s(l["model"]["status"])
      << " model_hash " << s(l["model"]["model_hash"]) << "\n              norm_stats_hash "
      << s(l["model"]["norm_stats_hash"]) << "\n";
  for (const auto& b : l["backtests"])
    out << "  backtest    " << s(b["backtest_id"]) << " " << s(b["period_type"]) << " "
        << s(b["start_date"]) << ".." << s(b["end_date"]) << " sharpe " << s(b["sharpe_ratio"])
        << "\n";
  for (const auto& r : l["promotion_requests"])
    out << "  promotion   " << s(r["request_id"]) << " -> " << s(r["target_stage"]) << ": "
        << s(r["final_decision"]) << " (auto " << s(r["auto_vote_status"]) << ", manual "
        << s(r["manual_vote_status"]) << ")\n";
  for (const auto& d : l["deployments"])
    out << "  deployment  " << s(d["at"]) << " " << s(d["from_state"]) << " -> " << s(d["to_state"])
        << " by " << s(d["actor"]) << " (" << s(d["action"]) << ")\n";
  out << "  inferences  " << s(l["inferences"]["total"]) << " (production "
      << s(l["inferences"]["production"]) << "), trades " << s(l["inferences"]["trades"]) << "\n";
}

}  // namespace usdcop::cli
