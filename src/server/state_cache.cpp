#include "server/state_cache.hpp"

#include <iostream>

#include "events/event.hpp"
#include "store/pg_listener.hpp"

namespace usdcop::server {

StateCache::StateCache(std::string database_url) : url_(std::move(database_url)) {
  thread_ = std::thread([this] { run(); });
}

StateCache::~StateCache() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void StateCache::invalidate() {
  std::lock_guard lock(mutex_);
  ++generation_;
  deployed_.reset();
  mode_.reset();
}

std::optional<models::ModelRecord> StateCache::deployed() const {
  if (!listening_) return std::nullopt;
  std::lock_guard lock(mutex_);
  return deployed_;
}

void StateCache::store_deployed(const models::ModelRecord& model, uint64_t read_at_generation) {
  std::lock_guard lock(mutex_);
  if (listening_ && generation_ == read_at_generation) deployed_ = model;
}

std::optional<store::OperationsState> StateCache::mode() const {
  if (!listening_) return std::nullopt;
  std::lock_guard lock(mutex_);
  return mode_;
}

void StateCache::store_mode(const store::OperationsState& mode, uint64_t read_at_generation) {
  std::lock_guard lock(mutex_);
  if (listening_ && generation_ == read_at_generation) mode_ = mode;
}

// The LISTEN loop: any notification on the two channels, and any change of the session,
// empties the cache; the next request reads the database.
void StateCache::run() {
  store::PgListener listener(
      url_, {events::Channel::model_changed, events::Channel::operations_mode},
      store::ListenerBackoff{std::chrono::milliseconds(200), std::chrono::seconds(5)});
  listener.on_event([this](const events::Event&) { invalidate(); });
  listener.on_undecodable([this](const store::UndecodableNotification&) { invalidate(); });
  listener.on_reconnect([this](store::PgListener&) { invalidate(); });
  listener.on_connection_lost([this](const std::string&) {
    listening_ = false;
    invalidate();
  });
  while (!stop_) {
    try {
      listener.connect();
      if (!listening_ && listener.connected()) {
        invalidate();  // a read made before LISTEN was on may be older than a missed change
        listening_ = true;
      }
      listener.wait(std::chrono::milliseconds(100));
      if (!listener.connected()) listening_ = false;
    } catch (const std::exception&) {
      // Database away: serve from the database (fail closed) and retry.
      listening_ = false;
      invalidate();
      for (int i = 0; i < 5 && !stop_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  listening_ = false;
}

}  // namespace usdcop::server
