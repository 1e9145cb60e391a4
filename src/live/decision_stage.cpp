#include "live/decision_stage.hpp"

#include <chrono>
#include <cmath>
#include <map>
#include <sstream>

#include "core/error.hpp"

namespace usdcop::live {
namespace {

const char* rule_name(trading::RuleOverride r) {
  switch (r) {
    case trading::RuleOverride::kMinHold:
      return "min_hold";
    case trading::RuleOverride::kSessionEnd:
      return "session_end";
    case trading::RuleOverride::kNone:
      break;
  }
  return "";
}

std::string describe(const char* what, Timestamp t, double stored, double rebuilt) {
  std::ostringstream s;
  s.precision(17);
  s << what << " at " << format_rfc3339(t) << ": stored " << stored << ", rebuilt from fills "
    << rebuilt;
  return s.str();
}

trading::OperationsMode at_least_paused(trading::OperationsMode m) {
  return m == trading::OperationsMode::kNormal ? trading::OperationsMode::kPaused : m;
}

}  // namespace

std::string decision_event_id(Timestamp bar_time) {
  return "new_features:" + format_rfc3339(bar_time);
}

DecisionStage::DecisionStage(LiveStore& store, TradingModel model, std::string account,
                             std::vector<TradingModel> shadows)
    : store_(store), model_(std::move(model)), account_(std::move(account)) {
  for (auto& m : shadows)
    shadows_.push_back(std::make_unique<ShadowSession>(std::move(m), flagged_));
  if (!model_.policy) throw std::invalid_argument("DecisionStage: the model has no policy");
  reset_session();
}

void DecisionStage::reset_session() {
  session_.reset();  // the old session refers to the old broker: drop it first
  auto fresh = open_paper_session(model_, mode_, flagged_.get());
  broker_ = std::move(fresh.broker);
  session_ = std::move(fresh.session);
}

void DecisionStage::note_flags(const std::vector<market::BarFlag>& flags) {
  trading::add_collar_flags(*flagged_, flags);
}

Reconciliation DecisionStage::rebuild() {
  reset_session();
  const auto bars = store_.decided_bars(account_);
  if (!bars.empty()) note_flags(store_.bar_flags(bars.front().time, bars.back().time + kBarLength));
  const auto stored_fills = store_.fills(account_);
  Reconciliation rec;
  std::size_t next_external = 0;
  std::vector<const StoredFill*> external;
  for (const auto& f : stored_fills)
    if (f.source != "engine") external.push_back(&f);
  std::vector<std::map<Timestamp, int>> shadow_signals;
  for (auto& shadow : shadows_) {
    shadow->reset();
    shadow_signals.push_back(store_.shadow_signals(account_, shadow->model().model_id));
  }
  for (const auto& b : bars) {
    for (std::size_t k = 0; k < shadows_.size(); ++k) {
      const auto it = shadow_signals[k].find(b.time);
      shadows_[k]->replay(
          {b.time, b.close, b.close, b.close, b.close, 0},
          it == shadow_signals[k].end() ? std::nullopt : std::optional<int>(it->second));
    }
    mode_.set(b.mode);
    market::Bar bar{b.time, b.close, b.close, b.close, b.close, 0};
    std::optional<double> target;
    if (b.decided) target = static_cast<double>(b.signal);
    session_->on_target(bar, target);
    ++rec.bars;
    // Kill switch and flatten fills were made after this bar's decision, at its close.
    while (next_external < external.size() && external[next_external]->time == b.time) {
      session_->close_position(external[next_external]->source == "flatten"
                                   ? trading::ExitReason::kRisk
                                   : trading::ExitReason::kKillSwitch);
      ++next_external;
    }
  }
  // Compare fill by fill, then the position.
  const auto& rebuilt = broker_->fills();
  rec.fills = static_cast<long>(stored_fills.size());
  auto differ = [&](std::string sentence) {
    rec.consistent = false;
    if (rec.differences.size() < 10) rec.differences.push_back(std::move(sentence));
  };
  if (rebuilt.size() != stored_fills.size()) {
    differ("trading.fills has " + std::to_string(stored_fills.size()) +
           " fills, the decisions give " + std::to_string(rebuilt.size()));
  }
  for (std::size_t i = 0; i < std::min(rebuilt.size(), stored_fills.size()); ++i) {
    const auto& s = stored_fills[i];
    const auto& r = rebuilt[i];
    if (s.time != r.time) differ("fill " + std::to_string(i + 1) + " time differs");
    if (s.quantity != r.quantity) differ(describe("fill quantity", s.time, s.quantity, r.quantity));
    if (s.price != r.price) differ(describe("fill price", s.time, s.price, r.price));
    if (s.cost != r.cost) differ(describe("fill cost", s.time, s.cost, r.cost));
  }
  const auto& acc = broker_->account();
  if (const auto pos = store_.position(account_)) {
    if (pos->quantity != acc.position)
      differ(describe("position quantity", pos->last_bar.value_or(Timestamp{}), pos->quantity,
                      acc.position));
    if (pos->cash != acc.cash)
      differ(describe("cash", pos->last_bar.value_or(Timestamp{}), pos->cash, acc.cash));
  } else if (!rebuilt.empty()) {
    differ("trading.positions has no row for account " + account_ + " but fills exist");
  }
  hold_entries_ = !rec.consistent;
  stale_ = false;
  last_reconciliation_ = rec;
  ++reconciliations_;
  return rec;
}

Reconciliation DecisionStage::swap_models(TradingModel model, std::vector<TradingModel> shadows) {
  if (!model.policy) throw std::invalid_argument("DecisionStage: the model has no policy");
  // The session refers to the old policy: drop it before the model it refers to.
  session_.reset();
  model_ = std::move(model);
  shadows_.clear();
  for (auto& m : shadows)
    shadows_.push_back(std::make_unique<ShadowSession>(std::move(m), flagged_));
  stale_ = true;
  return rebuild();
}

bool DecisionStage::matches_stored(const std::optional<StoredPosition>& stored) const {
  const auto& acc = broker_->account();
  if (!stored) return acc.position == 0 && broker_->fills().empty();
  return stored->quantity == acc.position && stored->cash == acc.cash;
}

DecisionResult DecisionStage::process(const market::Bar& bar, const features::FeatureRow* row,
                                      long epoch) {
  return process_batch({bar}, {row}, epoch);
}

DecisionResult DecisionStage::process_batch(const std::vector<market::Bar>& bars,
                                            const std::vector<const features::FeatureRow*>& rows,
                                            long epoch,
                                            const std::function<bool(std::size_t)>& stop_before) {
  if (bars.empty() || rows.size() != bars.size())
    throw std::invalid_argument("DecisionStage::process_batch: one row (or null) per bar");
  if (stale_) rebuild();
  std::vector<std::string> event_ids;
  event_ids.reserve(bars.size());
  for (const auto& bar : bars) event_ids.push_back(decision_event_id(bar.time));
  auto tx = store_.begin_decisions(event_ids, account_, epoch);
  if (tx->already_processed()) {
    stale_ = true;  // another engine decided them: our session does not know those bars
    return DecisionResult::already_processed;
  }
  if (!hold_entries_ && !matches_stored(tx->stored_position())) {
    // A kill or flatten closed the position since our last decision: rebuild from the fills
    // (theirs included), then decide in a fresh transaction.
    tx.reset();
    rebuild();
    tx = store_.begin_decisions(event_ids, account_, epoch);
    if (tx->already_processed()) {
      stale_ = true;
      return DecisionResult::already_processed;
    }
  }
  // One mode for the whole transaction: a kill waits for it and is read by the next one.
  const trading::OperationsMode read = tx->mode();
  mode_.set(hold_entries_ ? at_least_paused(read) : read);
  // From here the session runs ahead of the database until the commit succeeds.
  stale_ = true;
  std::vector<DecisionRecord> records;
  records.reserve(bars.size());
  batch_.clear();
  for (std::size_t i = 0; i < bars.size(); ++i) {
    if (i > 0 && stop_before && stop_before(i)) break;
    const auto t0 = std::chrono::steady_clock::now();
    auto out = session_->on_bar(bars[i], rows[i]);
    const double latency_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    records.push_back(record_of(bars[i], rows[i], out, latency_us));
    for (auto& shadow : shadows_)
      if (auto d = shadow->on_bar(bars[i], rows[i]))
        records.back().shadows.push_back(std::move(*d));
    batch_.push_back({std::move(out), latency_us});
  }
  if (records.size() == 1) {
    tx->commit(records.front());
  } else {
    tx->commit_batch(records);
  }
  last_outcome_ = batch_.back().outcome;
  last_latency_us_ = batch_.back().latency_us;
  stale_ = false;
  decisions_ += static_cast<long>(records.size());
  return DecisionResult::committed;
}

DecisionRecord DecisionStage::record_of(const market::Bar& bar, const features::FeatureRow* row,
                                        const trading::BarOutcome& out, double latency_us) const {
  DecisionRecord r;
  r.account = account_;
  r.model_id = model_.model_id;
  r.bar_time = bar.time;
  r.close = bar.close;
  r.mode = mode_.current();
  r.decided = out.decided;
  r.action = out.action;
  r.signal = static_cast<int>(out.signal);
  r.latency_us = latency_us;
  r.position_before = out.position_before;
  r.position_after = out.position_after;
  if (out.decided && row != nullptr)
    r.observation_json = observation_json(model_.norm_stats, *row, out.position_before);
  r.rule = rule_name(out.rule);
  if (r.rule.empty() && !out.risk_events.empty()) r.rule = out.risk_events.front().rule;
  if (out.fill) {
    OrderRecord o;
    o.fill = *out.fill;
    o.target_units = out.position_after;
    o.reason =
        out.closed_trade ? trading::exit_reason_name(out.closed_trade->exit_reason) : "signal";
    r.order = o;
  }
  r.after.account = broker_->account();
  r.after.units = session_->position();
  r.after.cost_bps = model_.trading.cost_bps;
  r.risk_events = out.risk_events;
  return r;
}

}  // namespace usdcop::live
