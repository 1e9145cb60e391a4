#pragma once
// API tokens (spec 07, 12): `usdcop_` + 64 hex digits of random, shown once, stored as their
// sha256 only. The CLI reads one from `--token-file FILE` or `USDCOP_TOKEN` (never from a
// default file).
#include <string>
#include <string_view>
#include <vector>

#include "models/model.hpp"

namespace usdcop::identity {

inline constexpr std::string_view kTokenPrefix = "usdcop_";
inline constexpr int kDefaultTokenDays = 90;

struct NewToken {
  std::string secret;  // shown once
  std::string sha256;  // stored
};
NewToken generate_token();
std::string token_sha256(std::string_view secret);

// The token of `--token-file FILE` (when not empty) or else of USDCOP_TOKEN. Throws
// Error(invalid_input) naming the source when there is none or it is not a usdcop token.
std::string read_token(const std::string& token_file);

// Who a token authenticates.
struct Identity {
  long principal_id = 0;
  long token_id = 0;
  std::string principal;  // canonical name: the actor of audit rows
  models::Role role = models::Role::viewer;
  std::vector<std::string> scopes;
  // The token's own API request rate (requests a minute); 0: the server's default.
  int rate_limit_per_minute = 0;
};

// Scopes a token of `role` gets besides the explicit ones (admin: oracle.admin, viewer:
// oracle.reader), merged with `requested`, sorted, unique. Throws Error(invalid_input) for an
// unknown scope.
std::vector<std::string> token_scopes(models::Role role, const std::vector<std::string>& requested);

}  // namespace usdcop::identity
