#pragma once
// `usdcop doctor notify` (spec 06, 12): the pre-flight check of the notification path. Sends N
// system_heartbeat notifications through store::notify (each in its own transaction) and
// receives them on a store::PgListener session, as the live engine does; reports the lost ones,
// the latency from commit to receipt, and the host/database clock skew.
#include <chrono>
#include <string>
#include <vector>

namespace usdcop::app {

class Services;

struct NotifyCheckRequest {
  long events = 1000;
  // How long to wait for the last notifications after the last commit.
  std::chrono::milliseconds drain{5000};
};

struct LatencySummary {
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
};

struct NotifyCheckResult {
  std::string channel;   // system_heartbeat
  std::string instance;  // the heartbeats' instance id (host:pid:doctor)
  long sent = 0, received = 0, lost = 0;
  LatencySummary latency;  // commit requested -> received, received ones only
  double seconds = 0;
  // Database clock (clock_timestamp()) minus this host's system clock, at the middle of one
  // round trip; the round trip bounds its error.
  double clock_skew_ms = 0;
  double clock_round_trip_ms = 0;
};

NotifyCheckResult check_notifications(Services& services, const NotifyCheckRequest& request);

// p50/p95/p99/max of `ms` (nearest rank); zeros when empty.
LatencySummary summarize_latency(std::vector<double> ms);

}  // namespace usdcop::app
