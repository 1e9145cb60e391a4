#pragma once
// Schema migrations: the SQL files of src/store/migrations/NNNN_name.sql, embedded in the
// binary at build time, applied in version order, each in its own transaction, and recorded in
// system.schema_migrations(version, name, checksum = sha256 of the file, applied_at).
//
// Rules: an applied migration is never edited (its checksum is verified: Error(integrity));
// a database whose schema is newer than the binary is refused (Error(conflict)); concurrent
// migrators are serialized by a transaction-level advisory lock, so two processes (or
// threads) migrating at once apply each file exactly once.
#include <pqxx/connection>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace usdcop::store {

// Generated from src/store/migrations/*.sql by cmake (cmake/EmbedFiles.cmake).
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_migrations();

struct Migration {
  int version = 0;       // NNNN
  std::string name;      // the part after NNNN_, without .sql
  std::string filename;  // NNNN_name.sql
  std::string_view sql;
  std::string checksum;  // sha256 hex of the file content
};

struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string checksum;
  Timestamp applied_at;
};

struct MigrationReport {
  int version_before = 0;  // 0: an empty database
  int version_after = 0;
  std::vector<Migration> applied;  // in order
};

// The migrations this binary knows, sorted by version. Throws std::logic_error when a file name
// does not match NNNN_name.sql or two files share a version (a build error).
const std::vector<Migration>& known_migrations();
int latest_known_version();

// Applies the pending migrations, as the owner role; after a run that applied any, re-runs
// migration 0012's grants of the application role. Throws Error(conflict) when the database has a
// newer version than latest_known_version(), Error(integrity) when an applied migration's checksum
// differs from the embedded file.
MigrationReport migrate(pqxx::connection& conn);
MigrationReport migrate(const std::string& url);

// What the database has recorded (empty when system.schema_migrations does not exist yet).
std::vector<AppliedMigration> applied_migrations(pqxx::connection& conn);
int schema_version(pqxx::connection& conn);  // 0 when nothing is applied
// Throws like migrate() when the database is newer or altered; pending migrations are fine.
void check_schema_compatible(pqxx::connection& conn);
// What every command but `db start`/`db migrate` checks (they connect as the application role,
// which cannot migrate): throws Error(conflict) "... run `usdcop db migrate`" when migrations
// are pending, and like check_schema_compatible() when the schema is newer or altered.
void require_current_schema(pqxx::connection& conn);

}  // namespace usdcop::store
