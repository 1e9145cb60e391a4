// usdcop: one binary, subcommands like git. main() only wires the command groups and maps
// boundary errors to exit statuses and one-line messages.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <utility>
#include <vector>

#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"
#include "store/dependency_failure.hpp"
#include "usdcop_version.hpp"

namespace usdcop::cli {

void print_json(const nlohmann::json& j) {
  if (isatty(STDOUT_FILENO)) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << j.dump() << "\n";
  }
}

namespace {
std::vector<std::pair<int, CommandAdder>>& registered_commands() {
  static std::vector<std::pair<int, CommandAdder>> commands;
  return commands;
}

int status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
    case ErrorKind::not_found:
      return kUsage;
    case ErrorKind::conflict:
      return kConflict;
    case ErrorKind::unavailable:
      return kUnavailable;
    case ErrorKind::integrity:
      return kIntegrity;
    case ErrorKind::internal:
      return kFailure;
  }
  return kFailure;
}
}  // namespace

CommandRegistration::CommandRegistration(int order, CommandAdder adder) {
  registered_commands().emplace_back(order, adder);
}

void add_registered_commands(CLI::App& app) {
  auto commands = registered_commands();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, adder] : commands) adder(app);
}

}  // namespace usdcop::cli

int main(int argc, char** argv) {
  using namespace usdcop::cli;
  CLI::App app{"usdcop — USD/COP 5-minute RL trading platform"};
  app.set_version_flag("--version", std::string("usdcop ") + USDCOP_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  add_demo_command(app);
  add_calendar_commands(app);
  add_db_commands(app);
  add_ingest_commands(app);
  add_data_commands(app);
  add_bench_commands(app);
  add_registered_commands(app);
  ProcessServices process_services;  // the database, opened by the first command needing it
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are successes; every other parse error is a bad argument: exit 2
    // (docs/CLI.md), not CLI11's own codes.
    return app.exit(e) == 0 ? kOk : kUsage;
  } catch (const ExitRequest& r) {
    return r.status;
  } catch (const usdcop::Error& e) {
    std::cerr << "usdcop: error: " << e.what() << "\n";
    return status_for(e.kind());
  } catch (const std::exception& e) {
    // A database that shut down or a full disk mid-command is a dependency failure, not a bug.
    if (const auto dependency = usdcop::store::as_dependency_failure(e)) {
      std::cerr << "usdcop: error: " << dependency->what() << "\n";
      return kUnavailable;
    }
    std::cerr << "usdcop: internal error: " << e.what() << "\n";
    return kFailure;
  }
  return kOk;
}
