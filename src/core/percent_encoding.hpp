#pragma once
// RFC 3986 percent-encoding, shared by the HTTP clients and the PostgreSQL connection URIs.
#include <string>
#include <string_view>

namespace usdcop {

// Encodes every byte but the unreserved characters (A-Z a-z 0-9 - . _ ~) and those listed in
// also_keep (e.g. "/" for a socket directory in a URI query value).
std::string percent_encode(std::string_view text, std::string_view also_keep = {});

}  // namespace usdcop
