#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "core/sha256.hpp"

using namespace usdcop;

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FeatureOrderHashPrefixFromSpec) {
  const std::string names =
      "log_ret_5m,log_ret_1h,log_ret_4h,rsi_9,atr_pct,adx_14,dxy_z,dxy_change_1d,vix_z,embi_z,"
      "brent_change_1d,rate_spread,usdmxn_change_1d,position,time_normalized";
  EXPECT_EQ(sha256_hex(names).substr(0, 16), "aa52761d1d8e4d3d");
}

TEST(Sha256, FileAndStreamingAgree) {
  const auto path = std::filesystem::temp_directory_path() / "usdcop_sha_test.txt";
  { std::ofstream(path) << "hello world"; }
  Sha256 h;
  h.update("hello ");
  h.update("world");
  EXPECT_EQ(sha256_file_hex(path), h.final_hex());
  std::filesystem::remove(path);
  EXPECT_THROW(sha256_file_hex(path), Error);
}
