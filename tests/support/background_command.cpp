#include "support/background_command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/test_paths.hpp"

extern char** environ;

namespace usdcop::testing {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int decode(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

}  // namespace

BackgroundCommand::BackgroundCommand(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env) {
  static std::atomic<int> counter{0};
  const std::string tag = std::to_string(::getpid()) + "_bg" + std::to_string(counter++);
  out_ = std::filesystem::temp_directory_path() / ("usdcop_test_out_" + tag);
  err_ = std::filesystem::temp_directory_path() / ("usdcop_test_err_" + tag);

  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (!env.count(name)) env_text.push_back(entry);
  }
  for (const auto& [name, value] : env) env_text.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  const std::string binary = usdcop_binary().string();
  std::vector<std::string> argv_text{binary};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn " + binary + " failed");
}

BackgroundCommand::~BackgroundCommand() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int raw = 0;
    ::waitpid(pid_, &raw, 0);
  }
  std::error_code ec;
  std::filesystem::remove(out_, ec);
  std::filesystem::remove(err_, ec);
}

void BackgroundCommand::signal(int sig) const {
  if (!reaped_) ::kill(pid_, sig);
}

bool BackgroundCommand::finished() {
  if (reaped_) return true;
  int raw = 0;
  if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
    reaped_ = true;
    status_ = decode(raw);
  }
  return reaped_;
}

int BackgroundCommand::wait() {
  if (!reaped_) {
    int raw = 0;
    ::waitpid(pid_, &raw, 0);
    reaped_ = true;
    status_ = decode(raw);
  }
  return status_;
}

std::string BackgroundCommand::out() const {
  return slurp(out_);
}
std::string BackgroundCommand::err() const {
  return slurp(err_);
}

}  // namespace usdcop::testing
