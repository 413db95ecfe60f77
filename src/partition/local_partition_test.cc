// partition/local_partition_test.cc — MVCC through the partition, commit/abort, savepoints,
// garbage collection, and crash recovery of commit records.
#include "partition/local_partition.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "common/error.h"
#include "partition/local_node.h"
#include "storage/engine.h"
#include "storage/keys.h"

namespace hf::partition {
namespace {

class MapOracle : public TxnStatusOracle {
 public:
  TxnStatus status(TxnId txn) override {
    auto it = states.find(txn);
    return it == states.end() ? TxnStatus{TxnState::kAborted, 0} : it->second;
  }
  std::map<TxnId, TxnStatus> states;
};

const KeySpace kT{1001, 0};

class PartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("hf_partition_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    open();
  }
  void TearDown() override {
    node_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    node_.reset();
    node_ = open_local_node(dir_, 2);
    node_->attach(&oracle_, [this] { return horizon_; });
    ts_ = node_->clock().start_ts;
    next_txn_ = node_->clock().first_txn_id;
  }
  LocalPartition& p() { return node_->partition(0); }
  LockResult lock(TxnId txn, const std::string& key, std::optional<Version> expected = {},
                  SubId sub = 0) {
    LockRequest r;
    r.space = kT;
    r.key = key;
    r.txn = txn;
    r.sub = sub;
    r.strength = LockStrength::kNoKeyUpdate;
    r.policy = WaitPolicy::kNoWait;
    r.expected = expected;
    return p().lock(r);
  }
  // A whole transaction: lock, write, commit at the next timestamp.
  Timestamp put(const std::string& key, std::optional<std::string> value) {
    TxnId t = next_txn_++;
    EXPECT_EQ(lock(t, key).outcome, LockOutcome::kGranted);
    p().write(t, 0, 1, kT, key, value);
    p().write_commit_record(t, {0});
    Timestamp ts = ++ts_;
    oracle_.states[t] = {TxnState::kCommitted, ts};
    p().commit(t, ts);
    oracle_.states.erase(t);
    return ts;
  }
  std::optional<std::string> read(LocalPartition& part, const std::string& key, Timestamp at,
                                  TxnId txn = 0, CommandId cid = 0) {
    auto r = part.get(kT, key, ReadView{at, txn, cid});
    if (!r) return std::nullopt;
    return r->value;
  }
  std::optional<std::string> read(const std::string& key, Timestamp at, TxnId txn = 0,
                                  CommandId cid = 0) {
    return read(p(), key, at, txn, cid);
  }

  std::string dir_;
  MapOracle oracle_;
  Timestamp horizon_ = 0;
  Timestamp ts_ = 0;
  TxnId next_txn_ = 1;
  std::unique_ptr<LocalNode> node_;
};

TEST_F(PartitionTest, CommitMakesVersionsAndKeepsHistory) {
  Timestamp t1 = put("k", "v1");
  Timestamp t2 = put("k", "v2");
  Timestamp t3 = put("k", std::nullopt);
  EXPECT_EQ(read("k", t1 - 1), std::nullopt);
  EXPECT_EQ(read("k", t1), "v1");
  EXPECT_EQ(read("k", t2), "v2");
  EXPECT_EQ(read("k", t3), std::nullopt);
  auto latest = p().latest(kT, "k");
  EXPECT_EQ(latest.newest, (Version{t3, true}));
  auto r = p().get(kT, "k", ReadView{t2, 0, 0});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->visible_ts, t2);
  EXPECT_EQ(r->newest, (Version{t3, true}));
  EXPECT_EQ(p().store().engine().synced_writes(), 3u + 1u /* boot epoch */);
}

TEST_F(PartitionTest, GcDropsHistoryBelowHorizon) {
  Timestamp t1 = put("k", "v1");
  Timestamp t2 = put("k", "v2");
  horizon_ = t2;  // nobody reads below t2 any more
  Timestamp t3 = put("k", "v3");
  EXPECT_EQ(read("k", t2), "v2");
  EXPECT_EQ(read("k", t3), "v3");
  std::string v;
  std::string rk = storage::row_key(0, kT.table_id, 0, "k");
  EXPECT_FALSE(p().store().engine().get(storage::history_key(rk, t1), &v)) << "collected";
  EXPECT_TRUE(p().store().engine().get(storage::history_key(rk, t2), &v));
}

TEST_F(PartitionTest, LockReportsVersionMismatch) {
  Timestamp t1 = put("k", "v1");
  TxnId t = next_txn_++;
  auto r = lock(t, "k", Version{t1, false});
  EXPECT_EQ(r.outcome, LockOutcome::kGranted);
  p().abort(t);
  Timestamp t2 = put("k", "v2");
  t = next_txn_++;
  r = lock(t, "k", Version{t1, false});
  EXPECT_EQ(r.outcome, LockOutcome::kVersionMismatch);
  EXPECT_EQ(r.newest, (Version{t2, false}));
  EXPECT_EQ(r.value, "v2");
  auto dump = node_->lock_dump();
  ASSERT_EQ(dump.size(), 1u);
  EXPECT_EQ(dump[0].first, 0u);
  EXPECT_EQ(dump[0].second.owner, t);
  EXPECT_TRUE(dump[0].second.granted);
  // Another transaction cannot take a conflicting lock meanwhile.
  EXPECT_EQ(lock(next_txn_ + 5, "k").outcome, LockOutcome::kWouldBlock);
  p().abort(t);
  EXPECT_EQ(lock(next_txn_ + 5, "k").outcome, LockOutcome::kGranted);
  p().abort(next_txn_ + 5);
}

TEST_F(PartitionTest, AbortAndSavepointRollback) {
  Timestamp t1 = put("k", "base");
  TxnId t = next_txn_++;
  oracle_.states[t] = {TxnState::kPending, 0};
  ASSERT_EQ(lock(t, "k").outcome, LockOutcome::kGranted);
  p().write(t, 0, 1, kT, "k", "top");
  ASSERT_EQ(lock(t, "n", {}, 2).outcome, LockOutcome::kGranted);
  p().write(t, 2, 2, kT, "k", "in sub 2");
  p().write(t, 2, 2, kT, "n", "new in sub 2");
  EXPECT_EQ(read("k", t1, t, 3), "in sub 2");
  EXPECT_EQ(read("n", t1, t, 3), "new in sub 2");
  EXPECT_EQ(read("k", t1), "base") << "others do not see a pending intent";
  p().rollback_subtransactions(t, 2);
  EXPECT_EQ(read("k", t1, t, 3), "top");
  EXPECT_EQ(read("n", t1, t, 3), std::nullopt);
  // the sub-2 lock on "n" is gone, the top-level lock on "k" stays
  EXPECT_EQ(lock(next_txn_ + 9, "n").outcome, LockOutcome::kGranted);
  p().abort(next_txn_ + 9);
  EXPECT_EQ(lock(next_txn_ + 9, "k").outcome, LockOutcome::kWouldBlock);
  p().abort(t);
  EXPECT_EQ(read("k", t1 + 100), "base");
  std::string v;
  EXPECT_FALSE(p().store().engine().get(storage::row_key(0, kT.table_id, 0, "n"), &v));
}

TEST_F(PartitionTest, ScanInKeyOrderBothWays) {
  Timestamp ts = 0;
  for (auto k : {"b", "d", "a", "c"}) ts = put(k, std::string("v") + k);
  put("c", std::nullopt);
  ScanRequest req;
  req.space = kT;
  req.view = ReadView{ts, 0, 0};
  std::string seen;
  auto c = p().scan(req);
  while (auto r = c->next()) seen += r->key;
  EXPECT_EQ(seen, "abcd");
  req.view.read_ts = ts + 10;
  req.reverse = true;
  req.start = "b";
  seen.clear();
  c = p().scan(req);
  while (auto r = c->next()) seen += r->key;
  EXPECT_EQ(seen, "db");
}

TEST_F(PartitionTest, RecoveryResolvesCommittedAndDropsUncommitted) {
  Timestamp t0 = put("a", "old a");
  // Transaction A: intents on both partitions and its commit record, then a "crash" before
  // any partition resolved them.
  TxnId a = next_txn_++;
  ASSERT_EQ(lock(a, "a").outcome, LockOutcome::kGranted);
  p().write(a, 0, 1, kT, "a", "A wrote a");
  LockRequest r1;
  r1.space = kT;
  r1.key = "x";
  r1.txn = a;
  r1.strength = LockStrength::kUpdate;
  ASSERT_EQ(node_->partition(1).lock(r1).outcome, LockOutcome::kGranted);
  node_->partition(1).write(a, 0, 1, kT, "x", "A wrote x");
  p().write_commit_record(a, {0, 1});
  // Transaction B: intents only (no commit record).
  TxnId b = next_txn_++;
  ASSERT_EQ(lock(b, "b").outcome, LockOutcome::kGranted);
  p().write(b, 0, 1, kT, "b", "B wrote b");
  uint64_t epoch = node_->boot_epoch();

  oracle_.states.clear();
  open();  // reopen: recovery runs
  EXPECT_EQ(node_->boot_epoch(), epoch + 1);
  EXPECT_EQ(node_->recovered_commits(), 1u);
  Timestamp now = node_->clock().start_ts;
  EXPECT_GT(now, t0);
  EXPECT_GT(node_->clock().first_txn_id, b);
  EXPECT_EQ(read("a", now), "A wrote a");
  EXPECT_EQ(read(node_->partition(1), "x", now), "A wrote x");
  EXPECT_EQ(read("a", t0), "old a") << "the old version moved to history";
  EXPECT_EQ(read("b", now), std::nullopt) << "B never committed";
  std::string v;
  EXPECT_FALSE(p().store().engine().get(storage::commit_record_key(a), &v))
      << "record deleted after resolution";
  // A new writer replaces B's dead intent.
  ts_ = now;
  next_txn_ = node_->clock().first_txn_id;
  Timestamp t = put("b", "fresh");
  EXPECT_EQ(read("b", t), "fresh");
  // Reopening again finds nothing to recover.
  open();
  EXPECT_EQ(node_->recovered_commits(), 0u);
  EXPECT_EQ(read("b", node_->clock().start_ts), "fresh");
}

TEST_F(PartitionTest, RecoveryScansWhenTooManyKeysToList) {
  TxnId a = next_txn_++;
  for (size_t i = 0; i < kMaxListedKeys + 10; ++i) {
    std::string k = "k" + std::to_string(i);
    ASSERT_EQ(lock(a, k).outcome, LockOutcome::kGranted);
    p().write(a, 0, 1, kT, k, "v" + std::to_string(i));
  }
  p().write_commit_record(a, {0});
  open();
  Timestamp now = node_->clock().start_ts;
  EXPECT_EQ(read("k0", now), "v0");
  EXPECT_EQ(read("k265", now), "v265");
}

TEST_F(PartitionTest, PartitionCountIsCheckedAtOpen) {
  node_.reset();
  EXPECT_THROW(open_local_node(dir_, 3), hf::SqlError);
}

}  // namespace
}  // namespace hf::partition
