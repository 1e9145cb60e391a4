#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "core/error.hpp"
#include "market/csv_source.hpp"

using namespace usdcop;
using namespace usdcop::market;

TEST(CsvSource, SplitsLinesAndHandlesCrlfAndQuotes) {
  std::vector<std::vector<std::string>> rows;
  std::vector<long> lines;
  for_each_csv_line("a,b\r\n\n\"x\", y \n", [&](long n, std::string_view, const std::vector<std::string_view>& f) {
    lines.push_back(n);
    rows.emplace_back(f.begin(), f.end());
  });
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(lines[1], 3);
  EXPECT_EQ(rows[1][0], "x");
  EXPECT_EQ(rows[1][1], "y");
}

TEST(CsvSource, ReadsGzipTransparently) {
  const auto path = std::filesystem::temp_directory_path() / "usdcop_csv_test.csv.gz";
  const std::string content = "time,open\n2024-01-02T13:00:00Z,1\n";
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
  gzclose(f);
  EXPECT_EQ(read_text_file(path), content);
  std::filesystem::remove(path);
  EXPECT_THROW(read_text_file(path), Error);
}
