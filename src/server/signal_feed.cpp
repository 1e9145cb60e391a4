#include "server/signal_feed.hpp"

#include <iostream>

#include "events/codec.hpp"
#include "store/pg_listener.hpp"

namespace usdcop::server {
namespace {

std::int64_t wall_clock_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The SSE event a notification becomes (spec 07: signal, fill, equity, mode).
const char* stream_event_name(const events::Event& e) {
  if (std::holds_alternative<events::NewSignal>(e)) return "signal";
  if (std::holds_alternative<events::NewFill>(e)) return "fill";
  if (std::holds_alternative<events::EquitySnapshot>(e)) return "equity";
  if (std::holds_alternative<events::OperationsModeChanged>(e)) return "mode";
  return nullptr;
}

}  // namespace

SignalFeed::SignalFeed(const std::string& database_url, std::chrono::seconds keep)
    : ring_(std::make_shared<EventRing>(keep, 100000, wall_clock_micros())),
      listener_(std::make_unique<store::PgListener>(
          database_url,
          std::vector<events::Channel>{events::Channel::new_signal, events::Channel::new_fill,
                                       events::Channel::equity_snapshot,
                                       events::Channel::operations_mode},
          store::ListenerBackoff{std::chrono::milliseconds(500), std::chrono::seconds(10)})) {
  listener_->on_event([this](const events::Event& e) {
    if (const char* name = stream_event_name(e)) ring_->publish(name, events::encode(e));
  });
  try {
    listener_->connect();
  } catch (const std::exception& e) {
    std::cerr << "api signals stream: LISTEN not ready yet (" << e.what() << "); retrying\n";
  }
  thread_ = std::thread([this] { run(); });
}

SignalFeed::~SignalFeed() {
  stop();
}

void SignalFeed::stop() {
  running_ = false;
  listener_->wake();
  if (thread_.joinable()) thread_.join();
  ring_->close();
}

void SignalFeed::run() {
  while (running_) {
    try {
      listener_->wait(std::chrono::seconds(1));
    } catch (const std::exception& e) {
      // A handler or the listener failed: log and keep listening (wait() reconnects).
      std::cerr << "api signals stream: " << e.what() << "\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

}  // namespace usdcop::server
