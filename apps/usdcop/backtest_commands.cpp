// usdcop backtest: replay stored bars and features through the trading stack for one model;
// usdcop backtest verify UUID: recompute a stored result's signature.
#include <cstdio>
#include <iostream>

#include "app_database.hpp"
#include "backtest/backtest_runner.hpp"
#include "backtest/report.hpp"
#include "backtest/signature.hpp"
#include "cli_context.hpp"
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
  c->add_option("--from", o->from,
                "Start (date or RFC 3339); default: the period's split in run.json");
  c->add_option("--to", o->to, "End (a date is inclusive)");
  c->add_option("--period", o->period, "validation | test | custom")
      ->check(CLI::IsMember({"validation", "test", "custom"}));
  c->add_option("--cost-bps", o->cost_bps,
                "Cost per unit of position change (default: config/trading.yaml)")
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
  v->callback([o] {
    auto& db = open_app_database();
    store::PgBacktestStore results(db.pool());
    auto stored = results.load_trades(o->uuid);
    if (!stored) throw Error(ErrorKind::not_found, "backtest " + o->uuid + " does not exist");
    const std::string actual = backtest::trades_signature(stored->trades);
    const bool ok = actual == stored->signature;
    if (o->verify_json) {
      print_json({{"backtest_uuid", stored->backtest_uuid},
                  {"model_id", stored->model_id},
                  {"valid", ok},
                  {"stored_signature", stored->signature},
                  {"recomputed_signature", actual},
                  {"trades", stored->trades.size()}});
    } else if (ok) {
      std::cout << "OK: backtest " << stored->backtest_uuid << " (" << stored->trades.size()
                << " trades) matches its signature " << actual << "\n";
    } else {
      std::cout << "MISMATCH: backtest " << stored->backtest_uuid
                << " trades were modified: stored signature " << stored->signature
                << ", recomputed " << actual << "\n";
    }
    if (!ok) throw ExitRequest{kIntegrity};
  });

  c->callback([o, v] {
    if (v->parsed()) return;
    if (o->model.empty())
      throw Error(ErrorKind::invalid_input, "--model is required (MODEL_ID or RUN_DIR)");
    auto& db = open_app_database();
    store::PgBacktestStore results(db.pool());
    ModelSource model = resolve_model(o->model, &results);

    Date from_day{}, to_day{};
    Timestamp from{}, to{};
    if (o->from.empty() || o->to.empty()) {
      if (o->period == "custom")
        throw Error(ErrorKind::invalid_input, "--from and --to are required for --period custom");
      auto [a, b] = split_dates(model.bundle.run, o->period);
      from_day = a;
      to_day = b;
      from = utc_midnight(a);
      to = utc_midnight(b) + std::chrono::days(1);
    } else {
      from = from_flag(o->from);
      to = to_flag(o->to);
      from_day = cot_date(from);
      to_day = cot_date(to - std::chrono::microseconds(1));
    }
    const auto slice = load_market_slice(from, to);

    backtest::BacktestConfig config;
    config.trading = trading_config_for(model);
    config.risk = trading::load_risk_profile();
    if (o->cost_bps >= 0) config.trading.cost_bps = o->cost_bps;
    ProgressReporter progress("backtest");
    auto result = backtest::run_backtest(
        slice.bars, slice.rows, *model.bundle.policy, model.bundle.norm_stats, config,
        o->json ? backtest::ProgressFn{} : backtest::ProgressFn(std::ref(progress)));

    const auto trades = backtest::trades_to_json(result.trades);
    const std::string signature = backtest::trades_signature(trades);
    const bool oos =
        backtest::is_out_of_sample(from_day, to_day, model.training_start, model.training_end);
    nlohmann::json run = {{"model_id", model.model_id},
                          {"model_version", model.model_version},
                          {"run_id", model.bundle.run.run_id},
                          {"model_hash", model.bundle.run.model_hash},
                          {"from", format_date(from_day)},
                          {"to", format_date(to_day)},
                          {"period_type", o->period},
                          {"is_out_of_sample", oos},
                          {"signature", signature},
                          {"config", backtest::to_json(config)}};
    std::string uuid;
    if (model.registered) {
      backtest::BacktestRecord rec;
      rec.model_id = model.model_id;
      rec.model_version = model.model_version;
      rec.model_sha256 = model.bundle.run.model_hash;
      rec.start_date = from_day;
      rec.end_date = to_day;
      rec.period_type = o->period;
      rec.is_out_of_sample = oos;
      rec.metrics = backtest::to_json(result.metrics, false);
      rec.metrics["bars_without_decision"] = result.bars_without_decision;
      rec.metrics["risk_events"] = result.risk_events.size();
      rec.trades = trades;
      rec.equity_curve = backtest::equity_to_json(result.equity);
      rec.daily_returns = backtest::to_json(result.metrics)["daily_returns"];
      rec.config = backtest::to_json(config);
      rec.signature = signature;
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
