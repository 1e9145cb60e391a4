// PgListener on the test cluster: delivery through the codec, undecodable payloads, reconnect
// after its backend is terminated, statements on the LISTEN session, wake() from a thread.
#include "store/pg_listener.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "events/codec.hpp"
#include "store/database.hpp"
#include "store/notify.hpp"
#include "store/pg_operations_control.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using namespace std::chrono_literals;

// libpqxx 6.4 leaks the PGresult of a statement whose session is terminated under it (in
// transaction_base::direct_exec); the self-termination test below goes there on purpose.
// LSan's fast unwinder sees only libpqxx's frames there, hence the module as the pattern.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpqxx-6.4.so\n";
}

namespace {

const store::ListenerBackoff kFastBackoff{50ms, 500ms};

// Waits until pred() holds, up to 10 s (10x margin over what the test needs).
template <class Pred>
bool wait_until(store::PgListener& listener, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!pred() && std::chrono::steady_clock::now() < deadline) listener.wait(200ms);
  return pred();
}

void send(usdcop::testing::TestDatabase& db, const events::Event& event) {
  auto conn = db.pool().acquire();
  pqxx::work tx(*conn);
  store::notify(tx, event);
  tx.commit();
}

void send_raw(usdcop::testing::TestDatabase& db, const std::string& channel,
              const std::string& payload) {
  auto conn = db.pool().acquire();
  pqxx::work tx(*conn);
  tx.exec_params("SELECT pg_notify($1, $2)", channel, payload);
  tx.commit();
}

const events::OperationsModeChanged kKill{trading::OperationsMode::kKilled,
                                          trading::OperationsMode::kNormal, "drawdown", "bob"};

}  // namespace

TEST(PgListener, DeliversWhatStoreNotifySendsOnItsChannelsOnly) {
  usdcop::testing::TestDatabase db;
  store::PgListener listener(db.url(), {events::Channel::operations_mode}, kFastBackoff);
  std::vector<events::Event> got;
  listener.on_event([&](const events::Event& e) { got.push_back(e); });
  listener.connect();
  EXPECT_NE(listener.backend_pid(), 0);

  send(db, events::SystemHeartbeat{"other", 1, now_utc(), false});  // not listened to
  send(db, kKill);
  ASSERT_TRUE(wait_until(listener, [&] { return !got.empty(); }));
  listener.wait(200ms);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::get<events::OperationsModeChanged>(got[0]), kKill);
  EXPECT_EQ(listener.counters().delivered, 1u);
  EXPECT_EQ(listener.counters().undecodable, 0u);
}

TEST(PgListener, AKillThroughTheOperationsStateReachesTheListenerDecoded) {
  // The path of spec 06: an operator's kill must reach the engine before its next decision.
  usdcop::testing::TestDatabase db;
  store::PgListener listener(db.url(), {events::Channel::operations_mode}, kFastBackoff);
  std::vector<events::Event> got;
  listener.on_event([&](const events::Event& e) { got.push_back(e); });
  listener.connect();
  store::PgOperationsControl ops(db.pool());
  const std::string long_reason(3000, 'x');  // stored whole; travels as a preview
  ops.kill(long_reason, store::Actor{"carol", "operator", "req-9"});
  ASSERT_TRUE(wait_until(listener, [&] { return !got.empty(); }));
  const auto& mode = std::get<events::OperationsModeChanged>(got[0]);
  EXPECT_EQ(mode.mode, trading::OperationsMode::kKilled);
  EXPECT_EQ(mode.previous, trading::OperationsMode::kNormal);
  EXPECT_EQ(mode.changed_by, "carol");
  EXPECT_TRUE(mode.kill_switch_active());
  EXPECT_EQ(mode.reason, events::text_preview(long_reason));
  EXPECT_EQ(ops.mode().reason, long_reason);
}

TEST(PgListener, AnUndecodablePayloadIsCountedAndReportedAndListeningGoesOn) {
  usdcop::testing::TestDatabase db;
  store::PgListener listener(db.url(), {events::Channel::new_features}, kFastBackoff);
  std::vector<store::UndecodableNotification> refused;
  std::vector<events::Event> got;
  listener.on_undecodable([&](const store::UndecodableNotification& n) { refused.push_back(n); });
  listener.on_event([&](const events::Event& e) { got.push_back(e); });
  listener.connect();

  send_raw(db, "new_features", "not json");
  send_raw(db, "new_features", R"({"time": "2024-03-05T13:00:00Z", "complete": true})");
  const events::NewFeatures good{parse_timestamp_or_throw("2024-03-05T13:05:00Z", "t"), false, 2};
  send(db, good);
  ASSERT_TRUE(wait_until(listener, [&] { return !got.empty(); }));
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].channel, "new_features");
  EXPECT_EQ(refused[0].payload, "not json");
  EXPECT_EQ(refused[0].field, "payload");
  EXPECT_EQ(refused[1].field, "rows");
  EXPECT_NE(refused[1].error.find("rows is missing"), std::string::npos) << refused[1].error;
  EXPECT_EQ(std::get<events::NewFeatures>(got[0]), good);
  EXPECT_EQ(listener.counters().undecodable, 2u);
  EXPECT_EQ(listener.counters().delivered, 1u);
}

TEST(PgListener, ReconnectsAfterItsBackendIsTerminatedAndRunsOnReconnect) {
  usdcop::testing::TestDatabase db;
  store::PgListener listener(db.url(), {events::Channel::operations_mode}, kFastBackoff);
  std::vector<events::Event> got;
  std::vector<std::string> lost;
  int reconnects_seen = 0;
  int lock_pid = 0;
  listener.on_event([&](const events::Event& e) { got.push_back(e); });
  listener.on_connection_lost([&](const std::string& why) { lost.push_back(why); });
  // What the live engine does there: take its session lock again, then catch up.
  listener.on_reconnect([&](store::PgListener& l) {
    ++reconnects_seen;
    l.with_session([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      tx.exec("SELECT pg_advisory_lock(4242)");
      lock_pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
    });
  });
  listener.connect();
  const int first_pid = listener.backend_pid();
  {
    auto conn = db.pool().acquire();
    pqxx::nontransaction tx(*conn);
    EXPECT_TRUE(tx.exec_params1("SELECT pg_terminate_backend($1)", first_pid)[0].as<bool>());
  }
  ASSERT_TRUE(wait_until(listener, [&] { return reconnects_seen == 1; })) << listener.last_error();
  EXPECT_EQ(lost.size(), 1u);
  EXPECT_NE(listener.backend_pid(), first_pid);
  EXPECT_EQ(lock_pid, listener.backend_pid());
  EXPECT_EQ(listener.counters().reconnects, 1u);
  {
    auto conn = db.pool().acquire();
    pqxx::nontransaction tx(*conn);
    EXPECT_EQ(tx.exec1("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 "
                       "AND granted")[0]
                  .as<int>(),
              listener.backend_pid());
  }
  // The new session LISTENs again.
  send(db, kKill);
  ASSERT_TRUE(wait_until(listener, [&] { return !got.empty(); }));
  EXPECT_EQ(std::get<events::OperationsModeChanged>(got[0]), kKill);
}

TEST(PgListener, TerminatingItsOwnSessionThroughWithSessionIsALostSession) {
  usdcop::testing::TestDatabase db;
  store::PgListener listener(db.url(), {events::Channel::model_changed}, kFastBackoff);
  int reconnects_seen = 0;
  listener.on_reconnect([&](store::PgListener&) { ++reconnects_seen; });
  listener.connect();
  try {
    listener.with_session([](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      tx.exec("SELECT pg_terminate_backend(pg_backend_pid())");
    });
    FAIL() << "the terminated session answered";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable) << e.what();
  }
  EXPECT_FALSE(listener.connected());
  ASSERT_TRUE(wait_until(listener, [&] { return reconnects_seen == 1; })) << listener.last_error();
  EXPECT_TRUE(listener.connected());
}

TEST(PgListener, NotificationsArrivingDuringItsOwnStatementsAreDelivered) {
  // The engine notifies its heartbeat on the LISTEN session and listens to it (spec 06):
  // libpq reads the notification while the transaction runs, before wait() polls.
  usdcop::testing::TestDatabase db;
  store::PgListener listener(db.url(), {events::Channel::system_heartbeat}, kFastBackoff);
  std::vector<events::Event> got;
  listener.on_event([&](const events::Event& e) { got.push_back(e); });
  const events::SystemHeartbeat beat{"engine-a", 7,
                                     parse_timestamp_or_throw("2024-03-05T13:05:00Z", "t"), true};
  listener.with_session([&](pqxx::connection& c) {
    pqxx::work tx(c);
    store::notify(tx, beat);
    tx.commit();
    pqxx::nontransaction(c).exec("SELECT 1");
  });
  ASSERT_TRUE(wait_until(listener, [&] { return !got.empty(); }));
  EXPECT_EQ(std::get<events::SystemHeartbeat>(got[0]), beat);
}

TEST(PgListener, WakeFromAnotherThreadEndsAWait) {
  usdcop::testing::TestDatabase db;
  store::PgListener listener(db.url(), {events::Channel::usdcop_alerts}, kFastBackoff);
  listener.connect();
  std::atomic<bool> waiting{false};
  std::thread waker([&] {
    while (!waiting.load()) std::this_thread::yield();
    std::this_thread::sleep_for(50ms);
    listener.wake();
  });
  waiting = true;
  // Without the wake this would block for 10 minutes; the ctest timeout would fail the test.
  EXPECT_EQ(listener.wait(600s), 0u);
  waker.join();
  EXPECT_TRUE(listener.connected());
}

TEST(PgListener, AnUnreachableDatabaseIsReportedAndRetriedWithoutThrowingFromWait) {
  const std::string nowhere = "postgresql:///usdcop?host=/nonexistent-usdcop-socket&port=1";
  store::PgListener listener(nowhere, {events::Channel::new_ohlcv_bar}, kFastBackoff);
  try {
    listener.connect();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
  }
  EXPECT_EQ(listener.wait(120ms), 0u);
  EXPECT_FALSE(listener.connected());
  EXPECT_GE(listener.counters().connection_failures, 1u);
  EXPECT_FALSE(listener.last_error().empty());
}
