// POST /predict (spec 07): the production model loaded from the registry with its hashes
// verified; action in [-1, 1], signal LONG/SHORT/HOLD, latency_ms; bad features named.
#include <filesystem>
#include <fstream>

#include "api_fixture.hpp"
#include "model_fixtures.hpp"
#include "run_dir_fixture.hpp"
#include "store/pg_model_registry.hpp"

using usdcop::testing::ApiTest;
namespace t = usdcop::testing;

namespace {

class PredictApi : public ApiTest {
 protected:
  t::TempDir tmp;
  std::filesystem::path deploy(const std::string& id, uint64_t seed) {
    const auto dir = usdcop::test_fixture::write_run_dir(tmp.path() / id, id, seed, {32, 32},
                                                         "baseline", "2020-01-02", "2023-12-29");
    usdcop::store::PgModelRegistry(db.pool()).register_run(dir, t::actor("registrar"));
    t::stage_model(db.pool(), id);
    t::deploy_model(db.pool(), id);
    return dir;
  }
  static nlohmann::json observation() {
    nlohmann::json f = nlohmann::json::array();
    for (int i = 0; i < 13; ++i) f.push_back(0.1 * (i - 6));
    f.push_back(0);    // position
    f.push_back(0.5);  // time_normalized
    return f;
  }
};

}  // namespace

TEST_F(PredictApi, ProductionModelAnswers) {
  EXPECT_EQ(post("/api/v1/predict", viewer,
                 nlohmann::json{{"features", observation()}, {"model_id", "ppo_primary"}})
                .status,
            404)
      << "no production model yet";
  deploy("ppo_predict_1", 11);
  const auto r = post("/api/v1/predict", viewer,
                      nlohmann::json{{"features", observation()}, {"model_id", "ppo_primary"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["model_id"], "ppo_predict_1");
  const double action = r.json["action"];
  EXPECT_GE(action, -1.0);
  EXPECT_LE(action, 1.0);
  const std::string signal = r.json["signal"];
  EXPECT_TRUE(signal == "LONG" || signal == "SHORT" || signal == "HOLD") << signal;
  EXPECT_LT(r.json["latency_ms"].get<double>(), 100.0);  // spec 07's client check
  // The same observation gives the same action (deterministic policy), by id too.
  const auto by_id =
      post("/api/v1/predict", viewer,
           nlohmann::json{{"features", observation()}, {"model_id", "ppo_predict_1"}});
  EXPECT_EQ(by_id.json["action"], r.json["action"]);
}

TEST_F(PredictApi, BadFeaturesNameTheIndex) {
  deploy("ppo_predict_2", 12);
  const std::string ok = observation().dump();
  struct Case {
    std::string body, field;
  };
  const std::vector<Case> cases = {
      {R"({"features":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,NaN]})", "features[14]"},
      {R"({"features":[0,0,0,Infinity,0,0,0,0,0,0,0,0,0,0,0.5]})", "features[3]"},
      {R"({"features":[0,0,0,0,-Infinity,0,0,0,0,0,0,0,0,0,0.5]})", "features[4]"},
      {R"({"features":[0,0,0,0,0,1e999,0,0,0,0,0,0,0,0,0.5]})", "body"},  // no finite double
      {R"({"features":[0,0,0,0,0,0,"1",0,0,0,0,0,0,0,0.5]})", "features[6]"},
      {R"({"features":[0,0,0,0,0,0,0,0,0,0,0,0,0,0.5,0.5]})", "features[13]"},
      {R"({"features":[0,0,0]})", "features"},
      {R"({"features":"all"})", "features"},
      {R"({"model_id":"ppo_primary"})", "features"},
      {R"({"features":)" + ok + R"(,"model":"x"})", "model"},
  };
  for (const auto& c : cases) {
    const auto r = post("/api/v1/predict", viewer, c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_EQ(r.json["error"]["field"], c.field) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(post("/api/v1/predict", viewer,
                 nlohmann::json{{"features", observation()}, {"model_id", "ppo_unknown"}})
                .status,
            404);
}

TEST_F(PredictApi, TamperedArtifactsAreRefused) {
  const auto dir = deploy("ppo_predict_3", 13);
  std::ofstream(dir / "actor.bin", std::ios::binary | std::ios::app) << "tamper";
  const auto r = post("/api/v1/predict", viewer,
                      nlohmann::json{{"features", observation()}, {"model_id", "production"}});
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.json["error"]["code"], "integrity");
}
