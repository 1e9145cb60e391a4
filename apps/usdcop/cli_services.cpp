#include "cli_services.hpp"

#include <stdexcept>

namespace usdcop::cli {

namespace {
ProcessServices* current = nullptr;
}

ProcessServices::ProcessServices() {
  if (current) throw std::logic_error("one ProcessServices per process");
  current = this;
}

ProcessServices::~ProcessServices() {
  current = nullptr;
}

app::Services& ProcessServices::get(bool migrate_first) {
  if (!services_) services_ = app::Services::open({.migrate_first = migrate_first});
  return *services_;
}

app::Services& services(bool migrate_first) {
  if (!current) throw std::logic_error("usdcop: no ProcessServices (main() owns it)");
  return current->get(migrate_first);
}

}  // namespace usdcop::cli
