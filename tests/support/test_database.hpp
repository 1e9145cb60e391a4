#pragma once
// A private, migrated database for one test, on the cluster of the pg_cluster CTest fixture
// (USDCOP_HOME from the test environment) or on the server of DATABASE_URL. Each instance
// creates a uniquely named database (test name + pid + counter), applies the migrations, and
// drops it (WITH (FORCE)) in its destructor, so tests are isolated and can run in parallel.
// When the server cannot be reached the test FAILS (it is never skipped).
//
// Roles (spec 12): the database is created and migrated by the owner role
// (store::owner_database_url()); url() and pool() are the application role's, like every
// usdcop command, unless the test asks for Access::owner. An unmigrated database
// (migrate = false) has nothing granted yet, so it always gives the owner.
#include <cstddef>
#include <memory>
#include <string>

#include "store/connection_pool.hpp"

namespace usdcop::testing {

class TestDatabase {
 public:
  enum class Access { application, owner };
  explicit TestDatabase(std::size_t pool_size = store::ConnectionPool::kDefaultSize,
                        bool migrate = true, Access access = Access::application);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& url() const { return url_; }              // of the test database
  const std::string& owner_url() const { return owner_url_; }  // the same, as the owner
  const std::string& app_url() const { return app_url_; }      // the same, as the app role
  const std::string& name() const { return name_; }            // its name
  const std::string& admin_url() const { return admin_url_; }  // the server's usdcop database
  store::ConnectionPool& pool() { return *pool_; }

 private:
  void drop() noexcept;
  std::string admin_url_;
  std::string name_;
  std::string url_;
  std::string owner_url_;
  std::string app_url_;
  std::unique_ptr<store::ConnectionPool> pool_;
};

}  // namespace usdcop::testing
