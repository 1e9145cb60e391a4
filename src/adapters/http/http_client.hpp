#pragma once
// Outbound HTTP for the market-data clients (TwelveData, FRED): a GET with URL-encoded query
// parameters and timeouts, returning the status, the headers and the body, or a typed transport
// error. HttpTransport is the seam the clients are written against; CurlTransport (libcurl) is
// the one implementation, used in production and in tests (against a local HTTP server).
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace usdcop::adapters {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct HttpTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds total{30000};
};

struct HttpRequest {
  std::string url;    // scheme://host[:port]/path, without the query string
  QueryParams query;  // URL-encoded and appended by the transport
  HttpTimeouts timeouts;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
  std::string body;

  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
  // Retry-After in delta-seconds form ("7"); nullopt when absent or an HTTP date.
  std::optional<std::chrono::seconds> retry_after() const;
};

enum class TransportErrorKind { timeout, connect, resolve, tls, other };
const char* to_string(TransportErrorKind kind);

struct TransportError {
  TransportErrorKind kind = TransportErrorKind::other;
  std::string message;  // libcurl's description; never contains the query string
};

// A response (any status) or a transport failure (no response at all).
class HttpResult {
 public:
  HttpResult(HttpResponse r) : v_(std::move(r)) {}    // NOLINT: implicit by design
  HttpResult(TransportError e) : v_(std::move(e)) {}  // NOLINT
  bool has_response() const { return std::holds_alternative<HttpResponse>(v_); }
  const HttpResponse& response() const { return std::get<HttpResponse>(v_); }
  const TransportError& transport_error() const { return std::get<TransportError>(v_); }
  // "HTTP 503" or "transport error (timeout): ..." — safe to show (no URL, no key).
  std::string describe() const;

 private:
  std::variant<HttpResponse, TransportError> v_;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual HttpResult get(const HttpRequest& request) = 0;
};

// libcurl implementation. One easy handle per call; safe to use from several threads.
class CurlTransport : public HttpTransport {
 public:
  CurlTransport();
  HttpResult get(const HttpRequest& request) override;
};

// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string url_encode(std::string_view text);
// url + "?" + k=v&... (encoded); url unchanged when there are no parameters.
std::string build_url(std::string_view url, const QueryParams& query);
// Replaces the values of secret query parameters (apikey, api_key, token, key) with "***",
// so a URL can be printed or put in an error message.
std::string mask_secrets(std::string_view url);
// Replaces every occurrence of `secret` in `text` by "***" (no-op for an empty secret).
std::string redact(std::string text, std::string_view secret);

}  // namespace usdcop::adapters
