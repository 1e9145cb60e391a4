// Issue 11 item 8: library exceptions of a dependency failure (server shutdown, lost
// connection, the database's disk full, a full local disk) become Error(unavailable) -- exit 4 --
// naming the cause; other errors stay what they are.
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <pqxx/except>
#include <system_error>

#include "store/dependency_failure.hpp"

using namespace usdcop;

namespace {

std::string cause_of(const std::exception& e) {
  const auto mapped = store::as_dependency_failure(e);
  if (!mapped) return "";
  EXPECT_EQ(mapped->kind(), ErrorKind::unavailable);
  return mapped->what();
}

}  // namespace

TEST(DependencyFailure, DatabaseShutdownLostConnectionAndFullDiskAreUnavailable) {
  EXPECT_NE(cause_of(pqxx::sql_error("FATAL: terminating connection due to administrator command",
                                     "INSERT", "57P01"))
                .find("57P01"),
            std::string::npos);
  EXPECT_NE(
      cause_of(pqxx::disk_full("could not extend file: No space left on device", "COPY", "53100"))
          .find("disk is full"),
      std::string::npos);
  EXPECT_NE(cause_of(pqxx::broken_connection("server closed the connection unexpectedly"))
                .find("connection was lost"),
            std::string::npos);
  EXPECT_NE(cause_of(pqxx::sql_error("server closed the connection unexpectedly", "SELECT 1"))
                .find("unavailable"),
            std::string::npos);
  const std::filesystem::filesystem_error full("cannot copy",
                                               std::error_code(ENOSPC, std::generic_category()));
  EXPECT_NE(cause_of(full).find("No space left on device"), std::string::npos);
}

TEST(DependencyFailure, OtherErrorsAreNotMapped) {
  EXPECT_EQ(cause_of(pqxx::sql_error("syntax error at or near \"x\"", "x", "42601")), "");
  EXPECT_EQ(cause_of(std::runtime_error("a bug")), "");
  EXPECT_EQ(cause_of(std::system_error(std::error_code(EACCES, std::generic_category()), "open")),
            "");
  EXPECT_EQ(cause_of(Error(ErrorKind::conflict, "busy")), "");
}
