#pragma once
// The managed local PostgreSQL cluster (spec 11), used when DATABASE_URL is not set.
//
// Layout under $USDCOP_HOME/pg:  data/ (the cluster), run/ (the Unix socket), log/postgresql.log.
// The server listens on the Unix socket only (listen_addresses = ''), so no TCP port can clash;
// the port number only names the socket file (.s.PGSQL.<port>). TCP connections are rejected.
//
// Access (spec 12, "Database roles"): pg/, pg/run/ and pg/log/ are mode 0700, so only the
// owning OS user (and the postgres service user, when we are root) reaches the socket; every
// connection authenticates with scram-sha-256. Two roles: the owner `usdcop` (the cluster's
// bootstrap superuser: migrations, maintenance) and the application role `usdcop_app` (not a
// superuser, owns nothing, granted by migration 0012). Their random passwords live in libpq's
// password-file format in $USDCOP_HOME/pgpass (mode 0600), which the URLs name with
// `passfile=`, so no URL carries a password. start() creates them on first use (and on an
// older cluster that still had `trust`): until then pg_hba.conf lets only the owner in.
//
// PostgreSQL refuses to run as root. When the tool runs as root, the data directory belongs
// to the `postgres` system user and initdb/pg_ctl run through `runuser -u postgres --`. That
// user must be able to traverse every directory above $USDCOP_HOME/pg, which is why the
// default home for root is /var/lib/usdcop and not ~/.local/share/usdcop (/root is mode 0700).
#include <filesystem>
#include <optional>
#include <string>

#include "store/pg_server_process.hpp"

namespace usdcop::store {

inline constexpr int kDefaultManagedPort = 5439;
inline constexpr const char* kManagedDatabase = "usdcop";
inline constexpr const char* kManagedOwner = "usdcop";
inline constexpr const char* kManagedAppRole = "usdcop_app";

// $USDCOP_HOME; else /var/lib/usdcop when running as root; else $XDG_DATA_HOME/usdcop or
// ~/.local/share/usdcop.
std::filesystem::path usdcop_home();
// $USDCOP_PG_PORT or 5439; throws Error(invalid_input) when it is not a port number.
int managed_port();
// USDCOP_PG_FAST=1: fsync, synchronous_commit and full_page_writes off (tests only).
bool fast_mode_requested();
// $USDCOP_PG_BIN, else /usr/lib/postgresql/15/bin, else the newest /usr/lib/postgresql/*/bin.
// Throws Error(unavailable) when no initdb is found.
std::filesystem::path postgres_bin_dir();
bool running_as_root();

struct ClusterStatus {
  bool initialized = false;  // data/PG_VERSION exists
  bool running = false;      // the server accepts connections on its socket
  std::optional<long> pid;   // postmaster pid, when postmaster.pid names a live process
  std::filesystem::path home, data_dir, socket_dir, log_file, credentials_file;
  int port = kDefaultManagedPort;
  std::string url;  // of the `usdcop` database, as the application role
};

struct StartOutcome {
  bool initialized = false;  // initdb ran (first start or --fresh)
  bool started = false;      // false: the server was already running
};

class PgCluster {
 public:
  PgCluster();  // usdcop_home(), managed_port()
  PgCluster(const std::filesystem::path& home, int port);

  const std::filesystem::path& home() const { return home_; }
  int port() const { return port_; }
  std::filesystem::path pg_dir() const { return home_ / "pg"; }
  std::filesystem::path data_dir() const { return pg_dir() / "data"; }
  std::filesystem::path socket_dir() const { return pg_dir() / "run"; }
  std::filesystem::path log_file() const { return pg_dir() / "log" / "postgresql.log"; }
  std::filesystem::path credentials_file() const { return home_ / "pgpass"; }
  // postgresql:///<db>?host=<socket dir>&port=<port>&user=usdcop_app&passfile=<home>/pgpass
  std::string url(const std::string& database = kManagedDatabase) const;
  // The same as the owner role `usdcop` (only `db start`, `db migrate` and maintenance).
  std::string owner_url(const std::string& database = kManagedDatabase) const;

  bool initialized() const;
  bool running() const;  // the owner role can connect
  ClusterStatus status() const;

  // initdb when needed (or always with fresh, after stopping and wiping the data directory and
  // the password file), start the server (pg_ctl start -w) unless it already runs, create the
  // roles' passwords when the password file lacks them, and create the `usdcop` database when
  // missing. Serialized with a lock file under the home. Throws
  // Error(unavailable) with the reason (and the end of the server log) on failure.
  StartOutcome start(bool fresh = false, bool fast = fast_mode_requested());
  // pg_ctl stop -m fast; returns false when the server was not running.
  bool stop();
  // pg_ctl restart -m <shutdown_mode> (smart, fast or immediate: a crash and its recovery),
  // then waits until the server accepts connections. Clients lose their sessions. Throws
  // Error(invalid_input) for another mode, Error(unavailable) when the server does not run or
  // does not come back.
  void restart(const std::string& shutdown_mode);

 private:
  std::string role_url(const std::string& database, const char* role) const;
  void init_data_dir(const std::filesystem::path& bin, bool fast,
                     const std::optional<pg_server::PostgresUser>& owner) const;
  void wait_until_accepting(const char* role) const;
  void create_database() const;

  std::filesystem::path home_;
  int port_;
};

}  // namespace usdcop::store
