#pragma once
// L5 (spec 06): feature row -> production decision. One trading::TradingSession (the object the
// backtest drives) runs the production model: normalize, policy, signal, position rules, risk
// manager, paper broker. Each bar is one DecisionTransaction that reads the operations mode FOR
// SHARE, decides with it and writes the decision, order, fill, position, equity snapshot, risk
// events, processed event and watermark together.
//
// After a restart (or a failed commit) the session is rebuilt by driving a fresh session over
// the stored decisions, modes and external fills (kill switch, flatten) in order: the same
// state an uninterrupted run has (peak equity, start-of-day equity, loss streak, cooldown,
// trades today, open trade). Reconciliation compares the rebuilt fills and position with the
// stored ones; a difference holds new entries (spec 12).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "features/norm_stats.hpp"
#include "live/live_store.hpp"
#include "live/shadow_session.hpp"
#include "live/trading_model.hpp"
#include "trading/policy.hpp"
#include "trading/trading_session.hpp"

namespace usdcop::live {

// "new_features:2025-02-03T13:00:00Z": the deterministic id of a bar's L5 event.
std::string decision_event_id(Timestamp bar_time);

struct Reconciliation {
  bool consistent = true;
  long bars = 0, fills = 0;
  std::vector<std::string> differences;  // human sentences, first ones only
};

enum class DecisionResult { committed, already_processed };

// A bar decided by the last process or process_batch, in bar order.
struct DecidedBar {
  trading::BarOutcome outcome;
  double latency_us = 0;
};

class DecisionStage {
 public:
  // `shadows`: staging models, each in its own shadow session (no orders).
  DecisionStage(LiveStore& store, TradingModel model, std::string account,
                std::vector<TradingModel> shadows = {});

  // Rebuilds the session from the stored account and reconciles it with the stored fills and
  // position. Inconsistent: new entries are held (the mode used is at least PAUSED).
  Reconciliation rebuild();
  // Decides `bar` (row: its feature row, null when missing). Throws what the store throws; the
  // session is then stale and rebuilt on the next call.
  DecisionResult process(const market::Bar& bar, const features::FeatureRow* row, long epoch);
  // Several bars (oldest first; rows[i] is bars[i]'s row or null) in one transaction: the mode
  // and position read once, then each bar decided in order (its own decision, orders, equity
  // snapshot and processed event), committed together (a catch-up that is behind).
  // `stop_before(i)` (i >= 1, asked once bars[0..i) are decided in memory) ends the batch
  // before bars[i]: bars[0..i) commit, the later bars are left undecided (last_batch() has
  // the committed ones).
  DecisionResult process_batch(const std::vector<market::Bar>& bars,
                               const std::vector<const features::FeatureRow*>& rows, long epoch,
                               const std::function<bool(std::size_t)>& stop_before = {});
  // The bars decided by the last process or process_batch (during process_batch: so far).
  const std::vector<DecidedBar>& last_batch() const { return batch_; }
  // Hot swap (spec 12): from the next bar on, `model` decides and `shadows` shadow it. Called
  // between two bars only; the account goes on (the session is rebuilt from the stored
  // decisions and fills with the new model's profiles) and so does each shadow that stays.
  Reconciliation swap_models(TradingModel model, std::vector<TradingModel> shadows);

  const trading::TradingSession& session() const { return *session_; }
  const std::string& account() const { return account_; }
  const TradingModel& model() const { return model_; }
  const std::vector<std::unique_ptr<ShadowSession>>& shadows() const { return shadows_; }
  // The import's flags of bars about to be decided: the price collar (spec 12) of the
  // production session and the shadows.
  void note_flags(const std::vector<market::BarFlag>& flags);
  bool stale() const { return stale_; }
  bool entries_held() const { return hold_entries_; }
  // The last comparison of the rebuilt account with the stored one, and how many were made
  // (a decision that finds the stored position changed rebuilds and compares too).
  const Reconciliation& last_reconciliation() const { return last_reconciliation_; }
  long reconciliations() const { return reconciliations_; }
  // The engine made the hold durable (operations mode PAUSED): stop holding here, so that an
  // operator's resume is what releases it.
  void release_hold() { hold_entries_ = false; }
  long decisions() const { return decisions_; }
  // The outcome of the last committed bar and its decision latency (the monitor's inputs).
  const trading::BarOutcome& last_outcome() const { return last_outcome_; }
  double last_latency_us() const { return last_latency_us_; }
  // The operations mode the last bar was decided with.
  trading::OperationsMode last_mode() const { return mode_.current(); }

 private:
  void reset_session();
  bool matches_stored(const std::optional<StoredPosition>& stored) const;
  DecisionRecord record_of(const market::Bar& bar, const features::FeatureRow* row,
                           const trading::BarOutcome& out, double latency_us) const;

  LiveStore& store_;
  TradingModel model_;
  std::string account_;
  trading::FixedOperationsMode mode_;
  std::shared_ptr<trading::FlaggedBars> flagged_ = std::make_shared<trading::FlaggedBars>();
  std::unique_ptr<trading::PaperBroker> broker_;
  std::unique_ptr<trading::TradingSession> session_;
  std::vector<std::unique_ptr<ShadowSession>> shadows_;
  bool stale_ = true;
  bool hold_entries_ = false;
  Reconciliation last_reconciliation_;
  long reconciliations_ = 0;
  long decisions_ = 0;
  trading::BarOutcome last_outcome_;
  double last_latency_us_ = 0;
  std::vector<DecidedBar> batch_;
};

}  // namespace usdcop::live
