#pragma once
// system.dead_letter_queue (spec 06): the engine's writes (PgLiveStore) and what `usdcop dlq`
// reads and changes. Retries from the queue run at 60 s, 300 s and 900 s after the event
// entered it (database time); after the third failed retry the letter is exhausted until an
// operator retries (`dlq retry`: due now) or resolves it.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "live/live_store.hpp"
#include "store/connection_pool.hpp"
#include "store/pg_model_registry.hpp"

namespace usdcop::store {

struct DeadLetterRow {
  long id = 0;
  std::string event_id, handler, channel, status, error;
  nlohmann::json payload;
  int attempts = 0, retries = 0;
  std::optional<Timestamp> next_retry_at;
  Timestamp created_at{}, updated_at{};
  std::string resolved_by, resolution;
  nlohmann::json to_json() const;
};

class PgDeadLetters {
 public:
  explicit PgDeadLetters(ConnectionPool& pool) : pool_(pool) {}

  long record(const live::DeadLetter& letter);  // upsert pending + P1 alert, then pause
  std::optional<live::DeadLetterState> state(long id);
  void retry_failed(long id, const std::string& error);
  void resolved(long id, const std::string& by, const std::string& how);

  // `usdcop dlq`: status "" lists every letter not resolved.
  std::vector<DeadLetterRow> list(const std::string& status);
  // Due now (pending); Error(not_found) for an unknown id, Error(conflict) when resolved.
  DeadLetterRow retry(long id, const Actor& actor);
  // Marks it resolved (audited) without processing it; the engine then handles the event again
  // as any pending bar. Error(not_found) / Error(conflict) as retry.
  DeadLetterRow resolve(long id, const std::string& reason, const Actor& actor);

 private:
  ConnectionPool& pool_;
};

}  // namespace usdcop::store
