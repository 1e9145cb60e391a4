// Artifacts verified at every use (spec 12): a promotion re-checks the model's files against the
// registered hashes, so a flipped byte in actor.bin, or an actor swapped together with a
// rewritten run.json, is refused (integrity) and changes nothing.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "model_fixtures.hpp"
#include "store/pg_promotions.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using usdcop::testing::count_sql;

namespace {

class ArtifactVerification : public ::testing::Test {
 protected:
  usdcop::testing::TestDatabase db;
  usdcop::testing::TempDir tmp;
  store::PgPromotions promotions{db.pool(), models::default_promotion_thresholds()};
  store::PgModelRegistry registry{db.pool()};

  void flip_a_byte(const std::string& id) {
    const auto p = tmp.path() / id / "actor.bin";
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    char c = 0;
    f.seekg(10);
    f.get(c);
    f.seekp(10);
    f.put(static_cast<char>(c ^ 0x01));
  }
  // Another actor, with run.json's hashes rewritten to match it: the run verifies on its own.
  void swap_actor_and_rewrite_hashes(const std::string& id) {
    const auto dir = tmp.path() / id;
    std::ofstream(dir / "actor.bin", std::ios::binary | std::ios::app) << "another actor";
    const std::string hash = sha256_file_hex(dir / "actor.bin");
    std::ifstream in(dir / "run.json");
    auto run = nlohmann::json::parse(in);
    in.close();
    run["model_hash"] = hash;
    if (run.contains("artifacts") && run["artifacts"].is_object())
      run["artifacts"]["actor.bin"] = hash;
    std::ofstream(dir / "run.json", std::ios::trunc) << run.dump(2);
  }
  void expect_integrity(const std::function<void()>& f) {
    try {
      f();
      ADD_FAILURE() << "expected an integrity error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::integrity) << e.what();
      EXPECT_NE(std::string(e.what()).find("actor.bin"), std::string::npos) << e.what();
    }
  }
  models::ManualVote approval() {
    models::ManualVote v;
    v.voter = "bob";
    v.role = models::Role::admin;
    v.approve = true;
    v.comment = "looked at the equity curve and the trades";
    models::apply_checklist("backtest_reviewed,metrics_acceptable,team_notified", v);
    return v;
  }
};

}  // namespace

TEST_F(ArtifactVerification, AFlippedByteStopsTheProductionVote) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_flip");
  usdcop::testing::stage_model(db.pool(), "m_flip");
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), "m_flip", usdcop::testing::passing_backtest());
  const auto r =
      promotions.request({"m_flip", models::Stage::production, bt, "ready for production"},
                         usdcop::testing::actor("alice"));
  flip_a_byte("m_flip");
  expect_integrity([&] { promotions.vote(r.request_id, approval()); });
  EXPECT_EQ(promotions.get(r.request_id).final_decision, "pending");
  EXPECT_EQ(models::to_string(registry.get("m_flip").status), std::string("staging"));
}

TEST_F(ArtifactVerification, ASwappedActorWithRewrittenHashesCannotBeRequested) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_swap");
  swap_actor_and_rewrite_hashes("m_swap");
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), "m_swap", usdcop::testing::passing_backtest());
  expect_integrity([&] {
    promotions.request({"m_swap", models::Stage::staging, bt, "first staging run"},
                       usdcop::testing::actor("alice"));
  });
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM ml.promotion_requests"), 0);
  EXPECT_EQ(models::to_string(registry.get("m_swap").status), std::string("registered"));
}

// Spec 12: the auto vote is recomputed at the manual vote, and a request pending for more than
// 14 days expires instead of being decided.
TEST_F(ArtifactVerification, AStaleRequestExpiresAndTheAutoVoteIsRecomputed) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_old");
  usdcop::testing::stage_model(db.pool(), "m_old");
  const auto bt =
      usdcop::testing::insert_backtest(db.pool(), "m_old", usdcop::testing::passing_backtest());
  const auto r =
      promotions.request({"m_old", models::Stage::production, bt, "ready for production"},
                         usdcop::testing::actor("alice"));
  usdcop::testing::exec_sql(db.pool(),
                            "UPDATE ml.promotion_requests SET created_at = now() - "
                            "interval '15 days'");
  try {
    promotions.vote(r.request_id, approval());
    ADD_FAILURE() << "a 15-day-old request must expire";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
    EXPECT_NE(std::string(e.what()).find("expired"), std::string::npos) << e.what();
  }
  EXPECT_EQ(promotions.get(r.request_id).final_decision, "expired");
  EXPECT_EQ(count_sql(db.pool(),
                      "SELECT count(*) FROM system.audit_log WHERE action = "
                      "'promotion.expire'"),
            1);

  // A fresh request: the vote recomputes the auto vote (the reset status is replaced).
  const auto again =
      promotions.request({"m_old", models::Stage::production, bt, "ready for production"},
                         usdcop::testing::actor("alice"));
  usdcop::testing::exec_sql(db.pool(),
                            "UPDATE ml.promotion_requests SET auto_vote_status = "
                            "'pending' WHERE final_decision = 'pending'");
  const auto decided = promotions.vote(again.request_id, approval());
  EXPECT_NE(decided.auto_vote_status, "pending");
  EXPECT_NE(decided.final_decision, "pending");
}

// Spec 12: a backtest records the actor it ran; one of another actor, or one without a hash
// (stored before the column existed), cannot support a promotion.
TEST_F(ArtifactVerification, ABacktestOfAnotherActorCannotSupportAPromotion) {
  usdcop::testing::register_model(db.pool(), tmp.path(), "m_bt");
  const auto other =
      usdcop::testing::insert_backtest(db.pool(), "m_bt", usdcop::testing::passing_backtest());
  usdcop::testing::exec_sql(db.pool(),
                            "UPDATE ml.backtest_results SET model_hash = repeat('ab', "
                            "32) WHERE backtest_uuid = '" +
                                other + "'");
  expect_integrity([&] {
    promotions.request({"m_bt", models::Stage::staging, other, "first staging run"},
                       usdcop::testing::actor("alice"));
  });
  usdcop::testing::exec_sql(db.pool(), "UPDATE ml.backtest_results SET model_hash = NULL");
  try {
    promotions.request({"m_bt", models::Stage::staging, other, "first staging run"},
                       usdcop::testing::actor("alice"));
    ADD_FAILURE() << "a backtest without a model hash must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict) << e.what();
    EXPECT_NE(std::string(e.what()).find("backtest m_bt again"), std::string::npos) << e.what();
    EXPECT_EQ(e.field(), "backtest_id");
  }
  EXPECT_EQ(count_sql(db.pool(), "SELECT count(*) FROM ml.promotion_requests"), 0);
}
