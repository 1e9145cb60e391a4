// store::notify: encoded by the codec, delivered when (and only if) the transaction commits.
#include "store/notify.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "events/codec.hpp"
#include "store/database.hpp"
#include "support/test_database.hpp"

using namespace usdcop;

namespace {

struct Received : pqxx::notification_receiver {
  Received(pqxx::connection_base& c, const char* channel)
      : pqxx::notification_receiver(c, channel) {}
  void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  std::vector<std::string> payloads;
};

const events::NewSignal kSignal{parse_timestamp_or_throw("2024-03-05T13:05:00Z", "t"), "ppo_v1",
                                trading::Signal::kLong, false};

}  // namespace

TEST(StoreNotify, DeliversTheEncodedEventAtCommitOnly) {
  usdcop::testing::TestDatabase db;
  auto listen = store::open_connection(db.url());
  Received received(*listen, "new_signal");
  listen->get_notifs();
  {
    auto conn = db.pool().acquire();
    pqxx::work tx(*conn);
    store::notify(tx, kSignal);
    tx.abort();
  }
  listen->await_notification(0, 300000);
  EXPECT_TRUE(received.payloads.empty());
  {
    auto conn = db.pool().acquire();
    pqxx::work tx(*conn);
    store::notify(tx, kSignal);
    tx.commit();
  }
  for (int i = 0; i < 100 && received.payloads.empty(); ++i) listen->await_notification(0, 100000);
  ASSERT_EQ(received.payloads.size(), 1u);
  EXPECT_EQ(received.payloads[0], events::encode(kSignal));
  EXPECT_EQ(events::decode(events::Channel::new_signal, received.payloads[0]),
            events::Event(kSignal));
}

TEST(StoreNotify, AnInvalidEventNeverReachesTheDatabase) {
  usdcop::testing::TestDatabase db;
  auto conn = db.pool().acquire();
  pqxx::work tx(*conn);
  auto bad = kSignal;
  bad.model_id.clear();
  try {
    store::notify(tx, bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_EQ(e.field(), "model_id");
  }
  // The transaction is untouched and still usable.
  EXPECT_EQ(tx.exec1("SELECT 1")[0].as<int>(), 1);
}
