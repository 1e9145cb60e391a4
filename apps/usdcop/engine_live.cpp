#include "engine_live.hpp"

#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "app/drift.hpp"
#include "cli_services.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "engine_leader.hpp"
#include "store/dependency_failure.hpp"
#include "store/notify.hpp"
#include "store/pg_listener.hpp"
#include "store/pg_live_store.hpp"

namespace usdcop::cli {
namespace {

using Steady = std::chrono::steady_clock;

// "0.2 s", "60 s"
std::string seconds(std::chrono::milliseconds d) {
  std::ostringstream out;
  out << std::chrono::duration<double>(d).count() << " s";
  return out.str();
}

// system_heartbeat (spec 06) through the pool; false when it could not be sent.
bool send_heartbeat(store::ConnectionPool& pool, const std::string& holder, int64_t sequence,
                    bool leader) {
  try {
    auto c = pool.acquire();
    pqxx::work tx(*c, "heartbeat");
    store::notify(tx, events::SystemHeartbeat{holder, sequence, now_utc(), leader});
    tx.commit();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// The leader's hourly drift job (spec 12): monitor.drift_history and the usdcop_feature_psi
// gauge. A refusal (no complete rows yet, ...) is said once and never stops trading.
void run_drift_job(app::DriftJob& job, std::string& said, const std::string& holder) {
  std::string refusal;
  try {
    if (const auto report = job.tick(services(), true)) {
      const auto drifted = report->drifted();
      if (!drifted.empty())
        std::cerr << "engine " << holder << ": drift above " << report->threshold << " in "
                  << drifted.size() << " feature(s), first " << drifted.front() << "\n";
    }
    refusal = job.last_error();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::unavailable) throw;  // the loop's database retry
    refusal = e.what();
  } catch (const std::exception& e) {
    refusal = e.what();
  }
  if (!refusal.empty() && refusal != said)
    std::cerr << "engine " << holder << ": drift not recorded: " << refusal << "\n";
  said = refusal;
}

// The leader lock is a session advisory lock on the LISTEN session (spec 12), so it vanishes
// with that session; a standby retries it on every tick. The leader catches up on start, on
// every new_ohlcv_bar notification, on each tick, after a reconnect and, while the LISTEN
// breaker is not closed, every poll interval (a notification may be lost then).
class LiveLoop {
 public:
  LiveLoop(live::Engine& engine, models::AutoRollbackMonitor& monitor, store::ConnectionPool& pool,
           live::EngineMetrics& metrics, const LiveLoopOptions& o)
      : engine_(engine),
        monitor_(monitor),
        pool_(pool),
        metrics_(metrics),
        o_(o),
        listener_(pool.url(), {events::Channel::new_ohlcv_bar, events::Channel::operations_mode,
                               events::Channel::model_changed, events::Channel::system_heartbeat}),
        health_(o.health, Steady::now()) {
    metrics_.observe_bar_close_to_decision(o.feed != nullptr);
    wire();
  }

  void run(const std::atomic<bool>& stop) {
    while (!stop.load()) {
      try {
        step(Steady::now());
      } catch (const live::DeposedLeader& e) {
        say(std::string("deposed (") + e.what() + "); standing by");
        leader_ = false;
        metrics_.leadership(false, engine_.epoch());
      } catch (const std::exception& e) {
        retry_later(e);
      }
    }
  }

 private:
  void wire() {
    listener_.on_event([this](const events::Event& e) { heard(e); });
    listener_.on_undecodable([this](const store::UndecodableNotification& n) {
      metrics_.notification(n.channel, "error");
    });
    // Each change of the breaker is reported when it happens (a reconnect inside one wait()
    // goes open -> half-open before the loop looks).
    listener_.on_connection_lost([this](const std::string&) {
      health_.failed(Steady::now());
      report();
    });
    listener_.on_connect_failed([this](const std::string&) {
      health_.failed(Steady::now());
      report();
    });
    listener_.on_reconnect([this](store::PgListener&) {
      leader_ = false;  // the lock died with the old session
      metrics_.leadership(false, engine_.epoch());
      due_ = true;  // the catch-up on reconnect finds what LISTEN missed
      health_.session_opened();
      report();
    });
  }

  void heard(const events::Event& e) {
    metrics_.notification(events::channel_name(events::channel_of(e)), "success");
    if (const auto* bar = std::get_if<events::NewOhlcvBar>(&e)) {
      announced_ = bar->last_time;  // an update (revised bars): L1 rebuilds from the earliest
      if (bar->operation == events::NewOhlcvBar::Operation::update) engine_.on_bars_revised();
    }
    if (const auto* m = std::get_if<events::OperationsModeChanged>(&e)) metrics_.mode(m->mode);
    if (std::holds_alternative<events::ModelChanged>(e)) {
      engine_.on_model_changed();  // applied by the next catch-up, before its first bar
      due_ = true;
    }
    const auto* beat = std::get_if<events::SystemHeartbeat>(&e);
    if (beat == nullptr || beat->instance != o_.holder) return;  // another engine's, a doctor's
    const double latency = std::chrono::duration<double>(now_utc() - beat->sent_at).count();
    metrics_.notify_latency("system_heartbeat", std::max(0.0, latency));
    health_.heartbeat_received(Steady::now());
  }

  void step(Steady::time_point now) {
    if (now >= next_tick_) {
      due_ = true;
      next_tick_ = now + o_.tick;
    }
    if (health_.polling() && now >= next_poll_) {
      poll_due_ = true;
      next_poll_ = now + o_.poll;
    }
    if (!leader_ && due_) try_lead();
    // Only the leader polls the provider; the bars it stores are handled at once.
    if (leader_ && o_.feed != nullptr && o_.feed->poll_if_due(o_.holder)) due_ = true;
    if (leader_) work();
    due_ = poll_due_ = false;
    heartbeat(now);
    metrics_.market_hours(is_market_open(now_utc()));
    report();
    const auto wait = health_.polling() ? o_.poll : o_.tick;
    listener_.wait(std::min(wait, std::chrono::milliseconds(200)));
  }

  void try_lead() {
    leader_ = try_leader_lock(listener_);
    if (!leader_) return;
    engine_.start();  // a new epoch: a deposed engine's writes are refused from now on
    metrics_.leadership(true, engine_.epoch());
    say("leader, epoch " + std::to_string(engine_.epoch()));
  }

  void work() {
    if (due_) {
      engine_.catch_up();
      if (o_.monitor) monitor_.check();  // stale data, drawdown, errors: every tick
      run_drift_job(drift_, drift_said_, o_.holder);
    } else if (poll_due_) {
      engine_.catch_up();
    } else if (announced_) {
      engine_.on_bar_event(*announced_);
    }
    announced_.reset();
  }

  void heartbeat(Steady::time_point now) {
    const bool was_ok = health_.heartbeat_ok();
    // A session that stays silent is dropped and reconnected (spec 06); without a session
    // the listener is reconnecting anyway.
    if (health_.check_missed(now) && listener_.connected()) {
      say("none of its heartbeats came back within " +
          seconds(o_.health.heartbeat_interval * o_.health.missed_after) +
          ": LISTEN treated as broken, reconnecting");
      listener_.reset("its heartbeats stopped arriving");
      alert_silent_session();
    } else if (was_ok && !health_.heartbeat_ok()) {
      say("heartbeat missed (no LISTEN session)");
    }
    if (!health_.heartbeat_due(now)) return;
    const bool sent = send_heartbeat(pool_, o_.holder, sequence_++, leader_);
    health_.heartbeat_sent(now);
    if (!sent && heartbeat_sent_) say("heartbeat not sent (the database is not reachable)");
    heartbeat_sent_ = sent;
  }

  // Spec 06 "missed heartbeats -> alert and reconnect": an alert record (audit row
  // live.listen_heartbeat_missed, a usdcop_alerts notification) when the database takes it.
  void alert_silent_session() {
    const auto after = o_.health.heartbeat_interval * o_.health.missed_after;
    try {
      store::PgLiveStore(pool_).alert(
          {"listen_heartbeat_missed",
           "warning",
           "live engine: its heartbeats stopped arriving on its LISTEN session; reconnecting "
           "and polling every " +
               seconds(o_.poll) + " meanwhile",
           {{"instance", o_.holder},
            {"missed_after_seconds", std::chrono::duration<double>(after).count()}}});
    } catch (const std::exception& e) {
      say(std::string("alert not recorded: ") + e.what());
    }
  }

  void report() {
    const auto state = health_.state();
    metrics_.listen_health(state, health_.heartbeat_ok());
    if (state == reported_) return;
    reported_ = state;
    std::string what = std::string("LISTEN circuit breaker ") + live::breaker_state_name(state);
    if (state == live::BreakerState::open)
      what += ": polling every " + seconds(o_.poll) + " (" +
              (listener_.last_error().empty() ? "heartbeat missed" : listener_.last_error()) + ")";
    say(what);
  }

  void retry_later(const std::exception& e) {
    const auto* error = dynamic_cast<const Error*>(&e);
    const auto lost =
        error != nullptr ? std::optional<Error>(*error) : store::as_dependency_failure(e);
    if (!lost || lost->kind() != ErrorKind::unavailable) throw;
    say(std::string(lost->what()) + "; retrying");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }

  void say(const std::string& what) const {
    std::cerr << "engine " << o_.holder << ": " << what << "\n";
  }

  live::Engine& engine_;
  models::AutoRollbackMonitor& monitor_;
  store::ConnectionPool& pool_;
  live::EngineMetrics& metrics_;
  const LiveLoopOptions& o_;
  store::PgListener listener_;
  live::ListenHealth health_;
  bool leader_ = false, due_ = true, poll_due_ = false, heartbeat_sent_ = true;
  std::optional<Timestamp> announced_;
  int64_t sequence_ = 0;
  Steady::time_point next_tick_{}, next_poll_{};
  live::BreakerState reported_ = live::BreakerState::closed;
  app::DriftJob drift_;
  std::string drift_said_;
};

}  // namespace

void run_live(live::Engine& engine, models::AutoRollbackMonitor& monitor,
              store::ConnectionPool& pool, live::EngineMetrics& metrics,
              const LiveLoopOptions& options, const std::atomic<bool>& stop) {
  LiveLoop(engine, monitor, pool, metrics, options).run(stop);
}

}  // namespace usdcop::cli
