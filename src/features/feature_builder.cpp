#include "features/feature_builder.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/calendar.hpp"
#include "core/error.hpp"

namespace usdcop::features {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Wilder smoothing step (spec 02): y + (x - y)/n.
inline double wilder(double y, double x, double n) {
  return y + (x - y) / n;
}

void put(std::string& out, std::string_view key, double v) {
  out += '"';
  out += key;
  out += "\":";
  char buf[32];
  out.append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
  out += ',';
}

}  // namespace

std::array<double, kMarketFeatureCount> FeatureVector::market() const {
  std::array<double, kMarketFeatureCount> m{};
  std::copy_n(values.begin(), kMarketFeatureCount, m.begin());
  return m;
}

std::vector<std::string> FeatureVector::missing() const {
  std::vector<std::string> names;
  for (int i = 0; i < kObservationSize; ++i) {
    if (missing_mask & (1u << i)) names.emplace_back(kFeatureNames[static_cast<std::size_t>(i)]);
  }
  if (missing_mask & kWarmupBit) names.emplace_back("warmup");
  return names;
}

FeatureRow FeatureVector::to_row() const {
  FeatureRow r;
  r.time = time;
  r.market = market();
  r.time_normalized = values[kTimeIndex];
  r.complete = complete;
  r.missing = missing();
  return r;
}

std::optional<Timestamp> FeatureBuilder::last_time() const {
  if (count_ == 0) return std::nullopt;
  return last_time_;
}

inline FeatureBuilder::Moves FeatureBuilder::moves(const market::Bar& bar) const {
  const double c = bar.close, h = bar.high, l = bar.low;
  Moves m;
  if (count_ == 0) {
    m.tr = h - l;
    return m;
  }
  const double pc = closes_[static_cast<std::size_t>((count_ - 1) & (kRing - 1))];
  m.tr = std::max({h - l, std::abs(h - pc), std::abs(l - pc)});
  m.gain = std::max(c - pc, 0.0);
  m.loss = std::max(pc - c, 0.0);
  const double up = h - prev_high_, dn = prev_low_ - l;
  m.plus_dm = (up > dn && up > 0) ? up : 0.0;
  m.minus_dm = (dn > up && dn > 0) ? dn : 0.0;
  return m;
}

inline void FeatureBuilder::smooth(const Moves& m) {
  if (count_ == 0) {  // Wilder averages are seeded with their first input
    avg_gain_ = m.gain;
    avg_loss_ = m.loss;
    atr10_ = m.tr;
    atr14_ = m.tr;
    plus_dm14_ = m.plus_dm;
    minus_dm14_ = m.minus_dm;
    return;
  }
  avg_gain_ = wilder(avg_gain_, m.gain, 9.0);
  avg_loss_ = wilder(avg_loss_, m.loss, 9.0);
  atr10_ = wilder(atr10_, m.tr, 10.0);
  atr14_ = wilder(atr14_, m.tr, 14.0);
  plus_dm14_ = wilder(plus_dm14_, m.plus_dm, 14.0);
  minus_dm14_ = wilder(minus_dm14_, m.minus_dm, 14.0);
}

inline uint32_t FeatureBuilder::oscillators(std::array<double, kObservationSize>& v, double close) {
  if (avg_loss_ == 0.0) {
    v[kRsi9] = avg_gain_ > 0.0 ? 100.0 : 50.0;
  } else {
    v[kRsi9] = 100.0 - 100.0 / (1.0 + avg_gain_ / avg_loss_);
  }
  v[kAtrPct] = atr10_ / close;

  if (atr14_ != 0.0) {
    const double pdi = 100.0 * plus_dm14_ / atr14_;
    const double mdi = 100.0 * minus_dm14_ / atr14_;
    const double sum = pdi + mdi;
    if (sum != 0.0) {
      const double dx = 100.0 * std::abs(pdi - mdi) / sum;
      adx_ = adx_seeded_ ? wilder(adx_, dx, 14.0) : dx;
      adx_seeded_ = true;
    }
  }
  if (adx_seeded_) {
    v[kAdx14] = adx_;
    return 0;
  }
  v[kAdx14] = kNaN;
  return 1u << kAdx14;
}

FeatureVector FeatureBuilder::update(const market::Bar& bar, const MacroSnapshot& macro) {
  if (count_ > 0 && bar.time <= last_time_) {
    throw Error(ErrorKind::invalid_input, "feature builder: bar " + format_rfc3339(bar.time) +
                                              " is not after the last bar " +
                                              format_rfc3339(last_time_));
  }
  FeatureVector out;
  out.time = bar.time;
  auto& v = out.values;
  uint32_t missing = 0;
  const double c = bar.close;
  const int64_t i = count_;

  const Moves m = moves(bar);
  closes_[static_cast<std::size_t>(i & (kRing - 1))] = c;

  // log returns over 1, 12, 48 bars
  constexpr std::array<int, 3> lags = {1, 12, 48};
  for (int k = 0; k < 3; ++k) {
    const int lag = lags[static_cast<std::size_t>(k)];
    if (i >= lag) {
      v[static_cast<std::size_t>(k)] =
          std::log(c / closes_[static_cast<std::size_t>((i - lag) & (kRing - 1))]);
    } else {
      v[static_cast<std::size_t>(k)] = kNaN;
      missing |= 1u << k;
    }
  }

  smooth(m);
  missing |= oscillators(v, c);

  std::copy(macro.values.begin(), macro.values.end(), v.begin() + kFirstMacroSlot);
  missing |= macro.missing_mask << kFirstMacroSlot;

  v[kPositionIndex] = 0.0;
  if (const auto idx = bar_index(bar.time)) {
    v[kTimeIndex] = *idx / 59.0;
  } else {
    v[kTimeIndex] = kNaN;
    missing |= 1u << kTimeIndex;
  }
  if (i < kWarmupBars) missing |= kWarmupBit;

  out.missing_mask = missing;
  out.complete = missing == 0;
  prev_high_ = bar.high;
  prev_low_ = bar.low;
  last_time_ = bar.time;
  ++count_;
  return out;
}

std::string FeatureBuilder::serialize() const {
  std::string out = "{\"format\":\"usdcop-feature-state-v1\",\"builder_version\":\"";
  out += kBuilderVersion;
  out += "\",";
  out += "\"count\":" + std::to_string(count_) + ",";
  out += "\"last_time_us\":" + std::to_string(last_time_.time_since_epoch().count()) + ",";
  put(out, "prev_high", prev_high_);
  put(out, "prev_low", prev_low_);
  put(out, "avg_gain", avg_gain_);
  put(out, "avg_loss", avg_loss_);
  put(out, "atr10", atr10_);
  put(out, "atr14", atr14_);
  put(out, "plus_dm14", plus_dm14_);
  put(out, "minus_dm14", minus_dm14_);
  put(out, "adx", adx_);
  out += "\"adx_seeded\":";
  out += adx_seeded_ ? "true" : "false";
  out += ",\"closes\":[";  // the last min(count, 64) closes, oldest first
  const int64_t n = std::min<int64_t>(count_, kRing);
  for (int64_t k = count_ - n; k < count_; ++k) {
    if (k > count_ - n) out += ',';
    char buf[32];
    out.append(buf, std::to_chars(buf, buf + sizeof(buf),
                                  closes_[static_cast<std::size_t>(k & (kRing - 1))])
                        .ptr);
  }
  out += "]}";
  return out;
}

FeatureBuilder FeatureBuilder::restore(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::invalid_input,
                std::string("feature builder state: not valid JSON: ") + e.what());
  }
  auto field = [&j](const char* key) -> const nlohmann::json& {
    if (!j.is_object() || !j.contains(key)) {
      throw Error(ErrorKind::invalid_input,
                  std::string("feature builder state: field ") + key + " is missing");
    }
    return j.at(key);
  };
  auto number = [&](const char* key) {
    const auto& v = field(key);
    if (!v.is_number())
      throw Error(ErrorKind::invalid_input,
                  std::string("feature builder state: field ") + key + " must be a number");
    return v.get<double>();
  };
  if (field("format") != "usdcop-feature-state-v1") {
    throw Error(ErrorKind::invalid_input, "feature builder state: unknown format");
  }
  if (field("builder_version") != kBuilderVersion) {
    throw Error(ErrorKind::integrity, "feature builder state: made by builder version " +
                                          field("builder_version").dump() + ", this is " +
                                          std::string(kBuilderVersion));
  }
  FeatureBuilder b;
  const auto& count = field("count");
  if (!count.is_number_integer() || count.get<int64_t>() < 0) {
    throw Error(ErrorKind::invalid_input,
                "feature builder state: field count must be an integer >= 0");
  }
  b.count_ = count.get<int64_t>();
  b.last_time_ = Timestamp{std::chrono::microseconds{field("last_time_us").get<int64_t>()}};
  b.prev_high_ = number("prev_high");
  b.prev_low_ = number("prev_low");
  b.avg_gain_ = number("avg_gain");
  b.avg_loss_ = number("avg_loss");
  b.atr10_ = number("atr10");
  b.atr14_ = number("atr14");
  b.plus_dm14_ = number("plus_dm14");
  b.minus_dm14_ = number("minus_dm14");
  b.adx_ = number("adx");
  b.adx_seeded_ = field("adx_seeded").get<bool>();
  const auto& closes = field("closes");
  const int64_t n = std::min<int64_t>(b.count_, kRing);
  if (!closes.is_array() || static_cast<int64_t>(closes.size()) != n) {
    throw Error(ErrorKind::invalid_input,
                "feature builder state: field closes must hold min(count, 64) numbers");
  }
  for (int64_t k = 0; k < n; ++k) {
    b.closes_[static_cast<std::size_t>((b.count_ - n + k) & (kRing - 1))] =
        closes[static_cast<std::size_t>(k)].get<double>();
  }
  return b;
}

std::vector<FeatureVector> build_features(std::span<const market::Bar> bars,
                                          const MacroInputs& macro) {
  std::vector<FeatureVector> out;
  out.reserve(bars.size());
  FeatureBuilder builder;
  MacroCursor cursor(macro);
  for (const auto& bar : bars) out.push_back(builder.update(bar, cursor.at(bar.time)));
  return out;
}

}  // namespace usdcop::features
