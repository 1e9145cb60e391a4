#include "features/norm_stats.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/canonical_json.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"

namespace usdcop::features {
namespace {

// Type-7 (linear interpolation) quantile of sorted values, as numpy's default.
double quantile_sorted(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const double frac = pos - static_cast<double>(lo);
  if (lo + 1 >= sorted.size() || frac == 0.0) return sorted[lo];
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

void append_number(std::string& out, double v, std::string_view field) {
  if (!std::isfinite(v)) {
    std::string msg = "norm_stats: ";
    msg += field;
    msg += " is not a finite number";
    throw Error(ErrorKind::invalid_input, msg);
  }
  append_canonical_number(out, v);  // writes -0.0 as 0.0
}

void append_string(std::string& out, std::string_view s) {
  append_canonical_string(out, s);
}

template <std::size_t N>
void append_array(std::string& out, const std::array<double, N>& values, std::string_view field) {
  out += '[';
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += ',';
    append_number(out, values[i], field);
  }
  out += ']';
}

// Market names sorted by bytes, with their contract index: the canonical key order.
std::vector<std::pair<std::string_view, int>> sorted_market_names() {
  std::vector<std::pair<std::string_view, int>> names;
  for (int i = 0; i < kMarketFeatureCount; ++i) {
    names.emplace_back(kFeatureNames[static_cast<std::size_t>(i)], i);
  }
  std::sort(names.begin(), names.end());
  return names;
}

[[noreturn]] void bad_field(const std::string& field, const std::string& why) {
  std::string msg = "norm_stats.json: field ";
  msg += field;
  msg += ": ";
  msg += why;
  throw Error(ErrorKind::invalid_input, msg);
}

const nlohmann::json& member(const nlohmann::json& obj, const std::string& key,
                             const std::string& path) {
  if (!obj.is_object()) bad_field(path, "must be an object");
  const auto it = obj.find(key);
  if (it == obj.end()) bad_field(path.empty() ? key : path + "." + key, "is missing");
  return *it;
}

double number_of(const nlohmann::json& v, const std::string& path) {
  if (!v.is_number()) bad_field(path, "must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) bad_field(path, "must be finite");
  return d;
}

std::string string_of(const nlohmann::json& v, const std::string& path) {
  if (!v.is_string()) bad_field(path, "must be a string");
  return v.get<std::string>();
}

Date date_of(const nlohmann::json& v, const std::string& path) {
  const auto d = parse_date(string_of(v, path));
  if (!d) bad_field(path, "must be a date YYYY-MM-DD");
  return *d;
}

template <std::size_t N>
std::array<double, N> numbers_of(const nlohmann::json& v, const std::string& path) {
  if (!v.is_array() || v.size() != N) {
    bad_field(path, "must be an array of " + std::to_string(N) + " numbers");
  }
  std::array<double, N> out{};
  for (std::size_t i = 0; i < N; ++i)
    out[i] = number_of(v[i], path + "[" + std::to_string(i) + "]");
  return out;
}

}  // namespace

NormStats compute_norm_stats(std::span<const FeatureRow> rows, Date train_start, Date train_end) {
  std::vector<std::array<double, kMarketFeatureCount>> market;
  market.reserve(rows.size());
  for (const auto& r : rows) {
    if (r.complete) market.push_back(r.market);
  }
  return compute_norm_stats(market, train_start, train_end);
}

NormStats compute_norm_stats(std::span<const std::array<double, kMarketFeatureCount>> rows,
                             Date train_start, Date train_end) {
  if (rows.empty()) {
    throw Error(ErrorKind::invalid_input,
                "norm_stats: no complete feature rows in the training split");
  }
  NormStats out;
  out.feature_order_hash = feature_order_hash();
  out.train_start = train_start;
  out.train_end = train_end;
  const double n = static_cast<double>(rows.size());
  std::vector<double> column(rows.size());
  for (int f = 0; f < kMarketFeatureCount; ++f) {
    double sum = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      column[i] = rows[i][static_cast<std::size_t>(f)];
      if (!std::isfinite(column[i])) {
        throw Error(ErrorKind::invalid_input,
                    std::string("norm_stats: non-finite value of ") +
                        std::string(kFeatureNames[static_cast<std::size_t>(f)]) +
                        " in a complete row");
      }
      sum += column[i];
    }
    const double mean = sum / n;
    double ss = 0;  // two-pass: numerically careful
    for (const double x : column) ss += (x - mean) * (x - mean);
    auto& st = out.stats[static_cast<std::size_t>(f)];
    st.mean = mean;
    st.std = std::sqrt(ss / n);

    std::sort(column.begin(), column.end());
    auto& psi = out.psi[static_cast<std::size_t>(f)];
    for (int k = 0; k < kPsiEdges; ++k) {
      psi.edges[static_cast<std::size_t>(k)] = quantile_sorted(column, (k + 1) / 10.0);
    }
    std::array<long, kPsiBins> counts{};
    for (const double x : column) ++counts[static_cast<std::size_t>(psi_bin(psi, x))];
    for (int k = 0; k < kPsiBins; ++k) {
      psi.proportions[static_cast<std::size_t>(k)] =
          static_cast<double>(counts[static_cast<std::size_t>(k)]) / n;
    }
  }
  return out;
}

int psi_bin(const PsiReference& ref, double x) {
  return static_cast<int>(std::lower_bound(ref.edges.begin(), ref.edges.end(), x) -
                          ref.edges.begin());
}

std::string to_canonical_json(const NormStats& s) {
  const auto names = sorted_market_names();
  std::string out;
  out.reserve(8192);
  // Top-level keys in byte order: builder_version, clip, feature_order_hash, psi_reference,
  // stats, train_end, train_start.
  out += "{\"builder_version\":";
  append_string(out, s.builder_version);
  out += ",\"clip\":";
  append_number(out, s.clip, "clip");
  out += ",\"feature_order_hash\":";
  append_string(out, s.feature_order_hash);
  out += ",\"psi_reference\":{";
  for (std::size_t j = 0; j < names.size(); ++j) {
    const auto& ref = s.psi[static_cast<std::size_t>(names[j].second)];
    if (j > 0) out += ',';
    append_string(out, names[j].first);
    out += ":{\"edges\":";
    append_array(out, ref.edges, "psi_reference.edges");
    out += ",\"proportions\":";
    append_array(out, ref.proportions, "psi_reference.proportions");
    out += '}';
  }
  out += "},\"stats\":{";
  for (std::size_t j = 0; j < names.size(); ++j) {
    const auto& st = s.stats[static_cast<std::size_t>(names[j].second)];
    if (j > 0) out += ',';
    append_string(out, names[j].first);
    out += ":{\"mean\":";
    append_number(out, st.mean, "stats.mean");
    out += ",\"std\":";
    append_number(out, st.std, "stats.std");
    out += '}';
  }
  out += "},\"train_end\":";
  append_string(out, format_date(s.train_end));
  out += ",\"train_start\":";
  append_string(out, format_date(s.train_start));
  out += '}';
  return out;
}

NormStats parse_norm_stats(const std::string& json) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::invalid_input,
                std::string("norm_stats.json: not valid JSON: ") + e.what());
  }
  if (!j.is_object()) bad_field("(root)", "must be an object");
  NormStats s;
  s.builder_version = string_of(member(j, "builder_version", ""), "builder_version");
  s.feature_order_hash = string_of(member(j, "feature_order_hash", ""), "feature_order_hash");
  s.clip = number_of(member(j, "clip", ""), "clip");
  if (!(s.clip > 0)) bad_field("clip", "must be > 0");
  s.train_start = date_of(member(j, "train_start", ""), "train_start");
  s.train_end = date_of(member(j, "train_end", ""), "train_end");
  const auto& stats = member(j, "stats", "");
  const auto& psi = member(j, "psi_reference", "");
  for (int f = 0; f < kMarketFeatureCount; ++f) {
    const std::string name{kFeatureNames[static_cast<std::size_t>(f)]};
    const std::string sp = "stats." + name;
    const auto& st = member(stats, name, "stats");
    auto& out = s.stats[static_cast<std::size_t>(f)];
    out.mean = number_of(member(st, "mean", sp), sp + ".mean");
    out.std = number_of(member(st, "std", sp), sp + ".std");
    if (out.std < 0) bad_field(sp + ".std", "must be >= 0");
    const std::string pp = "psi_reference." + name;
    const auto& ref = member(psi, name, "psi_reference");
    s.psi[static_cast<std::size_t>(f)].edges =
        numbers_of<kPsiEdges>(member(ref, "edges", pp), pp + ".edges");
    s.psi[static_cast<std::size_t>(f)].proportions =
        numbers_of<kPsiBins>(member(ref, "proportions", pp), pp + ".proportions");
  }
  return s;
}

std::string format_canonical_number(double v) {
  std::string out;
  append_number(out, v, "number");
  return out;
}

std::string norm_stats_hash(const NormStats& stats) {
  return sha256_hex(to_canonical_json(stats));
}

void check_compatible(const NormStats& stats) {
  if (stats.builder_version != kBuilderVersion) {
    throw Error(ErrorKind::integrity, "norm_stats.json: builder_version " + stats.builder_version +
                                          " differs from this builder (" +
                                          std::string(kBuilderVersion) + ")");
  }
  if (stats.feature_order_hash != feature_order_hash()) {
    throw Error(ErrorKind::integrity,
                "norm_stats.json: feature_order_hash differs from contract CTR-FEAT-001");
  }
}

std::array<float, kObservationSize> normalize_observation(
    const NormStats& stats, const std::array<double, kMarketFeatureCount>& market, int position,
    double time_normalized) {
  std::array<float, kObservationSize> obs{};
  for (std::size_t i = 0; i < kMarketFeatureCount; ++i) {
    const auto& st = stats.stats[i];
    double z;
    if (std::isnan(market[i])) {
      z = market[i];
    } else if (st.std == 0.0) {
      z = 0.0;
    } else {
      z = std::clamp((market[i] - st.mean) / st.std, -stats.clip, stats.clip);
    }
    obs[i] = static_cast<float>(z);
  }
  obs[kPositionIndex] = static_cast<float>(position);
  obs[kTimeIndex] = static_cast<float>(time_normalized);
  return obs;
}

}  // namespace usdcop::features
