// CurlTransport (real libcurl) against a real local HTTP server.
#include <gtest/gtest.h>

#include "adapters/http/http_client.hpp"
#include "fake_provider.hpp"

namespace usdcop::adapters {
namespace {

using testing::FakeProvider;
using testing::Reply;

class HttpClientTest : public ::testing::Test {
 protected:
  FakeProvider server;
  CurlTransport transport;
};

TEST_F(HttpClientTest, GetSendsUrlEncodedQueryAndReturnsStatusHeadersBody) {
  server.route("/echo", [](const FakeProvider::Params& p) {
    Reply r;
    r.status = 203;
    r.body = testing::param(p, "symbol") + "|" + testing::param(p, "q");
    r.content_type = "text/plain";
    r.headers["Retry-After"] = "7";
    r.headers["X-Custom"] = "yes";
    return r;
  });
  HttpRequest req;
  req.url = server.base_url() + "/echo";
  req.query = {{"symbol", "USD/COP"}, {"q", "a b&c=d+e%f"}};
  const HttpResult result = transport.get(req);
  ASSERT_TRUE(result.has_response()) << result.describe();
  const HttpResponse& r = result.response();
  EXPECT_EQ(r.status, 203);
  EXPECT_EQ(r.body, "USD/COP|a b&c=d+e%f");
  EXPECT_EQ(r.header("x-custom").value_or(""), "yes");
  EXPECT_EQ(r.header("X-CUSTOM").value_or(""), "yes");
  ASSERT_TRUE(r.retry_after().has_value());
  EXPECT_EQ(r.retry_after()->count(), 7);
  EXPECT_EQ(result.describe(), "HTTP 203");
  EXPECT_EQ(server.hits("/echo"), 1);
}

TEST_F(HttpClientTest, ErrorStatusIsAResponseNotATransportError) {
  server.script("/fail", {Reply{500, "oops", "text/plain", {}, {}}});
  HttpRequest req;
  req.url = server.base_url() + "/fail";
  const HttpResult result = transport.get(req);
  ASSERT_TRUE(result.has_response());
  EXPECT_EQ(result.response().status, 500);
  EXPECT_EQ(result.response().body, "oops");
  EXPECT_FALSE(result.response().retry_after().has_value());
}

TEST_F(HttpClientTest, TotalTimeoutIsATypedTransportError) {
  Reply slow{200, "late", "text/plain", {}, std::chrono::milliseconds(1500)};
  server.script("/slow", {slow});
  HttpRequest req;
  req.url = server.base_url() + "/slow";
  req.timeouts.total = std::chrono::milliseconds(300);
  const auto t0 = std::chrono::steady_clock::now();
  const HttpResult result = transport.get(req);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(result.has_response());
  EXPECT_EQ(result.transport_error().kind, TransportErrorKind::timeout);
  EXPECT_LT(elapsed, std::chrono::milliseconds(1200));
  EXPECT_NE(result.describe().find("timeout"), std::string::npos);
}

TEST_F(HttpClientTest, ConnectionRefusedIsATypedTransportError) {
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(FakeProvider::closed_port()) + "/x";
  req.query = {{"apikey", "SECRET"}};
  const HttpResult result = transport.get(req);
  ASSERT_FALSE(result.has_response());
  EXPECT_EQ(result.transport_error().kind, TransportErrorKind::connect);
  EXPECT_EQ(result.describe().find("SECRET"), std::string::npos);
}

TEST_F(HttpClientTest, DefaultTimeoutsAreFiveAndThirtySeconds) {
  HttpRequest req;
  EXPECT_EQ(req.timeouts.connect, std::chrono::seconds(5));
  EXPECT_EQ(req.timeouts.total, std::chrono::seconds(30));
}

TEST(HttpHelpers, UrlEncoding) {
  EXPECT_EQ(url_encode("USD/COP"), "USD%2FCOP");
  EXPECT_EQ(url_encode("2024-01-02 13:00:00"), "2024-01-02%2013%3A00%3A00");
  EXPECT_EQ(url_encode("a-b.c_d~e"), "a-b.c_d~e");
  EXPECT_EQ(url_encode("é"), "%C3%A9");
  EXPECT_EQ(build_url("http://h/p", {}), "http://h/p");
  EXPECT_EQ(build_url("http://h/p", {{"a", "1 2"}, {"b", "&"}}), "http://h/p?a=1%202&b=%26");
  EXPECT_EQ(build_url("http://h/p?x=1", {{"a", "b"}}), "http://h/p?x=1&a=b");
}

TEST(HttpHelpers, SecretsAreMasked) {
  EXPECT_EQ(mask_secrets("http://h/ts?symbol=USD%2FCOP&apikey=abc123&order=ASC"),
            "http://h/ts?symbol=USD%2FCOP&apikey=***&order=ASC");
  EXPECT_EQ(mask_secrets("http://h/obs?api_key=abc123"), "http://h/obs?api_key=***");
  EXPECT_EQ(mask_secrets("GET http://h/x?APIKEY=abc (attempt 1)"),
            "GET http://h/x?APIKEY=*** (attempt 1)");
  EXPECT_EQ(mask_secrets("no secrets here a=b"), "no secrets here a=b");
  EXPECT_EQ(redact("key abc and abc", "abc"), "key *** and ***");
  EXPECT_EQ(redact("unchanged", ""), "unchanged");
}

TEST(HttpHelpers, RetryAfterForms) {
  HttpResponse r;
  r.headers["retry-after"] = "120";
  EXPECT_EQ(r.retry_after()->count(), 120);
  r.headers["retry-after"] = "Wed, 21 Oct 2015 07:28:00 GMT";
  EXPECT_FALSE(r.retry_after().has_value());
  r.headers.clear();
  EXPECT_FALSE(r.retry_after().has_value());
}

}  // namespace
}  // namespace usdcop::adapters
