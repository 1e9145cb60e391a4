#include "store/pg_cluster.hpp"

#include "core/percent_encoding.hpp"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "store/pg_server_process.hpp"

namespace fs = std::filesystem;

namespace usdcop::store {

using pg_server::PostgresUser;

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
  fs::path preferred = "/usr/lib/postgresql/15/bin";
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

PgCluster::PgCluster(const fs::path& home, int port)
    : home_(fs::absolute(home).lexically_normal()), port_(port) {
  if (!home_.has_filename() && home_ != home_.root_path()) home_ = home_.parent_path();
}

std::string PgCluster::role_url(const std::string& database, const char* role) const {
  return "postgresql:///" + uri_encode(database) + "?host=" + uri_encode(socket_dir().string()) +
         "&port=" + std::to_string(port_) + "&user=" + role +
         "&passfile=" + uri_encode(credentials_file().string());
}

std::string PgCluster::url(const std::string& database) const {
  return role_url(database, kManagedAppRole);
}

std::string PgCluster::owner_url(const std::string& database) const {
  return role_url(database, kManagedOwner);
}

bool PgCluster::initialized() const {
  return fs::exists(data_dir() / "PG_VERSION");
}

namespace {

std::string conninfo(const PgCluster& c, const std::string& db, const char* role) {
  return "host=" + kv_quote(c.socket_dir().string()) + " port=" + std::to_string(c.port()) +
         " dbname=" + kv_quote(db) + " user=" + role +
         " passfile=" + kv_quote(c.credentials_file().string()) + " connect_timeout=5";
}

std::string random_password() {
  std::ifstream in("/dev/urandom", std::ios::binary);
  unsigned char buf[24];
  if (!in.read(reinterpret_cast<char*>(buf), sizeof buf))
    throw Error(ErrorKind::unavailable, "cannot read /dev/urandom");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : buf) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// libpq's password file (hostname:port:database:user:password), complete when it names both
// roles.
bool credentials_complete(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  bool owner = false, app = false;
  while (std::getline(in, line)) {
    owner = owner || line.starts_with(std::string("*:*:*:") + kManagedOwner + ":");
    app = app || line.starts_with(std::string("*:*:*:") + kManagedAppRole + ":");
  }
  return owner && app;
}

// Until both roles have passwords, only the owner role may connect, without one (the socket
// directory is reachable by the owning OS user only); then every role needs its password.
bool write_hba(const PgCluster& c, bool bootstrap, const std::optional<PostgresUser>& owner) {
  std::string want =
      "# Written by `usdcop db start`; edits are overwritten at the next start.\n"
      "# TYPE  DATABASE  USER  METHOD\n";
  want += bootstrap ? std::string("local all ") + kManagedOwner + " trust\n"
                    : "local all all scram-sha-256\n";
  const fs::path p = c.data_dir() / "pg_hba.conf";
  std::ifstream in(p);
  std::stringstream have;
  have << in.rdbuf();
  if (have.str() == want) return false;
  pg_server::write_private_file(p, want, 0600, owner);
  return true;
}

// Gives both roles new random passwords (creating the application role when missing: it is
// not a superuser and owns nothing; migration 0012 grants what it needs) and writes them to the
// user-only password file. Runs while the bootstrap pg_hba.conf trusts the owner.
void secure_roles(const PgCluster& c) {
  const std::string owner_pw = random_password();
  const std::string app_pw = random_password();
  try {
    pqxx::connection conn{conninfo(c, "postgres", kManagedOwner)};
    pqxx::nontransaction n{conn};
    n.exec(std::string("ALTER ROLE ") + kManagedOwner + " PASSWORD " + n.quote(owner_pw));
    const bool exists =
        !n.exec("SELECT 1 FROM pg_roles WHERE rolname = " + n.quote(kManagedAppRole)).empty();
    n.exec(std::string(exists ? "ALTER" : "CREATE") + " ROLE " + kManagedAppRole +
           " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD " +
           n.quote(app_pw));
  } catch (const std::exception& e) {
    throw Error(ErrorKind::unavailable,
                std::string("cannot set up the database roles: ") + e.what());
  }
  pg_server::write_private_file(c.credentials_file(),
                                std::string("*:*:*:") + kManagedOwner + ":" + owner_pw + "\n" +
                                    "*:*:*:" + kManagedAppRole + ":" + app_pw + "\n",
                                0600, std::nullopt);
}

void write_settings(const PgCluster& c, bool fast, const std::optional<PostgresUser>& owner) {
  std::ostringstream conf;
  conf << "# Written by `usdcop db start`; edits are overwritten at the next start.\n"
       << "listen_addresses = ''\n"
       << "port = " << c.port() << "\n"
       << "unix_socket_directories = " << conf_quote(c.socket_dir().string()) << "\n"
       << "unix_socket_permissions = 0700\n"
       << "password_encryption = 'scram-sha-256'\n"
       << "max_connections = 200\n"
       << "log_min_messages = warning\n"
       << "log_line_prefix = '%m [%p] '\n"
       << "log_timezone = 'UTC'\n"
       << "timezone = 'UTC'\n";
  if (fast) {
    conf << "# USDCOP_PG_FAST=1 (tests): durability traded for speed\n"
         << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
  }
  pg_server::write_private_file(c.data_dir() / "usdcop.conf", conf.str(), 0600, owner);
}

}  // namespace

bool PgCluster::running() const {
  if (!fs::exists(socket_dir() / (".s.PGSQL." + std::to_string(port_)))) return false;
  try {
    pqxx::connection c{conninfo(*this, "postgres", kManagedOwner)};
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
  s.credentials_file = credentials_file();
  s.port = port_;
  s.url = url();
  s.initialized = initialized();
  s.pid = live_postmaster_pid(data_dir());
  s.running = s.pid.has_value() && running();
  return s;
}

void PgCluster::init_data_dir(const fs::path& bin, bool fast,
                              const std::optional<PostgresUser>& owner) const {
  std::error_code ec;
  if (fs::exists(data_dir()) && !fs::is_empty(data_dir(), ec)) {
    throw Error(ErrorKind::unavailable, data_dir().string() +
                                            " exists but is not a PostgreSQL data directory; "
                                            "remove it or run `usdcop db start --fresh`");
  }
  pg_server::make_dir(data_dir(), fs::perms::owner_all, owner);
  // Nobody can connect before start() writes its own pg_hba.conf (bootstrap, then scram).
  std::vector<std::string> argv = {(bin / "initdb").string(),
                                   "-D",
                                   data_dir().string(),
                                   "-U",
                                   kManagedOwner,
                                   "--auth-local=reject",
                                   "--auth-host=reject",
                                   "-E",
                                   "UTF8",
                                   "--no-locale",
                                   "--no-instructions"};
  if (fast) argv.push_back("--no-sync");
  const auto r = pg_server::run_process(argv, pg_dir(), owner.has_value());
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
}

void PgCluster::wait_until_accepting(const char* role) const {
  // A server that is starting up (or was started by a concurrent caller, or reloading its
  // pg_hba.conf) may take a moment.
  const auto accepts = [&] {
    try {
      pqxx::connection c{conninfo(*this, "postgres", role)};
      return c.is_open();
    } catch (const std::exception&) {
      return false;
    }
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!accepts()) {
    if (std::chrono::steady_clock::now() > deadline || !live_postmaster_pid(data_dir())) {
      throw Error(ErrorKind::unavailable, "PostgreSQL at " + socket_dir().string() +
                                              " does not accept connections; last lines of " +
                                              log_file().string() + ":" +
                                              pg_server::tail_of_file(log_file(), 15));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void PgCluster::create_database() const {
  try {
    pqxx::connection c{conninfo(*this, "postgres", kManagedOwner)};
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
  if (root) owner = pg_server::postgres_user();
  {
    std::error_code ec;
    fs::create_directories(home_, ec);
    if (ec)
      throw Error(ErrorKind::unavailable, "cannot create " + home_.string() + ": " + ec.message());
  }
  pg_server::LockFile lock(home_ / ".pg.lock");
  auto pg_ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), (bin / "pg_ctl").string());
    return pg_server::run_process(std::move(args), pg_dir(), root);
  };
  if (fresh) {
    if (live_postmaster_pid(data_dir()))
      pg_ctl({"stop", "-D", data_dir().string(), "-m", "immediate", "-w", "-s"});
    std::error_code ec;
    fs::remove_all(data_dir(), ec);
    if (ec)
      throw Error(ErrorKind::unavailable,
                  "cannot remove " + data_dir().string() + ": " + ec.message());
    fs::remove(log_file(), ec);
    fs::remove(credentials_file(), ec);
  }
  // Only the owning user (and the postgres service user, when we are root) reaches the socket.
  pg_server::make_dir(pg_dir(), fs::perms::owner_all, owner);
  pg_server::make_dir(socket_dir(), fs::perms::owner_all, owner);
  pg_server::make_dir(log_file().parent_path(), fs::perms::owner_all, owner);
  if (root) pg_server::check_traversable_by_postgres(pg_dir(), *owner);
  if (!initialized()) {
    init_data_dir(bin, fast, owner);
    outcome.initialized = true;
  }
  const bool secured = credentials_complete(credentials_file());
  const bool hba_changed = write_hba(*this, !secured, owner);
  if (live_postmaster_pid(data_dir())) {
    if (hba_changed) pg_ctl({"reload", "-D", data_dir().string(), "-s"});
  } else {
    write_settings(*this, fast, owner);
    const auto r = pg_ctl(
        {"start", "-w", "-t", "60", "-s", "-D", data_dir().string(), "-l", log_file().string()});
    if (r.status != 0) {
      throw Error(ErrorKind::unavailable,
                  "PostgreSQL did not start (pg_ctl status " + std::to_string(r.status) + ")" +
                      (r.output.empty() ? "" : ": " + r.output) + "; last lines of " +
                      log_file().string() + ":" + pg_server::tail_of_file(log_file(), 15));
    }
    outcome.started = true;
  }
  wait_until_accepting(kManagedOwner);
  if (!secured) {
    secure_roles(*this);
    write_hba(*this, false, owner);
    pg_ctl({"reload", "-D", data_dir().string(), "-s"});
    wait_until_accepting(kManagedAppRole);  // the bootstrap pg_hba.conf let it in nowhere
  }
  create_database();
  return outcome;
}

bool PgCluster::stop() {
  if (!fs::exists(home_)) return false;
  pg_server::LockFile lock(home_ / ".pg.lock");
  if (!live_postmaster_pid(data_dir())) return false;
  const fs::path bin = postgres_bin_dir();
  const auto r = pg_server::run_process({(bin / "pg_ctl").string(), "stop", "-D",
                                         data_dir().string(), "-m", "fast", "-w", "-t", "60", "-s"},
                                        pg_dir(), running_as_root());
  if (r.status != 0) {
    if (!live_postmaster_pid(data_dir())) return true;
    throw Error(ErrorKind::unavailable,
                "pg_ctl stop failed (status " + std::to_string(r.status) + "): " + r.output);
  }
  return true;
}

void PgCluster::restart(const std::string& shutdown_mode) {
  if (shutdown_mode != "smart" && shutdown_mode != "fast" && shutdown_mode != "immediate")
    throw Error(ErrorKind::invalid_input,
                "shutdown mode: '" + shutdown_mode + "' is not smart, fast or immediate",
                "shutdown_mode");
  {
    pg_server::LockFile lock(home_ / ".pg.lock");
    if (!live_postmaster_pid(data_dir()))
      throw Error(ErrorKind::unavailable, "the managed cluster at " + data_dir().string() +
                                              " is not running: nothing to restart");
    const auto r = pg_server::run_process(
        {(postgres_bin_dir() / "pg_ctl").string(), "restart", "-w", "-t", "60", "-s", "-D",
         data_dir().string(), "-m", shutdown_mode, "-l", log_file().string()},
        pg_dir(), running_as_root());
    if (r.status != 0)
      throw Error(ErrorKind::unavailable, "pg_ctl restart failed (status " +
                                              std::to_string(r.status) + "): " + r.output +
                                              "; last lines of " + log_file().string() + ":" +
                                              pg_server::tail_of_file(log_file(), 15));
  }
  wait_until_accepting(kManagedOwner);
}

}  // namespace usdcop::store
