#pragma once
// The later demo stages run the usdcop binary itself, one subcommand per step, and print each
// command line first: the operator sees exactly what to type to do the same by hand.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace usdcop::cli {

struct DemoStep {
  int status = 0;
  nlohmann::json result;  // the command's --json output (null when it printed none)
};

// Runs `usdcop <args...>` (this same executable) with the caller's environment. With json =
// true, "--json" is appended and stdout is parsed; otherwise stdout goes to the terminal.
// stderr always goes to the terminal.
DemoStep run_demo_step(const std::vector<std::string>& args, bool json);

}  // namespace usdcop::cli
