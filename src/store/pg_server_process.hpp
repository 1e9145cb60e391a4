#pragma once
// Running PostgreSQL's server programs (initdb, pg_ctl) for the managed cluster, as the right
// OS user: the calling user, or the `postgres` system user when we are root (PostgreSQL refuses
// to run as root). Internal to store/pg_cluster*.cpp.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace usdcop::store::pg_server {

struct PostgresUser {
  uid_t uid;
  gid_t gid;
};

// The `postgres` system user; throws Error(unavailable) when it does not exist.
PostgresUser postgres_user();
// chown; throws Error(unavailable) on failure.
void chown_to(const std::filesystem::path& p, const PostgresUser& u);
// Every directory above `dir` must be searchable by the postgres user, or the server cannot
// reach its data directory and socket. Throws Error(unavailable) naming the first one.
void check_traversable_by_postgres(const std::filesystem::path& dir, const PostgresUser& u);

struct ProcResult {
  int status = -1;
  std::string output;
};

// Runs argv (as the postgres user through runuser when as_postgres) in cwd with stdin from
// /dev/null and stdout+stderr captured. The child gets its own session so a server it starts
// is not hit by the terminal's Ctrl-C.
ProcResult run_process(std::vector<std::string> argv, const std::filesystem::path& cwd,
                       bool as_postgres);

// The last `lines` lines of a text file, each on its own indented line.
std::string tail_of_file(const std::filesystem::path& p, size_t lines);

// Exclusive lock on a file for the lifetime of the object (start/stop serialization).
class LockFile {
 public:
  explicit LockFile(const std::filesystem::path& path);
  ~LockFile();
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

 private:
  int fd_ = -1;
};

// create_directories, then the permissions and (when given) the owner, on `p` itself.
void make_dir(const std::filesystem::path& p, std::filesystem::perms perms,
              const std::optional<PostgresUser>& owner);

// Writes `content` to `p` through a temporary file and a rename, with `mode` set before any
// content is written (so a secret is never readable by others), owned by `owner` when given.
void write_private_file(const std::filesystem::path& p, const std::string& content, mode_t mode,
                        const std::optional<PostgresUser>& owner);

}  // namespace usdcop::store::pg_server
