#include "app_database.hpp"

#include "store/connection_pool.hpp"
#include "store/database.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_cluster.hpp"
#include "store/pg_data_quality.hpp"
#include "store/pg_macro_store.hpp"

namespace usdcop::cli {
namespace {

class PgAppDatabase final : public AppDatabase {
 public:
  explicit PgAppDatabase(const std::string& url)
      : pool_(url), bars_(pool_), macro_(pool_), quality_(pool_) {}
  market::BarStore& bars() override { return bars_; }
  market::MacroStore& macro() override { return macro_; }
  market::DataQualitySource& quality() override { return quality_; }
  store::ConnectionPool& pool() override { return pool_; }

 private:
  store::ConnectionPool pool_;
  store::PgBarStore bars_;
  store::PgMacroStore macro_;
  store::PgDataQuality quality_;
};

}  // namespace

// Spec 11: the managed cluster is stopped on exit. A cluster that was already running (an
// operator's `usdcop db start`, or another usdcop process) is left as it was.
class ClusterStopper {
 public:
  void arm() { armed_ = true; }
  ~ClusterStopper() {
    if (!armed_) return;
    try {
      store::PgCluster().stop();
    } catch (...) {
      // Exit path: nothing useful to do; `usdcop db status` shows the state.
    }
  }

 private:
  bool armed_ = false;
};

AppDatabase& open_app_database(bool migrate_first) {
  static ClusterStopper stopper;  // constructed first, so destroyed after the pool below
  static bool was_running = store::using_external_database() || store::PgCluster().running();
  static PgAppDatabase db(migrate_first ? store::migrate_database() : store::prepare_database());
  if (!was_running) stopper.arm();
  return db;
}

}  // namespace usdcop::cli
