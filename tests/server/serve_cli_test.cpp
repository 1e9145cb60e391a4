// `usdcop serve` end to end: prints its URL (loopback by default), answers over HTTP, and
// stops cleanly with exit 0 on SIGTERM and on SIGINT.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <regex>

#include "support/background_command.hpp"
#include "support/test_database.hpp"
#include "support/test_tokens.hpp"

namespace t = usdcop::testing;

namespace {

void serve_then_stop(int sig) {
  t::TestDatabase db;
  const auto token = t::make_token(db, "sam", "viewer");
  t::BackgroundCommand serve({"serve", "--port", "0"}, {{"DATABASE_URL", db.url()}});
  std::smatch m;
  const std::regex url(R"(listening on http://127\.0\.0\.1:(\d+))");
  std::string out;
  ASSERT_TRUE(t::wait_until(
      [&] {
        out = serve.out();
        return std::regex_search(out, m, url) || serve.finished();
      },
      std::chrono::seconds(60)))
      << serve.err();
  ASSERT_TRUE(std::regex_search(out, m, url)) << out << serve.err();
  httplib::Client client("127.0.0.1", std::stoi(m[1]));
  client.set_read_timeout(30, 0);
  const auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  const auto me = client.Get("/api/v1/me", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;
  serve.signal(sig);
  EXPECT_EQ(serve.wait(), 0) << serve.err();
  EXPECT_NE(serve.out().find("usdcop API stopped"), std::string::npos) << serve.out();
}

}  // namespace

TEST(ServeCommand, PrintsTheUrlAndStopsOnSigterm) {
  serve_then_stop(SIGTERM);
}

TEST(ServeCommand, StopsOnSigint) {
  serve_then_stop(SIGINT);
}

TEST(ServeCommand, BusyPortIsAClearError) {
  t::TestDatabase db;
  httplib::Server holder;
  const int port = holder.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  t::BackgroundCommand serve({"serve", "--port", std::to_string(port)},
                             {{"DATABASE_URL", db.url()}});
  EXPECT_EQ(serve.wait(), 4);
  EXPECT_NE(serve.err().find("cannot listen"), std::string::npos) << serve.err();
}
