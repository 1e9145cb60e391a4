#include "support/test_paths.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace usdcop::testing {

std::filesystem::path shared_data(const std::string& file) {
  const std::filesystem::path p = std::filesystem::path(USDCOP_SHARED_DATA_DIR) / file;
  if (!std::filesystem::exists(p)) {
    ADD_FAILURE() << "shared test data missing: " << p
                  << " (../shared/data must be beside the repo)";
    throw std::runtime_error("missing shared data " + p.string());
  }
  return p;
}

std::filesystem::path usdcop_binary() {
  return USDCOP_BINARY_PATH;
}
std::filesystem::path source_root() {
  return USDCOP_SOURCE_ROOT;
}

CommandResult run_usdcop(const std::string& args, const std::string& env) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(getpid()) + "_" + std::to_string(counter++);
  const auto out_path = dir / ("usdcop_test_out_" + tag);
  const auto err_path = dir / ("usdcop_test_err_" + tag);
  const std::string cmd = env + " " + usdcop_binary().string() + " " + args + " >" +
                          out_path.string() + " 2>" + err_path.string() + " </dev/null";
  const int rc = std::system(cmd.c_str());
  CommandResult r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return r;
}

}  // namespace usdcop::testing
