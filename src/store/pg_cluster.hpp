#pragma once
// The managed local PostgreSQL cluster (spec 11), used when DATABASE_URL is not set.
//
// Layout under $USDCOP_HOME/pg:  data/ (the cluster), run/ (the Unix socket), log/postgresql.log.
// The server listens on the Unix socket only (listen_addresses = ''), so no TCP port can clash;
// the port number only names the socket file (.s.PGSQL.<port>). Authentication is `trust` on
// that socket for the superuser `usdcop`; TCP connections are rejected.
//
// PostgreSQL refuses to run as root. When the tool runs as root, the data directory belongs
// to the `postgres` system user and initdb/pg_ctl run through `runuser -u postgres --`. That
// user must be able to traverse every directory above $USDCOP_HOME/pg, which is why the
// default home for root is /var/lib/usdcop and not ~/.local/share/usdcop (/root is mode 0700).
#include <filesystem>
#include <optional>
#include <string>

namespace usdcop::store {

inline constexpr int kDefaultManagedPort = 5439;
inline constexpr const char* kManagedDatabase = "usdcop";
inline constexpr const char* kManagedSuperuser = "usdcop";

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
  std::filesystem::path home, data_dir, socket_dir, log_file;
  int port = kDefaultManagedPort;
  std::string url;  // of the `usdcop` database
};

struct StartOutcome {
  bool initialized = false;  // initdb ran (first start or --fresh)
  bool started = false;      // false: the server was already running
};

class PgCluster {
 public:
  PgCluster();  // usdcop_home(), managed_port()
  PgCluster(std::filesystem::path home, int port);

  const std::filesystem::path& home() const { return home_; }
  int port() const { return port_; }
  std::filesystem::path pg_dir() const { return home_ / "pg"; }
  std::filesystem::path data_dir() const { return pg_dir() / "data"; }
  std::filesystem::path socket_dir() const { return pg_dir() / "run"; }
  std::filesystem::path log_file() const { return pg_dir() / "log" / "postgresql.log"; }
  // postgresql:///<db>?host=<socket dir>&port=<port>&user=usdcop
  std::string url(const std::string& database = kManagedDatabase) const;

  bool initialized() const;
  bool running() const;  // a cheap PQping on the socket
  ClusterStatus status() const;

  // initdb when needed (or always with fresh, after stopping and wiping the data directory),
  // start the server (pg_ctl start -w) unless it already runs, and create the `usdcop`
  // database when missing. Serialized with a lock file under the home. Throws
  // Error(unavailable) with the reason (and the end of the server log) on failure.
  StartOutcome start(bool fresh = false, bool fast = fast_mode_requested());
  // pg_ctl stop -m fast; returns false when the server was not running.
  bool stop();

 private:
  std::filesystem::path home_;
  int port_;
};

}  // namespace usdcop::store
