// Issue 11, item 9: two concurrent imports of the same values count what each changed. Its own
// executable because it runs threads: the tsan preset runs it (ctest label `threads`).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "lock_probes.hpp"
#include "market/macro_store.hpp"
#include "store/pg_macro_store.hpp"
#include "support/background_command.hpp"
#include "support/test_database.hpp"

using namespace usdcop;

namespace {

using usdcop::testing::scalar;
using usdcop::testing::waiting_on;

}  // namespace

// Item 9: two concurrent imports of the same values: one inserts them, the other finds them.
TEST(IngestReliability, ConcurrentMacroImportsCountWhatTheyChanged) {
  usdcop::testing::TestDatabase db(8);
  std::vector<market::MacroObservation> obs;
  for (int d = 0; d < 20; ++d) {
    market::MacroObservation o;
    o.variable = "vix";
    o.observation_date = Date{std::chrono::year{2024} / 1 / 1} + std::chrono::days{d};
    o.value = 15 + d;
    o.available_at = cot_midnight(o.observation_date + std::chrono::days{1});
    o.source = "test";
    obs.push_back(o);
  }
  // Both writers compute their counts before either inserts: the table is held in SHARE mode
  // (reads pass, inserts wait) until both wait on it.
  auto blocker_conn = db.pool().acquire();
  pqxx::work blocker(*blocker_conn);
  blocker.exec("LOCK TABLE market.macro_observations IN SHARE MODE");
  market::MacroWriteResult a, b;
  std::thread ta([&] { a = store::PgMacroStore(db.pool()).write_observations(obs, {}); });
  std::thread tb([&] { b = store::PgMacroStore(db.pool()).write_observations(obs, {}); });
  const bool both_waiting = usdcop::testing::wait_until(
      [&] { return scalar(db, waiting_on("macro_observations")) >= 2; }, std::chrono::seconds(60));
  blocker.abort();
  ta.join();
  tb.join();
  ASSERT_TRUE(both_waiting);
  EXPECT_EQ(a.inserted + b.inserted, 20);
  EXPECT_EQ(a.unchanged + b.unchanged, 20);
  EXPECT_EQ(a.updated + b.updated, 0);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM market.macro_observations"), 20);
}
