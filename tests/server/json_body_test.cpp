// Mutating bodies: malformed JSON, non-objects, unknown fields, wrong types, bounded strings
// and Python's NaN/Infinity words are refused with the field named.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "server/http_error.hpp"
#include "server/json_body.hpp"

using usdcop::Error;
using usdcop::ErrorKind;
using usdcop::server::JsonBody;

namespace {
std::string field_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << e.what();
    return e.field();
  }
  ADD_FAILURE() << "no error";
  return {};
}
}  // namespace

TEST(JsonBody, RefusesMalformedNonObjectAndUnknownFields) {
  EXPECT_EQ(field_of([] { JsonBody("{\"reason\": ", {"reason"}); }), "body");
  EXPECT_EQ(field_of([] { JsonBody("[1,2]", {"reason"}); }), "body");
  EXPECT_EQ(field_of([] { JsonBody(R"({"reason":"x","extra":1})", {"reason"}); }), "extra");
  EXPECT_TRUE(JsonBody("", {"reason"}).raw().is_object());
  EXPECT_TRUE(JsonBody("  \n", {"reason"}).raw().empty());
}

TEST(JsonBody, TypesAndBounds) {
  const JsonBody b(R"({"reason":"ok","flag":"yes","n":3,"long":")" + std::string(200, 'a') + "\"}",
                   {"reason", "flag", "n", "long"});
  EXPECT_EQ(b.required_string("reason", 10), "ok");
  EXPECT_EQ(field_of([&] { (void)b.boolean("flag", true); }), "flag");
  EXPECT_EQ(field_of([&] { (void)b.required_string("n", 10); }), "n");
  EXPECT_EQ(field_of([&] { (void)b.required_string("long", 128); }), "long");
  EXPECT_EQ(field_of([&] { (void)b.required_string("missing", 10); }), "missing");
  EXPECT_TRUE(b.boolean("absent", true));
  const JsonBody ctl(std::string(R"({"reason":"a)") + "\\u0007" + "\"}", {"reason"});
  EXPECT_EQ(field_of([&] { (void)ctl.required_string("reason", 10); }), "reason");
}

TEST(JsonBody, PythonNonFiniteWordsBecomeNamedStrings) {
  EXPECT_EQ(usdcop::server::quote_non_finite_words(R"({"f":[1,NaN,-Infinity,Infinity],"s":"NaN"})"),
            R"({"f":[1,"NaN","-Infinity","Infinity"],"s":"NaN"})");
  const JsonBody b(R"({"features":[0.5, NaN]})", {"features"});
  EXPECT_EQ(b.raw()["features"][1], "NaN");
  // Escaped quotes inside strings do not end the string.
  EXPECT_EQ(usdcop::server::quote_non_finite_words(R"({"s":"a\"NaN"})"), R"({"s":"a\"NaN"})");
}

TEST(HttpError, StatusesForErrorKinds) {
  using usdcop::server::http_status_for;
  EXPECT_EQ(http_status_for(ErrorKind::invalid_input), 400);
  EXPECT_EQ(http_status_for(ErrorKind::not_found), 404);
  EXPECT_EQ(http_status_for(ErrorKind::conflict), 409);
  EXPECT_EQ(http_status_for(ErrorKind::integrity), 422);
  EXPECT_EQ(http_status_for(ErrorKind::unavailable), 503);
  const auto body = usdcop::server::error_body("invalid_input", "m", "features[3]", {}, "req-1");
  EXPECT_EQ(body["error"]["field"], "features[3]");
  EXPECT_EQ(body["error"]["request_id"], "req-1");
  EXPECT_TRUE(body["error"]["details"].is_object());
}
