#include "promotion_render.hpp"

#include <iomanip>

#include "core/text_hygiene.hpp"

namespace usdcop::cli {

void render_text(std::ostream& out, const models::PromotionRequest& r) {
  out << "request      " << r.request_id << "\nmodel        " << r.model_id << " -> "
      << r.target_stage << "\nbacktest     " << r.backtest_id << "\nrequested by "
      << terminal_safe(r.requested_by) << " (" << format_rfc3339(r.created_at) << ")\nreason       "
      << terminal_safe(r.reason) << "\nauto vote    " << r.auto_vote_status
      << (r.skip_staging_time ? " (staging time skipped by an admin)" : "") << "\n";
  for (const auto& [gate, g] : r.auto_vote_details.items()) {
    out << "  " << std::left << std::setw(18) << gate
        << (g.value("passed", false) ? "pass " : "FAIL ") << "value " << g["value"].dump()
        << "  threshold " << g["threshold"].dump();
    if (g.contains("note")) out << "  (" << g["note"].get<std::string>() << ")";
    out << "\n";
  }
  out << "manual vote  " << r.manual_vote_status;
  if (!r.manual_vote_by.empty())
    out << " by " << terminal_safe(r.manual_vote_by) << " (" << r.manual_vote_role
        << "): " << terminal_safe(r.manual_vote_comment);
  out << "\ndecision     " << r.final_decision << "\n";
}

nlohmann::json render_json(const models::PromotionRequest& r) {
  return models::to_json(r);
}

void render_text(std::ostream& out, const std::vector<models::PromotionRequest>& list) {
  if (list.empty()) out << "no promotion requests\n";
  for (const auto& q : list) {
    out << q.request_id << "  " << std::left << std::setw(26) << q.model_id << std::setw(11)
        << q.target_stage << " auto " << std::setw(7) << q.auto_vote_status << " manual "
        << std::setw(9) << q.manual_vote_status << q.final_decision << "\n";
  }
}

nlohmann::json render_json(const std::vector<models::PromotionRequest>& list) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& q : list) j.push_back(models::to_json(q));
  return j;
}

nlohmann::json render_json(const app::PromotionPolicyInForce& p) {
  auto j = models::to_json(p.thresholds);
  j["policy"] = p.source;
  // The profiles a registered model's backtest runs with (and `active` pins).
  auto risk = p.risk_source;
  risk["risk_profile_sha256"] = p.risk_profile_sha256;
  j["profiles"] = {{"risk", risk}, {"trading", p.trading_source}};
  return j;
}

}  // namespace usdcop::cli
