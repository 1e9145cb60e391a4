// POST /models/reload (spec 07, admin; issue 15): the deployed and staging models are verified
// against the registry, the answer lists them, an audit row carries the token's name, role and
// the request id, and model_changed (event "reload") tells the engines; a model whose
// artifacts no longer verify refuses the whole reload (422, audited, nothing notified).
#include <fstream>

#include "../backtest/real_market_fixture.hpp"
#include "../trading/run_dir_fixture.hpp"
#include "api_fixture.hpp"
#include "events/codec.hpp"
#include "model_fixtures.hpp"
#include "store/pg_listener.hpp"
#include "support/test_paths.hpp"
#include "support/test_tokens.hpp"

using usdcop::testing::ApiTest;
namespace t = usdcop::testing;
namespace events = usdcop::events;

namespace {

class ModelReload : public ApiTest {
 protected:
  // Real run directories (loadable and verifiable, as the engine loads them): one deployed,
  // one staging.
  ModelReload() {
    int version = 0;
    for (const char* id : {"ppo_rl_dep", "ppo_rl_stg"}) {
      const auto dir = usdcop::test_fixture::write_run_dir(
          usdcop::test_fixture::fresh_dir(std::string("reload_") + id), id, 7);
      usdcop::test_fixture::register_model(db.pool(), id, ++version, dir);
      dirs.push_back(dir);
    }
    t::exec_sql(db.pool(),
                "UPDATE ml.model_registry SET status = 'deployed', deployed_at = now() WHERE "
                "model_id = 'ppo_rl_dep'");
    t::exec_sql(db.pool(),
                "UPDATE ml.model_registry SET status = 'staging', staged_at = now() WHERE "
                "model_id = 'ppo_rl_stg'");
    staged_hash = text("SELECT model_hash FROM ml.model_registry WHERE model_id = 'ppo_rl_stg'");
  }
  // The model_changed notifications seen while `f` runs (a real LISTEN session).
  std::vector<events::ModelChanged> model_changes_during(const std::function<void()>& f) {
    usdcop::store::PgListener listener(db.url(), {events::Channel::model_changed});
    std::vector<events::ModelChanged> seen;
    listener.on_event([&](const events::Event& e) {
      if (const auto* m = std::get_if<events::ModelChanged>(&e)) seen.push_back(*m);
    });
    listener.connect();
    f();
    // Committed before f returned: delivered within one wait (10x margin on the deadline).
    for (int i = 0; i < 20 && seen.empty(); ++i) listener.wait(std::chrono::milliseconds(500));
    listener.wait(std::chrono::milliseconds(200));  // and nothing more comes
    return seen;
  }
  long audit_rows(const std::string& where) {
    return count("SELECT count(*) FROM system.audit_log WHERE " + where);
  }
  std::vector<std::filesystem::path> dirs;
  std::string staged_hash;
};

}  // namespace

TEST_F(ModelReload, AnAdminReloadsVerifiedModelsAuditedAndEnginesAreTold) {
  t::Reply r;
  const auto changes = model_changes_during([&] {
    r = post("/api/v1/models/reload", admin, nlohmann::json{{"reason", "artifacts re-synced"}},
             {{"X-Request-Id", "rl-1"}});
  });
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["success"], true);
  EXPECT_EQ(r.json["request_id"], "rl-1");
  EXPECT_EQ(r.json["engines_notified"], true);
  ASSERT_EQ(r.json["count"], 2) << r.body;
  EXPECT_EQ(r.json["models"][0]["model_id"], "ppo_rl_dep");
  EXPECT_EQ(r.json["models"][0]["status"], "deployed");
  EXPECT_EQ(r.json["models"][1]["model_id"], "ppo_rl_stg");
  EXPECT_EQ(r.json["models"][1]["status"], "staging");
  EXPECT_EQ(r.json["models"][1]["model_hash"], staged_hash);
  EXPECT_EQ(r.json["models"][1]["verified"], true);
  EXPECT_EQ(audit_rows("action = 'model.reload' AND actor = 'adam' AND role = 'admin' AND "
                       "request_id = 'rl-1' AND reason = 'artifacts re-synced' AND "
                       "details->'models'->1->>'model_id' = 'ppo_rl_stg'"),
            1);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].event, "reload");
  EXPECT_EQ(changes[0].new_model, "ppo_rl_dep");
  EXPECT_EQ(changes[0].previous_model, "ppo_rl_dep");
  EXPECT_EQ(changes[0].actor, "adam");
  EXPECT_EQ(changes[0].request_id, "rl-1");
  // The registry is unchanged: a reload is not a swap.
  EXPECT_EQ(get("/api/v1/models?status=deployed", viewer).json["models"][0]["model_id"],
            "ppo_rl_dep");
  // An empty body is accepted too.
  EXPECT_EQ(post("/api/v1/models/reload", admin, "").status, 200);
}

TEST_F(ModelReload, OnlyAnAdminAndOnlyKnownFields) {
  const auto changes = model_changes_during([&] {
    EXPECT_EQ(post("/api/v1/models/reload", "", "{}").status, 401);
    EXPECT_EQ(post("/api/v1/models/reload", viewer, "{}").status, 403);
    EXPECT_EQ(post("/api/v1/models/reload", operator_, "{}").status, 403);
    const auto unknown = post("/api/v1/models/reload", admin, R"({"model_id":"ppo_rl_dep"})");
    EXPECT_EQ(unknown.status, 400) << unknown.body;
    EXPECT_EQ(unknown.json["error"]["field"], "model_id");
    EXPECT_EQ(post("/api/v1/models/reload", admin, "{").status, 400);
    EXPECT_EQ(post("/api/v1/models/reload", admin, R"({"reason": 5})").status, 400);
  });
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(audit_rows("action = 'model.reload'"), 0);
  EXPECT_EQ(audit_rows("action = 'command.refused' AND actor = 'adam'"), 3);
}

TEST_F(ModelReload, AModelThatNoLongerVerifiesRefusesTheWholeReload) {
  std::ofstream(dirs[1] / "actor.bin", std::ios::app | std::ios::binary) << 'x';
  t::Reply r;
  const auto changes =
      model_changes_during([&] { r = post("/api/v1/models/reload", admin, "{}"); });
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("ppo_rl_stg"), std::string::npos) << r.body;
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(audit_rows("action = 'model.reload'"), 0);
  EXPECT_EQ(audit_rows("action = 'command.refused' AND actor = 'adam'"), 1);
}

// The CLI door calls the same use case: admin only (exit 5 otherwise), the same JSON, audited.
TEST_F(ModelReload, TheCliDoorIsTheSameUseCase) {
  const auto run = [&](const std::string& token) {
    return usdcop::testing::run_usdcop(
        "models reload --reason 'cli check' --json",
        "DATABASE_URL='" + db.url() + "' " + usdcop::testing::token_env(token));
  };
  const auto refused = run(operator_);
  EXPECT_EQ(refused.status, 5) << refused.err;
  const auto ok = run(admin);
  ASSERT_EQ(ok.status, 0) << ok.err;
  const auto out = nlohmann::json::parse(ok.out);
  EXPECT_EQ(out["count"], 2);
  EXPECT_EQ(out["models"][0]["model_id"], "ppo_rl_dep");
  EXPECT_EQ(out["engines_notified"], true);
  EXPECT_EQ(audit_rows("action = 'model.reload' AND actor = 'adam' AND reason = 'cli check' AND "
                       "request_id = '" +
                       out["request_id"].get<std::string>() + "'"),
            1);
}
