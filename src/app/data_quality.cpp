#include "app/data_quality.hpp"

#include "app/services.hpp"
#include "core/calendar.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/text_hygiene.hpp"
#include "store/pg_feature_store.hpp"

namespace usdcop::app {

namespace {

// Session bars of [from, to) whose feature row is missing or incomplete: no decision would be
// taken on them. Counted per missing feature and cause (the open macro flag behind it).
features::DecisionBlocks blocked_decisions(Services& services, Timestamp from, Timestamp to,
                                           const market::MacroCatalog& catalog) {
  const auto bars = services.bars().load_bars(from, to);
  const auto rows = services.feature_rows().load(from, to);
  const features::FlagAttribution flags(services.macro().load_flags(false), catalog);
  features::DecisionBlocks blocked;
  std::size_t k = 0;
  for (const auto& bar : bars) {
    if (!is_session_bar(bar.time)) continue;
    while (k < rows.size() && rows[k].time < bar.time) ++k;
    const features::FeatureRow* row =
        (k < rows.size() && rows[k].time == bar.time) ? &rows[k] : nullptr;
    if (row == nullptr || !row->complete) blocked.add(bar.time, row, flags);
  }
  return blocked;
}

}  // namespace

DataCheck check_data(Services& services, const DataCheckRequest& request) {
  if (request.to <= request.from)
    throw Error(ErrorKind::invalid_input, "the end must be after the start", "to");
  market::DataCheckOptions opts;
  opts.from = request.from;
  opts.to = request.to;
  opts.min_coverage = request.min_coverage
                          ? *request.min_coverage
                          : value_or<double>(load_config_file("usdcop.yaml")["data_check"],
                                             "min_coverage", 0.95, "usdcop.yaml: data_check");
  const auto catalog = market::MacroCatalog::load();
  auto report = market::run_data_check(services.quality(), services.macro(), catalog, opts);
  return {std::move(report), blocked_decisions(services, opts.from, opts.to, catalog)};
}

void accept_macro_flag(Services& services, const FlagAcceptance& request) {
  market::MacroCatalog::load().at(request.variable);  // refuses unknown variables clearly
  require_reason(request.reason, "reason", 10);
  const auto& who = request.caller.identity;
  require_role(services, who, models::Role::operator_, "data accept-flag");
  if (!services.macro().accept_flag(request.variable, request.date, who.principal,
                                    request.reason)) {
    throw Error(ErrorKind::not_found,
                "no open flag for " + request.variable + " on " + format_date(request.date));
  }
}

}  // namespace usdcop::app
