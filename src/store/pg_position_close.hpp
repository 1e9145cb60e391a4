#pragma once
// Closing the paper account's open positions inside an operations transaction (spec 12, "Kill
// switch"): the kill (and `ops flatten`) fills each open position at the last stored close
// with the account's cost rate, as trading::PaperBroker would, and writes the order, the fill
// (exit reason kill_switch or flatten) and the flat position in the caller's transaction. The
// engine sees the changed position in its next decision transaction and rebuilds its state
// from the fills.
#include <nlohmann/json.hpp>
#include <pqxx/transaction_base>
#include <string>

namespace usdcop::store {

// source: "kill_switch" | "flatten". Returns the positions closed (account, quantity, price).
nlohmann::json close_open_positions(pqxx::transaction_base& tx, const std::string& source);

}  // namespace usdcop::store
