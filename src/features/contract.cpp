#include "features/contract.hpp"

#include "core/sha256.hpp"

namespace usdcop::features {

const std::array<std::string_view, kObservationSize>& feature_names() {
  return kFeatureNames;
}

const std::string& feature_order_hash() {
  static const std::string hash = [] {
    std::string joined;
    for (std::size_t i = 0; i < kFeatureNames.size(); ++i) {
      if (i > 0) joined += ',';
      joined += kFeatureNames[i];
    }
    return sha256_hex(joined);
  }();
  return hash;
}

int feature_index(std::string_view name) {
  for (int i = 0; i < kObservationSize; ++i) {
    if (kFeatureNames[static_cast<std::size_t>(i)] == name) return i;
  }
  return -1;
}

}  // namespace usdcop::features
