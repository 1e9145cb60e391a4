#include "events/codec.hpp"

#include <cmath>
#include <stdexcept>

#include "core/canonical_json.hpp"
#include "core/error.hpp"
#include "events/payload_fields.hpp"

namespace usdcop::events {
namespace {

using nlohmann::json;

constexpr const char* kAlertKeys[] = {"event", "severity", "title"};
constexpr const char* kSeverities[] = {"info", "warning", "critical", "P1", "P0"};

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;  // clang 14 (clang-tidy) lacks C++20 aggregate CTAD

// JSON has no NaN or infinity: a non-finite number among an alert's free-form fields is sent
// as null (what the senders' nlohmann::json::dump() wrote before the codec existed).
json finite_only(const json& v) {
  if (v.is_number_float() && !std::isfinite(v.get<double>())) return nullptr;
  if (!v.is_structured()) return v;
  json out = v;
  for (auto& e : out) e = finite_only(e);
  return out;
}

json to_json(const NewOhlcvBar& e) {
  return {{"symbol", e.symbol},
          {"first_time", format_rfc3339(e.first_time)},
          {"last_time", format_rfc3339(e.last_time)},
          {"rows", e.rows},
          {"operation", operation_name(e.operation)}};
}
json to_json(const NewFeatures& e) {
  return {{"time", format_rfc3339(e.time)}, {"complete", e.complete}, {"rows", e.rows}};
}
json to_json(const NewSignal& e) {
  return {{"time", format_rfc3339(e.time)},
          {"model_id", e.model_id},
          {"signal", trading::signal_name(e.signal)},
          {"shadow", e.shadow}};
}
json to_json(const ModelChanged& e) {
  return {{"event", e.event},
          {"previous_model", e.previous_model ? json(*e.previous_model) : json(nullptr)},
          {"new_model", e.new_model},
          {"model_hash", e.model_hash},
          {"actor", e.actor},
          {"request_id", e.request_id}};
}
json to_json(const OperationsModeChanged& e) {
  return {{"mode", trading::mode_name(e.mode)},
          {"previous", trading::mode_name(e.previous)},
          {"reason", text_preview(e.reason)},
          {"changed_by", e.changed_by},
          {"kill_switch_active", e.kill_switch_active()},
          {"positions_closed", e.positions_closed}};
}
json to_json(const SystemHeartbeat& e) {
  return {{"instance", e.instance},
          {"sequence", e.sequence},
          {"sent_at", format_rfc3339(e.sent_at)},
          {"leader", e.leader}};
}
json to_json(const Alert& e) {
  if (!e.fields.is_object()) {
    throw Error(ErrorKind::invalid_input, "usdcop_alerts notification: fields must be an object",
                "fields");
  }
  json out = finite_only(e.fields);
  for (const char* key : kAlertKeys) {
    if (out.contains(key)) {
      throw Error(ErrorKind::invalid_input,
                  std::string("usdcop_alerts notification: fields must not hold '") + key +
                      "' (it is the alert's own)",
                  std::string("fields.") + key);
    }
  }
  out["event"] = e.event;
  out["severity"] = e.severity;
  out["title"] = text_preview(e.title);
  return out;
}

json to_json(const NewFill& e) {
  return {{"account", e.account},
          {"model_id", e.model_id},
          {"bar_time", format_rfc3339(e.bar_time)},
          {"time", format_rfc3339(e.time)},
          {"side", e.quantity < 0 ? "sell" : "buy"},
          {"quantity", e.quantity},
          {"price", e.price},
          {"cost", e.cost},
          {"position_after", e.position_after},
          {"reason", text_preview(e.reason)}};
}
json to_json(const EquitySnapshot& e) {
  return {{"account", e.account},
          {"model_id", e.model_id},
          {"time", format_rfc3339(e.time)},
          {"value", e.value},
          {"cash", e.cash},
          {"position", e.position},
          {"realized_pnl", e.realized_pnl},
          {"unrealized_pnl", e.unrealized_pnl},
          {"mode", trading::mode_name(e.mode)},
          {"decided", e.decided}};
}

NewOhlcvBar decode_bar(const PayloadFields& f) {
  NewOhlcvBar e;
  e.symbol = f.text("symbol");
  e.first_time = f.time("first_time");
  e.last_time = f.time("last_time");
  if (e.last_time < e.first_time) f.fail("last_time", "is before first_time");
  e.rows = f.integer("rows", 1);
  const auto bars_spanned = (e.last_time - e.first_time) / kBarLength + 1;
  if (e.rows > bars_spanned) {
    f.fail("rows", "is more than the " + std::to_string(bars_spanned) +
                       " bar(s) between first_time and last_time");
  }
  const auto op = f.text("operation");
  if (op == "insert") {
    e.operation = NewOhlcvBar::Operation::insert;
  } else if (op == "update") {
    e.operation = NewOhlcvBar::Operation::update;
  } else {
    f.fail("operation", "must be insert or update (got '" + op + "')");
  }
  return e;
}

NewFeatures decode_features(const PayloadFields& f) {
  return {f.time("time"), f.boolean("complete"), f.integer("rows", 1)};
}

NewSignal decode_signal(const PayloadFields& f) {
  NewSignal e;
  e.time = f.time("time");
  e.model_id = f.text("model_id");
  const auto s = f.text("signal");
  bool known = false;
  for (const auto sig : {trading::Signal::kLong, trading::Signal::kShort, trading::Signal::kHold}) {
    if (s == trading::signal_name(sig)) {
      e.signal = sig;
      known = true;
    }
  }
  if (!known) f.fail("signal", "must be LONG, SHORT or HOLD (got '" + s + "')");
  e.shadow = f.boolean("shadow");
  return e;
}

ModelChanged decode_model_changed(const PayloadFields& f) {
  ModelChanged e;
  e.event = f.text("event");
  if (e.event != "promotion" && e.event != "rollback" && e.event != "reload") {
    f.fail("event", "must be promotion, rollback or reload (got '" + e.event + "')");
  }
  e.previous_model = f.nullable_text("previous_model");
  e.new_model = f.text("new_model");
  e.model_hash = f.text("model_hash", true);
  e.actor = f.text("actor");
  e.request_id = f.text("request_id", true);
  return e;
}

trading::OperationsMode mode_field(const PayloadFields& f, const char* name) {
  const auto s = f.text(name);
  const auto mode = trading::parse_operations_mode(s);
  if (!mode) f.fail(name, "must be NORMAL, PAUSED or KILLED (got '" + s + "')");
  return *mode;
}

OperationsModeChanged decode_mode(const PayloadFields& f) {
  OperationsModeChanged e;
  e.mode = mode_field(f, "mode");
  e.previous = mode_field(f, "previous");
  e.reason = f.text("reason", true);
  e.changed_by = f.text("changed_by");
  if (f.boolean("kill_switch_active") != e.kill_switch_active()) {
    f.fail("kill_switch_active", "disagrees with mode");
  }
  // Added after the first version: absent means none closed.
  if (f.object().contains("positions_closed"))
    e.positions_closed = static_cast<long>(f.integer("positions_closed", 0));
  return e;
}

NewFill decode_fill(const PayloadFields& f) {
  NewFill e;
  e.account = f.text("account");
  e.model_id = f.text("model_id", true);
  e.bar_time = f.time("bar_time");
  e.time = f.time("time");
  e.quantity = f.number("quantity");
  const auto side = f.text("side");
  if (side != (e.quantity < 0 ? "sell" : "buy"))
    f.fail("side", "must be buy for a quantity >= 0 and sell below (got '" + side + "')");
  e.price = f.number("price");
  e.cost = f.number("cost");
  if (e.cost < 0) f.fail("cost", "must be >= 0");
  e.position_after = f.number("position_after");
  e.reason = f.text("reason", true);
  return e;
}

EquitySnapshot decode_equity(const PayloadFields& f) {
  EquitySnapshot e;
  e.account = f.text("account");
  e.model_id = f.text("model_id", true);
  e.time = f.time("time");
  e.value = f.number("value");
  e.cash = f.number("cash");
  e.position = f.number("position");
  e.realized_pnl = f.number("realized_pnl");
  e.unrealized_pnl = f.number("unrealized_pnl");
  e.mode = mode_field(f, "mode");
  e.decided = f.boolean("decided");
  return e;
}

SystemHeartbeat decode_heartbeat(const PayloadFields& f) {
  return {f.text("instance"), f.integer("sequence", 0), f.time("sent_at"), f.boolean("leader")};
}

Alert decode_alert(const PayloadFields& f) {
  Alert e;
  e.event = f.text("event");
  e.severity = f.text("severity");
  bool known = false;
  for (const char* s : kSeverities) known = known || e.severity == s;
  if (!known)
    f.fail("severity", "must be info, warning, critical, P1 or P0 (got '" + e.severity + "')");
  e.title = f.text("title");
  e.fields = f.object();
  for (const char* key : kAlertKeys) e.fields.erase(key);
  return e;
}

Event decode_fields(Channel channel, const PayloadFields& f) {
  switch (channel) {
    case Channel::new_ohlcv_bar:
      return decode_bar(f);
    case Channel::new_features:
      return decode_features(f);
    case Channel::new_signal:
      return decode_signal(f);
    case Channel::model_changed:
      return decode_model_changed(f);
    case Channel::operations_mode:
      return decode_mode(f);
    case Channel::system_heartbeat:
      return decode_heartbeat(f);
    case Channel::usdcop_alerts:
      return decode_alert(f);
    case Channel::new_fill:
      return decode_fill(f);
    case Channel::equity_snapshot:
      return decode_equity(f);
  }
  throw std::logic_error("events::decode: unknown channel");
}

void require_size(Channel channel, std::size_t bytes) {
  if (bytes <= kMaxPayloadBytes) return;
  throw Error(ErrorKind::invalid_input,
              std::string(channel_name(channel)) + " notification: payload is " +
                  std::to_string(bytes) + " bytes; NOTIFY carries at most " +
                  std::to_string(kMaxPayloadBytes),
              "payload");
}

}  // namespace

const char* operation_name(NewOhlcvBar::Operation op) {
  return op == NewOhlcvBar::Operation::update ? "update" : "insert";
}

Channel channel_of(const Event& event) {
  return std::visit(
      Overloaded{[](const NewOhlcvBar&) { return Channel::new_ohlcv_bar; },
                 [](const NewFeatures&) { return Channel::new_features; },
                 [](const NewSignal&) { return Channel::new_signal; },
                 [](const ModelChanged&) { return Channel::model_changed; },
                 [](const OperationsModeChanged&) { return Channel::operations_mode; },
                 [](const SystemHeartbeat&) { return Channel::system_heartbeat; },
                 [](const Alert&) { return Channel::usdcop_alerts; },
                 [](const NewFill&) { return Channel::new_fill; },
                 [](const EquitySnapshot&) { return Channel::equity_snapshot; }},
      event);
}

std::string encode(const Event& event) {
  const Channel channel = channel_of(event);
  std::string text = canonical_json(std::visit([](const auto& e) { return to_json(e); }, event));
  if (const auto* alert = std::get_if<Alert>(&event); alert && text.size() > kMaxPayloadBytes) {
    Alert shorter = *alert;
    shorter.fields = {{"fields_omitted", true}};
    text = canonical_json(to_json(shorter));
  }
  require_size(channel, text.size());
  // What listeners would refuse is refused here, at the sender, with the same error.
  decode(channel, text);
  return text;
}

Event decode(Channel channel, std::string_view payload) {
  require_size(channel, payload.size());
  return decode_fields(channel, PayloadFields(channel, payload));
}

Event decode(std::string_view channel, std::string_view payload) {
  const auto c = parse_channel(channel);
  if (!c) {
    throw Error(ErrorKind::invalid_input,
                "notification: '" + std::string(channel) + "' is not a usdcop channel", "channel");
  }
  return decode(*c, payload);
}

std::string text_preview(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026
  std::size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // Back up over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + std::string(kEllipsis);
}

}  // namespace usdcop::events
