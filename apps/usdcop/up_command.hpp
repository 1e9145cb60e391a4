#pragma once
// usdcop up (spec 11, 12): the platform in one process. `usdcop demo` ends with it.
#include <string>

#include "engine_launch.hpp"
#include "server/api_config.hpp"

namespace usdcop::cli {

struct UpOptions {
  server::ApiConfig api;
  EngineLaunch engine;
  // Where the admin token goes on a fresh database (user-only file); default
  // $USDCOP_HOME/admin.token. On a database that already has an admin token only the path is
  // printed (spec 12: the secret is shown once).
  std::string admin_token_file;
};

// Database (managed or DATABASE_URL) migrated as the owner, token bootstrap, the API server on
// this thread and the live engine on its own, until SIGINT/SIGTERM. Returns when both stopped.
void run_up(const UpOptions& options);

}  // namespace usdcop::cli
