// TokenLookup: concurrent lookups share one statement (like a group commit) without ever
// answering a lookup from a statement that started before it was asked for, so a revoked token
// is refused by every lookup that starts after the revocation committed.
#include "store/token_lookup.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <optional>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "identity/token.hpp"
#include "store/database.hpp"
#include "support/background_command.hpp"
#include "support/test_database.hpp"
#include "support/test_tokens.hpp"

using namespace usdcop;
namespace t = usdcop::testing;

namespace {

using clock_type = std::chrono::steady_clock;

std::string hash_of(const std::string& secret) {
  return identity::token_sha256(secret);
}

void exec(const std::string& url, const std::string& sql) {
  auto conn = store::open_connection(url);
  pqxx::nontransaction(*conn).exec(sql);
}

void revoke(t::TestDatabase& db, const std::string& secret) {
  exec(db.url(), "UPDATE system.api_tokens SET revoked_at = now() WHERE token_sha256 = '" +
                     hash_of(secret) + "'");
}

// Holds an exclusive lock on system.api_tokens (as the owner) until commit(): a lookup that
// reaches the table waits, so the lookups that arrive meanwhile queue behind it.
struct TableLock {
  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<pqxx::work> tx;
  explicit TableLock(t::TestDatabase& db) : conn(store::open_connection(db.owner_url())) {
    tx = std::make_unique<pqxx::work>(*conn);
    tx->exec("LOCK TABLE system.api_tokens IN ACCESS EXCLUSIVE MODE");
  }
  void commit() { tx->commit(); }
};

constexpr auto kPatience = std::chrono::seconds(10);  // for what takes milliseconds

}  // namespace

TEST(TokenLookup, FindsTokensAndNothingForUnknownOrMalformedHashes) {
  t::TestDatabase db;
  const auto alice = t::make_token(db, "alice", "operator");
  const auto bob = t::make_token(db, "bob", "viewer");
  revoke(db, bob);
  store::TokenLookup lookup(db.pool());
  const auto a = lookup.find(hash_of(alice));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->principal, "alice");
  EXPECT_EQ(a->role, "operator");
  EXPECT_FALSE(a->revoked);
  EXPECT_FALSE(a->expired);
  const auto b = lookup.find(hash_of(bob));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->principal, "bob");
  EXPECT_TRUE(b->revoked);
  EXPECT_FALSE(lookup.find(std::string(64, 'a')));
  // Not a sha256 (could not be stored): refused before the database, never spliced into SQL.
  EXPECT_FALSE(lookup.find("'}, {x"));
  EXPECT_FALSE(lookup.find(std::string(64, 'A')));
  EXPECT_EQ(lookup.counters().lookups, 3u);  // the malformed ones never queued
  EXPECT_EQ(lookup.counters().statements, 3u);
}

TEST(TokenLookup, LookupsArrivingDuringAStatementShareTheNextOneAndSeeWhatCommittedBeforeIt) {
  t::TestDatabase db;
  const auto alice = t::make_token(db, "alice", "operator");
  const auto bob = t::make_token(db, "bob", "viewer");
  const auto carol = t::make_token(db, "carol", "admin");
  store::TokenLookup lookup(db.pool());
  TableLock lock(db);
  std::optional<store::TokenRow> first;
  std::thread leader([&] { first = lookup.find(hash_of(alice)); });
  ASSERT_TRUE(t::wait_until([&] { return lookup.counters().statements == 1; }, kPatience));
  // The first statement is in flight (waiting for the table): these queue behind it.
  const std::vector<std::string> asked = {hash_of(alice), hash_of(bob), hash_of(carol),
                                          hash_of(bob), std::string(64, '0')};
  std::vector<std::optional<store::TokenRow>> got(asked.size());
  std::vector<std::thread> followers;
  for (std::size_t i = 0; i < asked.size(); ++i)
    followers.emplace_back([&, i] { got[i] = lookup.find(asked[i]); });
  ASSERT_TRUE(t::wait_until([&] { return lookup.counters().waiting == asked.size(); }, kPatience));
  // Committed after the followers asked but before their statement starts: they see it.
  lock.tx->exec("UPDATE system.api_tokens SET revoked_at = now() WHERE token_sha256 = '" +
                hash_of(bob) + "'");
  lock.commit();
  leader.join();
  for (auto& f : followers) f.join();
  EXPECT_EQ(lookup.counters().statements, 2u);  // six lookups, two statements
  EXPECT_EQ(lookup.counters().lookups, 6u);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->principal, "alice");
  ASSERT_TRUE(got[0] && got[1] && got[2] && got[3]);
  EXPECT_EQ(got[0]->principal, "alice");
  EXPECT_FALSE(got[0]->revoked);
  EXPECT_EQ(got[1]->principal, "bob");
  EXPECT_TRUE(got[1]->revoked);
  EXPECT_EQ(got[2]->principal, "carol");
  EXPECT_EQ(got[2]->role, "admin");
  EXPECT_TRUE(got[3]->revoked);
  EXPECT_FALSE(got[4]);
}

TEST(TokenLookup, AFailedStatementFailsEveryLookupOfItsBatchAndNoOther) {
  t::TestDatabase db;
  const auto alice = t::make_token(db, "alice", "operator");
  store::TokenLookup lookup(db.pool());
  TableLock lock(db);
  std::optional<store::TokenRow> first;
  std::thread leader([&] { first = lookup.find(hash_of(alice)); });
  ASSERT_TRUE(t::wait_until([&] { return lookup.counters().statements == 1; }, kPatience));
  constexpr int kFollowers = 4;
  std::atomic<int> failed{0};
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i)
    followers.emplace_back([&] {
      try {
        lookup.find(hash_of(alice));
      } catch (const std::exception&) {
        ++failed;
      }
    });
  ASSERT_TRUE(t::wait_until([&] { return lookup.counters().waiting == kFollowers; }, kPatience));
  // The statement in flight has found its function; the next one will not.
  lock.tx->exec("ALTER FUNCTION system.find_api_tokens(text[]) RENAME TO find_api_tokens_gone");
  lock.commit();
  leader.join();
  for (auto& f : followers) f.join();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->principal, "alice");
  EXPECT_EQ(failed, kFollowers);
  EXPECT_EQ(lookup.counters().statements, 2u);
  exec(db.owner_url(),
       "ALTER FUNCTION system.find_api_tokens_gone(text[]) RENAME TO find_api_tokens");
  EXPECT_TRUE(lookup.find(hash_of(alice)));  // the next batch is a new statement
}

TEST(TokenLookup, EveryLookupStartedAfterARevocationCommittedSeesIt) {
  t::TestDatabase db(8);
  const auto alice = t::make_token(db, "alice", "operator");
  store::TokenLookup lookup(db.pool());
  std::atomic<bool> stop{false};
  std::atomic<clock_type::rep> revoked_at{clock_type::time_point::max().time_since_epoch().count()};
  struct Seen {
    clock_type::time_point asked;
    bool revoked;
  };
  constexpr int kThreads = 8;
  std::vector<std::vector<Seen>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      while (!stop) {
        const auto asked = clock_type::now();
        const auto row = lookup.find(hash_of(alice));
        seen[static_cast<std::size_t>(i)].push_back({asked, row && row->revoked});
      }
    });
  ASSERT_TRUE(t::wait_until([&] { return lookup.counters().lookups > 200; }, kPatience));
  revoke(db, alice);  // returns once committed
  revoked_at = clock_type::now().time_since_epoch().count();
  const auto before = lookup.counters().lookups;
  EXPECT_TRUE(t::wait_until([&] { return lookup.counters().lookups > before + 400; }, kPatience));
  stop = true;
  for (auto& th : threads) th.join();
  const clock_type::time_point committed{clock_type::duration(revoked_at.load())};
  long after = 0, refused_after = 0, refused_before = 0, before_commit = 0;
  for (const auto& list : seen) {
    for (const auto& s : list) {
      if (s.asked > committed) {
        ++after;
        refused_after += s.revoked;
      } else {
        ++before_commit;
        refused_before += s.revoked;
      }
    }
  }
  EXPECT_GT(after, 0);
  EXPECT_EQ(refused_after, after) << "a lookup asked after the commit saw the token valid";
  EXPECT_LT(refused_before, before_commit);  // it was valid before
  std::cout << "lookups " << lookup.counters().lookups << ", statements "
            << lookup.counters().statements << "\n";
}
