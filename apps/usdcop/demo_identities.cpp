#include "demo_identities.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "cli_services.hpp"
#include "core/error.hpp"
#include "store/pg_principals.hpp"

namespace usdcop::cli {

void write_user_only_file(const std::filesystem::path& p, const std::string& secret) {
  ::unlink(p.c_str());
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(ErrorKind::unavailable, "cannot write " + p.string());
  const std::string line = secret + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok) throw Error(ErrorKind::unavailable, "cannot write " + p.string());
}

namespace {

// The identity of a token file, or nullopt when it is missing or no longer valid.
std::optional<identity::Identity> identity_of(store::PgPrincipals& principals,
                                              const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  try {
    return principals.authenticate(identity::read_token(file.string()));
  } catch (const Error&) {
    return std::nullopt;
  }
}

identity::Identity demo_admin(store::PgPrincipals& principals, const std::filesystem::path& lead,
                              bool& created) {
  if (auto who = identity_of(principals, lead)) return *who;
  try {
    const auto issued =
        principals.bootstrap({"demo-lead", "demo", {}, identity::kDefaultTokenDays});
    write_user_only_file(lead, issued.secret);
    created = true;
    return principals.authenticate(issued.secret);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::conflict) throw;
  }
  const char* env = std::getenv("USDCOP_TOKEN");
  if (!env || !*env) {
    throw Error(ErrorKind::conflict,
                "this database already has an admin token: set USDCOP_TOKEN to an admin token "
                "so the demo can create its principals (demo-lead, demo-risk-officer, "
                "demo-researcher, demo-viewer)");
  }
  const auto who = principals.authenticate(identity::read_token(""));
  principals.require_role(who, models::Role::admin, "demo");
  return who;
}

}  // namespace

DemoTokenFiles ensure_demo_tokens(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw Error(ErrorKind::unavailable, "cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  DemoTokenFiles files;
  files.dir = dir;
  files.researcher = (dir / "demo-researcher.token").string();
  files.lead = (dir / "demo-lead.token").string();
  files.risk_officer = (dir / "demo-risk-officer.token").string();
  files.viewer = (dir / "demo-viewer.token").string();
  store::PgPrincipals principals(services().pool());
  const auto admin = demo_admin(principals, files.lead, files.lead_created);
  const struct {
    const char* name;
    models::Role role;
    const std::string& file;
  } wanted[] = {{"demo-lead", models::Role::admin, files.lead},
                {"demo-risk-officer", models::Role::admin, files.risk_officer},
                {"demo-researcher", models::Role::operator_, files.researcher},
                {"demo-viewer", models::Role::viewer, files.viewer}};
  const auto existing = principals.list();
  for (const auto& w : wanted) {
    if (identity_of(principals, w.file)) continue;
    const bool known = std::any_of(existing.begin(), existing.end(),
                                   [&](const auto& p) { return p.name == w.name; });
    if (!known) principals.add(w.name, w.role, admin);
    const auto issued =
        principals.create_token({w.name, "demo", {}, identity::kDefaultTokenDays}, admin);
    write_user_only_file(w.file, issued.secret);
  }
  return files;
}

}  // namespace usdcop::cli
