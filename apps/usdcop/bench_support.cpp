#include "bench_support.hpp"

#include <time.h>

#include <pqxx/pqxx>

#include "store/database.hpp"
#include "store/migrations.hpp"

namespace usdcop::cli {

std::string fresh_bench_database(const std::string& name) {
  // A scratch database is maintenance: created and migrated by the owner role, used by the
  // application role like any other.
  const std::string app_url = store::ensure_database_running();
  const std::string url = store::owner_database_url();
  {
    auto conn = store::open_connection(url);
    pqxx::nontransaction tx(*conn);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
  }
  store::migrate(store::url_with_database(url, name));
  return store::url_with_database(app_url, name);
}

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace usdcop::cli
