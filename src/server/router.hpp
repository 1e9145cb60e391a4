#pragma once
// Routes of the API on cpp-httplib. Every route goes through serve(): request id (echoed in
// X-Request-Id), authentication and role (Access), CORS (closed unless origins are
// configured), the handler, error bodies (spec 07) and the HTTP metrics (spec 08). Route
// templates name path parameters as {name}; handlers read them with path_param().
#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "monitor/metrics.hpp"
#include "server/api_config.hpp"
#include "server/gatekeeper.hpp"
#include "server/request_context.hpp"

namespace usdcop::server {

enum class Access { open, viewer, operator_, admin };

using Handler = std::function<void(const httplib::Request&, httplib::Response&, RequestContext&)>;

class Router {
 public:
  Router(httplib::Server& http, Gatekeeper& gate, monitor::HttpMetrics& metrics,
         const ApiConfig& config);

  void get(const std::string& route, Access access, Handler handler);
  void post(const std::string& route, Access access, Handler handler);
  // Error bodies for what cpp-httplib refuses before any route (unknown path 404, body over
  // the limit 413, unparseable request 400) and, when origins are configured, CORS preflight.
  void install_fallbacks();

  Gatekeeper& gate() { return gate_; }

 private:
  void add(const std::string& method, const std::string& route, Access access, Handler handler);
  void serve(const std::string& method, const std::string& route, Access access,
             const Handler& handler, const httplib::Request& req, httplib::Response& res);
  void apply_cors(const httplib::Request& req, httplib::Response& res) const;

  httplib::Server& http_;
  Gatekeeper& gate_;
  monitor::HttpMetrics& metrics_;
  const ApiConfig& config_;
  std::vector<std::string> templates_;  // route templates, for path_param()
};

// The n-th {param} of the route, percent-decoded by cpp-httplib (1-based like regex groups).
std::string path_param(const httplib::Request& req, int n);

void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200);
void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message, const std::string& field, const nlohmann::json& details,
                const std::string& request_id);

// The role a caller needs for `access` (open has none).
models::Role role_for(Access access);

}  // namespace usdcop::server
