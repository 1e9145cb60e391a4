// Hot swap on model_changed (spec 12, issue 13): the engine reloads the deployed and staging
// models from the registry (hash-verified) between two bars, never during one; a model that
// fails to load keeps the old one and leaves an alert-worthy record.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/model_source.hpp"
#include "live/engine.hpp"
#include "live_fixture.hpp"
#include "store/pg_backtest_store.hpp"
#include "store/pg_listener.hpp"
#include "store/pg_live_store.hpp"
#include "store/pg_macro_store.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_model_swap.hpp"

using namespace usdcop;
using namespace usdcop::live_testing;
using usdcop::testing::TestDatabase;

namespace {

constexpr const char* kHistoryFrom = "2025-01-02T00:00:00Z";
constexpr const char* kLiveFrom = "2025-02-03T00:00:00Z";

live::TradingModel trading_model(store::ConnectionPool& pool, const std::string& id) {
  store::PgBacktestStore results(pool);
  app::ModelSource m = app::resolve_model(id, &results);  // verifies the registered hash
  live::TradingModel t;
  t.model_id = m.model_id;
  t.policy = std::shared_ptr<trading::Policy>(std::move(m.bundle.policy));
  t.norm_stats = m.bundle.norm_stats;
  return t;
}

// What `usdcop engine` loads: the deployed model and the staging ones, from the registry.
live::ModelSet models_in_force(store::ConnectionPool& pool) {
  store::PgModelRegistry registry(pool);
  live::ModelSet set{trading_model(pool, registry.deployed().value().model_id), {}};
  for (const auto& r : registry.list(models::ModelStatus::staging))
    set.shadows.push_back(trading_model(pool, r.model_id));
  return set;
}

void swap_to(TestDatabase& db, const std::string& model_id, const std::string& event) {
  auto c = db.pool().acquire();
  pqxx::work tx(*c);
  store::swap_production_model(tx, model_id, {"test", "admin", "hot swap test", "", event, {}});
  tx.commit();
}

// Waits (10x margin on the local cluster) until `n` model_changed notifications arrived.
void hear(store::PgListener& listener, const std::vector<std::string>& heard, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (heard.size() < n && std::chrono::steady_clock::now() < deadline)
    listener.wait(std::chrono::milliseconds(200));
  ASSERT_EQ(heard.size(), n);
}

std::vector<market::Bar> live_bars(std::size_t n) {
  const Timestamp from = parse_timestamp_or_throw(kLiveFrom, "from");
  std::vector<market::Bar> out;
  for (const auto& b : test_fixture::real_market().bars) {
    if (b.time < from) continue;
    if (out.size() == n) break;
    out.push_back(b);
  }
  return out;
}

void insert(TestDatabase& db, const std::vector<market::Bar>& bars, std::size_t from,
            std::size_t to) {
  store::PgBarStore(db.pool()).write_bars(
      std::vector<market::Bar>(bars.begin() + from, bars.begin() + to), "test", false);
}

}  // namespace

TEST(LiveHotSwap, APromotionAndARollbackSwapBetweenBarsAndAFailedLoadKeepsTheModel) {
  TestDatabase db;
  prepare_database(db, kHistoryFrom, kLiveFrom, "m_swap_a", true);
  const auto dir_b =
      test_fixture::write_run_dir(test_fixture::fresh_dir("live_swap_b"), "run_swap_b", 11);
  test_fixture::register_model(db.pool(), "m_swap_b", 2, dir_b);
  // m_swap_c's registered hash is not its actor's: the registry refuses to load it.
  const auto dir_c =
      test_fixture::write_run_dir(test_fixture::fresh_dir("live_swap_c"), "run_swap_c", 13);
  test_fixture::register_model(db.pool(), "m_swap_c", 3, dir_c);
  sql(db, "UPDATE ml.model_registry SET model_hash = repeat('0', 64) WHERE model_id = 'm_swap_c'");

  store::PgLiveStore live(db.pool());
  store::PgMacroStore macro(db.pool());
  live::EngineOptions o;
  o.holder = "swap";
  auto first = models_in_force(db.pool());
  live::Engine engine(live, macro, market::MacroCatalog::load(), std::move(first.production), o,
                      std::move(first.shadows));
  engine.reload_models_with([&] { return models_in_force(db.pool()); });
  std::vector<std::string> heard;
  store::PgListener listener(db.url(), {events::Channel::model_changed});
  listener.on_event([&](const events::Event& e) {
    heard.push_back(std::get<events::ModelChanged>(e).new_model);
    engine.on_model_changed();
  });
  listener.connect();
  engine.start();
  const auto bars = live_bars(400);

  insert(db, bars, 0, 100);
  EXPECT_EQ(engine.catch_up(), 100);
  swap_to(db, "m_swap_b", "promotion");
  hear(listener, heard, 1);
  EXPECT_TRUE(engine.model_reload_pending());
  EXPECT_EQ(engine.decisions().model().model_id, "m_swap_a");  // nothing changes mid-way
  insert(db, bars, 100, 200);
  EXPECT_EQ(engine.catch_up(), 100);
  EXPECT_EQ(engine.counters().model_swaps, 1);
  EXPECT_EQ(engine.decisions().model().model_id, "m_swap_b");
  EXPECT_TRUE(engine.last_reconciliation().consistent);

  // A model that does not verify: the engine keeps m_swap_b and records a P1 alert.
  swap_to(db, "m_swap_c", "promotion");
  hear(listener, heard, 2);
  insert(db, bars, 200, 300);
  EXPECT_EQ(engine.catch_up(), 100);
  EXPECT_EQ(engine.counters().model_load_failures, 1);
  EXPECT_EQ(engine.decisions().model().model_id, "m_swap_b");
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM system.audit_log WHERE action = 'live.model_load_failed' "
                  "AND actor = 'live-engine' AND details->>'model_id' = 'm_swap_b'"),
            1);

  // The rollback back to m_swap_a.
  swap_to(db, "m_swap_a", "rollback");
  hear(listener, heard, 3);
  insert(db, bars, 300, 400);
  EXPECT_EQ(engine.catch_up(), 100);
  EXPECT_EQ(engine.counters().model_swaps, 2);
  EXPECT_EQ(engine.decisions().model().model_id, "m_swap_a");
  EXPECT_TRUE(engine.last_reconciliation().consistent);

  // Every production decision carries the model of its bar's side of the swap, and its action
  // is that model's policy on the stored observation: no decision is half one, half the other.
  std::map<std::string, std::shared_ptr<trading::Policy>> policies{
      {"m_swap_a", trading_model(db.pool(), "m_swap_a").policy},
      {"m_swap_b", trading_model(db.pool(), "m_swap_b").policy}};
  auto c = db.pool().acquire();
  pqxx::read_transaction tx(*c);
  const auto rows =
      tx.exec("SELECT time::text, model_id, action, observation::text, time < '" +
              format_rfc3339(bars[100].time) + "' OR time >= '" + format_rfc3339(bars[300].time) +
              "' FROM trading.model_inferences WHERE role = 'production' ORDER BY time");
  ASSERT_GT(rows.size(), 300u);
  std::map<std::string, long> per_model;
  for (const auto& r : rows) {
    const std::string model = r[1].c_str();
    const std::string expected = r[4].as<bool>() ? "m_swap_a" : "m_swap_b";
    ASSERT_EQ(model, expected) << r[0].c_str();
    ++per_model[model];
    const auto obs_json = nlohmann::json::parse(r[3].c_str());
    std::array<float, trading::kObservationSize> obs{};
    for (std::size_t i = 0; i < obs.size(); ++i)
      obs[i] = obs_json[i].is_null() ? std::nanf("") : obs_json[i].get<float>();
    EXPECT_NEAR(policies.at(model)->act(trading::Observation(obs)), r[2].as<double>(), 1e-9)
        << model << " at " << r[0].c_str();
  }
  EXPECT_GT(per_model["m_swap_a"], 50);
  EXPECT_GT(per_model["m_swap_b"], 50);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM (SELECT time FROM trading.model_inferences WHERE role "
                  "= 'production' GROUP BY time HAVING count(*) > 1) d"),
            0);
}
