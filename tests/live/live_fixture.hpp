#pragma once
// A database ready for the live engine: the real macro file imported, real bars before the
// replay stored with their features built (`features build`, the checkpoint the engine resumes
// from), a registered random-weight model that trades, and replay files cut from the real bars.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <string>

#include "../backtest/real_market_fixture.hpp"
#include "../trading/run_dir_fixture.hpp"
#include "market/csv_source.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

namespace usdcop::live_testing {

// A loopback port free right now (for `engine --metrics-port`).
inline int free_loopback_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

inline std::string env_for(const usdcop::testing::TestDatabase& db) {
  return "DATABASE_URL='" + db.url() + "'";
}

// Lines of the real bar file with from <= time < to (times compare as text: same format).
inline std::vector<std::string> real_bar_lines(const std::string& from, const std::string& to) {
  const std::string text =
      market::read_text_file(usdcop::testing::shared_data("usdcop_m5_dev.csv.gz"));
  std::vector<std::string> out;
  std::size_t pos = text.find('\n') + 1;  // after the header
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string t = line.substr(0, line.find(','));
    if (t >= from && t < to) out.push_back(line);
    pos = end + 1;
  }
  return out;
}

inline std::filesystem::path write_replay_file(const std::filesystem::path& path,
                                               const std::vector<std::string>& lines) {
  std::ofstream f(path);
  f << "time,open,high,low,close,volume\n";
  for (const auto& l : lines) f << l << "\n";
  return path;
}

inline void sql(usdcop::testing::TestDatabase& db, const std::string& statement) {
  auto c = db.pool().acquire();
  pqxx::work tx(*c);
  tx.exec(statement);
  tx.commit();
}

inline long count(usdcop::testing::TestDatabase& db, const std::string& query) {
  auto c = db.pool().acquire();
  pqxx::read_transaction tx(*c);
  return tx.exec1(query)[0].as<long>();
}

// Macro imported, history [history_from, history_to) stored and featured, model `model_id`
// registered (and deployed when `deploy`). Returns the run directory.
inline std::filesystem::path prepare_database(usdcop::testing::TestDatabase& db,
                                              const std::string& history_from,
                                              const std::string& history_to,
                                              const std::string& model_id, bool deploy) {
  auto r = usdcop::testing::run_usdcop(
      "ingest macro-csv '" + usdcop::testing::shared_data("macro_daily_dev.csv.gz").string() +
          "' --json",
      env_for(db));
  EXPECT_EQ(r.status, 0) << r.err;
  const long n =
      test_fixture::store_real_market(db.pool(), parse_timestamp_or_throw(history_from, "from"),
                                      parse_timestamp_or_throw(history_to, "to"));
  EXPECT_GT(n, 100);
  // The engine resumes from the checkpoint of a real features build over the stored history.
  sql(db, "DELETE FROM features.inference_features_5m");
  r = usdcop::testing::run_usdcop("features build --json", env_for(db));
  EXPECT_EQ(r.status, 0) << r.err;
  const auto dir = test_fixture::write_run_dir(test_fixture::fresh_dir("live_" + model_id),
                                               "run_" + model_id, 7);
  test_fixture::register_model(db.pool(), model_id, 1, dir);
  if (deploy)
    sql(db,
        "UPDATE ml.model_registry SET status = 'deployed', deployed_at = now() WHERE "
        "model_id = '" +
            model_id + "'");
  return dir;
}

}  // namespace usdcop::live_testing
