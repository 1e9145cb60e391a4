#pragma once
// One process's wiring (spec 12): the database and its connection pool, the one Clock, the
// configuration directory and the repositories that implement the domain ports. Built once per
// process by its door (the CLI's main, the HTTP server, a test) and passed to every use case;
// nothing else opens a database or asks the system clock.
#include <filesystem>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "market/bar_store.hpp"
#include "market/data_check.hpp"
#include "market/macro_store.hpp"

namespace usdcop::store {
class ConnectionPool;
class PgAuditLog;
class PgBacktestStore;
class PgExperimentRunStore;
class PgFeatureStore;
class PgModelRegistry;
class PgOperationsControl;
class PgPolicies;
class PgPrincipals;
}  // namespace usdcop::store

namespace usdcop::app {

struct ServicesOptions {
  // Apply pending migrations first, as the owner role (the demo, which sets everything up like
  // `db start`). Otherwise the schema must be current: Error(conflict) "run `usdcop db migrate`".
  bool migrate_first = false;
};

class Services {
 public:
  // The production wiring: DATABASE_URL, else the managed cluster, started when it is not
  // running and then stopped again when these Services end (spec 11; a cluster that was already
  // running is left as it was). Connects as the application role; the system clock.
  static std::unique_ptr<Services> open(const ServicesOptions& options = {});

  // Over a database that is already running and migrated (tests, a server given its URL); the
  // clock must outlive the Services.
  explicit Services(const std::string& database_url, const Clock& clock = system_clock());
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  const Clock& clock() const { return clock_; }
  // config/ (USDCOP_CONFIG_DIR, else the source tree's): seed policies, experiments, catalogs.
  const std::filesystem::path& config_dir() const { return config_dir_; }

  market::BarStore& bars();
  market::MacroStore& macro();
  market::DataQualitySource& quality();
  store::PgFeatureStore& feature_rows();
  store::PgBacktestStore& backtests();
  store::PgExperimentRunStore& experiment_runs();
  store::PgModelRegistry& registry();
  store::PgAuditLog& audit_log();
  store::PgPolicies& policies();
  store::PgPrincipals& principals();
  store::PgOperationsControl& operations();

  // For use cases in src/app that build a repository per call (the promotion repository takes
  // the thresholds in force at that moment) and for the command groups not yet moved here
  // (docs/ARCHITECTURE.md lists them). Doors that have moved never touch it.
  store::ConnectionPool& pool();

 private:
  struct Cluster;
  struct Stores;
  Services(std::unique_ptr<Cluster> cluster, const std::string& database_url, const Clock& clock);

  std::unique_ptr<Cluster> cluster_;  // first member: stops the cluster after the pool closed
  const Clock& clock_;
  std::filesystem::path config_dir_;
  std::unique_ptr<Stores> stores_;
};

}  // namespace usdcop::app
