#include "monitor/drift_metrics.hpp"

#include <prometheus/gauge.h>

#include "monitor/metrics.hpp"

namespace usdcop::monitor {

void set_feature_psi(const std::string& feature, double psi) {
  static auto& family = prometheus::BuildGauge()
                            .Name("usdcop_feature_psi")
                            .Help(
                                "PSI of each market feature against the production model's "
                                "training reference (last drift computation)")
                            .Register(metrics_registry());
  family.Add({{"feature", feature}}).Set(psi);
}

}  // namespace usdcop::monitor
