#pragma once
// The demo's principals (spec 12): it acts with tokens like everyone else. Two admins
// (demo-lead asks for production, demo-risk-officer casts the four-eyes vote), a requester
// (demo-researcher registers and asks for staging) and a viewer whose attempt is refused.
#include <filesystem>
#include <string>

namespace usdcop::cli {

struct DemoTokenFiles {
  std::filesystem::path dir;  // user-only (0700), one 0600 file per principal
  std::string researcher, lead, risk_officer, viewer;
  bool lead_created = false;  // demo-lead's token was bootstrapped by this run
};

// Reuses the token files under `dir` that still authenticate; otherwise creates the principals
// and tokens: through `token bootstrap` (demo-lead) on a database without an admin token, else
// with the admin token of USDCOP_TOKEN. Throws Error(conflict) when neither is possible.
// Writes `secret` and a newline to a new file of mode 0600 (replacing one that exists).
void write_user_only_file(const std::filesystem::path& file, const std::string& secret);

DemoTokenFiles ensure_demo_tokens(const std::filesystem::path& dir);

}  // namespace usdcop::cli
