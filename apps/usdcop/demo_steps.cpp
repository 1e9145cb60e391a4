#include "demo_steps.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "core/error.hpp"

extern char** environ;

namespace usdcop::cli {
namespace {

std::string quoted(const std::string& arg) {
  if (arg.find_first_of(" \t'\"$") == std::string::npos && !arg.empty()) return arg;
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

}  // namespace

DemoStep run_demo_step(const std::vector<std::string>& args, bool json) {
  std::cout << "$ usdcop";
  for (const auto& a : args) std::cout << ' ' << quoted(a);
  std::cout << (json ? " --json" : "") << std::endl;

  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<std::string> argv_storage{self};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  if (json) argv_storage.push_back("--json");
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  int pipe_fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (json) {
    if (pipe(pipe_fds) != 0)
      throw Error(ErrorKind::internal, std::string("pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  }
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (json) close(pipe_fds[1]);
  if (rc != 0) {
    if (json) close(pipe_fds[0]);
    throw Error(ErrorKind::internal, "cannot run " + self + ": " + std::strerror(rc));
  }
  std::string out;
  if (json) {
    char buf[65536];
    ssize_t n;
    while ((n = read(pipe_fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    close(pipe_fds[0]);
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  DemoStep step;
  step.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  if (json) {
    // The JSON document is the last non-empty line (commands print one line when piped).
    const auto end = out.find_last_not_of("\n ");
    if (end != std::string::npos) {
      const auto newline = out.rfind('\n', end);
      const size_t start = newline == std::string::npos ? 0 : newline + 1;
      const std::string last = out.substr(start, end + 1 - start);
      step.result = nlohmann::json::parse(last, nullptr, false);
      if (step.result.is_discarded()) step.result = nullptr;
    }
  }
  return step;
}

}  // namespace usdcop::cli
