// The events codec (spec 12): every channel round-trips, malformed payloads name the field,
// payloads stay under PostgreSQL's 8000-byte NOTIFY limit.
#include "events/codec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/canonical_json.hpp"
#include "core/error.hpp"
#include "store/pg_listener.hpp"

using namespace usdcop;
using namespace usdcop::events;

namespace {

Timestamp at(const char* text) {
  return parse_timestamp_or_throw(text, "time");
}

std::vector<Event> one_of_each() {
  return {
      NewOhlcvBar{"USD/COP", at("2024-03-05T13:00:00Z"), at("2024-03-05T17:55:00Z"), 60,
                  NewOhlcvBar::Operation::insert},
      NewFeatures{at("2024-03-05T17:55:00Z"), true, 60},
      NewSignal{at("2024-03-05T13:05:00Z"), "ppo_v3", trading::Signal::kShort, true},
      ModelChanged{"rollback", "ppo_v3", "ppo_v2", std::string(64, 'a'), "alice", "req-1"},
      OperationsModeChanged{trading::OperationsMode::kKilled, trading::OperationsMode::kPaused,
                            "drawdown — señal", "auto-monitor", 2},
      SystemHeartbeat{"engine-1", 42, at("2024-03-05T13:05:01.250Z"), true},
      Alert{"promotion_override",
            "P1",
            "override promotion of m to production by bob",
            {{"request_id", "r1"}, {"failed_gates", {{"sharpe", {{"value", 0.5}}}}}}},
      NewFill{"paper", "ppo_v3", at("2024-03-05T13:05:00Z"), at("2024-03-05T13:10:00Z"), -0.25,
              4012.5, 1.003125, -0.25, "signal_change"},
      EquitySnapshot{"paper", "ppo_v3", at("2024-03-05T13:05:00Z"), 10001.25, 11004.375, -0.25, 2.5,
                     -0.125, trading::OperationsMode::kNormal, true},
  };
}

// Error(invalid_input) whose field is `field`, with the channel named in the message.
void expect_refused(Channel channel, const std::string& payload, const std::string& field) {
  try {
    decode(channel, payload);
    ADD_FAILURE() << "accepted: " << payload;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << e.what();
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(channel_name(channel)), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(EventsCodec, EveryChannelRoundTripsThroughCanonicalJson) {
  std::set<Channel> seen;
  for (const auto& event : one_of_each()) {
    const Channel channel = channel_of(event);
    seen.insert(channel);
    const auto text = encode(event);
    EXPECT_EQ(text, canonical_json(nlohmann::json::parse(text))) << text;
    EXPECT_EQ(decode(channel, text), event) << text;
    EXPECT_EQ(decode(channel_name(channel), text), event) << text;
    EXPECT_EQ(parse_channel(channel_name(channel)), channel);
  }
  EXPECT_EQ(seen.size(), kAllChannels.size());
}

TEST(EventsCodec, FillAndEquityPayloadsNameTheirBadField) {
  const std::string fill = R"({"account":"paper","model_id":"m","bar_time":"2024-03-05T13:05:00Z",)"
                           R"("time":"2024-03-05T13:10:00Z","quantity":-1,"price":4000,"cost":0.4,)"
                           R"("position_after":-1,"reason":"x",)";
  EXPECT_EQ(std::get<NewFill>(decode(Channel::new_fill, fill + R"("side":"sell"})")).quantity, -1);
  expect_refused(Channel::new_fill, fill + R"("side":"buy"})", "side");
  expect_refused(Channel::new_fill,
                 R"({"account":"paper","model_id":"m","bar_time":"2024-03-05T13:05:00Z",)"
                 R"("time":"2024-03-05T13:10:00Z","quantity":"1","side":"buy"})",
                 "quantity");
  expect_refused(Channel::equity_snapshot,
                 R"({"account":"paper","model_id":"m","time":"2024-03-05T13:05:00Z",)"
                 R"("value":null})",
                 "value");
  expect_refused(Channel::equity_snapshot,
                 R"({"account":"paper","model_id":"m","time":"2024-03-05T13:05:00Z","value":1,)"
                 R"("cash":1,"position":0,"realized_pnl":0,"unrealized_pnl":0,"mode":"OPEN",)"
                 R"("decided":true})",
                 "mode");
}

TEST(EventsCodec, ChannelNamesAreTheWireNamesOfSpec12) {
  std::vector<std::string> names;
  for (const auto c : kAllChannels) names.push_back(channel_name(c));
  EXPECT_EQ(names, (std::vector<std::string>{"new_ohlcv_bar", "new_features", "new_signal",
                                             "model_changed", "operations_mode", "system_heartbeat",
                                             "usdcop_alerts", "new_fill", "equity_snapshot"}));
  EXPECT_FALSE(parse_channel("new_bar").has_value());
}

TEST(EventsCodec, PayloadsKeepTheKeysOfTheSendersBeforeTheCodec) {
  const auto mode = nlohmann::json::parse(encode(OperationsModeChanged{
      trading::OperationsMode::kKilled, trading::OperationsMode::kNormal, "test", "bob"}));
  EXPECT_EQ(mode, (nlohmann::json{{"mode", "KILLED"},
                                  {"previous", "NORMAL"},
                                  {"reason", "test"},
                                  {"changed_by", "bob"},
                                  {"kill_switch_active", true},
                                  {"positions_closed", 0}}));
  // A payload of the first version (no positions_closed) still decodes: none closed.
  const auto first_version = std::get<OperationsModeChanged>(
      decode(Channel::operations_mode,
             R"({"changed_by":"bob","kill_switch_active":true,"mode":"KILLED","previous":"NORMAL",)"
             R"("reason":"test"})"));
  EXPECT_EQ(first_version.positions_closed, 0);
  try {
    decode(Channel::operations_mode,
           R"({"changed_by":"bob","kill_switch_active":true,"mode":"KILLED","previous":"NORMAL",)"
           R"("reason":"test","positions_closed":-1})");
    ADD_FAILURE() << "a negative positions_closed was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "positions_closed");
  }
  const auto model = nlohmann::json::parse(
      encode(ModelChanged{"promotion", std::nullopt, "m_new", "h", "bob", ""}));
  EXPECT_TRUE(model["previous_model"].is_null());
  EXPECT_EQ(model["new_model"], "m_new");
  EXPECT_EQ(model["event"], "promotion");
  // An alert's own fields stay at the top level (the liquidity flip alert's "kind", "date").
  const auto alert = nlohmann::json::parse(
      encode(Alert{"liquidity_green_to_red_candidate",
                   "warning",
                   "candidate turned RED",
                   {{"kind", "liquidity_green_to_red_candidate"}, {"date", "2025-03-02"}}}));
  EXPECT_EQ(alert["kind"], "liquidity_green_to_red_candidate");
  EXPECT_EQ(alert["date"], "2025-03-02");
  EXPECT_EQ(alert["severity"], "warning");
  EXPECT_EQ(alert["title"], "candidate turned RED");
}

TEST(EventsCodec, TheTriggersJsonLayoutDecodes) {
  // json_build_object(...)::text as migration 0017 sends it (spaces around the colons).
  const auto e = std::get<NewOhlcvBar>(
      decode(Channel::new_ohlcv_bar,
             R"({"symbol" : "USD/COP", "first_time" : "2024-03-05T13:00:00Z", "last_time" : )"
             R"("2024-03-05T13:10:00Z", "rows" : 3, "operation" : "update"})"));
  EXPECT_EQ(e.rows, 3);
  EXPECT_EQ(e.operation, NewOhlcvBar::Operation::update);
  EXPECT_EQ(e.last_time - e.first_time, std::chrono::minutes(10));
}

TEST(EventsCodec, MalformedPayloadsNameTheOffendingField) {
  const std::string bar_tail = R"(, "rows": 2, "operation": "insert"})";
  const std::string bar_head = R"({"symbol": "USD/COP", )";
  expect_refused(Channel::new_ohlcv_bar, "not json", "payload");
  expect_refused(Channel::new_ohlcv_bar, "[1, 2]", "payload");
  expect_refused(Channel::new_ohlcv_bar, R"({"first_time": "2024-03-05T13:00:00Z"})", "symbol");
  expect_refused(
      Channel::new_ohlcv_bar,
      bar_head + R"("first_time": "yesterday", "last_time": "2024-03-05T13:05:00Z")" + bar_tail,
      "first_time");
  expect_refused(Channel::new_ohlcv_bar,
                 bar_head + R"("first_time": "2024-03-05T13:05:00Z", "last_time": )" +
                     R"("2024-03-05T13:00:00Z")" + bar_tail,
                 "last_time");
  expect_refused(Channel::new_ohlcv_bar,
                 bar_head + R"("first_time": "2024-03-05T13:00:00Z", "last_time": )" +
                     R"("2024-03-05T13:00:00Z")" + bar_tail,
                 "rows");  // 2 rows cannot fit in one bar time
  expect_refused(Channel::new_ohlcv_bar,
                 bar_head + R"("first_time": "2024-03-05T13:00:00Z", "last_time": )" +
                     R"("2024-03-05T13:05:00Z", "rows": 2, "operation": "delete"})",
                 "operation");
  expect_refused(Channel::new_features,
                 R"({"time": "2024-03-05T13:00:00Z", "complete": 1, )"
                 R"("rows": 1})",
                 "complete");
  expect_refused(Channel::new_features,
                 R"({"time": "2024-03-05T13:00:00Z", "complete": true, )"
                 R"("rows": 0})",
                 "rows");
  expect_refused(Channel::new_features,
                 R"({"time": "2024-03-05T13:00:00Z", "complete": true, )"
                 R"("rows": 1.5})",
                 "rows");
  expect_refused(Channel::new_signal,
                 R"({"time": "2024-03-05T13:00:00Z", "model_id": "m", )"
                 R"("signal": "BUY", "shadow": false})",
                 "signal");
  expect_refused(Channel::new_signal,
                 R"({"time": "2024-03-05T13:00:00Z", "model_id": "", )"
                 R"("signal": "LONG", "shadow": false})",
                 "model_id");
  expect_refused(Channel::model_changed,
                 R"({"event": "promotion", "previous_model": "", )"
                 R"("new_model": "m", "model_hash": "h", "actor": "a", )"
                 R"("request_id": ""})",
                 "previous_model");
  expect_refused(Channel::model_changed,
                 R"({"event": "deploy", "previous_model": null, )"
                 R"("new_model": "m", "model_hash": "h", "actor": "a", )"
                 R"("request_id": ""})",
                 "event");
  expect_refused(Channel::operations_mode,
                 R"({"mode": "STOPPED", "previous": "NORMAL", )"
                 R"("reason": "", "changed_by": "a", )"
                 R"("kill_switch_active": false})",
                 "mode");
  expect_refused(Channel::operations_mode,
                 R"({"mode": "NORMAL", "previous": "KILLED", )"
                 R"("reason": "", "changed_by": "a", )"
                 R"("kill_switch_active": true})",
                 "kill_switch_active");
  expect_refused(Channel::system_heartbeat,
                 R"({"instance": "e", "sequence": -1, )"
                 R"("sent_at": "2024-03-05T13:00:00Z", "leader": true})",
                 "sequence");
  expect_refused(Channel::usdcop_alerts, R"({"event": "x", "severity": "urgent", "title": "t"})",
                 "severity");
  expect_refused(Channel::usdcop_alerts, R"({"event": "x", "severity": "P0"})", "title");
}

TEST(EventsCodec, AnUnknownChannelIsRefusedByName) {
  try {
    decode(std::string_view("new_bars"), "{}");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "channel");
    EXPECT_NE(std::string(e.what()).find("new_bars"), std::string::npos);
  }
}

TEST(EventsCodec, EncodeRefusesWhatListenersWouldRefuse) {
  try {
    encode(NewFeatures{at("2024-03-05T13:00:00Z"), true, 0});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "rows");
  }
  try {
    encode(Alert{"x", "info", "t", {{"title", "again"}}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "fields.title");
  }
}

TEST(EventsCodec, PayloadsStayUnderTheNotifyLimit) {
  // Free text travels as a preview.
  const auto mode = encode(OperationsModeChanged{trading::OperationsMode::kPaused,
                                                 trading::OperationsMode::kNormal,
                                                 std::string(20000, 'r'), "bob"});
  EXPECT_LE(mode.size(), kMaxPayloadBytes);
  const auto reason =
      std::get<OperationsModeChanged>(decode(Channel::operations_mode, mode)).reason;
  EXPECT_LE(reason.size(), kMaxTextBytes);
  EXPECT_EQ(reason.substr(reason.size() - 3), "\xE2\x80\xA6");
  // An alert too big for NOTIFY goes without its fields, saying so.
  nlohmann::json big = nlohmann::json::object();
  for (int i = 0; i < 500; ++i) big["gate_" + std::to_string(i)] = std::string(40, 'x');
  const auto alert_text = encode(Alert{"promotion_override", "P1", "override", big});
  EXPECT_LE(alert_text.size(), kMaxPayloadBytes);
  const auto alert = std::get<Alert>(decode(Channel::usdcop_alerts, alert_text));
  EXPECT_EQ(alert.fields, (nlohmann::json{{"fields_omitted", true}}));
  // Anything else too long is refused before it reaches SQL.
  try {
    encode(ModelChanged{"promotion", std::nullopt, std::string(9000, 'm'), "h", "a", ""});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "payload");
    EXPECT_NE(std::string(e.what()).find("7999"), std::string::npos);
  }
  expect_refused(Channel::new_features, std::string(8000, ' '), "payload");
}

TEST(EventsCodec, PreviewsNeverSplitACharacter) {
  std::string accents;
  for (int i = 0; i < 700; ++i) accents += "\xC3\xA9";  // é, 2 bytes
  const auto p = text_preview(accents, 100);
  EXPECT_LE(p.size(), 100u);
  EXPECT_EQ(p.substr(p.size() - 3), "\xE2\x80\xA6");
  const auto body = p.substr(0, p.size() - 3);
  EXPECT_EQ(body.size() % 2, 0u);
  EXPECT_EQ(text_preview("short", 100), "short");
}

TEST(EventsCodec, NonFiniteNumbersInAlertFieldsTravelAsNull) {
  const auto text = encode(Alert{"drift", "warning", "psi", {{"psi", std::nan("")}}});
  EXPECT_TRUE(std::get<Alert>(decode(Channel::usdcop_alerts, text)).fields["psi"].is_null());
}

TEST(ListenerBackoff, DoublesFromTheInitialDelayUpToTheMaximum) {
  const store::ListenerBackoff b{std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  EXPECT_EQ(b.delay_after(1), std::chrono::milliseconds(100));
  EXPECT_EQ(b.delay_after(2), std::chrono::milliseconds(200));
  EXPECT_EQ(b.delay_after(4), std::chrono::milliseconds(800));
  EXPECT_EQ(b.delay_after(5), std::chrono::milliseconds(1000));
  EXPECT_EQ(b.delay_after(1000), std::chrono::milliseconds(1000));
}
