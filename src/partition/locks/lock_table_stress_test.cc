// partition/locks/lock_table_stress_test.cc — many fibers on several threads hammering a few
// keys with every mode and policy, real clock, real deadlocks and timeouts. After every change
// the table's own invariants are checked (granted set compatible, no waiter waiting for
// nothing, bookkeeping consistent) and a shadow copy of what each owner believes it holds is
// checked for mutual exclusion.
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "partition/locks/lock_table.h"

namespace hf::locks {
namespace {

using runtime::Clock;

struct Shared {
  LockTable table{nullptr, 1'000'000};
  std::mutex mu;  // guards shadow
  // key -> owner -> (sub, mode) it was granted
  std::map<std::string, std::map<OwnerId, std::vector<std::pair<SubId, Mode>>>> shadow;
  std::atomic<int> violations{0};
  std::atomic<int> done{0};
  std::atomic<int> granted{0}, would_block{0}, timeouts{0}, deadlocks{0};
  std::string first_violation;
  std::mutex violation_mu;

  void violation(const std::string& what) {
    std::lock_guard g(violation_mu);
    if (violations.fetch_add(1) == 0) first_violation = what;
  }
  void check_table() {
    std::string bad = table.check_invariants();
    if (!bad.empty()) violation(bad);
  }
  // Records a grant and checks no other owner holds a conflicting mode.
  void granted_to(const std::string& key, OwnerId owner, SubId sub, Mode m) {
    std::lock_guard g(mu);
    for (auto& [o, modes] : shadow[key]) {
      if (o == owner) continue;
      for (auto [sub, h] : modes)
        if (conflicts(LockKind::kRow, h, m))
          violation("owner " + std::to_string(owner) + " granted " + std::to_string(m) + " on " +
                    key + " while " + std::to_string(o) + " holds " + std::to_string(h));
    }
    shadow[key][owner].emplace_back(sub, m);
  }
  void forget_subs(OwnerId owner, SubId first) {
    std::lock_guard g(mu);
    for (auto& [k, owners] : shadow) {
      auto it = owners.find(owner);
      if (it != owners.end())
        std::erase_if(it->second, [&](const auto& sm) { return sm.first >= first; });
    }
  }
  void forget(OwnerId owner) {
    std::lock_guard g(mu);
    for (auto& [k, owners] : shadow) owners.erase(owner);
  }
};

void worker(Shared& s, int id, int iterations) {
  std::mt19937 rng(static_cast<unsigned>(id) * 7919u + 1);
  const char* keys[] = {"a", "b", "c", "d"};
  for (int it = 0; it < iterations; ++it) {
    OwnerId owner = static_cast<OwnerId>(id) * 1'000'000 + static_cast<OwnerId>(it) + 1;
    int n = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < n; ++k) {
      AcquireRequest r;
      std::string key = keys[rng() % 4];
      r.tag = row_tag(1, 0, key);
      r.mode = static_cast<Mode>(rng() % 4);
      r.owner = owner;
      r.sub = static_cast<SubId>(k);
      unsigned p = rng() % 10;
      r.policy = p == 0   ? WaitPolicy::kNoWait
                 : p == 1 ? WaitPolicy::kSkipLocked
                          : WaitPolicy::kBlock;
      if (rng() % 4 == 0) r.deadline = Clock::now() + std::chrono::microseconds(rng() % 3000);
      r.deadlock_timeout = std::chrono::milliseconds(1);
      AcquireResult res = s.table.acquire(r);
      s.check_table();
      if (res == AcquireResult::kGranted) {
        s.granted++;
        s.granted_to(key, owner, r.sub, r.mode);
        if (!s.table.holds(r.tag, owner, r.mode)) s.violation("granted but not held");
      } else if (res == AcquireResult::kDeadlock) {
        s.deadlocks++;
        break;  // the transaction aborts
      } else if (res == AcquireResult::kTimeout) {
        s.timeouts++;
        break;
      } else if (res == AcquireResult::kWouldBlock) {
        s.would_block++;
        if (r.policy == WaitPolicy::kNoWait) break;  // NOWAIT errors; SKIP LOCKED goes on
      } else {
        s.violation(std::string("unexpected result ") + to_string(res));
      }
    }
    if (rng() % 5 == 0) {
      // ROLLBACK TO a savepoint, then commit.
      s.forget_subs(owner, 1);
      s.table.release_subtransactions(owner, 1);
      s.check_table();
    }
    s.forget(owner);
    s.table.release_all(owner);
    s.check_table();
  }
  s.done++;
}

TEST(LockTableStress, FibersOnSeveralThreads) {
  constexpr int kThreads = 3, kFibersPerThread = 8, kIterations = 150;
  Shared s;
  std::vector<std::unique_ptr<boost::asio::io_context>> ios;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) ios.push_back(std::make_unique<boost::asio::io_context>(1));
  for (int t = 0; t < kThreads; ++t)
    for (int f = 0; f < kFibersPerThread; ++f) {
      int id = t * kFibersPerThread + f + 1;
      runtime::Fiber::spawn(
          *ios[t], [&s, id] { worker(s, id, kIterations); }, 256 * 1024);
    }
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<Guard>> guards;
  for (auto& io : ios) guards.push_back(std::make_unique<Guard>(io->get_executor()));
  for (auto& io : ios) threads.emplace_back([io = io.get()] { io->run(); });
  auto give_up = Clock::now() + std::chrono::seconds(120);
  while (s.done.load() < kThreads * kFibersPerThread && Clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  bool finished = s.done.load() == kThreads * kFibersPerThread;
  guards.clear();
  if (!finished) {
    for (auto& io : ios) io->stop();
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(finished) << "fibers hung: " << s.done.load() << " done";
  EXPECT_EQ(s.violations.load(), 0) << s.first_violation;
  EXPECT_EQ(s.table.size(), 0u);
  EXPECT_EQ(s.table.check_invariants(), "");
  EXPECT_GT(s.granted.load(), 0);
  std::printf("granted %d, would-block %d, timeouts %d, deadlocks %d\n", s.granted.load(),
              s.would_block.load(), s.timeouts.load(), s.deadlocks.load());
}

// One hot key, FOR UPDATE only: every waiter is handed the lock exactly once, in turn.
TEST(LockTableStress, HotRowHandOff) {
  constexpr int kThreads = 2, kFibersPerThread = 16, kIterations = 100;
  LockTable table;
  std::atomic<int> inside{0}, max_inside{0}, done{0}, total{0};
  std::vector<std::unique_ptr<boost::asio::io_context>> ios;
  for (int t = 0; t < kThreads; ++t) ios.push_back(std::make_unique<boost::asio::io_context>(1));
  for (int t = 0; t < kThreads; ++t)
    for (int f = 0; f < kFibersPerThread; ++f) {
      OwnerId base = static_cast<OwnerId>(t * kFibersPerThread + f + 1) * 1'000'000;
      runtime::Fiber::spawn(
          *ios[t],
          [&, base] {
            for (int i = 0; i < kIterations; ++i) {
              AcquireRequest r;
              r.tag = row_tag(1, 0, "hot");
              r.mode = row_mode::kUpdate;
              r.owner = base + static_cast<OwnerId>(i);
              if (table.acquire(r) != AcquireResult::kGranted) continue;
              int now = ++inside;
              int prev = max_inside.load();
              while (now > prev && !max_inside.compare_exchange_weak(prev, now)) {
              }
              ++total;
              --inside;
              table.release_all(r.owner);
            }
            ++done;
          },
          256 * 1024);
    }
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<Guard>> guards;
  for (auto& io : ios) guards.push_back(std::make_unique<Guard>(io->get_executor()));
  std::vector<std::thread> threads;
  for (auto& io : ios) threads.emplace_back([io = io.get()] { io->run(); });
  auto give_up = Clock::now() + std::chrono::seconds(120);
  while (done.load() < kThreads * kFibersPerThread && Clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  guards.clear();
  if (done.load() != kThreads * kFibersPerThread)
    for (auto& io : ios) io->stop();
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), kThreads * kFibersPerThread);
  EXPECT_EQ(total.load(), kThreads * kFibersPerThread * kIterations);
  EXPECT_EQ(max_inside.load(), 1);
  EXPECT_EQ(table.size(), 0u);
}

// A hand-off of one hot row looks at the head of its queue, not at everyone behind it: with
// kWaiters FOR UPDATE waiters queued, the kWaiters releases that hand the lock down the queue
// examine at most two waiters each (the one granted, and the next, which blocks everyone
// behind it). Before, each release examined the whole queue (kWaiters * (kWaiters + 1) / 2 in
// all). Each waiter is still granted in queue order.
TEST(LockTableStress, HotRowHandOffExaminesTheHeadOfTheQueueOnly) {
  constexpr int kWaiters = 64;
  LockTable table;
  const LockTag hot = row_tag(1, 0, "hot");
  AcquireRequest holder;
  holder.tag = hot;
  holder.mode = row_mode::kUpdate;
  holder.owner = 1;
  ASSERT_EQ(table.acquire(holder), AcquireResult::kGranted);
  boost::asio::io_context io(1);
  std::mutex order_mu;
  std::vector<OwnerId> order;  // owners in the order they were granted
  std::atomic<int> done{0};
  for (int f = 0; f < kWaiters; ++f) {
    const OwnerId owner = static_cast<OwnerId>(f + 2);
    runtime::Fiber::spawn(
        io,
        [&, owner] {
          AcquireRequest r;
          r.tag = hot;
          r.mode = row_mode::kUpdate;
          r.owner = owner;
          if (table.acquire(r) == AcquireResult::kGranted) {
            std::lock_guard g(order_mu);
            order.push_back(owner);
          }
          table.release_all(owner);
          ++done;
        },
        256 * 1024);
  }
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  auto guard = std::make_unique<Guard>(io.get_executor());
  std::thread runner([&] { io.run(); });
  // Every fiber queued (in spawn order: one thread runs them) before the holder lets go.
  auto queued = [&] {
    int n = 0;
    for (const LockInfo& l : table.dump()) n += !l.granted;
    return n;
  };
  auto give_up = Clock::now() + std::chrono::seconds(120);
  while (queued() < kWaiters && Clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(queued(), kWaiters);
  const uint64_t examined_before = table.waiters_examined();
  table.release_all(holder.owner);
  while (done.load() < kWaiters && Clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  guard.reset();
  if (done.load() != kWaiters) io.stop();
  runner.join();
  ASSERT_EQ(done.load(), kWaiters);
  const uint64_t examined = table.waiters_examined() - examined_before;
  EXPECT_LE(examined, 2u * kWaiters) << "releases examined the whole queue each time";
  ASSERT_EQ(order.size(), static_cast<size_t>(kWaiters));
  for (int f = 0; f < kWaiters; ++f) EXPECT_EQ(order[f], static_cast<OwnerId>(f + 2));
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.check_invariants(), "");
}

}  // namespace
}  // namespace hf::locks
