#include "store/migrations.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <pqxx/pqxx>
#include <stdexcept>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "store/database.hpp"

namespace usdcop::store {

namespace {

// pg_advisory_xact_lock key of the migrators ("usdcop migrate").
constexpr long long kMigrationLockKey = 0x75736463'6d696772LL;

std::vector<Migration> parse_embedded() {
  std::vector<Migration> out;
  for (const auto& [filename, sql] : embedded_migrations()) {
    const std::string f(filename);
    const auto underscore = f.find('_');
    if (underscore == std::string::npos || underscore == 0 || !f.ends_with(".sql") ||
        underscore + 1 >= f.size() - 4) {
      throw std::logic_error("migration file name " + f + " does not match NNNN_name.sql");
    }
    Migration m;
    const auto [ptr, ec] = std::from_chars(f.data(), f.data() + underscore, m.version);
    if (ec != std::errc() || ptr != f.data() + underscore || m.version <= 0) {
      throw std::logic_error("migration file name " + f +
                             " does not start with a positive version number");
    }
    m.name = f.substr(underscore + 1, f.size() - 4 - underscore - 1);
    m.filename = f;
    m.sql = sql;
    m.checksum = sha256_hex(sql);
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      throw std::logic_error("migrations " + out[i - 1].filename + " and " + out[i].filename +
                             " share a version");
    }
  }
  return out;
}

std::vector<AppliedMigration> read_applied(pqxx::transaction_base& tx) {
  std::vector<AppliedMigration> out;
  const auto exists = tx.exec("SELECT to_regclass('system.schema_migrations') IS NOT NULL");
  if (!exists[0][0].as<bool>()) return out;
  const auto r = tx.exec(
      "SELECT version, name, checksum, (extract(epoch FROM applied_at) * 1000000)::bigint "
      "FROM system.schema_migrations ORDER BY version");
  for (const auto& row : r) {
    AppliedMigration a;
    a.version = row[0].as<int>();
    a.name = row[1].is_null() ? "" : row[1].as<std::string>();
    a.checksum = row[2].is_null() ? "" : row[2].as<std::string>();
    a.applied_at = Timestamp(std::chrono::microseconds(row[3].as<long long>()));
    out.push_back(std::move(a));
  }
  return out;
}

// Throws when the database is newer than the binary or an applied file changed.
void verify(const std::vector<AppliedMigration>& applied) {
  const auto& known = known_migrations();
  std::map<int, const Migration*> by_version;
  for (const auto& m : known) by_version[m.version] = &m;
  const int latest = latest_known_version();
  for (const auto& a : applied) {
    if (a.version > latest) {
      throw Error(ErrorKind::conflict,
                  "the database schema is at version " + std::to_string(applied.back().version) +
                      ", newer than this usdcop binary knows (" + std::to_string(latest) +
                      "); use a newer usdcop binary with this database");
    }
  }
  for (const auto& a : applied) {
    auto it = by_version.find(a.version);
    if (it == by_version.end()) {
      throw Error(ErrorKind::integrity, "the database records migration " +
                                            std::to_string(a.version) + " (" + a.name +
                                            ") which this binary does not have");
    }
    if (it->second->checksum != a.checksum) {
      throw Error(ErrorKind::integrity,
                  "migration " + it->second->filename +
                      " was changed after it was applied (checksum " + a.checksum +
                      " in the database, " + it->second->checksum +
                      " in this binary); never edit an applied migration, add a new one");
    }
  }
}

int max_version(const std::vector<AppliedMigration>& applied) {
  return applied.empty() ? 0 : applied.back().version;
}

}  // namespace

const std::vector<Migration>& known_migrations() {
  static const std::vector<Migration> migrations = parse_embedded();
  return migrations;
}

int latest_known_version() {
  const auto& k = known_migrations();
  return k.empty() ? 0 : k.back().version;
}

std::vector<AppliedMigration> applied_migrations(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  return read_applied(tx);
}

int schema_version(pqxx::connection& conn) {
  return max_version(applied_migrations(conn));
}

void check_schema_compatible(pqxx::connection& conn) {
  verify(applied_migrations(conn));
}

void require_current_schema(pqxx::connection& conn) {
  std::vector<AppliedMigration> applied;
  try {
    applied = applied_migrations(conn);
  } catch (const pqxx::insufficient_privilege&) {
    // Before 0012 the application role has no grants at all.
    throw Error(ErrorKind::conflict,
                "the database schema predates the application role's grants: run `usdcop db "
                "migrate`");
  }
  verify(applied);
  const int have = max_version(applied);
  if (have < latest_known_version()) {
    throw Error(ErrorKind::conflict, "the database schema is at version " + std::to_string(have) +
                                         ", this usdcop needs " +
                                         std::to_string(latest_known_version()) +
                                         ": run `usdcop db migrate`");
  }
}

namespace {
// Migration 0012's procedure, re-run after every migration run so tables added later get the
// application role's grants too (a no-op before 0012 is applied).
void grant_application_privileges(pqxx::work& tx) {
  const auto r = tx.exec(
      "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
      "WHERE n.nspname = 'system' AND p.proname = 'grant_application_privileges'");
  if (!r.empty()) tx.exec("CALL system.grant_application_privileges()");
}
}  // namespace

MigrationReport migrate(pqxx::connection& conn) {
  MigrationReport report;
  bool first = true;
  for (;;) {
    pqxx::work tx(conn, "usdcop_migrate");
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
    const auto applied = read_applied(tx);
    verify(applied);
    if (first) {
      report.version_before = max_version(applied);
      first = false;
    }
    const Migration* next = nullptr;
    for (const auto& m : known_migrations()) {
      const bool done = std::any_of(applied.begin(), applied.end(), [&](const AppliedMigration& a) {
        return a.version == m.version;
      });
      if (!done) {
        next = &m;
        break;
      }
    }
    if (!next) {
      if (!report.applied.empty()) grant_application_privileges(tx);
      tx.commit();
      report.version_after = max_version(applied);
      return report;
    }
    try {
      tx.exec(std::string(next->sql));
    } catch (const pqxx::sql_error& e) {
      throw Error(ErrorKind::internal, "migration " + next->filename + " failed: " + e.what());
    }
    tx.exec_params(
        "INSERT INTO system.schema_migrations (version, name, checksum, applied_at) VALUES ($1, "
        "$2, $3, now())",
        next->version, next->name, next->checksum);
    tx.commit();
    report.applied.push_back(*next);
  }
}

MigrationReport migrate(const std::string& url) {
  auto conn = open_connection(url);
  return migrate(*conn);
}

}  // namespace usdcop::store
