// usdcop principal add|list|disable and usdcop token bootstrap|create|list|revoke (spec 07, 12).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iomanip>
#include <iostream>

#include "app/principals.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"

namespace usdcop::cli {

namespace {

nlohmann::json to_json(const store::PrincipalRecord& p) {
  return {
      {"id", p.id},
      {"name", p.name},
      {"role", models::to_string(p.role)},
      {"created_at", p.created_at},
      {"created_by", p.created_by},
      {"disabled_at", p.disabled_at.empty() ? nlohmann::json() : nlohmann::json(p.disabled_at)}};
}

nlohmann::json to_json(const store::TokenRecord& t) {
  auto opt = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); };
  return {{"id", t.id},
          {"principal", t.principal},
          {"name", t.name},
          {"scopes", t.scopes},
          {"created_at", t.created_at},
          {"expires_at", t.expires_at},
          {"last_used_at", opt(t.last_used_at)},
          {"revoked_at", opt(t.revoked_at)}};
}

// The new user-only file (0600) for a token, created before the token so a bad path loses
// nothing, and removed again when the token could not be created.
class TokenFile {
 public:
  explicit TokenFile(std::string path) : path_(std::move(path)) {
    if (path_.empty()) return;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      throw Error(ErrorKind::invalid_input, "--out " + path_ + ": cannot create the file (" +
                                                std::strerror(errno) + "); it must not exist yet");
    }
  }
  ~TokenFile() {
    if (fd_ >= 0) ::close(fd_);
    if (fd_ >= 0 && !written_) ::unlink(path_.c_str());
  }
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;
  const std::string& path() const { return path_; }
  void write(const std::string& secret) {
    if (fd_ < 0) return;
    const std::string line = secret + "\n";
    written_ = ::write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    if (!written_) throw Error(ErrorKind::unavailable, "--out " + path_ + ": write failed");
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool written_ = false;
};

// The secret goes to the TokenFile or, without --out, to stdout once.
void deliver(const store::IssuedToken& issued, TokenFile& file, bool json) {
  file.write(issued.secret);
  const std::string& out = file.path();
  auto j = to_json(issued.record);
  if (out.empty())
    j["token"] = issued.secret;
  else
    j["token_file"] = out;
  if (json) {
    print_json(j);
    return;
  }
  std::cout << "token " << issued.record.id << " for " << issued.record.principal << " ("
            << issued.record.name << "), expires " << issued.record.expires_at << "\n";
  if (out.empty()) {
    std::cout << issued.secret << "\n(shown once: keep it in a user-only file and use "
              << "--token-file FILE or USDCOP_TOKEN)\n";
  } else {
    std::cout << "written to " << out << " (mode 0600)\n";
  }
}

void add_principal_commands(CLI::App& app) {
  auto* group = app.add_subcommand("principal", "Who may act: add, list, disable (admin token)");
  group->require_subcommand(1);
  struct Opts {
    std::string name, role, token_file;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* add = group->add_subcommand("add", "Add a principal (names are NFKC-casefolded)");
  add->add_option("NAME", o->name, "Letters, digits, . - _ @; one script; at most 64")->required();
  add->add_option("--role", o->role, "viewer|operator|admin")
      ->required()
      ->check(CLI::IsMember({"viewer", "operator", "admin"}));
  add->add_flag("--json", o->json, "Machine-readable output");
  add_token_option(*add, o->token_file);
  add->callback([o] {
    const auto p = app::add_principal(services(), {command_caller(o->token_file, "principal add"),
                                                   o->name, models::parse_role(o->role)});
    if (o->json)
      print_json(to_json(p));
    else
      std::cout << "added " << p.name << " (" << models::to_string(p.role) << ")\n";
  });
  auto* list = group->add_subcommand("list", "Principals and their roles");
  list->add_flag("--json", o->json, "Machine-readable output");
  list->callback([o] {
    const auto all = app::list_principals(services());
    if (o->json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& p : all) j.push_back(to_json(p));
      print_json(j);
      return;
    }
    for (const auto& p : all) {
      std::cout << std::left << std::setw(24) << p.name << std::setw(9) << models::to_string(p.role)
                << (p.disabled_at.empty() ? "" : "disabled " + p.disabled_at) << "\n";
    }
  });
  auto* disable = group->add_subcommand("disable", "Disable a principal and revoke its tokens");
  disable->add_option("NAME", o->name, "Principal")->required();
  disable->add_flag("--json", o->json, "Machine-readable output");
  add_token_option(*disable, o->token_file);
  disable->callback([o] {
    const auto p = app::disable_principal(
        services(), command_caller(o->token_file, "principal disable"), o->name);
    if (o->json)
      print_json(to_json(p));
    else
      std::cout << "disabled " << p.name << "; its tokens are revoked\n";
  });
}

void add_token_issue_commands(CLI::App& group) {
  struct Opts {
    std::string name = "bootstrap", principal, label = "cli", scopes, out, token_file;
    int days = identity::kDefaultTokenDays;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* boot = group.add_subcommand(
      "bootstrap", "Create the first admin and its token; only while no valid admin token exists");
  boot->add_option("--name", o->name, "The admin principal (default: bootstrap)");
  boot->add_option("--out", o->out, "Write the token to this new file (mode 0600)");
  boot->add_flag("--json", o->json, "Machine-readable output");
  boot->callback([o] {
    TokenFile file(o->out);
    deliver(app::bootstrap_admin_token(services(), {o->name, "bootstrap", {}, o->days}), file,
            o->json);
  });
  auto* create = group.add_subcommand("create", "Create a token for a principal (admin token)");
  create->add_option("--principal", o->principal, "Whose token")->required();
  create->add_option("--name", o->label, "A label for the token (default: cli)");
  create->add_option("--scopes", o->scopes, "Comma-separated extra scopes (oracle.publisher, ...)");
  create->add_option("--days", o->days, "Days until it expires (default 90)");
  create->add_option("--out", o->out, "Write the token to this new file (mode 0600)");
  create->add_flag("--json", o->json, "Machine-readable output");
  add_token_option(*create, o->token_file);
  create->callback([o] {
    const auto caller = command_caller(o->token_file, "token create");
    std::vector<std::string> scopes;
    for (size_t start = 0; start < o->scopes.size();) {
      size_t comma = o->scopes.find(',', start);
      if (comma == std::string::npos) comma = o->scopes.size();
      if (comma > start) scopes.push_back(o->scopes.substr(start, comma - start));
      start = comma + 1;
    }
    TokenFile file(o->out);
    deliver(app::create_token(services(), caller, {o->principal, o->label, scopes, o->days}), file,
            o->json);
  });
}

void add_token_admin_commands(CLI::App& group) {
  struct Opts {
    long id = 0;
    bool all = false, json = false;
    std::string token_file;
  };
  auto o = std::make_shared<Opts>();
  auto* list = group.add_subcommand("list", "Tokens (never their secrets; admin token)");
  list->add_flag("--json", o->json, "Machine-readable output");
  add_token_option(*list, o->token_file);
  list->callback([o] {
    const auto all = app::list_tokens(services(), command_caller(o->token_file, "token list"));
    if (o->json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& t : all) j.push_back(to_json(t));
      print_json(j);
      return;
    }
    for (const auto& t : all) {
      std::cout << std::right << std::setw(5) << t.id << "  " << std::left << std::setw(20)
                << t.principal << std::setw(12) << t.name << " expires " << t.expires_at
                << (t.revoked_at.empty() ? "" : "  revoked " + t.revoked_at) << "\n";
    }
  });
  auto* revoke = group.add_subcommand("revoke", "Revoke one token, or every token with --all");
  auto* id = revoke->add_option("ID", o->id, "Token id (token list)");
  auto* all = revoke->add_flag("--all", o->all,
                               "Revoke every token (emergency; then `token bootstrap` again)");
  id->excludes(all);
  revoke->add_flag("--json", o->json, "Machine-readable output");
  add_token_option(*revoke, o->token_file);
  revoke->callback([o] {
    if (!o->all && o->id <= 0) throw Error(ErrorKind::invalid_input, "give a token ID or --all");
    const auto caller =
        command_caller(o->token_file, o->all ? "token revoke --all" : "token revoke");
    if (o->all) {
      const int n = app::revoke_all_tokens(services(), caller);
      if (o->json)
        print_json({{"revoked", n}});
      else
        std::cout << "revoked " << n << " tokens\n";
      return;
    }
    const auto t = app::revoke_token(services(), caller, o->id);
    if (o->json)
      print_json(to_json(t));
    else
      std::cout << "revoked token " << t.id << " of " << t.principal << "\n";
  });
}

void add_identity_commands(CLI::App& app) {
  add_principal_commands(app);
  auto* token = app.add_subcommand("token", "API tokens: bootstrap, create, list, revoke");
  token->require_subcommand(1);
  add_token_issue_commands(*token);
  add_token_admin_commands(*token);
}

const CommandRegistration reg{55, add_identity_commands};

}  // namespace
}  // namespace usdcop::cli
