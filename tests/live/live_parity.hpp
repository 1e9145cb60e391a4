#pragma once
// The live engine's account against `usdcop backtest` over the same bars (spec 06: "Live and
// backtest must give the same fills"), and one row per bar: what the replay, crash and restart
// tests assert.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "live_fixture.hpp"

namespace usdcop::live_testing {

inline std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string line;
  std::vector<std::vector<std::string>> rows;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    rows.push_back(f);
  }
  return rows;
}

inline double d(const std::string& s) {
  return std::strtod(s.c_str(), nullptr);
}

struct Fill {
  std::string time;
  double quantity = 0, price = 0;
};

// The fills a backtest's trades imply (a reversal is one fill); the end_of_data exit is the
// backtest's own closing, not a decision.
inline std::vector<Fill> fills_of_trades(const std::vector<std::vector<std::string>>& trades,
                                         bool* closed_at_end) {
  std::map<std::string, Fill> by_time;
  *closed_at_end = false;
  for (const auto& t : trades) {
    const double side = t[1] == "long" ? 1.0 : -1.0;
    const double q = d(t[6]);
    auto& entry = by_time[t[2]];
    entry.time = t[2];
    entry.quantity += side * q;
    entry.price = d(t[4]);
    if (t[12] == "end_of_data") {
      *closed_at_end = true;
      continue;
    }
    auto& exit = by_time[t[3]];
    exit.time = t[3];
    exit.quantity -= side * q;
    exit.price = d(t[5]);
  }
  std::vector<Fill> out;
  for (auto& [time, f] : by_time) out.push_back(f);
  return out;
}

// The engine's account equals `usdcop backtest` over the replayed bars, bar by bar and fill by
// fill (spec 06: "Live and backtest must give the same fills").
inline void expect_parity_with_backtest(usdcop::testing::TestDatabase& db,
                                        const std::string& model_id, const std::string& from,
                                        const std::string& to) {
  const auto report = test_fixture::fresh_dir("live_parity_report");
  const auto r =
      usdcop::testing::run_usdcop("backtest --model " + model_id + " --from " + from + " --to " +
                                      to + " --json --report '" + report.string() + "'",
                                  env_for(db));
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  const auto equity = read_csv(report / "equity.csv");
  const auto trades = read_csv(report / "trades.csv");
  bool closed_at_end = false;
  const auto expected_fills = fills_of_trades(trades, &closed_at_end);
  ASSERT_GT(expected_fills.size(), 4u) << "the model made too few trades for a parity check";

  auto c = db.pool().acquire();
  pqxx::read_transaction tx(*c);
  const auto snaps = tx.exec(
      "SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), equity, units "
      "FROM trading.equity_snapshots WHERE account = 'paper' ORDER BY time");
  ASSERT_EQ(snaps.size() + 1, equity.size());  // the curve starts with the initial capital
  for (std::size_t i = 0; i < snaps.size(); ++i) {
    const auto& e = equity[i + 1];
    ASSERT_EQ(snaps[i][0].c_str(), e[0]) << i;
    if (i + 1 == snaps.size() && closed_at_end) break;  // the backtest closed at the end
    ASSERT_EQ(snaps[i][1].as<double>(), d(e[1])) << "equity at " << e[0];
    ASSERT_EQ(snaps[i][2].as<double>(), d(e[2])) << "position at " << e[0];
  }
  const auto fills = tx.exec(
      "SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), quantity, price "
      "FROM trading.fills WHERE account = 'paper' ORDER BY time, id");
  ASSERT_EQ(fills.size(), expected_fills.size());
  for (std::size_t i = 0; i < fills.size(); ++i) {
    EXPECT_EQ(fills[i][0].c_str(), expected_fills[i].time) << i;
    EXPECT_DOUBLE_EQ(fills[i][1].as<double>(), expected_fills[i].quantity) << i;
    EXPECT_EQ(fills[i][2].as<double>(), expected_fills[i].price) << i;
  }
  std::filesystem::remove_all(report);
}

// One feature row and one L5 bar per replayed bar; one production decision per complete row;
// every event recorded once.
inline void expect_one_row_per_bar(usdcop::testing::TestDatabase& db, long bars,
                                   const std::string& model_id, const std::string& from,
                                   const std::string& to) {
  const std::string range = " WHERE time >= '" + from + "' AND time < '" + to + "'";
  EXPECT_EQ(count(db, "SELECT count(*) FROM market.usdcop_m5_ohlcv" + range), bars);
  EXPECT_EQ(count(db, "SELECT count(*) FROM features.inference_features_5m" + range), bars);
  EXPECT_EQ(count(db, "SELECT count(*) FROM trading.equity_snapshots" + range), bars);
  EXPECT_EQ(
      count(db, "SELECT count(*) FROM trading.model_inferences" + range +
                    " AND role = 'production' AND model_id = '" + model_id + "'"),
      count(db, "SELECT count(*) FROM features.inference_features_5m" + range + " AND complete"));
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.processed_events WHERE handler = 'L5'"), bars);
  EXPECT_EQ(count(db, "SELECT count(*) FROM system.processed_events WHERE handler = 'L1'"), bars);
  EXPECT_EQ(count(db, "SELECT count(*) FROM trading.fills"),
            count(db, "SELECT count(*) FROM trading.orders"));
}

}  // namespace usdcop::live_testing
