// usdcop liquidity seed|compute|show: the liquidity regime (spec 10, spec 12;
// docs/FEATURE_STORE.md).
#include <iomanip>
#include <iostream>

#include "app/liquidity.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"
#include "core/error.hpp"
#include "liquidity/regime_report.hpp"

namespace usdcop::cli {
namespace {

using nlohmann::json;

Date today_utc() {
  return std::chrono::floor<std::chrono::days>(now_utc());
}

void add_seed(CLI::App& liq) {
  struct Opts {
    int days = 365;
    uint64_t seed = 1;
    std::string end;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = liq.add_subcommand(
      "seed", "Publish the deterministic generator's 9 feeds (regime episodes a test can predict)");
  c->add_option("--days", o->days, "Days of history ending at --end")->check(CLI::Range(1, 3650));
  c->add_option("--seed", o->seed, "Noise seed; the same seed gives the same points");
  c->add_option("--end", o->end, "Last UTC date generated (default today)");
  c->add_flag("--json", o->json, "Machine-readable report");
  c->footer(
      "Applies the seed catalog first (idempotent), then publishes through the feature store\n"
      "in batches of 1,000. Episodes (day index from the first day): flat until 180 (YELLOW),\n"
      "rising to 300 (GREEN), flat to 420 (YELLOW), falling to 540 (RED), flat to 660 (YELLOW),\n"
      "rising to 780 (GREEN). docs/FEATURE_STORE.md.");
  c->callback([o] {
    const Date end = o->end.empty() ? today_utc() : parse_date_or_throw(o->end, "--end");
    app::FeatureStore store(services());
    const auto r = app::seed_liquidity(store, {o->days, o->seed, end});
    if (o->json)
      print_json(r.to_json());
    else
      std::cout << "published " << r.points << " points of 9 feeds ending " << format_date(end)
                << ": " << r.publish.stored << " stored, " << r.publish.unchanged << " unchanged, "
                << r.publish.rejected << " rejected\n";
    if (r.publish.rejected > 0) throw ExitRequest{kPartial};
  });
}

void add_compute(CLI::App& liq) {
  struct Opts {
    std::string to;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = liq.add_subcommand(
      "compute", "Recompute the regime history on the daily UTC grid from the stored feeds");
  c->add_option("--to", o->to, "Last grid date, inclusive (default today UTC)");
  c->add_flag("--json", o->json, "Machine-readable report");
  c->footer(
      "A GREEN -> RED candidate while GREEN is published is recorded once in\n"
      "liq.regime_alerts and sent on NOTIFY usdcop_alerts.");
  c->callback([o] {
    const Date to = o->to.empty() ? today_utc() : parse_date_or_throw(o->to, "--to");
    auto& db = services();
    app::FeatureStore store(db);
    const auto r = app::compute_liquidity(db, store, to);
    if (o->json) {
      print_json(r.to_json());
      return;
    }
    std::cout << r.days << " grid days (" << r.scored_days << " scored)\n";
    for (const auto& [d, s] : r.transitions)
      std::cout << "  " << format_date(d) << "  " << liquidity::to_string(s) << "\n";
    for (const auto d : r.new_alerts)
      std::cout << "alert: GREEN -> RED candidate on " << format_date(d) << "\n";
    if (r.last)
      std::cout << "now " << liquidity::to_string(r.last->state) << ", score "
                << r.last->score_0_100 << "/100, confidence " << r.last->confidence << "\n";
  });
}

void add_show(CLI::App& liq) {
  struct Opts {
    std::string date;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = liq.add_subcommand(
      "show", "The latest regime (or one date): state, score, components, feeds, hints");
  c->add_option("--date", o->date, "A grid date (UTC) instead of the latest");
  c->add_flag("--json", o->json, "{latest, scoreboard, hints} as the API will return them");
  c->callback([o] {
    const auto stored = app::regime_day(
        services(), o->date.empty() ? std::nullopt
                                    : std::optional<Date>(parse_date_or_throw(o->date, "--date")));
    const auto& d = stored.day;
    if (o->json) {
      print_json({{"latest", liquidity::regime_latest_json(d, stored.computed_at)},
                  {"scoreboard", liquidity::scoreboard_json(d)},
                  {"hints", liquidity::hints_json(d)}});
      return;
    }
    const auto comp = [](const std::optional<double>& v) {
      return v ? std::to_string(*v) : std::string("n/a");
    };
    std::cout << format_date(d.date) << "  " << liquidity::to_string(d.state) << "  score "
              << std::fixed << std::setprecision(1) << d.score_0_100 << "/100  confidence "
              << std::setprecision(2) << d.confidence << "  candidate "
              << liquidity::to_string(d.candidate) << " since " << format_date(d.candidate_since)
              << "\n"
              << "components: GL " << comp(d.components[0]) << "  CN " << comp(d.components[1])
              << "  MP " << comp(d.components[2]) << "\n";
    for (const auto& f : d.feeds)
      std::cout << "  " << std::left << std::setw(36) << f.feature_id << " z " << std::setw(10)
                << comp(f.z) << (f.stale ? " STALE" : "") << "\n";
    for (const auto& h : liquidity::hints_for(d.state))
      std::cout << h.sleeve << ": " << h.hint << "\n";
  });
}

void add_liquidity_commands(CLI::App& app) {
  auto* liq = app.add_subcommand("liquidity",
                                 "Liquidity regime (GREEN / YELLOW / RED): seed, compute, show");
  liq->require_subcommand(1);
  add_seed(*liq);
  add_compute(*liq);
  add_show(*liq);
}

const CommandRegistration reg{71, add_liquidity_commands};

}  // namespace
}  // namespace usdcop::cli
