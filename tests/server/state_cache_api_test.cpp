// The server's caches (docs/API.md, Performance): the operations mode and the deployed model
// are served from memory and refreshed by NOTIFY operations_mode / model_changed, so a change
// made through another door (the CLI, the engine's monitor) reaches the API once its
// notification arrives; identities are never cached, so a revoked token is refused at once,
// even one that has just been used many times.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "api_fixture.hpp"
#include "model_fixtures.hpp"
#include "run_dir_fixture.hpp"
#include "store/pg_model_registry.hpp"
#include "store/pg_operations_control.hpp"
#include "store/pg_principals.hpp"
#include "support/background_command.hpp"

using usdcop::testing::ApiTest;
namespace t = usdcop::testing;

namespace {

class StateCacheApi : public ApiTest {
 protected:
  t::TempDir tmp;
  void deploy(const std::string& id, uint64_t seed) {
    const auto dir = usdcop::test_fixture::write_run_dir(tmp.path() / id, id, seed, {32, 32},
                                                         "baseline", "2020-01-02", "2023-12-29");
    usdcop::store::PgModelRegistry(db.pool()).register_run(dir, t::actor("registrar"));
    t::stage_model(db.pool(), id);
    t::deploy_model(db.pool(), id);
  }
  std::string predicted_model() {
    nlohmann::json f = nlohmann::json::array();
    for (int i = 0; i < 13; ++i) f.push_back(0.1 * i);
    f.push_back(0);
    f.push_back(0.5);
    const auto r = post("/api/v1/predict", viewer,
                        nlohmann::json{{"features", f}, {"model_id", "ppo_primary"}});
    return r.status == 200 ? r.json["model_id"].get<std::string>() : "";
  }
};

// Waits (10x margin over the expected few milliseconds) and reports the measured time.
template <class F>
bool seen_within_10s(const char* what, F done) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = t::wait_until(done, std::chrono::seconds(10));
  std::cout
      << what << " seen by the API after "
      << std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()
      << " ms\n";
  return ok;
}

}  // namespace

TEST_F(StateCacheApi, AModeChangedThroughAnotherDoorIsServedAfterItsNotification) {
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(get("/api/v1/operations/status", viewer).json["mode"], "normal");
  usdcop::store::PgOperationsControl(db.pool()).pause("paused through another door",
                                                      t::actor("olga"));
  EXPECT_TRUE(seen_within_10s(
      "pause", [&] { return get("/api/v1/operations/status", viewer).json["mode"] == "paused"; }));
  EXPECT_EQ(get("/api/v1/operations/status", viewer).json["reason"], "paused through another door");
  // A change made through this server is seen by its very next request.
  ASSERT_EQ(post("/api/v1/operations/kill-switch", operator_,
                 nlohmann::json{{"reason", "drill: kill through the API"},
                                {"close_positions", false},
                                {"notify_team", false}})
                .status,
            200);
  EXPECT_EQ(get("/api/v1/operations/status", viewer).json["mode"], "killed");
}

TEST_F(StateCacheApi, ADeployedModelSwappedElsewhereIsUsedAfterItsNotification) {
  deploy("ppo_cache_a", 21);
  ASSERT_EQ(predicted_model(), "ppo_cache_a");
  ASSERT_EQ(predicted_model(), "ppo_cache_a");  // from the cache
  deploy("ppo_cache_b", 22);                    // promotion through the store: model_changed
  EXPECT_TRUE(seen_within_10s("model swap", [&] { return predicted_model() == "ppo_cache_b"; }));
}

TEST_F(StateCacheApi, ATokenUsedManyTimesIsRefusedTheMomentItIsRevoked) {
  for (int i = 0; i < 50; ++i) ASSERT_EQ(get("/api/v1/me", operator_).status, 200) << i;
  auto& principals = services->principals();
  const auto who = principals.authenticate(admin);
  for (const auto& tok : principals.list_tokens())
    if (tok.principal == "olga" && tok.revoked_at.empty()) principals.revoke(tok.id, who);
  const auto r = get("/api/v1/me", operator_);
  EXPECT_EQ(r.status, 401) << r.body;
}
