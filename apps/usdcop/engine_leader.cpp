#include "engine_leader.hpp"

namespace usdcop::cli {

bool try_leader_lock(store::PgListener& listener) {
  return listener.with_session([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec1("SELECT pg_try_advisory_lock(hashtextextended('usdcop.live.leader', 0))")[0]
        .as<bool>();
  });
}

}  // namespace usdcop::cli
