// usdcop backtest: replay stored bars and features through the trading stack for one model;
// usdcop backtest verify UUID: recompute a stored result's signature. Parsing and rendering
// only; the use cases are in src/app/backtest_run.hpp.
#include <cstdio>
#include <iostream>

#include "app/backtest_run.hpp"
#include "backtest/signature.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/canonical_json.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "replay_progress.hpp"

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

void render_text(std::ostream& out, const app::BacktestVerification& v) {
  const auto& r = v.stored.record;
  const std::string covers =
      r.signature_version == 1 ? "trades only" : "inputs, trades, metrics, equity curve";
  if (v.valid) {
    out << "OK: backtest " << v.stored.backtest_uuid << " (" << r.trades.size()
        << " trades) matches its v" << r.signature_version << " signature (" << covers << ") "
        << v.recomputed_signature << "\n";
  } else {
    out << "MISMATCH: backtest " << v.stored.backtest_uuid << " was modified (v"
        << r.signature_version << " signature covers " << covers << "): stored " << r.signature
        << ", recomputed " << v.recomputed_signature << "\n";
  }
}

nlohmann::json render_json(const app::BacktestVerification& v) {
  const auto& r = v.stored.record;
  return {{"backtest_uuid", v.stored.backtest_uuid},
          {"model_id", r.model_id},
          {"valid", v.valid},
          {"signature_version", r.signature_version},
          {"stored_signature", r.signature},
          {"recomputed_signature", v.recomputed_signature},
          {"trades", r.trades.size()}};
}

void verify_stored(const std::string& uuid, bool json) {
  const auto v = app::verify_backtest(services(), uuid);
  print_result(v, json, render_json, render_text);
  if (!v.valid) throw ExitRequest{kIntegrity};
}

void show_stored(const std::string& uuid, bool json) {
  const auto stored = app::load_backtest(services(), uuid);
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

nlohmann::json render_json(const app::BacktestOutcome& b, const std::string& report_dir) {
  nlohmann::json out = b.run;
  out["metrics"] = backtest::to_json(b.result.metrics, false);
  out["bars"] = b.result.bars;
  out["bars_without_decision"] = b.result.bars_without_decision;
  out["blocked_decisions"] = b.result.blocked.to_json();
  out["risk_events"] = b.result.risk_events.size();
  out["stored"] = b.stored;
  if (!report_dir.empty()) out["report"] = report_dir;
  return out;
}

void render_text(std::ostream& out, const app::BacktestOutcome& b, const std::string& model_arg,
                 const std::string& report_dir) {
  print_summary(b.result, b.run);
  if (b.stored) {
    out << "stored: ml.backtest_results " << b.backtest_uuid
        << " (verify with `usdcop backtest verify " << b.backtest_uuid << "`)\n";
  } else {
    out << "not stored: " << model_arg
        << " is a bare run directory and ml.backtest_results needs a "
        << "registered model; register it with `usdcop models register " << model_arg
        << "` and run `usdcop backtest --model MODEL_ID`\n";
  }
  if (!report_dir.empty()) out << "report: " << report_dir << "/report.html\n";
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
    app::BacktestRequest request;
    request.model = o->model;
    if (!o->from.empty() && !o->to.empty()) {
      request.from = from_flag(o->from);
      request.to = to_flag(o->to);
    }
    request.period_type = o->period;
    if (o->cost_bps >= 0) request.cost_bps = o->cost_bps;
    request.report_dir = o->report;
    request.created_by = o->created_by.empty() ? env_or("USER", "") : o->created_by;
    ProgressReporter progress("backtest");
    const auto outcome = app::run_backtest(db, request, o->json ? nullptr : &progress);
    if (o->json)
      print_json(render_json(outcome, o->report));
    else
      render_text(std::cout, outcome, o->model, o->report);
  });
}

const CommandRegistration reg{42, add_backtest};

}  // namespace
}  // namespace usdcop::cli
