#pragma once
// The deployed model and the operations mode as the last notification left them (spec 12
// channels model_changed and operations_mode), so that POST /predict and GET
// /operations/status ask the database nothing but the token (docs/API.md, Performance).
//
// Fails closed: a value is served from memory only while the cache's own LISTEN session is up;
// before the first read, after a notification, after the session was lost or reconnected, and
// after this server's own mutations (invalidate()), the caller reads the database and stores
// what it read. A read that overlapped a notification is not stored (generation check), so a
// swap is never hidden behind an older read. Negative answers (no deployed model) are never
// cached. Identities are not cached: a revoked token is refused at once (one statement per
// request, store::PgPrincipals::authenticate).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "models/model.hpp"
#include "store/pg_operations_control.hpp"

namespace usdcop::server {

class StateCache {
 public:
  // Starts the listener thread on `database_url` (its own session, not one of the pool).
  explicit StateCache(std::string database_url);
  ~StateCache();
  StateCache(const StateCache&) = delete;
  StateCache& operator=(const StateCache&) = delete;

  // The generation to pass to store_*: read it before reading the database.
  uint64_t generation() const { return generation_.load(); }

  std::optional<models::ModelRecord> deployed() const;
  void store_deployed(const models::ModelRecord& model, uint64_t read_at_generation);
  std::optional<store::OperationsState> mode() const;
  void store_mode(const store::OperationsState& mode, uint64_t read_at_generation);

  // Forgets everything (this server changed the mode or the deployed model itself).
  void invalidate();

 private:
  void run();

  std::string url_;
  mutable std::mutex mutex_;
  std::optional<models::ModelRecord> deployed_;
  std::optional<store::OperationsState> mode_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> listening_{false}, stop_{false};
  std::thread thread_;
};

}  // namespace usdcop::server
