#include "server/router.hpp"

#include <chrono>
#include <iostream>
#include <regex>

#include "core/error.hpp"
#include "server/http_error.hpp"
#include "store/dependency_failure.hpp"

namespace usdcop::server {

namespace {

std::string pattern_of(const std::string& route) {
  static const std::regex param(R"(\{[a-z_]+\})");
  return std::regex_replace(route, param, "([^/]+)");
}

void log_line(const std::string& method, const httplib::Request& req, int status, bool mutating,
              const RequestContext& ctx, double ms) {
  // Mutations and refusals only: dashboards and predictions must not flood the log.
  if (!mutating && status < 400) return;
  std::cerr << "api " << ctx.request_id << " " << method << " " << ctx.route << " " << status << " "
            << (ctx.who ? ctx.who->principal : "-") << " " << req.remote_addr << " " << ms
            << "ms\n";
}

}  // namespace

models::Role role_for(Access access) {
  switch (access) {
    case Access::admin:
      return models::Role::admin;
    case Access::operator_:
      return models::Role::operator_;
    default:
      return models::Role::viewer;
  }
}

std::string path_param(const httplib::Request& req, int n) {
  if (n < 0 || static_cast<std::size_t>(n) >= req.matches.size()) return {};
  return req.matches[static_cast<std::size_t>(n)].str();
}

void send_json(httplib::Response& res, const nlohmann::json& body, int status) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message, const std::string& field, const nlohmann::json& details,
                const std::string& request_id) {
  send_json(res, error_body(code, message, field, details, request_id), status);
}

Router::Router(httplib::Server& http, Gatekeeper& gate, monitor::HttpMetrics& metrics,
               const ApiConfig& config)
    : http_(http), gate_(gate), metrics_(metrics), config_(config) {}

void Router::get(const std::string& route, Access access, Handler handler) {
  add("GET", route, access, std::move(handler));
}
void Router::post(const std::string& route, Access access, Handler handler) {
  add("POST", route, access, std::move(handler));
}

void Router::add(const std::string& method, const std::string& route, Access access,
                 Handler handler) {
  auto h = [this, method, route, access, handler = std::move(handler)](const httplib::Request& req,
                                                                       httplib::Response& res) {
    serve(method, route, access, handler, req, res);
  };
  if (method == "GET") http_.Get(pattern_of(route), h);
  if (method == "POST") http_.Post(pattern_of(route), h);
  templates_.push_back(route);
}

void Router::serve(const std::string& method, const std::string& route, Access access,
                   const Handler& handler, const httplib::Request& req, httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  // X-Correlation-Id (spec 10's name) is read when X-Request-Id is absent, and echoed.
  const bool correlation = !req.has_header("X-Request-Id") && req.has_header("X-Correlation-Id");
  RequestContext ctx{
      request_id_for(req.get_header_value(correlation ? "X-Correlation-Id" : "X-Request-Id")),
      route, std::nullopt};
  const std::string action = method + " " + route;
  auto fail = [&](int status, const std::string& code, const std::string& message,
                  const std::string& field, const nlohmann::json& details) {
    send_error(res, status, code, message, field, details, ctx.request_id);
  };
  try {
    if (access != Access::open) {
      ctx.who = gate_.authenticate(req, action);
      if (access != Access::viewer) gate_.require_role(*ctx.who, role_for(access), action);
    }
    handler(req, res, ctx);
  } catch (const HttpError& e) {
    fail(e.status(), e.code(), e.what(), e.field(), e.details());
    if (e.retry_after_seconds > 0)
      res.set_header("Retry-After", std::to_string(e.retry_after_seconds));
    if (e.status() == 401) res.set_header("WWW-Authenticate", "Bearer");
  } catch (const Error& e) {
    fail(http_status_for(e.kind()), error_code_for(e.kind()), e.what(), e.field(), {});
  } catch (const std::exception& e) {
    if (const auto dependency = store::as_dependency_failure(e)) {
      fail(503, "unavailable", dependency->what(), "", {});
    } else {
      // A bug: the client gets the request id, the log gets the cause; never a stack trace.
      std::cerr << "api " << ctx.request_id << " internal error: " << e.what() << "\n";
      fail(500, "internal", "internal error; the server log has request " + ctx.request_id, "", {});
    }
  }
  res.set_header("X-Request-Id", ctx.request_id);
  if (correlation) res.set_header("X-Correlation-Id", ctx.request_id);
  apply_cors(req, res);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.observe(route, method, res.status, seconds);
  const bool mutating = access == Access::operator_ || access == Access::admin;
  log_line(method, req, res.status, mutating, ctx, seconds * 1000.0);
}

void Router::apply_cors(const httplib::Request& req, httplib::Response& res) const {
  if (config_.cors_origins.empty()) return;
  const std::string origin = req.get_header_value("Origin");
  for (const auto& allowed : config_.cors_origins) {
    if (origin == allowed) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Vary", "Origin");
      return;
    }
  }
}

void Router::install_fallbacks() {
  if (!config_.cors_origins.empty()) {
    http_.Options(".*", [this](const httplib::Request& req, httplib::Response& res) {
      res.status = 204;
      apply_cors(req, res);
      if (res.has_header("Access-Control-Allow-Origin")) {
        res.set_header("Access-Control-Allow-Methods", "GET, POST, PATCH");
        res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id");
        res.set_header("Access-Control-Max-Age", "600");
      }
    });
  }
  const httplib::Server::HandlerWithResponse fallback = [this](const httplib::Request& req,
                                                               httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const std::string id = request_id_for(req.get_header_value("X-Request-Id"));
    if (res.status == 413) {
      send_error(res, 413, "payload_too_large",
                 "body: at most " + std::to_string(config_.max_body_bytes) + " bytes", "body", {},
                 id);
    } else if (res.status == 404) {
      send_error(res, 404, "route_not_found", "no route " + req.method + " " + req.path, "", {},
                 id);
    } else {
      send_error(res, res.status, res.status < 500 ? "bad_request" : "internal",
                 "the request could not be processed", "", {}, id);
    }
    res.set_header("X-Request-Id", id);
    metrics_.observe("unmatched", req.method, res.status, 0.0);
    return httplib::Server::HandlerResponse::Handled;
  };
  http_.set_error_handler(fallback);
}

}  // namespace usdcop::server
