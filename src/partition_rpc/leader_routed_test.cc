// partition_rpc/leader_routed_test.cc — LeaderRoutedPartition (leader_routed.h LR1-LR4) over two
// real gated LocalPartitions (two LocalNodes of one partition each), so the refusals it
// classifies are the partition layer's own (G1: not served here, G2: the fence).
#include "partition_rpc/leader_routed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "common/error.h"
#include "coord/txn_manager.h"
#include "partition/local_node.h"
#include "partition/local_partition.h"

namespace hf::partition_rpc {
namespace {

namespace api = partition_api;

class EveryonePending : public api::TxnStatusOracle {
 public:
  api::TxnStatus status(api::TxnId) override { return {api::TxnState::kPending, 0}; }
};

const api::KeySpace kT{1001, 0};

class LeaderRoutedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hf-leader-routed-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    for (int i = 0; i < 2; ++i) {
      nodes_[i] = partition::open_local_node(root_ + "/node-" + std::to_string(i + 1), 1);
      nodes_[i]->attach(&oracle_, [] { return api::Timestamp{1}; });
      nodes_[i]->gate();  // neither serves until taken over
    }
    LeaderRoutedPartition::Options o;
    o.id = 0;
    o.self = 1;
    o.local = &nodes_[0]->partition(0);
    o.remote[2] = &nodes_[1]->partition(0);
    o.leader = [this] {
      ++asked_;
      return leader_.load();
    };
    o.fenced = [this] { ++fenced_; };
    o.retry_for = std::chrono::milliseconds(2000);
    routed_ = std::make_unique<LeaderRoutedPartition>(std::move(o));
  }
  void TearDown() override {
    routed_.reset();
    for (auto& n : nodes_) n.reset();
    std::filesystem::remove_all(root_);
  }
  // Node `i` (1 or 2) takes the partition over in `term`, fencing TxnIds below `fence`.
  void take_over(int i, uint64_t term, api::TxnId fence = 1) {
    nodes_[i - 1]->take_over(0, term, fence, 1);
  }
  api::LockResult lock(api::TxnId txn, const std::string& key) {
    api::LockRequest r;
    r.space = kT;
    r.key = key;
    r.txn = txn;
    r.policy = api::WaitPolicy::kNoWait;
    return routed_->lock(r);
  }
  std::string sqlstate_of(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const SqlError& e) {
      return e.error().sqlstate;
    }
    return "";
  }

  std::string root_;
  EveryonePending oracle_;
  std::unique_ptr<partition::LocalNode> nodes_[2];
  std::unique_ptr<LeaderRoutedPartition> routed_;
  std::atomic<uint32_t> leader_{1};
  std::atomic<int> asked_{0}, fenced_{0};
};

TEST_F(LeaderRoutedTest, AReadRefusedByAReplicaThatDoesNotLeadIsMadeAgainAtTheNewLeader) {
  take_over(2, 1);
  leader_ = 1;  // stale: node 1's replica does not serve
  std::thread mover([this] {
    while (asked_.load() < 1) std::this_thread::yield();
    leader_ = 2;
  });
  auto row = routed_->get(kT, "k", api::ReadView{1, 0, 0});
  mover.join();
  EXPECT_FALSE(row.has_value());
  EXPECT_GE(routed_->retries(), 1u);
  EXPECT_EQ(routed_->commit_group(), 0u);  // LR4: two partitions commit in two phases
}

TEST_F(LeaderRoutedTest, ATransactionsFirstLockIsRetriedButNotOneAfterItLockedAtTheOldLeader) {
  take_over(2, 1);
  leader_ = 2;
  ASSERT_EQ(lock(10, "a").outcome, api::LockOutcome::kGranted);  // txn 10 holds a lock at 2
  // Node 2 is deposed; node 1 takes over (fence 5: both 10 and 11 are above it).
  nodes_[1]->stop_serving(0);
  take_over(1, 2, 5);
  // Txn 10 locked at node 2: its next call is not moved to node 1 (its lock there may be
  // lost): it fails with node 2's refusal.
  EXPECT_EQ(sqlstate_of([&] { lock(10, "b"); }), "40001");
  EXPECT_EQ(routed_->retries(), 0u);
  // Txn 11 has left nothing here: its first lock is made again at node 1 once the map says so.
  std::thread mover([this, at = asked_.load()] {
    while (asked_.load() < at + 1) std::this_thread::yield();
    leader_ = 1;
  });
  EXPECT_EQ(lock(11, "b").outcome, api::LockOutcome::kGranted);
  mover.join();
  EXPECT_GE(routed_->retries(), 1u);
  // A transaction's end is always made at the current leader: 10's abort runs at node 1.
  EXPECT_NO_THROW(routed_->abort(10));
}

TEST_F(LeaderRoutedTest, AFencedTransactionIsNotRetriedAndRenewsTheCoordinatorsTxnIds) {
  take_over(1, 1, /*fence=*/100);
  leader_ = 1;
  EXPECT_EQ(sqlstate_of([&] { lock(50, "a"); }), "40001");  // G2 at node 1
  EXPECT_EQ(fenced_.load(), 1);
  EXPECT_EQ(routed_->retries(), 0u);
  EXPECT_EQ(lock(150, "a").outcome, api::LockOutcome::kGranted);
}

TEST_F(LeaderRoutedTest, ATransactionStaysWithTheNodeItFirstReachedWhenTheLeaderMoves) {
  take_over(2, 1);
  leader_ = 2;
  ASSERT_EQ(lock(20, "a").outcome, api::LockOutcome::kGranted);  // txn 20 is at node 2
  // Node 1 takes over at a fence below 20 (20 was minted after it): only the pin stops 20
  // from going on at node 1, which never saw what 20 did at node 2.
  nodes_[1]->stop_serving(0);
  take_over(1, 2, 5);
  leader_ = 1;
  EXPECT_EQ(sqlstate_of([&] { lock(20, "c"); }), "40001");
  EXPECT_EQ(sqlstate_of([&] { routed_->get(kT, "a", api::ReadView{1, 20, 0}); }), "40001");
  EXPECT_EQ(sqlstate_of([&] { routed_->prepare(20); }), "40001");
  // Nothing of it was made at node 1: another transaction gets row c there.
  EXPECT_EQ(lock(21, "c").outcome, api::LockOutcome::kGranted);
  // Its end goes to the current leader.
  EXPECT_NO_THROW(routed_->abort(20));
  EXPECT_EQ(lock(22, "a").outcome, api::LockOutcome::kGranted);
}

TEST_F(LeaderRoutedTest, NoLeaderKnownIsARefusalRetriedUntilTheBound) {
  leader_ = 0;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(sqlstate_of([&] { routed_->get(kT, "k", api::ReadView{1, 0, 0}); }), "40001");
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(1900));  // retry_for 2 s
  EXPECT_LT(waited, std::chrono::milliseconds(5000));
}

// LR6 (issue 12 item 6): a row lock taken through the router lives at the leader only; once
// another replica has taken the partition over and granted the row to U, the holder T — which
// only locked there — must not commit: the coordinator asks the current leader, whose fence
// refuses T (40001). Without LR6 the coordinator skipped the check and T committed while U
// held its row (tests/e2e/cluster_replicated.sh found it: a session on node 2 took rows whose
// lock a live session on node 1 held at node 3's dead leader, and the holder committed).
TEST_F(LeaderRoutedTest, ALockOnlyHolderWhoseLeaderChangedCannotCommit) {
  EXPECT_TRUE(routed_->leader_only());
  take_over(1, 1);
  leader_ = 1;
  auto txns = coord::make_txn_manager({routed_.get()}, coord::TxnManagerOptions{1, 10, 1000});
  auto t = txns->begin(coord::BeginOptions{});
  t->start_statement();
  ASSERT_EQ(t->lock(kT, "a", "a", api::LockStrength::kUpdate, {}, std::nullopt).outcome,
            api::LockOutcome::kGranted);
  // Node 1 is deposed; node 2 takes over above T's TxnId and grants T's row to U.
  nodes_[0]->stop_serving(0);
  take_over(2, 2, /*fence=*/2000);
  leader_ = 2;
  ASSERT_EQ(lock(2001, "a").outcome, api::LockOutcome::kGranted) << "U did not get the row";
  EXPECT_EQ(sqlstate_of([&] { t->commit(); }), "40001") << "T committed while U held its row";
}

}  // namespace
}  // namespace hf::partition_rpc
