#include "learn/experiment_config.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <type_traits>

#include "core/calendar.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "learn/experiment_keys.hpp"
#include "trading/trading_config.hpp"

namespace usdcop::learn {
namespace {

Error bad(const std::string& where, std::string_view path, const std::string& problem) {
  return Error(ErrorKind::invalid_input, where + ": " + std::string(path) + ": " + problem);
}

const ExperimentKey* find_key(std::string_view path) {
  for (const auto& k : experiment_keys())
    if (k.path == path) return &k;
  return nullptr;
}

// "dataset", "environment", "environment.thresholds", "ppo": a prefix of some key.
bool is_section(std::string_view path) {
  if (path == "dataset") return true;
  for (const auto& k : experiment_keys())
    if (k.path.size() > path.size() && k.path.starts_with(path) && k.path[path.size()] == '.')
      return true;
  return false;
}

std::string node_kind(const YAML::Node& n) {
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  if (n.IsNull()) return "nothing";
  // Built piecewise: GCC 12 at -O3 reports a false -Wrestrict on "'" + std::string(..).
  std::string out = "'";
  out.append(n.Scalar().substr(0, 40));
  out += '\'';
  return out;
}

std::string key_name(const YAML::Node& k) {
  return k.IsScalar() ? k.Scalar() : std::string("<") + node_kind(k) + ">";
}

// Refuses keys that are not in the table, naming the closest valid one.
void check_known_keys(const YAML::Node& map, const std::string& prefix, const std::string& where) {
  for (const auto& item : map) {
    const std::string name = key_name(item.first);
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    if (path == "experiment" || path == "dataset.splits" || find_key(path)) continue;
    if (is_section(path)) {
      if (!item.second.IsMap())
        throw bad(where, path, "expected a mapping of keys, got " + node_kind(item.second));
      check_known_keys(item.second, path, where);
      continue;
    }
    throw Error(ErrorKind::invalid_input,
                where + ": unknown key '" + path + "' (did you mean '" + closest_key(path) + "'?)");
  }
}

// Never assigns a Node (yaml-cpp's operator= writes through to the referenced node): reset().
YAML::Node lookup(const YAML::Node& root, std::string_view path) {
  YAML::Node node;
  node.reset(root);
  while (!path.empty()) {
    const auto dot = path.find('.');
    const std::string part(path.substr(0, dot));
    const YAML::Node& current = node;  // const access never inserts
    if (!current.IsMap() || !current[part]) return YAML::Node(YAML::NodeType::Undefined);
    node.reset(current[part]);
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return node;
}

bool in_range(const ExperimentKey& k, double v) {
  return (k.min_open ? v > k.min : v >= k.min) && v <= k.max;
}

double number_of(const ExperimentKey& k, const YAML::Node& v, const std::string& where) {
  const std::string expected = describe_range(k);
  if (!v.IsScalar()) throw bad(where, k.path, "expected " + expected + ", got " + node_kind(v));
  double x = 0;
  if (k.type == KeyType::integer) {
    std::int64_t i = 0;
    if (!YAML::convert<std::int64_t>::decode(v, i))
      throw bad(where, k.path, "expected " + expected + ", got " + node_kind(v));
    x = static_cast<double>(i);
  } else if (!YAML::convert<double>::decode(v, x)) {
    throw bad(where, k.path, "expected " + expected + ", got " + node_kind(v));
  }
  if (!std::isfinite(x) || !in_range(k, x))
    throw bad(where, k.path, "must be " + expected + ", got " + v.Scalar());
  return x;
}

// Parses, checks and stores one value.
void assign(const ExperimentKey& k, const YAML::Node& v, ExperimentConfig& c,
            const std::string& where) {
  const ExperimentField field = k.field(c);
  switch (k.type) {
    case KeyType::integer: {
      const double x = number_of(k, v, where);
      if (auto* p = std::get_if<int*>(&field)) **p = static_cast<int>(x);
      if (auto* p = std::get_if<std::int64_t*>(&field)) **p = static_cast<std::int64_t>(x);
      if (auto* p = std::get_if<std::uint64_t*>(&field)) **p = static_cast<std::uint64_t>(x);
      return;
    }
    case KeyType::real:
      *std::get<double*>(field) = number_of(k, v, where);
      return;
    case KeyType::boolean: {
      bool b = false;
      if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b))
        throw bad(where, k.path, "expected true or false, got " + node_kind(v));
      *std::get<bool*>(field) = b;
      return;
    }
    case KeyType::choice: {
      const std::string text = v.IsScalar() ? v.Scalar() : std::string();
      const std::string choices = "|" + std::string(k.choices) + "|";
      if (!v.IsScalar() || text.empty() || choices.find("|" + text + "|") == std::string::npos)
        throw bad(where, k.path, "must be " + describe_range(k) + ", got " + node_kind(v));
      if (auto* p = std::get_if<PpoBackendKind*>(&field))
        **p = text == "native" ? PpoBackendKind::native : PpoBackendKind::libtorch;
      else
        *std::get<std::string*>(field) = text;
      return;
    }
    case KeyType::int_list: {
      if (!v.IsSequence() || v.size() < 1 || v.size() > 8)
        throw bad(where, k.path, "must be " + describe_range(k) + ", got " + node_kind(v));
      std::vector<int> out;
      for (const auto& e : v) {
        std::int64_t i = 0;
        if (!e.IsScalar() || !YAML::convert<std::int64_t>::decode(e, i) ||
            !in_range(k, static_cast<double>(i)))
          throw bad(where, k.path, "must be " + describe_range(k) + ", got " + node_kind(e));
        out.push_back(static_cast<int>(i));
      }
      *std::get<std::vector<int>*>(field) = out;
      return;
    }
  }
}

Date date_field(const YAML::Node& node, const std::string& key, const std::string& where) {
  const YAML::Node v = node[key];
  if (!v || !v.IsScalar()) throw bad(where, key, "a date YYYY-MM-DD is required");
  return parse_date_or_throw(v.Scalar(), where + "." + key);
}

std::string split_text(const YAML::Node& s, const std::string& key, const std::string& where) {
  const YAML::Node v = s[key];
  if (!v || !v.IsScalar() || v.Scalar().empty()) throw bad(where, key, "a name is required");
  return v.Scalar();
}

void read_splits(const YAML::Node& root, ExperimentConfig& c, const std::string& where) {
  const YAML::Node ds = root["dataset"];
  const YAML::Node splits = ds ? ds["splits"] : YAML::Node();
  if (!splits || !splits.IsSequence() || splits.size() < 1)
    throw bad(where, "dataset.splits", "a list of {name, start, end} is required");
  for (std::size_t i = 0; i < splits.size(); ++i) {
    const std::string w = where + ": dataset.splits[" + std::to_string(i) + "]";
    const YAML::Node s = splits[i];
    if (!s.IsMap()) throw Error(ErrorKind::invalid_input, w + ": expected {name, start, end}");
    for (const auto& item : s) {
      const std::string name = key_name(item.first);
      if (name != "name" && name != "start" && name != "end")
        throw Error(ErrorKind::invalid_input,
                    w + ": unknown key '" + name + "' (a split has name, start and end)");
    }
    SplitSpec spec{split_text(s, "name", w), date_field(s, "start", w), date_field(s, "end", w)};
    if (spec.end < spec.start) throw Error(ErrorKind::invalid_input, w + ": end is before start");
    if (c.find(spec.name))
      throw Error(ErrorKind::invalid_input, w + ": duplicate split name " + spec.name);
    c.splits.push_back(spec);
  }
}

// Rules that involve two keys.
void check_combinations(const ExperimentConfig& c, const std::string& where) {
  if (c.ppo.rollout_size() % c.ppo.batch_size != 0)
    throw bad(where, "ppo.batch_size",
              "must divide ppo.n_envs x ppo.n_steps (" + std::to_string(c.ppo.rollout_size()) +
                  "), got " + std::to_string(c.ppo.batch_size));
  if (c.env.thresholds.short_below > c.env.thresholds.long_above)
    throw bad(where, "environment.thresholds.short_below",
              "must not exceed environment.thresholds.long_above");
}

void emit_value(YAML::Emitter& out, const ExperimentField& field) {
  std::visit(
      [&](auto* p) {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::vector<int>>) {
          out << YAML::Flow << *p;
        } else if constexpr (std::is_same_v<T, PpoBackendKind>) {
          out << to_string(*p);
        } else if constexpr (std::is_same_v<T, bool>) {
          out << YAML::TrueFalseBool << *p;
        } else {
          out << *p;
        }
      },
      field);
}

}  // namespace

const SplitSpec* ExperimentConfig::find(const std::string& name) const {
  for (const auto& s : splits)
    if (s.name == name) return &s;
  return nullptr;
}

int sessions_between(Date after, Date before) {
  int n = 0;
  for (Date d = after + std::chrono::days(1); d < before; d += std::chrono::days(1))
    if (is_trading_day(d)) ++n;
  return n;
}

ExperimentConfig parse_experiment_config(const std::string& yaml_text, const std::string& where) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::invalid_input, where + ": not valid YAML (" + e.what() + ")");
  }
  if (!root.IsMap()) throw Error(ErrorKind::invalid_input, where + ": expected a mapping of keys");
  ExperimentConfig c;
  c.yaml_text = yaml_text;
  try {
    check_known_keys(root, "", where);
    const YAML::Node name = root["experiment"];
    if (!name || !name.IsScalar() || name.Scalar().empty())
      throw bad(where, "experiment", "a name is required");
    c.experiment = name.Scalar();
    for (const auto& key : experiment_keys()) {
      assign(key, YAML::Load(std::string(key.default_value)), c, "defaults");
      if (const YAML::Node v = lookup(root, key.path); v.IsDefined()) assign(key, v, c, where);
    }
    read_splits(root, c, where);
    check_combinations(c, where);
    // The risk profile's limits in training (issue 10): config/risk.yaml, as the backtest uses.
    if (c.env.apply_risk_limits) c.env.risk = trading::load_risk_profile();
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::invalid_input, where + ": " + e.what());
  }
  // Embargo: consecutive splits are separated by at least embargo_sessions full sessions.
  for (std::size_t i = 1; i < c.splits.size(); ++i) {
    const auto& a = c.splits[i - 1];
    const auto& b = c.splits[i];
    const int gap = b.start > a.end ? sessions_between(a.end, b.start) : -1;
    if (gap < c.embargo_sessions) {
      std::string msg = where;
      msg += ": splits '" + a.name + "' (ends " + format_date(a.end) + ") and '" + b.name +
             "' (starts " + format_date(b.start) + ") ";
      msg += gap < 0 ? std::string("overlap or are out of order")
                     : "are separated by " + std::to_string(gap) +
                           " trading session(s); the embargo needs " +
                           std::to_string(c.embargo_sessions);
      throw Error(ErrorKind::invalid_input, msg);
    }
  }
  return c;
}

ExperimentConfig load_experiment_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::not_found, file.string() + " does not exist", "config_file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_experiment_config(text.str(), file.string());
}

std::string resolved_yaml(const ExperimentConfig& c) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "experiment" << YAML::Value << c.experiment;
  out << YAML::Key << "seed" << YAML::Value << c.seed;
  out << YAML::Key << "dataset" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "embargo_sessions" << YAML::Value << c.embargo_sessions;
  out << YAML::Key << "splits" << YAML::Value << YAML::BeginSeq;
  for (const auto& s : c.splits)
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << s.name << YAML::Key
        << "start" << YAML::Value << format_date(s.start) << YAML::Key << "end" << YAML::Value
        << format_date(s.end) << YAML::EndMap;
  out << YAML::EndSeq << YAML::EndMap;
  // Every other key from the table, nested by its dotted path.
  ExperimentConfig values = c;    // the table binds mutable fields; they are only read here
  std::vector<std::string> open;  // the mappings currently open below the root
  for (const auto& key : experiment_keys()) {
    if (key.path == "seed" || key.path.starts_with("dataset.")) continue;
    std::vector<std::string> parts;
    for (std::string_view rest = key.path;;) {
      const auto dot = rest.find('.');
      parts.emplace_back(rest.substr(0, dot));
      if (dot == std::string_view::npos) break;
      rest = rest.substr(dot + 1);
    }
    std::size_t common = 0;
    while (common < open.size() && common + 1 < parts.size() && open[common] == parts[common])
      ++common;
    for (std::size_t i = open.size(); i > common; --i) out << YAML::EndMap;
    open.resize(common);
    for (std::size_t i = common; i + 1 < parts.size(); ++i) {
      out << YAML::Key << parts[i] << YAML::Value << YAML::BeginMap;
      open.push_back(parts[i]);
    }
    out << YAML::Key << parts.back() << YAML::Value;
    emit_value(out, key.field(values));
  }
  for (std::size_t i = open.size(); i > 0; --i) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace usdcop::learn
