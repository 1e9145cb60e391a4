#include "app/drift.hpp"

#include <algorithm>

#include "app/model_source.hpp"
#include "app/services.hpp"
#include "core/error.hpp"
#include "monitor/drift_metrics.hpp"
#include "store/pg_backtest_store.hpp"
#include "store/pg_feature_store.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::app {

nlohmann::json to_json(const DriftReport& d) {
  nlohmann::json scores = nlohmann::json::object();
  for (const auto& f : d.features) scores[f.feature] = f.psi;
  return {{"model_id", d.model_id},
          {"model_version", d.model_version},
          {"norm_stats_hash", d.norm_stats_hash},
          {"psi_scores", scores},
          {"threshold", d.threshold},
          {"drifted", d.drifted()},
          {"max_psi", d.max_psi()},
          {"window",
           {{"from", format_rfc3339(d.window_from)},
            {"to", format_rfc3339(d.window_to)},
            {"bars", d.window_bars},
            {"requested_bars", d.requested_bars}}},
          {"computed_at", format_rfc3339(d.computed_at)}};
}

std::vector<std::string> DriftReport::drifted() const {
  std::vector<std::string> out;
  for (const auto& f : features)
    if (f.drifted) out.push_back(f.feature);
  return out;
}

double DriftReport::max_psi() const {
  double m = 0;
  for (const auto& f : features) m = std::max(m, f.psi);
  return m;
}

DriftReport compute_drift(Services& services, const DriftRequest& request) {
  if (request.window_bars < 10 || request.window_bars > 10000)
    throw Error(ErrorKind::invalid_input, "window: between 10 and 10000 bars", "window");
  const auto deployed = services.registry().deployed();
  if (!deployed)
    throw Error(ErrorKind::not_found, "no production model: drift compares the deployed model");
  // Verifies every artifact hash and actor.bin against the registry before trusting the bins.
  const ModelSource model = resolve_model(deployed->model_id, &services.backtests());
  store::PgDriftHistory history(services.pool());
  const auto window = history.newest_complete_rows(request.window_bars);
  if (!window)
    throw Error(ErrorKind::conflict, "no complete feature rows yet to compare with the reference");
  const auto rows =
      services.feature_rows().load(window->first, window->last + std::chrono::microseconds(1));
  std::vector<std::array<double, features::kMarketFeatureCount>> market;
  for (const auto& r : rows)
    if (r.complete) market.push_back(r.market);

  DriftReport report;
  report.model_id = model.model_id;
  report.model_version = model.model_version;
  report.norm_stats_hash = model.bundle.run.norm_stats_hash;
  report.features = features::market_feature_drift(model.bundle.norm_stats, market);
  report.requested_bars = request.window_bars;
  report.window_bars = static_cast<int>(market.size());
  report.window_from = window->first;
  report.window_to = window->last;
  report.computed_at = services.clock().now();
  return report;
}

DriftReport record_drift(Services& services, const DriftRequest& request) {
  auto report = compute_drift(services, request);
  std::vector<store::DriftHistoryRow> rows;
  for (const auto& f : report.features) {
    rows.push_back({report.computed_at, report.model_id, report.norm_stats_hash, f.feature, f.psi,
                    report.threshold, f.drifted, report.window_from, report.window_to,
                    report.window_bars});
  }
  store::PgDriftHistory(services.pool()).record(rows);
  for (const auto& f : report.features) monitor::set_feature_psi(f.feature, f.psi);
  return report;
}

std::optional<DriftReport> DriftJob::tick(Services& services, bool leader,
                                          const DriftRequest& request) {
  if (!leader) return std::nullopt;
  const auto now = services.clock().now();
  if (last_run_ && now - *last_run_ < period_) return std::nullopt;
  last_run_ = now;
  try {
    auto report = record_drift(services, request);
    last_error_.clear();
    return report;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::internal || e.kind() == ErrorKind::unavailable) throw;
    last_error_ = e.what();
    return std::nullopt;
  }
}

std::vector<store::DriftHistoryRow> drift_history(Services& services,
                                                  const DriftHistoryRequest& request) {
  if (!request.feature.empty()) {
    const int i = features::feature_index(request.feature);
    if (i < 0 || i >= features::kMarketFeatureCount)
      throw Error(ErrorKind::invalid_input,
                  "feature: '" + request.feature + "' is not a market feature", "feature");
  }
  return store::PgDriftHistory(services.pool())
      .list(request.feature, request.from, request.to, request.limit);
}

}  // namespace usdcop::app
