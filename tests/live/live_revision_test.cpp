// Revisions of bars the live engine already handled (issue 13, spec 12 "Revisions and order"):
// `usdcop ingest csv --replace` of a live day rewrites the revised bars; the engine's L1 rebuilds
// the feature rows of those bars and of every later bar (their features depend on them through
// the builder's averages) to exactly what a fold of the stored bars gives; L5's decisions stay as
// taken and each revised bar it had decided is logged `revised_after_decision`.
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <fstream>
#include <map>

#include "features/feature_builder.hpp"
#include "live/engine.hpp"
#include "live_fixture.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_feature_store.hpp"
#include "store/pg_live_store.hpp"
#include "store/pg_macro_store.hpp"
#include "support/background_command.hpp"
#include "trading/run_artifacts.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::TestDatabase;

namespace {

Timestamp at(const char* text) {
  return parse_timestamp_or_throw(text, "time");
}

std::vector<market::Bar> real_bars(const char* from, const char* to) {
  std::vector<market::Bar> out;
  for (const auto& b : test_fixture::real_market().bars)
    if (!(b.time < at(from)) && b.time < at(to)) out.push_back(b);
  return out;
}

std::string text(TestDatabase& db, const std::string& query) {
  auto c = db.pool().acquire();
  pqxx::read_transaction tx(*c);
  const auto r = tx.exec1(query);
  return r[0].is_null() ? std::string() : r[0].c_str();
}

// The canonical fold of every stored bar (what `features build` writes): rows by time, and the
// builder state after the last bar.
std::map<Timestamp, features::FeatureRow> fold_of_stored_bars(TestDatabase& db,
                                                              std::string& state) {
  store::PgBarStore bars(db.pool());
  store::PgMacroStore macro(db.pool());
  const auto inputs = features::MacroInputs::load(macro, market::MacroCatalog::load());
  features::MacroCursor cursor(inputs);
  features::FeatureBuilder builder;
  std::map<Timestamp, features::FeatureRow> rows;
  for (const auto& bar : bars.load_bars(Timestamp::min(), Timestamp::max()))
    rows[bar.time] = builder.update(bar, cursor.at(bar.time)).to_row();
  state = builder.serialize();
  return rows;
}

bool same_row(const features::FeatureRow& a, const features::FeatureRow& b) {
  for (std::size_t i = 0; i < a.market.size(); ++i) {
    const bool both_nan = std::isnan(a.market[i]) && std::isnan(b.market[i]);
    if (!both_nan && a.market[i] != b.market[i]) return false;
  }
  return a.time == b.time && a.time_normalized == b.time_normalized && a.complete == b.complete &&
         a.missing == b.missing;
}

// A CSV of `bars` with their closes moved by `factor` (high and low widened to hold them).
std::filesystem::path revised_file(const std::filesystem::path& path,
                                   const std::vector<market::Bar>& bars, double factor) {
  std::ofstream f(path);
  f << "time,open,high,low,close,volume\n";
  f.precision(17);
  for (const auto& b : bars) {
    const double close = b.close * factor;
    f << format_rfc3339(b.time) << "," << b.open << "," << std::max(b.high, close) << ","
      << std::min(b.low, close) << "," << close << "," << b.volume << "\n";
  }
  return path;
}

struct RevisionRig {
  TestDatabase db;
  std::filesystem::path dir;
  store::PgLiveStore live{db.pool()};
  store::PgMacroStore macro{db.pool()};

  RevisionRig() {
    dir = prepare_database(db, "2025-01-02T00:00:00Z", "2025-02-03T00:00:00Z", "m_rev", false);
  }
  std::unique_ptr<live::Engine> engine() {
    auto bundle = trading::load_policy_bundle(dir);
    live::TradingModel m;
    m.model_id = "m_rev";
    m.policy = std::shared_ptr<trading::Policy>(std::move(bundle.policy));
    m.norm_stats = bundle.norm_stats;
    live::EngineOptions o;
    o.holder = "revision-test";
    auto e = std::make_unique<live::Engine>(live, macro, market::MacroCatalog::load(), m, o);
    e->start();
    return e;
  }
  std::vector<features::FeatureRow> rows(const char* from, const char* to) {
    return store::PgFeatureStore(db.pool()).load(at(from), at(to));
  }
  // Everything L5 wrote, as one text: must not change with a revision.
  std::string decisions() {
    return text(db,
                "SELECT string_agg(concat_ws('|', time, model_id, action, signal, "
                "observation::text, "
                "position_after), ',' ORDER BY time) FROM trading.model_inferences") +
           text(db,
                "SELECT string_agg(concat_ws('|', time, equity, units, cash), ',' ORDER BY time) "
                "FROM trading.equity_snapshots") +
           text(db, "SELECT count(*) FROM trading.orders") +
           text(db, "SELECT count(*) FROM trading.fills");
  }
  void replace_with(const std::filesystem::path& file, long expect_replaced) {
    const auto r = usdcop::testing::run_usdcop(
        "ingest csv '" + file.string() + "' --replace --json", env_for(db));
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["replaced"], expect_replaced) << r.out;
  }
  // The stored rows from `from` equal the fold of the stored bars; the L1 state its builder's.
  void expect_rows_are_the_fold(const char* from, const char* to) {
    std::string state;
    const auto fold = fold_of_stored_bars(db, state);
    const auto stored = rows(from, to);
    ASSERT_FALSE(stored.empty());
    for (const auto& row : stored) {
      ASSERT_TRUE(fold.count(row.time));
      EXPECT_TRUE(same_row(row, fold.at(row.time))) << format_rfc3339(row.time);
    }
    EXPECT_EQ(text(db, "SELECT state FROM system.watermarks WHERE name = 'L1'"), state);
  }
};

}  // namespace

TEST(LiveRevision, AReplacedLiveDayRebuildsTheFeatureRowsAndLogsRevisedAfterDecision) {
  RevisionRig rig;
  auto engine = rig.engine();
  const auto day = real_bars("2025-02-03T00:00:00Z", "2025-02-04T00:00:00Z");
  ASSERT_EQ(day.size(), 60u);
  store::PgBarStore(rig.db.pool()).write_bars(day, "test", false);
  ASSERT_EQ(engine->catch_up(), 60);
  const auto rows_before = rig.rows("2025-02-03T00:00:00Z", "2025-02-04T00:00:00Z");
  const std::string decisions_before = rig.decisions();
  const long processed_before = count(rig.db, "SELECT count(*) FROM system.processed_events");

  // 14:00, 14:05 and 14:10 revised by `ingest csv --replace`: recorded as pending revisions.
  const std::vector<market::Bar> revised(day.begin() + 12, day.begin() + 15);
  ASSERT_EQ(revised.front().time, at("2025-02-03T14:00:00Z"));
  rig.replace_with(revised_file(test_fixture::fresh_dir("revision") / "rev.csv", revised, 1.004),
                   3);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM market.bar_revisions WHERE handled_at IS NULL"), 3);

  engine->on_bars_revised();         // what the update's new_ohlcv_bar notification does
  EXPECT_EQ(engine->catch_up(), 0);  // no new bar: nothing decided
  EXPECT_EQ(engine->counters().revisions, 3);
  EXPECT_EQ(engine->counters().rows_rebuilt, 48);  // 14:00 .. 17:55

  // Rows before the revision untouched; from it on, exactly the fold of the revised bars; and
  // the rebuild reached past the revised bars (the later rows depend on them).
  const auto rows_after = rig.rows("2025-02-03T00:00:00Z", "2025-02-04T00:00:00Z");
  ASSERT_EQ(rows_after.size(), 60u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_TRUE(same_row(rows_after[i], rows_before[i]));
  long changed_later = 0;
  for (std::size_t i = 15; i < 60; ++i)
    if (!same_row(rows_after[i], rows_before[i])) ++changed_later;
  EXPECT_GT(changed_later, 0);
  rig.expect_rows_are_the_fold("2025-02-03T00:00:00Z", "2025-02-04T00:00:00Z");

  // L5 never re-decides: every decision, snapshot, order and fill as before; each revised
  // decided bar logged once with its old and new values.
  EXPECT_EQ(rig.decisions(), decisions_before);
  EXPECT_EQ(count(rig.db, "SELECT count(*) FROM system.processed_events"), processed_before);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM trading.risk_events WHERE rule = 'revised_after_decision' "
                  "AND source = 'live' AND account = 'paper' AND model_id = 'm_rev' AND "
                  "event_id LIKE 'bar_revision:%'"),
            3);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM trading.risk_events e JOIN market.bar_revisions r ON "
                  "e.event_id = 'bar_revision:' || r.id WHERE e.time = r.time AND "
                  "(e.details->'old'->>'close')::float8 = r.old_close AND "
                  "(e.details->'new'->>'close')::float8 = r.new_close AND r.new_close <> "
                  "r.old_close"),
            3);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM market.bar_revisions WHERE handled_at IS NOT NULL AND "
                  "features_rebuilt AND decided_before AND handled_epoch = " +
                      std::to_string(engine->epoch())),
            3);
  // Handled once: a second look changes nothing.
  engine->on_bars_revised();
  engine->catch_up();
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM trading.risk_events WHERE rule = "
                  "'revised_after_decision'"),
            3);

  // A revision while no engine runs is found at the next start (durable, not the NOTIFY).
  engine.reset();
  rig.replace_with(
      revised_file(test_fixture::fresh_dir("revision2") / "rev2.csv", {day[36]}, 0.997), 1);
  engine = rig.engine();
  EXPECT_EQ(engine->catch_up(), 0);
  EXPECT_EQ(engine->counters().revisions, 1);
  EXPECT_EQ(engine->counters().rows_rebuilt, 24);  // 16:00 .. 17:55
  rig.expect_rows_are_the_fold("2025-02-03T00:00:00Z", "2025-02-04T00:00:00Z");
  EXPECT_EQ(rig.decisions(), decisions_before);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM trading.risk_events WHERE rule = "
                  "'revised_after_decision'"),
            4);

  // New bars go on from the rebuilt builder: their rows are the fold too.
  const auto next = real_bars("2025-02-04T00:00:00Z", "2025-02-05T00:00:00Z");
  store::PgBarStore(rig.db.pool()).write_bars({next.begin(), next.begin() + 12}, "test", false);
  EXPECT_EQ(engine->catch_up(), 12);
  rig.expect_rows_are_the_fold("2025-02-03T00:00:00Z", "2025-02-05T00:00:00Z");
}

// End to end with the engine process: `usdcop engine` decides a live day, `usdcop ingest csv
// --replace` revises two of its bars; the running engine (woken by the update's new_ohlcv_bar)
// rebuilds the rows to the fold and logs the two decided bars, its decisions unchanged.
TEST(LiveRevision, TheRunningEngineRebuildsAfterIngestReplace) {
  RevisionRig rig;
  sql(rig.db,
      "UPDATE ml.model_registry SET status = 'deployed', deployed_at = now() WHERE model_id = "
      "'m_rev'");
  usdcop::testing::BackgroundCommand engine(
      {"engine", "--tick", "0.5"},
      {{"DATABASE_URL", rig.db.url()}, {"USDCOP_HOME", std::getenv("USDCOP_HOME")}});
  const auto day = real_bars("2025-02-03T00:00:00Z", "2025-02-04T00:00:00Z");
  ASSERT_TRUE(usdcop::testing::wait_until(
      // Started (leader, L1, L5 rows): the bars written next are live bars, not history.
      [&] { return count(rig.db, "SELECT count(*) FROM system.watermarks") == 3; },
      std::chrono::seconds(60)))
      << engine.err();
  store::PgBarStore(rig.db.pool()).write_bars(day, "test", false);
  ASSERT_TRUE(usdcop::testing::wait_until(
      [&] { return count(rig.db, "SELECT count(*) FROM trading.equity_snapshots") == 60; },
      std::chrono::seconds(120)))
      << engine.err();
  const std::string decisions_before = rig.decisions();
  rig.replace_with(
      revised_file(test_fixture::fresh_dir("revision_e2e") / "rev.csv", {day[20], day[21]}, 1.003),
      2);
  ASSERT_TRUE(usdcop::testing::wait_until(
      [&] {
        return count(rig.db,
                     "SELECT count(*) FROM market.bar_revisions WHERE handled_at IS NOT NULL") == 2;
      },
      std::chrono::seconds(120)))
      << engine.err();
  rig.expect_rows_are_the_fold("2025-02-03T00:00:00Z", "2025-02-04T00:00:00Z");
  EXPECT_EQ(rig.decisions(), decisions_before);
  EXPECT_EQ(count(rig.db,
                  "SELECT count(*) FROM trading.risk_events WHERE rule = "
                  "'revised_after_decision' AND model_id = 'm_rev'"),
            2);
  engine.signal(SIGTERM);
  EXPECT_EQ(engine.wait(), 0) << engine.err();
}
