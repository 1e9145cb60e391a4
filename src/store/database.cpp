#include "store/database.hpp"

#include "core/percent_encoding.hpp"

#include <cstdlib>
#include <pqxx/pqxx>
#include <regex>

#include "core/error.hpp"
#include "store/migrations.hpp"
#include "store/pg_cluster.hpp"

namespace usdcop::store {

namespace {

bool is_uri(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

std::string uri_encode(std::string_view s) {
  return percent_encode(s);
}

std::string uri_decode(std::string_view s) {
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A key=value conninfo: the value of `key`, or nullopt.
std::optional<std::string> kv_value(const std::string& conninfo, const std::string& key) {
  const std::regex re("(^|\\s)" + key + "\\s*=\\s*('((?:[^'\\\\]|\\\\.)*)'|(\\S+))");
  std::smatch m;
  std::optional<std::string> found;
  auto begin = conninfo.cbegin();
  while (std::regex_search(begin, conninfo.cend(), m, re)) {
    std::string v = m[3].matched ? m[3].str() : m[4].str();
    std::string unescaped;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      unescaped += v[i];
    }
    found = unescaped;  // the last occurrence wins, as in libpq
    begin = m[0].second;
  }
  return found;
}

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

}  // namespace

std::optional<std::string> external_database_url() {
  const char* v = std::getenv("DATABASE_URL");
  if (v && *v) return std::string(v);
  return std::nullopt;
}

bool using_external_database() {
  return external_database_url().has_value();
}

std::string database_url() {
  if (auto ext = external_database_url()) return *ext;
  return PgCluster().url();
}

std::string owner_database_url() {
  const char* owner = std::getenv("USDCOP_OWNER_URL");
  if (owner && *owner) return owner;
  if (auto ext = external_database_url()) return *ext;
  return PgCluster().owner_url();
}

std::string ensure_database_running() {
  if (auto ext = external_database_url()) {
    require_reachable(*ext);
    return *ext;
  }
  PgCluster cluster;
  cluster.start(false);
  return cluster.url();
}

std::string prepare_database() {
  const std::string url = ensure_database_running();
  auto conn = open_connection(url);
  require_current_schema(*conn);
  return url;
}

std::string migrate_database() {
  const std::string url = ensure_database_running();
  migrate(owner_database_url());
  return url;
}

std::string mask_password(std::string_view url_view) {
  std::string url(url_view);
  static const std::regex userinfo("(://[^:/@?]*:)[^@/?]*@");
  static const std::regex query("([?&]password=)[^&]*");
  static const std::regex kv("((^|\\s)password\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|\\S+)");
  if (is_uri(url)) {
    url = std::regex_replace(url, userinfo, "$1***@");
    url = std::regex_replace(url, query, "$1***");
  } else {
    url = std::regex_replace(url, kv, "$1***");
  }
  return url;
}

std::string url_with_database(const std::string& url, const std::string& database) {
  if (is_uri(url)) {
    const size_t scheme_end = url.find("://") + 3;
    const size_t q = url.find('?', scheme_end);
    const size_t slash = url.find('/', scheme_end);
    std::string head, query;
    if (slash != std::string::npos && (q == std::string::npos || slash < q)) {
      head = url.substr(0, slash);
    } else {
      head = url.substr(0, q == std::string::npos ? url.size() : q);
    }
    if (q != std::string::npos) {
      // Drop a dbname= query parameter: the path names the database.
      std::string rest = url.substr(q + 1);
      std::string kept;
      size_t start = 0;
      while (start <= rest.size()) {
        size_t amp = rest.find('&', start);
        if (amp == std::string::npos) amp = rest.size();
        const std::string param = rest.substr(start, amp - start);
        if (!param.empty() && !param.starts_with("dbname="))
          kept += (kept.empty() ? "" : "&") + param;
        start = amp + 1;
      }
      if (!kept.empty()) query = "?" + kept;
    }
    return head + "/" + uri_encode(database) + query;
  }
  static const std::regex dbname("(^|\\s)dbname\\s*=\\s*('(?:[^'\\\\]|\\\\.)*'|\\S+)\\s*");
  std::string rest = std::regex_replace(url, dbname, "$1");
  std::string quoted = "'";
  for (char c : database) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += "'";
  while (!rest.empty() && rest.back() == ' ') rest.pop_back();
  return (rest.empty() ? "" : rest + " ") + "dbname=" + quoted;
}

std::string database_name(const std::string& url) {
  if (is_uri(url)) {
    const size_t scheme_end = url.find("://") + 3;
    const size_t q = url.find('?', scheme_end);
    const size_t slash = url.find('/', scheme_end);
    std::string name;
    if (slash != std::string::npos && (q == std::string::npos || slash < q)) {
      name =
          uri_decode(url.substr(slash + 1, (q == std::string::npos ? url.size() : q) - slash - 1));
    }
    if (q != std::string::npos) {
      static const std::regex param("(^|&)dbname=([^&]*)");
      std::smatch m;
      const std::string query = url.substr(q + 1);
      if (std::regex_search(query, m, param)) name = uri_decode(m[2].str());
    }
    return name;
  }
  return kv_value(url, "dbname").value_or("");
}

std::unique_ptr<pqxx::connection> open_connection(const std::string& url) {
  try {
    auto c = std::make_unique<pqxx::connection>(url);
    c->set_variable("client_min_messages", "warning");
    c->set_variable("application_name", "usdcop");
    return c;
  } catch (const pqxx::broken_connection& e) {
    throw Error(ErrorKind::unavailable, "cannot connect to the database at " + mask_password(url) +
                                            ": " + first_line(e.what()));
  } catch (const pqxx::sql_error& e) {
    throw Error(ErrorKind::unavailable, "cannot connect to the database at " + mask_password(url) +
                                            ": " + first_line(e.what()));
  } catch (const pqxx::failure& e) {
    // A malformed conninfo; libpq's text may quote part of the URL, so it is shown only when
    // it cannot hold the password.
    const std::string why = first_line(e.what());
    throw Error(ErrorKind::invalid_input,
                "invalid database URL " + mask_password(url) +
                    (why.find("password") == std::string::npos && url.find('@') == std::string::npos
                         ? ": " + why
                         : ""));
  }
}

void require_reachable(const std::string& url) {
  (void)open_connection(url);
}

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace usdcop::store
