#include "store/dependency_failure.hpp"

#include "core/file_error.hpp"

#include <pqxx/except>
#include <string>
#include <string_view>
#include <system_error>

namespace usdcop::store {
namespace {

// SQLSTATE classes of a server that cannot serve now: 08 connection exception, 53 insufficient
// resources (53100 disk full), 57P operator intervention (shutdown, crash, starting up),
// 58 system error (I/O).
bool unavailable_sqlstate(std::string_view state) {
  return state.starts_with("08") || state.starts_with("53") || state.starts_with("57P") ||
         state.starts_with("58");
}

// libpq reports a connection dropped mid-statement without an SQLSTATE.
bool lost_connection_text(std::string_view text) {
  return text.find("server closed the connection unexpectedly") != std::string_view::npos ||
         text.find("no connection to the server") != std::string_view::npos ||
         text.find("terminating connection due to administrator command") !=
             std::string_view::npos ||
         text.find("Lost connection to the database") != std::string_view::npos;
}

std::string first_line(std::string_view text) {
  const auto end = text.find('\n');
  return std::string(text.substr(0, end));
}

}  // namespace

std::optional<Error> as_dependency_failure(const std::exception& e) {
  if (dynamic_cast<const Error*>(&e)) return std::nullopt;
  if (const auto* disk = dynamic_cast<const pqxx::disk_full*>(&e)) {
    return Error(ErrorKind::unavailable,
                 "the database's disk is full: " + first_line(disk->what()));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e)) {
    return Error(ErrorKind::unavailable,
                 "the database connection was lost: " + first_line(e.what()));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    if (unavailable_sqlstate(sql->sqlstate()) || lost_connection_text(sql->what())) {
      return Error(ErrorKind::unavailable, "the database is unavailable (SQLSTATE " +
                                               (sql->sqlstate().empty() ? "-" : sql->sqlstate()) +
                                               "): " + first_line(sql->what()));
    }
    return std::nullopt;
  }
  if (dynamic_cast<const pqxx::failure*>(&e) && lost_connection_text(e.what())) {
    return Error(ErrorKind::unavailable,
                 "the database connection was lost: " + first_line(e.what()));
  }
  if (const auto* sys = dynamic_cast<const std::system_error*>(&e)) {
    if (sys->code().category() == std::generic_category() ||
        sys->code().category() == std::system_category()) {
      if (is_storage_failure(sys->code().value()))
        return file_write_error(first_line(sys->what()), sys->code().value(), ErrorKind::internal);
    }
  }
  return std::nullopt;
}

}  // namespace usdcop::store
