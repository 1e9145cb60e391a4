#include <gtest/gtest.h>

#include "trading/broker.hpp"
#include "trading/trade_ledger.hpp"

using namespace usdcop;
using trading::ExitReason;

namespace {
Timestamp t(int minute) {
  return from_unix_seconds(1704200400 + minute * 60);
}
}  // namespace

TEST(PaperBroker, FillsAtTheMarkPlusCostAndTracksPnl) {
  trading::PaperBroker b(10000, 1.0);
  b.mark(t(0), 4000);
  auto f = b.submit({t(0), 2.5});  // 2.5 USD at 4000 = 10,000 notional
  EXPECT_EQ(f.price, 4000);
  EXPECT_DOUBLE_EQ(f.cost, 1.0);  // 1 bp of 10,000
  EXPECT_DOUBLE_EQ(b.account().equity(), 9999.0);
  b.mark(t(5), 4040);
  EXPECT_DOUBLE_EQ(b.account().unrealized_pnl(), 100.0);
  EXPECT_DOUBLE_EQ(b.account().equity(), 10099.0);
  auto g = b.submit({t(5), -5.0});  // reversal: close 2.5 long, open 2.5 short
  EXPECT_DOUBLE_EQ(g.cost, 5.0 * 4040 * 1e-4);
  EXPECT_DOUBLE_EQ(b.account().realized_pnl, 100.0);
  EXPECT_DOUBLE_EQ(b.account().position, -2.5);
  EXPECT_DOUBLE_EQ(b.account().avg_price, 4040);
  EXPECT_DOUBLE_EQ(b.account().costs, 1.0 + 2.02);
}

TEST(TradeLedger, ReversalClosesOneTradeAndOpensAnother) {
  trading::PaperBroker b(10000, 1.0);
  trading::TradeLedger ledger;
  b.mark(t(0), 4000);
  auto f1 = b.submit({t(0), 2.5});
  EXPECT_FALSE(ledger.on_fill(f1, 0, 1, 10000, ExitReason::kSignal));
  b.mark(t(5), 4040);
  const double eq = b.account().equity();
  auto f2 = b.submit({t(5), -5.0});
  auto closed = ledger.on_fill(f2, 2.5, 4, eq, ExitReason::kSignal);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->side, 1);
  EXPECT_EQ(closed->bars_held, 3);
  EXPECT_DOUBLE_EQ(closed->gross_pnl, 100.0);
  EXPECT_DOUBLE_EQ(closed->costs, 1.0 + 1.01);  // half of the reversal cost
  EXPECT_DOUBLE_EQ(closed->net_pnl, 100.0 - 2.01);
  EXPECT_DOUBLE_EQ(closed->return_pct, (100.0 - 2.01) / 10000);
  ASSERT_TRUE(ledger.open_trade());
  EXPECT_EQ(ledger.open_trade()->side, -1);
  EXPECT_DOUBLE_EQ(ledger.open_trade()->costs, 1.01);
  b.mark(t(10), 4000);
  auto f3 = b.submit({t(10), 2.5});
  auto second = ledger.on_fill(f3, -2.5, 6, b.account().equity(), ExitReason::kEndOfData);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, 2);
  EXPECT_DOUBLE_EQ(second->gross_pnl, 100.0);
  EXPECT_EQ(second->exit_reason, ExitReason::kEndOfData);
  EXPECT_EQ(ledger.closed().size(), 2u);
}
