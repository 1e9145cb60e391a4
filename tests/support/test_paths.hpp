#pragma once
// Where tests find the shared real data and the usdcop binary. Missing data is a failure,
// never a skip (CI must have ../shared beside the repository).
#include <filesystem>
#include <string>

namespace usdcop::testing {

std::filesystem::path shared_data(const std::string& file);  // FAILs the test when absent
std::filesystem::path usdcop_binary();
std::filesystem::path source_root();

// Runs the usdcop binary with arguments (shell-quoted by the caller) and captures stdout.
struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};
CommandResult run_usdcop(const std::string& args, const std::string& env = "");

}  // namespace usdcop::testing
