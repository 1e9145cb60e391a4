// usdcop policy show|apply: the promotion policy and risk/trading profiles owned by the database
// (spec 12). The YAML files of config/ are seeds (`db start`/`db migrate`) and inputs to apply.
// Parsing and rendering only; the use cases are in src/app/policies.hpp.
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/policies.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "command_identity.hpp"
#include "core/error.hpp"

namespace usdcop::cli {

namespace {

nlohmann::json to_json(const store::PolicyVersion& v) {
  return {{"kind", v.kind},
          {"version", v.version},
          {"sha256", v.sha256},
          {"applied_by", v.applied_by},
          {"applied_at", v.applied_at},
          {"policy", nlohmann::json::parse(v.canonical_json)}};
}

using ActivePolicies = std::map<std::string, std::optional<store::PolicyVersion>>;

void render_text(std::ostream& out, const ActivePolicies& active) {
  for (const auto& [kind, v] : active) {
    if (v) {
      out << kind << ": version " << v->version << ", sha256 " << v->sha256 << ", applied by "
          << v->applied_by << " at " << v->applied_at << "\n";
    } else {
      out << kind << ": none applied (the seed file of config/ is used)\n";
    }
  }
}

nlohmann::json render_json(const ActivePolicies& active) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [kind, v] : active) out[kind] = v ? to_json(*v) : nlohmann::json();
  return out;
}

void render_text(std::ostream& out, const app::PolicyApplyOutcome& o) {
  out << o.version.kind << (o.changed ? ": applied version " : ": unchanged, version ")
      << o.version.version << " (sha256 " << o.version.sha256 << ")\n";
}

nlohmann::json render_json(const app::PolicyApplyOutcome& o) {
  auto j = to_json(o.version);
  j["changed"] = o.changed;
  return j;
}

std::string read_policy_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::invalid_input, "FILE: cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void add_policy_commands(CLI::App& app) {
  auto* group =
      app.add_subcommand("policy", "Promotion policy and risk/trading profiles (spec 12)");
  group->require_subcommand(1);
  struct Opts {
    std::string kind, file, token_file;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* show = group->add_subcommand("show", "The active version of each kind (or of --kind)");
  show->add_option("--kind", o->kind, "promotion|risk|trading")
      ->check(CLI::IsMember({"promotion", "risk", "trading"}));
  show->add_flag("--json", o->json, "Machine-readable output");
  show->callback([o] {
    std::optional<std::string> kind;
    if (!o->kind.empty()) kind = o->kind;
    print_result(app::active_policies(services(), kind), o->json, render_json, render_text);
  });
  auto* apply = group->add_subcommand("apply", "Store FILE as the new version of --kind (admin)");
  apply->add_option("FILE", o->file, "A YAML file like config/promotion.yaml")->required();
  apply->add_option("--kind", o->kind, "promotion|risk|trading")
      ->required()
      ->check(CLI::IsMember({"promotion", "risk", "trading"}));
  apply->add_flag("--json", o->json, "Machine-readable output");
  add_token_option(*apply, o->token_file);
  apply->callback([o] {
    // The role is checked before FILE is read, so a viewer learns nothing about the file.
    const auto who = authenticate_command(o->token_file, models::Role::admin, "policy apply");
    const auto text = read_policy_file(o->file);
    const auto outcome = app::apply_policy(
        services(), {app::Caller{who, app::new_request_id("cli")}, o->kind, text});
    print_result(outcome, o->json, render_json, render_text);
  });
}

const CommandRegistration reg{56, add_policy_commands};

}  // namespace
}  // namespace usdcop::cli
