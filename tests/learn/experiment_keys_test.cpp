// Issue 11 items 2 and 3: every experiment key has a type and a range, unknown keys are refused
// with the closest valid name, and a fuzzer mutating baseline.yaml never gets past validation
// with a bad value nor gets an error that does not name the key.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "core/error.hpp"
#include "learn/experiment_config.hpp"
#include "learn/experiment_keys.hpp"

using namespace usdcop;
using namespace usdcop::learn;

namespace {

std::string baseline_text() {
  std::ifstream in(std::string(USDCOP_SOURCE_ROOT_DIR) + "/config/experiments/baseline.yaml");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The error text of parsing `yaml`, or "" when it parses.
std::string error_of(const std::string& yaml) {
  try {
    (void)parse_experiment_config(yaml, "test.yaml");
    return "";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << e.what();
    return e.what();
  }
}

std::string with(const std::string& section_key_value) {
  // baseline.yaml with one line appended inside its ppo/environment section is awkward in text;
  // build it as a node instead: "ppo.learning_rate=-1".
  YAML::Node root = YAML::Load(baseline_text());
  const auto eq = section_key_value.find('=');
  const std::string path = section_key_value.substr(0, eq);
  const YAML::Node value = YAML::Load(section_key_value.substr(eq + 1));
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  YAML::Node node = root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) node.reset(node[parts[i]]);
  node[parts.back()] = value;
  return YAML::Dump(root);
}

}  // namespace

TEST(ExperimentKeys, BaselineParsesAndEveryKeyIsInTheTable) {
  const auto c = parse_experiment_config(baseline_text(), "baseline.yaml");
  EXPECT_EQ(c.ppo.hidden_sizes, (std::vector<int>{256, 256}));
  const std::string resolved = resolved_yaml(c);
  const YAML::Node r = YAML::Load(resolved);
  for (const auto& k : experiment_keys()) {
    YAML::Node n = r;
    std::stringstream ss{std::string(k.path)};
    for (std::string p; std::getline(ss, p, '.');) n.reset(n[p]);
    EXPECT_TRUE(n.IsDefined()) << k.path << " missing from the resolved config";
  }
  // The resolved form parses to the same resolved form.
  EXPECT_EQ(resolved_yaml(parse_experiment_config(resolved, "resolved")), resolved);
  EXPECT_EQ(r["ppo"]["backend"].as<std::string>(), "native");
  EXPECT_FALSE(r["environment"]["apply_risk_limits"].as<bool>());
  EXPECT_FALSE(r["environment"]["flat_at_session_end"].as<bool>());
}

TEST(ExperimentKeys, ZeroWidthLayerIsRefusedNotACrash) {
  const auto e = error_of(with("ppo.hidden_sizes=[0, 64]"));
  EXPECT_NE(e.find("ppo.hidden_sizes"), std::string::npos) << e;
}

TEST(ExperimentKeys, OutOfRangeAndNonFiniteValuesNameTheKey) {
  for (const char* bad : {"ppo.learning_rate=-1",
                          "ppo.learning_rate=.nan",
                          "ppo.learning_rate=0",
                          "ppo.gamma=5",
                          "ppo.clip_range=-1",
                          "ppo.log_std_init=1000",
                          "environment.cost_bps=.nan",
                          "environment.reward_scale=.inf",
                          "environment.max_episode_drawdown=-0.1",
                          "environment.thresholds.long_above=2",
                          "ppo.n_envs=0",
                          "ppo.batch_size=100",
                          "ppo.total_timesteps=0",
                          "ppo.backend=torch",
                          "ppo.threads=-1",
                          "seed=-5",
                          "environment.apply_risk_limits=maybe",
                          "ppo.n_steps=1.5",
                          "ppo.hidden_sizes=[]",
                          "dataset.embargo_sessions=0"}) {
    const std::string text(bad);
    const std::string key = text.substr(0, text.find('='));
    const auto e = error_of(with(text));
    EXPECT_NE(e.find(key), std::string::npos) << bad << " -> '" << e << "'";
  }
  EXPECT_EQ(error_of(with("ppo.backend=native")), "");
  EXPECT_EQ(error_of(with("environment.flat_at_session_end=true")), "");
}

TEST(ExperimentKeys, UnknownKeyNamesTheClosestValidOne) {
  const auto e = error_of(with("ppo.learnin_rate=0.001"));
  EXPECT_NE(e.find("unknown key 'ppo.learnin_rate'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'ppo.learning_rate'"), std::string::npos) << e;
  const auto top = error_of(with("environmnt=1"));
  EXPECT_NE(top.find("'environmnt'"), std::string::npos) << top;
}

TEST(ExperimentKeys, MissingRequiredKeysAreNamed) {
  YAML::Node root = YAML::Load(baseline_text());
  root.remove("experiment");
  EXPECT_NE(error_of(YAML::Dump(root)).find("experiment"), std::string::npos);
  root = YAML::Load(baseline_text());
  root["dataset"].remove("splits");
  EXPECT_NE(error_of(YAML::Dump(root)).find("dataset.splits"), std::string::npos);
}

// ---- the fuzzer -------------------------------------------------------------------------------

namespace {

struct Mutation {
  std::string yaml;
  std::string key;  // the path the error must name ("" = may succeed)
  bool must_fail = false;
};

YAML::Node child(YAML::Node root, const std::string& path, std::string* last) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  YAML::Node node = root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) node.reset(node[parts[i]]);
  *last = parts.back();
  return node;
}

Mutation mutate(std::mt19937_64& rng) {
  static const std::vector<std::string> values{
      "abc",         "[1, 2]", "{a: 1}",
      "true",        "~",      "-1e300",
      "-1",          "0",      "1e-300",
      "0.5",         "1",      "5",
      "1e6",         "1e300",  ".nan",
      ".inf",        "-.inf",  "2147483648",
      "-2147483649", "1.5",    "[0, 64]",
      "[]",          "native", "libtorch",
      "''",          "0x10",   "[256, 256, 256, 256, 256, 256, 256, 256, 256]"};
  std::vector<std::string> keys{"experiment", "dataset.splits"};
  for (const auto& k : experiment_keys()) keys.emplace_back(k.path);
  YAML::Node root = YAML::Load(baseline_text());
  const std::string key = keys[rng() % keys.size()];
  std::string last;
  YAML::Node parent = child(root, key, &last);
  Mutation m;
  m.key = key;
  switch (rng() % 4) {
    case 0:  // another type or range
      parent[last] = YAML::Load(values[rng() % values.size()]);
      break;
    case 1: {  // a misspelt sibling: always refused, naming the misspelt path
      std::string typo = last;
      const std::size_t at = rng() % typo.size();
      if (rng() % 2)
        typo.erase(at, 1);
      else
        typo.insert(at, 1, static_cast<char>('a' + rng() % 26));
      if (typo == last || typo.empty()) typo = last + "_x";
      parent[typo] = parent[last] ? YAML::Clone(parent[last]) : YAML::Node(1);
      m.key = key.substr(0, key.size() - last.size()) + typo;
      m.must_fail = true;
      break;
    }
    case 2:  // missing: required keys are named, others take their default
      parent.remove(last);
      m.must_fail = key == "experiment" || key == "dataset.splits";
      break;
    default: {  // a random number, sometimes huge, tiny or negative
      std::uniform_real_distribution<double> u(-12, 12);
      const double mag = std::pow(10.0, u(rng));
      const double v = (rng() % 3 == 0 ? -mag : mag);
      parent[last] = (rng() % 2) ? YAML::Node(v) : YAML::Node(static_cast<long long>(v));
    }
  }
  m.yaml = YAML::Dump(root);
  return m;
}

// A config that parsed holds only values its table allows.
void expect_in_range(const ExperimentConfig& parsed, const std::string& yaml) {
  ExperimentConfig c = parsed;
  for (const auto& k : experiment_keys()) {
    std::visit(
        [&](auto* p) {
          using T = std::remove_pointer_t<decltype(p)>;
          if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
            const double v = static_cast<double>(*p);
            EXPECT_TRUE(std::isfinite(v)) << k.path << "\n" << yaml;
            EXPECT_TRUE(k.min_open ? v > k.min : v >= k.min) << k.path << " = " << v << "\n"
                                                             << yaml;
            EXPECT_LE(v, k.max) << k.path << "\n" << yaml;
          } else if constexpr (std::is_same_v<T, std::vector<int>>) {
            EXPECT_FALSE(p->empty()) << k.path;
            for (int h : *p) EXPECT_GE(h, 1) << k.path << "\n" << yaml;
          }
        },
        k.field(c));
  }
  EXPECT_EQ(c.ppo.rollout_size() % c.ppo.batch_size, 0);
}

}  // namespace

TEST(ExperimentConfigFuzz, MutationsNeverCrashNeverPassBadValuesAndAlwaysNameTheKey) {
  std::mt19937_64 rng(20261127);
  int refused = 0, accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    const Mutation m = mutate(rng);
    try {
      const auto c = parse_experiment_config(m.yaml, "fuzz.yaml");
      EXPECT_FALSE(m.must_fail) << "accepted a mutation of " << m.key << ":\n" << m.yaml;
      expect_in_range(c, m.yaml);
      ++accepted;
    } catch (const Error& e) {
      ++refused;
      EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << e.what();
      const std::string what = e.what();
      // A split error names dataset.splits[i]; a batch-size rule names ppo.batch_size or the
      // mutated factor; the embargo rule names the two splits.
      const bool names_key =
          what.find(m.key) != std::string::npos ||
          (m.key.starts_with("ppo.n_") && what.find("ppo.batch_size") != std::string::npos) ||
          (m.key.starts_with("environment.thresholds.") &&
           what.find("environment.thresholds.") != std::string::npos) ||
          (m.key == "dataset.embargo_sessions" && what.find("embargo") != std::string::npos);
      EXPECT_TRUE(names_key) << "error does not name " << m.key << ": " << what << "\n" << m.yaml;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "unexpected exception for " << m.key << ": " << e.what() << "\n" << m.yaml;
    }
  }
  EXPECT_GT(refused, 500);
  EXPECT_GT(accepted, 100);
  std::cout << "fuzz: " << refused << " refused, " << accepted << " accepted\n";
}
