#pragma once
// Failures of what a command depends on, recognised in library exceptions that escape without
// a usdcop::Error: the database shut down or lost mid-command (libpq/libpqxx), the database's
// disk full (SQLSTATE class 53), a full disk or I/O error on a file (std::system_error with
// ENOSPC, EDQUOT, EIO, EROFS). The CLI maps them to exit status 4 with the cause instead of
// "internal error" (docs/CLI.md).
#include <exception>
#include <optional>

#include "core/error.hpp"

namespace usdcop::store {

// Error(unavailable) naming the cause, or nullopt when `e` is not a dependency failure.
std::optional<Error> as_dependency_failure(const std::exception& e);

}  // namespace usdcop::store
