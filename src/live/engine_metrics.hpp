#pragma once
// The live engine's metrics (spec 08 names, in the process's registry monitor::metrics_registry())
// and the status its /health shows. The engine thread reports what it commits; the HTTP thread
// of `usdcop engine --metrics-port` reads the status snapshot (under a lock) and the registry
// (prometheus-cpp is thread-safe).
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "features/feature_row.hpp"
#include "live/listen_health.hpp"
#include "trading/operations_mode.hpp"
#include "trading/trading_session.hpp"

namespace usdcop::live {

// What /health reports; a copy taken under the metrics' lock.
struct EngineStatus {
  bool leader = false;
  long epoch = 0;
  std::optional<Timestamp> last_bar;       // newest bar with its feature row (L1)
  std::optional<Timestamp> last_decision;  // newest bar decided (L5)
  // Wall time when the engine last handled a bar (L1): the "last bar age" of /health.
  std::optional<std::chrono::system_clock::time_point> last_bar_handled_at;
  std::optional<trading::OperationsMode> mode;  // as last read (decision or probe)
  // The LISTEN session's breaker and heartbeat (live only; a replay listens to no heartbeat).
  std::optional<BreakerState> listen;
  bool heartbeat_ok = false;
};

// One decided bar as the metrics see it.
struct DecisionMetrics {
  std::string model_id;
  trading::OperationsMode mode = trading::OperationsMode::kNormal;
  const trading::BarOutcome* outcome = nullptr;
  double position = 0;                // signal units after the bar
  double inference_seconds = 0;       // policy time of the decision
  std::optional<double> e2e_seconds;  // bar row commit -> decision commit, when known
};

class EngineMetrics {
 public:
  explicit EngineMetrics(prometheus::Registry& registry);

  void feature_committed(const features::FeatureRow& row);
  void decision_committed(Timestamp bar_time, const DecisionMetrics& d);
  void duplicate(const std::string& handler);
  void handler_failed(const std::string& handler, const std::string& model_id);
  void notification(const std::string& channel, const std::string& status);
  void notify_latency(const std::string& channel, double seconds);
  void leadership(bool leader, long epoch);
  void mode(trading::OperationsMode m);
  void dead_letters(const std::map<std::string, long>& by_status);
  void database_reachable(bool ok);
  void model_info(const std::string& model_id, const std::string& status);
  // usdcop_circuit_breaker_state{name="listen"} and usdcop_heartbeat_ok (exported once set).
  void listen_health(BreakerState breaker, bool heartbeat_ok);
  // usdcop_market_hours_status: 1 inside the COP session by the engine's clock.
  void market_hours(bool open);
  // Spec 12: usdcop_bar_close_to_decision_seconds is observed by a live engine that polls its
  // own bars (the feed decides when a bar arrives); off for replays and for bars written by
  // others. A back-filled bar is observed too: its decision did come that late.
  void observe_bar_close_to_decision(bool on);

  EngineStatus status() const;

 private:
  void observe_bar_close(Timestamp bar_time);

  mutable std::mutex mutex_;
  EngineStatus status_;
  std::optional<Date> day_;
  double day_start_equity_ = 0, equity_ = 0;
  bool bar_close_observed_ = false;

  prometheus::Family<prometheus::Counter>& processed_;
  prometheus::Family<prometheus::Counter>& duplicates_;
  prometheus::Family<prometheus::Counter>& features_;
  prometheus::Family<prometheus::Counter>& notify_events_;
  prometheus::Family<prometheus::Counter>& trades_;
  prometheus::Family<prometheus::Counter>& vetoes_;
  prometheus::Family<prometheus::Counter>& inference_errors_;
  prometheus::Family<prometheus::Histogram>& e2e_;
  prometheus::Family<prometheus::Histogram>& bar_close_;
  prometheus::Family<prometheus::Histogram>& notify_latency_;
  prometheus::Family<prometheus::Histogram>& inference_;
  prometheus::Gauge& mode_;
  prometheus::Gauge& leader_;
  prometheus::Gauge& equity_gauge_;
  prometheus::Gauge& daily_pnl_;
  prometheus::Gauge& last_bar_;
  prometheus::Gauge& last_feature_;
  prometheus::Gauge& postgres_;
  prometheus::Family<prometheus::Gauge>& position_;
  prometheus::Family<prometheus::Gauge>& dead_letter_size_;
  prometheus::Family<prometheus::Gauge>& model_info_;
  prometheus::Family<prometheus::Gauge>& breaker_;
  prometheus::Family<prometheus::Gauge>& heartbeat_ok_;
  prometheus::Family<prometheus::Gauge>& market_hours_;
};

}  // namespace usdcop::live
