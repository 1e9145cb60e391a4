#pragma once
// The live engine (spec 06, 12): runs L1 then L5 for every stored bar after the durable
// watermarks, strictly in time order, each bar's handlers exactly once. Notifications
// (new_ohlcv_bar) and the periodic tick only wake it up: the work is always "everything after
// the watermark" (catch_up), so a lost or repeated notification changes nothing.
//
// First start on a database: L1 resumes from the `features build` checkpoint when it still
// matches the stored bars (else from an empty builder when no bar is stored; else it refuses),
// and L5 starts after the newest stored bar: the engine trades bars that arrive, not history.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "live/decision_stage.hpp"
#include "live/engine_metrics.hpp"
#include "live/feature_stage.hpp"
#include "live/live_store.hpp"
#include "models/auto_rollback_monitor.hpp"

namespace usdcop::live {

struct EngineOptions {
  std::string account = "paper";
  std::string holder;       // recorded with the leader epoch (host:pid)
  std::size_t batch = 512;  // bars loaded per catch-up query
  // A catch-up that finds several pending bars (a replay at full speed, a restart) runs L1 of
  // up to this many bars in one transaction and L5 of them in another (each bar still its own
  // decision and processed event): a kill waits for at most one such L5 transaction. 1: one
  // bar per transaction always. A batch never spans two COT days (reconciliation between).
  std::size_t max_batch_bars = 64;
  // A failing handler is tried retry_delays.size() times, waiting each delay after a failure
  // but the last; then its event goes to the dead-letter queue (spec 06: 1 s, 2 s, 4 s).
  std::vector<std::chrono::milliseconds> retry_delays{
      std::chrono::seconds(1), std::chrono::seconds(2), std::chrono::seconds(4)};
  // How often a catch-up checks whether the macro data changed (a query over the macro tables).
  std::chrono::milliseconds macro_check{10'000};
  // How often a catch-up looks for bar revisions nobody announced (one indexed query); an
  // update's new_ohlcv_bar notification (on_bars_revised) and every start look at once.
  std::chrono::milliseconds revision_check{10'000};
};

struct EngineCounters {
  long features = 0;    // L1 rows committed
  long decisions = 0;   // L5 bars committed (with or without a policy decision)
  long duplicates = 0;  // events found already processed
  long catch_ups = 0;
  long failures = 0;             // failed handler attempts
  long dead_letters = 0;         // events sent to the dead-letter queue
  long batches = 0;              // L5 transactions of several bars committed
  long batch_fallbacks = 0;      // batches that failed and ran again one bar at a time
  long model_swaps = 0;          // hot swaps done (model_changed)
  long model_load_failures = 0;  // reloads that failed (the old models kept)
  long revisions = 0;            // bar revisions handled (spec 12)
  long rows_rebuilt = 0;         // live feature rows rewritten by revision rebuilds
};

// The models the engine runs: the deployed one and every staging model (its shadows).
struct ModelSet {
  TradingModel production;
  std::vector<TradingModel> shadows;
};
// Loads the models in force from the registry, each verified against its registered hash;
// throws when one cannot be loaded.
using ModelLoader = std::function<ModelSet()>;

// Raised when the rebuilt state disagrees with the stored account (spec 12: a P1 alert). The
// engine also records the alert (live.reconciliation_mismatch) and pauses trading durably
// (operations mode PAUSED, actor live-engine): an operator's `ops resume` releases the hold.
using ReconciliationSink = std::function<void(const Reconciliation&)>;

class Engine {
 public:
  Engine(LiveStore& store, market::MacroStore& macro, market::MacroCatalog catalog,
         TradingModel model, EngineOptions options, std::vector<TradingModel> shadows = {});

  // Takes the leadership (a new epoch), initializes or loads the watermarks, restores L1 and
  // rebuilds L5 from the stored account.
  void start();
  // Processes every stored bar after the watermarks; returns how many bars it handled.
  long catch_up();
  // The L1 and L5 handlers for one bar event (a notification's bar time). Events at or
  // before the watermark are duplicates: nothing happens (unless revisions are due); newer
  // ones run the catch-up.
  long on_bar_event(Timestamp bar_time);
  // Stored bars were revised (an update's new_ohlcv_bar notification): the next catch-up
  // rebuilds L1 from the earliest revised bar and logs `revised_after_decision` for the bars L5
  // had decided (spec 12). Revisions are durable (market.bar_revisions): a lost notification is
  // found by the periodic check or at the next start.
  void on_bars_revised() { revisions_due_ = true; }

  void on_reconciliation(ReconciliationSink sink) { reconciliation_sink_ = std::move(sink); }
  // Hot swap (spec 12): after on_model_changed (a model_changed notification) the next
  // catch-up reloads the models with `loader` before its first bar, so a swap happens between
  // two bars, never during one. A failed load keeps the models in use and records a P1 alert
  // (`live.model_load_failed`); the next model_changed tries again.
  void reload_models_with(ModelLoader loader) { loader_ = std::move(loader); }
  void on_model_changed() { reload_pending_ = true; }
  bool model_reload_pending() const { return reload_pending_; }
  // The automatic monitor (spec 05/12) hears of every decided bar, its latency, the equity and
  // closed trades. A bar without a complete feature row is not a bar for it: stale data is
  // "no decision possible", whatever the cause.
  void feed_monitor(models::MonitorEvents* monitor) { monitor_ = monitor; }
  // A replay's monitor runs on the engine's clock, not the feed's (docs/LIVE.md "The automatic
  // monitor"): before each bar's decision `clock` moves to the bar's close and `monitor` checks
  // (its pause, kill or rollback lands before that bar, whatever the chunk or batch size); in
  // an L5 batch the monitor hears of each bar as it is decided and the batch ends before the
  // bar the monitor would act at. Also feeds `monitor`.
  void check_monitor_per_bar(models::AutoRollbackMonitor* monitor, SimulatedClock* clock) {
    feed_monitor(monitor);
    checked_monitor_ = monitor;
    monitor_clock_ = clock;
  }
  // The spec 08 metrics of what the engine commits (null: none).
  void feed_metrics(EngineMetrics* metrics) { metrics_ = metrics; }
  // The missing inputs of the last bar without a decision (empty after a decision): what the
  // audit row of an automatic pause or kill names.
  const std::vector<std::string>& blocking_features() const { return blocking_; }

  // Reconciliation (spec 12) at start, after each session (before the first bar of the next
  // COT day) and whenever a decision finds the stored position changed; also on demand.
  Reconciliation reconcile();

  long epoch() const { return epoch_; }
  std::optional<Timestamp> l1_watermark() const { return features_.last_bar(); }
  std::optional<Timestamp> l5_watermark() const { return l5_; }
  const EngineCounters& counters() const { return counters_; }
  const DecisionStage& decisions() const { return decisions_; }
  const Reconciliation& last_reconciliation() const { return reconciliation_; }
  // The dead letter every later bar waits for (L1 and L5 keep bar order), if any.
  std::optional<long> blocked_by() const {
    return blocked_ ? std::optional<long>(blocked_->id) : std::nullopt;
  }

 private:
  struct Blocked {
    long id = 0;
    std::string key;  // handler + event id
    bool retrying = false;
  };
  void load_state();
  bool is_infrastructure(const std::exception& e) const;
  void reload_models();
  void reconciled(const Reconciliation& r);
  bool unblocked();
  template <class F>
  auto run_handler(const std::string& handler, const std::string& event_id, Timestamp bar_time,
                   F&& f) -> decltype(f());
  // `monitor_heard`: the monitor already heard of this bar (a batch that fell back).
  bool decide(const market::Bar& bar, const features::FeatureRow* row, bool monitor_heard = false);
  void decided(const market::Bar& bar, const features::FeatureRow* row, const DecidedBar& d,
               bool monitor_heard = false);
  void tell_monitor(const features::FeatureRow* row, const DecidedBar& d);
  // The per-bar monitor (check_monitor_per_bar): moves its clock to `bar`'s close; `act`:
  // checks (acting), else says whether that check would act.
  bool monitor_at(const market::Bar& bar, bool act);
  void tell_metrics(const market::Bar& bar, const DecidedBar& d);
  long decide_pending();
  void handle_revisions();
  // The pending bars [from, to) that can share one L1 and one L5 transaction.
  std::size_t batch_end(const std::vector<market::Bar>& bars, std::size_t from) const;
  // L1 and L5 of one bar, or of a batch (falling back to one bar at a time when a batch
  // fails, so a failing bar reaches its retries and the dead-letter queue in order). false:
  // another engine processed an event; stop and reload.
  bool handle_bar(const market::Bar& bar, long& n);
  bool handle_batch(const std::vector<market::Bar>& batch, long& n);
  bool decide_batch(const std::vector<market::Bar>& batch,
                    const std::vector<const features::FeatureRow*>& rows);

  LiveStore& store_;
  EngineOptions options_;
  FeatureStage features_;
  DecisionStage decisions_;
  long epoch_ = 0;
  bool started_ = false;
  bool state_loaded_ = false;
  std::optional<Timestamp> l5_;
  std::optional<Blocked> blocked_;
  std::optional<std::chrono::steady_clock::time_point> macro_checked_;
  std::optional<std::chrono::steady_clock::time_point> revisions_checked_;
  bool revisions_due_ = true;
  EngineCounters counters_;
  Reconciliation reconciliation_;
  ReconciliationSink reconciliation_sink_;
  ModelLoader loader_;
  bool reload_pending_ = false;
  models::MonitorEvents* monitor_ = nullptr;
  models::AutoRollbackMonitor* checked_monitor_ = nullptr;
  SimulatedClock* monitor_clock_ = nullptr;
  EngineMetrics* metrics_ = nullptr;
  std::vector<std::string> blocking_;
  long reconciliations_seen_ = 0;
  std::vector<std::string> mismatch_alerted_;  // the differences last alerted (once each)
};

}  // namespace usdcop::live
