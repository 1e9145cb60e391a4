// The TwelveData polling feed (issue 13, spec 06 "Feeds") with the live engine in process on the
// test database: a local HTTP server serves the recorded TwelveData response of 2025-02-03
// (real bars, tests/api_clients/recorded/) for the window each request asks for, the feed polls
// at bar close + offset on a simulated clock (no waiting: the retry policy records its delays),
// imports through the bar importer and the engine decides the bars.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <set>

#include "../api_clients/fake_provider.hpp"
#include "../api_clients/test_helpers.hpp"
#include "adapters/market_data/twelvedata_bar_source.hpp"
#include "live/engine.hpp"
#include "live/polling_feed.hpp"
#include "live_fixture.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_live_store.hpp"
#include "store/pg_macro_store.hpp"
#include "support/background_command.hpp"
#include "trading/run_artifacts.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::FakeProvider;
using usdcop::testing::Reply;
using usdcop::testing::TestDatabase;

namespace {

constexpr const char* kPath = "/time_series";
constexpr const char* kKey = "TD-feed-key-0123456789";

Timestamp at(const char* text) {
  return parse_timestamp_or_throw(text, "time");
}

// TwelveData's time_series over the recorded day: the values with start_date <= datetime <=
// end_date (the provider's bound is inclusive; the client drops what is outside its range), or
// its "No data is available" payload. Datetimes in `poisoned` get a malformed high price.
struct RecordedTimeSeries {
  nlohmann::json day =
      nlohmann::json::parse(usdcop::testing::recorded("twelvedata_time_series_2025-02-03.json"));
  std::set<std::string> poisoned;

  Reply operator()(const FakeProvider::Params& p) const {
    const std::string from = usdcop::testing::param(p, "start_date");
    const std::string to = usdcop::testing::param(p, "end_date");
    nlohmann::json body = day;
    body["values"] = nlohmann::json::array();
    for (auto v : day["values"]) {
      const std::string dt = v["datetime"];
      if (dt < from || dt > to) continue;
      if (poisoned.count(dt)) v["high"] = "4,226.37";
      body["values"].push_back(v);
    }
    if (body["values"].empty())
      return usdcop::testing::recorded_reply("twelvedata_error_no_data.json");
    Reply reply;
    reply.body = body.dump();
    return reply;
  }
};

struct FeedRig {
  TestDatabase db;
  std::filesystem::path dir;
  store::PgLiveStore live{db.pool()};
  store::PgMacroStore macro{db.pool()};
  store::PgBarStore bars{db.pool()};
  FakeProvider server;
  std::shared_ptr<RecordedTimeSeries> series = std::make_shared<RecordedTimeSeries>();
  SimulatedClock clock{at("2025-02-03T13:05:05Z")};
  usdcop::testing::RecordedSleeps sleeps;
  std::shared_ptr<adapters::CircuitBreaker> breaker = std::make_shared<adapters::CircuitBreaker>(
      "twelvedata", adapters::CircuitBreakerOptions{}, clock);
  std::unique_ptr<adapters::TwelveDataBarSource> source;
  std::unique_ptr<live::Engine> engine;

  FeedRig() {
    dir = prepare_database(db, "2025-01-02T00:00:00Z", "2025-02-03T00:00:00Z", "m_feed", false);
    server.route(kPath, [s = series](const FakeProvider::Params& p) { return (*s)(p); });
    adapters::TwelveDataOptions o;
    o.base_url = server.base_url();
    o.api_key = kKey;
    adapters::ApiClientDeps deps;
    deps.retry.emplace(adapters::RetryOptions{}, sleeps.fn(), 7);
    deps.breaker = breaker;
    source = std::make_unique<adapters::TwelveDataBarSource>(o, std::move(deps));
    auto bundle = trading::load_policy_bundle(dir);
    live::TradingModel m;
    m.model_id = "m_feed";
    m.policy = std::shared_ptr<trading::Policy>(std::move(bundle.policy));
    m.norm_stats = bundle.norm_stats;
    live::EngineOptions eo;
    eo.holder = "feed-test";
    engine = std::make_unique<live::Engine>(live, macro, market::MacroCatalog::load(), m, eo);
    engine->start();
  }
  live::PollingFeed feed() {
    live::PollingOptions o;
    o.import.source = "twelvedata";
    return live::PollingFeed(bars, clock, *source, o);
  }
  long stored_today() {
    return count(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv WHERE time >= '2025-02-03'");
  }
};

}  // namespace

TEST(LivePollingFeed, PollsAreScheduledAtSessionBarClosePlusTheOffset) {
  const auto off = std::chrono::seconds(5);
  // Inside a session: the next bar close + 5 s.
  EXPECT_EQ(live::PollingFeed::next_poll_after(at("2025-02-03T13:05:05Z"), off),
            at("2025-02-03T13:10:05Z"));
  EXPECT_EQ(live::PollingFeed::next_poll_after(at("2025-02-03T13:07:00Z"), off),
            at("2025-02-03T13:10:05Z"));
  // The last session bar (12:55 COT) is polled at 13:00:05 COT; then the next morning's first.
  EXPECT_EQ(live::PollingFeed::next_poll_after(at("2025-02-03T17:56:00Z"), off),
            at("2025-02-03T18:00:05Z"));
  EXPECT_EQ(live::PollingFeed::next_poll_after(at("2025-02-03T18:00:05Z"), off),
            at("2025-02-04T13:05:05Z"));
  // Friday evening -> Monday; not on weekends.
  EXPECT_EQ(live::PollingFeed::next_poll_after(at("2025-01-31T20:00:00Z"), off),
            at("2025-02-03T13:05:05Z"));
}

TEST(LivePollingFeed, ARecordedResponseIsStoredAndDecidedAndPollingTwiceStoresEachBarOnce) {
  FeedRig rig;
  auto feed = rig.feed();
  EXPECT_TRUE(feed.due());  // the back-fill at start
  // 13:05:05: the window runs from after Friday's last stored bar to the bar just closed.
  auto r = feed.poll();
  ASSERT_FALSE(r.failed()) << r.error;
  EXPECT_EQ(r.from, at("2025-01-31T18:00:00Z"));
  EXPECT_EQ(r.to, at("2025-02-03T13:05:00Z"));
  EXPECT_EQ(r.import.inserted, 1);
  EXPECT_EQ(r.missing_session_bars, 0);
  EXPECT_EQ(feed.next_poll(), at("2025-02-03T13:10:05Z"));
  EXPECT_FALSE(feed.due());
  const auto req = rig.server.requests(kPath).back();
  EXPECT_EQ(usdcop::testing::param(req, "symbol"), "USD/COP");
  EXPECT_EQ(usdcop::testing::param(req, "interval"), "5min");
  EXPECT_EQ(usdcop::testing::param(req, "start_date"), "2025-01-31 18:00:00");
  EXPECT_EQ(rig.engine->catch_up(), 1);
  EXPECT_EQ(rig.engine->l5_watermark(), at("2025-02-03T13:00:00Z"));

  // The stored bar is the recorded one, from source twelvedata.
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM market.usdcop_m5_ohlcv WHERE time = '2025-02-03T13:00:00Z' "
                  "AND source = 'twelvedata' AND close = 4226.3701"),
            1);

  // Polled twice at the same close (a restarted feed too): no request, nothing stored twice.
  const int hits = rig.server.hits(kPath);
  EXPECT_FALSE(feed.poll().from.has_value());
  auto restarted = rig.feed();
  EXPECT_FALSE(restarted.poll().from.has_value());
  EXPECT_EQ(rig.server.hits(kPath), hits);
  EXPECT_EQ(rig.stored_today(), 1);

  // The next close asks only for what is new; ten closes later, ten bars, each once.
  for (int i = 0; i < 10; ++i) {
    rig.clock.set(feed.next_poll());
    ASSERT_TRUE(feed.due());
    r = feed.poll();
    ASSERT_FALSE(r.failed()) << r.error;
    EXPECT_EQ(r.import.inserted, 1);
    EXPECT_EQ(rig.engine->catch_up(), 1);
  }
  EXPECT_EQ(usdcop::testing::param(rig.server.requests(kPath).back(), "start_date"),
            "2025-02-03 13:50:00");
  EXPECT_EQ(rig.stored_today(), 11);
  EXPECT_EQ(count(rig.db, "SELECT count(DISTINCT time) FROM trading.equity_snapshots"), 11);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots"), 11);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM features.inference_features_5m WHERE time >= "
                  "'2025-02-03'"),
            11);
}

TEST(LivePollingFeed, FailedAndMalformedResponsesAreRejectedTheEngineGoesOnAndTheGapIsBackFilled) {
  FeedRig rig;
  auto feed = rig.feed();
  // 13:05:05: HTTP 500 on every attempt (the retry policy's 3 retries, recorded not waited).
  const auto server_error = usdcop::testing::recorded_reply("twelvedata_error_server.json", 500);
  rig.server.script(kPath, {server_error, server_error, server_error, server_error});
  auto r = feed.poll();
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(r.import.inserted, 0);
  EXPECT_EQ(r.missing_session_bars, 1);
  EXPECT_EQ(rig.server.hits(kPath), 4);
  EXPECT_EQ(rig.sleeps.millis().size(), 3u);
  EXPECT_EQ(r.error.find(kKey), std::string::npos) << r.error;
  EXPECT_EQ(rig.engine->catch_up(), 0);  // the engine goes on

  // 13:10:05: a body without values (malformed): refused, nothing stored.
  rig.clock.set(feed.next_poll());
  rig.server.script(kPath, {usdcop::testing::recorded_reply("twelvedata_missing_values.json")});
  r = feed.poll();
  EXPECT_TRUE(r.failed());
  EXPECT_NE(r.error.find("malformed"), std::string::npos) << r.error;
  EXPECT_EQ(r.missing_session_bars, 2);

  // 13:15:05: the third failure in a row opens the source's circuit breaker.
  rig.clock.set(feed.next_poll());
  rig.server.script(kPath, {server_error, server_error, server_error, server_error});
  EXPECT_TRUE(feed.poll().failed());
  EXPECT_EQ(rig.breaker->state(), adapters::CircuitBreaker::State::open);
  const int hits = rig.server.hits(kPath);
  rig.clock.set(at("2025-02-03T13:17:00Z"));
  r = feed.poll();
  EXPECT_TRUE(r.failed());
  EXPECT_NE(r.error.find("circuit open"), std::string::npos) << r.error;
  EXPECT_EQ(rig.server.hits(kPath), hits);  // no request while open
  EXPECT_EQ(rig.stored_today(), 0);
  EXPECT_EQ(rig.engine->catch_up(), 0);

  // 13:25:05, past the 300 s: the trial request back-fills the gap. The 13:20 bar's high is
  // malformed: rejected with its raw text, the others stored and decided.
  rig.series->poisoned = {"2025-02-03 13:20:00"};
  rig.clock.set(at("2025-02-03T13:25:05Z"));
  r = feed.poll();
  ASSERT_FALSE(r.failed()) << r.error;
  EXPECT_EQ(r.from, at("2025-01-31T18:00:00Z"));
  EXPECT_EQ(r.records, 5);
  EXPECT_EQ(r.import.inserted, 4);
  EXPECT_EQ(r.import.rejected, 1);
  EXPECT_EQ(r.missing_session_bars, 1);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM market.rejected_bars WHERE source = 'twelvedata' AND "
                  "raw LIKE '%4,226.37%'"),
            1);
  EXPECT_EQ(rig.engine->catch_up(), 4);

  // 13:30:05: the provider is right again; the rejected bar is fetched again and stored.
  rig.series->poisoned.clear();
  rig.clock.set(feed.next_poll());
  EXPECT_EQ(rig.clock.now(), at("2025-02-03T13:30:05Z"));
  r = feed.poll();
  ASSERT_FALSE(r.failed()) << r.error;
  EXPECT_EQ(r.from, at("2025-02-03T13:20:00Z"));
  EXPECT_EQ(r.import.inserted, 2);
  EXPECT_EQ(r.missing_session_bars, 0);
  EXPECT_EQ(rig.engine->catch_up(), 2);
  EXPECT_EQ(rig.stored_today(), 6);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM trading.equity_snapshots"), 6);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM system.processed_events"), 12);
}

// `usdcop engine --feed twelvedata` (the door): the leader's first poll (the back-fill at start)
// reaches the provider with the key read from TWELVEDATA_API_KEY_FILE, which is never printed;
// without a key, or with a replay, the command is refused before it leads.
TEST(LivePollingFeed, TheEngineCommandPollsAtStartWithTheKeyFromItsFileAndNeverPrintsIt) {
  TestDatabase db;
  prepare_database(db, "2025-01-02T00:00:00Z", "2025-02-03T00:00:00Z", "m_feed_cli", true);
  FakeProvider server;
  server.route(kPath, [](const FakeProvider::Params&) {
    return usdcop::testing::recorded_reply("twelvedata_error_no_data.json");
  });
  const auto dir = test_fixture::fresh_dir("feed_cli");
  const std::string key = "TD-file-key-9876543210";
  std::ofstream(dir / "td.key") << key << "\n";
  std::map<std::string, std::string> env{{"DATABASE_URL", db.url()},
                                         {"USDCOP_HOME", std::getenv("USDCOP_HOME")},
                                         {"TWELVEDATA_BASE_URL", server.base_url()},
                                         {"TWELVEDATA_API_KEY", ""}};
  {
    usdcop::testing::BackgroundCommand refused({"engine", "--feed", "twelvedata"}, env);
    EXPECT_EQ(refused.wait(), 2) << refused.err();
    EXPECT_NE(refused.err().find("TWELVEDATA_API_KEY"), std::string::npos) << refused.err();
  }
  env["TWELVEDATA_API_KEY_FILE"] = (dir / "td.key").string();
  {
    usdcop::testing::BackgroundCommand replay(
        {"engine", "--feed", "twelvedata", "--replay", (dir / "none.csv").string()}, env);
    EXPECT_EQ(replay.wait(), 2) << replay.err();
  }
  EXPECT_EQ(server.hits(kPath), 0);
  usdcop::testing::BackgroundCommand engine({"engine", "--feed", "twelvedata", "--tick", "0.2"},
                                            env);
  ASSERT_TRUE(usdcop::testing::wait_until([&] { return server.hits(kPath) >= 1; },
                                          std::chrono::seconds(120)))
      << engine.err();
  const auto req = server.requests(kPath).front();
  EXPECT_EQ(usdcop::testing::param(req, "apikey"), key);
  EXPECT_EQ(usdcop::testing::param(req, "symbol"), "USD/COP");
  engine.signal(SIGTERM);
  EXPECT_EQ(engine.wait(), 0) << engine.err();
  EXPECT_EQ(engine.err().find(key), std::string::npos) << engine.err();
  EXPECT_EQ(engine.out().find(key), std::string::npos) << engine.out();
}
