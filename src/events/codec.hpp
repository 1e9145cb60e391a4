#pragma once
// The one codec of the NOTIFY payloads (spec 12). encode() writes an event as canonical JSON
// (core/canonical_json.hpp); decode() reads a payload of a channel back into its typed event,
// validating every field: a malformed payload throws Error(invalid_input) whose field() is the
// logical name of the offending field ("first_time", "rows", "payload" for the whole text).
//
// PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. encode() keeps payloads under it:
// free text (a reason, an alert title) travels as a preview of at most kMaxTextBytes, an
// alert whose fields would not fit is sent with `"fields_omitted": true` instead of them, and
// anything still too long throws Error(invalid_input, field "payload") before reaching SQL.
#include <cstddef>
#include <string>
#include <string_view>

#include "events/event.hpp"

namespace usdcop::events {

inline constexpr std::size_t kMaxPayloadBytes = 7999;  // PostgreSQL: shorter than 8000 bytes
inline constexpr std::size_t kMaxTextBytes = 1000;     // previews of free text

std::string encode(const Event& event);

Event decode(Channel channel, std::string_view payload);
// The same for a channel named on the wire; an unknown name throws (field "channel").
Event decode(std::string_view channel, std::string_view payload);

// `text` cut at a UTF-8 character boundary to at most max_bytes, ending in "…" when cut.
std::string text_preview(std::string_view text, std::size_t max_bytes = kMaxTextBytes);

}  // namespace usdcop::events
