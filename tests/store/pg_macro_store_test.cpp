// PgMacroStore: upserts with counts, flags (open / accepted), audited acceptance.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/error.hpp"
#include "market/macro.hpp"
#include "store/pg_macro_store.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using namespace usdcop::market;
using namespace usdcop::store;

namespace {

Date day(const char* s) {
  return parse_date_or_throw(s, "date");
}

MacroObservation obs(const std::string& var, const char* date, double value,
                     const std::string& source = "test") {
  MacroObservation o;
  o.variable = var;
  o.observation_date = day(date);
  o.value = value;
  o.available_at = available_at(o.observation_date, 1);
  o.source = source;
  return o;
}

MacroFlag flag(const std::string& var, const char* date, double value, const std::string& rule) {
  MacroFlag f;
  f.variable = var;
  f.observation_date = day(date);
  f.value = value;
  f.rule = rule;
  f.detail = var + " " + rule + " check";
  return f;
}

long query_long(usdcop::testing::TestDatabase& db, const std::string& sql) {
  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  return tx.exec1(sql)[0].as<long>();
}

}  // namespace

TEST(PgMacroStore, UpsertsCountInsertedUpdatedUnchanged) {
  usdcop::testing::TestDatabase db;
  PgMacroStore store(db.pool());
  auto w =
      store.write_observations({obs("dxy", "2024-01-03", 102.2), obs("dxy", "2024-01-02", 101.9),
                                obs("brent", "2024-01-02", 75.89)},
                               {});
  EXPECT_EQ(w.inserted, 3);
  EXPECT_EQ(w.updated, 0);
  EXPECT_EQ(w.unchanged, 0);

  w = store.write_observations({obs("dxy", "2024-01-02", 101.9), obs("dxy", "2024-01-03", 102.25),
                                obs("dxy", "2024-01-04", 102.4)},
                               {});
  EXPECT_EQ(w.inserted, 1);
  EXPECT_EQ(w.updated, 1);
  EXPECT_EQ(w.unchanged, 1);

  // Duplicates in one call: the last wins.
  w = store.write_observations({obs("vix", "2024-01-02", 13.0), obs("vix", "2024-01-02", 13.2)},
                               {});
  EXPECT_EQ(w.inserted, 1);

  const auto dxy = store.load_variable("dxy");
  ASSERT_EQ(dxy.size(), 3u);
  EXPECT_EQ(dxy[0].observation_date, day("2024-01-02"));
  EXPECT_EQ(dxy[1].value, 102.25);
  EXPECT_EQ(dxy[2].observation_date, day("2024-01-04"));
  EXPECT_EQ(dxy[0].available_at, available_at(day("2024-01-02"), 1));
  EXPECT_EQ(dxy[0].source, "test");
  EXPECT_FALSE(dxy[0].flagged);
  EXPECT_EQ(store.load_variable("vix").at(0).value, 13.2);
  EXPECT_TRUE(store.load_variable("nope").empty());
  EXPECT_EQ(store.variables(), (std::vector<std::string>{"brent", "dxy", "vix"}));
}

TEST(PgMacroStore, FlaggedObservationsAreMarkedUntilAcceptedAndAcceptanceIsAudited) {
  usdcop::testing::TestDatabase db;
  PgMacroStore store(db.pool());
  store.write_observations(
      {obs("brent", "2020-04-20", 65.1), obs("brent", "2020-04-21", 21.0),
       obs("usdmxn", "2020-04-21", 175000.0)},
      {flag("brent", "2020-04-21", 21.0, "jump"), flag("usdmxn", "2020-04-21", 175000.0, "range"),
       flag("usdmxn", "2020-04-21", 175000.0, "jump")});
  auto brent = store.load_variable("brent");
  ASSERT_EQ(brent.size(), 2u);
  EXPECT_FALSE(brent[0].flagged);
  EXPECT_TRUE(brent[1].flagged);

  auto open = store.load_flags(false);
  ASSERT_EQ(open.size(), 3u);
  EXPECT_EQ(open[0].variable, "brent");
  EXPECT_EQ(open[0].rule, "jump");
  EXPECT_EQ(open[0].value, 21.0);
  EXPECT_EQ(open[0].detail, "brent jump check");
  EXPECT_FALSE(open[0].accepted_at.has_value());

  // Re-importing the same flagged value keeps one flag per (variable, date, rule).
  store.write_observations({obs("brent", "2020-04-21", 21.0)},
                           {flag("brent", "2020-04-21", 21.0, "jump")});
  EXPECT_EQ(store.load_flags(false).size(), 3u);

  EXPECT_THROW(store.accept_flag("brent", day("2020-04-21"), "", "why"), Error);
  EXPECT_FALSE(store.accept_flag("brent", day("2020-04-20"), "ops", "no such flag"));
  EXPECT_TRUE(
      store.accept_flag("brent", day("2020-04-21"), "maria", "negative WTI week: real move"));
  EXPECT_FALSE(
      store.accept_flag("brent", day("2020-04-21"), "maria", "again"));  // no open flag left

  brent = store.load_variable("brent");
  EXPECT_FALSE(brent[1].flagged);
  EXPECT_EQ(store.load_flags(false).size(), 2u);
  const auto all = store.load_flags(true);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[0].accepted_at.has_value());
  EXPECT_EQ(all[0].accepted_by, "maria");

  // Both open usdmxn flags (range and jump) are accepted together, with one audit row.
  EXPECT_TRUE(store.accept_flag("usdmxn", day("2020-04-21"), "ops", "checked"));
  EXPECT_TRUE(store.load_flags(false).empty());

  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  const auto audit = tx.exec(
      "SELECT actor, action, object_type, object_id, from_state, to_state, reason, details::text "
      "FROM system.audit_log ORDER BY id");
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0][0].as<std::string>(), "maria");
  EXPECT_EQ(audit[0][1].as<std::string>(), "macro_flag.accept");
  EXPECT_EQ(audit[0][2].as<std::string>(), "macro_flag");
  EXPECT_EQ(audit[0][3].as<std::string>(), "brent/2020-04-21");
  EXPECT_EQ(audit[0][4].as<std::string>(), "open");
  EXPECT_EQ(audit[0][5].as<std::string>(), "accepted");
  EXPECT_EQ(audit[0][6].as<std::string>(), "negative WTI week: real move");
  const auto details = nlohmann::json::parse(audit[1][7].as<std::string>());
  EXPECT_EQ(details["rules"].size(), 2u);
  EXPECT_EQ(details["variable"], "usdmxn");
  EXPECT_EQ(
      query_long(db, "SELECT count(*) FROM market.macro_flags WHERE accept_reason = 'checked'"), 2);
}

TEST(PgMacroStore, AcceptedFlagStaysAcceptedForTheSameValueAndReopensForANewOne) {
  usdcop::testing::TestDatabase db;
  PgMacroStore store(db.pool());
  store.write_observations({obs("dxy", "2024-02-01", 150.0)},
                           {flag("dxy", "2024-02-01", 150.0, "jump")});
  ASSERT_TRUE(store.accept_flag("dxy", day("2024-02-01"), "ops", "ok"));
  // The same value and flag again: still accepted.
  store.write_observations({obs("dxy", "2024-02-01", 150.0)},
                           {flag("dxy", "2024-02-01", 150.0, "jump")});
  EXPECT_TRUE(store.load_flags(false).empty());
  EXPECT_FALSE(store.load_variable("dxy")[0].flagged);
  // A corrected value that passes the checks: the old flag no longer applies.
  auto w = store.write_observations({obs("dxy", "2024-02-01", 104.0)}, {});
  EXPECT_EQ(w.updated, 1);
  EXPECT_TRUE(store.load_flags(true).empty());
  // A new failing value: flagged (open) again.
  store.write_observations({obs("dxy", "2024-02-01", 160.0)},
                           {flag("dxy", "2024-02-01", 160.0, "jump")});
  EXPECT_TRUE(store.load_variable("dxy")[0].flagged);
  EXPECT_EQ(store.load_flags(false).size(), 1u);
}
