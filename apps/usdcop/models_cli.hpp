#pragma once
// Small pieces shared by the models, promote, audit and lineage command groups.
#include <string>

#include "store/pg_model_registry.hpp"

namespace usdcop::cli {

// A fresh correlation id for the audit rows of one command ("cli-" + 16 hex digits).
std::string new_request_id();
// The actor of a command: --as (required non-empty) and --role (viewer|operator|admin).
store::Actor command_actor(const std::string& as, const std::string& role);

}  // namespace usdcop::cli
