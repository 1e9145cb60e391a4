#pragma once
// The usdcop binary started in the background (posix_spawn, no shell), for tests that signal or
// kill it mid-command or run two commands at once. Output goes to files read after wait().
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace usdcop::testing {

class BackgroundCommand {
 public:
  // `env` entries are added to (or replace) the test's environment.
  BackgroundCommand(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env);
  ~BackgroundCommand();  // kills (SIGKILL) and reaps a process still running
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Whether the process has ended (reaps it); never blocks.
  bool finished();
  // Blocks until the process ends; the exit status, or 128 + signal number when killed.
  int wait();
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;
  std::filesystem::path out_, err_;
};

// Polls `done` every 20 ms until it holds or `limit` passes; returns whether it held.
template <class F>
bool wait_until(F done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace usdcop::testing
