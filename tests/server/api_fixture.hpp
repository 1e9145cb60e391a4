#pragma once
// A real API server on 127.0.0.1 (any free port) over a private test database, with a viewer,
// an operator and an admin token, and a real HTTP client (httplib::Client, keep-alive).
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/services.hpp"
#include "server/api_config.hpp"
#include "server/api_server.hpp"
#include "support/test_database.hpp"

namespace usdcop::testing {

struct Reply {
  int status = 0;
  nlohmann::json json;  // null when the body is not JSON
  std::string body;
  httplib::Headers headers;
  std::string header(const std::string& name) const;
};

class ApiTest : public ::testing::Test {
 protected:
  explicit ApiTest(server::ApiConfig config = {});
  ~ApiTest() override;

  Reply get(const std::string& path, const std::string& token, const httplib::Headers& extra = {});
  Reply post(const std::string& path, const std::string& token, const std::string& body,
             const httplib::Headers& extra = {});
  Reply post(const std::string& path, const std::string& token, const nlohmann::json& body,
             const httplib::Headers& extra = {}) {
    return post(path, token, body.dump(), extra);
  }
  Reply post(const std::string& path, const std::string& token, const char* body) {
    return post(path, token, std::string(body));
  }
  long count(const std::string& sql);  // test-side reads
  std::string text(const std::string& sql);

  TestDatabase db{8};
  std::string viewer, operator_, admin;
  std::unique_ptr<app::Services> services;
  std::unique_ptr<server::ApiServer> api;
  std::unique_ptr<httplib::Client> client;
};

Reply to_reply(const httplib::Result& r);

}  // namespace usdcop::testing
