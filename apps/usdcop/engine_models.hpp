#pragma once
// The models `usdcop engine` trades (spec 12): the deployed one (or, in a replay on a database
// without a deployed model, the one chosen, audited) and every staging model as a shadow, each
// verified against its registered hash with the profiles in force.
#include <string>
#include <vector>

#include "live/engine.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::cli {

// `chosen`: the --model of a replay (empty: the deployed model); `replay`: its file (empty: live).
live::TradingModel load_trading_model(const std::string& chosen, const std::string& replay,
                                      store::ConnectionPool& pool);
std::vector<live::TradingModel> load_shadow_models(store::ConnectionPool& pool);
// Hot swap: the deployed and staging models as the registry has them now.
live::ModelSet load_models_in_force(store::ConnectionPool& pool);

}  // namespace usdcop::cli
