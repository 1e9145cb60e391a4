// The research use cases called without the CLI: ingest, build features and a dataset over one
// Services, whose one Clock decides what "the future" is for the bar importer.
#include <gtest/gtest.h>

#include "app/feature_build.hpp"
#include "app/ingest.hpp"
#include "app/services.hpp"
#include "app/training.hpp"
#include "core/error.hpp"
#include "support/test_database.hpp"

using namespace usdcop;

TEST(ResearchUseCases, IngestAndBuildFeaturesThroughServices) {
  usdcop::testing::TestDatabase db;
  SimulatedClock clock{parse_timestamp_or_throw("2025-03-04T15:00:00Z", "now")};
  app::Services services{db.url(), clock};
  const Date from = parse_date_or_throw("2024-01-02", "from");
  const Date to = parse_date_or_throw("2024-01-12", "to");
  const auto report = app::ingest_synthetic(services, {from, to, 7});
  EXPECT_EQ(report.seed, 7u);
  EXPECT_GT(report.bars.inserted, 100);
  EXPECT_EQ(report.bars.rejected, 0);
  EXPECT_FALSE(report.rejected_any());

  const auto first = app::build_features(services, {});
  EXPECT_EQ(first.mode, "rebuild");
  EXPECT_EQ(first.bars_folded, report.bars.inserted);
  EXPECT_EQ(first.rows_written, report.bars.inserted);
  const auto again = app::build_features(services, {});
  EXPECT_EQ(again.mode, "up_to_date");
  try {
    app::FeatureBuildRequest backwards;
    backwards.from = cot_midnight(to);
    backwards.to = cot_midnight(from);
    app::build_features(services, backwards);
    ADD_FAILURE() << "a backwards range was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_EQ(e.field(), "to");
  }
}

TEST(ResearchUseCases, TheServicesClockDecidesWhichBarsAreInTheFuture) {
  usdcop::testing::TestDatabase db;
  // "Now" is the morning of 2024-01-03: the later synthetic bars have not happened yet.
  SimulatedClock clock{parse_timestamp_or_throw("2024-01-03T15:00:00Z", "now")};
  app::Services services{db.url(), clock};
  const auto report = app::ingest_synthetic(services, {parse_date_or_throw("2024-01-02", "from"),
                                                       parse_date_or_throw("2024-01-05", "to"), 7});
  EXPECT_GT(report.bars.inserted, 0);
  EXPECT_GT(report.bars.rejected_by_reason.at("future_bar"), 0);
  EXPECT_TRUE(report.rejected_any());
}

TEST(ResearchUseCases, TrainingNeedsAnExperimentOrARunToResume) {
  usdcop::testing::TestDatabase db;
  app::Services services{db.url()};
  app::TrainingObserver quiet;
  try {
    app::train(services, {}, quiet);
    ADD_FAILURE() << "a training without a config was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_EQ(e.field(), "config");
  }
}
