#pragma once
// One notification of any channel: the payload's type says which channel it travels on.
#include <variant>

#include "events/channel.hpp"
#include "events/payloads.hpp"

namespace usdcop::events {

using Event = std::variant<NewOhlcvBar, NewFeatures, NewSignal, ModelChanged, OperationsModeChanged,
                           SystemHeartbeat, Alert, NewFill, EquitySnapshot>;

Channel channel_of(const Event& event);

}  // namespace usdcop::events
