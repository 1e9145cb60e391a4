// ConnectionPool: lazy opening, reuse, exhaustion, replacement of broken connections, threads.
#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <thread>

#include "core/error.hpp"
#include "store/connection_pool.hpp"
#include "support/test_database.hpp"

using namespace usdcop;
using namespace usdcop::store;

TEST(ConnectionPool, OpensLazilyAndReusesConnections) {
  usdcop::testing::TestDatabase db;
  ConnectionPool pool(db.url(), 2);
  EXPECT_EQ(pool.open_connections(), 0u);
  int pid1 = 0;
  {
    auto lease = pool.acquire();
    pqxx::nontransaction tx(*lease);
    pid1 = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
    EXPECT_EQ(pool.open_connections(), 1u);
    EXPECT_EQ(pool.idle_connections(), 0u);
  }
  EXPECT_EQ(pool.idle_connections(), 1u);
  {
    auto lease = pool.acquire();
    pqxx::nontransaction tx(*lease);
    EXPECT_EQ(tx.exec1("SELECT pg_backend_pid()")[0].as<int>(), pid1);
    // A second lease at the same time opens a second connection.
    auto other = pool.acquire();
    EXPECT_NE(&*other, &*lease);
    EXPECT_EQ(pool.open_connections(), 2u);
  }
  EXPECT_EQ(pool.connections_opened(), 2u);
  EXPECT_EQ(pool.idle_connections(), 2u);
}

TEST(ConnectionPool, ExhaustedPoolTimesOutWithUnavailableAndReleaseWakesWaiters) {
  usdcop::testing::TestDatabase db;
  ConnectionPool pool(db.url(), 1, std::chrono::milliseconds(500));
  auto lease = pool.acquire();
  try {
    auto second = pool.acquire();
    FAIL() << "the pool has one connection";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
  }
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lease = ConnectionPool::Lease();
  });
  auto next = pool.acquire();  // waits for the release
  EXPECT_TRUE(static_cast<bool>(next));
  releaser.join();
  EXPECT_EQ(pool.connections_opened(), 1u);
}

TEST(ConnectionPool, BrokenConnectionIsReplaced) {
  usdcop::testing::TestDatabase db;
  ConnectionPool pool(db.url(), 1);
  int victim = 0;
  {
    auto lease = pool.acquire();
    pqxx::nontransaction tx(*lease);
    victim = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
  }
  {
    auto admin = db.pool().acquire();
    pqxx::nontransaction tx(*admin);
    EXPECT_TRUE(
        tx.exec1("SELECT pg_terminate_backend(" + std::to_string(victim) + ")")[0].as<bool>());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The first use fails: the lease is released during unwinding, probed, and discarded.
  EXPECT_ANY_THROW({
    auto lease = pool.acquire();
    pqxx::nontransaction tx(*lease);
    tx.exec("SELECT 1");
  });
  auto lease = pool.acquire();
  pqxx::nontransaction tx(*lease);
  EXPECT_NE(tx.exec1("SELECT pg_backend_pid()")[0].as<int>(), victim);
  EXPECT_EQ(pool.open_connections(), 1u);
}

TEST(ConnectionPool, ManyThreadsShareAFewConnections) {
  usdcop::testing::TestDatabase db;
  ConnectionPool pool(db.url(), 3);
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 25; ++k) {
        auto lease = pool.acquire();
        pqxx::nontransaction tx(*lease);
        if (tx.exec1("SELECT " + std::to_string(i * 100 + k))[0].as<int>() == i * 100 + k) ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), 200);
  EXPECT_LE(pool.connections_opened(), 3u);
  EXPECT_EQ(pool.idle_connections(), pool.open_connections());
}

TEST(ConnectionPool, UnreachableDatabaseIsUnavailableWithMaskedUrl) {
  ConnectionPool pool("postgresql://bob:hunter2@127.0.0.1:1/x?connect_timeout=2", 1);
  try {
    pool.acquire();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(pool.open_connections(), 0u);
}
