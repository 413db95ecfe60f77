// activity/registry_test.cc — the session registry's shards: sessions found by pid after
// many adds and removes, snapshot() in pid order, and sessions that update their own entries
// on several threads while others read the whole registry (run under TSan).
#include "activity/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace hf::activity {
namespace {

TEST(SessionRegistry, FindsEverySessionAndListsThemInPidOrder) {
  SessionRegistry r;
  runtime::CancelToken cancel;
  std::vector<int32_t> pids;
  for (int i = 0; i < 40; ++i) pids.push_back(r.add(&cancel, SessionInfo{}).first);
  for (size_t i = 0; i < pids.size(); i += 3) r.remove(pids[i]);
  for (size_t i = 0; i < pids.size(); ++i) {
    SessionInfo info;
    info.query = "q" + std::to_string(i);
    info.pid = pids[i];
    r.update(pids[i], info);
    EXPECT_EQ(r.find(pids[i]).has_value(), i % 3 != 0) << i;
  }
  auto all = r.snapshot();
  ASSERT_EQ(all.size(), r.size());
  ASSERT_EQ(all.size(), 26u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].pid, all[i].pid);
  r.set_txn(pids[4], 77);
  EXPECT_EQ(r.pid_of_txn(77), pids[4]);
  r.set_service_owner(pids[5], 9);
  EXPECT_EQ(r.pid_of_service_owner(9), pids[5]);
  r.remove(pids[5]);
  EXPECT_FALSE(r.pid_of_service_owner(9).has_value());
}

TEST(SessionRegistry, ConcurrentUpdatesAndReads) {
  SessionRegistry r;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      runtime::CancelToken cancel;
      for (int round = 0; round < 200; ++round) {
        int32_t pid = r.add(&cancel, SessionInfo{}).first;
        SessionInfo info;
        info.pid = pid;
        info.query = "select " + std::to_string(t);
        for (int k = 0; k < 20; ++k) {
          info.state = k % 2 ? "active" : "idle";
          r.update(pid, info);
          r.set_txn(pid, static_cast<uint64_t>(pid) * 10 + k);
          r.set_wait(pid, "Lock", "relation");
        }
        EXPECT_EQ(r.find(pid)->query, info.query);
        r.remove(pid);
      }
    });
  }
  std::thread reader([&] {
    while (!stop) {
      for (const auto& s : r.snapshot()) EXPECT_NE(s.pid, 0);
      (void)r.pid_of_txn(12345);
    }
  });
  for (auto& t : threads) t.join();
  stop = true;
  reader.join();
  EXPECT_EQ(r.size(), 0u);
}

}  // namespace
}  // namespace hf::activity
