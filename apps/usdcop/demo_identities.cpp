#include "demo_identities.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "app/principals.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"

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
std::optional<identity::Identity> identity_of(app::Services& services,
                                              const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  try {
    return app::authenticate(services, identity::read_token(file.string()));
  } catch (const Error&) {
    return std::nullopt;
  }
}

identity::Identity demo_admin(app::Services& services, const std::filesystem::path& lead,
                              bool& created) {
  if (auto who = identity_of(services, lead)) return *who;
  try {
    const auto issued = app::bootstrap_admin_token(
        services, {"demo-lead", "demo", {}, identity::kDefaultTokenDays});
    write_user_only_file(lead, issued.secret);
    created = true;
    return app::authenticate(services, issued.secret);
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
  const auto who = app::authenticate(services, identity::read_token(""));
  app::require_role(services, who, models::Role::admin, "demo");
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
  auto& db = services();
  const app::Caller admin{demo_admin(db, files.lead, files.lead_created),
                          app::new_request_id("cli")};
  const struct {
    const char* name;
    models::Role role;
    const std::string& file;
  } wanted[] = {{"demo-lead", models::Role::admin, files.lead},
                {"demo-risk-officer", models::Role::admin, files.risk_officer},
                {"demo-researcher", models::Role::operator_, files.researcher},
                {"demo-viewer", models::Role::viewer, files.viewer}};
  const auto existing = app::list_principals(db);
  for (const auto& w : wanted) {
    if (identity_of(db, w.file)) continue;
    const bool known = std::any_of(existing.begin(), existing.end(),
                                   [&](const auto& p) { return p.name == w.name; });
    if (!known) app::add_principal(db, {admin, w.name, w.role});
    const auto issued =
        app::create_token(db, admin, {w.name, "demo", {}, identity::kDefaultTokenDays});
    write_user_only_file(w.file, issued.secret);
  }
  return files;
}

}  // namespace usdcop::cli
