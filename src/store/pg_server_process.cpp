#include "store/pg_server_process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace usdcop::store::pg_server {

PostgresUser postgres_user() {
  const passwd* pw = getpwnam("postgres");
  if (!pw) {
    throw Error(ErrorKind::unavailable,
                "running as root, the managed PostgreSQL must run as the 'postgres' system user, "
                "which does not exist (install the Debian package 'postgresql', or run as a "
                "non-root user, or set DATABASE_URL)");
  }
  return {pw->pw_uid, pw->pw_gid};
}

void chown_to(const fs::path& p, const PostgresUser& u) {
  if (::chown(p.c_str(), u.uid, u.gid) != 0) {
    throw Error(ErrorKind::unavailable,
                "cannot give " + p.string() + " to the postgres user: " + std::strerror(errno));
  }
}

void check_traversable_by_postgres(const fs::path& dir, const PostgresUser& u) {
  int n = 64;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  if (getgrouplist("postgres", u.gid, groups.data(), &n) < 0) {
    groups.resize(static_cast<size_t>(n));
    getgrouplist("postgres", u.gid, groups.data(), &n);
  }
  groups.resize(static_cast<size_t>(std::max(n, 0)));
  std::vector<fs::path> chain;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    chain.push_back(p);
    if (p == p.root_path()) break;
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    struct stat st {};
    if (::stat(it->c_str(), &st) != 0) continue;  // created later, by us, traversable
    bool ok;
    if (st.st_uid == u.uid) {
      ok = st.st_mode & S_IXUSR;
    } else if (std::find(groups.begin(), groups.end(), st.st_gid) != groups.end()) {
      ok = st.st_mode & S_IXGRP;
    } else {
      ok = st.st_mode & S_IXOTH;
    }
    if (!ok) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      throw Error(ErrorKind::unavailable,
                  "the managed PostgreSQL runs as the 'postgres' user (we are root), which cannot "
                  "traverse " +
                      it->string() + " (mode " + mode +
                      "); set USDCOP_HOME to a directory it can reach (the default for root is "
                      "/var/lib/usdcop), or make the directory traversable (chmod o+x), or set "
                      "DATABASE_URL");
    }
  }
}

ProcResult run_process(std::vector<std::string> argv, const fs::path& cwd, bool as_postgres) {
  if (as_postgres) {
    static const char* candidates[] = {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"};
    std::string runuser;
    for (const char* c : candidates) {
      if (::access(c, X_OK) == 0) {
        runuser = c;
        break;
      }
    }
    if (runuser.empty())
      throw Error(ErrorKind::unavailable, "runuser not found (package util-linux)");
    argv.insert(argv.begin(), {runuser, "-u", "postgres", "--"});
  }
  char tmpl[] = "/tmp/usdcop_pg_XXXXXX";
  const int out_fd = ::mkostemp(tmpl, O_CLOEXEC);
  if (out_fd < 0)
    throw Error(ErrorKind::internal, std::string("mkostemp: ") + std::strerror(errno));
  ::unlink(tmpl);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out_fd);
    throw Error(ErrorKind::internal, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::setsid();
    const int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    if (::chdir(cwd.c_str()) != 0 && ::chdir("/") != 0) _exit(126);
    ::execv(args[0], args.data());
    const std::string msg =
        std::string("cannot run ") + args[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    _exit(127);
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  ProcResult r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  ::lseek(out_fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out_fd, buf, sizeof buf)) > 0) r.output.append(buf, static_cast<size_t>(n));
  ::close(out_fd);
  while (!r.output.empty() && (r.output.back() == '\n' || r.output.back() == ' '))
    r.output.pop_back();
  return r;
}

std::string tail_of_file(const fs::path& p, size_t lines) {
  std::ifstream in(p);
  if (!in) return {};
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += "\n  " + l;
  return out;
}

LockFile::LockFile(const fs::path& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error(ErrorKind::unavailable,
                "cannot open lock file " + path.string() + ": " + std::strerror(errno));
  }
  while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
  }
}

LockFile::~LockFile() {
  if (fd_ >= 0) ::close(fd_);
}

void make_dir(const fs::path& p, fs::perms perms, const std::optional<PostgresUser>& owner) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) throw Error(ErrorKind::unavailable, "cannot create " + p.string() + ": " + ec.message());
  fs::permissions(p, perms, ec);
  if (owner) chown_to(p, *owner);
}

void write_private_file(const fs::path& p, const std::string& content, mode_t mode,
                        const std::optional<PostgresUser>& owner) {
  const fs::path tmp = p.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    throw Error(ErrorKind::unavailable,
                "cannot write " + tmp.string() + ": " + std::strerror(errno));
  ::fchmod(fd, mode);  // the umask may have removed bits; never added any
  bool ok = true;
  for (size_t done = 0; ok && done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (ok && owner) chown_to(tmp, *owner);
  if (!ok || ::rename(tmp.c_str(), p.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::unavailable, "cannot write " + p.string() + ": " + why);
  }
}

}  // namespace usdcop::store::pg_server
