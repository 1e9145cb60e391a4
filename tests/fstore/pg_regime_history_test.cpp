// The regime through the store: the seeded feeds published and read back bit for bit, the
// history table, and the flip alert recorded once and sent on NOTIFY usdcop_alerts.
#include <gtest/gtest.h>

#include "events/codec.hpp"
#include "fs_db_support.hpp"
#include "liquidity/feed_generator.hpp"
#include "liquidity/regime_pipeline.hpp"
#include "liquidity/regime_report.hpp"
#include "store/database.hpp"
#include "store/pg_regime_history.hpp"

using namespace usdcop;
using namespace usdcop::liquidity;
using usdcop::fs_testing::FsFixture;

namespace {
RegimeConfig config() {
  return RegimeConfig::load_file(usdcop::testing::source_root() / "config" /
                                 "liquidity.feeds.json");
}
}  // namespace

TEST(PgRegime, SeedPublishComputeAndStoreTheHistory) {
  FsFixture f;
  const Date end = parse_date_or_throw("2025-06-01", "end");
  const auto series = generate_feeds(900, 1, end);
  const auto seed = publish_seed(f.service, series, 1);
  EXPECT_EQ(seed.publish.rejected, 0);
  EXPECT_EQ(seed.publish.stored, seed.points);
  // Read back exactly what was generated.
  const auto cfg = with_catalog_ttls(config(), f.repo.catalog({}));
  const auto back = read_feeds(f.repo, cfg, utc_midnight(end) + std::chrono::days(1));
  ASSERT_EQ(back.size(), series.size());
  for (const auto& [id, obs] : series) {
    ASSERT_EQ(back.at(id).size(), obs.size()) << id;
    for (std::size_t i = 0; i < obs.size(); ++i) {
      EXPECT_EQ(back.at(id)[i].ts, obs[i].ts);
      EXPECT_EQ(back.at(id)[i].value, obs[i].value);
    }
  }
  store::PgRegimeHistory history(f.db.pool());
  const auto report = compute_and_store(f.repo, history, config(), end);
  const auto expected = compute_regime(cfg, series, end);
  EXPECT_EQ(report.days, static_cast<long>(expected.size()));
  EXPECT_EQ(report.transitions, state_transitions(expected));
  EXPECT_EQ(report.transitions.size(), 7u);
  const auto latest = history.latest();
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->day.date, end);
  EXPECT_EQ(latest->day.state, expected.back().state);
  EXPECT_EQ(latest->day.smoothed, expected.back().smoothed);
  EXPECT_EQ(latest->day.feeds.size(), 9u);
  const Date mid = end - std::chrono::days(400);
  const auto row = history.at(mid);
  ASSERT_TRUE(row);
  for (const auto& e : expected)
    if (e.date == mid) {
      EXPECT_EQ(row->day.state, e.state);
      EXPECT_EQ(row->day.components, e.components);
      EXPECT_EQ(row->day.confidence, e.confidence);
    }
  EXPECT_EQ(history.range(mid, end).size(), 401u);
  // Recomputing replaces the history with the same rows.
  compute_and_store(f.repo, history, config(), end);
  EXPECT_EQ(f.count("SELECT count(*) FROM liq.regime_history"), report.days);
}

TEST(PgRegime, FlipAlertIsRecordedOnceAndNotified) {
  FsFixture f;
  store::PgRegimeHistory history(f.db.pool());
  RegimeDay green, flip;
  green.date = parse_date_or_throw("2025-03-01", "d");
  green.scored = true;
  green.state = green.candidate = Regime::GREEN;
  green.candidate_since = green.date;
  flip = green;
  flip.date = green.date + std::chrono::days(1);
  flip.candidate = Regime::RED;
  flip.candidate_since = flip.date;
  flip.flip_alert = true;

  auto listener = store::open_connection(f.db.url());
  struct Receiver : pqxx::notification_receiver {
    std::vector<std::string> payloads;
    explicit Receiver(pqxx::connection_base& c) : pqxx::notification_receiver(c, "usdcop_alerts") {}
    void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  } receiver(*listener);
  listener->get_notifs();

  const auto first = history.replace({green, flip});
  EXPECT_EQ(first.new_alerts, std::vector<Date>{flip.date});
  for (int i = 0; i < 50 && receiver.payloads.empty(); ++i) listener->await_notification(0, 100000);
  ASSERT_EQ(receiver.payloads.size(), 1u);
  const auto payload = nlohmann::json::parse(receiver.payloads[0]);
  EXPECT_EQ(payload["kind"], kFlipAlertKind);
  EXPECT_EQ(payload["date"], "2025-03-02");
  EXPECT_EQ(payload["published"], "GREEN");
  EXPECT_EQ(payload["candidate"], "RED");
  const auto alert =
      std::get<events::Alert>(events::decode(events::Channel::usdcop_alerts, receiver.payloads[0]));
  EXPECT_EQ(alert.event, kFlipAlertKind);
  EXPECT_EQ(alert.severity, "warning");
  EXPECT_EQ(f.count("SELECT count(*) FROM liq.regime_alerts"), 1);
  // Recomputing the same history does not alert again.
  EXPECT_TRUE(history.replace({green, flip}).new_alerts.empty());
  listener->await_notification(0, 300000);
  EXPECT_EQ(receiver.payloads.size(), 1u);
  EXPECT_TRUE(history.at(flip.date)->day.flip_alert);
}
