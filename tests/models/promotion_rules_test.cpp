// The vote matrix of spec 05 and 12 on the pure rules (models/promotion_rules.hpp), without a
// database: who may request, vote and roll back, four-eyes, roles, stages, gates, override,
// expiry, and the exact state changes and audit rows each accepted plan writes. The database
// twins (promotion_db_test, rollback_db_test) keep the invariants under concurrency.
// GCC 12 at -O3 reports a false -Wrestrict inside std::string code inlined into these tests.
#pragma GCC diagnostic ignored "-Wrestrict"
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "models/promotion_rules.hpp"

using namespace usdcop;
using namespace usdcop::models;

namespace {

constexpr const char* kBacktestId = "00000000-0000-0000-0000-0000000000b1";
constexpr const char* kRequestId = "00000000-0000-0000-0000-0000000000a1";
const Timestamp kNow = *parse_timestamp("2025-03-10T15:00:00Z");

Timestamp days_before_now(double days) {
  return kNow - std::chrono::microseconds(static_cast<int64_t>(days * 86400e6));
}

ModelRecord model(ModelStatus status, std::optional<double> staged_days_ago = std::nullopt) {
  ModelRecord m;
  m.model_id = "m1";
  m.status = status;
  m.model_hash = "hash-m1";
  m.builder_version = "1.0.0";
  m.training_end = parse_date("2023-12-29");
  if (staged_days_ago) m.staged_at = days_before_now(*staged_days_ago);
  return m;
}

BacktestSummary backtest(double sharpe = 1.6) {
  BacktestSummary b;
  b.backtest_id = kBacktestId;
  b.model_id = "m1";
  b.start_date = *parse_date("2024-07-01");
  b.end_date = *parse_date("2024-12-30");
  b.out_of_sample = true;
  b.sharpe_ratio = sharpe;
  b.win_rate = 0.55;
  b.max_drawdown_pct = -0.06;
  b.total_trades = 150;
  b.profit_factor = 1.9;
  return b;
}

RequestSnapshot request(Stage stage, const Principal& who = {"alice", Role::operator_, "corr-1"}) {
  RequestSnapshot s;
  s.ask = {"m1", stage, kBacktestId, "ready for the next stage", false};
  s.requester = who;
  s.policy = default_promotion_thresholds();
  s.model =
      stage == Stage::staging ? model(ModelStatus::registered) : model(ModelStatus::staging, 8.0);
  s.backtest = backtest();
  s.backtest_model_hash = "hash-m1";
  s.now = kNow;
  return s;
}

ManualVote approval(const std::string& voter, Role role, bool approve = true) {
  ManualVote v;
  v.voter = voter;
  v.role = role;
  v.approve = approve;
  v.comment = "looked at the equity curve and the trades";
  v.backtest_reviewed = v.metrics_acceptable = v.team_notified = true;
  return v;
}

// A pending production request by alice on a model staged 8 days ago, no production model.
VoteSnapshot vote_on(const ManualVote& v, double sharpe = 1.6) {
  VoteSnapshot s;
  s.request.request_id = kRequestId;
  s.request.model_id = "m1";
  s.request.target_stage = "production";
  s.request.backtest_id = kBacktestId;
  s.request.requested_by = "alice";
  s.request.auto_vote_status = "passed";
  s.request.final_decision = "pending";
  s.request.created_at = days_before_now(1);
  s.vote = v;
  s.policy = default_promotion_thresholds();
  s.model = model(ModelStatus::staging, 8.0);
  s.registrar = "registrar";
  s.trainers = {"trainer"};
  s.backtest = backtest(sharpe);
  s.now = kNow;
  return s;
}

// The refusal of a rule that should refuse, with its kind and logical field.
template <class Plan>
Error refusal(const Decision<Plan>& d) {
  EXPECT_FALSE(d.ok());
  if (d.ok()) return Error(ErrorKind::internal, "accepted");
  return d.error();
}

void expect_refused(const Error& e, ErrorKind kind, const std::string& field,
                    const std::string& words) {
  EXPECT_EQ(e.kind(), kind) << e.what();
  EXPECT_EQ(e.field(), field) << e.what();
  EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << "door syntax: " << e.what();
}

std::vector<std::string> actions(const std::vector<AuditEntry>& audit) {
  std::vector<std::string> out;
  for (const auto& e : audit) out.push_back(e.action);
  return out;
}

}  // namespace

// ---- request ------------------------------------------------------------------------------

TEST(RequestRules, StagingAutoPassPromotesAndStagesTheModel) {
  auto plan = plan_promotion_request(request(Stage::staging)).value();
  EXPECT_TRUE(plan.auto_vote.passed);
  EXPECT_EQ(plan.decision, FinalDecision::promoted);
  ASSERT_TRUE(plan.model_change);
  EXPECT_EQ(plan.model_change->from, ModelStatus::registered);
  EXPECT_EQ(plan.model_change->to, ModelStatus::staging);
  EXPECT_EQ(actions(plan.audit), (std::vector<std::string>{"promotion.request", "model.stage"}));
  bind_request_id(plan, kRequestId);
  EXPECT_EQ(plan.audit[0].object_id, kRequestId);
  EXPECT_EQ(plan.audit[0].to_state, "promoted");
  EXPECT_EQ(plan.audit[0].actor, "alice");
  EXPECT_EQ(plan.audit[0].role, "operator");
  EXPECT_EQ(plan.audit[0].request_id, "corr-1");
  EXPECT_EQ(plan.audit[1].object_id, "m1");
  EXPECT_EQ(plan.audit[1].details["request_id"], kRequestId);
  EXPECT_EQ(plan.audit[1].to_state, "staging");
}

TEST(RequestRules, StagingAutoFailRejectsTheModel) {
  auto s = request(Stage::staging);
  s.backtest = backtest(0.2);
  const auto plan = plan_promotion_request(s).value();
  EXPECT_EQ(plan.decision, FinalDecision::rejected);
  EXPECT_EQ(plan.model_change->to, ModelStatus::rejected);
  EXPECT_EQ(plan.audit[0].details["auto_vote"], "failed");
}

TEST(RequestRules, ProductionRequestStaysPendingAndChangesNoModel) {
  auto plan = plan_promotion_request(request(Stage::production)).value();
  EXPECT_EQ(plan.decision, FinalDecision::pending);
  EXPECT_FALSE(plan.model_change);
  EXPECT_TRUE(plan.auto_vote.passed);
  EXPECT_EQ(actions(plan.audit), std::vector<std::string>{"promotion.request"});
  bind_request_id(plan, kRequestId);
  EXPECT_EQ(plan.audit[0].request_id, "corr-1");  // the principal's correlation id is kept
}

TEST(RequestRules, TheCorrelationIdDefaultsToTheNewRequest) {
  auto plan =
      plan_promotion_request(request(Stage::staging, {"alice", Role::operator_, ""})).value();
  bind_request_id(plan, kRequestId);
  for (const auto& e : plan.audit) EXPECT_EQ(e.request_id, kRequestId);
}

TEST(RequestRules, DaysInStagingComeFromTheClock) {
  auto s = request(Stage::production);
  s.model.staged_at = days_before_now(3);
  auto plan = plan_promotion_request(s).value();
  EXPECT_FALSE(plan.auto_vote.passed);
  EXPECT_EQ(plan.auto_vote.failed_gates(), std::vector<std::string>{"days_in_staging"});
  EXPECT_NEAR(plan.auto_vote.details()["days_in_staging"]["value"].get<double>(), 3.0, 1e-9);
}

TEST(RequestRules, WhoMayRequest) {
  expect_refused(
      refusal(plan_promotion_request(request(Stage::staging, {"", Role::operator_, ""}))),
      ErrorKind::invalid_input, "requested_by", "must be named");
  expect_refused(
      refusal(plan_promotion_request(request(Stage::staging, {"vera", Role::viewer, ""}))),
      ErrorKind::conflict, "role", "needs role operator");
  EXPECT_TRUE(plan_promotion_request(request(Stage::staging, {"ada", Role::admin, ""})).ok());
}

TEST(RequestRules, ReasonOfAtLeastTenCharacters) {
  auto s = request(Stage::staging);
  s.ask.reason = "too short";
  EXPECT_EQ(refusal(plan_promotion_request(s)).kind(), ErrorKind::invalid_input);
}

TEST(RequestRules, SkipStagingTimeIsAdminOnlyProductionOnlyAndAudited) {
  auto s = request(Stage::staging);
  s.ask.skip_staging_time = true;
  expect_refused(refusal(plan_promotion_request(s)), ErrorKind::invalid_input, "skip_staging_time",
                 "production requests only");
  s = request(Stage::production);
  s.ask.skip_staging_time = true;
  s.model.staged_at = days_before_now(1);
  expect_refused(refusal(plan_promotion_request(s)), ErrorKind::conflict, "skip_staging_time",
                 "only an admin");
  s.requester = {"ada", Role::admin, ""};
  const auto plan = plan_promotion_request(s).value();
  EXPECT_TRUE(plan.auto_vote.passed);
  EXPECT_EQ(actions(plan.audit),
            (std::vector<std::string>{"promotion.request", "promotion.skip_staging_time"}));
  EXPECT_NEAR(plan.audit[1].details["days_in_staging"].get<double>(), 1.0, 1e-9);
}

TEST(RequestRules, TheModelMustBeInThePreviousStageWithNoPendingRequest) {
  auto s = request(Stage::production);
  s.model = model(ModelStatus::registered);
  expect_refused(refusal(plan_promotion_request(s)), ErrorKind::conflict, "model_id",
                 "needs a staging model");
  s = request(Stage::staging);
  s.model = model(ModelStatus::deployed);
  expect_refused(refusal(plan_promotion_request(s)), ErrorKind::conflict, "model_id",
                 "needs a registered model");
  s = request(Stage::staging);
  s.pending_request_id = kRequestId;
  expect_refused(refusal(plan_promotion_request(s)), ErrorKind::conflict, "model_id",
                 "still pending");
}

TEST(RequestRules, TheBacktestMustExistBeOfTheModelAndOfItsRegisteredActor) {
  auto s = request(Stage::staging);
  s.ask.backtest_id = "not-a-uuid";
  expect_refused(refusal(plan_promotion_request(s)), ErrorKind::invalid_input, "backtest_id",
                 "is not a UUID");
  s = request(Stage::staging);
  s.backtest.reset();
  expect_refused(refusal(plan_promotion_request(s)), ErrorKind::not_found, "backtest_id",
                 "does not exist");
  s = request(Stage::staging);
  s.backtest->model_id = "m2";
  expect_refused(refusal(plan_promotion_request(s)), ErrorKind::invalid_input, "backtest_id",
                 "is of model 'm2'");
  s = request(Stage::staging);
  s.backtest_model_hash.reset();
  expect_refused(refusal(plan_promotion_request(s)), ErrorKind::conflict, "backtest_id",
                 "records no model hash");
  s = request(Stage::staging);
  s.backtest_model_hash = "hash-other";
  expect_refused(refusal(plan_promotion_request(s)), ErrorKind::integrity, "backtest_id",
                 "ran actor.bin hash-other");
}

// ---- manual vote --------------------------------------------------------------------------

TEST(VoteRules, PassAndApproveByAnOperatorPromotes) {
  const auto plan = plan_manual_vote(vote_on(approval("bob", Role::operator_))).value();
  EXPECT_EQ(plan.decision, FinalDecision::promoted);
  EXPECT_TRUE(plan.promotes);
  EXPECT_FALSE(plan.alert);
  EXPECT_FALSE(plan.expired);
  ASSERT_EQ(actions(plan.audit), std::vector<std::string>{"promotion.vote"});
  EXPECT_EQ(plan.audit[0].actor, "bob");
  EXPECT_EQ(plan.audit[0].from_state, "pending");
  EXPECT_EQ(plan.audit[0].to_state, "promoted");
  EXPECT_EQ(plan.audit[0].request_id, kRequestId);  // no correlation id given
}

TEST(VoteRules, FailAndApproveByAnOperatorIsRefused) {
  expect_refused(refusal(plan_manual_vote(vote_on(approval("bob", Role::operator_), 0.8))),
                 ErrorKind::conflict, "role", "only an admin");
}

TEST(VoteRules, FailAndApproveByAnAdminIsAnOverrideFlaggedInAuditAndAlerts) {
  auto s = vote_on(approval("bob", Role::admin), 0.8);
  s.correlation_id = "corr-9";
  const auto plan = plan_manual_vote(s).value();
  EXPECT_EQ(plan.decision, FinalDecision::override_promoted);
  EXPECT_TRUE(plan.promotes);
  EXPECT_EQ(actions(plan.audit), std::vector<std::string>{"promotion.override"});
  EXPECT_EQ(plan.audit[0].request_id, "corr-9");
  EXPECT_EQ(plan.audit[0].details["override"], true);
  EXPECT_EQ(plan.audit[0].details["failed_gates"]["sharpe_ratio"]["passed"], false);
  ASSERT_TRUE(plan.alert);
  EXPECT_EQ(plan.alert->severity, "P1");
}

TEST(VoteRules, AnyRejectRejectsWithoutPromoting) {
  for (double sharpe : {1.6, 0.8}) {
    auto v = approval("bob", Role::operator_, false);
    v.backtest_reviewed = v.metrics_acceptable = v.team_notified = false;
    const auto plan = plan_manual_vote(vote_on(v, sharpe)).value();
    EXPECT_EQ(plan.decision, FinalDecision::rejected);
    EXPECT_FALSE(plan.promotes);
    EXPECT_EQ(plan.audit[0].to_state, "rejected");
  }
}

TEST(VoteRules, FourEyesRequesterRegistrarAndTrainerMayNotVote) {
  expect_refused(refusal(plan_manual_vote(vote_on(approval("alice", Role::admin)))),
                 ErrorKind::conflict, "voter", "requested this promotion");
  expect_refused(refusal(plan_manual_vote(vote_on(approval("registrar", Role::admin)))),
                 ErrorKind::conflict, "voter", "registered m1");
  expect_refused(refusal(plan_manual_vote(vote_on(approval("trainer", Role::admin)))),
                 ErrorKind::conflict, "voter", "trained m1");
  expect_refused(refusal(plan_manual_vote(vote_on(approval(" ", Role::admin)))),
                 ErrorKind::invalid_input, "voter", "must not be empty");
}

TEST(VoteRules, ViewersAndServicePrincipalsCannotVote) {
  for (Role r : {Role::viewer, Role::system}) {
    expect_refused(refusal(plan_manual_vote(vote_on(approval("carol", r)))), ErrorKind::conflict,
                   "role", "operator or admin");
  }
}

TEST(VoteRules, ACommentAndTheWholeChecklistAreNeeded) {
  auto v = approval("bob", Role::admin);
  v.comment = "   ";
  expect_refused(refusal(plan_manual_vote(vote_on(v))), ErrorKind::invalid_input, "comment",
                 "needs a comment");
  v = approval("bob", Role::admin);
  v.backtest_reviewed = v.team_notified = false;
  const Error e = refusal(plan_manual_vote(vote_on(v)));
  expect_refused(e, ErrorKind::invalid_input, "checklist",
                 "missing: backtest_reviewed, team_notified");
  auto short_override = approval("bob", Role::admin);
  short_override.comment = "ok";
  expect_refused(refusal(plan_manual_vote(vote_on(short_override, 0.8))), ErrorKind::invalid_input,
                 "comment", "the override reason must be at least 10 characters");
}

TEST(VoteRules, OnlyPendingProductionRequestsAreVoted) {
  auto s = vote_on(approval("bob", Role::admin));
  s.request.target_stage = "staging";
  expect_refused(refusal(plan_manual_vote(s)), ErrorKind::conflict, "request_id",
                 "decided by the auto vote");
  s = vote_on(approval("bob", Role::admin));
  s.request.final_decision = "rejected";
  expect_refused(refusal(plan_manual_vote(s)), ErrorKind::conflict, "request_id",
                 "already decided (rejected)");
}

TEST(VoteRules, ARequestOlderThanFourteenDaysExpiresInsteadOfBeingVoted) {
  auto s = vote_on(approval("bob", Role::admin));
  s.request.created_at = days_before_now(13.9);
  EXPECT_FALSE(plan_manual_vote(s).value().expired);
  s.request.created_at = days_before_now(14.1);
  const auto plan = plan_manual_vote(s).value();
  ASSERT_TRUE(plan.expired);
  expect_refused(*plan.expired, ErrorKind::conflict, "request_id", "has expired");
  EXPECT_FALSE(plan.promotes);
  ASSERT_EQ(actions(plan.audit), std::vector<std::string>{"promotion.expire"});
  EXPECT_EQ(plan.audit[0].actor, "system:scheduler");
  EXPECT_EQ(plan.audit[0].to_state, "expired");
}

TEST(VoteRules, TheAutoVoteIsRecomputedAtTheVote) {
  // Stored as passed at the request; a production model deployed since then brings the shadow
  // agreement gate, without shadow data: the fresh vote fails and decides.
  auto s = vote_on(approval("bob", Role::operator_));
  s.shadow.production_exists = true;
  expect_refused(refusal(plan_manual_vote(s)), ErrorKind::conflict, "role", "only an admin");
  s.shadow.shadow_bars = 200;
  s.shadow.shadow_agreeing = 190;
  const auto plan = plan_manual_vote(s).value();
  EXPECT_TRUE(plan.auto_vote.passed);
  EXPECT_EQ(plan.decision, FinalDecision::promoted);
}

TEST(VoteRules, OnlyAStagingModelIsPromotedAndTheBacktestMustStillExist) {
  auto s = vote_on(approval("bob", Role::admin));
  s.model.status = ModelStatus::archived;
  expect_refused(refusal(plan_manual_vote(s)), ErrorKind::conflict, "model_id",
                 "only a staging model");
  auto reject = approval("bob", Role::admin, false);
  s.vote = reject;
  EXPECT_EQ(plan_manual_vote(s).value().decision, FinalDecision::rejected);
  s = vote_on(approval("bob", Role::admin));
  s.backtest.reset();
  expect_refused(refusal(plan_manual_vote(s)), ErrorKind::not_found, "backtest_id",
                 "no longer exists");
}

// ---- swap and rollback --------------------------------------------------------------------

TEST(SwapRules, ThePreviousModelIsArchivedTheNewDeployedBothAudited) {
  const SwapContext ctx{"bob", "admin", "looked fine", "corr-2", "promotion", {{"k", 1}}};
  const auto plan =
      plan_production_swap(model(ModelStatus::staging), std::string("m0"), ctx).value();
  EXPECT_EQ(plan.previous_model_id, "m0");
  ASSERT_EQ(plan.audit.size(), 2U);
  EXPECT_EQ(plan.audit[0].object_id, "m0");
  EXPECT_EQ(plan.audit[0].to_state, "archived");
  EXPECT_EQ(plan.audit[0].details["replaced_by"], "m1");
  EXPECT_EQ(plan.audit[1].object_id, "m1");
  EXPECT_EQ(plan.audit[1].from_state, "staging");
  EXPECT_EQ(plan.audit[1].details["replaces"], "m0");
  EXPECT_EQ(plan.audit[1].action, "model.promotion");
  EXPECT_EQ(plan.notification.new_model, "m1");
  EXPECT_EQ(plan.notification.model_hash, "hash-m1");
  const auto first = plan_production_swap(model(ModelStatus::staging), std::nullopt, ctx).value();
  EXPECT_EQ(first.audit.size(), 1U);
  EXPECT_FALSE(first.notification.previous_model);
  expect_refused(
      refusal(plan_production_swap(model(ModelStatus::deployed), std::string("m1"), ctx)),
      ErrorKind::conflict, "model_id", "already deployed");
}

namespace {
RollbackSnapshot rollback_to(std::optional<std::string> target, Role role = Role::admin) {
  RollbackSnapshot s;
  s.target_model_id = std::move(target);
  s.reason = "p99 latency regression";
  s.actor = {"ops", role, "corr-3"};
  s.current = model(ModelStatus::deployed);
  s.current->model_id = "m2";
  s.target = model(ModelStatus::archived);
  s.target->was_production = true;
  return s;
}
}  // namespace

TEST(RollbackRules, AdminOrTheMonitorRollsBackToAFormerProductionModel) {
  for (Role r : {Role::admin, Role::system}) {
    const auto plan = plan_rollback(rollback_to(std::nullopt, r)).value();
    EXPECT_EQ(plan.target.model_id, "m1");
    EXPECT_EQ(plan.swap.event, "rollback");
    EXPECT_EQ(plan.swap.role, to_string(r));
    EXPECT_EQ(plan.swap.details["target_chosen"], "recommended");
  }
  EXPECT_EQ(plan_rollback(rollback_to("m1")).value().swap.details["target_chosen"], "explicit");
  for (Role r : {Role::viewer, Role::operator_}) {
    expect_refused(refusal(plan_rollback(rollback_to(std::nullopt, r))), ErrorKind::conflict,
                   "role", "needs role admin");
  }
  auto s = rollback_to(std::nullopt);
  s.reason = "short";
  EXPECT_EQ(refusal(plan_rollback(s)).kind(), ErrorKind::invalid_input);
}

TEST(RollbackRules, InvalidTargetsAreRefused) {
  auto s = rollback_to(std::nullopt);
  s.current.reset();
  EXPECT_EQ(refusal(plan_rollback(s)).kind(), ErrorKind::not_found);
  s = rollback_to(std::nullopt);
  s.target.reset();
  EXPECT_EQ(refusal(plan_rollback(s)).kind(), ErrorKind::not_found);
  s = rollback_to("nope");
  s.target.reset();
  expect_refused(refusal(plan_rollback(s)), ErrorKind::not_found, "target_model_id",
                 "not registered");
  s = rollback_to("m2");
  s.target = s.current;
  expect_refused(refusal(plan_rollback(s)), ErrorKind::invalid_input, "target_model_id",
                 "is the current production model");
  s = rollback_to("m1");
  s.target->was_production = false;
  expect_refused(refusal(plan_rollback(s)), ErrorKind::invalid_input, "target_model_id",
                 "not a former production model");
  s = rollback_to("m1");
  s.running_builder_version = "2.0.0";
  expect_refused(refusal(plan_rollback(s)), ErrorKind::invalid_input, "target_model_id",
                 "incompatible with the running 2.0.0");
}
