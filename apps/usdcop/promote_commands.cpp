// usdcop promote request|vote|list|show|thresholds (spec 05: promotion with two votes):
// parsing and rendering only; the use cases are in src/app/promotion.hpp.
#include <iomanip>
#include <iostream>

#include "app/promotion.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"
#include "promotion_render.hpp"

namespace usdcop::cli {

namespace {

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
    const auto caller = command_caller(
        o->token_file, o->skip ? "promote request --skip-staging-time" : "promote request");
    const auto r = app::request_promotion(
        services(), {caller, o->model, o->stage, o->backtest, o->reason, o->skip});
    print_result(r, o->json, render_json, render_text);
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
    const auto caller = command_caller(o->token_file, "promote vote");
    const auto q =
        app::vote_promotion(services(), {caller, o->request, o->approve, o->comment, o->checklist});
    print_result(q, o->json, render_json, render_text);
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
    std::optional<std::string> d;
    if (!o->decision.empty()) d = o->decision;
    print_result(app::list_promotions(services(), d), o->json, render_json, render_text);
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
    print_result(app::show_promotion(services(), o->request), o->json, render_json, render_text);
  });
}

void add_thresholds(CLI::App& promote) {
  auto* c = promote.add_subcommand(
      "thresholds", "The promotion gates in force (the database's policy, else the seed file)");
  c->callback([] { print_json(render_json(app::promotion_policy_in_force(services()))); });
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
