// replication/replica_group_test.cc — ReplicaGroup for real: libraft's libuv backend, TCP on
// loopback, data directories on disk (fsync on), three replicas in one process, each on its
// own loop thread. Bounded by wall-clock deadlines (a few seconds each); a replica that
// does not elect, commit or catch up in time fails the test.
#include "replication/replica_group.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "replication/loopback_for_tests.h"
#include "replication/raft_counts.h"
#include "replication/recording_machine_for_tests.h"
#include "replication/tsan_suppressions_for_tests.h"  // this binary's one include of it
#include "runtime/fiber.h"

namespace hf::replication {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

class UvCluster : public ::testing::Test {
 protected:
  static constexpr int kReplicas = 3;

  void SetUp() override {
    char pattern[] = "/tmp/hf-raft-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    const auto ports = free_ports(kReplicas);
    for (int i = 0; i < kReplicas; ++i) {
      Member m;
      m.id = static_cast<ReplicaId>(i + 1);
      m.address = "127.0.0.1:" + std::to_string(ports[i]);
      members_.push_back(m);
    }
    machines_.resize(kReplicas);
    groups_.resize(kReplicas);
  }
  void TearDown() override {
    for (auto& g : groups_) g.reset();  // stop() every replica before its machine goes
    std::filesystem::remove_all(root_);
  }

  ReplicaGroupOptions options(int i) {
    ReplicaGroupOptions o;
    o.id = members_[i].id;
    o.address = members_[i].address;
    o.data_dir = root_ + "/replica-" + std::to_string(i + 1);
    o.bootstrap = members_;
    o.election_timeout_ms = 300;  // short, so the failover test stays within seconds
    o.heartbeat_timeout_ms = 50;
    o.snapshot_threshold = 256;
    o.snapshot_trailing = 64;
    return o;
  }
  // Starts (or restarts, from its directory) replica i with a fresh, empty machine.
  void start(int i) {
    groups_[i].reset();
    machines_[i] = std::make_unique<RecordingMachine>();
    groups_[i] = std::make_unique<ReplicaGroup>(options(i), *machines_[i]);
    ASSERT_EQ(groups_[i]->start(), "");
  }
  void start_all() {
    for (int i = 0; i < kReplicas; ++i) start(i);
  }
  // The index of the replica that says it leads (among those running), or -1 at the deadline.
  int wait_for_leader(std::chrono::milliseconds within = 5s) {
    const auto deadline = Clock::now() + within;
    while (Clock::now() < deadline) {
      for (int i = 0; i < kReplicas; ++i)
        if (groups_[i] && groups_[i]->info().state == ReplicaInfo::kLeader) return i;
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }
  // Proposes `n` entries "<prefix><k>" on replica `leader` from `threads` threads at once;
  // returns how many were not kOk.
  int propose_concurrently(int leader, const std::string& prefix, int n, int threads) {
    std::atomic<int> next{0}, failed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&] {
        for (int k; (k = next.fetch_add(1)) < n;) {
          Outcome out = groups_[leader]->propose(prefix + std::to_string(k));
          if (!out.ok()) failed.fetch_add(1);
        }
      });
    for (auto& w : workers) w.join();
    return failed.load();
  }

  std::string root_;
  std::vector<Member> members_;
  std::vector<std::unique_ptr<RecordingMachine>> machines_;
  std::vector<std::unique_ptr<ReplicaGroup>> groups_;
};

// libraft's address parser (uvIpParse) calls strtok twice in a row on the loop thread of
// each group; the strtok libraft binds to (the first definition in the process's lookup
// order) must keep its position per thread, or a group connecting beside another reads the
// other's port. Thread A starts on "a-host:1111", thread B on "b-host:2222" in between, then
// A continues: A must get its own port.
TEST(ReplicaGroupProcess, StrtokAsLibraftBindsItKeepsItsPositionPerThread) {
  using StrtokFn = char* (*)(char*, const char*);
  auto bound = reinterpret_cast<StrtokFn>(dlsym(RTLD_DEFAULT, "strtok"));
  ASSERT_NE(bound, nullptr);
  char a[] = "a-host:1111";
  char b[] = "b-host:2222";
  std::string a_host, a_port, b_host, b_port;
  std::mutex mu;
  std::condition_variable cv;
  int step = 0;
  auto wait_for = [&](int s) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return step == s; });
  };
  auto advance = [&] {
    {
      std::lock_guard lock(mu);
      ++step;
    }
    cv.notify_all();
  };
  std::thread first([&] {
    a_host = bound(a, ":");
    advance();  // 1: B parses its whole address now
    wait_for(2);
    const char* port = bound(nullptr, ":");
    a_port = port ? port : "(null)";
  });
  std::thread second([&] {
    wait_for(1);
    b_host = bound(b, ":");
    const char* port = bound(nullptr, ":");
    b_port = port ? port : "(null)";
    advance();  // 2
  });
  first.join();
  second.join();
  EXPECT_EQ(a_host, "a-host");
  EXPECT_EQ(a_port, "1111");
  EXPECT_EQ(b_host, "b-host");
  EXPECT_EQ(b_port, "2222");
}

TEST_F(UvCluster, LeaderFailoverAndRestartFromItsDirectory) {
  start_all();
  const int leader = wait_for_leader();
  ASSERT_GE(leader, 0) << "no leader elected";
  const auto t0 = Clock::now();
  ASSERT_EQ(propose_concurrently(leader, "a", 1000, 8), 0);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::printf("uv loopback: 1000 proposals from 8 threads in %.0f ms\n", ms);
  ASSERT_EQ(machines_[leader]->size(), 1000u);

  // A follower refuses and names the leader.
  const int follower = (leader + 1) % kReplicas;
  ASSERT_TRUE(wait_until([&] { return groups_[follower]->info().leader_id != 0; }, 3s));
  Outcome refused = groups_[follower]->propose("x");
  EXPECT_EQ(refused.status, Outcome::kNotLeader);
  EXPECT_EQ(refused.leader_id, members_[leader].id);
  EXPECT_EQ(refused.leader_address, members_[leader].address);

  // Kill the leader (close it); the other two elect a new one and continue.
  groups_[leader]->stop();
  EXPECT_EQ(groups_[leader]->propose("late").status, Outcome::kShuttingDown);
  groups_[leader].reset();
  const int next = wait_for_leader();
  ASSERT_GE(next, 0) << "the survivors did not elect a leader";
  ASSERT_NE(next, leader);
  ASSERT_EQ(propose_concurrently(next, "b", 100, 4), 0);
  // R1: the new leader applied every entry the old one reported committed.
  std::set<std::string> applied;
  for (const auto& v : machines_[next]->values()) applied.insert(v);
  for (int k = 0; k < 1000; ++k) ASSERT_TRUE(applied.count("a" + std::to_string(k))) << k;
  ASSERT_EQ(machines_[next]->size(), 1100u);

  // Restart the old leader from its directory: it restores its snapshot, replays its log
  // and catches up with what it missed.
  start(leader);
  ASSERT_TRUE(wait_until([&] { return machines_[leader]->size() >= 1100; }, 10s))
      << "the restarted replica applied only " << machines_[leader]->size();
  EXPECT_GE(machines_[leader]->restores(), 1);
  EXPECT_EQ(machines_[leader]->history(), machines_[next]->history());
  const int third = 3 - leader - next;
  ASSERT_TRUE(wait_until([&] { return machines_[third]->size() >= 1100; }, 5s));
  EXPECT_EQ(machines_[third]->history(), machines_[next]->history());
}

TEST_F(UvCluster, ProposalsFromFibersParkInsteadOfBlocking) {
  start_all();
  const int leader = wait_for_leader();
  ASSERT_GE(leader, 0);
  // One executor thread runs 20 fibers; each proposes 10 entries. Were propose() to block
  // its thread, the fibers would run one after another; parked, they all wait at once.
  runtime::Runtime rt(1, 2);
  rt.start();
  std::mutex mu;
  std::condition_variable cv;
  int fibers_done = 0, failed = 0, max_in_flight = 0, in_flight = 0;
  constexpr int kFibers = 20, kEach = 10;
  for (int f = 0; f < kFibers; ++f) {
    runtime::Fiber::spawn(rt.context(0), [&, f] {
      for (int k = 0; k < kEach; ++k) {
        {
          std::lock_guard lock(mu);
          max_in_flight = std::max(max_in_flight, ++in_flight);
        }
        Outcome out = groups_[leader]->propose("f" + std::to_string(f) + "." + std::to_string(k));
        std::lock_guard lock(mu);
        --in_flight;
        failed += !out.ok();
      }
      std::lock_guard lock(mu);
      ++fibers_done;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return fibers_done == kFibers; }));
  }
  rt.stop();
  EXPECT_EQ(failed, 0);
  EXPECT_GT(max_in_flight, 1);  // several fibers were parked in propose() at once
  EXPECT_EQ(machines_[leader]->size(), static_cast<size_t>(kFibers * kEach));
}

// propose(entry, on_applied): the hook runs on the loop thread, after this replica applied
// the entry and before propose() returns; never for an entry that was not applied.
TEST_F(UvCluster, OnAppliedRunsOnTheLoopThreadRightAfterTheApply) {
  start_all();
  const int leader = wait_for_leader();
  ASSERT_GE(leader, 0);
  std::thread::id ran_on;
  size_t applied_then = 0;
  Outcome out = groups_[leader]->propose("hooked", [&] {
    ran_on = std::this_thread::get_id();
    applied_then = machines_[leader]->size();
  });
  ASSERT_TRUE(out.ok()) << out.message;
  EXPECT_NE(ran_on, std::thread::id()) << "ran before propose() returned";
  EXPECT_NE(ran_on, std::this_thread::get_id()) << "on the loop thread";
  EXPECT_EQ(applied_then, 1u) << "after the apply";
  bool ran = false;
  out = groups_[(leader + 1) % kReplicas]->propose("refused", [&] { ran = true; });
  EXPECT_EQ(out.status, Outcome::kNotLeader);
  EXPECT_FALSE(ran);
}

// The counters of raft_counts.h (doc/cluster.md §6's counted figures): an election writes
// the term and the vote; one proposal is one propose() call, its entry stored once on each of
// the 3 replicas (a log append each) and sent to both followers in AppendEntries carrying it.
TEST_F(UvCluster, CountersSeeTheElectionAndEachProposalsAppendsAndMessages) {
  auto& c = raft_counts();
  const uint64_t metadata_before = c.metadata_writes.load();
  start_all();
  const int leader = wait_for_leader();
  ASSERT_GE(leader, 0);
  EXPECT_GT(c.metadata_writes.load(), metadata_before) << "the election's term and vote";
  // Whatever the election appended (the new leader's barrier) is stored everywhere first.
  const auto settled = [&] {
    const auto want = groups_[leader]->info().last_index;
    for (int i = 0; i < kReplicas; ++i)
      if (groups_[i]->info().last_applied < want) return false;
    return true;
  };
  for (auto deadline = Clock::now() + 5s; !settled() && Clock::now() < deadline;)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(settled());
  const uint64_t proposals = c.proposals.load(), appends = c.log_appends.load(),
                 entries = c.log_entries.load(), sent = c.sent_entries.load();
  ASSERT_TRUE(groups_[leader]->propose("counted").ok());
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
    bool all = true;
    for (int i = 0; i < kReplicas; ++i) all = all && machines_[i]->size() == 1;
    if (all) break;
    std::this_thread::sleep_for(10ms);
  }
  for (int i = 0; i < kReplicas; ++i) ASSERT_EQ(machines_[i]->size(), 1u) << "replica " << i;
  EXPECT_EQ(c.proposals.load() - proposals, 1u);
  EXPECT_GE(c.log_appends.load() - appends, 3u) << "the leader's and each follower's";
  EXPECT_GE(c.log_entries.load() - entries, 3u);
  EXPECT_GE(c.sent_entries.load() - sent, 2u) << "one AppendEntries with it to each follower";
}

TEST_F(UvCluster, MembershipChangesAndTransferOverTcp) {
  start_all();
  const int leader = wait_for_leader();
  ASSERT_GE(leader, 0);
  ASSERT_EQ(propose_concurrently(leader, "m", 50, 2), 0);
  const int target = (leader + 1) % kReplicas;
  Outcome moved = groups_[leader]->transfer(members_[target].id);
  EXPECT_EQ(moved.status, Outcome::kOk) << moved.message;
  ASSERT_TRUE(
      wait_until([&] { return groups_[target]->info().state == ReplicaInfo::kLeader; }, 5s));
  // Remove the old leader, then add it back as a spare and promote it.
  Outcome removed = groups_[target]->remove(members_[leader].id);
  ASSERT_EQ(removed.status, Outcome::kOk) << removed.message;
  EXPECT_EQ(groups_[target]->info().configuration.size(), 2u);
  Outcome added = groups_[target]->add(members_[leader].id, members_[leader].address);
  ASSERT_EQ(added.status, Outcome::kOk) << added.message;
  Outcome promoted = groups_[target]->assign(members_[leader].id, Role::kVoter);
  ASSERT_EQ(promoted.status, Outcome::kOk) << promoted.message;
  EXPECT_EQ(groups_[target]->info().configuration.size(), 3u);
  EXPECT_TRUE(groups_[target]->barrier().ok());
  EXPECT_EQ(groups_[target]->propose("after").status, Outcome::kOk);
}

// A replica that cannot listen fails start() with libraft's reason and is left stopped:
// requests answer kShuttingDown, and destroying it is clean (the teardown path after a
// half-open start runs under ASan/TSan here).
TEST_F(UvCluster, StartFailsCleanlyWhenTheAddressIsTaken) {
  const int taken = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(taken, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(taken, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(taken, 1), 0);
  ASSERT_EQ(getsockname(taken, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ReplicaGroupOptions o = options(0);
  o.address = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  o.bootstrap = {Member{1, o.address, Role::kVoter}};
  RecordingMachine machine;
  ReplicaGroup group(o, machine);
  const std::string error = group.start();
  close(taken);
  EXPECT_NE(error.find("raft_start"), std::string::npos) << error;
  EXPECT_EQ(group.propose("x").status, Outcome::kShuttingDown);
  EXPECT_EQ(group.info().state, ReplicaInfo::kUnavailable);
  EXPECT_EQ(group.start(), "the replica group was already started");
}

// A measurement, not a test: run with --gtest_also_run_disabled_tests.
TEST_F(UvCluster, DISABLED_Throughput) {
  start_all();
  const int leader = wait_for_leader();
  ASSERT_GE(leader, 0);
  std::vector<double> latencies;
  for (int k = 0; k < 500; ++k) {
    const auto t = Clock::now();
    ASSERT_TRUE(groups_[leader]->propose("s" + std::to_string(k)).ok());
    latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("one proposer: p50 %.0f us, p99 %.0f us, %.0f proposals/s\n",
              latencies[latencies.size() / 2], latencies[latencies.size() * 99 / 100],
              1e6 * latencies.size() / std::accumulate(latencies.begin(), latencies.end(), 0.0));
  for (int threads : {8, 32}) {
    const int n = 4000;
    const auto t = Clock::now();
    ASSERT_EQ(propose_concurrently(leader, "c" + std::to_string(threads) + ".", n, threads), 0);
    const double s = std::chrono::duration<double>(Clock::now() - t).count();
    std::printf("%d proposers: %.0f proposals/s (%d in %.2f s)\n", threads, n / s, n, s);
  }
}

}  // namespace
}  // namespace hf::replication
