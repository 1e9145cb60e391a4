#pragma once
// The error vocabulary shared by every module. Programmer errors are ordinary exceptions
// (std::logic_error and friends); failures at a boundary (bad input, a missing file, an
// unreachable service) are usdcop::Error with a kind that the CLI maps to an exit status and
// the API to an HTTP status.
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace usdcop {

enum class ErrorKind {
  invalid_input,  // the caller gave something wrong: a bad flag, a malformed file
  not_found,      // a named thing does not exist
  conflict,       // the request clashes with the current state
  unavailable,    // a dependency (database, remote API) cannot be reached now
  integrity,      // stored data or an artifact failed a check (hash mismatch)
  internal,       // a bug or an unexpected state
};

const char* to_string(ErrorKind kind);

// `field` is the logical name of the offending input ("backtest_id", "features[3]"), empty when
// no single input is to blame. Messages never spell a door's syntax (a CLI flag, a JSON
// pointer): each door maps the field to its own spelling (`--backtest` on the CLI,
// `"field": "backtest_id"` in an API error body).
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message, std::string field = {})
      : std::runtime_error(message), kind_(kind), field_(std::move(field)) {}
  ErrorKind kind() const { return kind_; }
  const std::string& field() const { return field_; }

 private:
  ErrorKind kind_;
  std::string field_;
};

// Result<T>: a value or an Error, for boundaries where failure is an expected outcome.
template <class T>
class Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& {
    if (!ok()) throw std::get<Error>(data_);
    return std::get<T>(data_);
  }
  T&& value() && {
    if (!ok()) throw std::get<Error>(data_);
    return std::get<T>(std::move(data_));
  }
  const Error& error() const { return std::get<Error>(data_); }

 private:
  std::variant<T, Error> data_;
};

}  // namespace usdcop
