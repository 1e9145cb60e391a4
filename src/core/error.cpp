#include "core/error.hpp"

namespace usdcop {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
      return "invalid_input";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::conflict:
      return "conflict";
    case ErrorKind::unavailable:
      return "unavailable";
    case ErrorKind::integrity:
      return "integrity";
    case ErrorKind::internal:
      return "internal";
  }
  return "internal";
}

}  // namespace usdcop
