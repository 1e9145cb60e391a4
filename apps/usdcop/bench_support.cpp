#include "bench_support.hpp"

#include <time.h>

#include <pqxx/pqxx>

#include "store/database.hpp"
#include "store/migrations.hpp"

namespace usdcop::cli {

std::string fresh_bench_database(const std::string& name) {
  const std::string url = store::ensure_database_running();
  {
    auto conn = store::open_connection(url);
    pqxx::nontransaction tx(*conn);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
  }
  const std::string bench_url = store::url_with_database(url, name);
  store::migrate(bench_url);
  return bench_url;
}

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace usdcop::cli
