// The native PPO backend's minibatch loop allocates nothing (issue 14). Its own executable,
// because it replaces the global operator new/delete to count allocations.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <numeric>
#include <random>

#include "learn/ppo_backend.hpp"
#include "learn/ppo_trainer.hpp"

// Counts C++ heap allocations in this process. GCC cannot see that these operators pair with
// each other when it inlines them.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<long> g_allocations{0};
void* counted_malloc(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
}  // namespace
void* operator new(std::size_t n) {
  return counted_malloc(n);
}
void* operator new[](std::size_t n) {
  return counted_malloc(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

using namespace usdcop;

TEST(NativePpo, MinibatchLoopAllocatesNothing) {
  learn::set_tensor_threads(1);
  learn::PpoBackendConfig c;  // native, the default 15-256-256 networks
  auto native = learn::create_ppo_backend(c);
  const int rows = 1024;
  std::mt19937_64 rng(4);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> obs(static_cast<std::size_t>(rows) * 15), act(rows), logp(rows), adv(rows),
      ret(rows);
  for (auto* v : {&obs, &act, &adv, &ret})
    for (auto& x : *v) x = n(rng);
  for (auto& x : logp) x = -0.9f + 0.2f * n(rng);
  std::vector<std::int64_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  // The first epoch sizes the minibatch buffers (so the counter sees allocations); the next
  // ones must not allocate at all.
  const long start = g_allocations.load();
  native->update_epoch(obs.data(), act.data(), logp.data(), adv.data(), ret.data(), rows,
                       order.data(), 128);
  const long before = g_allocations.load();
  EXPECT_GT(before - start, 0) << "the counter should see the first epoch's buffers";
  for (int epoch = 0; epoch < 3; ++epoch)
    native->update_epoch(obs.data(), act.data(), logp.data(), adv.data(), ret.data(), rows,
                         order.data(), 128);
  EXPECT_EQ(g_allocations.load() - before, 0) << "allocations in 24 minibatch updates";
}
