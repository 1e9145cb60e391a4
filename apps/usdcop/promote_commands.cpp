// usdcop promote request|vote|list|show|thresholds (spec 05: promotion with two votes)
#include <iomanip>
#include <iostream>

#include "app_database.hpp"
#include "cli_context.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "models/promotion_policy.hpp"
#include "models_cli.hpp"
#include "store/pg_policies.hpp"
#include "store/pg_promotions.hpp"

namespace usdcop::cli {

namespace {

void print_request(const models::PromotionRequest& r) {
  std::cout << "request      " << r.request_id << "\nmodel        " << r.model_id << " -> "
            << r.target_stage << "\nbacktest     " << r.backtest_id << "\nrequested by "
            << terminal_safe(r.requested_by) << " (" << format_rfc3339(r.created_at)
            << ")\nreason       " << terminal_safe(r.reason) << "\nauto vote    "
            << r.auto_vote_status
            << (r.skip_staging_time ? " (staging time skipped by an admin)" : "") << "\n";
  for (const auto& [gate, g] : r.auto_vote_details.items()) {
    std::cout << "  " << std::left << std::setw(18) << gate
              << (g.value("passed", false) ? "pass " : "FAIL ") << "value " << g["value"].dump()
              << "  threshold " << g["threshold"].dump();
    if (g.contains("note")) std::cout << "  (" << g["note"].get<std::string>() << ")";
    std::cout << "\n";
  }
  std::cout << "manual vote  " << r.manual_vote_status;
  if (!r.manual_vote_by.empty())
    std::cout << " by " << terminal_safe(r.manual_vote_by) << " (" << r.manual_vote_role
              << "): " << terminal_safe(r.manual_vote_comment);
  std::cout << "\ndecision     " << r.final_decision << "\n";
}

void add_request(CLI::App& promote) {
  struct Opts {
    std::string model, stage, backtest, reason, token_file;
    bool skip = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c =
      promote.add_subcommand("request", "Request a promotion; the auto vote is computed at once");
  c->add_option("MODEL", o->model, "model_id")->required();
  c->add_option("--stage", o->stage, "staging|production")->required();
  c->add_option("--backtest", o->backtest, "UUID of a stored backtest of this model")->required();
  c->add_option("--reason", o->reason, "Why (at least 10 characters)")->required();
  add_token_option(*c, o->token_file);
  c->add_flag("--skip-staging-time", o->skip,
              "Bypass the 7-day staging gate (admin only, audited)");
  c->add_flag("--json", o->json, "Machine-readable output");
  c->footer(
      "Staging requests are decided by the auto vote (exit 0 promoted, 3 rejected); production "
      "requests\n"
      "stay pending until `usdcop promote vote`.");
  c->callback([o] {
    const auto actor =
        authenticated_actor(o->token_file, o->skip ? models::Role::admin : models::Role::operator_,
                            o->skip ? "promote request --skip-staging-time" : "promote request");
    auto& pool = open_app_database().pool();
    store::PgPromotions promotions(pool, store::active_promotion_thresholds(pool));
    models::PromotionRequest r;
    audit_refusals(actor.name, "promote request", [&] {
      r = promotions.request(
          {o->model, models::parse_stage(o->stage), o->backtest, o->reason, o->skip}, actor);
    });
    if (o->json)
      print_json(models::to_json(r));
    else
      print_request(r);
    throw ExitRequest{r.final_decision == "rejected" ? kPartial : kOk};
  });
}

void add_vote(CLI::App& promote) {
  struct Opts {
    std::string request, comment, checklist, token_file;
    bool approve = false, reject = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = promote.add_subcommand("vote", "The manual vote on a production request (four-eyes)");
  c->add_option("REQUEST", o->request, "Request UUID")->required();
  auto* a = c->add_flag("--approve", o->approve, "Approve");
  auto* r = c->add_flag("--reject", o->reject, "Reject");
  a->excludes(r);
  c->add_option("--comment", o->comment, "Comment (the override reason when the auto vote failed)")
      ->required();
  c->add_option("--checklist", o->checklist,
                "Comma-separated: backtest_reviewed,metrics_acceptable,team_notified");
  add_token_option(*c, o->token_file);
  c->add_flag("--json", o->json, "Machine-readable output");
  c->footer(
      "The voter is the token's principal; it must differ from the requester and the registrar.\n"
      "Exit status: 0 recorded (promoted, override_promoted or rejected); 2 incomplete checklist "
      "or\n"
      "missing comment; 5 four-eyes or role violation, request already decided, or a swap in "
      "progress.");
  c->callback([o] {
    if (o->approve == o->reject)
      throw Error(ErrorKind::invalid_input, "give exactly one of --approve and --reject");
    const auto who = authenticate_command(o->token_file, models::Role::operator_, "promote vote");
    models::ManualVote vote;
    vote.voter = who.principal;
    vote.role = who.role;
    vote.approve = o->approve;
    vote.comment = o->comment;
    auto& pool = open_app_database().pool();
    store::PgPromotions promotions(pool, store::active_promotion_thresholds(pool));
    models::PromotionRequest q;
    audit_refusals(who.principal, "promote vote", [&] {
      models::apply_checklist(o->checklist, vote);
      q = promotions.vote(o->request, vote, new_request_id());
    });
    if (o->json)
      print_json(models::to_json(q));
    else
      print_request(q);
  });
}

void add_list(CLI::App& promote) {
  struct Opts {
    std::string decision;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = promote.add_subcommand("list", "Promotion requests, newest first");
  c->add_option("--decision", o->decision, "Only pending|promoted|rejected|override_promoted")
      ->check(CLI::IsMember({"pending", "promoted", "rejected", "override_promoted", "expired"}));
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    store::PgPromotions promotions(open_app_database().pool(),
                                   models::default_promotion_thresholds());
    std::optional<std::string> d;
    if (!o->decision.empty()) d = o->decision;
    const auto all = promotions.list(d);
    if (o->json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& q : all) j.push_back(models::to_json(q));
      print_json(j);
      return;
    }
    if (all.empty()) std::cout << "no promotion requests\n";
    for (const auto& q : all) {
      std::cout << q.request_id << "  " << std::left << std::setw(26) << q.model_id << std::setw(11)
                << q.target_stage << " auto " << std::setw(7) << q.auto_vote_status << " manual "
                << std::setw(9) << q.manual_vote_status << q.final_decision << "\n";
    }
  });
}

void add_show(CLI::App& promote) {
  struct Opts {
    std::string request;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = promote.add_subcommand("show", "One promotion request with its gates");
  c->add_option("REQUEST", o->request, "Request UUID")->required();
  c->add_flag("--json", o->json, "Machine-readable output");
  c->callback([o] {
    store::PgPromotions promotions(open_app_database().pool(),
                                   models::default_promotion_thresholds());
    const auto q = promotions.get(o->request);
    if (o->json)
      print_json(models::to_json(q));
    else
      print_request(q);
  });
}

void add_thresholds(CLI::App& promote) {
  auto* c = promote.add_subcommand(
      "thresholds", "The promotion gates in force (the database's policy, else the seed file)");
  c->callback([] {
    auto& pool = open_app_database().pool();
    nlohmann::json source, risk, trading;
    auto j = models::to_json(store::active_promotion_thresholds(pool, &source));
    j["policy"] = source;
    // The profiles a registered model's backtest runs with (and `active` pins).
    const auto risk_profile = store::active_risk_profile(pool, &risk);
    risk["risk_profile_sha256"] = trading::risk_profile_sha256(risk_profile);
    (void)store::active_trading_config(pool, &trading);
    j["profiles"] = {{"risk", risk}, {"trading", trading}};
    print_json(j);
  });
}

void add_promote_commands(CLI::App& app) {
  auto* promote = app.add_subcommand(
      "promote", "Promotion with two votes: request, vote, list, show (spec 05)");
  promote->require_subcommand(1);
  add_request(*promote);
  add_vote(*promote);
  add_list(*promote);
  add_show(*promote);
  add_thresholds(*promote);
}

const CommandRegistration reg{51, add_promote_commands};

}  // namespace
}  // namespace usdcop::cli
