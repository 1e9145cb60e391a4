#pragma once
// Setting the database up (spec 11): start the managed cluster (initdb on first use) or use
// DATABASE_URL, apply the pending migrations as the owner role, then seed the policies the
// database has none of (config/<kind>.yaml). Runs before any Services exist: `db start` and
// `db migrate` are what make a Services openable.
#include <optional>
#include <string>

#include "store/migrations.hpp"
#include "store/pg_cluster.hpp"

namespace usdcop::app {

struct MigrationOutcome {
  std::string owner_url;  // where the migrations ran (may hold a password: mask it to show it)
  store::MigrationReport report;
};
// Starts the managed cluster when it is not running (DATABASE_URL: must be reachable).
MigrationOutcome migrate_database();

struct DatabaseStart {
  store::StartOutcome outcome;
  store::MigrationReport report;
};
// The managed `cluster` started (fresh: its data deleted first), migrated and seeded. The
// caller checks store::external_database_url() first: an external database is not started.
DatabaseStart start_database(store::PgCluster& cluster, bool fresh);

// Seeds the policies missing from the database at `database_url` (application role).
void seed_policies_at(const std::string& database_url);

}  // namespace usdcop::app
