#include "live/engine.hpp"

#include <thread>

#include "core/error.hpp"
#include "market/bar_validation.hpp"

namespace usdcop::live {
namespace {

// Thrown inside a catch-up when an event went to the dead-letter queue: later bars wait.
struct HandlerBlocked {};

}  // namespace

// A lost database or a lost leadership is not the event's fault: no retry, no dead letter.
bool Engine::is_infrastructure(const std::exception& e) const {
  if (dynamic_cast<const DeposedLeader*>(&e) != nullptr) return true;
  const auto* error = dynamic_cast<const Error*>(&e);
  if (error != nullptr) return error->kind() == ErrorKind::unavailable;
  return store_.lost_database(e);
}

template <class F>
auto Engine::run_handler(const std::string& handler, const std::string& event_id,
                         Timestamp bar_time, F&& f) -> decltype(f()) {
  const std::string key = handler + " " + event_id;
  if (blocked_ && blocked_->retrying && blocked_->key == key) {
    // The dead letter's scheduled or requested retry: one attempt.
    try {
      auto result = f();
      store_.dead_letter_resolved(blocked_->id, "live-engine", "retried: completed");
      blocked_.reset();
      return result;
    } catch (const std::exception& e) {
      if (is_infrastructure(e)) throw;
      ++counters_.failures;
      if (metrics_ != nullptr) metrics_->handler_failed(handler, decisions_.model().model_id);
      store_.dead_letter_retry_failed(blocked_->id, e.what());
      blocked_->retrying = false;
      throw HandlerBlocked{};
    }
  }
  std::string error;
  const std::size_t attempts = std::max<std::size_t>(1, options_.retry_delays.size());
  for (std::size_t attempt = 1;; ++attempt) {
    try {
      return f();
    } catch (const std::exception& e) {
      // A lost database or a lost leadership is not the event's fault: no dead letter.
      if (is_infrastructure(e)) throw;
      ++counters_.failures;
      if (metrics_ != nullptr) metrics_->handler_failed(handler, decisions_.model().model_id);
      error = e.what();
    }
    if (attempt >= attempts) break;
    std::this_thread::sleep_for(options_.retry_delays[attempt - 1]);
  }
  const long id =
      store_.dead_letter({event_id, handler, handler == "L1" ? "new_ohlcv_bar" : "new_features",
                          bar_time, error, static_cast<int>(attempts)});
  ++counters_.dead_letters;
  blocked_ = Blocked{id, key, false};
  throw HandlerBlocked{};
}

// While a dead letter blocks the bars, a catch-up only checks whether its retry is due (or an
// operator resolved it).
bool Engine::unblocked() {
  if (!blocked_) return true;
  const auto state = store_.dead_letter_state(blocked_->id);
  if (!state || state->status == "resolved") {
    blocked_.reset();
    return true;
  }
  blocked_->retrying = state->due;
  return state->due;
}

Engine::Engine(LiveStore& store, market::MacroStore& macro, market::MacroCatalog catalog,
               TradingModel model, EngineOptions options, std::vector<TradingModel> shadows)
    : store_(store),
      options_(std::move(options)),
      features_(store, macro, std::move(catalog)),
      decisions_(store, std::move(model), options_.account, std::move(shadows)) {}

void Engine::start() {
  epoch_ = store_.claim_leader_epoch(options_.holder);
  if (!store_.watermarks().initialized) {
    std::optional<Timestamp> l1;
    std::string state;
    const auto newest = store_.newest_bar();
    if (auto boot = store_.feature_bootstrap()) {
      l1 = boot->last_bar;
      state = std::move(boot->state);
    } else if (newest) {
      throw Error(ErrorKind::conflict,
                  "bars are stored but there is no current feature checkpoint: build the "
                  "features of the stored history (`usdcop features build`) before the "
                  "engine's first start",
                  "features.builder_state");
    }
    store_.initialize_watermarks(l1, state, newest);
  }
  started_ = true;
  load_state();
}

void Engine::load_state() {
  const Watermarks wm = store_.watermarks();
  if (wm.leader_epoch != epoch_)
    throw DeposedLeader("another engine holds leader epoch " + std::to_string(wm.leader_epoch) +
                        " (this one had " + std::to_string(epoch_) + ")");
  features_.restore(wm.l1, wm.l1_state);
  l5_ = wm.l5;
  reconciled(decisions_.rebuild());
  state_loaded_ = true;
  revisions_due_ = true;  // revisions made while no engine led
}

Reconciliation Engine::reconcile() {
  reconciled(decisions_.rebuild());
  return reconciliation_;
}

void Engine::reconciled(const Reconciliation& r) {
  reconciliation_ = r;
  reconciliations_seen_ = decisions_.reconciliations();
  if (r.consistent) {
    mismatch_alerted_.clear();
    return;
  }
  if (reconciliation_sink_) reconciliation_sink_(r);
  if (r.differences != mismatch_alerted_) {
    const nlohmann::json details{{"account", options_.account}, {"differences", r.differences}};
    store_.alert({"reconciliation_mismatch", "P1",
                  "live engine: account " + options_.account +
                      " differs from its fills; new entries are held until an operator resumes",
                  details});
    mismatch_alerted_ = r.differences;
  }
  // The hold becomes the durable PAUSED mode, which `ops resume` (audited) releases.
  store_.hold_entries("reconciliation: account " + options_.account + " differs from its fills",
                      {{"account", options_.account}, {"differences", r.differences}});
  decisions_.release_hold();
}

void Engine::reload_models() {
  if (!loader_) {
    reload_pending_ = false;
    return;
  }
  const std::string before = decisions_.model().model_id;
  ModelSet set;
  try {
    set = loader_();
  } catch (const std::exception& e) {
    if (is_infrastructure(e)) throw;  // the database is away: try again on the next catch-up
    reload_pending_ = false;
    ++counters_.model_load_failures;
    store_.alert({"model_load_failed",
                  "P1",
                  "live engine: the models could not be reloaded; still trading " + before,
                  {{"model_id", before}, {"error", market::text_excerpt(e.what(), 400)}}});
    return;
  }
  reload_pending_ = false;
  reconciled(decisions_.swap_models(std::move(set.production), std::move(set.shadows)));
  ++counters_.model_swaps;
}

bool Engine::monitor_at(const market::Bar& bar, bool act) {
  if (checked_monitor_ == nullptr || monitor_clock_ == nullptr) return false;
  const Timestamp close = bar.time + kBarLength;
  if (monitor_clock_->now() < close) monitor_clock_->set(close);
  if (!act) return checked_monitor_->due().has_value();
  checked_monitor_->check();
  return false;
}

bool Engine::decide(const market::Bar& bar, const features::FeatureRow* row, bool monitor_heard) {
  // The monitor at this bar's close (stale time before it) acts before the bar is decided.
  monitor_at(bar, true);
  // After each session: the whole account against its fills before the next day's first bar.
  if (l5_ && cot_date(*l5_) != cot_date(bar.time)) reconcile();
  const auto result = run_handler("L5", decision_event_id(bar.time), bar.time,
                                  [&] { return decisions_.process(bar, row, epoch_); });
  if (result == DecisionResult::already_processed) {
    ++counters_.duplicates;
    if (metrics_ != nullptr) metrics_->duplicate("L5");
    state_loaded_ = false;  // another engine moved on: reload before going further
    return false;
  }
  ++counters_.decisions;
  l5_ = bar.time;
  // The decision found the stored position changed and compared the account: act on it.
  if (decisions_.reconciliations() != reconciliations_seen_)
    reconciled(decisions_.last_reconciliation());
  decided(bar, row, decisions_.last_batch().back(), monitor_heard);
  return true;
}

void Engine::decided(const market::Bar& bar, const features::FeatureRow* row, const DecidedBar& d,
                     bool monitor_heard) {
  if (!monitor_heard) tell_monitor(row, d);
  tell_metrics(bar, d);
}

void Engine::tell_metrics(const market::Bar& bar, const DecidedBar& decided) {
  if (metrics_ == nullptr) return;
  DecisionMetrics d;
  d.model_id = decisions_.model().model_id;
  d.mode = decisions_.last_mode();
  d.outcome = &decided.outcome;
  d.position = decisions_.session().position();
  d.inference_seconds = decided.latency_us / 1e6;
  if (const auto stored = store_.stored_at(bar.time))
    d.e2e_seconds = std::chrono::duration<double>(now_utc() - *stored).count();
  metrics_->decision_committed(bar.time, d);
}

void Engine::tell_monitor(const features::FeatureRow* row, const DecidedBar& d) {
  const auto& out = d.outcome;
  if (out.decided) {
    blocking_.clear();
  } else {
    blocking_ = row != nullptr ? row->missing : std::vector<std::string>{"no feature row"};
  }
  if (monitor_ == nullptr) return;
  if (out.decided) {
    monitor_->on_bar();
    monitor_->on_inference(false, d.latency_us / 1000.0);
  }
  if (out.closed_trade) monitor_->on_trade_closed(out.closed_trade->net_pnl);
  monitor_->on_equity(out.equity);
}

long Engine::decide_pending() {
  long n = 0;
  const auto l1 = features_.last_bar();
  while (l1 && (!l5_ || *l5_ < *l1)) {
    const auto bars = store_.bars_after(l5_, options_.batch);
    if (bars.empty()) break;
    decisions_.note_flags(store_.bar_flags(bars.front().time, bars.back().time + kBarLength));
    for (const auto& bar : bars) {
      if (*l1 < bar.time) return n;
      const auto row = store_.feature_row(bar.time);
      if (!decide(bar, row ? &*row : nullptr)) return n;
      ++n;
    }
  }
  return n;
}

std::size_t Engine::batch_end(const std::vector<market::Bar>& bars, std::size_t from) const {
  // One bar at a time: batching off, a dead letter in the way, or bars before the engine's
  // first start (L1 only).
  if (options_.max_batch_bars <= 1 || blocked_ || !l5_ || !(*l5_ < bars[from].time))
    return from + 1;
  const Date day = cot_date(bars[from].time);
  std::size_t to = from + 1;
  while (to < bars.size() && to - from < options_.max_batch_bars && cot_date(bars[to].time) == day)
    ++to;
  return to;
}

bool Engine::handle_bar(const market::Bar& bar, long& n) {
  const auto row = run_handler("L1", bar_event_id(bar.time), bar.time,
                               [&] { return features_.process(bar, epoch_); });
  if (!row) {
    ++counters_.duplicates;
    if (metrics_ != nullptr) metrics_->duplicate("L1");
    state_loaded_ = false;
    return false;
  }
  ++counters_.features;
  if (metrics_ != nullptr) metrics_->feature_committed(*row);
  ++n;
  if (l5_ && !(*l5_ < bar.time)) return true;  // before the engine's first start
  return decide(bar, &*row);
}

bool Engine::handle_batch(const std::vector<market::Bar>& batch, long& n) {
  std::optional<std::vector<features::FeatureRow>> rows;
  try {
    rows = features_.process_batch(batch, epoch_);
  } catch (const std::exception& e) {
    if (is_infrastructure(e)) throw;
    // Nothing was written: the bars again one at a time, each with its retries and its dead
    // letter, in order.
    ++counters_.batch_fallbacks;
    for (const auto& bar : batch)
      if (!handle_bar(bar, n)) return false;
    return true;
  }
  if (!rows) {
    ++counters_.duplicates;
    if (metrics_ != nullptr) metrics_->duplicate("L1");
    state_loaded_ = false;
    return false;
  }
  counters_.features += static_cast<long>(rows->size());
  n += static_cast<long>(rows->size());
  if (metrics_ != nullptr)
    for (const auto& row : *rows) metrics_->feature_committed(row);
  std::vector<const features::FeatureRow*> row_of;
  row_of.reserve(rows->size());
  for (const auto& row : *rows) row_of.push_back(&row);
  return decide_batch(batch, row_of);
}

bool Engine::decide_batch(const std::vector<market::Bar>& batch,
                          const std::vector<const features::FeatureRow*>& row_of) {
  monitor_at(batch.front(), true);
  if (l5_ && cot_date(*l5_) != cot_date(batch.front().time)) reconcile();
  // With the per-bar monitor: it hears of each bar as it is decided (before the commit) and
  // the batch ends before the bar whose check would act: the one-bar path's order.
  std::size_t heard = 0;
  std::function<bool(std::size_t)> stop_before;
  if (checked_monitor_ != nullptr)
    stop_before = [&](std::size_t i) {
      tell_monitor(row_of[i - 1], decisions_.last_batch()[i - 1]);
      heard = i;
      return monitor_at(batch[i], false);
    };
  DecisionResult result;
  try {
    result = decisions_.process_batch(batch, row_of, epoch_, stop_before);
  } catch (const std::exception& e) {
    if (is_infrastructure(e)) throw;
    // Nothing was written; the session is stale and rebuilt by the next decision.
    ++counters_.batch_fallbacks;
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (!decide(batch[i], row_of[i], i < heard)) return false;
    return true;
  }
  if (result == DecisionResult::already_processed) {
    ++counters_.duplicates;
    if (metrics_ != nullptr) metrics_->duplicate("L5");
    state_loaded_ = false;
    return false;
  }
  const auto& decided_bars = decisions_.last_batch();
  const std::size_t n = decided_bars.size();
  if (n > 1) ++counters_.batches;
  counters_.decisions += static_cast<long>(n);
  l5_ = batch[n - 1].time;
  if (decisions_.reconciliations() != reconciliations_seen_)
    reconciled(decisions_.last_reconciliation());
  for (std::size_t i = 0; i < n; ++i) decided(batch[i], row_of[i], decided_bars[i], i < heard);
  if (n == batch.size()) return true;
  // Ended early: the monitor acts at bars[n]'s close, then the rest is decided after it.
  return decide_batch({batch.begin() + static_cast<std::ptrdiff_t>(n), batch.end()},
                      {row_of.begin() + static_cast<std::ptrdiff_t>(n), row_of.end()});
}

long Engine::catch_up() {
  if (!started_) throw std::logic_error("Engine::catch_up before start");
  ++counters_.catch_ups;
  long n = 0;
  if (!unblocked()) return 0;
  try {
    if (!state_loaded_) load_state();
    if (reload_pending_) reload_models();  // before the first bar: between two bars
    const auto now = std::chrono::steady_clock::now();
    if (!macro_checked_ || now - *macro_checked_ >= options_.macro_check) {
      features_.refresh_macro();
      macro_checked_ = now;
    }
    if (revisions_due_ || !revisions_checked_ ||
        now - *revisions_checked_ >= options_.revision_check) {
      handle_revisions();
      revisions_checked_ = now;
    }
    n += decide_pending();
    if (!state_loaded_) return n;
    for (;;) {
      const auto bars = store_.bars_after(features_.last_bar(), options_.batch);
      if (bars.empty()) break;
      decisions_.note_flags(store_.bar_flags(bars.front().time, bars.back().time + kBarLength));
      for (std::size_t from = 0; from < bars.size();) {
        const std::size_t to = batch_end(bars, from);
        const bool go_on = to - from == 1
                               ? handle_bar(bars[from], n)
                               : handle_batch({bars.begin() + static_cast<std::ptrdiff_t>(from),
                                               bars.begin() + static_cast<std::ptrdiff_t>(to)},
                                              n);
        if (!go_on) return n;
        from = to;
      }
      // A short batch was everything stored when it was read; a bar committed since then
      // announces itself (new_ohlcv_bar) or the next tick finds it: no empty query per bar.
      if (bars.size() < options_.batch) break;
    }
  } catch (const HandlerBlocked&) {
    return n;  // the dead letter holds every later bar until it is handled
  } catch (...) {
    state_loaded_ = false;  // the in-memory state may be ahead of the database
    throw;
  }
  return n;
}

// Spec 12 "Revisions and order": the feature rows from the earliest revised bar up to the L1
// watermark are refolded from the stored history (every later row depends on the revised bar
// through the builder's averages) and rewritten with the builder state in one fenced L1
// transaction; L5 never re-decides: a revised bar it had decided gets a
// `revised_after_decision` risk event in the same transaction.
void Engine::handle_revisions() {
  revisions_due_ = false;
  const auto pending = store_.pending_revisions();
  if (pending.empty()) return;
  const BarRevision& first = pending.front();  // the oldest revised bar
  run_handler("L1", "bar_revision:" + std::to_string(first.id), first.time, [&] {
    RevisionCommit c;
    c.revisions = pending;
    c.l1 = features_.last_bar();
    c.l5 = l5_;
    c.account = options_.account;
    c.model_id = decisions_.model().model_id;
    std::optional<features::FeatureBuilder> rebuilt;
    if (c.l1 && !(*c.l1 < first.time)) {
      auto refold = features_.refold(store_.bars_through(*c.l1), first.time);
      c.rows = std::move(refold.rows);
      c.builder_state = refold.builder.serialize();
      rebuilt = refold.builder;
    }
    store_.commit_revisions(c, epoch_);
    if (rebuilt) features_.adopt(*rebuilt);
    counters_.revisions += static_cast<long>(pending.size());
    counters_.rows_rebuilt += static_cast<long>(c.rows.size());
    return 0;
  });
}

long Engine::on_bar_event(Timestamp bar_time) {
  const auto l1 = features_.last_bar();
  if (!revisions_due_ && state_loaded_ && l1 && !(*l1 < bar_time) && l5_ && !(*l5_ < bar_time)) {
    ++counters_.duplicates;
    if (metrics_ != nullptr) metrics_->duplicate("L1");
    return 0;
  }
  return catch_up();
}

}  // namespace usdcop::live
