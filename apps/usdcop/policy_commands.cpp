// usdcop policy show|apply: the promotion policy and risk/trading profiles owned by the database
// (spec 12). The YAML files of config/ are seeds (`db start`/`db migrate`) and inputs to apply.
#include <fstream>
#include <iostream>
#include <sstream>

#include "app_database.hpp"
#include "cli_context.hpp"
#include "command_identity.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "policy_seed.hpp"
#include "store/connection_pool.hpp"
#include "store/pg_policies.hpp"

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
    store::PgPolicies policies(open_app_database().pool());
    nlohmann::json out = nlohmann::json::object();
    for (const char* kind : {"promotion", "risk", "trading"}) {
      if (!o->kind.empty() && o->kind != kind) continue;
      const auto v = policies.active(kind);
      out[kind] = v ? to_json(*v) : nlohmann::json();
      if (o->json) continue;
      if (v) {
        std::cout << kind << ": version " << v->version << ", sha256 " << v->sha256
                  << ", applied by " << v->applied_by << " at " << v->applied_at << "\n";
      } else {
        std::cout << kind << ": none applied (the seed file of config/ is used)\n";
      }
    }
    if (o->json) print_json(out);
  });
  auto* apply = group->add_subcommand("apply", "Store FILE as the new version of --kind (admin)");
  apply->add_option("FILE", o->file, "A YAML file like config/promotion.yaml")->required();
  apply->add_option("--kind", o->kind, "promotion|risk|trading")
      ->required()
      ->check(CLI::IsMember({"promotion", "risk", "trading"}));
  apply->add_flag("--json", o->json, "Machine-readable output");
  add_token_option(*apply, o->token_file);
  apply->callback([o] {
    const auto who = authenticate_command(o->token_file, models::Role::admin, "policy apply");
    std::ifstream in(o->file);
    if (!in) throw Error(ErrorKind::invalid_input, "FILE: cannot read " + o->file);
    std::stringstream text;
    text << in.rdbuf();
    store::PgPolicies policies(open_app_database().pool());
    const auto before = policies.active(o->kind);
    const auto v = policies.apply(o->kind, text.str(), who);
    const bool changed = !before || before->version != v.version;
    if (o->json) {
      auto j = to_json(v);
      j["changed"] = changed;
      print_json(j);
    } else {
      std::cout << o->kind << (changed ? ": applied version " : ": unchanged, version ")
                << v.version << " (sha256 " << v.sha256 << ")\n";
    }
  });
}

const CommandRegistration reg{56, add_policy_commands};

}  // namespace

void seed_policies(const std::string& url) {
  store::ConnectionPool pool(url, 1);
  store::PgPolicies policies(pool);
  for (const char* kind : {"promotion", "risk", "trading"}) {
    const auto path = config_dir() / (std::string(kind) + ".yaml");
    std::ifstream in(path);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    policies.seed(kind, text.str(), "system:seed");
  }
}

}  // namespace usdcop::cli
