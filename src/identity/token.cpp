#include "identity/token.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/sha256.hpp"

namespace usdcop::identity {

NewToken generate_token() {
  unsigned char buf[32];
  size_t got = 0;
  while (got < sizeof buf) {
    const ssize_t n = ::getrandom(buf + got, sizeof buf - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(ErrorKind::internal, std::string("getrandom: ") + std::strerror(errno));
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  NewToken t;
  t.secret = std::string(kTokenPrefix);
  for (unsigned char b : buf) {
    t.secret += kHex[b >> 4];
    t.secret += kHex[b & 15];
  }
  t.sha256 = token_sha256(t.secret);
  return t;
}

std::string token_sha256(std::string_view secret) {
  return sha256_hex(secret);
}

namespace {
bool well_formed(const std::string& t) {
  if (!t.starts_with(kTokenPrefix) || t.size() != kTokenPrefix.size() + 64) return false;
  return std::all_of(t.begin() + static_cast<long>(kTokenPrefix.size()), t.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
}  // namespace

std::string read_token(const std::string& token_file) {
  std::string token, source;
  if (!token_file.empty()) {
    source = token_file;
    std::ifstream in(token_file);
    if (!in) throw Error(ErrorKind::invalid_input, source + ": cannot read the file", "token_file");
    std::getline(in, token);
  } else {
    source = "USDCOP_TOKEN";
    const char* v = std::getenv("USDCOP_TOKEN");
    if (!v || !*v) {
      throw Error(ErrorKind::invalid_input,
                  "this command needs a token: set USDCOP_TOKEN or give a token file "
                  "(`usdcop token create`, or `usdcop token bootstrap` for the first admin)",
                  "token_file");
    }
    token = v;
  }
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (!well_formed(token))
    throw Error(ErrorKind::invalid_input, source + ": not a usdcop token (usdcop_ + 64 hex)",
                token_file.empty() ? "token" : "token_file");
  return token;
}

std::vector<std::string> token_scopes(models::Role role,
                                      const std::vector<std::string>& requested) {
  static const std::vector<std::string> known = {"oracle.admin", "oracle.publisher",
                                                 "oracle.reader"};
  std::vector<std::string> out;
  for (const auto& s : requested) {
    if (std::find(known.begin(), known.end(), s) == known.end()) {
      throw Error(
          ErrorKind::invalid_input,
          "unknown scope '" + s + "' (known: oracle.reader, oracle.publisher, oracle.admin)",
          "scopes");
    }
    out.push_back(s);
  }
  if (role == models::Role::admin) out.emplace_back("oracle.admin");
  if (role == models::Role::viewer) out.emplace_back("oracle.reader");
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace usdcop::identity
