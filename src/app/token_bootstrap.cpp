#include "app/token_bootstrap.hpp"

#include "app/services.hpp"
#include "core/error.hpp"

namespace usdcop::app {

std::optional<store::IssuedToken> bootstrap_first_admin(Services& services,
                                                        const std::string& principal) {
  try {
    return services.principals().bootstrap({principal, "up", {}, identity::kDefaultTokenDays});
  } catch (const Error& e) {
    // "an admin token exists": every later run. A principal of that name with another role is
    // a real conflict and goes up.
    if (e.kind() == ErrorKind::conflict &&
        std::string(e.what()).find("an admin token exists") != std::string::npos)
      return std::nullopt;
    throw;
  }
}

}  // namespace usdcop::app
