// GET /signals/stream (spec 07, issue 15): a decision committed by the live engine's store
// function arrives as a `signal` event; reconnecting with Last-Event-ID replays only what was
// missed; heartbeats arrive; beyond the stream cap 503, while ordinary requests still answer.
#include <pqxx/pqxx>

#include "../backtest/real_market_fixture.hpp"
#include "../trading/run_dir_fixture.hpp"
#include "api_fixture.hpp"
#include "live/decision_stage.hpp"
#include "live/live_store.hpp"
#include "sse_client.hpp"
#include "store/pg_live_store.hpp"

using usdcop::testing::ApiTest;
using usdcop::testing::SseClient;
using usdcop::testing::SseEvent;
namespace live = usdcop::live;

namespace {

usdcop::server::ApiConfig stream_config() {
  usdcop::server::ApiConfig c;
  c.sse_heartbeat = std::chrono::milliseconds(200);
  return c;
}

class SignalStream : public ApiTest {
 protected:
  SignalStream() : ApiTest(stream_config()), live_store(db.pool()) {
    int version = 0;
    for (const char* id : {"m_sig", "m_sig_shadow"}) {
      const auto dir = usdcop::test_fixture::write_run_dir(
          usdcop::test_fixture::fresh_dir(std::string("stream_") + id), id, 7);
      usdcop::test_fixture::register_model(db.pool(), id, ++version, dir);
    }
    epoch = live_store.claim_leader_epoch("stream-test");
    live_store.initialize_watermarks(std::nullopt, "", std::nullopt);
  }

  // What the engine's L5 handler commits for one bar: the production decision and a shadow's,
  // the account's equity snapshot, and with `units` != 0 an order and its fill: three
  // notifications (shadow signal, signal, equity), four with a fill (signal, fill, equity).
  void commit_decision(usdcop::Timestamp bar, int signal, double units = 0) {
    auto tx = live_store.begin_decision(live::decision_event_id(bar), "paper", epoch);
    live::DecisionRecord r;
    r.account = "paper";
    r.model_id = "m_sig";
    r.bar_time = bar;
    r.close = 4000;
    r.decided = true;
    r.action = 0.5 * signal;
    r.signal = signal;
    r.observation_json = "[]";
    r.shadows.push_back({"m_sig_shadow", -0.5, -1, "[]", 10, 0, -1});
    auto& a = r.after.account;
    a.cash = 10000 - units * 4000 - std::abs(units) * 0.4;
    a.position = units;
    a.avg_price = 4000;
    a.opened_at = bar;
    a.last_price = 4010;
    a.costs = std::abs(units) * 0.4;
    if (units != 0) {
      live::OrderRecord o;
      o.reason = "signal_change";
      o.target_units = units;
      o.fill = {0, bar + std::chrono::minutes(5), units, 4000, std::abs(units) * 0.4, units};
      r.order = o;
    }
    tx->commit(r);
  }

  static usdcop::Timestamp bar(int i) {
    return usdcop::parse_timestamp_or_throw("2026-11-27T13:00:00Z", "t") +
           std::chrono::minutes(5 * i);
  }

  static auto has_events(std::size_t n) {
    return [n](const SseClient& c) { return c.events.size() >= n || c.finished; };
  }

  int port() const { return api->port(); }
  usdcop::store::PgLiveStore live_store;
  long epoch = 0;
};

TEST_F(SignalStream, ACommittedDecisionArrivesAsSignalEvents) {
  SseClient stream(port(), "/api/v1/signals/stream", viewer);
  ASSERT_TRUE(stream.wait_open());
  ASSERT_EQ(stream.status, 200);
  commit_decision(bar(0), 1);
  ASSERT_TRUE(stream.wait_until(has_events(3))) << stream.body;
  const auto events = stream.snapshot();
  ASSERT_EQ(events.size(), 3u) << stream.body;
  EXPECT_EQ(events[2].event, "equity");
  std::map<bool, SseEvent> by_shadow;
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& e = events[i];
    EXPECT_EQ(e.event, "signal");
    EXPECT_FALSE(e.id.empty());
    by_shadow[e.data["shadow"].get<bool>()] = e;
  }
  EXPECT_EQ(by_shadow[false].data["model_id"], "m_sig");
  EXPECT_EQ(by_shadow[false].data["signal"], "LONG");
  EXPECT_EQ(by_shadow[false].data["time"], "2026-11-27T13:00:00Z");
  EXPECT_EQ(by_shadow[true].data["model_id"], "m_sig_shadow");
  EXPECT_EQ(by_shadow[true].data["signal"], "SHORT");
  EXPECT_LT(std::stoll(events[0].id), std::stoll(events[1].id));
}

TEST_F(SignalStream, ReconnectingWithLastEventIdReplaysOnlyWhatWasMissed) {
  std::string last_seen;
  {
    SseClient first(port(), "/api/v1/signals/stream", viewer);
    ASSERT_TRUE(first.wait_open());
    commit_decision(bar(0), 1);
    ASSERT_TRUE(first.wait_until(has_events(3)));
    last_seen = first.snapshot().back().id;
  }
  // Missed while disconnected: two bars (six events).
  commit_decision(bar(1), -1);
  commit_decision(bar(2), 0);
  SseClient again(port(), "/api/v1/signals/stream", viewer, last_seen);
  ASSERT_TRUE(again.wait_until(has_events(6))) << again.body;
  // Once the server has them, a stream opened without Last-Event-ID starts from now.
  SseClient fresh(port(), "/api/v1/signals/stream", viewer);
  ASSERT_TRUE(fresh.wait_open());
  const auto replayed = again.snapshot();
  ASSERT_EQ(replayed.size(), 6u) << again.body;
  for (const auto& e : replayed) {
    EXPECT_GT(std::stoll(e.id), std::stoll(last_seen));
    EXPECT_NE(e.data["time"], "2026-11-27T13:00:00Z") << "bar 0 was seen before the reconnect";
  }
  EXPECT_EQ(replayed[0].data["time"], "2026-11-27T13:05:00Z");
  EXPECT_EQ(replayed[5].data["time"], "2026-11-27T13:10:00Z");
  ASSERT_TRUE(fresh.wait_until([](const SseClient& c) { return c.heartbeats >= 1; }));
  EXPECT_TRUE(fresh.snapshot().empty()) << fresh.body;
}

TEST_F(SignalStream, FillsAndEquityArriveInOrderAndReplayAfterAReconnect) {
  std::string last_seen;
  {
    SseClient first(port(), "/api/v1/signals/stream", viewer);
    ASSERT_TRUE(first.wait_open());
    commit_decision(bar(0), 1, 2.0);  // buys 2 units: shadow signal, signal, fill, equity
    ASSERT_TRUE(first.wait_until(has_events(4))) << first.body;
    const auto events = first.snapshot();
    ASSERT_EQ(events.size(), 4u) << first.body;
    EXPECT_EQ(events[2].event, "fill");
    EXPECT_EQ(events[3].event, "equity");
    const auto& fill = events[2].data;
    EXPECT_EQ(fill["account"], "paper");
    EXPECT_EQ(fill["model_id"], "m_sig");
    EXPECT_EQ(fill["bar_time"], "2026-11-27T13:00:00Z");
    EXPECT_EQ(fill["time"], "2026-11-27T13:05:00Z");
    EXPECT_EQ(fill["side"], "buy");
    EXPECT_EQ(fill["quantity"], 2.0);
    EXPECT_EQ(fill["price"], 4000.0);
    EXPECT_EQ(fill["reason"], "signal_change");
    // The stored fill and snapshot are what the events say.
    EXPECT_EQ(count("SELECT count(*) FROM trading.fills WHERE quantity = 2 AND price = 4000"), 1);
    const auto& equity = events[3].data;
    EXPECT_EQ(equity["time"], "2026-11-27T13:00:00Z");
    EXPECT_EQ(equity["position"], 2.0);
    EXPECT_EQ(equity["mode"], "NORMAL");
    EXPECT_EQ(equity["decided"], true);
    EXPECT_DOUBLE_EQ(equity["value"].get<double>(),
                     std::stod(text("SELECT equity::text FROM trading.equity_snapshots WHERE "
                                    "time = '2026-11-27T13:00:00Z'")));
    EXPECT_DOUBLE_EQ(equity["unrealized_pnl"].get<double>(), 20.0);
    last_seen = events[1].id;  // the client saw the signal, not the fill and the equity
  }
  commit_decision(bar(1), -1, -1.0);  // missed: sells to -1 (fill and equity)
  SseClient again(port(), "/api/v1/signals/stream", viewer, last_seen);
  ASSERT_TRUE(again.wait_until(has_events(6))) << again.body;
  const auto replayed = again.snapshot();
  ASSERT_EQ(replayed.size(), 6u) << again.body;
  const std::vector<std::string> kinds{"fill", "equity", "signal", "signal", "fill", "equity"};
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    EXPECT_EQ(replayed[i].event, kinds[i]) << i;
    if (i > 0) {
      EXPECT_LT(std::stoll(replayed[i - 1].id), std::stoll(replayed[i].id));
    }
  }
  EXPECT_EQ(replayed[0].data["bar_time"], "2026-11-27T13:00:00Z");
  EXPECT_EQ(replayed[4].data["side"], "sell");
  EXPECT_EQ(replayed[4].data["bar_time"], "2026-11-27T13:05:00Z");
  EXPECT_EQ(replayed[5].data["position"], -1.0);
}

TEST_F(SignalStream, HeartbeatsArriveWhileNothingHappens) {
  SseClient stream(port(), "/api/v1/signals/stream", viewer);
  ASSERT_TRUE(stream.wait_until([](const SseClient& c) { return c.heartbeats >= 3 || c.finished; }))
      << stream.body;
  EXPECT_FALSE(stream.is_finished()) << "three heartbeats, the stream still open";
  EXPECT_TRUE(stream.snapshot().empty());
}

TEST_F(SignalStream, StreamsBeyondTheCapAre503AndRequestsStillAnswer) {
  // The fixture's cap is 2 streams (and 4 request workers).
  SseClient a(port(), "/api/v1/signals/stream", viewer);
  SseClient b(port(), "/api/v1/signals/stream", operator_);
  ASSERT_TRUE(a.wait_open());
  ASSERT_TRUE(b.wait_open());
  {
    SseClient refused(port(), "/api/v1/signals/stream", viewer);
    ASSERT_TRUE(refused.wait_until([](const SseClient& c) { return c.finished; }));
    EXPECT_EQ(refused.status, 503);
    const auto body = nlohmann::json::parse(refused.body);
    EXPECT_EQ(body["error"]["code"], "too_many_streams");
    EXPECT_EQ(body["error"]["details"]["max_streams"], 2);
  }
  // While the cap of streams is open, ordinary requests are served.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(get("/api/v1/operations/status", viewer).status, 200);
  EXPECT_FALSE(a.is_finished());
  EXPECT_FALSE(b.is_finished());
}

TEST_F(SignalStream, ASlotIsFreedWhenItsClientLeaves) {
  {
    SseClient a(port(), "/api/v1/signals/stream", viewer);
    SseClient b(port(), "/api/v1/signals/stream", viewer);
    ASSERT_TRUE(a.wait_open());
    ASSERT_TRUE(b.wait_open());
  }
  // The server notices a departure before its next heartbeat and frees the slot. A refused
  // attempt holds no slot, so retrying until one opens does not keep the cap full.
  auto open_one = [&] {
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto s = std::make_unique<SseClient>(port(), "/api/v1/signals/stream", viewer);
      s->wait_open();
      if (s->opened) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::unique_ptr<SseClient>();
  };
  const auto c = open_one();
  const auto d = open_one();
  const bool reopened = c && d;
  EXPECT_TRUE(reopened);
}

TEST_F(SignalStream, AuthAndBadLastEventId) {
  EXPECT_EQ(get("/api/v1/signals/stream", "").status, 401);
  EXPECT_EQ(get("/api/v1/signals/stream", "usdcop_" + std::string(40, 'x')).status, 401);
  const auto bad = get("/api/v1/signals/stream", viewer, {{"Last-Event-ID", "yesterday"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json["error"]["field"], "Last-Event-ID");
  EXPECT_EQ(get("/api/v1/signals/stream?from=1", viewer).status, 400);
}

}  // namespace
