#include "support/test_database.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <iostream>
#include <pqxx/pqxx>

#include "store/database.hpp"
#include "store/migrations.hpp"

namespace usdcop::testing {

namespace {

std::string unique_database_name() {
  static std::atomic<int> counter{0};
  std::string test = "nogtest";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    test = std::string(info->test_suite_name()) + "_" + info->name();
  }
  std::string clean;
  for (char c : test) {
    const auto u = static_cast<unsigned char>(c);
    clean += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
  }
  // Appended piecewise: GCC 12 at -O3 reports a false -Wrestrict on `"_" + std::to_string(..)`.
  std::string suffix = "_";
  suffix += std::to_string(::getpid());
  suffix += '_';
  suffix += std::to_string(counter++);
  const size_t room = 63 - 2 - suffix.size();  // "t_" + test + suffix <= 63
  if (clean.size() > room) clean.resize(room);
  std::string name = "t_";
  name += clean;
  name += suffix;
  return name;
}

}  // namespace

TestDatabase::TestDatabase(std::size_t pool_size, bool migrate, Access access) {
  admin_url_ = store::owner_database_url();
  name_ = unique_database_name();
  try {
    auto admin = store::open_connection(admin_url_);
    pqxx::nontransaction tx(*admin);
    tx.exec("CREATE DATABASE " + store::quote_identifier(name_));
  } catch (const std::exception& e) {
    ADD_FAILURE()
        << "the test database server is not reachable (" << e.what()
        << "). Run DB tests through ctest: the pg_cluster fixture starts it with "
           "`usdcop db start --fresh` (USDCOP_HOME=<build>/test-home), or set DATABASE_URL.";
    throw;
  }
  owner_url_ = store::url_with_database(admin_url_, name_);
  app_url_ = store::url_with_database(store::database_url(), name_);
  url_ = migrate && access == Access::application ? app_url_ : owner_url_;
  try {
    if (migrate) store::migrate(owner_url_);
    pool_ = std::make_unique<store::ConnectionPool>(url_, pool_size);
  } catch (...) {
    drop();
    throw;
  }
}

TestDatabase::~TestDatabase() {
  drop();
}

void TestDatabase::drop() noexcept {
  pool_.reset();
  try {
    auto admin = store::open_connection(admin_url_);
    pqxx::nontransaction tx(*admin);
    tx.exec("DROP DATABASE IF EXISTS " + store::quote_identifier(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::cerr << "warning: could not drop test database " << name_ << ": " << e.what() << "\n";
  }
}

}  // namespace usdcop::testing
