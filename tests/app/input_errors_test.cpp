// Errors of the application layer and of the input parsers name the offending input by its
// logical field and spell no door's syntax (no CLI flag): each door spells the field itself.
#include <gtest/gtest.h>

#include <functional>

#include "app/model_source.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "core/time_input.hpp"

namespace usdcop {
namespace {

// The Error `run` throws (fails the test when it throws none).
Error error_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no usdcop::Error thrown";
  return Error(ErrorKind::internal, "none");
}

void expect_no_flag(const Error& e) {
  EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
}

TEST(InputErrors, BadSplitNamesTheSplitField) {
  trading::RunArtifacts run;
  run.run_json = {{"validation_start", "2024-01-02"}, {"validation_end", "2024-02-01"}};
  const auto e = error_of([&] { app::split_dates(run, "holdout"); });
  EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  EXPECT_EQ(e.field(), "split");
  EXPECT_NE(std::string(e.what()).find("'holdout'"), std::string::npos) << e.what();
  expect_no_flag(e);
  const auto [from, to] = app::split_dates(run, "val");
  EXPECT_EQ(format_date(from), "2024-01-02");
  EXPECT_EQ(format_date(to), "2024-02-01");
}

TEST(InputErrors, SplitMissingFromTheRunAsksForThePeriod) {
  trading::RunArtifacts run;
  run.dir = "/runs/r1";
  run.run_json = nlohmann::json::object();
  const auto e = error_of([&] { app::split_dates(run, "test"); });
  EXPECT_EQ(e.field(), "from");
  EXPECT_NE(std::string(e.what()).find("test_start"), std::string::npos) << e.what();
  expect_no_flag(e);
}

TEST(InputErrors, TimeInputsCarryTheirLogicalField) {
  auto e = error_of([] { parse_time_or_date("2024-13-02", "from"); });
  EXPECT_EQ(e.field(), "from");
  EXPECT_EQ(std::string(e.what()).rfind("'2024-13-02' is neither a date", 0), 0u) << e.what();
  e = error_of([] { parse_end_bound("soon", "to"); });
  EXPECT_EQ(e.field(), "to");
  expect_no_flag(e);
  e = error_of([] { parse_date_input("2024-02-30", "date"); });
  EXPECT_EQ(e.field(), "date");
  EXPECT_EQ(std::string(e.what()), "'2024-02-30' is not a date (expected YYYY-MM-DD)");
  e = error_of([] { parse_timestamp_input("2024-02-03T10:00:00", "time"); });
  EXPECT_EQ(e.field(), "time");
  expect_no_flag(e);
  EXPECT_EQ(format_date(parse_date_input("2024-02-29", "date")), "2024-02-29");
}

}  // namespace
}  // namespace usdcop
