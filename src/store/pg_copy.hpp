#pragma once
// Helpers shared by the repositories: bulk COPY ... FROM STDIN in text format, exact number
// formatting and parsing, and the integer-microsecond time convention (timestamps cross the
// wire as bigint microseconds since the epoch: exact, cheap, independent of the session's
// TimeZone).
#include <cstdint>
#include <pqxx/except>
#include <pqxx/transaction_base>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace usdcop::store {

inline int64_t to_micros(Timestamp t) {
  return t.time_since_epoch().count();
}
inline Timestamp from_micros(int64_t us) {
  return Timestamp{std::chrono::microseconds{us}};
}
// Clamped to 0001-01-01 .. 9999-12-31, inside PostgreSQL's timestamptz range, so that
// Timestamp::min()/max() work as open bounds.
int64_t to_pg_micros(Timestamp t);

// SQL: a timestamptz from a bigint-microseconds expression, and back. PostgreSQL multiplies
// the interval by a float8, which is exact for |microseconds| < 2^53 (years 1685..2255).
std::string sql_time_from_micros(std::string_view bigint_expr);
std::string sql_micros_of(std::string_view timestamptz_expr);

// A string literal for SQL text ('...' escaped by the connection): tx.quote's inline
// concatenation trips GCC 12's -Wrestrict false positive under -O3.
std::string sql_literal(pqxx::transaction_base& tx, const std::string& s);

// Text-format COPY field writers (append to a row buffer).
void append_double(std::string& out, double v);  // shortest representation that round-trips
void append_int(std::string& out, int64_t v);
// Escapes \, tab, newline and CR; replaces NUL bytes and invalid UTF-8 with U+FFFD so that
// any raw input can be stored.
void append_text(std::string& out, std::string_view s);
inline void append_null(std::string& out) {
  out += "\\N";
}

// Valid UTF-8 without NUL bytes (invalid sequences become U+FFFD), for text parameters.
std::string sanitize_utf8(std::string_view s);

// Exact parsing of result fields (std::from_chars); throw std::runtime_error on bad input.
double parse_double(std::string_view s);
int64_t parse_int(std::string_view s);

// Runs f; a lost database connection becomes Error(unavailable) naming `what`.
template <class F>
auto guard_connection(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const pqxx::broken_connection& e) {
    throw Error(ErrorKind::unavailable,
                std::string(what) + ": the database connection was lost: " + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    throw Error(
        ErrorKind::unavailable,
        std::string(what) +
            ": the connection was lost while committing; the outcome is unknown: " + e.what());
  }
}

// COPY <table> (<columns>) FROM STDIN in text format. Rows are appended to row() field by
// field (fields separated by '\t'), end_row() closes a row; data is sent in large chunks.
class CopyIn {
 public:
  CopyIn(pqxx::transaction_base& tx, const std::string& table,
         const std::vector<std::string>& columns);
  ~CopyIn();
  CopyIn(const CopyIn&) = delete;
  CopyIn& operator=(const CopyIn&) = delete;

  std::string& row() { return buffer_; }
  void field_separator() { buffer_ += '\t'; }
  void end_row();
  void finish();  // sends the rest and ends the COPY; must be called before using tx again
  long rows() const { return rows_; }

 private:
  void flush();
  struct Impl;
  Impl* impl_;
  std::string buffer_;
  long rows_ = 0;
  bool finished_ = false;
};

}  // namespace usdcop::store
