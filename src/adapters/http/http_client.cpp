#include "adapters/http/http_client.hpp"

#include "core/percent_encoding.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace usdcop::adapters {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

size_t write_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t write_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  const std::string_view line(data, size * n);
  // A new status line starts a new header block (redirects, 100 Continue): keep the last one.
  if (line.starts_with("HTTP/")) {
    headers->clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    (*headers)[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return size * n;
}

TransportErrorKind kind_of(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return TransportErrorKind::timeout;
    case CURLE_COULDNT_CONNECT:
      return TransportErrorKind::connect;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportErrorKind::resolve;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return TransportErrorKind::tls;
    default:
      return TransportErrorKind::other;
  }
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const auto it = headers.find(lower(name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::chrono::seconds> HttpResponse::retry_after() const {
  const auto v = header("retry-after");
  if (!v || v->empty() || v->size() > 9) return std::nullopt;
  if (!std::all_of(v->begin(), v->end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;  // HTTP-date form: not supported, the caller falls back to backoff
  }
  return std::chrono::seconds(std::stol(*v));
}

const char* to_string(TransportErrorKind kind) {
  switch (kind) {
    case TransportErrorKind::timeout:
      return "timeout";
    case TransportErrorKind::connect:
      return "connect";
    case TransportErrorKind::resolve:
      return "resolve";
    case TransportErrorKind::tls:
      return "tls";
    case TransportErrorKind::other:
      return "other";
  }
  return "other";
}

std::string HttpResult::describe() const {
  if (has_response()) return "HTTP " + std::to_string(response().status);
  const auto& e = transport_error();
  return std::string("transport error (") + to_string(e.kind) + "): " + e.message;
}

CurlTransport::CurlTransport() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

HttpResult CurlTransport::get(const HttpRequest& request) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return TransportError{TransportErrorKind::other, "curl_easy_init failed"};
  CURL* c = curl.get();
  const std::string url = build_url(request.url, request.query);
  HttpResponse response;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM (threads)
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.timeouts.connect.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeouts.total.count()));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85: the string forms; the bitmask ones are deprecated
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
  curl_easy_setopt(c, CURLOPT_USERAGENT, "usdcop/0.1");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, write_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);

  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    std::string msg = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(code));
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
    return TransportError{kind_of(code), mask_secrets(msg)};
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::string url_encode(std::string_view text) {
  return percent_encode(text);
}

std::string build_url(std::string_view url, const QueryParams& query) {
  std::string out(url);
  char sep = out.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : query) {
    out += sep;
    out += url_encode(k);
    out += '=';
    out += url_encode(v);
    sep = '&';
  }
  return out;
}

std::string mask_secrets(std::string_view url) {
  static const char* const kSecretNames[] = {"apikey", "api_key", "token", "key"};
  std::string out(url);
  size_t pos = 0;
  while (pos < out.size()) {
    const size_t eq = out.find('=', pos);
    if (eq == std::string::npos) break;
    // The parameter name runs back to the previous '?', '&' or start (or a space).
    size_t start = out.find_last_of("?& ", eq);
    start = (start == std::string::npos) ? 0 : start + 1;
    const std::string name = lower(std::string_view(out).substr(start, eq - start));
    size_t end = out.find_first_of("& #", eq + 1);
    if (end == std::string::npos) end = out.size();
    const bool secret = std::any_of(std::begin(kSecretNames), std::end(kSecretNames),
                                    [&](const char* s) { return name == s; });
    if (secret && end > eq + 1) {
      out.replace(eq + 1, end - eq - 1, "***");
      end = eq + 4;
    }
    pos = end;
  }
  return out;
}

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
    text.replace(pos, secret.size(), "***");
  }
  return text;
}

}  // namespace usdcop::adapters
