#include "live/engine_metrics.hpp"

#include <algorithm>

namespace usdcop::live {
namespace {

prometheus::Gauge& single_gauge(prometheus::Registry& r, const std::string& name,
                                const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

double unix_seconds(Timestamp t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

const prometheus::Histogram::BucketBoundaries& e2e_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{.005, .01, .05, .1, .5, 1, 5, 30};
  return b;
}

// From a bar's close: the poll offset (default 5 s) plus the fetch and both handlers.
const prometheus::Histogram::BucketBoundaries& bar_close_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{1, 2.5, 5, 7.5, 10, 15, 30, 60, 300};
  return b;
}

const prometheus::Histogram::BucketBoundaries& notify_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{.001, .005, .01, .05, .1, .5, 1};
  return b;
}

const prometheus::Histogram::BucketBoundaries& inference_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{.0001, .00025, .0005, .001,
                                                         .0025, .005,   .01,   .05};
  return b;
}

double mode_value(trading::OperationsMode m) {
  switch (m) {
    case trading::OperationsMode::kNormal:
      return 0;
    case trading::OperationsMode::kPaused:
      return 1;
    case trading::OperationsMode::kKilled:
      break;
  }
  return 2;
}

}  // namespace

EngineMetrics::EngineMetrics(prometheus::Registry& r)
    : processed_(prometheus::BuildCounter()
                     .Name("usdcop_events_processed_total")
                     .Help("Events processed by a live handler (L1 features, L5 decisions)")
                     .Register(r)),
      duplicates_(prometheus::BuildCounter()
                      .Name("usdcop_duplicate_events_total")
                      .Help("Events found already processed (a repeated delivery)")
                      .Register(r)),
      features_(prometheus::BuildCounter()
                    .Name("usdcop_features_calculated_total")
                    .Help("Live feature rows committed by L1")
                    .Register(r)),
      notify_events_(prometheus::BuildCounter()
                         .Name("usdcop_notify_events_total")
                         .Help("Notifications received by channel and status")
                         .Register(r)),
      trades_(prometheus::BuildCounter()
                  .Name("usdcop_trades_total")
                  .Help("Fills of the production model by side")
                  .Register(r)),
      vetoes_(prometheus::BuildCounter()
                  .Name("usdcop_risk_vetoes_total")
                  .Help("Risk manager events by rule")
                  .Register(r)),
      inference_errors_(prometheus::BuildCounter()
                            .Name("usdcop_inference_errors_total")
                            .Help("Failed handler attempts by model")
                            .Register(r)),
      e2e_(prometheus::BuildHistogram()
               .Name("usdcop_e2e_latency_seconds")
               .Help("Bar row commit to production decision commit")
               .Register(r)),
      bar_close_(prometheus::BuildHistogram()
                     .Name("usdcop_bar_close_to_decision_seconds")
                     .Help("Bar close to production decision commit (live polling only)")
                     .Register(r)),
      notify_latency_(prometheus::BuildHistogram()
                          .Name("usdcop_notify_latency_seconds")
                          .Help("Notification sent to received, by channel")
                          .Register(r)),
      inference_(prometheus::BuildHistogram()
                     .Name("usdcop_inference_latency_seconds")
                     .Help("Decision time of a model (normalize, policy, risk, broker)")
                     .Register(r)),
      mode_(single_gauge(r, "usdcop_mode", "Operations mode: 0 normal, 1 paused, 2 killed")),
      leader_(single_gauge(r, "usdcop_engine_leader", "1 when this engine holds the leader lock")),
      equity_gauge_(single_gauge(r, "usdcop_equity", "Paper account equity after the last bar")),
      daily_pnl_(single_gauge(r, "usdcop_daily_pnl", "Equity change since the session's start")),
      last_bar_(single_gauge(r, "usdcop_last_ohlcv_bar_timestamp",
                             "Open time of the newest bar handled (unix seconds)")),
      last_feature_(single_gauge(r, "usdcop_last_feature_timestamp",
                                 "Time of the newest live feature row (unix seconds)")),
      postgres_(single_gauge(r, "usdcop_postgres_connection_health",
                             "1 when the database answered the last probe")),
      position_(prometheus::BuildGauge()
                    .Name("usdcop_position")
                    .Help("Position in signal units by model")
                    .Register(r)),
      dead_letter_size_(prometheus::BuildGauge()
                            .Name("usdcop_dead_letter_queue_size")
                            .Help("Dead letters by status")
                            .Register(r)),
      model_info_(prometheus::BuildGauge()
                      .Name("usdcop_model_info")
                      .Help("Models the engine runs (1), by id and registry status")
                      .Register(r)),
      breaker_(prometheus::BuildGauge()
                   .Name("usdcop_circuit_breaker_state")
                   .Help("Circuit breaker by name: 0 closed, 1 half-open, 2 open")
                   .Register(r)),
      heartbeat_ok_(prometheus::BuildGauge()
                        .Name("usdcop_heartbeat_ok")
                        .Help("1 while the engine's own heartbeats come back on its LISTEN session")
                        .Register(r)),
      market_hours_(prometheus::BuildGauge()
                        .Name("usdcop_market_hours_status")
                        .Help("1 inside the COP market session by the engine's clock")
                        .Register(r)) {}

void EngineMetrics::feature_committed(const features::FeatureRow& row) {
  processed_.Add({{"handler", "L1"}}).Increment();
  features_.Add({{"builder_version", row.builder_version}}).Increment();
  last_bar_.Set(unix_seconds(row.time));
  last_feature_.Set(unix_seconds(row.time));
  std::lock_guard lock(mutex_);
  status_.last_bar = row.time;
  status_.last_bar_handled_at = std::chrono::system_clock::now();
}

void EngineMetrics::decision_committed(Timestamp bar_time, const DecisionMetrics& d) {
  processed_.Add({{"handler", "L5"}}).Increment();
  const auto& out = *d.outcome;
  if (d.e2e_seconds) e2e_.Add({}, e2e_buckets()).Observe(*d.e2e_seconds);
  observe_bar_close(bar_time);
  if (out.decided)
    inference_.Add({{"model", d.model_id}}, inference_buckets()).Observe(d.inference_seconds);
  if (out.fill)
    trades_.Add({{"model", d.model_id}, {"side", out.fill->quantity > 0 ? "buy" : "sell"}})
        .Increment();
  for (const auto& e : out.risk_events) vetoes_.Add({{"rule", e.rule}}).Increment();
  position_.Add({{"model", d.model_id}}).Set(d.position);
  mode_.Set(mode_value(d.mode));
  std::lock_guard lock(mutex_);
  const Date day = cot_date(bar_time);
  if (!day_ || *day_ != day) {
    day_start_equity_ = day_ ? equity_ : out.equity;
    day_ = day;
  }
  equity_ = out.equity;
  equity_gauge_.Set(out.equity);
  daily_pnl_.Set(out.equity - day_start_equity_);
  status_.last_decision = bar_time;
  status_.mode = d.mode;
}

void EngineMetrics::observe_bar_close_to_decision(bool on) {
  std::lock_guard lock(mutex_);
  bar_close_observed_ = on;
}

void EngineMetrics::observe_bar_close(Timestamp bar_time) {
  {
    std::lock_guard lock(mutex_);
    if (!bar_close_observed_) return;
  }
  const auto close = bar_time + kBarLength;
  const double seconds =
      std::chrono::duration<double>(std::chrono::system_clock::now() - close).count();
  bar_close_.Add({}, bar_close_buckets()).Observe(std::max(0.0, seconds));
}

void EngineMetrics::duplicate(const std::string& handler) {
  duplicates_.Add({{"handler", handler}}).Increment();
}

void EngineMetrics::handler_failed(const std::string& handler, const std::string& model_id) {
  if (handler == "L5") inference_errors_.Add({{"model", model_id}}).Increment();
}

void EngineMetrics::notification(const std::string& channel, const std::string& status) {
  notify_events_.Add({{"channel", channel}, {"status", status}}).Increment();
}

void EngineMetrics::notify_latency(const std::string& channel, double seconds) {
  notify_latency_.Add({{"channel", channel}}, notify_buckets()).Observe(seconds);
}

void EngineMetrics::leadership(bool leader, long epoch) {
  leader_.Set(leader ? 1 : 0);
  std::lock_guard lock(mutex_);
  status_.leader = leader;
  if (leader) status_.epoch = epoch;
}

void EngineMetrics::mode(trading::OperationsMode m) {
  mode_.Set(mode_value(m));
  std::lock_guard lock(mutex_);
  status_.mode = m;
}

void EngineMetrics::dead_letters(const std::map<std::string, long>& by_status) {
  for (const char* s : {"pending", "exhausted", "resolved"}) {
    const auto it = by_status.find(s);
    dead_letter_size_.Add({{"status", s}}).Set(it == by_status.end() ? 0.0 : it->second);
  }
}

void EngineMetrics::database_reachable(bool ok) {
  postgres_.Set(ok ? 1 : 0);
}

void EngineMetrics::model_info(const std::string& model_id, const std::string& status) {
  model_info_.Add({{"model_id", model_id}, {"status", status}}).Set(1);
}

void EngineMetrics::listen_health(BreakerState breaker, bool heartbeat_ok) {
  breaker_.Add({{"name", "listen"}}).Set(static_cast<double>(static_cast<int>(breaker)));
  heartbeat_ok_.Add({}).Set(heartbeat_ok ? 1 : 0);
  std::lock_guard lock(mutex_);
  status_.listen = breaker;
  status_.heartbeat_ok = heartbeat_ok;
}

void EngineMetrics::market_hours(bool open) {
  market_hours_.Add({}).Set(open ? 1 : 0);
}

EngineStatus EngineMetrics::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

}  // namespace usdcop::live
