#pragma once
// The PostgreSQL NOTIFY channels of spec 12, in one place. A channel's name is its wire name
// (LISTEN/NOTIFY); its payload is the struct of the same name in events/payloads.hpp, written
// and read only by events/codec.hpp. docs/EVENTS.md lists who sends and who listens.
#include <array>
#include <optional>
#include <string_view>

namespace usdcop::events {

enum class Channel {
  new_ohlcv_bar,     // bars written (database trigger on market.usdcop_m5_ohlcv)
  new_features,      // feature rows written
  new_signal,        // a model's decision for a bar
  model_changed,     // the production model was swapped (promotion, rollback)
  operations_mode,   // NORMAL / PAUSED / KILLED changed
  system_heartbeat,  // an engine is alive
  usdcop_alerts,     // something a person should look at
  new_fill,          // the live engine filled an order
  equity_snapshot,   // the live engine marked an account at a bar's close
};

inline constexpr std::array<Channel, 9> kAllChannels{
    Channel::new_ohlcv_bar, Channel::new_features,    Channel::new_signal,
    Channel::model_changed, Channel::operations_mode, Channel::system_heartbeat,
    Channel::usdcop_alerts, Channel::new_fill,        Channel::equity_snapshot};

const char* channel_name(Channel channel);  // "new_ohlcv_bar", ...
std::optional<Channel> parse_channel(std::string_view name);

}  // namespace usdcop::events
