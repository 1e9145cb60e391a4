#include "liquidity/regime_engine.hpp"

#include <algorithm>

namespace usdcop::liquidity {

namespace {

using nlohmann::json;

json opt(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

// As-of reader of one feed with a cursor that only moves forward along the grid.
struct FeedCursor {
  const FeedConfig* config = nullptr;
  const std::vector<Observation>* obs = nullptr;
  std::vector<double> values;
  std::size_t next = 0;  // observations [0, next) have ts <= current grid time

  void advance(Timestamp t) {
    while (obs && next < obs->size() && (*obs)[next].ts <= t) ++next;
  }
  bool has_value() const { return next > 0; }
  const Observation& last() const { return (*obs)[next - 1]; }
  bool stale(Timestamp t) const {
    return has_value() && t - last().ts > std::chrono::milliseconds(config->ttl_ms);
  }
  // The as-of value at an earlier time (binary search; used for the "rising" rule).
  std::optional<double> value_at(Timestamp t) const {
    if (!obs) return std::nullopt;
    const auto it = std::upper_bound(obs->begin(), obs->begin() + static_cast<long>(next), t,
                                     [](Timestamp x, const Observation& o) { return x < o.ts; });
    if (it == obs->begin()) return std::nullopt;
    return std::prev(it)->value;
  }
  double sum_since(Timestamp after) const {  // observations with after < ts <= current
    double s = 0;
    for (std::size_t i = next; i > 0 && (*obs)[i - 1].ts > after; --i) s += (*obs)[i - 1].value;
    return s;
  }
  bool any_since(Timestamp after) const { return obs && next > 0 && (*obs)[next - 1].ts > after; }
};

FeedReading read_feed(const FeedCursor& c, Timestamp t, const RegimeConfig& cfg) {
  FeedReading r;
  r.feature_id = c.config->feature_id;
  r.component = c.config->component;
  if (!c.has_value()) return r;
  r.raw = c.last().value;
  r.ts = c.last().ts;
  r.stale = c.stale(t);
  const auto n = static_cast<std::size_t>(cfg.window);
  if (!r.stale && c.next >= n)
    r.z = trailing_zscore(std::span<const double>(c.values.data() + (c.next - n), n), n, cfg.clip);
  return r;
}

CandidateInputs candidate_inputs(const std::map<std::string, FeedCursor*>& by_id,
                                 const RegimeConfig& cfg, Timestamp t, double smoothed) {
  CandidateInputs in;
  in.smoothed = smoothed;
  const auto fresh = [&](const std::string& id) -> const FeedCursor* {
    const auto it = by_id.find(id);
    if (it == by_id.end() || !it->second->has_value() || it->second->stale(t)) return nullptr;
    return it->second;
  };
  const auto* btc = fresh(cfg.rules.etf_btc);
  const auto* eth = fresh(cfg.rules.etf_eth);
  if (btc || eth) in.etf_flow_today = (btc ? btc->last().value : 0) + (eth ? eth->last().value : 0);
  if (const auto* y = fresh(cfg.rules.stables_yoy)) in.stables_yoy = y->last().value;
  const auto lag = t - std::chrono::days(cfg.rising_lag_days);
  const auto rising = [&](const std::string& id) {
    const auto* c = fresh(id);
    if (!c) return false;
    const auto before = c->value_at(lag);
    return before && c->last().value > *before;
  };
  in.rrp_rising = rising(cfg.rules.rrp);
  in.tga_rising = rising(cfg.rules.tga);
  const auto after = t - std::chrono::days(cfg.flow_sum_days);
  double sum = 0;
  bool any = false;
  for (const auto& id : {cfg.rules.etf_btc, cfg.rules.etf_eth}) {
    const auto it = by_id.find(id);
    if (it == by_id.end() || !it->second->any_since(after)) continue;
    sum += it->second->sum_since(after);
    any = true;
  }
  if (any) in.etf_flow_5d_sum = sum;
  return in;
}

}  // namespace

std::vector<RegimeDay> compute_regime(const RegimeConfig& cfg, const FeedSeries& series,
                                      Date last) {
  std::vector<FeedCursor> cursors(cfg.feeds.size());
  std::map<std::string, FeedCursor*> by_id;
  std::optional<Date> first;
  for (std::size_t i = 0; i < cfg.feeds.size(); ++i) {
    cursors[i].config = &cfg.feeds[i];
    const auto it = series.find(cfg.feeds[i].feature_id);
    if (it != series.end() && !it->second.empty()) {
      cursors[i].obs = &it->second;
      for (const auto& o : it->second) cursors[i].values.push_back(o.value);
      const Date d = std::chrono::ceil<std::chrono::days>(it->second.front().ts);
      if (!first || d < *first) first = d;
    }
    by_id[cfg.feeds[i].feature_id] = &cursors[i];
  }
  std::vector<RegimeDay> out;
  if (!first) return out;
  Confirmation conf;
  std::optional<double> smoothed;
  for (Date d = *first; d <= last; d += std::chrono::days(1)) {
    const Timestamp t = utc_midnight(d);
    RegimeDay day;
    day.date = d;
    std::array<std::vector<WeightedZ>, 3> parts;
    std::array<bool, 3> stale_component{false, false, false};
    for (auto& c : cursors) {
      c.advance(t);
      auto r = read_feed(c, t, cfg);
      const auto k = static_cast<std::size_t>(r.component);
      parts[k].push_back({c.config->weight, r.z});
      if (r.stale) {
        stale_component[k] = true;
        day.stale_feeds.push_back(r.feature_id);
      }
      day.feeds.push_back(std::move(r));
    }
    for (std::size_t k = 0; k < 3; ++k) day.components[k] = component_score(parts[k]);
    day.raw = raw_score(day.components, cfg.component_weights);
    if (!day.raw) {
      if (!conf.started) continue;  // nothing scored yet: no row
      const auto& prev = out.back();
      day.smoothed = prev.smoothed;
      day.score_0_100 = prev.score_0_100;
      day.candidate = prev.candidate;
      day.candidate_since = prev.candidate_since;
      day.state = prev.state;
      day.coherence = prev.coherence;
      day.confidence = prev.confidence;
      out.push_back(std::move(day));
      continue;
    }
    day.scored = true;
    smoothed = ema_step(smoothed, *day.raw, cfg.alpha);
    day.smoothed = *smoothed;
    day.score_0_100 = score_0_100(*smoothed);
    const auto candidate = candidate_regime(candidate_inputs(by_id, cfg, t, *smoothed),
                                            cfg.green_threshold, cfg.red_threshold);
    const auto step = confirm(conf, candidate, t, std::chrono::hours(cfg.confirmation_hours));
    conf = step.next;
    day.flip_alert = step.flip_alert;
    day.candidate = conf.candidate;
    day.candidate_since = std::chrono::floor<std::chrono::days>(conf.candidate_since);
    day.state = conf.published;
    day.coherence = coherence(day.components, *smoothed);
    const int stale_n =
        static_cast<int>(std::count(stale_component.begin(), stale_component.end(), true));
    day.confidence = confidence(day.coherence, stale_n, cfg.stale_confidence_factor);
    out.push_back(std::move(day));
  }
  return out;
}

json RegimeDay::feeds_json() const {
  json arr = json::array();
  for (const auto& f : feeds)
    arr.push_back({{"feature_id", f.feature_id},
                   {"component", to_string(f.component)},
                   {"raw", opt(f.raw)},
                   {"ts", f.ts ? json(format_rfc3339(*f.ts)) : json(nullptr)},
                   {"z", opt(f.z)},
                   {"stale", f.stale}});
  return arr;
}

std::vector<FeedReading> RegimeDay::feeds_from_json(const json& j) {
  std::vector<FeedReading> out;
  for (const auto& f : j) {
    FeedReading r;
    r.feature_id = f.value("feature_id", "");
    const auto comp = f.value("component", "gl");
    r.component = comp == "cn" ? Component::cn : comp == "mp" ? Component::mp : Component::gl;
    if (f.contains("raw") && f["raw"].is_number()) r.raw = f["raw"].get<double>();
    if (f.contains("ts") && f["ts"].is_string()) r.ts = parse_timestamp(f["ts"].get<std::string>());
    if (f.contains("z") && f["z"].is_number()) r.z = f["z"].get<double>();
    r.stale = f.value("stale", false);
    out.push_back(std::move(r));
  }
  return out;
}

json RegimeDay::to_json() const {
  return {{"date", format_date(date)},
          {"scored", scored},
          {"state", to_string(state)},
          {"candidate", to_string(candidate)},
          {"candidate_since", format_date(candidate_since)},
          {"components",
           {{"gl", opt(components[0])}, {"cn", opt(components[1])}, {"mp", opt(components[2])}}},
          {"raw_score", opt(raw)},
          {"score", smoothed},
          {"score_0_100", score_0_100},
          {"coherence", coherence},
          {"confidence", confidence},
          {"flip_alert", flip_alert},
          {"stale_feeds", stale_feeds},
          {"feeds", feeds_json()}};
}

}  // namespace usdcop::liquidity
