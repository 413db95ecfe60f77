// partition/raft_log_test.cc — LocalPartitions whose writes go through RaftLog (raft_log.h):
// three nodes in one process, each a LocalNode (its own RocksDB) with this node's replica of
// each partition's Raft group (ReplicaGroup + PartitionMachine on the node's engine), over
// loopback TCP with fsync on. Bounded by wall-clock deadlines (a few seconds each).
#include "partition/raft_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "coord/txn_manager.h"
#include "partition/leadership.h"
#include "partition/local_node.h"
#include "partition/local_partition.h"
#include "replication/loopback_for_tests.h"
#include "replication/partition_machine.h"
#include "replication/replica_group.h"
#include "replication/tsan_suppressions_for_tests.h"  // this binary's one include of it
#include "runtime/fiber.h"
#include "storage/engine.h"
#include "storage/keys.h"

namespace hf::partition {
namespace {

using namespace std::chrono_literals;
using replication::free_ports;
using replication::PartitionMachine;
using replication::ReplicaGroup;
using replication::ReplicaInfo;
using replication::wait_until;

const KeySpace kT{1001, 0};
constexpr int kNodes = 3;
constexpr uint32_t kPartitions = 2;  // each its own group of 3 replicas, one on every node
constexpr std::chrono::milliseconds kPoll(20);  // the Leadership watcher's

// Who committed: aborted unless set otherwise (a transaction's intents are dead to readers
// until it is said to be pending or committed).
class TestOracle : public TxnStatusOracle {
 public:
  TxnStatus status(TxnId t) override {
    std::lock_guard g(mu_);
    auto it = states_.find(t);
    return it == states_.end() ? TxnStatus{TxnState::kAborted, 0} : it->second;
  }
  void set(TxnId t, TxnState s, Timestamp ts = 0) {
    std::lock_guard g(mu_);
    states_[t] = TxnStatus{s, ts};
  }

 private:
  std::mutex mu_;
  std::map<TxnId, TxnStatus> states_;  // guarded by mu_
};

// One node: its storage and partitions, its replica of every partition's group, its log.
struct Node {
  std::unique_ptr<LocalNode> local;
  std::vector<std::unique_ptr<PartitionMachine>> machines;  // by partition
  std::vector<std::unique_ptr<ReplicaGroup>> groups;        // by partition
  std::unique_ptr<RaftLog> log;
  std::unique_ptr<Leadership> lead;  // LeaderServingTest only
};

class RaftLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hf-raftlog-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    const auto ports = free_ports(kNodes * kPartitions);
    members_.resize(kPartitions);
    for (uint32_t p = 0; p < kPartitions; ++p)
      for (int i = 0; i < kNodes; ++i)
        members_[p].push_back(replication::Member{
            static_cast<replication::ReplicaId>(i + 1),
            "127.0.0.1:" + std::to_string(ports[p * kNodes + i]), replication::Role::kVoter});
    nodes_.resize(kNodes);
    for (int i = 0; i < kNodes; ++i) start(i);
    ts_ = nodes_[0].local->clock().start_ts;
    next_txn_ = nodes_[0].local->clock().first_txn_id;
  }
  void TearDown() override {
    for (int i = 0; i < kNodes; ++i) stop(i);
    std::filesystem::remove_all(root_);
  }

  void start(int i) {
    Node& n = nodes_[i];
    const std::string dir = root_ + "/node-" + std::to_string(i + 1);
    n.local = open_local_node(dir + "/rocksdb", kPartitions);
    n.local->attach(&oracle_, [this] { return horizon_.load(); });
    std::unordered_map<PartitionId, ReplicaGroup*> groups;
    for (uint32_t p = 0; p < kPartitions; ++p) {
      n.machines.push_back(std::make_unique<PartitionMachine>(
          n.local->engine(), static_cast<replication::PartitionNumber>(p)));
      replication::ReplicaGroupOptions o;
      o.id = members_[p][i].id;
      o.address = members_[p][i].address;
      o.data_dir = dir + "/raft-" + std::to_string(p);
      o.bootstrap = members_[p];
      o.election_timeout_ms = static_cast<unsigned>(election_timeout_.count());
      o.heartbeat_timeout_ms = 50;
      n.groups.push_back(std::make_unique<ReplicaGroup>(o, *n.machines.back()));
      ASSERT_EQ(n.groups.back()->start(), "");
      groups[p] = n.groups.back().get();
    }
    n.log = std::make_unique<RaftLog>(groups);
    n.local->set_log(n.log.get());
    if (gated_) {
      n.local->gate();
      // The registry's fence: every TxnId minted so far is below next_txn_, every commit
      // timestamp handed out at or below ts_.
      n.lead = std::make_unique<Leadership>(
          *n.local, groups,
          [this] {
            return Leadership::Fence{next_txn_.load(), ts_.load()};
          },
          kPoll, election_timeout_);
      n.lead->start();
    }
  }
  // Groups first (their loop threads apply to the engine), then machines, node, log.
  void stop(int i) {
    Node& n = nodes_[i];
    n.lead.reset();  // before the groups it watches
    n.groups.clear();
    n.machines.clear();
    n.local.reset();
    n.log.reset();
  }
  bool running(int i) const { return nodes_[i].local != nullptr; }

  // The node whose replica leads partition p's group (-1 if none within 5 s).
  int leader(uint32_t p = 0) {
    int found = -1;
    wait_until(
        [&] {
          for (int i = 0; i < kNodes; ++i)
            if (running(i) && nodes_[i].groups[p]->info().state == ReplicaInfo::kLeader)
              return (found = i) >= 0;
          return false;
        },
        5s);
    return found;
  }
  // Whether every running node applied partition p's entries up to what node `at` applied.
  bool converged(int at, uint32_t p = 0) {
    const replication::LogIndex target = nodes_[at].machines[p]->applied_index();
    return wait_until(
        [&] {
          for (int i = 0; i < kNodes; ++i)
            if (running(i) && nodes_[i].machines[p]->applied_index() < target) return false;
          return true;
        },
        10s);
  }
  LocalPartition& partition(int node, uint32_t p = 0) { return nodes_[node].local->partition(p); }
  std::vector<replication::LogIndex> applied_indexes() {
    std::vector<replication::LogIndex> out;
    for (int i = 0; i < kNodes; ++i)
      for (uint32_t p = 0; p < kPartitions; ++p)
        out.push_back(running(i) ? nodes_[i].machines[p]->applied_index() : 0);
    return out;
  }

  LockOutcome lock(LocalPartition& part, TxnId txn, const std::string& key) {
    LockRequest r;
    r.space = kT;
    r.key = key;
    r.txn = txn;
    r.strength = LockStrength::kNoKeyUpdate;
    r.policy = WaitPolicy::kNoWait;
    return part.lock(r).outcome;
  }
  // A transaction writing key=value in `part`, committed in one phase; its commit timestamp.
  // on_durable counts the commits acknowledged and notes the thread it ran on.
  Timestamp commit_one(LocalPartition& part, const std::string& key, const std::string& value) {
    const TxnId t = next_txn_++;
    EXPECT_EQ(lock(part, t, key), LockOutcome::kGranted);
    part.write(t, 0, 1, kT, key, value);  // buffered: the commit's one entry carries it
    const Timestamp ts = ++ts_;
    part.commit_one_phase_then(t, ts, {}, [this] {
      durable_.fetch_add(1);
      std::lock_guard g(mu_);
      durable_threads_.push_back(std::this_thread::get_id());
    });
    part.commit(t, ts);
    return ts;
  }
  std::optional<std::string> read(LocalPartition& part, const std::string& key, Timestamp at) {
    auto r = part.get(kT, key, ReadView{at, 0, 0});
    if (!r) return std::nullopt;
    return r->value;
  }
  // Whether the raw engine of `node` holds any version of key in partition p.
  bool stored(int node, const std::string& key, uint32_t p = 0) {
    std::string v;
    return nodes_[node].local->engine().get(
        storage::row_key(static_cast<uint16_t>(p), kT.table_id, kT.index_id, key), &v);
  }

  std::string root_;
  std::vector<std::vector<replication::Member>> members_;  // by partition
  std::vector<Node> nodes_;
  TestOracle oracle_;
  std::atomic<Timestamp> ts_{0};
  std::atomic<TxnId> next_txn_{1};
  std::atomic<Timestamp> horizon_{0};                // the GC horizon the partitions see
  bool gated_ = false;                               // leader-only serving (LeaderServingTest)
  std::chrono::milliseconds election_timeout_{300};  // every group's
  std::atomic<int> durable_{0};
  std::mutex mu_;
  std::vector<std::thread::id> durable_threads_;  // guarded by mu_
};

// (1) C3: a commit acknowledged by a LocalPartition over the Raft log is in every replica's
// engine, byte for byte, and the commit's on_durable ran on the group's loop thread.
TEST_F(RaftLogTest, OnePhaseCommitsAreReplicatedToEveryReplicaBeforeTheyAreAcknowledged) {
  const int l = leader();
  ASSERT_GE(l, 0) << "no leader elected";
  LocalPartition& p = partition(l);
  std::map<std::string, Timestamp> committed;
  for (int k = 0; k < 20; ++k)
    committed["k" + std::to_string(k)] =
        commit_one(p, "k" + std::to_string(k), "v" + std::to_string(k));
  EXPECT_EQ(durable_.load(), 20);
  {
    std::lock_guard g(mu_);
    for (auto id : durable_threads_) EXPECT_NE(id, std::this_thread::get_id()) << "L3: loop thread";
  }
  EXPECT_EQ(nodes_[l].log->applied(), 20u) << "one entry per commit";
  for (const auto& [key, ts] : committed) EXPECT_EQ(read(p, key, ts), "v" + key.substr(1)) << key;
  // Every commit is applied on the leader; the followers learn the commit index with the
  // next heartbeat.
  ASSERT_TRUE(converged(l));
  const std::string range = nodes_[l].machines[0]->range();
  EXPECT_GE(range.size(), 20u * 10);
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(nodes_[i].machines[0]->range(), range) << "node " << i << "'s range differs";
    EXPECT_EQ(nodes_[i].machines[0]->refused(), 0u);
    EXPECT_TRUE(stored(i, "k7")) << i;
  }
  // A follower's own partition reads the same rows from its engine.
  const int f = (l + 1) % kNodes;
  EXPECT_EQ(read(partition(f), "k13", committed["k13"]), "v13");
  // Nothing of partition 1 was written.
  for (int i = 0; i < kNodes; ++i) EXPECT_EQ(nodes_[i].machines[1]->applied_index(), 0u);
}

// The other write sites of one partition through the log: an intent written at once (site 1),
// the commit record's write (3), the resolution deleting it (4), an abort (6), a savepoint
// rollback (7): each an entry, and every replica ends with the same range, no record left.
TEST_F(RaftLogTest, TwoPhaseCommitAbortAndRollbackOfOnePartitionAreReplicated) {
  const int l = leader();
  ASSERT_GE(l, 0);
  LocalPartition& p = partition(l);
  const uint64_t entries = nodes_[l].log->applied();
  const TxnId t = next_txn_++;
  ASSERT_EQ(lock(p, t, "two"), LockOutcome::kGranted);
  p.write(t, 0, 1, kT, "two", std::string("phase"), /*publish=*/true);
  p.write_commit_record(t, {0});
  for (int i = 0; i < kNodes; ++i)
    ASSERT_TRUE(wait_until(
        [&] {
          std::string v;
          return nodes_[i].local->engine().get(storage::commit_record_key(0, t), &v);
        },
        5s))
        << "node " << i << " has the commit record";
  const Timestamp ts = ++ts_;
  p.commit(t, ts);
  const TxnId u = next_txn_++;
  ASSERT_EQ(lock(p, u, "gone"), LockOutcome::kGranted);
  p.write(u, 0, 1, kT, "gone", std::string("aborted"), /*publish=*/true);
  ASSERT_EQ(lock(p, u, "sub"), LockOutcome::kGranted);
  p.write(u, 1, 2, kT, "sub", std::string("rolled back"), /*publish=*/true);
  p.rollback_subtransactions(u, 1);
  p.abort(u);
  EXPECT_GE(nodes_[l].log->applied() - entries, 6u) << "every write was an entry";
  ASSERT_TRUE(converged(l));
  const std::string range = nodes_[l].machines[0]->range();
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(nodes_[i].machines[0]->range(), range) << "node " << i;
    std::string v;
    EXPECT_FALSE(nodes_[i].local->engine().get(storage::commit_record_key(0, t), &v)) << i;
    EXPECT_EQ(read(partition(i), "two", ts), "phase") << i;
    EXPECT_EQ(read(partition(i), "gone", ts_), std::nullopt) << i;
    EXPECT_EQ(read(partition(i), "sub", ts_), std::nullopt) << i;
  }
}

// L2: commits from fibers park while their entries replicate; the executor runs the others.
TEST_F(RaftLogTest, CommittingFibersParkWhileTheirEntriesReplicate) {
  const int l = leader();
  ASSERT_GE(l, 0);
  LocalPartition& p = partition(l);
  runtime::Runtime rt(1, 2);
  rt.start();
  std::mutex mu;
  std::condition_variable cv;
  int done = 0, in_flight = 0, max_in_flight = 0;
  constexpr int kFibers = 10;
  for (int f = 0; f < kFibers; ++f) {
    runtime::Fiber::spawn(rt.context(0), [&, f] {
      {
        std::lock_guard g(mu);
        max_in_flight = std::max(max_in_flight, ++in_flight);
      }
      commit_one(p, "f" + std::to_string(f), "x");
      std::lock_guard g(mu);
      --in_flight;
      ++done;
      cv.notify_all();
    });
  }
  {
    std::unique_lock g(mu);
    ASSERT_TRUE(cv.wait_for(g, 10s, [&] { return done == kFibers; }));
  }
  rt.stop();
  EXPECT_GT(max_in_flight, 1) << "parked fibers, not a blocked executor";
  EXPECT_EQ(durable_.load(), kFibers);
  for (int f = 0; f < kFibers; ++f) EXPECT_EQ(read(p, "f" + std::to_string(f), ts_), "x") << f;
}

// (2) The leader stops right after its commits were acknowledged: the new leader's engine
// has them (once it has committed an entry of its own term: barrier), and it goes on.
TEST_F(RaftLogTest, ANewLeaderHasEveryAcknowledgedCommit) {
  const int l = leader();
  ASSERT_GE(l, 0);
  std::vector<Timestamp> ts;
  for (int k = 0; k < 10; ++k)
    ts.push_back(commit_one(partition(l), "a" + std::to_string(k), "old"));
  stop(l);  // at once: the followers may not even know the last commit index yet
  const int next = leader();
  ASSERT_GE(next, 0) << "no new leader";
  ASSERT_NE(next, l);
  ASSERT_TRUE(nodes_[next].groups[0]->barrier().ok());
  for (int k = 0; k < 10; ++k)
    EXPECT_EQ(read(partition(next), "a" + std::to_string(k), ts[k]), "old") << k;
  const Timestamp later = commit_one(partition(next), "b", "new");
  EXPECT_EQ(read(partition(next), "b", later), "new");
  ASSERT_TRUE(converged(next));
  const int third = kNodes - l - next;
  EXPECT_EQ(nodes_[third].machines[0]->range(), nodes_[next].machines[0]->range());
  EXPECT_TRUE(stored(third, "b"));
}

// (3) A replica that is not the leader refuses the write (40001, the coordinator aborts):
// no hook runs and nothing is applied on any replica.
TEST_F(RaftLogTest, AWriteOnAReplicaThatIsNotTheLeaderFailsAndNothingIsApplied) {
  const int l = leader();
  ASSERT_GE(l, 0);
  commit_one(partition(l), "before", "x");
  ASSERT_TRUE(converged(l));
  const auto before = applied_indexes();
  const int f = (l + 1) % kNodes;
  LocalPartition& p = partition(f);
  const TxnId t = next_txn_++;
  ASSERT_EQ(lock(p, t, "lost"), LockOutcome::kGranted);  // the lock table is local
  p.write(t, 0, 1, kT, "lost", std::string("never"));
  bool hook_ran = false;
  try {
    p.commit_one_phase_then(t, ++ts_, {}, [&] { hook_ran = true; });
    ADD_FAILURE() << "a follower acknowledged a commit";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "40001") << e.what() << " " << e.error().detail;
  }
  EXPECT_FALSE(hook_ran);
  p.abort(t);
  EXPECT_EQ(nodes_[f].log->failed(), 1u);
  // Directly through the log too.
  PartitionBatches parts;
  parts.of(0).Put(storage::row_key(0, kT.table_id, kT.index_id, "raw"), "x");
  EXPECT_THROW(nodes_[f].log->write(parts, storage::Durability::kSynced), SqlError);
  std::this_thread::sleep_for(300ms);  // a few heartbeats: anything appended would show
  EXPECT_EQ(applied_indexes(), before);
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_FALSE(stored(i, "lost")) << i;
    EXPECT_FALSE(stored(i, "raw")) << i;
  }
  EXPECT_EQ(read(partition(l), "lost", ts_), std::nullopt);
}

// (4) A write whose parts belong to two groups is refused before anything is proposed: a
// one-phase commit across two partitions (two groups) must be two-phase instead.
TEST_F(RaftLogTest, AWriteSpanningTwoGroupsIsRefusedAndNothingIsProposed) {
  const int l = leader(0);
  ASSERT_GE(l, 0);
  ASSERT_GE(leader(1), 0);
  const auto before = applied_indexes();
  LocalPartition& p0 = partition(l, 0);
  LocalPartition& p1 = partition(l, 1);
  const TxnId t = next_txn_++;
  ASSERT_EQ(lock(p0, t, "x"), LockOutcome::kGranted);
  p0.write(t, 0, 1, kT, "x", std::string("on p0"));
  ASSERT_EQ(lock(p1, t, "y"), LockOutcome::kGranted);
  p1.write(t, 0, 1, kT, "y", std::string("on p1"));
  try {
    p0.commit_one_phase(t, ++ts_, {1});
    ADD_FAILURE() << "a write over two groups was accepted";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "XX000");
    EXPECT_NE(std::string(e.what()).find("two-phase"), std::string::npos) << e.what();
  }
  p0.abort(t);
  p1.abort(t);
  // Empty parts do not count: a write with one non-empty part is one entry of its group.
  PartitionBatches one;
  one.of(1);
  one.of(0).Put(storage::row_key(0, kT.table_id, kT.index_id, "only"), "x");
  nodes_[l].log->write(one, storage::Durability::kWal);
  EXPECT_TRUE(stored(l, "only"));
  // A part holding another partition's key is refused here, not applied as a no-op (M3).
  PartitionBatches foreign;
  foreign.of(0).Put(storage::row_key(1, kT.table_id, kT.index_id, "elsewhere"), "x");
  EXPECT_THROW(nodes_[l].log->write(foreign, storage::Durability::kWal), SqlError);
  std::this_thread::sleep_for(300ms);
  auto after = applied_indexes();
  EXPECT_GT(after[l * kPartitions + 0], before[l * kPartitions + 0]) << "the one-part write";
  for (int i = 0; i < kNodes; ++i) after[i * kPartitions + 0] = before[i * kPartitions + 0];
  EXPECT_EQ(after, before) << "partition 1's group applied nothing";
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_FALSE(stored(i, "x", 0)) << i;
    EXPECT_FALSE(stored(i, "y", 1)) << i;
    EXPECT_FALSE(stored(i, "elsewhere", 1)) << i;
    EXPECT_EQ(nodes_[i].machines[0]->refused(), 0u);
  }
}

// A leader that loses its followers while a commit replicates steps down: the commit fails
// with 08007 (its fate unknown), never a silent success, and its hook does not run.
TEST_F(RaftLogTest, ALeaderCutOffWhileACommitReplicatesFailsItAsUnknown) {
  const int l = leader();
  ASSERT_GE(l, 0);
  for (int i = 0; i < kNodes; ++i)
    if (i != l) nodes_[i].groups[0]->stop();  // its followers; the leader steps down 300 ms on
  LocalPartition& p = partition(l);
  const TxnId t = next_txn_++;
  ASSERT_EQ(lock(p, t, "cut"), LockOutcome::kGranted);
  p.write(t, 0, 1, kT, "cut", std::string("maybe"));
  ASSERT_EQ(nodes_[l].groups[0]->info().state, ReplicaInfo::kLeader);
  bool hook_ran = false;
  const auto began = std::chrono::steady_clock::now();
  try {
    p.commit_one_phase_then(t, ++ts_, {}, [&] { hook_ran = true; });
    ADD_FAILURE() << "a commit without a majority was acknowledged";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "08007") << e.what() << " " << e.error().detail;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  EXPECT_FALSE(hook_ran);
  p.abort(t);
}

// Leader-only serving (leadership.h, LocalNode::take_over, LocalPartition G1-G3): every
// node's partitions gated, a Leadership per node taking a partition over when its replica
// leads, with the fixture's counters as the registry's fence.
class LeaderServingTest : public RaftLogTest {
 protected:
  void SetUp() override {
    gated_ = true;
    // The lease (leadership.h W3) needs each renewal's barrier to commit within half an
    // election timeout: 150 ms is too little on a loaded 2-core machine (spurious 40001s).
    election_timeout_ = 1000ms;
    RaftLogTest::SetUp();
  }
  // The node whose partition p serves (its replica leads and took it over); -1 if none
  // within 5 s. Only one node serves it then.
  int serving(uint32_t p = 0, int not_node = -1) {
    int found = -1;
    wait_until(
        [&] {
          for (int i = 0; i < kNodes; ++i)
            if (i != not_node && running(i) && partition(i, p).serving_term() != 0)
              return (found = i) >= 0;
          return false;
        },
        5s);
    return found;
  }
  // Hands partition 0's leadership to node `to` (a transfer can fail when the target has
  // not caught up in time, as under TSan: tried again until it leads, at most 20 s).
  bool hand_over(int to) {
    return wait_until(
        [&] {
          const int l = leader();
          if (l == to) return true;
          if (l >= 0) nodes_[l].lead->transfer(0, static_cast<replication::ReplicaId>(to + 1));
          return leader() == to;
        },
        20s);
  }
  // The SQLSTATE fn throws ("" if none).
  template <typename Fn>
  static std::string fails(Fn&& fn) {
    try {
      fn();
    } catch (const SqlError& e) {
      return e.error().sqlstate;
    }
    return "";
  }
  std::string scan_keys(LocalPartition& part, Timestamp at) {
    ScanRequest req;
    req.space = kT;
    req.view = ReadView{at, 0, 0};
    std::string out;
    auto c = part.scan(req);
    while (auto row = c->next()) out += row->key + ",";
    return out;
  }
};

// C4 and issue 12 item 6: the leader is killed while transactions hold row locks there. The
// new leader serves every acknowledged commit; a lock backed by a replicated intent is held
// again by its transaction (no second holder while it may still commit); a lock without one
// is gone, and its holder's commit fails with 40001 before anybody else gets the row.
TEST_F(LeaderServingTest,
       ALeaderKilledWhileRowLocksAreHeldNeverLetsASecondHolderCommitWithTheFirst) {
  const int l = serving();
  ASSERT_GE(l, 0) << "no partition served";
  ASSERT_EQ(leader(), l);
  LocalPartition& p = partition(l);
  // G1: the followers serve nothing.
  for (int i = 0; i < kNodes; ++i) {
    if (i == l) continue;
    EXPECT_EQ(fails([&] { read(partition(i), "k0", ts_); }), "40001") << i;
    EXPECT_EQ(fails([&] { lock(partition(i), next_txn_++, "k0"); }), "40001") << i;
  }
  std::map<std::string, Timestamp> acked;
  for (int k = 0; k < 5; ++k)
    acked["k" + std::to_string(k)] = commit_one(p, "k" + std::to_string(k), "v");
  // X: a row lock and a buffered write, only at the old leader.
  const TxnId x = next_txn_++;
  ASSERT_EQ(lock(p, x, "r"), LockOutcome::kGranted);
  p.write(x, 0, 1, kT, "r", std::string("x's"));
  // W: past its commit point (its intent and commit record replicated, the registry says
  // committed) but not resolved when the leader dies.
  const TxnId w = next_txn_++;
  ASSERT_EQ(lock(p, w, "w"), LockOutcome::kGranted);
  p.write(w, 0, 1, kT, "w", std::string("w's"), /*publish=*/true);
  p.write_commit_record(w, {0});
  const Timestamp wts = ++ts_;
  oracle_.set(w, TxnState::kCommitted, wts);
  // V: a published intent (replicated), not committed.
  const TxnId v = next_txn_++;
  oracle_.set(v, TxnState::kPending);
  ASSERT_EQ(lock(p, v, "v"), LockOutcome::kGranted);
  p.write(v, 0, 1, kT, "v", std::string("v's"), /*publish=*/true);

  stop(l);  // killed: its lock table and X's buffered write are gone
  const int n = serving(0, l);
  ASSERT_GE(n, 0) << "no new leader took the partition over";
  ASSERT_NE(n, l);
  LocalPartition& q = partition(n);
  EXPECT_GE(nodes_[n].lead->takeovers(), 1u);
  // Every acknowledged commit is served by the new leader.
  for (const auto& [key, ts] : acked) EXPECT_EQ(read(q, key, ts), "v") << key;

  const TxnId y = next_txn_++;  // minted after the takeover
  // W's and V's write locks live again (T3): Y cannot take their rows.
  EXPECT_EQ(lock(q, y, "w"), LockOutcome::kWouldBlock);
  EXPECT_EQ(lock(q, y, "v"), LockOutcome::kWouldBlock);
  // X is fenced (G2): no read, lock or commit of it is served; its commit fails 40001 and
  // never takes effect.
  EXPECT_EQ(fails([&] { q.get(kT, "r", ReadView{ts_, x, 0}); }), "40001");
  EXPECT_EQ(fails([&] { lock(q, x, "r"); }), "40001");
  bool hook_ran = false;
  EXPECT_EQ(fails([&] { q.commit_one_phase_then(x, ++ts_, {}, [&] { hook_ran = true; }); }),
            "40001");
  EXPECT_FALSE(hook_ran);
  q.abort(x);
  // Only now another transaction takes X's row (its lock had no intent: it was not rebuilt).
  ASSERT_EQ(lock(q, y, "r"), LockOutcome::kGranted);
  // V may not go on either: its commit record is refused; its abort runs and frees "v".
  EXPECT_EQ(fails([&] { q.write_commit_record(v, {0}); }), "40001");
  q.abort(v);
  oracle_.set(v, TxnState::kAborted);
  EXPECT_EQ(lock(q, y, "v"), LockOutcome::kGranted);
  EXPECT_EQ(lock(q, y, "w"), LockOutcome::kWouldBlock) << "W still holds it until resolved";
  // W's resolution runs (it is past its commit point) and releases its row.
  q.commit(w, wts);
  // Resolved into a version here: it stays visible once the registry forgets W (an unknown
  // transaction reads as aborted).
  oracle_.set(w, TxnState::kAborted);
  EXPECT_EQ(read(q, "w", wts), "w's");
  EXPECT_EQ(lock(q, y, "w"), LockOutcome::kGranted);
  // Y commits at the new leader.
  q.write(y, 0, 1, kT, "r", std::string("y's"));
  const Timestamp yts = ++ts_;
  q.commit_one_phase(y, yts);
  q.commit(y, yts);
  EXPECT_EQ(read(q, "r", yts), "y's");
  EXPECT_EQ(read(q, "v", yts), std::nullopt);
  ASSERT_TRUE(converged(n));
  const int third = kNodes - l - n;
  EXPECT_EQ(nodes_[third].machines[0]->range(), nodes_[n].machines[0]->range());
}

// A replica that stops leading stops serving (W2); when it leads again it has forgotten what
// its store knew of the range (T1: here a known-empty range, which would hide a row another
// leader wrote meanwhile), released its earlier term's locks (T2) and fences the
// transactions of that term (G2).
TEST_F(LeaderServingTest, AReplicaLeadingAgainForgetsItsEarlierTermsRangesAndLocks) {
  const int a = serving();
  ASSERT_GE(a, 0);
  LocalPartition& pa = partition(a);
  // Dead rows a scan prunes and claims as known-empty (the GC horizon above their deletion).
  for (const char* k : {"d1", "d2", "d3"}) commit_one(pa, k, "x");
  for (const char* k : {"d1", "d2", "d3"}) {
    const TxnId t = next_txn_++;
    ASSERT_EQ(lock(pa, t, k), LockOutcome::kGranted);
    pa.write(t, 0, 1, kT, k, std::nullopt);
    const Timestamp ts = ++ts_;
    pa.commit_one_phase(t, ts);
    pa.commit(t, ts);
  }
  horizon_ = ts_.load();
  EXPECT_EQ(scan_keys(pa, ts_), "");
  ASSERT_FALSE(pa.store().empty_ranges().empty()) << "the scan claimed a known-empty range";
  const TxnId x = next_txn_++;  // holds a lock at a
  ASSERT_EQ(lock(pa, x, "held"), LockOutcome::kGranted);

  const int b = (a + 1) % kNodes;
  ASSERT_TRUE(hand_over(b));
  ASSERT_EQ(serving(0, a), b);
  // W4: a stopped serving before it handed leadership over.
  EXPECT_EQ(pa.serving_term(), 0u) << "W4";
  EXPECT_EQ(fails([&] { scan_keys(pa, ts_); }), "40001");
  LocalPartition& pb = partition(b);
  EXPECT_EQ(fails([&] { lock(pb, x, "other"); }), "40001") << "G2: x began before b took over";
  const Timestamp created = commit_one(pb, "d2", "back");  // in a's known-empty range

  ASSERT_TRUE(hand_over(a));
  ASSERT_EQ(serving(0, b), a);
  EXPECT_EQ(scan_keys(pa, created), "d2,") << "T1: the known-empty range was forgotten";
  EXPECT_EQ(read(pa, "d2", created), "back");
  // T2: x's hold of the earlier term is gone, and x is fenced.
  EXPECT_EQ(lock(pa, next_txn_++, "held"), LockOutcome::kGranted);
  EXPECT_EQ(fails([&] { lock(pa, x, "held"); }), "40001");
  EXPECT_GE(nodes_[a].lead->takeovers(), 2u);
  EXPECT_GE(nodes_[a].lead->stops(), 1u);
}

// Issue 12 item 6, a transaction that only locked rows in a partition: T locks a row of
// partition 0 FOR UPDATE at its leader and writes only in partition 1. Partition 0's
// leadership moves and U takes T's row at the new leader (T's lock lived only in the old
// leader's memory). T's COMMIT fails with 40001: the coordinator asks its lock-only
// partition before the commit point (coord/txn_manager.cc, LocalPartition G5), and T's
// write in partition 1 never becomes visible.
TEST_F(LeaderServingTest, ACommitWhoseLockOnlyPartitionChangedLeaderFailsWith40001) {
  const int a = serving(0);
  const int w = serving(1);
  ASSERT_GE(a, 0);
  ASSERT_GE(w, 0);
  auto key_in = [](uint32_t part) {
    for (int i = 0;; ++i) {
      std::string k = "row" + std::to_string(i);
      if (coord::routing_hash(k) % kPartitions == part) return k;
    }
  };
  const std::string locked = key_in(0);
  const std::string written = key_in(1);
  // A coordinator over the replicas serving now; its TxnIds are below any later fence.
  const TxnId first = next_txn_.fetch_add(1001);
  auto txns = coord::make_txn_manager({&partition(a, 0), &partition(w, 1)},
                                      coord::TxnManagerOptions{ts_.load(), first, first + 1000});
  auto t = txns->begin(coord::BeginOptions{});
  t->start_statement();
  ASSERT_EQ(t->lock(kT, locked, locked, LockStrength::kUpdate, {}, std::nullopt).outcome,
            LockOutcome::kGranted);
  ASSERT_EQ(t->lock_outcome(kT, written, written, {}).outcome, LockOutcome::kGranted);
  t->write(kT, written, written, std::string("t's"));

  const int b = (a + 1) % kNodes;
  ASSERT_TRUE(hand_over(b));
  ASSERT_EQ(serving(0, a), b);
  const TxnId u = next_txn_++;  // minted after b took over
  ASSERT_EQ(lock(partition(b), u, locked), LockOutcome::kGranted) << "T's lock was not rebuilt";
  EXPECT_EQ(fails([&] { t->commit(); }), "40001") << "T committed while U held its row";
  EXPECT_EQ(read(partition(w, 1), written, txns->published() + 1000), std::nullopt)
      << "T's write in partition 1 committed";
}

// Issue 12 item 6, the lease (leadership.h W3): a leader cut off from both followers stops
// serving reads and granting locks before either could be elected. A follower may vote only
// an election timeout after it last heard from the leader; the leader's lease ends 3/4 of
// one after the last barrier they acknowledged was asked for. libraft itself keeps the cut-off
// leader leading until it has missed acknowledgements for a whole election timeout (checked
// once per election timeout), so without the lease it would still serve then.
TEST_F(LeaderServingTest, ALeaderCutOffFromItsGroupStopsServingBeforeAnotherCanBeElected) {
  const int a = serving();
  ASSERT_GE(a, 0);
  LocalPartition& p = partition(a);
  const Timestamp ts = commit_one(p, "k", "v");
  ASSERT_TRUE(wait_until([&] { return nodes_[a].lead->renewals() >= 2; }, 5s)) << "W3 renewals";
  // It serves while its group answers.
  EXPECT_EQ(read(p, "k", ts), "v");
  EXPECT_EQ(lock(p, next_txn_++, "free"), LockOutcome::kGranted);
  for (int i = 0; i < kNodes; ++i)
    if (i != a) stop(i);
  // No barrier asked from now on commits: its lease ends before cut + lease.
  const auto cut = std::chrono::steady_clock::now();
  std::this_thread::sleep_until(cut + election_timeout_ * 3 / 4 + 10ms);
  const bool libraft_leads = nodes_[a].groups[0]->info().state == ReplicaInfo::kLeader;
  EXPECT_EQ(fails([&] { read(p, "k", ts); }), "40001") << "libraft leads: " << libraft_leads;
  EXPECT_EQ(fails([&] { lock(p, next_txn_++, "other"); }), "40001");
  EXPECT_EQ(fails([&] { scan_keys(p, ts); }), "40001");
}

// The lease's renewals (leadership.h W5) do not wait for one another: one node leads both
// partitions, partition 0's group loses both followers, so its barriers never commit (libraft
// fails them only when the leader steps down, one to two election timeouts later). Partition
// 1's group is whole, and partition 1 serves throughout. Before W5, the watcher renewed the
// groups one after another, blocking on each barrier: partition 1's lease ran out while the
// watcher waited for partition 0's (40001 on partition 1 until partition 0's leader stepped
// down).
TEST_F(LeaderServingTest, ALeaseIsRenewedWhileAnotherGroupsRenewalCannotCommit) {
  const int a = serving(0);
  ASSERT_GE(a, 0);
  ASSERT_TRUE(wait_until(
      [&] {
        const int l = leader(1);
        if (l >= 0 && l != a)
          nodes_[l].lead->transfer(1, static_cast<replication::ReplicaId>(a + 1));
        return partition(a, 1).serving_term() != 0;
      },
      20s))
      << "node " << a << " does not serve partition 1";
  const Timestamp ts = commit_one(partition(a, 1), "k1", "v1");
  const uint64_t renewed = nodes_[a].lead->renewals();
  ASSERT_TRUE(wait_until([&] { return nodes_[a].lead->renewals() >= renewed + 2; }, 5s));
  for (int i = 0; i < kNodes; ++i)
    if (i != a) nodes_[i].groups[0]->stop();
  // Two and a half election timeouts: partition 0's leader steps down within two, and its
  // lease runs out before (leadership.h W3); partition 1 must serve every call meanwhile.
  const auto until = std::chrono::steady_clock::now() + election_timeout_ * 5 / 2;
  int reads = 0;
  std::string refused;
  while (std::chrono::steady_clock::now() < until && refused.empty()) {
    refused = fails([&] { EXPECT_EQ(read(partition(a, 1), "k1", ts), "v1"); });
    ++reads;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(refused, "") << "partition 1 refused read " << reads << " while partition 0's "
                         << "group could not commit";
  EXPECT_EQ(partition(a, 0).serving_term(), 0u) << "partition 0 still serves at node " << a;
}

}  // namespace
}  // namespace hf::partition
