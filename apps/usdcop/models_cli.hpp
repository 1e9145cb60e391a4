#pragma once
// Small pieces shared by the models, promote, audit and lineage command groups.
#include <string>

#include "store/pg_model_registry.hpp"

namespace usdcop::cli {

// A fresh correlation id for the audit rows of one command ("cli-" + 16 hex digits).
std::string new_request_id();

}  // namespace usdcop::cli
