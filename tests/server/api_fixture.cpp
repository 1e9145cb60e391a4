#include "api_fixture.hpp"

#include <pqxx/pqxx>

#include "support/test_tokens.hpp"

namespace usdcop::testing {

std::string Reply::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

Reply to_reply(const httplib::Result& r) {
  Reply out;
  if (!r) {
    ADD_FAILURE() << "no HTTP response: " << httplib::to_string(r.error());
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  out.headers = r->headers;
  out.json = nlohmann::json::parse(r->body, nullptr, false);
  if (out.json.is_discarded()) out.json = nullptr;
  return out;
}

ApiTest::ApiTest(server::ApiConfig config) {
  viewer = make_token(db, "vera", "viewer");
  operator_ = make_token(db, "olga", "operator");
  admin = make_token(db, "adam", "admin");
  config.host = "127.0.0.1";
  config.port = 0;
  config.request_threads = 4;
  config.max_streams = 2;
  services = std::make_unique<app::Services>(db.url());
  api = std::make_unique<server::ApiServer>(config, *services);
  const int port = api->start();
  client = std::make_unique<httplib::Client>("127.0.0.1", port);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_read_timeout(30, 0);  // 10x margin over anything a request does here
}

ApiTest::~ApiTest() {
  client.reset();
  api.reset();
  services.reset();
}

namespace {
httplib::Headers with_token(const std::string& token, httplib::Headers extra) {
  if (!token.empty()) extra.emplace("Authorization", "Bearer " + token);
  return extra;
}
}  // namespace

Reply ApiTest::get(const std::string& path, const std::string& token,
                   const httplib::Headers& extra) {
  return to_reply(client->Get(path, with_token(token, extra)));
}

Reply ApiTest::post(const std::string& path, const std::string& token, const std::string& body,
                    const httplib::Headers& extra) {
  return to_reply(client->Post(path, with_token(token, extra), body, "application/json"));
}

long ApiTest::count(const std::string& sql) {
  auto conn = db.pool().acquire();
  pqxx::read_transaction tx(*conn);
  return tx.exec(sql)[0][0].as<long>();
}

std::string ApiTest::text(const std::string& sql) {
  auto conn = db.pool().acquire();
  pqxx::read_transaction tx(*conn);
  const auto r = tx.exec(sql);
  return r.empty() || r[0][0].is_null() ? std::string() : r[0][0].c_str();
}

}  // namespace usdcop::testing
