#include "app/model_source.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "app/services.hpp"
#include "core/error.hpp"
#include "market/data_check.hpp"
#include "store/pg_feature_store.hpp"
#include "store/pg_macro_store.hpp"
#include "store/pg_policies.hpp"

namespace usdcop::app {

ModelSource resolve_model(const std::string& arg, backtest::BacktestResultStore* store) {
  ModelSource s;
  std::filesystem::path dir;
  std::string registered_hash;
  if (std::filesystem::is_directory(arg)) {
    dir = arg;
  } else {
    if (store == nullptr)
      throw Error(ErrorKind::not_found, "model: '" + arg + "' is not a run directory");
    auto m = store->find_model(arg);
    if (!m)
      throw Error(
          ErrorKind::not_found,
          "model: '" + arg + "' is neither a run directory nor a model_id in ml.model_registry");
    std::string uri = m->artifact_uri;
    if (uri.rfind("file://", 0) == 0) uri = uri.substr(7);
    dir = uri;
    s.registered = true;
    registered_hash = m->model_hash;
    s.model_id = m->model_id;
    s.model_version = std::to_string(m->version);
    s.training_start = m->training_start;
    s.training_end = m->training_end;
  }
  s.bundle = trading::load_policy_bundle(dir);
  if (s.registered && s.bundle.run.model_hash != registered_hash) {
    // load_policy_bundle checked the files against run.json; a run.json rewritten after the
    // registration must not make another actor pass for the registered model (spec 12).
    throw Error(ErrorKind::integrity, "actor.bin of " + s.model_id + " hashes to " +
                                          s.bundle.run.model_hash + ", not the registered " +
                                          registered_hash);
  }
  if (!s.registered) s.model_id = s.bundle.run.run_id;
  if (!s.training_start) s.training_start = s.bundle.run.training_start;
  if (!s.training_end) s.training_end = s.bundle.run.training_end;
  return s;
}

trading::TradingConfig trading_config_for(const ModelSource& model) {
  return trading_config_for(model, trading::load_trading_config());
}

ProfilesInForce profiles_for(Services& services, const ModelSource& model) {
  ProfilesInForce p;
  nlohmann::json risk_source, trading_source;
  if (model.registered) {
    auto& pool = services.pool();
    p.risk = store::active_risk_profile(pool, &risk_source);
    p.trading = trading_config_for(model, store::active_trading_config(pool, &trading_source));
  } else {
    p.risk = trading::load_risk_profile();
    p.trading = trading_config_for(model);
    risk_source = {{"source", "file config/risk.yaml (a bare run directory)"}};
    trading_source = {{"source", "file config/trading.yaml (a bare run directory)"}};
  }
  risk_source["risk_profile_sha256"] = trading::risk_profile_sha256(p.risk);
  p.policies = {{"risk", risk_source}, {"trading", trading_source}};
  return p;
}

trading::TradingConfig trading_config_for(const ModelSource& model, trading::TradingConfig base) {
  auto config = base;
  config.thresholds = trained_thresholds(model.bundle.run, base.thresholds);
  return config;
}

trading::SignalThresholds trained_thresholds(const trading::RunArtifacts& run,
                                             trading::SignalThresholds base) {
  const auto file = run.dir / "config.yaml";
  if (!std::filesystem::exists(file)) return base;
  try {
    const auto t = YAML::LoadFile(file.string())["environment"]["thresholds"];
    if (t && t["long_above"]) base.long_above = t["long_above"].as<double>();
    if (t && t["short_below"]) base.short_below = t["short_below"].as<double>();
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::invalid_input,
                file.string() + ": environment.thresholds: " + std::string(e.what()));
  }
  return base;
}

trading::PositionRuleConfig position_rules_for(const ModelSource& model) {
  trading::PositionRuleConfig rules;
  const auto file = model.bundle.run.dir / "config.yaml";
  if (!std::filesystem::exists(file)) return rules;
  std::string key = "environment.min_hold_bars";
  try {
    const auto env = YAML::LoadFile(file.string())["environment"];
    if (env && env["min_hold_bars"]) rules.min_hold_bars = env["min_hold_bars"].as<int>();
    key = "environment.flat_at_session_end";
    if (env && env["flat_at_session_end"])
      rules.flat_at_session_end = env["flat_at_session_end"].as<bool>();
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::invalid_input,
                file.string() + ": " + key + ": " + std::string(e.what()));
  }
  if (rules.min_hold_bars < 0)
    throw Error(ErrorKind::invalid_input,
                file.string() + ": environment.min_hold_bars: must be >= 0");
  return rules;
}

std::pair<Date, Date> split_dates(const trading::RunArtifacts& run, const std::string& split) {
  std::string prefix = split;
  if (split == "val") prefix = "validation";
  if (prefix != "validation" && prefix != "test" && prefix != "train" && prefix != "training")
    throw Error(ErrorKind::invalid_input,
                "'" + split + "' is not one of val, validation, test, train", "split");
  if (prefix == "train") prefix = "training";
  const std::string k0 = prefix + "_start", k1 = prefix + "_end";
  const auto& j = run.run_json;
  if (!j.contains(k0) || !j.contains(k1) || !j[k0].is_string() || !j[k1].is_string())
    throw Error(ErrorKind::invalid_input,
                (run.dir / "run.json").string() + ": no '" + k0 + "'/'" + k1 + "' for the " +
                    split + " split; give the period's start and end instead",
                "from");
  return {parse_date_or_throw(j[k0].get<std::string>(), k0),
          parse_date_or_throw(j[k1].get<std::string>(), k1)};
}

std::pair<Timestamp, Timestamp> cot_day_range(Date from, Date to) {
  return {cot_midnight(from), cot_midnight(to + std::chrono::days(1))};
}

std::shared_ptr<const features::FlagAttribution> open_flag_attribution(Services& services) {
  store::PgMacroStore macro(services.pool());
  return std::make_shared<const features::FlagAttribution>(macro.load_flags(false),
                                                           market::MacroCatalog::load());
}

MarketSlice load_market_slice(Services& services, Timestamp from, Timestamp to) {
  if (!(from < to))
    throw Error(ErrorKind::invalid_input, "the start must be before the end", "from");
  MarketSlice s;
  s.bars = services.bars().load_bars(from, to);
  s.rows = services.feature_rows().load(from, to);
  auto flagged = std::make_shared<trading::FlaggedBars>();
  trading::add_collar_flags(*flagged, services.quality().bar_flags(from, to));
  s.flagged = std::move(flagged);
  if (s.bars.empty())
    throw Error(ErrorKind::not_found, "no stored bars between " + format_rfc3339(from) + " and " +
                                          format_rfc3339(to) +
                                          " (import them with `usdcop ingest csv`)");
  return s;
}

}  // namespace usdcop::app
