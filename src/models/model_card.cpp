#include "models/model_card.hpp"

#include <sstream>

namespace usdcop::models {

namespace {

std::string num(const std::optional<double>& v, int digits = 3) {
  if (!v) return "—";
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(digits);
  os << *v;
  return os.str();
}

std::string pct(const std::optional<double>& v) {
  if (!v) return "—";
  return num(*v * 100.0, 2) + " %";
}

std::string cell(std::string s) {
  for (auto& c : s) {
    if (c == '|' || c == '\n') c = ' ';
  }
  return s;
}

std::string date_or_dash(const std::optional<Date>& d) {
  return d ? format_date(*d) : "—";
}

std::string time_or_dash(const std::optional<Timestamp>& t) {
  return t ? format_rfc3339(*t) : "—";
}

void hyperparameters(std::ostringstream& os, const nlohmann::json& j, const std::string& prefix) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items())
      hyperparameters(os, v, prefix.empty() ? k : prefix + "." + k);
  } else {
    os << "| " << cell(prefix) << " | " << cell(j.is_string() ? j.get<std::string>() : j.dump())
       << " |\n";
  }
}

// The card's sections, in order.
void identity_section(std::ostringstream& os, const ModelRecord& m) {
  os << "## Identity\n\n| field | value |\n|---|---|\n";
  os << "| model_id | " << m.model_id << " |\n| version | " << m.version << " |\n| status | "
     << to_string(m.status) << " |\n| algorithm | " << m.algorithm << " |\n| training run | "
     << (m.run_id.empty() ? "—" : m.run_id) << " |\n| artifacts | " << cell(m.artifact_uri)
     << " |\n| registered | " << format_rfc3339(m.created_at) << " |\n| staged | "
     << time_or_dash(m.staged_at) << " |\n| deployed | " << time_or_dash(m.deployed_at)
     << " |\n| archived | " << time_or_dash(m.archived_at) << " |\n| ever in production | "
     << (m.was_production ? "yes" : "no") << " |\n\n";
  os << "## Hashes\n\n| artifact | sha256 |\n|---|---|\n";
  os << "| model (actor.bin) | `" << m.model_hash << "` |\n| norm stats | `" << m.norm_stats_hash
     << "` |\n| feature order | `" << m.feature_order_hash << "` |\n| dataset | `"
     << (m.dataset_hash.empty() ? "—" : m.dataset_hash) << "` |\n\n";
}

void training_section(std::ostringstream& os, const ModelRecord& m) {
  os << "## Training data\n\n";
  os << "- Training split: " << date_or_dash(m.training_start) << " to "
     << date_or_dash(m.training_end) << "\n";
  const nlohmann::json run = m.config.value("run", nlohmann::json::object());
  if (run.contains("validation_start") && run["validation_start"].is_string())
    os << "- Validation split: " << run["validation_start"].get<std::string>() << " to "
       << run.value("validation_end", std::string("—")) << "\n";
  os << "- Feature builder version: " << m.builder_version << "\n";
  os << "- Dataset hash: " << (m.dataset_hash.empty() ? "—" : m.dataset_hash) << "\n\n";
  os << "## Hyperparameters\n\n";
  const nlohmann::json hp = m.config.value("hyperparameters", nlohmann::json());
  if (hp.is_object() && !hp.empty()) {
    os << "| parameter | value |\n|---|---|\n";
    hyperparameters(os, hp, "");
  } else {
    os << "No config.yaml was recorded with the run.\n";
  }
  if (run.contains("seed")) os << "\nSeed: " << run["seed"].dump() << "\n";
}

void backtests_section(std::ostringstream& os, const ModelCardData& d) {
  os << "\n## Backtest metrics\n\n";
  if (d.backtests.empty()) {
    os << "No backtest is stored for this model.\n";
  } else {
    os << "| backtest | period | range | out of sample | Sharpe | Sortino | win rate | max DD | "
          "profit factor | "
          "return | trades |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& b : d.backtests) {
      os << "| " << b.backtest_id.substr(0, 8) << " | " << b.period_type << " | "
         << format_date(b.start_date) << " – " << format_date(b.end_date) << " | "
         << (b.out_of_sample ? "yes" : "no") << " | " << num(b.sharpe_ratio) << " | "
         << num(b.sortino_ratio) << " | " << pct(b.win_rate) << " | " << pct(b.max_drawdown_pct)
         << " | " << num(b.profit_factor) << " | " << pct(b.total_return_pct) << " | "
         << (b.total_trades ? std::to_string(*b.total_trades) : "—") << " |\n";
    }
  }
}

void staging_section(std::ostringstream& os, const ModelCardData& d) {
  os << "\n## Staging performance\n\n";
  if (!d.shadow || d.shadow->inferences == 0) {
    os << "No shadow inferences are recorded for this model.\n";
  } else {
    os << "- Shadow inferences: " << d.shadow->inferences << " (errors: " << d.shadow->errors
       << ")\n";
    if (d.shadow->bars > 0) {
      os << "- Agreement with the production model: "
         << pct(static_cast<double>(d.shadow->agreeing) / static_cast<double>(d.shadow->bars))
         << " over " << d.shadow->bars << " paired bars\n";
    } else {
      os << "- Agreement with the production model: not enough shadow data (no paired bars)\n";
    }
  }
}

void requests_section(std::ostringstream& os, const ModelCardData& d) {
  if (!d.requests.empty()) {
    os << "\n## Promotion requests\n\n| request | stage | requested by | auto vote | manual vote | "
          "decision |\n"
          "|---|---|---|---|---|---|\n";
    for (const auto& r : d.requests) {
      os << "| " << r.request_id.substr(0, 8) << " | " << r.target_stage << " | "
         << cell(r.requested_by) << " | " << r.auto_vote_status << " | " << r.manual_vote_status
         << (r.manual_vote_by.empty() ? "" : " by " + cell(r.manual_vote_by)) << " | "
         << r.final_decision << " |\n";
    }
  }
}

void limitations_section(std::ostringstream& os, const ModelRecord& m) {
  os << "\n## Known limitations\n\n"
        "- Trained and evaluated on USD/COP 5-minute bars of the 08:00–12:55 COT session only; the "
        "2020–2022 history is close-only (flat bars), so intrabar features carry little "
        "information there.\n"
        "- Paper trading with modelled costs: live slippage and liquidity may differ from the "
        "backtest.\n"
        "- The policy sees 13 market features, its position and the time of day; events outside "
        "them "
        "(central-bank announcements, political news) are invisible to it.\n"
        "- Valid only with feature builder "
     << m.builder_version
     << " (same major version) and the recorded normalization statistics.\n"
        "\n## Risk factors\n\n"
        "- Dependence on the US dollar index (DXY) and oil (WTI/Brent): regime changes in these "
        "drivers "
        "shift the feature distribution (watch PSI > 0.2).\n"
        "- Dependence on timely macro data (as-of joins): late releases leave features stale.\n"
        "- Concentration in one currency pair; thin liquidity around Colombian and US holidays.\n"
        "- Model age: retrain after 90 days, or when the live Sharpe stays below 0.5 for 7 days.\n";
}

void history_section(std::ostringstream& os, const ModelCardData& d) {
  os << "\n## Change history (audit log)\n\n";
  if (d.history.empty()) {
    os << "No audit rows.\n";
  } else {
    os << "| at | actor | role | action | from | to | reason |\n|---|---|---|---|---|---|---|\n";
    for (const auto& e : d.history) {
      os << "| " << format_rfc3339(e.at) << " | " << cell(e.actor) << " | " << cell(e.role) << " | "
         << cell(e.action) << " | " << cell(e.from_state) << " | " << cell(e.to_state) << " | "
         << cell(e.reason) << " |\n";
    }
  }
}

}  // namespace

std::string render_model_card(const ModelCardData& d) {
  const ModelRecord& m = d.model;
  std::ostringstream os;
  os << "# Model card: " << m.model_id << "\n\n";
  os << "Generated " << format_rfc3339(d.generated_at)
     << " from the model registry, the stored backtests and "
     << "the audit log.\n\n";
  identity_section(os, m);
  training_section(os, m);
  backtests_section(os, d);
  staging_section(os, d);
  requests_section(os, d);
  limitations_section(os, m);
  history_section(os, d);
  return os.str();
}

}  // namespace usdcop::models
