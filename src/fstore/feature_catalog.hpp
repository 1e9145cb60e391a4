#pragma once
// An in-memory snapshot of the active catalog, looked up by feature id.
#include <string>
#include <unordered_map>
#include <vector>

#include "fstore/feature_spec.hpp"

namespace usdcop::fstore {

class FeatureCatalog {
 public:
  FeatureCatalog() = default;
  explicit FeatureCatalog(std::vector<FeatureSpec> specs);
  const FeatureSpec* find(const std::string& id) const;  // nullptr when unknown or inactive
  const std::vector<FeatureSpec>& specs() const { return specs_; }

 private:
  std::vector<FeatureSpec> specs_;
  std::unordered_map<std::string, std::size_t> by_id_;
};

}  // namespace usdcop::fstore
