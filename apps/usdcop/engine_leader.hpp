#pragma once
// The leader lock of `usdcop engine` (spec 12, docs/LIVE.md "Leader"): a session advisory lock
// on the engine's LISTEN session, so it vanishes with that session. Live engines and replays
// (`engine --replay`, the replay phase of `usdcop up`) take the same lock: of several engines
// exactly one works, and /engine/status shows the leader alive during a replay too.
#include "store/pg_listener.hpp"

namespace usdcop::cli {

// pg_try_advisory_lock on the listener's session: true when this session holds the lock now.
bool try_leader_lock(store::PgListener& listener);

}  // namespace usdcop::cli
