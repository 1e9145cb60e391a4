#include "models/promotion_request.hpp"

namespace usdcop::models {

namespace {
nlohmann::json opt_time(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}
nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}
}  // namespace

nlohmann::json to_json(const PromotionRequest& r) {
  return {{"request_id", r.request_id},
          {"model_id", r.model_id},
          {"target_stage", r.target_stage},
          {"backtest_id", r.backtest_id},
          {"reason", r.reason},
          {"requested_by", r.requested_by},
          {"auto_vote_status", r.auto_vote_status},
          {"auto_vote_details", r.auto_vote_details},
          {"auto_vote_at", opt_time(r.auto_vote_at)},
          {"manual_vote_status", r.manual_vote_status},
          {"manual_vote_by", text_or_null(r.manual_vote_by)},
          {"manual_vote_role", text_or_null(r.manual_vote_role)},
          {"manual_vote_at", opt_time(r.manual_vote_at)},
          {"manual_vote_comment", text_or_null(r.manual_vote_comment)},
          {"checklist",
           {{"backtest_reviewed", r.checklist_backtest_reviewed},
            {"metrics_acceptable", r.checklist_metrics_acceptable},
            {"team_notified", r.checklist_team_notified}}},
          {"skip_staging_time", r.skip_staging_time},
          {"final_decision", r.final_decision},
          {"created_at", format_rfc3339(r.created_at)},
          {"updated_at", format_rfc3339(r.updated_at)},
          {"promoted_at", opt_time(r.promoted_at)}};
}

}  // namespace usdcop::models
