#pragma once
// The macro catalog (config/macro_catalog.yaml): which variables exist, where they come from,
// their publication delay, staleness limit and data-quality bounds.
#include <optional>
#include <string>
#include <vector>

#include "market/macro.hpp"

namespace usdcop::market {

class MacroCatalog {
 public:
  static MacroCatalog load();  // from config_dir()/macro_catalog.yaml
  static MacroCatalog load_file(const std::string& path);
  explicit MacroCatalog(std::vector<MacroVariable> vars) : vars_(std::move(vars)) {}

  const std::vector<MacroVariable>& variables() const { return vars_; }
  const MacroVariable* find(const std::string& name) const;
  const MacroVariable* find_by_column(const std::string& column) const;
  const MacroVariable* find_by_fred(const std::string& series) const;
  const MacroVariable& at(const std::string& name) const;  // throws Error(not_found)

 private:
  std::vector<MacroVariable> vars_;
};

}  // namespace usdcop::market
