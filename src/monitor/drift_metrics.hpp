#pragma once
// The drift gauge of spec 08: usdcop_feature_psi{feature}, the PSI of each market feature of
// the production model at its last drift computation (FeatureDriftDetected fires above 0.2).
#include <string>

namespace usdcop::monitor {

// Sets the gauge of `feature` in the process registry (metrics_registry()).
void set_feature_psi(const std::string& feature, double psi);

}  // namespace usdcop::monitor
