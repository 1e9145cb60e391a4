#pragma once
// Shared pieces of the usdcop command line: exit statuses, the command registrars and small
// output helpers. Each command group lives in its own <group>_commands.cpp.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <string>

namespace usdcop::cli {

// Documented in docs/CLI.md.
enum ExitStatus : int {
  kOk = 0,
  kFailure = 1,      // unexpected error
  kUsage = 2,        // bad arguments or invalid input
  kPartial = 3,      // work done, but some input was rejected / a check is below threshold
  kUnavailable = 4,  // database or remote service unreachable
  kConflict = 5,     // the request clashes with the current state
  kIntegrity = 6,    // a hash or signature check failed
};

void add_calendar_commands(CLI::App& app);
void add_db_commands(CLI::App& app);
void add_ingest_commands(CLI::App& app);
void add_data_commands(CLI::App& app);
void add_bench_commands(CLI::App& app);
void add_demo_command(CLI::App& app);

// Later command groups register themselves from their own file, so adding a group touches no
// shared file:   namespace { const CommandRegistration reg{40, add_features_commands}; }
// main() adds the built-in groups above first, then registered groups by ascending order (a
// group may extend an existing one, e.g. app.get_subcommand("bench")).
using CommandAdder = void (*)(CLI::App&);
struct CommandRegistration {
  CommandRegistration(int order, CommandAdder adder);
};
void add_registered_commands(CLI::App& app);

// Prints JSON on stdout (pretty when stdout is a terminal, one line otherwise).
void print_json(const nlohmann::json& j);

// Prints a use case's result on stdout with its JSON renderer (--json) or its text renderer.
template <class Result>
void print_result(const Result& result, bool json, nlohmann::json (*json_renderer)(const Result&),
                  void (*text_renderer)(std::ostream&, const Result&)) {
  if (json)
    print_json(json_renderer(result));
  else
    text_renderer(std::cout, result);
}

// Commands report their exit status through this exception so main() can unwind cleanly.
struct ExitRequest {
  int status;
};

}  // namespace usdcop::cli
