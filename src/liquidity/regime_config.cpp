#include "liquidity/regime_config.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "core/error.hpp"

namespace usdcop::liquidity {

const char* to_string(Component c) {
  switch (c) {
    case Component::gl:
      return "gl";
    case Component::cn:
      return "cn";
    case Component::mp:
      return "mp";
  }
  return "gl";
}

RegimeConfig RegimeConfig::defaults() {
  RegimeConfig c;
  c.feeds = {{"macro/us/walcl_total_usd", Component::gl, 1, 0},
             {"macro/us/tga_balance_usd", Component::gl, -1, 0},
             {"macro/us/rrp_total_usd", Component::gl, -1, 0},
             {"crypto/etf/btc_net_flow_usd", Component::cn, 1, 0},
             {"crypto/etf/eth_net_flow_usd", Component::cn, 1, 0},
             {"crypto/stables/mcap_total_usd_yoy", Component::cn, 1, 0},
             {"cex/agg/spot_depth_2pct_usd", Component::mp, 1, 0},
             {"cex/agg/perp_oi_usd", Component::mp, 0.5, 0},
             {"dex/agg/active_liquidity_usd", Component::mp, 1, 0}};
  c.rules = {"crypto/etf/btc_net_flow_usd", "crypto/etf/eth_net_flow_usd",
             "crypto/stables/mcap_total_usd_yoy", "macro/us/rrp_total_usd",
             "macro/us/tga_balance_usd"};
  return c;
}

namespace {

[[noreturn]] void bad(const std::string& where, const std::string& field, const std::string& why) {
  throw Error(ErrorKind::invalid_input, where + ": field '" + field + "' " + why);
}

template <class T>
void read(const nlohmann::json& j, const char* key, T& out, const std::string& where) {
  if (!j.contains(key)) return;
  try {
    out = j[key].get<T>();
  } catch (const nlohmann::json::exception&) {
    bad(where, key, "has the wrong type");
  }
}

Component parse_component(const std::string& s, const std::string& where) {
  if (s == "gl") return Component::gl;
  if (s == "cn") return Component::cn;
  if (s == "mp") return Component::mp;
  bad(where, "component", "must be gl|cn|mp, got '" + s + "'");
}

}  // namespace

RegimeConfig RegimeConfig::load_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw Error(ErrorKind::not_found, "liquidity config " + path.string() + " cannot be read");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::invalid_input, path.string() + " is not JSON: " + e.what());
  }
  const std::string where = path.filename().string();
  RegimeConfig c = defaults();
  read(j, "window", c.window, where);
  read(j, "clip", c.clip, where);
  read(j, "alpha", c.alpha, where);
  read(j, "green_threshold", c.green_threshold, where);
  read(j, "red_threshold", c.red_threshold, where);
  read(j, "confirmation_hours", c.confirmation_hours, where);
  read(j, "stale_confidence_factor", c.stale_confidence_factor, where);
  read(j, "rising_lag_days", c.rising_lag_days, where);
  read(j, "flow_sum_days", c.flow_sum_days, where);
  if (j.contains("component_weights")) {
    const auto& w = j["component_weights"];
    read(w, "gl", c.component_weights[0], where + " component_weights");
    read(w, "cn", c.component_weights[1], where + " component_weights");
    read(w, "mp", c.component_weights[2], where + " component_weights");
  }
  if (c.window < 2) bad(where, "window", "must be >= 2");
  if (!(c.alpha > 0 && c.alpha <= 1)) bad(where, "alpha", "must be in (0, 1]");
  if (!(c.red_threshold < c.green_threshold))
    bad(where, "red_threshold", "must be below green_threshold");
  if (c.confirmation_hours < 0) bad(where, "confirmation_hours", "must be >= 0");
  if (j.contains("feeds")) {
    c.feeds.clear();
    for (size_t i = 0; i < j["feeds"].size(); ++i) {
      const auto& f = j["feeds"][i];
      const auto fw = where + " feeds[" + std::to_string(i) + "]";
      FeedConfig fc;
      read(f, "feature_id", fc.feature_id, fw);
      if (fc.feature_id.empty()) bad(fw, "feature_id", "is required");
      std::string comp;
      read(f, "component", comp, fw);
      fc.component = parse_component(comp, fw);
      read(f, "weight", fc.weight, fw);
      if (fc.weight == 0) bad(fw, "weight", "must not be 0");
      c.feeds.push_back(fc);
    }
  }
  if (j.contains("rules")) {
    const auto& r = j["rules"];
    read(r, "etf_btc", c.rules.etf_btc, where + " rules");
    read(r, "etf_eth", c.rules.etf_eth, where + " rules");
    read(r, "stables_yoy", c.rules.stables_yoy, where + " rules");
    read(r, "rrp", c.rules.rrp, where + " rules");
    read(r, "tga", c.rules.tga, where + " rules");
  }
  return c;
}

std::filesystem::path RegimeConfig::default_path() {
  return config_dir() / "liquidity.feeds.json";
}

std::vector<std::string> RegimeConfig::feature_ids() const {
  std::vector<std::string> out;
  for (const auto& f : feeds) out.push_back(f.feature_id);
  return out;
}

}  // namespace usdcop::liquidity
