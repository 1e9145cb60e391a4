#include "liquidity/regime_pipeline.hpp"

#include <chrono>

#include "core/error.hpp"

namespace usdcop::liquidity {

RegimeConfig with_catalog_ttls(RegimeConfig config,
                               const std::vector<fstore::FeatureSpec>& catalog) {
  for (auto& f : config.feeds) {
    const auto it = std::find_if(catalog.begin(), catalog.end(), [&](const fstore::FeatureSpec& s) {
      return s.id == f.feature_id;
    });
    if (it == catalog.end())
      throw Error(ErrorKind::not_found, "liquidity feed '" + f.feature_id +
                                            "' is not in the feature catalog; run `usdcop fs "
                                            "catalog apply`");
    f.ttl_ms = it->ttl_ms;
  }
  return config;
}

FeedSeries read_feeds(fstore::FeatureRepository& repo, const RegimeConfig& config,
                      Timestamp until) {
  const Timestamp since = utc_midnight(Date{std::chrono::days{0}});
  auto rows = repo.range(config.feature_ids(), since, until, 10'000'000);
  FeedSeries out;
  for (auto& [id, read] : rows) {
    auto& s = out[id];
    s.reserve(read.points.size());
    for (const auto& p : read.points) s.push_back({p.ts, p.value});
  }
  return out;
}

std::vector<fstore::FeaturePoint> feed_points(const FeedSeries& series, uint64_t seed) {
  std::vector<fstore::FeaturePoint> out;
  for (const auto& [id, obs] : series) {
    for (const auto& o : obs) {
      fstore::FeaturePoint p;
      p.feature_id = id;
      p.ts = o.ts;
      p.value = o.value;
      p.meta = {{"generator", "usdcop liquidity seed"}, {"seed", seed}};
      p.evidence = {{"usdcop/liquidity_seed", "seed=" + std::to_string(seed), o.ts}};
      out.push_back(std::move(p));
    }
  }
  return out;
}

nlohmann::json SeedReport::to_json() const {
  auto j = publish.to_json();
  j["points"] = points;
  if (j["errors"].size() > 20) j["errors"] = nlohmann::json::array();  // counts are enough
  return j;
}

SeedReport publish_seed(fstore::FeatureService& service, const FeedSeries& series, uint64_t seed) {
  const auto points = feed_points(series, seed);
  SeedReport r;
  r.points = static_cast<long>(points.size());
  for (std::size_t start = 0; start < points.size(); start += 1000) {
    const auto end = std::min(points.size(), start + 1000);
    const std::vector<fstore::FeaturePoint> batch(points.begin() + static_cast<long>(start),
                                                  points.begin() + static_cast<long>(end));
    const auto b = service.publish(batch);
    r.publish.accepted += b.accepted;
    r.publish.stored += b.stored;
    r.publish.unchanged += b.unchanged;
    r.publish.rejected += b.rejected;
    for (auto e : b.errors) {
      e.index += start;
      r.publish.errors.push_back(std::move(e));
    }
  }
  return r;
}

std::vector<std::pair<Date, Regime>> state_transitions(const std::vector<RegimeDay>& days) {
  std::vector<std::pair<Date, Regime>> out;
  for (const auto& d : days)
    if (out.empty() || out.back().second != d.state) out.emplace_back(d.date, d.state);
  return out;
}

nlohmann::json ComputeReport::to_json() const {
  nlohmann::json t = nlohmann::json::array(), a = nlohmann::json::array();
  for (const auto& [d, s] : transitions)
    t.push_back({{"date", format_date(d)}, {"state", to_string(s)}});
  for (const auto d : new_alerts) a.push_back(format_date(d));
  return {{"days", days},           {"scored_days", scored_days},
          {"transitions", t},       {"new_alerts", a},
          {"compute_s", compute_s}, {"last", last ? last->to_json() : nlohmann::json(nullptr)}};
}

ComputeReport compute_and_store(fstore::FeatureRepository& repo, RegimeHistory& history,
                                const RegimeConfig& config, Date last_day) {
  const auto cfg = with_catalog_ttls(config, repo.catalog({}));
  const auto series = read_feeds(repo, cfg, utc_midnight(last_day) + std::chrono::days(1));
  const auto t0 = std::chrono::steady_clock::now();
  const auto days = compute_regime(cfg, series, last_day);
  ComputeReport r;
  r.compute_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.days = static_cast<long>(days.size());
  for (const auto& d : days) r.scored_days += d.scored ? 1 : 0;
  r.transitions = state_transitions(days);
  r.new_alerts = history.replace(days).new_alerts;
  if (!days.empty()) r.last = days.back();
  return r;
}

}  // namespace usdcop::liquidity
