#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "core/error.hpp"
#include "market/bar_import.hpp"
#include "market/csv_source.hpp"

using namespace usdcop;
using namespace usdcop::market;

TEST(CsvSource, SplitsLinesAndHandlesCrlfAndQuotes) {
  std::vector<std::vector<std::string>> rows;
  std::vector<long> lines;
  for_each_csv_line("a,b\r\n\n\"x\", y \n",
                    [&](long n, std::string_view, const std::vector<std::string_view>& f) {
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

// ---- Issue 11 item 7: CSV edge cases ----------------------------------------------------------

namespace {

// Keeps what the importer writes, in memory.
class MemoryBars final : public BarStore {
 public:
  BarWriteResult write_bars(const std::vector<Bar>& bars, const std::string&, bool) override {
    BarWriteResult r;
    r.inserted = static_cast<long>(bars.size());
    stored.insert(stored.end(), bars.begin(), bars.end());
    return r;
  }
  BarImportWrite write_import(BarImportBatch& batch, const CompleteImport& complete) override {
    BarImportWrite w;
    w.bars = write_bars(batch.bars, batch.source, batch.replace);
    if (complete) complete(w.bars, batch);
    w.new_rejects = static_cast<long>(batch.rejects.size());
    rejects = batch.rejects;
    return w;
  }
  std::vector<Bar> load_bars(Timestamp, Timestamp) override { return stored; }
  std::optional<Bar> bar_before(Timestamp) override { return std::nullopt; }
  std::vector<Bar> stored;
  std::vector<RejectedBar> rejects;
};

std::filesystem::path write_temp(const std::string& name, const std::string& content) {
  const auto p = std::filesystem::temp_directory_path() / name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

}  // namespace

TEST(CsvSource, CarriageReturnOnlyLineEndingsAreLines) {
  std::vector<long> lines;
  for_each_csv_line("a,b\rc,d\r\re,f",
                    [&](long n, std::string_view, const auto&) { lines.push_back(n); });
  EXPECT_EQ(lines, (std::vector<long>{1, 2, 4}));

  const auto p = write_temp("usdcop_cr_only.csv",
                            "time,open,high,low,close\r2024-01-02T13:00:00Z,1,2,1,2\r"
                            "2024-01-02T13:05:00Z,2,3,2,3\r");
  MemoryBars store;
  BarImporter importer(store, {"csv:cr", false, 0.05});
  read_bar_csv(p, importer);
  const auto report = importer.finish();
  EXPECT_EQ(report.rows_read, 2);
  EXPECT_EQ(report.inserted, 2);
  std::filesystem::remove(p);
}

TEST(CsvSource, ADirectoryIsNotAnEmptyFile) {
  const auto dir = std::filesystem::temp_directory_path() / "usdcop_csv_dir_test";
  std::filesystem::create_directories(dir);
  try {
    read_text_file(dir);
    ADD_FAILURE() << "a directory was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
  std::filesystem::remove(dir);
}

TEST(CsvSource, RowsWithTheWrongFieldCountAreRowsRead) {
  const auto p = write_temp("usdcop_field_count.csv",
                            "time,open,high,low,close\n2024-01-02T13:00:00Z,1,2,1,2\n"
                            "2024-01-02T13:05:00Z,2,3\n2024-01-02T13:10:00Z,2,3,2,3,9,9\n");
  MemoryBars store;
  BarImporter importer(store, {"csv:count", false, 0.05});
  read_bar_csv(p, importer);
  const auto report = importer.finish();
  EXPECT_EQ(report.rows_read, 3);
  EXPECT_EQ(report.rejected, 2);
  EXPECT_EQ(report.inserted, 1);
  std::filesystem::remove(p);
}

TEST(CsvSource, AHugeFieldIsNotEchoedWhole) {
  const std::string huge(1 << 20, '7');
  const auto p =
      write_temp("usdcop_huge_field.csv",
                 "time,open,high,low,close\n2024-01-02T13:00:00Z,1x" + huge + ",2,1,2\n");
  MemoryBars store;
  BarImporter importer(store, {"csv:huge", false, 0.05});
  read_bar_csv(p, importer);
  const auto report = importer.finish();
  ASSERT_EQ(report.rejected, 1);
  EXPECT_LT(report.summary().size(), 4000u);
  EXPECT_LT(report.to_json().dump().size(), 4000u);
  ASSERT_EQ(store.rejects.size(), 1u);
  EXPECT_LT(store.rejects[0].detail.size(), 400u);
  EXPECT_GT(store.rejects[0].raw.size(), huge.size());  // the raw row is kept whole
  std::filesystem::remove(p);
}
