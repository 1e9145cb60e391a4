#pragma once
// Probes the ingest reliability tests use to see a held import from outside (shared by the
// crash tests and the concurrent-import test, which runs in the `threads` executable).
#include <pqxx/pqxx>

#include <string>

#include "support/test_database.hpp"

namespace usdcop::testing {

inline long scalar(TestDatabase& db, const std::string& sql) {
  auto conn = db.pool().acquire();
  pqxx::nontransaction tx(*conn);
  return tx.exec1(sql)[0].as<long>();
}

// The SQL counting waiting lock requests on a table of this test's database.
inline std::string waiting_on(const std::string& table) {
  return "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
         "WHERE NOT l.granted AND c.relname = '" +
         table +
         "' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
}

}  // namespace usdcop::testing
