#include <gtest/gtest.h>

#include "core/sha256.hpp"
#include "features/contract.hpp"

using namespace usdcop;
using namespace usdcop::features;

TEST(FeatureContract, OrderHashMatchesSpec) {
  const std::string& h = feature_order_hash();
  ASSERT_EQ(h.size(), 64u);
  EXPECT_EQ(h.substr(0, 16), "aa52761d1d8e4d3d");
  EXPECT_EQ(h,
            sha256_hex("log_ret_5m,log_ret_1h,log_ret_4h,rsi_9,atr_pct,adx_14,dxy_z,dxy_change_1d,"
                       "vix_z,embi_z,brent_change_1d,rate_spread,usdmxn_change_1d,position,"
                       "time_normalized"));
}

TEST(FeatureContract, SlotsAndVersion) {
  EXPECT_EQ(kObservationSize, 15);
  EXPECT_EQ(kMarketFeatureCount, 13);
  EXPECT_EQ(feature_names()[kPositionIndex], "position");
  EXPECT_EQ(feature_names()[kTimeIndex], "time_normalized");
  EXPECT_EQ(feature_names()[kAdx14], "adx_14");
  EXPECT_EQ(feature_names()[kUsdmxnChange1d], "usdmxn_change_1d");
  EXPECT_EQ(feature_index("rsi_9"), 3);
  EXPECT_EQ(feature_index("nope"), -1);
  EXPECT_EQ(kBuilderVersion, "1.0.0");
}
