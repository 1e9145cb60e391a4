#pragma once
// The one canonical-JSON writer of spec 12, used for every hash the project computes (backtest
// signatures, norm stats, ...). Its bytes equal Python's
//   json.dumps(obj, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
// after replacing -0.0 by 0.0: keys sorted by code point, no whitespace, integers as integers,
// doubles in their shortest round-trip form laid out as repr(float) ("100.0", "1e-05",
// "3.859998619210949", "1e+16"), strings as UTF-8 with only '"', '\\' and control characters
// escaped. docs/CANONICAL_JSON.md states the rules for anyone who wants to recompute a hash.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace usdcop {

// Throws Error(invalid_input) on a non-finite number (JSON has none) or a binary value.
std::string canonical_json(const nlohmann::json& value);
// sha256 (64 lowercase hex) of canonical_json(value).
std::string canonical_json_sha256(const nlohmann::json& value);

// The pieces, for writers that lay out a fixed structure themselves (norm stats).
void append_canonical_number(std::string& out, double v);  // finite v only
void append_canonical_string(std::string& out, std::string_view s);

}  // namespace usdcop
