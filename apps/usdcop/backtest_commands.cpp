// usdcop backtest: replay stored bars and features through the trading stack for one model;
// usdcop backtest verify UUID: recompute a stored result's signature.
#include <cstdio>
#include <iostream>

#include "backtest/backtest_runner.hpp"
#include "backtest/report.hpp"
#include "backtest/signature.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/canonical_json.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "model_source.hpp"
#include "store/pg_backtest_store.hpp"

namespace usdcop::cli {
namespace {

std::string num(double x, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

void print_summary(const backtest::BacktestResult& r, const nlohmann::json& run) {
  const auto& m = r.metrics;
  auto line = [](const std::string& k, const std::string& v) {
    std::cout << "  " << k << std::string(k.size() < 24 ? 24 - k.size() : 1, ' ') << v << "\n";
  };
  std::cout << "backtest " << run["model_id"].get<std::string>() << "  "
            << run["from"].get<std::string>() << " .. " << run["to"].get<std::string>() << "  ("
            << run["period_type"].get<std::string>()
            << (run["is_out_of_sample"].get<bool>() ? ", out of sample"
                                                    : ", IN SAMPLE: overlaps the training split")
            << ")\n";
  line("bars", std::to_string(r.bars) + " (" + std::to_string(r.bars_without_decision) +
                   " without a decision)");
  for (const auto& b : r.blocked.lines()) line("  blocked", b);
  line("total_return_pct", num(m.total_return_pct * 100, 3) + " %");
  line("total_pnl", num(m.total_pnl, 2));
  line("sharpe_ratio", num(m.sharpe_ratio, 3));
  line("sortino_ratio", num(m.sortino_ratio, 3));
  line("max_drawdown_pct", num(m.max_drawdown_pct * 100, 3) + " %");
  line("calmar", num(m.calmar, 3));
  line("total_trades", std::to_string(m.total_trades));
  line("win_rate", num(m.win_rate * 100, 2) + " %");
  line("profit_factor", m.profit_factor ? num(*m.profit_factor, 3) : "n/a (no losing trade)");
  line("avg_trade_pnl", num(m.avg_trade_pnl, 3));
  line("avg_bars_held", num(m.avg_bars_held, 2));
  line("exposure", num(m.exposure * 100, 2) + " %");
  line("risk_events", std::to_string(r.risk_events.size()));
  line("signature", run["signature"].get<std::string>());
}

backtest::StoredBacktest load_stored(const std::string& uuid) {
  auto& db = services();
  store::PgBacktestStore results(db.pool());
  auto stored = results.load(uuid);
  if (!stored) throw Error(ErrorKind::not_found, "backtest " + uuid + " does not exist");
  return std::move(*stored);
}

void verify_stored(const std::string& uuid, bool json) {
  const auto stored = load_stored(uuid);
  const auto& r = stored.record;
  const std::string actual = backtest::recompute_signature(r);
  const bool ok = actual == r.signature;
  const std::string covers =
      r.signature_version == 1 ? "trades only" : "inputs, trades, metrics, equity curve";
  if (json) {
    print_json({{"backtest_uuid", stored.backtest_uuid},
                {"model_id", r.model_id},
                {"valid", ok},
                {"signature_version", r.signature_version},
                {"stored_signature", r.signature},
                {"recomputed_signature", actual},
                {"trades", r.trades.size()}});
  } else if (ok) {
    std::cout << "OK: backtest " << stored.backtest_uuid << " (" << r.trades.size()
              << " trades) matches its v" << r.signature_version << " signature (" << covers << ") "
              << actual << "\n";
  } else {
    std::cout << "MISMATCH: backtest " << stored.backtest_uuid << " was modified (v"
              << r.signature_version << " signature covers " << covers << "): stored "
              << r.signature << ", recomputed " << actual << "\n";
  }
  if (!ok) throw ExitRequest{kIntegrity};
}

void show_stored(const std::string& uuid, bool json) {
  const auto stored = load_stored(uuid);
  const auto& r = stored.record;
  nlohmann::json out = {{"backtest_uuid", stored.backtest_uuid},
                        {"model_id", r.model_id},
                        {"model_version", r.model_version},
                        {"start_date", format_date(r.start_date)},
                        {"end_date", format_date(r.end_date)},
                        {"period_type", r.period_type},
                        {"is_out_of_sample", r.is_out_of_sample},
                        {"run_source", r.run_source},
                        {"created_by", r.created_by},
                        {"run_at", stored.run_at},
                        {"signature_version", r.signature_version},
                        {"signature", r.signature},
                        {"trades", r.trades},
                        {"metrics", r.metrics},
                        {"equity_curve", r.equity_curve},
                        {"daily_returns", r.daily_returns}};
  if (r.signature_version >= 2) {
    out["inputs"] = backtest::signed_document(
        {r.model_hash, r.builder_version, r.feature_order_hash, r.bar_range, r.config},
        {})["inputs"];
  } else {
    out["config"] = r.config;
  }
  if (json) {
    std::cout << canonical_json(out) << "\n";
    return;
  }
  std::cout << "backtest " << stored.backtest_uuid << "  " << r.model_id << "  "
            << format_date(r.start_date) << " .. " << format_date(r.end_date) << "  ("
            << r.period_type << ")\n  trades " << r.trades.size() << ", equity points "
            << r.equity_curve.size() << ", signature v" << r.signature_version << " " << r.signature
            << "\n  metrics " << r.metrics.dump() << "\n";
}

// Every metric plus the counts of the run: what is stored (and signed) in metrics.
nlohmann::json stored_metrics(const backtest::BacktestResult& result) {
  nlohmann::json m = backtest::to_json(result.metrics, false);
  m["bars_without_decision"] = result.bars_without_decision;
  m["risk_events"] = result.risk_events.size();
  m["blocked_decisions"] = result.blocked.to_json();
  return m;
}

// The replayed range: COT days (inclusive) and the exact bounds [from, to).
struct Period {
  Date from_day{}, to_day{};
  Timestamp from{}, to{};
};

Period resolve_period(const std::string& from_text, const std::string& to_text,
                      const std::string& period_type, const ModelSource& model) {
  Period p;
  if (from_text.empty() || to_text.empty()) {
    if (period_type == "custom")
      throw Error(ErrorKind::invalid_input, "--from and --to are required for --period custom");
    std::tie(p.from_day, p.to_day) = split_dates(model.bundle.run, period_type);
    std::tie(p.from, p.to) = cot_day_range(p.from_day, p.to_day);
  } else {
    p.from = from_flag(from_text);
    p.to = to_flag(to_text);
    p.from_day = cot_date(p.from);
    p.to_day = cot_date(p.to - std::chrono::microseconds(1));
  }
  return p;
}

// The row of ml.backtest_results with its v2 signature (inputs and the whole result); `policies`
// (the risk/trading versions and hashes in force) is recorded in its config.
backtest::BacktestRecord signed_record(const ModelSource& model,
                                       const backtest::BacktestConfig& config,
                                       const nlohmann::json& policies,
                                       const backtest::BacktestResult& result,
                                       const MarketSlice& slice, const Period& period,
                                       const std::string& period_type) {
  backtest::BacktestRecord rec;
  rec.model_id = model.model_id;
  rec.model_version = model.model_version;
  rec.start_date = period.from_day;
  rec.end_date = period.to_day;
  rec.period_type = period_type;
  rec.is_out_of_sample = backtest::is_out_of_sample(period.from_day, period.to_day,
                                                    model.training_start, model.training_end);
  rec.metrics = stored_metrics(result);
  rec.trades = backtest::trades_to_json(result.trades);
  rec.equity_curve = backtest::equity_to_json(result.equity);
  rec.daily_returns = backtest::to_json(result.metrics)["daily_returns"];
  rec.config = backtest::to_json(config);
  rec.config["policies"] = policies;  // the risk/trading versions and hashes it ran with
  rec.model_hash = model.bundle.run.model_hash;
  rec.builder_version = model.bundle.norm_stats.builder_version;
  rec.feature_order_hash = model.bundle.norm_stats.feature_order_hash;
  rec.bar_range = {{"from", format_rfc3339(period.from)},
                   {"to", format_rfc3339(period.to)},
                   {"first_bar", format_rfc3339(slice.bars.front().time)},
                   {"last_bar", format_rfc3339(slice.bars.back().time)},
                   {"bars", slice.bars.size()}};
  rec.signature_version = backtest::kSignatureVersion;
  rec.signature = backtest::recompute_signature(rec);
  return rec;
}

void add_backtest(CLI::App& app) {
  struct Opts {
    std::string model, from, to, period = "custom", report, created_by;
    double cost_bps = -1;
    bool json = false;
    std::string uuid;
    bool verify_json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("backtest", "Backtest a model over stored bars (spec 04)");
  c->add_option("--model", o->model, "MODEL_ID (registered) or RUN_DIR");
  c->add_option(
      "--from", o->from,
      "Start: a date (COT day) or an RFC 3339 time; default: the period's split in run.json");
  c->add_option("--to", o->to, "End: a date (COT day) is inclusive, an RFC 3339 time exclusive");
  c->add_option("--period", o->period, "validation | test | custom")
      ->check(CLI::IsMember({"validation", "test", "custom"}));
  c->add_option("--cost-bps", o->cost_bps,
                "Cost per unit of position change (default: the trading policy in force)")
      ->check(CLI::Range(0.0, 1000.0));
  c->add_option("--report", o->report,
                "Write report.json, trades.csv, equity.csv, report.html here");
  c->add_option("--created-by", o->created_by, "Recorded in ml.backtest_results.created_by");
  c->add_flag("--json", o->json, "Machine-readable output");
  c->require_subcommand(0, 1);

  auto* v =
      c->add_subcommand("verify", "Recompute a stored backtest's signature (exit 6 on mismatch)");
  v->add_option("UUID", o->uuid, "backtest_uuid")->required();
  v->add_flag("--json", o->verify_json, "Machine-readable output");
  v->callback([o] { verify_stored(o->uuid, o->verify_json); });

  auto* show = c->add_subcommand(
      "show", "Print a stored backtest: inputs, trades, metrics, equity curve, signature");
  show->add_option("UUID", o->uuid, "backtest_uuid")->required();
  show->add_flag("--json", o->verify_json,
                 "The row as canonical JSON (docs/CANONICAL_JSON.md): recompute the signature");
  show->callback([o] { show_stored(o->uuid, o->verify_json); });

  c->callback([o, v, show] {
    if (v->parsed() || show->parsed()) return;
    if (o->model.empty())
      throw Error(ErrorKind::invalid_input, "--model is required (MODEL_ID or RUN_DIR)");
    auto& db = services();
    store::PgBacktestStore results(db.pool());
    ModelSource model = resolve_model(o->model, &results);

    const Period period = resolve_period(o->from, o->to, o->period, model);
    const auto slice = load_market_slice(period.from, period.to);

    backtest::BacktestConfig config;
    const ProfilesInForce profiles = profiles_for(model);
    config.trading = profiles.trading;
    config.risk = profiles.risk;
    config.rules = position_rules_for(model);
    config.flags = open_flag_attribution();
    if (o->cost_bps >= 0) config.trading.cost_bps = o->cost_bps;
    ProgressReporter progress("backtest");
    auto result = backtest::run_backtest(
        slice.bars, slice.rows, *model.bundle.policy, model.bundle.norm_stats, config,
        o->json ? backtest::ProgressFn{} : backtest::ProgressFn(std::ref(progress)));

    auto rec = signed_record(model, config, profiles.policies, result, slice, period, o->period);
    nlohmann::json run = {{"model_id", model.model_id},
                          {"model_version", model.model_version},
                          {"run_id", model.bundle.run.run_id},
                          {"model_hash", model.bundle.run.model_hash},
                          {"from", format_date(rec.start_date)},
                          {"to", format_date(rec.end_date)},
                          {"bar_range", rec.bar_range},
                          {"period_type", o->period},
                          {"is_out_of_sample", rec.is_out_of_sample},
                          {"signature_version", rec.signature_version},
                          {"signature", rec.signature},
                          {"config", rec.config}};
    std::string uuid;
    if (model.registered) {
      rec.created_by = o->created_by.empty() ? env_or("USER", "") : o->created_by;
      uuid = results.save(rec, result.risk_events);
      run["backtest_uuid"] = uuid;
    }
    if (!o->report.empty()) backtest::write_report(o->report, result, run);

    if (o->json) {
      nlohmann::json out = run;
      out["metrics"] = backtest::to_json(result.metrics, false);
      out["bars"] = result.bars;
      out["bars_without_decision"] = result.bars_without_decision;
      out["blocked_decisions"] = result.blocked.to_json();
      out["risk_events"] = result.risk_events.size();
      out["stored"] = model.registered;
      if (!o->report.empty()) out["report"] = o->report;
      print_json(out);
      return;
    }
    print_summary(result, run);
    if (model.registered) {
      std::cout << "stored: ml.backtest_results " << uuid
                << " (verify with `usdcop backtest verify " << uuid << "`)\n";
    } else {
      std::cout << "not stored: " << o->model
                << " is a bare run directory and ml.backtest_results needs a "
                << "registered model; register it with `usdcop models register " << o->model
                << "` and run `usdcop backtest --model MODEL_ID`\n";
    }
    if (!o->report.empty()) std::cout << "report: " << o->report << "/report.html\n";
  });
}

const CommandRegistration reg{42, add_backtest};

}  // namespace
}  // namespace usdcop::cli
