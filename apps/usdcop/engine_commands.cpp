// usdcop engine: the live engine alone (spec 06): L1 and L5 over the stored bars after the
// durable watermarks, woken by the periodic tick; with --replay FILE it plays a bar file
// through the import path on a simulated clock and exits once every row is handled.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>

#include "app/model_source.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "engine_feed.hpp"
#include "engine_http.hpp"
#include "engine_launch.hpp"
#include "engine_leader.hpp"
#include "engine_live.hpp"
#include "engine_models.hpp"
#include "live/engine.hpp"
#include "live/replay_feed.hpp"
#include "monitor/metrics.hpp"
#include "store/pg_backtest_store.hpp"
#include "store/pg_listener.hpp"
#include "store/pg_live_store.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_monitor_actions.hpp"
#include "store/pg_registry_rows.hpp"

namespace usdcop::cli {
namespace {

std::atomic<bool> g_engine_stop{false};
extern "C" void on_engine_signal(int) {
  g_engine_stop.store(true);
}

// The monitor's pause and kill name what blocked the decisions (spec 12, "Stale data"): the
// missing features of the last bar the engine could not decide.
class BlockingFeatureActions final : public models::MonitorActions {
 public:
  BlockingFeatureActions(models::MonitorActions& inner, const live::Engine& engine)
      : inner_(inner), engine_(engine) {}
  void notify(const models::Alert& alert) override { inner_.notify(alert); }
  void rollback(const models::TriggerFiring& firing) override { inner_.rollback(firing); }
  void pause(const models::TriggerFiring& firing) override { inner_.pause(with_blocking(firing)); }
  void kill(const models::TriggerFiring& firing) override { inner_.kill(with_blocking(firing)); }

 private:
  models::TriggerFiring with_blocking(models::TriggerFiring firing) const {
    const auto& missing = engine_.blocking_features();
    firing.values["blocking_features"] =
        missing.empty() ? std::vector<std::string>{"bar missing"} : missing;
    return firing;
  }
  models::MonitorActions& inner_;
  const live::Engine& engine_;
};

struct EngineOpts {
  std::string replay, speed = "max", model, account = "paper";
  std::string metrics_host = "127.0.0.1";
  int metrics_port = -1;  // none
  double tick_s = 30, poll_s = 1, heartbeat_s = 60;
  bool json = false, no_monitor = false;
  // A full-speed replay's rows per import transaction (and bars per L1/L5 transaction, at
  // most 64); 1: one row and one bar at a time.
  std::size_t replay_batch = 256;
  FeedChoice feed;  // live polling feed (none: bars come from other writers)
};

std::optional<double> parse_speed(const std::string& text) {
  if (text == "max") return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw Error(ErrorKind::invalid_input, "speed: '" + text + "' is not a positive number or max",
              "speed");
}

nlohmann::json summary(const live::Engine& engine, const live::ReplayReport* replay,
                       double seconds) {
  const auto& c = engine.counters();
  const auto& session = engine.decisions().session();
  nlohmann::json j = {{"epoch", engine.epoch()},
                      {"account", engine.decisions().account()},
                      {"model_id", engine.decisions().model().model_id},
                      {"features", c.features},
                      {"decisions", c.decisions},
                      {"duplicates", c.duplicates},
                      {"l5_batches", c.batches},
                      {"equity", session.broker().account().equity()},
                      {"position", session.position()},
                      {"entries_held", engine.decisions().entries_held()},
                      {"seconds", seconds}};
  auto wm = [](std::optional<Timestamp> t) {
    return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
  };
  j["l1_watermark"] = wm(engine.l1_watermark());
  j["l5_watermark"] = wm(engine.l5_watermark());
  if (replay != nullptr) {
    j["replay"] = {{"rows", replay->rows},
                   {"inserted", replay->inserted},
                   {"identical", replay->identical},
                   {"rejected", replay->rejected},
                   {"rejected_by_reason", replay->rejected_by_reason},
                   {"flagged", replay->flagged}};
    j["bars_per_second"] = seconds > 0 ? static_cast<double>(replay->rows) / seconds : 0.0;
  }
  return j;
}

// The text summary of an engine run (the JSON one is `j` itself).
void render_engine_text(const nlohmann::json& j, const live::ReplayReport* report, long epoch) {
  std::cout << "engine " << j["model_id"].get<std::string>() << " account "
            << j["account"].get<std::string>() << " (leader epoch " << epoch << ")\n"
            << "  features " << j["features"] << ", decisions " << j["decisions"] << ", duplicates "
            << j["duplicates"] << "\n"
            << "  watermarks L1 " << j["l1_watermark"] << ", L5 " << j["l5_watermark"] << "\n"
            << "  equity " << j["equity"] << ", position " << j["position"] << "\n";
  if (report) {
    std::cout << "  replay rows " << report->rows << ": inserted " << report->inserted
              << ", identical " << report->identical << ", rejected " << report->rejected;
    for (const auto& [reason, n] : report->rejected_by_reason)
      std::cout << " (" << reason << " " << n << ")";
    std::cout << "\n  " << j["bars_per_second"].get<double>() << " rows/s\n";
  }
}

// --replay: the file through the import path on the simulated clock, the engine catching up
// after each row; a promotion or rollback meanwhile swaps the models between two rows.
live::ReplayReport run_replay(live::Engine& engine, live::EngineMetrics& metrics,
                              const EngineOpts& o, SimulatedClock& simulated,
                              double& engine_seconds) {
  auto& db = services();
  const std::optional<double> speed = parse_speed(o.speed);
  try {
    // A replay leads like a live engine (its LISTEN session holds the leader lock): it
    // refuses to start beside another engine, and /engine/status shows the leader alive.
    store::PgListener changes(db.pool().url(), {events::Channel::model_changed});
    changes.on_event([&](const events::Event&) { engine.on_model_changed(); });
    changes.on_reconnect([](store::PgListener& l) {
      if (!try_leader_lock(l))
        throw Error(ErrorKind::conflict,
                    "leader: another engine took the leader lock while the replay's session was "
                    "away",
                    "leader_epoch");
    });
    changes.connect();
    if (!try_leader_lock(changes))
      throw Error(ErrorKind::conflict,
                  "leader: another engine holds the leader lock; a replay runs only when no "
                  "engine is leading",
                  "leader_epoch");
    engine.start();
    metrics.leadership(true, engine.epoch());
    // At full speed the rows are imported in chunks and the engine catches up in batches
    // (docs/LIVE.md "Performance"); the monitor runs on the engine's clock and checks at
    // every bar's close before the engine decides it (Engine::check_monitor_per_bar).
    live::ReplayOptions replay{o.replay, speed, "", o.replay_batch};
    live::ReplayFeed feed(db.bars(), simulated, replay, [&] { return engine.l1_watermark(); });
    auto report = feed.run(
        [&] {
          const auto e0 = std::chrono::steady_clock::now();
          metrics.market_hours(is_market_open(simulated.now()));
          changes.wait(std::chrono::milliseconds(0));
          engine.catch_up();
          engine_seconds +=
              std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
        },
        &g_engine_stop);
    engine.catch_up();
    return report;
  } catch (const live::DeposedLeader& e) {
    throw Error(ErrorKind::conflict,
                std::string("another engine took the leadership during the replay: ") + e.what(),
                "leader_epoch");
  }
}

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(seconds));
}

LiveLoopOptions live_loop_options(const EngineOpts& o, const std::string& holder) {
  LiveLoopOptions l;
  l.holder = holder;
  l.tick = millis(o.tick_s);
  l.poll = millis(o.poll_s);
  l.health.heartbeat_interval = millis(o.heartbeat_s);
  l.monitor = !o.no_monitor;
  return l;
}

void run_engine(const EngineOpts& o) {
  auto& db = services();
  auto& pool = db.pool();
  live::TradingModel model = load_trading_model(o.model, o.replay, pool);
  parse_speed(o.speed);  // a bad --speed fails before anything starts
  if (!o.feed.name.empty() && !o.replay.empty())
    throw Error(ErrorKind::invalid_input,
                "feed: a replay plays its file; a polling feed runs only live", "feed");
  store::PgLiveStore live_store(pool);
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  live::EngineOptions options;
  options.account = o.account;
  options.holder = std::string(host) + ":" + std::to_string(::getpid());
  if (!o.replay.empty()) options.max_batch_bars = std::min(options.max_batch_bars, o.replay_batch);
  live::Engine engine(live_store, db.macro(), market::MacroCatalog::load(), std::move(model),
                      options, load_shadow_models(pool));
  engine.reload_models_with([&pool] { return load_models_in_force(pool); });
  engine.on_reconciliation([](const live::Reconciliation& r) {
    std::cerr << "P1 reconciliation: the stored account differs from its fills; new entries are "
                 "held\n";
    for (const auto& d : r.differences) std::cerr << "  " << d << "\n";
  });
  // The one clock (spec 12): simulated in a replay (the feed moves it), the system's otherwise.
  SimulatedClock simulated(Timestamp{});
  SystemClock system;
  const Clock& clock = o.replay.empty() ? static_cast<const Clock&>(system) : simulated;
  store::PgMonitorActions monitor_actions(pool, [](const models::Alert& a) {
    std::cerr << "alert " << a.severity << ": " << a.title << "\n";
  });
  BlockingFeatureActions actions(monitor_actions, engine);
  live::EngineMetrics metrics(monitor::metrics_registry());
  engine.feed_metrics(&metrics);
  metrics.model_info(engine.decisions().model().model_id, "production");
  for (const auto& shadow : engine.decisions().shadows())
    metrics.model_info(shadow->model().model_id, "staging");
  std::unique_ptr<monitor::MetricsEndpoint> endpoint;
  if (o.metrics_port >= 0) {
    endpoint = serve_engine_metrics(o.metrics_host, o.metrics_port, metrics, live_store);
    std::cerr << "engine: /metrics and /health on http://" << o.metrics_host << ":"
              << endpoint->port() << "\n";
  }
  SimulatedClock engine_clock(Timestamp{});  // a replay's monitor: the decided bar's close
  models::AutoRollbackMonitor monitor({}, o.replay.empty() ? clock : engine_clock, actions);
  if (!o.no_monitor && o.replay.empty()) engine.feed_monitor(&monitor);
  if (!o.no_monitor && !o.replay.empty()) engine.check_monitor_per_bar(&monitor, &engine_clock);
  g_engine_stop = false;
  auto* previous_int = std::signal(SIGINT, on_engine_signal);
  auto* previous_term = std::signal(SIGTERM, on_engine_signal);
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<live::ReplayReport> report;
  double engine_seconds = 0;  // in catch-up (L1 + L5), the rest of a replay is the import
  if (!o.replay.empty()) {
    report = run_replay(engine, metrics, o, simulated, engine_seconds);
  } else {
    std::unique_ptr<EngineFeed> feed;
    if (!o.feed.name.empty()) feed = std::make_unique<EngineFeed>(o.feed, clock);
    LiveLoopOptions loop = live_loop_options(o, options.holder);
    loop.feed = feed.get();
    run_live(engine, monitor, pool, metrics, loop, g_engine_stop);
  }
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto j = summary(engine, report ? &*report : nullptr, seconds);
  if (report) j["engine_seconds"] = engine_seconds;
  j["blocked_by_dead_letter"] =
      engine.blocked_by() ? nlohmann::json(*engine.blocked_by()) : nlohmann::json(nullptr);
  // Like `ingest csv`: rejected rows make the exit status 3 (the good rows were all handled).
  const int status = report && report->rejected > 0 ? kPartial : kOk;
  if (o.json) {
    print_json(j);
    if (status != kOk) throw ExitRequest{status};
    return;
  }
  render_engine_text(j, report ? &*report : nullptr, engine.epoch());
  if (status != kOk) throw ExitRequest{status};
}

void add_engine(CLI::App& app) {
  auto o = std::make_shared<EngineOpts>();
  auto* c = app.add_subcommand("engine",
                               "Run the live engine (spec 06): L1 features and L5 "
                               "decisions for every new bar, exactly once");
  c->add_option("--replay", o->replay,
                "Play this bar file (time,open,high,low,close[,volume]; .csv or .csv.gz) as if "
                "live, each bar inserted at its simulated close time; exit when done");
  c->add_option("--speed", o->speed,
                "Replay speed: simulated seconds per real second, or max (default)");
  c->add_option("--model", o->model,
                "MODEL_ID to trade in a replay on a database without a deployed model (audited)");
  c->add_option("--feed", o->feed.name,
                "Poll this provider for new bars when live: twelvedata (key from "
                "TWELVEDATA_API_KEY or the file named by TWELVEDATA_API_KEY_FILE)")
      ->check(CLI::IsMember({"twelvedata"}));
  c->add_option("--poll-offset", o->feed.offset_s,
                "Seconds after each bar's close the feed polls (default 5)")
      ->check(CLI::Range(0.0, 299.0));
  c->add_option("--account", o->account, "Paper account name (default paper)");
  c->add_option("--tick", o->tick_s, "Seconds between catch-ups when live (default 30)")
      ->check(CLI::Range(0.01, 3600.0));
  c->add_option("--poll", o->poll_s,
                "Seconds between catch-ups while the LISTEN session is broken (circuit breaker "
                "open or half-open; default 1)")
      ->check(CLI::Range(0.01, 3600.0));
  c->add_option("--heartbeat", o->heartbeat_s,
                "Seconds between the engine's own system_heartbeat notifications; none back "
                "for two intervals marks LISTEN broken (default 60)")
      ->check(CLI::Range(0.05, 3600.0));
  c->add_flag("--no-monitor", o->no_monitor,
              "Without the automatic monitor (stale-data pause/kill, rollback): the trading "
              "stack alone, as a backtest runs it");
  c->add_option("--batch", o->replay_batch,
                "A full-speed replay's rows per import transaction (bars per L1/L5 transaction: "
                "at most 64); 1: one row at a time (default 256)")
      ->check(CLI::Range(1, 100000));
  c->add_option("--metrics-port", o->metrics_port,
                "Serve /metrics and /health on this port (0: any free port, printed on stderr)")
      ->check(CLI::Range(0, 65535));
  c->add_option("--metrics-host", o->metrics_host,
                "Address for --metrics-port (default 127.0.0.1; no authentication)");
  c->add_flag("--json", o->json, "Machine-readable summary");
  c->callback([o] { run_engine(*o); });
}

const CommandRegistration reg{65, add_engine};

}  // namespace

void run_engine_in_process(const EngineLaunch& launch) {
  EngineOpts o;
  o.replay = launch.replay;
  o.speed = launch.speed;
  o.tick_s = launch.tick_s;
  // The feed polls only live: `up` replays first without it, then goes live with it.
  if (launch.replay.empty()) o.feed = {launch.feed, launch.poll_offset_s};
  run_engine(o);
}

void stop_engine() {
  g_engine_stop.store(true);
}
}  // namespace usdcop::cli
