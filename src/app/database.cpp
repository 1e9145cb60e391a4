#include "app/database.hpp"

#include "app/policies.hpp"
#include "store/connection_pool.hpp"
#include "store/database.hpp"
#include "store/pg_policies.hpp"

namespace usdcop::app {

void seed_policies_at(const std::string& database_url) {
  store::ConnectionPool pool(database_url, 1);
  store::PgPolicies policies(pool);
  seed_policies(policies);
}

MigrationOutcome migrate_database() {
  store::ensure_database_running();
  MigrationOutcome m;
  m.owner_url = store::owner_database_url();
  m.report = store::migrate(m.owner_url);
  seed_policies_at(store::database_url());
  return m;
}

DatabaseStart start_database(store::PgCluster& cluster, bool fresh) {
  DatabaseStart s;
  s.outcome = cluster.start(fresh);
  s.report = store::migrate(cluster.owner_url());
  seed_policies_at(cluster.url());
  return s;
}

}  // namespace usdcop::app
