// Issue 10: COT dates on the command line, signature v2 over inputs and the whole result,
// recomputed by a standard-library Python script; v1 rows still verify by their own rule.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <pqxx/pqxx>

#include "../trading/run_dir_fixture.hpp"
#include "backtest/signature.hpp"
#include "core/calendar.hpp"
#include "real_market_fixture.hpp"
#include "store/database.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

using namespace usdcop;
using usdcop::testing::run_usdcop;

namespace {

std::string env_for(const usdcop::testing::TestDatabase& db) {
  return "DATABASE_URL='" + db.url() + "'";
}

struct StoredModel {
  std::filesystem::path dir;
};

StoredModel store_model(usdcop::testing::TestDatabase& db, const std::string& id) {
  test_fixture::store_real_market(db.pool(),
                                  parse_timestamp_or_throw("2025-06-01T00:00:00Z", "from"),
                                  parse_timestamp_or_throw("2025-07-01T00:00:00Z", "to"));
  StoredModel m{test_fixture::write_run_dir(test_fixture::fresh_dir(id), "ppo_" + id, 7)};
  test_fixture::register_model(db.pool(), id, 1, m.dir);
  return m;
}

nlohmann::json run_json(const std::string& args, const std::string& env) {
  const auto r = run_usdcop(args, env);
  EXPECT_EQ(r.status, 0) << args << "\n" << r.err << r.out;
  return nlohmann::json::parse(r.out);
}

void exec(usdcop::testing::TestDatabase& db, const std::vector<std::string>& statements,
          const std::string& uuid) {
  // Tampering is what only the owner role can do (the application role cannot edit results).
  auto owner = usdcop::store::open_connection(db.owner_url());
  pqxx::work tx(*owner);
  for (const auto& sql : statements) {
    if (sql.find("$1") != std::string::npos) {
      tx.exec_params(sql, uuid);
    } else {
      tx.exec(sql);
    }
  }
  tx.commit();
}

}  // namespace

TEST(BacktestDates, DateOnlyRangeIsTheCotSessionsFirstToLastBar) {
  usdcop::testing::TestDatabase db;
  const auto m = store_model(db, "m_dates");
  const auto env = env_for(db);
  const auto by_date =
      run_json("backtest --model m_dates --from 2025-06-10 --to 2025-06-11 --json", env);
  // The dates are COT calendar days, stored and printed as given (not the UTC-midnight day before).
  EXPECT_EQ(by_date["from"], "2025-06-10");
  EXPECT_EQ(by_date["to"], "2025-06-11");
  const auto first = session_bar_times(*parse_date("2025-06-10")).front();
  const auto last = session_bar_times(*parse_date("2025-06-11")).back();
  EXPECT_EQ(by_date["bar_range"]["first_bar"], format_rfc3339(first));
  EXPECT_EQ(by_date["bar_range"]["last_bar"], format_rfc3339(last));
  EXPECT_EQ(by_date["bars"], 120);  // two whole sessions, nothing of the days around them
  // The RFC 3339 form of the same bars: from the first bar to the last bar's close (exclusive).
  const auto by_time = run_json("backtest --model m_dates --from " + format_rfc3339(first) +
                                    " --to " + format_rfc3339(last + kBarLength) + " --json",
                                env);
  EXPECT_EQ(by_time["bar_range"]["first_bar"], by_date["bar_range"]["first_bar"]);
  EXPECT_EQ(by_time["bar_range"]["last_bar"], by_date["bar_range"]["last_bar"]);
  EXPECT_EQ(by_time["bars"], by_date["bars"]);
  EXPECT_EQ(by_time["metrics"], by_date["metrics"]);
  EXPECT_EQ(by_time["from"], "2025-06-10");
  EXPECT_EQ(by_time["to"], "2025-06-11");
  const std::string uuid = by_date["backtest_uuid"];
  auto c = db.pool().acquire();
  pqxx::work tx(*c);
  const auto row = tx.exec_params1(
      "SELECT start_date::text, end_date::text FROM ml.backtest_results WHERE backtest_uuid = "
      "$1::uuid",
      uuid);
  EXPECT_EQ(row[0].as<std::string>(), "2025-06-10");
  EXPECT_EQ(row[1].as<std::string>(), "2025-06-11");
  // evaluate --split custom over one COT day replays exactly that session.
  const auto e = run_json("evaluate " + m.dir.string() +
                              " --split custom --from 2025-06-10 --to 2025-06-10 --random-seeds 2 "
                              "--resamples 100 --json --out " +
                              (m.dir / "eval.json").string(),
                          env);
  EXPECT_EQ(e["bars"], 60);
  EXPECT_EQ(e["from"], "2025-06-10");
  std::filesystem::remove_all(m.dir);
}

TEST(BacktestSignature, PythonRecomputesTheStoredSignatureFromShowJson) {
  usdcop::testing::TestDatabase db;
  const auto m = store_model(db, "m_py");
  const auto env = env_for(db);
  const auto j = run_json("backtest --model m_py --from 2025-06-02 --to 2025-06-27 --json", env);
  ASSERT_EQ(j["signature_version"], 2);
  const std::string uuid = j["backtest_uuid"];
  const auto show = run_usdcop("backtest show " + uuid + " --json", env);
  ASSERT_EQ(show.status, 0) << show.err;
  const auto shown = nlohmann::json::parse(show.out);
  EXPECT_EQ(shown["signature"], j["signature"]);
  ASSERT_GT(shown["trades"].size(), 0u) << "the random model made no trade";
  const auto file = m.dir / "show.json";
  std::ofstream(file) << show.out;
  const auto script = usdcop::testing::source_root() / "tests/backtest/recompute_signature.py";
  const auto out = m.dir / "python.out";
  const int rc = std::system(("/usr/bin/python3 '" + script.string() + "' '" + file.string() +
                              "' >'" + out.string() + "' 2>&1")
                                 .c_str());
  std::ifstream in(out);
  const std::string printed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << printed;
  EXPECT_EQ(printed, j["signature"].get<std::string>() + "\n");
  std::filesystem::remove_all(m.dir);
}

TEST(BacktestSignature, EditingAnyMetricOrEquityPointFailsVerify) {
  usdcop::testing::TestDatabase db;
  const auto m = store_model(db, "m_edit");
  const auto env = env_for(db);
  const auto j = run_json("backtest --model m_edit --from 2025-06-02 --to 2025-06-13 --json", env);
  const std::string uuid = j["backtest_uuid"];
  ASSERT_EQ(run_usdcop("backtest verify " + uuid, env).status, 0);
  const std::vector<std::string> edits = {
      "metrics = jsonb_set(metrics, '{sharpe_ratio}', to_jsonb((metrics->>'sharpe_ratio')::float8 "
      "+ 0.5))",
      "metrics = jsonb_set(metrics, '{total_return_pct}', '0.5')",
      "metrics = jsonb_set(metrics, '{bars_without_decision}', '7')",
      "equity_curve = jsonb_set(equity_curve, '{10,1}', to_jsonb((equity_curve->10->>1)::float8 + "
      "0.01))",
      "equity_curve = jsonb_set(equity_curve, '{3,2}', '0.5')",
      "daily_returns = jsonb_set(daily_returns, '{0,return}', '0.25')",
      "config = jsonb_set(config, '{trading,cost_bps}', '0.5')",
      "model_hash = 'x' || model_hash",
      "bar_range = jsonb_set(bar_range, '{bars}', '1')"};
  for (const auto& edit : edits) {
    exec(db,
         {"CREATE TABLE public.keep AS SELECT * FROM ml.backtest_results WHERE backtest_uuid = "
          "$1::uuid",
          "UPDATE ml.backtest_results SET " + edit + " WHERE backtest_uuid = $1::uuid"},
         uuid);
    const auto bad = run_usdcop("backtest verify " + uuid, env);
    EXPECT_EQ(bad.status, 6) << edit << "\n" << bad.out << bad.err;
    EXPECT_NE(bad.out.find("MISMATCH"), std::string::npos) << edit;
    // Put the row back as it was.
    exec(db,
         {"DELETE FROM ml.backtest_results WHERE backtest_uuid = $1::uuid",
          "INSERT INTO ml.backtest_results SELECT * FROM public.keep", "DROP TABLE public.keep"},
         uuid);
    ASSERT_EQ(run_usdcop("backtest verify " + uuid, env).status, 0) << edit;
  }
  std::filesystem::remove_all(m.dir);
}

TEST(BacktestSignature, VersionOneRowsStillVerifyByTheirOwnRule) {
  usdcop::testing::TestDatabase db;
  const auto m = store_model(db, "m_v1");
  const auto env = env_for(db);
  const auto j = run_json("backtest --model m_v1 --from 2025-06-02 --to 2025-06-06 --json", env);
  const std::string uuid = j["backtest_uuid"];
  // A row as migration 0005 stored it: trades only, signed by nlohmann's dump.
  std::string trades_text;
  {
    auto c = db.pool().acquire();
    pqxx::work tx(*c);
    trades_text =
        tx.exec_params1(
              "SELECT trades::text FROM ml.backtest_results WHERE backtest_uuid = $1::uuid",
              uuid)[0]
            .as<std::string>();
  }
  const std::string v1 = backtest::signature_v1(nlohmann::json::parse(trades_text));
  exec(db,
       {"UPDATE ml.backtest_results SET signature_version = 1, model_hash = NULL, "
        "builder_version = NULL, feature_order_hash = NULL, bar_range = NULL, signature = '" +
        v1 + "' WHERE backtest_uuid = $1::uuid"},
       uuid);
  const auto ok = run_usdcop("backtest verify " + uuid, env);
  EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("v1"), std::string::npos) << ok.out;
  // A v1 row does not cover metrics (that is why v2 exists) but still covers trades.
  exec(db,
       {"UPDATE ml.backtest_results SET trades = jsonb_set(trades, '{0,net_pnl}', '1') WHERE "
        "backtest_uuid = $1::uuid"},
       uuid);
  EXPECT_EQ(run_usdcop("backtest verify " + uuid, env).status, 6);
  std::filesystem::remove_all(m.dir);
}
