#pragma once
// The CLI's app::Services: main() owns one ProcessServices for the whole process; commands that
// need the database ask services(), which opens it on first use (so `calendar`, `db start` and
// --help never touch a database).
#include <memory>

#include "app/services.hpp"

namespace usdcop::cli {

class ProcessServices {
 public:
  ProcessServices();
  ~ProcessServices();  // closes the pool, then stops a cluster this process started
  ProcessServices(const ProcessServices&) = delete;
  ProcessServices& operator=(const ProcessServices&) = delete;

  app::Services& get(bool migrate_first);

 private:
  std::unique_ptr<app::Services> services_;
};

// The Services of main()'s ProcessServices, opened on first use (app::Services::open: the
// managed cluster or DATABASE_URL, schema current). With migrate_first (the demo, which sets
// everything up like `db start`), pending migrations are applied first as the owner role.
app::Services& services(bool migrate_first = false);

}  // namespace usdcop::cli
