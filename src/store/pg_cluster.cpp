#include "store/pg_cluster.hpp"

#include "core/percent_encoding.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace usdcop::store {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// A URI query value keeps '/' readable (a socket directory).
std::string uri_encode(const std::string& s) {
  return percent_encode(s, "/");
}

std::string conf_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string kv_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

struct PostgresUser {
  uid_t uid;
  gid_t gid;
};

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

// Every directory above `dir` must be searchable by the postgres user, or the server cannot
// reach its data directory and socket.
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

struct ProcResult {
  int status = -1;
  std::string output;
};

// Runs argv (as the postgres user through runuser when as_postgres) in cwd with stdin from
// /dev/null and stdout+stderr captured. The child gets its own session so a server it starts
// is not hit by the terminal's Ctrl-C.
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

// Exclusive lock on <home>/.pg.lock for the lifetime of the object (start/stop serialization).
class LockFile {
 public:
  explicit LockFile(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw Error(ErrorKind::unavailable,
                  "cannot open lock file " + path.string() + ": " + std::strerror(errno));
    }
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~LockFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

 private:
  int fd_ = -1;
};

void make_dir(const fs::path& p, fs::perms perms, const std::optional<PostgresUser>& owner) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) throw Error(ErrorKind::unavailable, "cannot create " + p.string() + ": " + ec.message());
  fs::permissions(p, perms, ec);
  if (owner) chown_to(p, *owner);
}

std::optional<long> live_postmaster_pid(const fs::path& data_dir) {
  std::ifstream in(data_dir / "postmaster.pid");
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) return pid;
  return std::nullopt;
}

}  // namespace

bool running_as_root() {
  return ::geteuid() == 0;
}

fs::path usdcop_home() {
  const std::string h = env("USDCOP_HOME");
  if (!h.empty()) return fs::absolute(h).lexically_normal();
  if (running_as_root()) return "/var/lib/usdcop";
  const std::string xdg = env("XDG_DATA_HOME");
  if (!xdg.empty() && fs::path(xdg).is_absolute()) return fs::path(xdg) / "usdcop";
  std::string home = env("HOME");
  if (home.empty()) {
    if (const passwd* pw = getpwuid(::geteuid())) home = pw->pw_dir;
  }
  if (home.empty())
    throw Error(ErrorKind::unavailable, "cannot find a home directory: set USDCOP_HOME");
  return fs::path(home) / ".local" / "share" / "usdcop";
}

int managed_port() {
  const std::string p = env("USDCOP_PG_PORT");
  if (p.empty()) return kDefaultManagedPort;
  char* end = nullptr;
  const long v = std::strtol(p.c_str(), &end, 10);
  if (*end != '\0' || v < 1 || v > 65535) {
    throw Error(ErrorKind::invalid_input,
                "USDCOP_PG_PORT must be a port number (1-65535), got '" + p + "'");
  }
  return static_cast<int>(v);
}

bool fast_mode_requested() {
  const std::string v = env("USDCOP_PG_FAST");
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

fs::path postgres_bin_dir() {
  const std::string e = env("USDCOP_PG_BIN");
  if (!e.empty()) {
    if (!fs::exists(fs::path(e) / "initdb")) {
      throw Error(ErrorKind::unavailable, "USDCOP_PG_BIN=" + e + " holds no initdb");
    }
    return e;
  }
  const fs::path preferred = "/usr/lib/postgresql/15/bin";
  if (fs::exists(preferred / "initdb")) return preferred;
  std::error_code ec;
  fs::path best;
  int best_version = 0;
  for (const auto& d : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const int v = std::atoi(d.path().filename().c_str());
    if (v > best_version && fs::exists(d.path() / "bin" / "initdb")) {
      best_version = v;
      best = d.path() / "bin";
    }
  }
  if (best.empty()) {
    throw Error(ErrorKind::unavailable,
                "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (install the "
                "Debian package 'postgresql', set USDCOP_PG_BIN, or set DATABASE_URL)");
  }
  return best;
}

PgCluster::PgCluster() : PgCluster(usdcop_home(), managed_port()) {}

PgCluster::PgCluster(fs::path home, int port)
    : home_(fs::absolute(home).lexically_normal()), port_(port) {
  if (!home_.has_filename() && home_ != home_.root_path()) home_ = home_.parent_path();
}

std::string PgCluster::url(const std::string& database) const {
  return "postgresql:///" + uri_encode(database) + "?host=" + uri_encode(socket_dir().string()) +
         "&port=" + std::to_string(port_) + "&user=" + kManagedSuperuser;
}

bool PgCluster::initialized() const {
  return fs::exists(data_dir() / "PG_VERSION");
}

namespace {
std::string kv_conninfo(const PgCluster& c, const std::string& db) {
  return "host=" + kv_quote(c.socket_dir().string()) + " port=" + std::to_string(c.port()) +
         " dbname=" + kv_quote(db) + " user=" + kManagedSuperuser + " connect_timeout=5";
}
}  // namespace

bool PgCluster::running() const {
  if (!fs::exists(socket_dir() / (".s.PGSQL." + std::to_string(port_)))) return false;
  try {
    pqxx::connection c{kv_conninfo(*this, "postgres")};
    return c.is_open();
  } catch (const std::exception&) {
    return false;
  }
}

ClusterStatus PgCluster::status() const {
  ClusterStatus s;
  s.home = home_;
  s.data_dir = data_dir();
  s.socket_dir = socket_dir();
  s.log_file = log_file();
  s.port = port_;
  s.url = url();
  s.initialized = initialized();
  s.pid = live_postmaster_pid(data_dir());
  s.running = s.pid.has_value() && running();
  return s;
}

StartOutcome PgCluster::start(bool fresh, bool fast) {
  StartOutcome outcome;
  const fs::path bin = postgres_bin_dir();
  const std::string socket_file = (socket_dir() / (".s.PGSQL." + std::to_string(port_))).string();
  if (socket_file.size() > 107) {
    throw Error(ErrorKind::invalid_input, "the socket path " + socket_file +
                                              " is longer than the 107 bytes a Unix socket allows; "
                                              "choose a shorter USDCOP_HOME");
  }
  const bool root = running_as_root();
  std::optional<PostgresUser> owner;
  if (root) owner = postgres_user();

  {
    std::error_code ec;
    fs::create_directories(home_, ec);
    if (ec)
      throw Error(ErrorKind::unavailable, "cannot create " + home_.string() + ": " + ec.message());
  }
  LockFile lock(home_ / ".pg.lock");

  auto run_pg = [&](std::vector<std::string> argv) {
    return run_process(std::move(argv), pg_dir(), root);
  };

  if (fresh) {
    if (live_postmaster_pid(data_dir())) {
      run_pg({(bin / "pg_ctl").string(), "stop", "-D", data_dir().string(), "-m", "immediate", "-w",
              "-s"});
    }
    std::error_code ec;
    fs::remove_all(data_dir(), ec);
    if (ec)
      throw Error(ErrorKind::unavailable,
                  "cannot remove " + data_dir().string() + ": " + ec.message());
    fs::remove(log_file(), ec);
  }

  const auto open_perms = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec;
  make_dir(pg_dir(), open_perms, owner);
  make_dir(socket_dir(), open_perms, owner);
  make_dir(log_file().parent_path(), open_perms, owner);
  if (root) check_traversable_by_postgres(pg_dir(), *owner);

  if (!initialized()) {
    std::error_code ec;
    if (fs::exists(data_dir()) && !fs::is_empty(data_dir(), ec)) {
      throw Error(ErrorKind::unavailable, data_dir().string() +
                                              " exists but is not a PostgreSQL data directory; "
                                              "remove it or run `usdcop db start --fresh`");
    }
    make_dir(data_dir(), fs::perms::owner_all, owner);
    std::vector<std::string> argv = {(bin / "initdb").string(),
                                     "-D",
                                     data_dir().string(),
                                     "-U",
                                     kManagedSuperuser,
                                     "--auth-local=trust",
                                     "--auth-host=reject",
                                     "-E",
                                     "UTF8",
                                     "--no-locale",
                                     "--no-instructions"};
    if (fast) argv.push_back("--no-sync");
    const ProcResult r = run_pg(argv);
    if (r.status != 0) {
      throw Error(ErrorKind::unavailable, "initdb of " + data_dir().string() + " failed (status " +
                                              std::to_string(r.status) + "):\n" + r.output);
    }
    std::ofstream conf(data_dir() / "postgresql.conf", std::ios::app);
    conf << "\n# usdcop: the settings of the managed cluster live in usdcop.conf, rewritten by\n"
            "# `usdcop db start` at every start.\ninclude_if_exists = 'usdcop.conf'\n";
    if (!conf)
      throw Error(ErrorKind::unavailable,
                  "cannot write " + (data_dir() / "postgresql.conf").string());
    outcome.initialized = true;
  }

  const bool already = live_postmaster_pid(data_dir()).has_value();
  if (!already) {
    const fs::path conf_path = data_dir() / "usdcop.conf";
    {
      std::ofstream conf(conf_path, std::ios::trunc);
      conf << "# Written by `usdcop db start`; edits are overwritten at the next start.\n"
           << "listen_addresses = ''\n"
           << "port = " << port_ << "\n"
           << "unix_socket_directories = " << conf_quote(socket_dir().string()) << "\n"
           << "max_connections = 200\n"
           << "log_min_messages = warning\n"
           << "log_line_prefix = '%m [%p] '\n"
           << "log_timezone = 'UTC'\n"
           << "timezone = 'UTC'\n";
      if (fast) {
        conf << "# USDCOP_PG_FAST=1 (tests): durability traded for speed\n"
             << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
      }
      if (!conf) throw Error(ErrorKind::unavailable, "cannot write " + conf_path.string());
    }
    if (owner) chown_to(conf_path, *owner);
    ::chmod(conf_path.c_str(), 0600);
    const ProcResult r = run_pg({(bin / "pg_ctl").string(), "start", "-w", "-t", "60", "-s", "-D",
                                 data_dir().string(), "-l", log_file().string()});
    if (r.status != 0) {
      throw Error(ErrorKind::unavailable,
                  "PostgreSQL did not start (pg_ctl status " + std::to_string(r.status) + ")" +
                      (r.output.empty() ? "" : ": " + r.output) + "; last lines of " +
                      log_file().string() + ":" + tail_of_file(log_file(), 15));
    }
    outcome.started = true;
  }
  // A server that is starting up (or was started by a concurrent caller) may take a moment.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!running()) {
    if (std::chrono::steady_clock::now() > deadline || !live_postmaster_pid(data_dir())) {
      throw Error(ErrorKind::unavailable, "PostgreSQL at " + socket_dir().string() +
                                              " does not accept connections; last lines of " +
                                              log_file().string() + ":" +
                                              tail_of_file(log_file(), 15));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  try {
    pqxx::connection c{kv_conninfo(*this, "postgres")};
    pqxx::nontransaction n{c};
    const auto r = n.exec("SELECT 1 FROM pg_database WHERE datname = " + n.quote(kManagedDatabase));
    if (r.empty()) n.exec(std::string("CREATE DATABASE ") + kManagedDatabase);
  } catch (const pqxx::sql_error& e) {
    // A concurrent start may have created it between the check and the CREATE.
    if (std::string(e.sqlstate()) != "42P04") {
      throw Error(ErrorKind::unavailable,
                  std::string("cannot create the usdcop database: ") + e.what());
    }
  } catch (const std::exception& e) {
    throw Error(ErrorKind::unavailable,
                std::string("cannot create the usdcop database: ") + e.what());
  }
  return outcome;
}

bool PgCluster::stop() {
  if (!fs::exists(home_)) return false;
  LockFile lock(home_ / ".pg.lock");
  if (!live_postmaster_pid(data_dir())) return false;
  const fs::path bin = postgres_bin_dir();
  const ProcResult r = run_process({(bin / "pg_ctl").string(), "stop", "-D", data_dir().string(),
                                    "-m", "fast", "-w", "-t", "60", "-s"},
                                   pg_dir(), running_as_root());
  if (r.status != 0) {
    if (!live_postmaster_pid(data_dir())) return true;
    throw Error(ErrorKind::unavailable,
                "pg_ctl stop failed (status " + std::to_string(r.status) + "): " + r.output);
  }
  return true;
}

}  // namespace usdcop::store
