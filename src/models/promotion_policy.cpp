#include "models/promotion_policy.hpp"

#include <algorithm>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "models/promotion_rules.hpp"

namespace usdcop::models {

namespace {

StageThresholds read_stage(const YAML::Node& root, const std::string& stage, bool production) {
  const std::string where = "promotion.yaml:" + stage;
  const YAML::Node node = root[stage];
  if (!node || !node.IsMap()) throw Error(ErrorKind::invalid_input, where + ": missing section");
  StageThresholds t;
  t.sharpe_ratio = require<double>(node, "sharpe_ratio", where);
  t.win_rate = require<double>(node, "win_rate", where);
  t.max_drawdown_pct = require<double>(node, "max_drawdown_pct", where);
  t.total_trades = require<int>(node, "total_trades", where);
  t.require_out_of_sample = value_or<bool>(node, "require_out_of_sample", true, where);
  if (production) {
    t.profit_factor = require<double>(node, "profit_factor", where);
    t.min_days_in_staging = require<double>(node, "min_days_in_staging", where);
    t.min_shadow_agreement = require<double>(node, "min_shadow_agreement", where);
    t.min_shadow_bars = require<int>(node, "min_shadow_bars", where);
  }
  if (t.win_rate < 0 || t.win_rate > 1)
    throw Error(ErrorKind::invalid_input, where + ".win_rate: must be in [0, 1]");
  if (t.max_drawdown_pct > 0)
    throw Error(ErrorKind::invalid_input,
                where + ".max_drawdown_pct: must be <= 0 (a drawdown is negative)");
  return t;
}

nlohmann::json number_or_null(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

GateResult min_gate(const std::string& gate, const std::optional<double>& value, double threshold) {
  GateResult g{gate, number_or_null(value), threshold, false, ""};
  if (!value) {
    g.note = "the backtest has no " + gate;
  } else {
    g.passed = *value >= threshold;
  }
  return g;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

PromotionThresholds default_promotion_thresholds() {
  PromotionThresholds t;
  t.staging = {0.5, 0.45, -0.15, 50, std::nullopt, std::nullopt, std::nullopt, 0, true};
  t.production = {1.0, 0.50, -0.10, 100, 1.5, 7.0, 0.85, 100, true};
  return t;
}

PromotionThresholds parse_promotion_thresholds(const std::string& yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::invalid_input,
                std::string("promotion.yaml: not valid YAML: ") + e.what());
  }
  return {read_stage(root, "staging", false), read_stage(root, "production", true),
          read_reference_backtest(root)};
}

PromotionThresholds load_promotion_thresholds() {
  const YAML::Node root = load_config_file("promotion.yaml");
  return {read_stage(root, "staging", false), read_stage(root, "production", true),
          read_reference_backtest(root)};
}

nlohmann::json to_json(const PromotionThresholds& t) {
  auto stage = [](const StageThresholds& s) {
    nlohmann::json j{{"sharpe_ratio", s.sharpe_ratio},
                     {"win_rate", s.win_rate},
                     {"max_drawdown_pct", s.max_drawdown_pct},
                     {"total_trades", s.total_trades},
                     {"require_out_of_sample", s.require_out_of_sample}};
    if (s.profit_factor) j["profit_factor"] = *s.profit_factor;
    if (s.min_days_in_staging) j["min_days_in_staging"] = *s.min_days_in_staging;
    if (s.min_shadow_agreement) {
      j["min_shadow_agreement"] = *s.min_shadow_agreement;
      j["min_shadow_bars"] = s.min_shadow_bars;
    }
    return j;
  };
  nlohmann::json j{{"staging", stage(t.staging)}, {"production", stage(t.production)}};
  if (t.reference) j["reference_backtest"] = to_json(*t.reference);
  return j;
}

nlohmann::json AutoVote::details() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& g : gates) {
    nlohmann::json e{{"value", g.value}, {"threshold", g.threshold}, {"passed", g.passed}};
    if (!g.note.empty()) e["note"] = g.note;
    j[g.gate] = e;
  }
  return j;
}

std::vector<std::string> AutoVote::failed_gates() const {
  std::vector<std::string> out;
  for (const auto& g : gates) {
    if (!g.passed) out.push_back(g.gate);
  }
  return out;
}

AutoVote compute_auto_vote(Stage stage, const BacktestSummary& bt,
                           const PromotionThresholds& thresholds,
                           const std::optional<Date>& training_end, const ProductionFacts& facts,
                           const std::optional<ReferenceConfig>& reference) {
  const StageThresholds& t = thresholds.for_stage(stage);
  AutoVote vote;
  vote.gates.push_back(min_gate("sharpe_ratio", bt.sharpe_ratio, t.sharpe_ratio));
  vote.gates.push_back(min_gate("win_rate", bt.win_rate, t.win_rate));
  vote.gates.push_back(min_gate("max_drawdown_pct", bt.max_drawdown_pct, t.max_drawdown_pct));
  std::optional<double> trades;
  if (bt.total_trades) trades = static_cast<double>(*bt.total_trades);
  vote.gates.push_back(min_gate("total_trades", trades, static_cast<double>(t.total_trades)));
  if (t.profit_factor) {
    // ml.backtest_results stores NULL when no trade lost: an unbounded profit factor passes.
    GateResult g{"profit_factor", number_or_null(bt.profit_factor), *t.profit_factor, true, ""};
    if (bt.profit_factor) {
      g.passed = *bt.profit_factor >= *t.profit_factor;
    } else if (bt.total_trades.value_or(0) > 0) {
      g.note = "no losing trade (unbounded)";
    } else {
      g.passed = false;
      g.note = "no trades";
    }
    vote.gates.push_back(g);
  }
  if (t.require_out_of_sample) {
    GateResult g{"out_of_sample", bt.out_of_sample, true, bt.out_of_sample, ""};
    if (bt.out_of_sample && training_end && bt.start_date <= *training_end) {
      g.passed = false;
      g.note = "the backtest starts " + format_date(bt.start_date) +
               ", inside the training range ending " + format_date(*training_end);
    }
    vote.gates.push_back(g);
  }
  if (reference) vote.gates.push_back(reference_config_gate(bt.config, *reference));
  if (stage == Stage::production) {
    if (t.min_days_in_staging) {
      GateResult g{"days_in_staging", number_or_null(facts.days_in_staging), *t.min_days_in_staging,
                   false, ""};
      if (facts.skip_staging_time) {
        g.passed = true;
        g.note = "skipped by an admin (skip_staging_time)";
      } else if (!facts.days_in_staging) {
        g.note = "the model was never in staging";
      } else {
        g.passed = *facts.days_in_staging >= *t.min_days_in_staging;
      }
      vote.gates.push_back(g);
    }
    if (t.min_shadow_agreement) {
      GateResult g{"shadow_agreement", nullptr, *t.min_shadow_agreement, false, ""};
      if (!facts.production_exists) {
        g.passed = true;
        g.note = "no production model to compare with";
      } else if (facts.shadow_bars < std::max<long>(1, t.min_shadow_bars)) {
        std::ostringstream os;
        os << "not enough shadow data: " << facts.shadow_bars << " paired bars, "
           << t.min_shadow_bars << " needed";
        g.note = os.str();
        if (facts.shadow_bars > 0)
          g.value =
              static_cast<double>(facts.shadow_agreeing) / static_cast<double>(facts.shadow_bars);
      } else {
        const double agreement =
            static_cast<double>(facts.shadow_agreeing) / static_cast<double>(facts.shadow_bars);
        g.value = agreement;
        g.passed = agreement >= *t.min_shadow_agreement;
      }
      vote.gates.push_back(g);
    }
  }
  vote.passed = std::all_of(vote.gates.begin(), vote.gates.end(),
                            [](const GateResult& g) { return g.passed; });
  return vote;
}

void apply_checklist(const std::string& list, ManualVote& vote) {
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    if (item == "backtest_reviewed") {
      vote.backtest_reviewed = true;
    } else if (item == "metrics_acceptable") {
      vote.metrics_acceptable = true;
    } else if (item == "team_notified") {
      vote.team_notified = true;
    } else {
      throw Error(ErrorKind::invalid_input,
                  "unknown item '" + item +
                      "' (items: backtest_reviewed, metrics_acceptable, team_notified)",
                  "checklist");
    }
  }
}

const char* to_string(FinalDecision d) {
  switch (d) {
    case FinalDecision::pending:
      return "pending";
    case FinalDecision::promoted:
      return "promoted";
    case FinalDecision::rejected:
      return "rejected";
    case FinalDecision::override_promoted:
      return "override_promoted";
  }
  return "?";
}

void validate_reason(const std::string& reason, const char* field) {
  require_reason(reason, field, kMinReasonLength);
}

FinalDecision decide_production(const std::string& requested_by, bool auto_passed,
                                const ManualVote& vote) {
  return judge_manual_vote(requested_by, auto_passed, vote).value();
}

}  // namespace usdcop::models
