#pragma once
// The database as the CLI uses it: the managed cluster (or DATABASE_URL), migrated, with the
// repositories that implement the domain ports. Opened once per process.
#include <memory>

#include "market/bar_store.hpp"
#include "market/data_check.hpp"
#include "market/macro_store.hpp"

namespace usdcop::store {
class ConnectionPool;
}

namespace usdcop::cli {

struct AppDatabase {
  virtual ~AppDatabase() = default;
  virtual market::BarStore& bars() = 0;
  virtual market::MacroStore& macro() = 0;
  virtual market::DataQualitySource& quality() = 0;
  // Command groups construct their own repositories (store::Pg*) on this pool.
  virtual store::ConnectionPool& pool() = 0;
};

// Starts the managed cluster when needed and connects as the application role. The schema must
// be current (Error(conflict) "run `usdcop db migrate`" otherwise); with migrate_first (the
// demo, which sets everything up like `db start`), pending migrations are applied first as
// the owner role.
AppDatabase& open_app_database(bool migrate_first = false);

}  // namespace usdcop::cli
