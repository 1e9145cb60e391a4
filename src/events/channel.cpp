#include "events/channel.hpp"

namespace usdcop::events {

const char* channel_name(Channel channel) {
  switch (channel) {
    case Channel::new_ohlcv_bar:
      return "new_ohlcv_bar";
    case Channel::new_features:
      return "new_features";
    case Channel::new_signal:
      return "new_signal";
    case Channel::model_changed:
      return "model_changed";
    case Channel::operations_mode:
      return "operations_mode";
    case Channel::system_heartbeat:
      return "system_heartbeat";
    case Channel::usdcop_alerts:
      return "usdcop_alerts";
    case Channel::new_fill:
      return "new_fill";
    case Channel::equity_snapshot:
      return "equity_snapshot";
  }
  return "unknown";
}

std::optional<Channel> parse_channel(std::string_view name) {
  for (const Channel c : kAllChannels) {
    if (name == channel_name(c)) return c;
  }
  return std::nullopt;
}

}  // namespace usdcop::events
