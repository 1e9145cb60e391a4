#include "store/pg_copy.hpp"

#include <charconv>
#include <limits>
#include <memory>
#include <stdexcept>

// pqxx 6.4: tablewriter is the public way to send raw COPY text (stream_to escapes every field
// through std::string conversions and is several times slower). It is marked deprecated in
// favour of stream_to; its write_raw_line is exactly PQputCopyData.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <pqxx/tablewriter>
#pragma GCC diagnostic pop

namespace usdcop::store {

namespace {
constexpr int64_t kMinPgMicros = -62135596800000000LL;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxPgMicros = 253402300799999999LL;  // 9999-12-31T23:59:59.999999Z
constexpr size_t kChunk = 256 * 1024;
}  // namespace

int64_t to_pg_micros(Timestamp t) {
  const int64_t us = to_micros(t);
  return us < kMinPgMicros ? kMinPgMicros : (us > kMaxPgMicros ? kMaxPgMicros : us);
}

std::string sql_time_from_micros(std::string_view bigint_expr) {
  return "(timestamptz 'epoch' + (" + std::string(bigint_expr) + ") * interval '1 microsecond')";
}

std::string sql_literal(pqxx::transaction_base& tx, const std::string& s) {
  std::string out = tx.esc(s);
  out.insert(out.begin(), '\'');
  out.push_back('\'');
  return out;
}

std::string sql_micros_of(std::string_view timestamptz_expr) {
  return "(extract(epoch FROM " + std::string(timestamptz_expr) + ") * 1000000)::bigint";
}

void append_double(std::string& out, double v) {
  char buf[32];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) throw std::runtime_error("cannot format a double");
  out.append(buf, ptr);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, ptr);
}

namespace {
// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return c == 0 ? 0 : 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
}  // namespace

void append_text(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      default:
        break;
    }
    const size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

double parse_double(std::string_view s) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    // PostgreSQL spells the special values Infinity, -Infinity and NaN.
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    throw std::runtime_error("not a number from the database: '" + std::string(s) + "'");
  }
  return v;
}

int64_t parse_int(std::string_view s) {
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    throw std::runtime_error("not an integer from the database: '" + std::string(s) + "'");
  }
  return v;
}

struct CopyIn::Impl {
  std::unique_ptr<pqxx::tablewriter> writer;
};

CopyIn::CopyIn(pqxx::transaction_base& tx, const std::string& table,
               const std::vector<std::string>& columns)
    : impl_(new Impl) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  impl_->writer = std::make_unique<pqxx::tablewriter>(tx, table, columns.begin(), columns.end());
#pragma GCC diagnostic pop
  buffer_.reserve(kChunk + 4096);
}

CopyIn::~CopyIn() {
  // Not finished: the transaction is being abandoned; tablewriter's destructor ends the COPY.
  delete impl_;
}

void CopyIn::end_row() {
  buffer_ += '\n';
  ++rows_;
  if (buffer_.size() >= kChunk) flush();
}

void CopyIn::flush() {
  if (buffer_.empty()) return;
  // write_raw_line appends the final newline itself.
  if (buffer_.back() == '\n') buffer_.pop_back();
  impl_->writer->write_raw_line(buffer_);
  buffer_.clear();
}

void CopyIn::finish() {
  if (finished_) return;
  flush();
  impl_->writer->complete();
  finished_ = true;
}

}  // namespace usdcop::store
