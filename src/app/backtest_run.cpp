#include "app/backtest_run.hpp"

#include "app/model_source.hpp"
#include "app/services.hpp"
#include "backtest/report.hpp"
#include "backtest/signature.hpp"
#include "core/error.hpp"
#include "store/pg_backtest_store.hpp"

namespace usdcop::app {
namespace {

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

Period resolve_period(const BacktestRequest& r, const ModelSource& model) {
  Period p;
  if (!r.from || !r.to) {
    if (r.period_type == "custom")
      throw Error(ErrorKind::invalid_input, "a custom period needs its start and end", "from");
    std::tie(p.from_day, p.to_day) = split_dates(model.bundle.run, r.period_type);
    std::tie(p.from, p.to) = cot_day_range(p.from_day, p.to_day);
  } else {
    p.from = *r.from;
    p.to = *r.to;
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

nlohmann::json run_document(const ModelSource& model, const backtest::BacktestRecord& rec,
                            const std::string& period_type) {
  return {{"model_id", model.model_id},
          {"model_version", model.model_version},
          {"run_id", model.bundle.run.run_id},
          {"model_hash", model.bundle.run.model_hash},
          {"from", format_date(rec.start_date)},
          {"to", format_date(rec.end_date)},
          {"bar_range", rec.bar_range},
          {"period_type", period_type},
          {"is_out_of_sample", rec.is_out_of_sample},
          {"signature_version", rec.signature_version},
          {"signature", rec.signature},
          {"config", rec.config}};
}

}  // namespace

BacktestOutcome run_backtest(Services& services, const BacktestRequest& request,
                             ReplayObserver* observer) {
  auto& results = services.backtests();
  const ModelSource model = resolve_model(request.model, &results);
  const Period period = resolve_period(request, model);
  const auto slice = load_market_slice(services, period.from, period.to);

  backtest::BacktestConfig config;
  const ProfilesInForce profiles = profiles_for(services, model);
  config.trading = profiles.trading;
  config.risk = profiles.risk;
  config.rules = position_rules_for(model);
  config.flags = open_flag_attribution(services);
  config.flagged_bars = slice.flagged;
  if (request.cost_bps) config.trading.cost_bps = *request.cost_bps;
  backtest::ReplayListener listener;
  if (observer) {
    listener.progress = [observer](long done, long total) { observer->bars_done(done, total); };
    listener.trade_closed = [observer](const trading::Trade& t) { observer->trade_closed(t); };
    listener.equity_marked = [observer](const backtest::EquityPoint& p) {
      observer->equity_marked(p);
    };
  }
  BacktestOutcome out;
  out.result = backtest::run_backtest(slice.bars, slice.rows, *model.bundle.policy,
                                      model.bundle.norm_stats, config, listener);

  auto rec = signed_record(model, config, profiles.policies, out.result, slice, period,
                           request.period_type);
  out.run = run_document(model, rec, request.period_type);
  if (model.registered) {
    rec.created_by = request.created_by;
    rec.run_source = request.run_source;
    out.backtest_uuid = results.save(rec, out.result.risk_events);
    out.run["backtest_uuid"] = out.backtest_uuid;
    out.stored = true;
  }
  if (!request.report_dir.empty())
    backtest::write_report(request.report_dir.string(), out.result, out.run);
  return out;
}

backtest::StoredBacktest load_backtest(Services& services, const std::string& uuid) {
  auto stored = services.backtests().load(uuid);
  if (!stored)
    throw Error(ErrorKind::not_found, "backtest " + uuid + " does not exist", "backtest_id");
  return std::move(*stored);
}

BacktestVerification verify_backtest(Services& services, const std::string& uuid) {
  BacktestVerification v;
  v.stored = load_backtest(services, uuid);
  v.recomputed_signature = backtest::recompute_signature(v.stored.record);
  v.valid = v.recomputed_signature == v.stored.record.signature;
  return v;
}

}  // namespace usdcop::app
