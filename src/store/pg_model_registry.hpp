#pragma once
// The model registry of spec 05 over ml.model_registry: register a verified run directory,
// list/show, rollback targets and rollback, and the data behind the model card and the
// lineage. Every state change is audited in its own transaction; the production swap is
// serialized by an advisory lock and published with NOTIFY model_changed.
#include <optional>
#include <string>
#include <vector>

#include "models/audit_entry.hpp"
#include "models/model.hpp"
#include "models/model_card.hpp"
#include "models/promotion_rules.hpp"
#include "models/run_directory.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

struct Actor {
  std::string name;
  std::string role;        // viewer | operator | admin | system
  std::string request_id;  // correlation id written to every audit row of the operation
};

// The actor as the pure rules see it (models/promotion_rules.hpp); Error(invalid_input) for an
// unknown role.
models::Principal principal_of(const Actor& actor);

struct RollbackTarget {
  models::ModelRecord model;
  std::optional<models::BacktestSummary> backtest;  // latest out-of-sample test (else any) backtest
  bool current = false;                             // the deployed model (listed first)
  bool recommended = false;                         // the first former production model
};

struct RollbackResult {
  std::string previous_model, new_model;
  double rollback_time_ms = 0;  // from the call to the committed swap
};

class PgModelRegistry {
 public:
  explicit PgModelRegistry(ConnectionPool& pool) : pool_(pool) {}

  // Verifies every artifact (Error(integrity) on a mismatch) and inserts a `registered` model
  // with the next version; the training run is recorded in ml.experiment_runs when absent.
  // Error(conflict) when the run is already registered.
  models::ModelRecord register_run(const std::filesystem::path& run_dir, const Actor& actor);

  std::vector<models::ModelRecord> list(
      const std::optional<models::ModelStatus>& status = std::nullopt);
  models::ModelRecord get(const std::string& model_id);  // Error(not_found)
  std::optional<models::ModelRecord> deployed();
  std::vector<models::BacktestSummary> backtests(const std::string& model_id);  // newest first
  models::BacktestSummary backtest(const std::string& backtest_id);             // Error(not_found)

  // The deployed model, then up to 5 former production models, most recently retired first.
  std::vector<RollbackTarget> rollback_targets();
  // Validates the target (a former production model; artifacts verify; builder major version
  // equal to `running_builder_version`, default: the deployed model's) and swaps in one
  // transaction. Errors: not_found (no production model / no target), invalid_input (not a
  // former production model, incompatible builder, short reason), integrity (artifacts),
  // conflict (a rollback or promotion in progress; a role other than admin or system). The
  // rule is models::plan_rollback, executed under the model-change lock.
  RollbackResult rollback(const std::optional<std::string>& target, const std::string& reason,
                          const Actor& actor,
                          const std::optional<std::string>& running_builder_version = std::nullopt);

  // This model's shadow inferences compared with the production model's, since `since`.
  models::ShadowStats shadow_stats(const std::string& model_id,
                                   const std::optional<Timestamp>& since);
  models::ModelCardData card_data(const std::string& model_id);
  std::vector<models::AuditEntry> history(const std::string& model_id);  // oldest first
  // data range -> builder -> dataset -> run -> model hashes -> backtests -> promotion requests
  // -> deployments -> inferences/trades, as JSON.
  nlohmann::json lineage(const std::string& model_id);

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
