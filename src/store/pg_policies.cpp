#include "store/pg_policies.hpp"

#include <pqxx/pqxx>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "models/run_directory.hpp"
#include "store/audit_chain.hpp"
#include "store/notify.hpp"
#include "store/pg_copy.hpp"
#include "store/pg_registry_rows.hpp"
#include "store/policy_reference.hpp"

namespace usdcop::store {

namespace {

const std::string kPolicyColumns =
    "kind, version, sha256, source_yaml, canonical_json, applied_by, to_char(applied_at AT TIME "
    "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

PolicyVersion from_row(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<int>(),         r[2].as<std::string>(),
          r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
          r[6].as<std::string>()};
}

// Each kind must parse as what its readers expect (errors name the key).
void validate_policy(const std::string& kind, const std::string& yaml_text) {
  if (kind == "promotion") {
    (void)models::parse_promotion_thresholds(yaml_text);
    return;
  }
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::invalid_input, "FILE: not valid YAML: " + std::string(e.what()));
  }
  if (kind == "risk") (void)trading::parse_risk_profile(root, "risk.yaml");
  if (kind == "trading") (void)trading::parse_trading_config(root, "trading.yaml");
}

std::string canonical_of(const std::string& kind, const std::string& yaml_text) {
  validate_policy(kind, yaml_text);
  nlohmann::json body;
  try {
    body = models::yaml_text_to_json(yaml_text);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::invalid_input, "FILE: not valid YAML: " + std::string(e.what()));
  }
  if (!body.is_object()) throw Error(ErrorKind::invalid_input, "FILE: a policy is a YAML mapping");
  return canonical_json(body);
}

}  // namespace

void require_policy_kind(const std::string& kind) {
  if (kind != "promotion" && kind != "risk" && kind != "trading")
    throw Error(ErrorKind::invalid_input,
                "--kind: '" + kind + "' is not promotion, risk or trading");
}

std::optional<PolicyVersion> active_policy(pqxx::transaction_base& tx, const std::string& kind) {
  const auto r = tx.exec_params("SELECT " + kPolicyColumns +
                                    " FROM system.policies WHERE kind = $1 ORDER BY version "
                                    "DESC LIMIT 1",
                                kind);
  if (r.empty()) return std::nullopt;
  return from_row(r[0]);
}

std::optional<PolicyVersion> PgPolicies::active(const std::string& kind) {
  require_policy_kind(kind);
  return guard_connection("reading the policy", [&]() -> std::optional<PolicyVersion> {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    return active_policy(tx, kind);
  });
}

std::vector<PolicyVersion> PgPolicies::history(const std::string& kind) {
  require_policy_kind(kind);
  return guard_connection("reading the policies", [&] {
    auto conn = pool_.acquire();
    pqxx::read_transaction tx(*conn);
    std::vector<PolicyVersion> out;
    for (const auto& r : tx.exec_params(
             "SELECT " + kPolicyColumns + " FROM system.policies WHERE kind = $1 ORDER BY version",
             kind))
      out.push_back(from_row(r));
    return out;
  });
}

PolicyVersion PgPolicies::insert(const std::string& kind, const std::string& yaml_text,
                                 const std::string& actor, const std::string& role,
                                 bool only_if_none) {
  require_policy_kind(kind);
  const std::string canonical = canonical_of(kind, yaml_text);
  const std::string hash = sha256_hex(canonical);
  return guard_connection("applying a policy", [&] {
    auto conn = pool_.acquire();
    pqxx::work tx(*conn, "policy_apply");
    // Serializes appliers (LOCK TABLE would need UPDATE, which the application role lacks).
    tx.exec("SELECT pg_advisory_xact_lock(hashtextextended('usdcop.system.policies', 0))");
    const auto cur = tx.exec_params("SELECT " + kPolicyColumns +
                                        " FROM system.policies WHERE kind = $1 ORDER BY version "
                                        "DESC LIMIT 1",
                                    kind);
    if (!cur.empty() && (only_if_none || cur[0][2].as<std::string>() == hash)) {
      return from_row(cur[0]);  // unchanged
    }
    const int version = cur.empty() ? 1 : cur[0][1].as<int>() + 1;
    tx.exec_params(
        "INSERT INTO system.policies (kind, version, source_yaml, canonical_json, sha256, "
        "applied_by) VALUES ($1, $2, $3, $4, $5, $6)",
        kind, version, sanitize_utf8(yaml_text), canonical, hash, actor);
    models::AuditEntry e;
    e.actor = actor;
    e.role = role;
    e.action = "policy.apply";
    e.object_type = "policy";
    e.object_id = kind;
    e.from_state = cur.empty() ? "" : "v" + cur[0][1].as<std::string>();
    e.to_state = "v" + std::to_string(version);
    e.details = {{"sha256", hash},
                 {"previous_sha256",
                  cur.empty() ? nlohmann::json() : nlohmann::json(cur[0][2].as<std::string>())}};
    append_audit(tx, e);
    notify(tx, events::Alert{
                   "policy_applied",
                   "info",
                   "policy " + kind + " v" + std::to_string(version) + " applied by " + actor,
                   {{"kind", kind}, {"version", version}, {"sha256", hash}, {"actor", actor}}});
    const auto row = tx.exec_params1(
        "SELECT " + kPolicyColumns + " FROM system.policies WHERE kind = $1 AND version = $2", kind,
        version);
    tx.commit();
    return from_row(row);
  });
}

PolicyVersion PgPolicies::apply(const std::string& kind, const std::string& yaml_text,
                                const identity::Identity& by) {
  if (by.role != models::Role::admin)
    throw Error(ErrorKind::conflict, "role: policy apply needs role admin");
  return insert(kind, yaml_text, by.principal, "admin", false);
}

std::optional<PolicyVersion> PgPolicies::seed(const std::string& kind, const std::string& yaml_text,
                                              const std::string& actor) {
  return insert(kind, yaml_text, actor, "system", true);
}

models::PromotionThresholds active_promotion_thresholds(ConnectionPool& pool,
                                                        nlohmann::json* source) {
  const auto v = PgPolicies(pool).active("promotion");
  if (!v) {
    if (source) *source = {{"source", "seed file config/promotion.yaml (no policy applied)"}};
    return models::load_promotion_thresholds();
  }
  if (source) {
    *source = {{"source", "database"},
               {"version", v->version},
               {"sha256", v->sha256},
               {"applied_by", v->applied_by},
               {"applied_at", v->applied_at}};
  }
  return models::parse_promotion_thresholds(v->source_yaml);
}

}  // namespace usdcop::store
