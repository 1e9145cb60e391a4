// usdcop doctor notify: the notification path's pre-flight check (spec 06): N notifications
// sent and received, lost count, latency percentiles, host/database clock skew.
#include <iostream>

#include "app/notify_check.hpp"
#include "cli_context.hpp"
#include "cli_services.hpp"

namespace usdcop::cli {
namespace {

nlohmann::json to_json(const app::NotifyCheckResult& r) {
  return {{"channel", r.channel},
          {"instance", r.instance},
          {"sent", r.sent},
          {"received", r.received},
          {"lost", r.lost},
          {"latency_ms",
           {{"p50", r.latency.p50_ms},
            {"p95", r.latency.p95_ms},
            {"p99", r.latency.p99_ms},
            {"max", r.latency.max_ms}}},
          {"seconds", r.seconds},
          {"clock_skew_ms", r.clock_skew_ms},
          {"clock_round_trip_ms", r.clock_round_trip_ms}};
}

void run_doctor_notify(long events, bool json) {
  const auto r = app::check_notifications(services(), {events});
  if (json) {
    print_json(to_json(r));
  } else {
    std::cout << "doctor notify: " << r.sent << " sent on " << r.channel << ", " << r.received
              << " received, " << r.lost << " lost\n"
              << "  latency (commit -> received) p50 " << r.latency.p50_ms << " ms, p95 "
              << r.latency.p95_ms << " ms, p99 " << r.latency.p99_ms << " ms, max "
              << r.latency.max_ms << " ms\n"
              << "  clock skew (database - host) " << r.clock_skew_ms << " ms (round trip "
              << r.clock_round_trip_ms << " ms)\n";
  }
  // A lost notification is what catch-up exists for, but the path is not healthy.
  if (r.lost > 0) throw ExitRequest{kPartial};
}

void add_doctor_commands(CLI::App& app) {
  auto* doctor = app.add_subcommand("doctor", "Pre-flight checks of this installation");
  doctor->require_subcommand(1);
  auto events = std::make_shared<long>(1000);
  auto json = std::make_shared<bool>(false);
  auto* notify = doctor->add_subcommand(
      "notify",
      "Send N notifications (system_heartbeat) and receive them: lost, latency, clock skew");
  notify->add_option("--events", *events, "How many notifications (default 1000)")
      ->check(CLI::Range(1L, 1000000L));
  notify->add_flag("--json", *json, "Machine-readable output");
  notify->callback([events, json] { run_doctor_notify(*events, *json); });
}

const CommandRegistration reg{72, add_doctor_commands};

}  // namespace
}  // namespace usdcop::cli
