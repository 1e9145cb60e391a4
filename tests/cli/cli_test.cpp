// The usdcop binary as a user runs it: version, help, calendar commands, argument errors.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/test_paths.hpp"

using usdcop::testing::run_usdcop;

TEST(Cli, VersionIsSemver) {
  const auto r = run_usdcop("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.out.rfind("usdcop ", 0) == 0) << r.out;
  EXPECT_NE(r.out.find("0.1.0"), std::string::npos);
}

namespace {

// The subcommand names listed under "Subcommands:" in a --help text.
std::vector<std::string> subcommands_in(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream in(help);
  std::string line;
  bool listing = false;
  while (std::getline(in, line)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      listing = true;
    } else if (listing && line.size() > 2 && line[0] == ' ' && line[2] != ' ') {
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    } else if (listing && !line.empty() && line[0] != ' ') {
      listing = false;
    }
  }
  return names;
}

}  // namespace

// Walks the whole command tree from `usdcop --help`: every command and subcommand answers
// --help with a usage text, so a new command group is covered without editing this test.
TEST(Cli, EverySubcommandHasHelp) {
  std::vector<std::string> queue{""};
  std::set<std::string> seen;
  while (!queue.empty()) {
    const std::string cmd = queue.back();
    queue.pop_back();
    const auto r = run_usdcop(cmd + " --help");
    EXPECT_EQ(r.status, 0) << cmd << ": " << r.err;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd;
    seen.insert(cmd);
    for (const auto& sub : subcommands_in(r.out))
      queue.push_back(cmd.empty() ? sub : cmd + " " + sub);
  }
  for (const char* expected : {"demo",
                               "calendar holidays",
                               "db start",
                               "ingest csv",
                               "data check",
                               "bench ingest",
                               "bench features",
                               "bench backtest",
                               "bench train",
                               "features build",
                               "features export",
                               "features show",
                               "dataset build",
                               "train",
                               "backtest",
                               "backtest verify",
                               "evaluate",
                               "models register",
                               "models rollback",
                               "promote request",
                               "promote vote",
                               "audit export",
                               "audit verify",
                               "db psql",
                               "principal add",
                               "principal disable",
                               "token bootstrap",
                               "token create",
                               "token revoke",
                               "lineage"}) {
    EXPECT_TRUE(seen.count(expected)) << "missing command: " << expected;
  }
}

TEST(Cli, CalendarHolidays2026) {
  const auto r = run_usdcop("calendar holidays --year 2026");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "2026-01-01\n2026-01-12\n2026-03-23\n2026-04-02\n2026-04-03\n2026-05-01\n2026-05-"
            "18\n2026-06-08\n"
            "2026-06-15\n2026-06-29\n2026-07-20\n2026-08-07\n2026-08-17\n2026-10-12\n2026-11-"
            "02\n2026-11-16\n"
            "2026-12-08\n2026-12-25\n");
  const auto us = run_usdcop("calendar holidays --year 2026 --country US --json");
  ASSERT_EQ(us.status, 0);
  const auto j = nlohmann::json::parse(us.out);
  bool memorial = false;
  for (const auto& h : j) memorial |= (h["date"] == "2026-05-25" && h["name"] == "Memorial Day");
  EXPECT_TRUE(memorial);
}

TEST(Cli, CalendarSessionAndIsOpen) {
  auto r = run_usdcop("calendar session 2026-03-02");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 60);
  EXPECT_EQ(r.out.substr(0, 21), "2026-03-02T13:00:00Z\n");
  r = run_usdcop("calendar session 2026-03-23");  // holiday
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(run_usdcop("calendar is-open 2026-03-02T08:00:00-05:00").out, "open\n");
  EXPECT_EQ(run_usdcop("calendar is-open 2026-03-02T07:59:59-05:00").out, "closed\n");
  EXPECT_EQ(run_usdcop("calendar is-open 2026-03-02T13:00:00-05:00").out, "closed\n");
}

TEST(Cli, BadArgumentsAreClearUsageErrors) {
  auto r = run_usdcop("calendar session 2026-02-30");
  EXPECT_EQ(r.status, 2);
  // The parser names the logical field ("day"); the CLI spells it as the argument typed.
  EXPECT_NE(r.err.find("usdcop: error: DATE: '2026-02-30' is not a date"), std::string::npos)
      << r.err;
  // A src parser names the field "from"; the CLI spells it as the flag (before any database).
  r = run_usdcop("data check --from 2024-13-02 --to 2024-01-05");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("usdcop: error: --from: '2024-13-02' is neither a date"), std::string::npos)
      << r.err;
  r = run_usdcop("calendar is-open 2026-03-02T13:00:00");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("offset"), std::string::npos) << r.err;
  r = run_usdcop("calendar holidays --year 2026 --country FR");
  EXPECT_EQ(r.status, 2);
  r = run_usdcop("nosuchcommand");
  EXPECT_EQ(r.status, 2);
}
