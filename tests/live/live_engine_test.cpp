// The live engine in process on the test database (issue 13): exactly-once delivery, catch-up
// of events nobody announced, leader fencing, restart rebuilt from fills, reconciliation.
#include <gtest/gtest.h>

#include "backtest/backtest_runner.hpp"
#include "live/engine.hpp"
#include "live_fixture.hpp"
#include "store/pg_listener.hpp"
#include "store/pg_live_store.hpp"
#include "store/pg_macro_store.hpp"
#include "support/test_tokens.hpp"
#include "trading/run_artifacts.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::TestDatabase;

namespace {

constexpr const char* kHistoryFrom = "2025-01-02T00:00:00Z";
constexpr const char* kLiveFrom = "2025-02-03T00:00:00Z";

live::TradingModel model_from(const std::filesystem::path& dir, const std::string& id) {
  auto bundle = trading::load_policy_bundle(dir);
  live::TradingModel m;
  m.model_id = id;
  m.policy = std::shared_ptr<trading::Policy>(std::move(bundle.policy));
  m.norm_stats = bundle.norm_stats;
  return m;
}

// Real bars from kLiveFrom on, n of them.
std::vector<market::Bar> live_bars(std::size_t n) {
  const Timestamp from = parse_timestamp_or_throw(kLiveFrom, "from");
  std::vector<market::Bar> out;
  for (const auto& b : test_fixture::real_market().bars) {
    if (b.time < from) continue;
    if (out.size() == n) break;
    out.push_back(b);
  }
  return out;
}

void insert(TestDatabase& db, const std::vector<market::Bar>& bars) {
  store::PgBarStore(db.pool()).write_bars(bars, "test", false);
}

struct Rig {
  TestDatabase db;
  std::filesystem::path dir;
  store::PgLiveStore live{db.pool()};
  store::PgMacroStore macro{db.pool()};
  explicit Rig(const std::string& model_id) {
    dir = prepare_database(db, kHistoryFrom, kLiveFrom, model_id, false);
  }
  std::unique_ptr<live::Engine> engine(const std::string& model_id, const std::string& holder,
                                       std::vector<live::TradingModel> shadows = {}) {
    live::EngineOptions o;
    o.holder = holder;
    o.retry_delays = {std::chrono::milliseconds(10), std::chrono::milliseconds(20),
                      std::chrono::milliseconds(40)};
    return std::make_unique<live::Engine>(live, macro, market::MacroCatalog::load(),
                                          model_from(dir, model_id), o, std::move(shadows));
  }
};

}  // namespace

TEST(LiveEngine, TheSameEventDeliveredFiveTimesIsProcessedOnce) {
  Rig rig("m_once");
  auto engine = rig.engine("m_once", "a");
  engine->start();
  const auto bars = live_bars(4);
  insert(rig.db, {bars[0]});
  for (int i = 0; i < 5; ++i) engine->on_bar_event(bars[0].time);
  EXPECT_EQ(engine->counters().features, 1);
  EXPECT_EQ(engine->counters().decisions, 1);
  EXPECT_EQ(engine->counters().duplicates, 4);
  // The handlers themselves refuse a second delivery, whoever sends it.
  for (int i = 0; i < 5; ++i) {
    live::FeatureCommit again{live::bar_event_id(bars[0].time), {}, ""};
    again.row.time = bars[0].time;
    EXPECT_FALSE(rig.live.commit_features(again, engine->epoch()));
    EXPECT_TRUE(
        rig.live.begin_decision(live::decision_event_id(bars[0].time), "paper", engine->epoch())
            ->already_processed());
  }
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM system.processed_events"), 2);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots"), 1);

  // Bars nobody announced (NOTIFY lost while LISTEN was down) are found by the catch-up.
  insert(rig.db, {bars[1], bars[2], bars[3]});
  EXPECT_EQ(engine->catch_up(), 3);
  EXPECT_EQ(engine->l5_watermark(), bars[3].time);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots"), 4);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM system.processed_events"), 8);
}

TEST(LiveEngine, ADeposedLeadersLateWriteIsRefusedByTheEpoch) {
  Rig rig("m_leader");
  auto first = rig.engine("m_leader", "first");
  first->start();
  auto second = rig.engine("m_leader", "second");
  second->start();  // takes the leadership: a newer epoch
  EXPECT_EQ(second->epoch(), first->epoch() + 1);
  const auto bars = live_bars(2);
  insert(rig.db, bars);
  EXPECT_THROW(first->catch_up(), live::DeposedLeader);
  live::FeatureCommit late{live::bar_event_id(bars[0].time), {}, ""};
  late.row.time = bars[0].time;
  EXPECT_THROW(rig.live.commit_features(late, first->epoch()), live::DeposedLeader);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM system.processed_events"), 0);
  EXPECT_EQ(second->catch_up(), 2);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM system.processed_events WHERE epoch = " +
                              std::to_string(second->epoch())),
            4);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM system.processed_events"), 4);
}

TEST(LiveEngine, ARestartRebuildsTheStateFromFillsAndMatchesAnUninterruptedRun) {
  Rig rig("m_restart");
  // A staging model in shadow beside production: its own session, rebuilt after the restart.
  const auto shadow_dir =
      test_fixture::write_run_dir(test_fixture::fresh_dir("live_shadow"), "run_shadow", 11);
  test_fixture::register_model(rig.db.pool(), "m_shadow", 2, shadow_dir);
  sql(rig.db, "UPDATE ml.model_registry SET status = 'staging' WHERE model_id = 'm_shadow'");
  auto shadows = [&] {
    return std::vector<live::TradingModel>{model_from(shadow_dir, "m_shadow")};
  };
  const auto bars = live_bars(600);
  {
    auto engine = rig.engine("m_restart", "before", shadows());
    engine->start();
    insert(rig.db, std::vector<market::Bar>(bars.begin(), bars.begin() + 300));
    EXPECT_EQ(engine->catch_up(), 300);
  }
  auto engine = rig.engine("m_restart", "after", shadows());
  engine->start();
  EXPECT_TRUE(engine->last_reconciliation().consistent);
  EXPECT_EQ(engine->last_reconciliation().bars, 300);
  insert(rig.db, std::vector<market::Bar>(bars.begin() + 300, bars.end()));
  EXPECT_EQ(engine->catch_up(), 300);

  // The uninterrupted reference: the backtest runner over the same bars and stored rows.
  store::PgFeatureStore features(rig.db.pool());
  const auto rows = features.load(bars.front().time, bars.back().time + std::chrono::minutes(5));
  ASSERT_EQ(rows.size(), bars.size());
  auto reference_model = model_from(rig.dir, "m_restart");
  backtest::BacktestConfig config;
  config.close_at_end = false;
  const auto expected = backtest::run_backtest(bars, rows, *reference_model.policy,
                                               reference_model.norm_stats, config);
  const auto stored = rig.live.fills("paper");
  ASSERT_GE(expected.fills.size(), 4u);
  ASSERT_EQ(stored.size(), expected.fills.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(stored[i].time, expected.fills[i].time) << i;
    EXPECT_EQ(stored[i].quantity, expected.fills[i].quantity) << i;
    EXPECT_EQ(stored[i].price, expected.fills[i].price) << i;
    EXPECT_EQ(stored[i].cost, expected.fills[i].cost) << i;
  }
  EXPECT_EQ(engine->decisions().session().broker().account().equity(),
            expected.equity.back().equity);

  // The shadow's decisions across the restart equal one uninterrupted session of its model.
  auto shadow_model = model_from(shadow_dir, "m_shadow");
  trading::PaperBroker broker(shadow_model.trading.initial_capital, shadow_model.trading.cost_bps);
  trading::FixedOperationsMode normal;
  trading::TradingSession reference(*shadow_model.policy, shadow_model.norm_stats,
                                    shadow_model.trading, shadow_model.risk, normal, broker);
  const auto stored_shadow = rig.live.shadow_signals("paper", "m_shadow");
  long decided = 0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto out = reference.on_bar(bars[i], &rows[i]);
    if (!out.decided) continue;
    ++decided;
    const auto it = stored_shadow.find(bars[i].time);
    ASSERT_NE(it, stored_shadow.end()) << format_rfc3339(bars[i].time);
    EXPECT_EQ(it->second, static_cast<int>(out.signal)) << format_rfc3339(bars[i].time);
  }
  EXPECT_EQ(static_cast<long>(stored_shadow.size()), decided);
  EXPECT_GT(decided, 500);
}

TEST(LiveEngine, APositionEditedBehindTheEnginesBackHoldsNewEntries) {
  Rig rig("m_recon");
  const auto bars = live_bars(200);
  {
    auto engine = rig.engine("m_recon", "a");
    engine->start();
    insert(rig.db, bars);
    engine->catch_up();
    EXPECT_FALSE(engine->decisions().entries_held());
  }
  sql(rig.db, "UPDATE trading.positions SET quantity = quantity + 1");
  auto engine = rig.engine("m_recon", "b");
  bool alerted = false;
  engine->on_reconciliation([&](const live::Reconciliation&) { alerted = true; });
  engine->start();
  EXPECT_TRUE(alerted);
  EXPECT_FALSE(engine->last_reconciliation().consistent);
  ASSERT_FALSE(engine->last_reconciliation().differences.empty());
  EXPECT_NE(engine->last_reconciliation().differences[0].find("position"), std::string::npos);
  // The hold is the durable PAUSED mode (audited), with a P1 alert record.
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.operations_state WHERE mode = 'PAUSED'"),
            1);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM system.audit_log WHERE action = 'operations.pause' AND "
                  "actor = 'live-engine' AND reason LIKE 'reconciliation:%'"),
            1);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM system.audit_log WHERE action = "
                  "'live.reconciliation_mismatch'"),
            1);
}

// Spec 12 "after each session": the running engine finds the edit at its next check (the next
// decision reads the stored position; every new COT day compares the whole account with its
// fills), holds new entries, and an operator's `ops resume` releases the hold without restart.
TEST(LiveEngine, AnEditWhileRunningIsFoundAtTheNextCheckAndAResumeReleasesTheHold) {
  Rig rig("m_recon_live");
  auto engine = rig.engine("m_recon_live", "a");
  long alerts = 0;
  engine->on_reconciliation([&](const live::Reconciliation&) { ++alerts; });
  engine->start();
  const auto bars = live_bars(500);
  insert(rig.db, std::vector<market::Bar>(bars.begin(), bars.begin() + 150));
  engine->catch_up();
  EXPECT_EQ(alerts, 0);
  EXPECT_TRUE(engine->last_reconciliation().consistent);
  EXPECT_GT(engine->last_reconciliation().bars, 100);  // a session end was checked

  sql(rig.db, "UPDATE trading.positions SET cash = cash + 1000");
  insert(rig.db, {bars[150]});
  engine->catch_up();
  EXPECT_EQ(alerts, 1);
  EXPECT_FALSE(engine->last_reconciliation().consistent);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.operations_state WHERE mode = 'PAUSED'"),
            1);
  const std::string held_from = format_rfc3339(bars[150].time);
  insert(rig.db, std::vector<market::Bar>(bars.begin() + 151, bars.begin() + 300));
  engine->catch_up();
  // Held: every bar decided under PAUSED, and no order opens or grows a position.
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots WHERE time >= '" +
                              held_from + "' AND mode <> 'PAUSED'"),
            0);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.orders WHERE bar_time >= '" + held_from +
                              "' AND target_units <> 0"),
            0);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM system.audit_log WHERE action = "
                  "'live.reconciliation_mismatch'"),
            1);  // alerted once

  const std::string secret = usdcop::testing::make_token(rig.db, "ops_recon", "operator");
  auto r = usdcop::testing::run_usdcop(
      "ops resume --reason 'account checked after the reconciliation alert' --json",
      usdcop::testing::token_env(secret) + " " + env_for(rig.db));
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string resumed_from = format_rfc3339(bars[300].time);
  insert(rig.db, std::vector<market::Bar>(bars.begin() + 300, bars.end()));
  engine->catch_up();
  EXPECT_TRUE(engine->last_reconciliation().consistent);  // the next session's check
  EXPECT_EQ(alerts, 1);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots WHERE time >= '" +
                              resumed_from + "' AND mode <> 'NORMAL'"),
            0);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.operations_state WHERE mode = 'NORMAL'"),
            1);
}

TEST(LiveEngine, KillClosesPositionsInItsOwnTransactionAndNoOrderFollowsIt) {
  Rig rig("m_kill");
  auto engine = rig.engine("m_kill", "a");
  engine->start();
  // Bars arrive one by one until the engine holds a position.
  const auto bars = live_bars(1200);
  std::size_t i = 0;
  for (; i < bars.size() && engine->decisions().session().position() == 0; ++i) {
    insert(rig.db, {bars[i]});
    engine->catch_up();
  }
  ASSERT_LT(i, bars.size()) << "the model never opened a position";
  const std::string secret = usdcop::testing::make_token(rig.db, "ops_kill", "operator");
  // The engine hears of the kill with what it closed (operations_mode, positions_closed).
  store::PgListener listener(rig.db.url(), {events::Channel::operations_mode});
  std::optional<events::OperationsModeChanged> heard;
  listener.on_event(
      [&](const events::Event& e) { heard = std::get<events::OperationsModeChanged>(e); });
  listener.connect();
  auto r = usdcop::testing::run_usdcop("ops kill --reason 'desk test of the kill switch' --json",
                                       usdcop::testing::token_env(secret) + " " + env_for(rig.db));
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["positions_closed"], 1);
  for (int i = 0; i < 150 && !heard; ++i) listener.wait(std::chrono::milliseconds(200));
  ASSERT_TRUE(heard);
  EXPECT_EQ(heard->mode, trading::OperationsMode::kKilled);
  EXPECT_EQ(heard->positions_closed, 1);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.fills WHERE reason = 'kill_switch'"), 1);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.positions WHERE quantity <> 0"), 0);
  const long kill_order = count(rig.db, "SELECT max(id) FROM trading.orders");

  // More bars after the kill: decided under KILLED, no order.
  for (std::size_t k = i; k < i + 100 && k < bars.size(); ++k) {
    insert(rig.db, {bars[k]});
    engine->catch_up();
  }
  EXPECT_EQ(
      count(rig.db, "SELECT count(*) FROM trading.orders WHERE id > " + std::to_string(kill_order)),
      0);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots WHERE mode = 'KILLED'"),
            100);
  EXPECT_EQ(engine->decisions().session().position(), 0.0);
  EXPECT_FALSE(engine->decisions().entries_held());  // the rebuilt state matches the kill's fill

  // Pause while killed is refused; resume needs the confirmation code.
  r = usdcop::testing::run_usdcop("ops pause --reason 'pause while killed'",
                                  usdcop::testing::token_env(secret) + " " + env_for(rig.db));
  EXPECT_EQ(r.status, 5) << r.err;
  r = usdcop::testing::run_usdcop("ops resume --reason 'resume without the code'",
                                  usdcop::testing::token_env(secret) + " " + env_for(rig.db));
  EXPECT_EQ(r.status, 2) << r.err;
  r = usdcop::testing::run_usdcop(
      "ops resume --reason 'resume after the test' --confirm CONFIRM_RESUME --json",
      usdcop::testing::token_env(secret) + " " + env_for(rig.db));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["mode"], "NORMAL");

  // A restart rebuilds the same account, the kill's fill included.
  auto restarted = rig.engine("m_kill", "b");
  restarted->start();
  EXPECT_TRUE(restarted->last_reconciliation().consistent)
      << (restarted->last_reconciliation().differences.empty()
              ? ""
              : restarted->last_reconciliation().differences[0]);
}

TEST(LiveEngine, AHandlerThatFailsGoesToTheDeadLetterQueuePausesAndDlqRetryCompletesInOrder) {
  Rig rig("m_dlq");
  auto engine = rig.engine("m_dlq", "a");
  engine->start();
  const auto bars = live_bars(6);
  // A real fault for one bar: the feature table refuses its row (installed as the owner).
  {
    pqxx::connection owner(rig.db.owner_url());
    pqxx::work tx(owner);
    tx.exec(
        "CREATE FUNCTION features.refuse_one_row() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF NEW.time = '" +
        format_rfc3339(bars[2].time) +
        "' THEN RAISE EXCEPTION 'disk says no'; END IF; RETURN NEW; END $$");
    tx.exec(
        "CREATE TRIGGER refuse_one_row BEFORE INSERT ON features.inference_features_5m "
        "FOR EACH ROW EXECUTE FUNCTION features.refuse_one_row()");
    tx.commit();
  }
  insert(rig.db, bars);
  EXPECT_EQ(engine->catch_up(), 2);  // bars 0 and 1; bar 2 fails three times
  ASSERT_TRUE(engine->blocked_by());
  EXPECT_EQ(engine->counters().failures, 3);
  EXPECT_EQ(engine->l1_watermark(), bars[1].time);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM system.dead_letter_queue WHERE status = "
                  "'pending' AND attempts = 3 AND handler = 'L1'"),
            1);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.operations_state WHERE mode = 'PAUSED'"),
            1);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM system.audit_log WHERE action = "
                  "'operations.pause' AND actor = 'live-engine'"),
            1);
  EXPECT_EQ(engine->catch_up(), 0);  // its first retry is 60 s away: later bars wait

  auto r = usdcop::testing::run_usdcop("dlq list --json", env_for(rig.db));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto letters = nlohmann::json::parse(r.out)["dead_letters"];
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_NE(letters[0]["error"].get<std::string>().find("disk says no"), std::string::npos);
  const long id = letters[0]["id"];

  // The fix, then the admin's retry (spec 12): the engine completes bar 2 and the rest in order.
  {
    pqxx::connection owner(rig.db.owner_url());
    pqxx::work tx(owner);
    tx.exec("DROP TRIGGER refuse_one_row ON features.inference_features_5m");
    tx.commit();
  }
  const std::string secret = usdcop::testing::make_token(rig.db, "ops_dlq", "admin");
  r = usdcop::testing::run_usdcop("dlq retry " + std::to_string(id),
                                  usdcop::testing::token_env(secret) + " " + env_for(rig.db));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(engine->catch_up(), 4);
  EXPECT_FALSE(engine->blocked_by());
  EXPECT_EQ(engine->l5_watermark(), bars[5].time);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM system.dead_letter_queue WHERE status = "
                  "'resolved'"),
            1);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots"), 6);
  r = usdcop::testing::run_usdcop("dlq resolve " + std::to_string(id) + " --reason 'done twice'",
                                  usdcop::testing::token_env(secret) + " " + env_for(rig.db));
  EXPECT_EQ(r.status, 5) << r.err;  // already resolved
}
