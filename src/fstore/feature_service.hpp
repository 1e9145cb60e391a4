#pragma once
// The feature store as a library: catalog, publish, latest, query and quality, with the rules of
// spec 10. The CLI calls it today and the /api/features/v1 endpoints will be thin wrappers
// (docs/FEATURE_STORE.md has the contract): each method takes a typed request or the JSON body
// and returns a typed result with to_json().
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fstore/feature_catalog.hpp"
#include "fstore/feature_query.hpp"
#include "fstore/feature_repository.hpp"
#include "fstore/storage_breaker.hpp"

namespace usdcop::fstore {

struct FeatureServiceOptions {
  std::chrono::milliseconds future_tolerance = std::chrono::minutes(5);
  int retention_days = 90;  // points older than this are refused (they would be dropped)
  std::chrono::seconds catalog_refresh = std::chrono::seconds(5);
  std::chrono::days default_query_span{30};
  std::chrono::days quality_failure_window{7};  // ingest failure rate over these days
  StorageBreakerOptions breaker;
};

class FeatureService {
 public:
  // The clock must outlive the service (spec 12: the process's one clock).
  FeatureService(FeatureRepository& repo, const Clock& clock, FeatureServiceOptions options = {});

  std::vector<FeatureSpec> catalog(const CatalogFilter& filter);
  PublishResult publish(const std::vector<FeaturePoint>& points);
  // A POST /publish body (a JSON array): unreadable elements are per-index errors too.
  PublishResult publish_json(const nlohmann::json& body);
  // Throws Error(not_found) for a feature that is not in the catalog.
  LatestResult latest(const std::string& feature_id);
  // Throws Error(not_found) naming the first unknown feature, Error(invalid_input) for a bad
  // range.
  QueryResult query(const QueryRequest& request);

  const FeatureServiceOptions& options() const { return options_; }
  const StorageBreaker& breaker() const { return breaker_; }
  Timestamp now() const { return clock_.now(); }

 private:
  PublishResult publish_screened(const std::vector<FeaturePoint>& points,
                                 std::vector<RejectedInput> parse_rejects,
                                 const std::vector<std::size_t>& original_index);
  std::shared_ptr<const FeatureCatalog> fresh_catalog(bool force = false);
  FeatureSpec require_spec(const std::string& feature_id);
  // Every repository call goes through the breaker; only Error(unavailable) counts as a
  // storage failure.
  template <class F>
  auto storage(F&& call) -> decltype(call());

  FeatureRepository& repo_;
  const Clock& clock_;
  FeatureServiceOptions options_;
  std::mutex catalog_mutex_;
  std::shared_ptr<const FeatureCatalog> catalog_;
  StorageBreaker breaker_;
  std::chrono::steady_clock::time_point catalog_loaded_{};
};

}  // namespace usdcop::fstore
