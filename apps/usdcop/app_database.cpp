#include "app_database.hpp"

#include "store/connection_pool.hpp"
#include "store/database.hpp"
#include "store/pg_bar_store.hpp"
#include "store/pg_data_quality.hpp"
#include "store/pg_macro_store.hpp"

namespace usdcop::cli {
namespace {

class PgAppDatabase final : public AppDatabase {
 public:
  explicit PgAppDatabase(const std::string& url) : pool_(url), bars_(pool_), macro_(pool_), quality_(pool_) {}
  market::BarStore& bars() override { return bars_; }
  market::MacroStore& macro() override { return macro_; }
  market::DataQualitySource& quality() override { return quality_; }

 private:
  store::ConnectionPool pool_;
  store::PgBarStore bars_;
  store::PgMacroStore macro_;
  store::PgDataQuality quality_;
};

}  // namespace

AppDatabase& open_app_database() {
  static PgAppDatabase db(store::prepare_database());
  return db;
}

}  // namespace usdcop::cli
