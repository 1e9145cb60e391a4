// Migration 0017: the new_ohlcv_bar trigger, fed by the real import path, read by the codec.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "events/codec.hpp"
#include "market/csv_source.hpp"
#include "store/database.hpp"
#include "store/pg_bar_store.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
using events::NewOhlcvBar;

namespace {

// A plain LISTEN connection: the trigger is tested apart from PgListener.
class BarNotifications {
 public:
  explicit BarNotifications(const std::string& url)
      : conn_(store::open_connection(url)), receiver_(*conn_, payloads_) {
    conn_->get_notifs();
  }
  // Everything delivered so far, decoded; waits up to 10 s for at least `at_least`.
  std::vector<NewOhlcvBar> received(std::size_t at_least) {
    for (int i = 0; i < 100 && payloads_.size() < at_least; ++i)
      conn_->await_notification(0, 100000);
    conn_->await_notification(0, 200000);  // and whatever else is on its way
    std::vector<NewOhlcvBar> out;
    for (const auto& p : payloads_) {
      out.push_back(std::get<NewOhlcvBar>(events::decode(events::Channel::new_ohlcv_bar, p)));
    }
    payloads_.clear();
    return out;
  }

 private:
  struct Receiver : pqxx::notification_receiver {
    Receiver(pqxx::connection_base& c, std::vector<std::string>& out)
        : pqxx::notification_receiver(c, "new_ohlcv_bar"), out_(out) {}
    void operator()(const std::string& payload, int) override { out_.push_back(payload); }
    std::vector<std::string>& out_;
  };
  std::unique_ptr<pqxx::connection> conn_;
  std::vector<std::string> payloads_;
  Receiver receiver_;
};

market::BarImportReport import_dev_file(store::PgBarStore& bars) {
  market::BarImporter importer(bars, {"csv:usdcop_m5_dev.csv.gz", false, 0.05});
  market::read_bar_csv(usdcop::testing::shared_data("usdcop_m5_dev.csv.gz"), importer);
  return importer.finish();
}

Timestamp at(const char* text) {
  return parse_timestamp_or_throw(text, "time");
}

market::Bar bar(const char* time, double close) {
  return {at(time), close, close + 1, close - 1, close, 10};
}

}  // namespace

TEST(BarTrigger, ARealImportSendsOneNotificationThatTheCodecDecodes) {
  usdcop::testing::TestDatabase db;
  store::PgBarStore bars(db.pool());
  BarNotifications listener(db.url());
  const auto report = import_dev_file(bars);
  ASSERT_EQ(report.inserted, 82206);

  const auto got = listener.received(1);
  ASSERT_EQ(got.size(), 1u);  // one per statement, not 82,206
  EXPECT_EQ(got[0].symbol, "USD/COP");
  EXPECT_EQ(got[0].rows, 82206);
  EXPECT_EQ(got[0].operation, NewOhlcvBar::Operation::insert);
  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  const auto range = tx.exec1(
      "SELECT to_char(min(time) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
      "to_char(max(time) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
      "FROM market.usdcop_m5_ohlcv");
  EXPECT_EQ(format_rfc3339(got[0].first_time), range[0].as<std::string>());
  EXPECT_EQ(format_rfc3339(got[0].last_time), range[1].as<std::string>());

  // Importing the same file again writes nothing and sends nothing.
  EXPECT_EQ(import_dev_file(bars).inserted, 0);
  EXPECT_TRUE(listener.received(0).empty());
}

TEST(BarTrigger, AReplaceSendsAnUpdateAndNewBarsAnInsert) {
  usdcop::testing::TestDatabase db;
  store::PgBarStore bars(db.pool());
  const std::vector<market::Bar> first{bar("2024-03-05T13:00:00Z", 4000),
                                       bar("2024-03-05T13:05:00Z", 4001)};
  bars.write_bars(first, "test", false);
  BarNotifications listener(db.url());

  // One stored bar revised, one new: an UPDATE statement and an INSERT statement.
  const auto w = bars.write_bars(
      {bar("2024-03-05T13:05:00Z", 4002), bar("2024-03-05T13:10:00Z", 4003)}, "test", true);
  EXPECT_EQ(w.replaced, 1);
  EXPECT_EQ(w.inserted, 1);
  auto got = listener.received(2);
  ASSERT_EQ(got.size(), 2u);
  std::sort(got.begin(), got.end(),
            [](const auto& a, const auto& b) { return a.operation < b.operation; });
  EXPECT_EQ(got[0], (NewOhlcvBar{"USD/COP", at("2024-03-05T13:10:00Z"), at("2024-03-05T13:10:00Z"),
                                 1, NewOhlcvBar::Operation::insert}));
  EXPECT_EQ(got[1], (NewOhlcvBar{"USD/COP", at("2024-03-05T13:05:00Z"), at("2024-03-05T13:05:00Z"),
                                 1, NewOhlcvBar::Operation::update}));
}

TEST(BarTrigger, AnyWriterIsSeenOncePerStatementAndSymbol) {
  usdcop::testing::TestDatabase db;
  BarNotifications listener(db.url());
  {
    auto conn = db.pool().acquire();
    pqxx::work tx(*conn);
    tx.exec(
        "INSERT INTO market.usdcop_m5_ohlcv (time, symbol, open, high, low, close, source) VALUES "
        "('2024-03-05 13:00Z', 'USD/COP', 1, 1, 1, 1, 'psql'), "
        "('2024-03-05 13:20Z', 'USD/COP', 1, 1, 1, 1, 'psql'), "
        "('2024-03-05 13:05Z', 'EUR/COP', 1, 1, 1, 1, 'psql')");
    tx.exec(
        "INSERT INTO market.usdcop_m5_ohlcv (time, open, high, low, close, source) "
        "SELECT '2024-03-06 13:00Z', 1, 1, 1, 1, 'psql' WHERE false");  // no row: no notice
    tx.commit();
  }
  auto got = listener.received(2);
  ASSERT_EQ(got.size(), 2u);
  std::sort(got.begin(), got.end(),
            [](const auto& a, const auto& b) { return a.symbol < b.symbol; });
  EXPECT_EQ(got[0], (NewOhlcvBar{"EUR/COP", at("2024-03-05T13:05:00Z"), at("2024-03-05T13:05:00Z"),
                                 1, NewOhlcvBar::Operation::insert}));
  EXPECT_EQ(got[1], (NewOhlcvBar{"USD/COP", at("2024-03-05T13:00:00Z"), at("2024-03-05T13:20:00Z"),
                                 2, NewOhlcvBar::Operation::insert}));
}
