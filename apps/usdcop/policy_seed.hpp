#pragma once
// The first version of each policy kind from config/<kind>.yaml, for kinds the database has
// none of (`db start`, `db migrate`; spec 12: the YAML files are seeds).
#include <string>

namespace usdcop::cli {

void seed_policies(const std::string& url);

}  // namespace usdcop::cli
