// usdcop dlq list|retry|resolve: the live engine's dead-letter queue (spec 06). retry makes a
// letter due now (the engine retries it at its next catch-up, in bar order); resolve closes it
// without processing (the engine then handles the event again like any pending bar).
#include <iostream>

#include "app/dead_letters.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"

namespace usdcop::cli {
namespace {

void print_rows(const std::vector<store::DeadLetterRow>& rows, bool json) {
  if (json) {
    auto a = nlohmann::json::array();
    for (const auto& r : rows) a.push_back(r.to_json());
    print_json({{"dead_letters", a}});
    return;
  }
  if (rows.empty()) {
    std::cout << "no dead letters\n";
    return;
  }
  for (const auto& r : rows) {
    std::cout << r.id << "  " << r.status << "  " << r.handler << "  " << r.event_id
              << "  attempts " << r.attempts << ", retries " << r.retries;
    if (r.next_retry_at) std::cout << ", next retry " << format_rfc3339(*r.next_retry_at);
    std::cout << "\n    " << r.error << "\n";
  }
}

void add_dlq_commands(CLI::App& app) {
  auto* dlq =
      app.add_subcommand("dlq", "The live engine's dead-letter queue: list, retry, resolve");
  dlq->require_subcommand(1);

  struct Opts {
    std::string status, reason, token_file;
    long id = 0;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* list = dlq->add_subcommand("list", "Letters not resolved (or of one status)");
  list->add_option("--status", o->status, "pending | exhausted | resolved")
      ->check(CLI::IsMember({"pending", "exhausted", "resolved"}));
  list->add_flag("--json", o->json, "Machine-readable output");
  list->callback([o] { print_rows(app::list_dead_letters(services(), o->status), o->json); });

  auto* retry = dlq->add_subcommand("retry", "Make a letter due now; the engine retries it next");
  retry->add_option("ID", o->id, "Dead letter id")->required();
  add_token_option(*retry, o->token_file);
  retry->add_flag("--json", o->json, "Machine-readable output");
  retry->callback([o] {
    const auto caller = command_caller(o->token_file, "dlq retry");
    print_rows({app::retry_dead_letter(services(), {caller, o->id})}, o->json);
  });

  auto* resolve = dlq->add_subcommand("resolve", "Close a letter without processing it");
  resolve->add_option("ID", o->id, "Dead letter id")->required();
  resolve->add_option("--reason", o->reason, "Why (recorded in the audit log)")->required();
  add_token_option(*resolve, o->token_file);
  resolve->add_flag("--json", o->json, "Machine-readable output");
  resolve->callback([o] {
    const auto caller = command_caller(o->token_file, "dlq resolve");
    print_rows({app::resolve_dead_letter(services(), {caller, o->id, o->reason})}, o->json);
  });
}

const CommandRegistration reg{67, add_dlq_commands};

}  // namespace
}  // namespace usdcop::cli
