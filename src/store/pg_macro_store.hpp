#pragma once
// PostgreSQL implementation of market::MacroStore over market.macro_observations and
// market.macro_flags. Accepting a flag is audited in system.audit_log in the same transaction.
#include <string>
#include <vector>

#include "market/macro_store.hpp"
#include "store/connection_pool.hpp"

namespace usdcop::store {

class PgMacroStore final : public market::MacroStore {
 public:
  explicit PgMacroStore(ConnectionPool& pool) : pool_(pool) {}

  // Upserts (the last of duplicate (variable, date) pairs wins). A changed value or
  // available_at counts as updated; the flags of a replaced value are dropped (they describe a
  // value that is no longer stored) before `flags` are recorded. A flag already recorded for
  // the same (variable, date, rule) and value is left as it is (an accepted flag stays
  // accepted); with another value it is reset to open.
  market::MacroWriteResult write_observations(const std::vector<market::MacroObservation>& obs,
                                              const std::vector<market::MacroFlag>& flags) override;
  std::vector<market::MacroObservation> load_variable(const std::string& variable) override;
  std::vector<market::MacroFlag> load_flags(bool include_accepted) override;
  // Accepts every open flag of (variable, date) and writes one system.audit_log row
  // (actor = by, action = 'macro_flag.accept'). Throws Error(invalid_input) when `by` is empty.
  bool accept_flag(const std::string& variable, Date date, const std::string& by,
                   const std::string& reason) override;

  // Beyond the port: the variables that have observations, sorted.
  std::vector<std::string> variables();

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
