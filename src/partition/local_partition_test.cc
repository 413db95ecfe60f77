// partition/local_partition_test.cc — MVCC through the partition, commit/abort, savepoints,
// garbage collection, and crash recovery of commit records.
#include "partition/local_partition.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

#include "common/error.h"
#include "partition/local_node.h"
#include "storage/engine.h"
#include "storage/keys.h"

#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>

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
  // An UPDATE lock of txn on key in `part`, without waiting.
  LockOutcome lock_on(LocalPartition& part, TxnId txn, const std::string& key) {
    LockRequest r;
    r.space = kT;
    r.key = key;
    r.txn = txn;
    r.strength = LockStrength::kUpdate;
    r.policy = WaitPolicy::kNoWait;
    return part.lock(r).outcome;
  }
  LockResult lock(TxnId txn, const std::string& key, std::optional<Version> expected = {},
                  SubId sub = 0, KeySpace space = kT) {
    LockRequest r;
    r.space = space;
    r.key = key;
    r.txn = txn;
    r.sub = sub;
    r.strength = LockStrength::kNoKeyUpdate;
    r.policy = WaitPolicy::kNoWait;
    r.expected = expected;
    return p().lock(r);
  }
  // A whole transaction: lock, write, commit at the next timestamp.
  Timestamp put(const std::string& key, std::optional<std::string> value, KeySpace space = kT) {
    TxnId t = next_txn_++;
    EXPECT_EQ(lock(t, key, {}, 0, space).outcome, LockOutcome::kGranted);
    p().write(t, 0, 1, space, key, value);
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
  // The keys a full scan of `space` at `at` sees; the cursor is destroyed before returning
  // (which is when it prunes).
  std::string scan_keys(Timestamp at, KeySpace space = kT) {
    ScanRequest req;
    req.space = space;
    req.view = ReadView{at, 0, 0};
    std::string seen;
    auto c = p().scan(req);
    while (auto r = c->next()) seen += r->key;
    return seen;
  }
  bool stored(const std::string& key, KeySpace space = kT) {
    std::string v;
    return p().store().engine().get(storage::row_key(0, space.table_id, space.index_id, key), &v);
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

// A writer's key lock that reads only the outcome (LockRequest::outcome_only) costs no read of
// the row; with `expected` the version is still checked (outcome_only is ignored).
TEST_F(PartitionTest, OutcomeOnlyLockReadsNoRow) {
  Timestamp t1 = put("k", "v1");
  Timestamp t2 = put("k", "v2");
  auto lookups = [&](std::optional<Version> expected, bool outcome_only, LockResult* out) {
    LockRequest r;
    r.space = kT;
    r.key = "k";
    r.txn = next_txn_++;
    r.strength = LockStrength::kUpdate;
    r.policy = WaitPolicy::kNoWait;
    r.expected = expected;
    r.outcome_only = outcome_only;
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
    rocksdb::get_perf_context()->Reset();
    *out = p().lock(r);
    const uint64_t n = rocksdb::get_perf_context()->get_from_memtable_count;
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    p().abort(r.txn);
    return n;
  };
  LockResult r;
  EXPECT_EQ(lookups(std::nullopt, true, &r), 0u);
  EXPECT_EQ(r.outcome, LockOutcome::kGranted);
  EXPECT_GE(lookups(std::nullopt, false, &r), 1u);
  EXPECT_EQ(r.newest, (Version{t2, false}));
  EXPECT_GE(lookups(Version{t1, false}, true, &r), 1u);
  EXPECT_EQ(r.outcome, LockOutcome::kVersionMismatch);
  EXPECT_EQ(r.newest, (Version{t2, false}));
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
  node_->partition(1).prepare(a);  // the protocol: every participant but the anchor
  p().write_commit_record(a, {0, 1});
  std::string v;
  EXPECT_TRUE(p().store().engine().get(storage::commit_record_key(0, a), &v))
      << "the record is in its anchor's range";
  EXPECT_FALSE(p().store().engine().get(storage::commit_record_key(1, a), &v));
  // Transaction B: prepared intents only (no commit record).
  TxnId b = next_txn_++;
  ASSERT_EQ(lock(b, "b").outcome, LockOutcome::kGranted);
  p().write(b, 0, 1, kT, "b", "B wrote b");
  p().prepare(b);
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
  EXPECT_FALSE(p().store().engine().get(storage::commit_record_key(0, a), &v))
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

// ---- pruning of dead records (mvcc/store.h) ----

TEST_F(PartitionTest, ScanPrunesDeadRecordBelowHorizon) {
  put("a", "va");
  Timestamp tb = put("b", "vb");
  put("c", "vc");
  Timestamp del = put("b", std::nullopt);  // horizon 0: the deletion and its history stay
  std::string rk = storage::row_key(0, kT.table_id, 0, "b");
  std::string v;
  ASSERT_TRUE(stored("b"));
  ASSERT_TRUE(p().store().engine().get(storage::history_key(rk, tb), &v));
  horizon_ = del;
  EXPECT_EQ(scan_keys(del), "ac");
  EXPECT_FALSE(stored("b")) << "dead at the horizon: pruned";
  EXPECT_FALSE(p().store().engine().get(storage::history_key(rk, tb), &v)) << "history too";
  EXPECT_TRUE(stored("a"));
  EXPECT_TRUE(stored("c"));
  EXPECT_EQ(read("b", del), std::nullopt);
  EXPECT_EQ(p().lock_table().size(), 0u) << "the pruner's lock is released";
}

TEST_F(PartitionTest, DeadRecordAboveHorizonIsKeptForOldSnapshots) {
  Timestamp tb = put("b", "vb");
  Timestamp del = put("b", std::nullopt);
  horizon_ = del - 1;  // a snapshot at del - 1 may still read "vb"
  EXPECT_EQ(scan_keys(del), "");
  EXPECT_TRUE(stored("b"));
  EXPECT_EQ(read("b", tb), "vb");
  EXPECT_EQ(read("b", del - 1), "vb");
  horizon_ = del;
  EXPECT_EQ(scan_keys(del), "");
  EXPECT_FALSE(stored("b"));
}

TEST_F(PartitionTest, LockedDeadRowIsNotPruned) {
  put("b", "vb");
  Timestamp del = put("b", std::nullopt);
  horizon_ = del;
  TxnId t = next_txn_++;
  ASSERT_EQ(lock(t, "b").outcome, LockOutcome::kGranted);  // e.g. an INSERT about to write
  EXPECT_EQ(scan_keys(del), "");
  EXPECT_TRUE(stored("b")) << "the lock holder may act on what it read";
  std::string rk = storage::row_key(0, kT.table_id, 0, "b");
  EXPECT_EQ(p().prune_dead({rk}), 0u);
  p().abort(t);
  EXPECT_EQ(p().prune_dead({rk}), 1u);
  EXPECT_FALSE(stored("b"));
}

TEST_F(PartitionTest, DeadRecordWithIntentIsNotPruned) {
  put("b", "vb");
  Timestamp del = put("b", std::nullopt);
  horizon_ = del;
  std::string rk = storage::row_key(0, kT.table_id, 0, "b");
  // An intent written without a row lock (as the store allows for keys nobody locks): the
  // stripe mutex and the re-check keep it.
  TxnId t = next_txn_++;
  oracle_.states[t] = {TxnState::kPending, 0};
  p().store().write_intent(t, 0, 1, rk, "again");
  EXPECT_FALSE(p().store().prune(rk, del));
  EXPECT_EQ(p().prune_dead({rk}), 0u);
  EXPECT_EQ(scan_keys(del), "");
  EXPECT_EQ(read("b", del, t, 2), "again") << "the intent survived";
  rocksdb::WriteBatch b;
  p().store().resolve_abort(t, {rk}, b);
  p().store().engine().write(b, storage::Durability::kWal);
  oracle_.states.erase(t);
  EXPECT_TRUE(p().store().prune(rk, del));
  EXPECT_FALSE(stored("b"));
}

TEST_F(PartitionTest, ReinsertAfterPruneStartsAFreshRecord) {
  put("b", "v1");
  Timestamp del = put("b", std::nullopt);
  horizon_ = del;
  EXPECT_EQ(scan_keys(del), "");
  ASSERT_FALSE(stored("b"));
  Timestamp t2 = put("b", "v2");
  EXPECT_EQ(read("b", t2), "v2");
  EXPECT_EQ(read("b", t2 - 1), std::nullopt);
  EXPECT_EQ(p().latest(kT, "b").newest, (Version{t2, false}));
  EXPECT_EQ(scan_keys(t2), "b");
  // Deleted again and pruned again.
  Timestamp del2 = put("b", std::nullopt);
  horizon_ = del2;
  EXPECT_EQ(scan_keys(del2), "");
  EXPECT_FALSE(stored("b"));
}

TEST_F(PartitionTest, IndexEntriesArePrunedUnderTheirOwnLock) {
  const KeySpace idx{kT.table_id, 7};
  put(std::string("ready") + '\0' + "1", "", idx);
  put(std::string("ready") + '\0' + "2", "", idx);
  Timestamp del = put(std::string("ready") + '\0' + "1", std::nullopt, idx);
  horizon_ = del;
  // A lock on the table row with the same key bytes does not protect the index entry; a
  // lock on the index entry does.
  TxnId t = next_txn_++;
  ASSERT_EQ(lock(t, std::string("ready") + '\0' + "1", {}, 0, idx).outcome, LockOutcome::kGranted);
  EXPECT_EQ(scan_keys(del, idx), std::string("ready") + '\0' + "2");
  EXPECT_TRUE(stored(std::string("ready") + '\0' + "1", idx));
  p().abort(t);
  EXPECT_EQ(scan_keys(del, idx), std::string("ready") + '\0' + "2");
  EXPECT_FALSE(stored(std::string("ready") + '\0' + "1", idx));
  EXPECT_TRUE(stored(std::string("ready") + '\0' + "2", idx));
}

TEST_F(PartitionTest, LongRunOfDeadRecordsIsPrunedInBatches) {
  const size_t n = 3 * mvcc::kPruneBatch + 5;
  for (size_t i = 0; i < n; ++i) put("k" + std::to_string(1000 + i), "v");
  Timestamp del = 0;
  for (size_t i = 0; i < n; ++i) del = put("k" + std::to_string(1000 + i), std::nullopt);
  put("z", "live");
  horizon_ = del;
  ScanRequest req;
  req.space = kT;
  req.view = ReadView{del + 1, 0, 0};
  auto c = p().scan(req);
  auto r = c->next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->key, "z");
  // Full batches were pruned during next(); the rest waits for the cursor's end.
  EXPECT_FALSE(stored("k1000"));
  EXPECT_TRUE(stored("k" + std::to_string(1000 + n - 1)));
  c.reset();
  EXPECT_FALSE(stored("k" + std::to_string(1000 + n - 1)));
  EXPECT_EQ(scan_keys(del + 1), "z");
}

TEST_F(PartitionTest, PartitionCountIsCheckedAtOpen) {
  node_.reset();
  EXPECT_THROW(open_local_node(dir_, 3), hf::SqlError);
}

// Commit records live in their anchor partition's range; recovery scans partition by
// partition, so a transaction anchored on partition 1 is found as one on partition 0 is.
TEST_F(PartitionTest, RecoveryFindsEachCommitRecordInItsAnchorsRange) {
  LocalPartition& p1 = node_->partition(1);
  TxnId a = next_txn_++;  // anchored on partition 1
  ASSERT_EQ(lock_on(p1, a, "x"), LockOutcome::kGranted);
  p1.write(a, 0, 1, kT, "x", "A wrote x");
  ASSERT_EQ(lock_on(p(), a, "a"), LockOutcome::kGranted);
  p().write(a, 0, 1, kT, "a", "A wrote a");
  p().prepare(a);
  p1.write_commit_record(a, {1, 0});
  TxnId c = next_txn_++;  // anchored on partition 0
  ASSERT_EQ(lock_on(p(), c, "c"), LockOutcome::kGranted);
  p().write(c, 0, 1, kT, "c", "C wrote c");
  p().write_commit_record(c, {0});
  std::string v;
  EXPECT_TRUE(p().store().engine().get(storage::commit_record_key(1, a), &v));
  EXPECT_TRUE(p().store().engine().get(storage::commit_record_key(0, c), &v));
  EXPECT_FALSE(p().store().engine().get(storage::commit_record_key(0, a), &v));

  oracle_.states.clear();
  open();
  EXPECT_EQ(node_->recovered_commits(), 2u);
  EXPECT_FALSE(node_->converted_from_format_1());
  Timestamp now = node_->clock().start_ts;
  EXPECT_EQ(read(node_->partition(1), "x", now), "A wrote x");
  EXPECT_EQ(read("a", now), "A wrote a");
  EXPECT_EQ(read("c", now), "C wrote c");
  EXPECT_FALSE(p().store().engine().get(storage::commit_record_key(1, a), &v));
  EXPECT_FALSE(p().store().engine().get(storage::commit_record_key(0, c), &v));
}

// A data folder of storage format 1 (commit records under the node-wide ['t'][txn], no
// `format` meta key) is converted at open: each record moves to its anchor's range (the
// first participant it names), then recovery resolves it as any other.
TEST_F(PartitionTest, AFormat1FolderIsConvertedAtOpen) {
  TxnId a = next_txn_++;
  ASSERT_EQ(lock(a, "a").outcome, LockOutcome::kGranted);
  p().write(a, 0, 1, kT, "a", "A wrote a");
  p().prepare(a);
  storage::Engine& engine = p().store().engine();
  std::vector<std::string> keys{storage::row_key(0, kT.table_id, kT.index_id, "a")};
  std::string old_key(1, storage::kCommitRecordPrefix);
  storage::put_u64(old_key, a);
  engine.put(old_key, LocalPartition::encode_commit_record({0}, &keys),
             storage::Durability::kSynced);
  engine.del(storage::meta_key("format"), storage::Durability::kSynced);

  oracle_.states.clear();
  open();
  EXPECT_TRUE(node_->converted_from_format_1());
  EXPECT_EQ(node_->converted_records(), 1u);
  EXPECT_EQ(node_->recovered_commits(), 1u);
  EXPECT_EQ(read("a", node_->clock().start_ts), "A wrote a");
  std::string v;
  EXPECT_FALSE(p().store().engine().get(old_key, &v));
  ASSERT_TRUE(p().store().engine().get(storage::meta_key("format"), &v));
  EXPECT_EQ(storage::get_u32(v), storage::kStorageFormat);
  open();  // converted once
  EXPECT_FALSE(node_->converted_from_format_1());
  EXPECT_EQ(node_->recovered_commits(), 0u);
}

TEST_F(PartitionTest, ALaterStorageFormatIsRefusedAtOpen) {
  std::string later;
  storage::put_u32(later, storage::kStorageFormat + 1);
  p().store().engine().put(storage::meta_key("format"), later, storage::Durability::kSynced);
  node_.reset();
  try {
    open_local_node(dir_, 2);
    FAIL() << "opened a folder of a later format";
  } catch (const hf::SqlError& e) {
    EXPECT_NE(
        std::string(e.what()).find("storage format " + std::to_string(storage::kStorageFormat + 1)),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hf::partition

namespace hf::partition {
namespace {

// The write buffer (mvcc/store.h): a transaction's intents stay in memory, seen by its own
// reads only, until prepare / the commit record; storage sees one batch.
TEST_F(PartitionTest, BufferedWritesAreOwnReadsOnlyUntilTheCommitRecord) {
  Timestamp t0 = put("b", "old b");
  put("d", "old d");
  TxnId t = next_txn_++;
  ASSERT_EQ(lock(t, "a").outcome, LockOutcome::kGranted);
  ASSERT_EQ(lock(t, "b").outcome, LockOutcome::kGranted);
  ASSERT_EQ(lock(t, "d").outcome, LockOutcome::kGranted);
  p().write(t, 0, 1, kT, "a", "new a");       // a key storage does not have
  p().write(t, 0, 1, kT, "b", "new b");       // over a committed version
  p().write(t, 0, 1, kT, "d", std::nullopt);  // a deletion
  EXPECT_FALSE(stored("a")) << "nothing reaches storage before prepare";
  std::string v;
  ASSERT_TRUE(p().store().engine().get(storage::row_key(0, kT.table_id, 0, "b"), &v));
  mvcc::Record r;
  ASSERT_TRUE(mvcc::decode_record(v, &r));
  EXPECT_FALSE(r.has_intent());
  // Own reads of a later command see the writes; of the same command, not; others, never.
  EXPECT_EQ(read("a", ts_, t, 2), "new a");
  EXPECT_EQ(read("b", ts_, t, 2), "new b");
  EXPECT_EQ(read("d", ts_, t, 2), std::nullopt);
  EXPECT_EQ(read("b", ts_, t, 1), "old b");
  EXPECT_EQ(read("a", ts_), std::nullopt);
  EXPECT_EQ(read("b", ts_), "old b");
  ScanRequest req;
  req.space = kT;
  req.view = ReadView{ts_, t, 2};
  auto keys = [&](bool reverse) {
    req.reverse = reverse;
    std::string seen;
    auto c = p().scan(req);
    while (auto row = c->next()) seen += row->key + "=" + row->value + ";";
    return seen;
  };
  EXPECT_EQ(keys(false), "a=new a;b=new b;");
  EXPECT_EQ(keys(true), "b=new b;a=new a;");
  EXPECT_EQ(scan_keys(ts_), "bd") << "another view sees the stored rows only";
  oracle_.states[t] = {TxnState::kPending, 0};  // what the coordinator says of a live one
  EXPECT_EQ(p().latest(kT, "a", t).intent_txn, t);
  EXPECT_EQ(p().latest(kT, "a").intent_txn, 0u);
  // Commit: intents and record in one synced batch, then resolution from memory.
  p().write_commit_record(t, {0});
  EXPECT_TRUE(stored("a"));
  Timestamp ts = ++ts_;
  oracle_.states[t] = {TxnState::kCommitted, ts};
  p().commit(t, ts);
  EXPECT_EQ(read("a", ts), "new a");
  EXPECT_EQ(read("b", ts), "new b");
  EXPECT_EQ(read("b", t0), "old b");
  EXPECT_EQ(read("d", ts), std::nullopt);
}

TEST_F(PartitionTest, BufferedWritesRollBackAndAbortWithoutStorage) {
  put("k", "committed");
  TxnId t = next_txn_++;
  ASSERT_EQ(lock(t, "k").outcome, LockOutcome::kGranted);
  p().write(t, 0, 1, kT, "k", "sub 0");
  ASSERT_EQ(lock(t, "n", {}, 1).outcome, LockOutcome::kGranted);
  p().write(t, 1, 2, kT, "k", "sub 1");
  p().write(t, 1, 2, kT, "n", "only in sub 1");
  EXPECT_EQ(read("k", ts_, t, 3), "sub 1");
  p().rollback_subtransactions(t, 1);
  EXPECT_EQ(read("k", ts_, t, 3), "sub 0");
  EXPECT_EQ(read("n", ts_, t, 3), std::nullopt);
  p().abort(t);
  EXPECT_EQ(read("k", ts_), "committed");
  EXPECT_FALSE(stored("n"));
}

TEST_F(PartitionTest, ABufferPastItsLimitSpillsAndStaysCorrect) {
  TxnId t = next_txn_++;
  std::string big(64 << 10, 'x');
  size_t n = mvcc::kBufferLimit / big.size() + 8;
  for (size_t i = 0; i < n; ++i) {
    std::string k = "k" + std::to_string(1000 + i);
    ASSERT_EQ(lock(t, k).outcome, LockOutcome::kGranted);
    p().write(t, 0, 1, kT, k, big + std::to_string(i));
  }
  EXPECT_TRUE(stored("k1000")) << "the first rows spilled to storage as intents";
  EXPECT_EQ(read("k1000", ts_, t, 2), big + "0");
  EXPECT_EQ(read("k1000", ts_), std::nullopt);
  std::string last = "k" + std::to_string(1000 + n - 1);
  EXPECT_EQ(read(last, ts_, t, 2), big + std::to_string(n - 1));
  // After a spill: a spilled key is written again in storage, a new key is buffered again.
  p().write(t, 0, 2, kT, "k1000", "rewritten");
  ASSERT_EQ(lock(t, "z").outcome, LockOutcome::kGranted);
  p().write(t, 0, 2, kT, "z", "after the spill");
  EXPECT_EQ(read("k1000", ts_, t, 3), "rewritten");
  EXPECT_FALSE(stored("z")) << "buffered again";
  EXPECT_EQ(read("z", ts_, t, 3), "after the spill");
  p().write_commit_record(t, {0});
  Timestamp ts = ++ts_;
  oracle_.states[t] = {TxnState::kCommitted, ts};
  p().commit(t, ts);
  oracle_.states.erase(t);
  EXPECT_EQ(read(last, ts), big + std::to_string(n - 1));
  EXPECT_EQ(read("k1000", ts), "rewritten");
  EXPECT_EQ(read("z", ts), "after the spill");
  EXPECT_EQ(scan_keys(ts).size(), 5 * n + 1);
}

// One-phase commit across the node's partitions: one synced batch with the final versions of
// both, no commit record, nothing for recovery to redo; the locks go with commit().
TEST_F(PartitionTest, OnePhaseCommitAcrossSiblingPartitions) {
  TxnId t = next_txn_++;
  ASSERT_EQ(lock(t, "a").outcome, LockOutcome::kGranted);
  p().write(t, 0, 1, kT, "a", "on p0");
  LockRequest r1;
  r1.space = kT;
  r1.key = "x";
  r1.txn = t;
  r1.strength = LockStrength::kUpdate;
  ASSERT_EQ(node_->partition(1).lock(r1).outcome, LockOutcome::kGranted);
  node_->partition(1).write(t, 0, 1, kT, "x", "on p1");
  EXPECT_EQ(p().commit_group(), node_->partition(1).commit_group());
  Timestamp ts = ++ts_;
  p().commit_one_phase(t, ts, {1});
  EXPECT_EQ(read("a", ts), "on p0");
  EXPECT_EQ(read(node_->partition(1), "x", ts), "on p1");
  EXPECT_EQ(read("a", ts - 1), std::nullopt);
  std::string v;
  EXPECT_FALSE(p().store().engine().get(storage::commit_record_key(0, t), &v));
  TxnId other = next_txn_++;
  EXPECT_EQ(lock(other, "a").outcome, LockOutcome::kWouldBlock) << "locks held until commit()";
  p().commit(t, ts);
  node_->partition(1).commit(t, ts);
  EXPECT_EQ(lock(other, "a").outcome, LockOutcome::kGranted);
  p().abort(other);
  open();  // recovery: nothing to resolve, the versions are there
  EXPECT_EQ(node_->recovered_commits(), 0u);
  EXPECT_EQ(read(node_->partition(1), "x", node_->clock().start_ts), "on p1");
}

// A range of rows deleted (a queue drained from its front), pruned by the next scan and
// compacted: a scan over it afterwards steps over no deleted entry in storage (counted by
// RocksDB's perf context, so this is a count, not a timing).
TEST_F(PartitionTest, ADeletedRangeLeavesNothingToStepOverOnceCompacted) {
  for (int i = 0; i < 300; ++i) put("q" + std::to_string(1000 + i), "job");
  Timestamp last = 0;
  for (int i = 0; i < 250; ++i) last = put("q" + std::to_string(1000 + i), std::nullopt);
  horizon_ = last;
  EXPECT_EQ(scan_keys(last).size(), 50u * 5) << "the first scan prunes what it steps over";
  p().store().engine().compact_all();
  open();  // a fresh node: no known-empty range remembered from the first scan
  horizon_ = node_->clock().start_ts;
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  EXPECT_EQ(scan_keys(node_->clock().start_ts).size(), 50u * 5);
  EXPECT_EQ(rocksdb::get_perf_context()->internal_delete_skipped_count, 0u);
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
}

TEST_F(PartitionTest, PublishedWritesReachStorageAtOnce) {
  TxnId t = next_txn_++;
  ASSERT_EQ(lock(t, "s").outcome, LockOutcome::kGranted);
  p().write(t, 0, 1, kT, "s", "serializable", /*publish=*/true);
  EXPECT_TRUE(stored("s"));
  oracle_.states[t] = {TxnState::kPending, 0};
  EXPECT_EQ(p().latest(kT, "s").intent_txn, t) << "visible to every reader's checks";
  p().abort(t);
  EXPECT_FALSE(stored("s"));
}

}  // namespace
}  // namespace hf::partition

namespace hf::partition {
namespace {

// lock_batch (issue 8): answers in order, stops before a row that would wait and after a
// mismatch (taking back what it granted after it), skips the re-read only when nothing of
// the keyspace was resolved since the caller's read.
class LockBatchTest : public PartitionTest {
 protected:
  LockRequest req(TxnId txn, const std::string& key, std::optional<Version> expected,
                  Timestamp seen_at = 0, WaitPolicy policy = WaitPolicy::kBlock) {
    LockRequest r;
    r.space = kT;
    r.key = key;
    r.txn = txn;
    r.strength = LockStrength::kUpdate;
    r.policy = policy;
    r.expected = expected;
    r.seen_at = seen_at;
    return r;
  }
  std::string outcomes(const std::vector<LockResult>& rs) {
    std::string s;
    for (const auto& r : rs)
      s += r.outcome == LockOutcome::kGranted           ? "G"
           : r.outcome == LockOutcome::kVersionMismatch ? "M"
           : r.outcome == LockOutcome::kWouldBlock      ? "W"
                                                        : "?";
    return s;
  }
};

TEST_F(LockBatchTest, StopsBeforeAWaitAndAfterAMismatch) {
  Timestamp ta = put("a", "1");
  Timestamp tb = put("b", "1");
  Timestamp tc = put("c", "1");
  Timestamp td = put("d", "1");
  TxnId other = next_txn_++;
  ASSERT_EQ(lock(other, "c").outcome, LockOutcome::kGranted);
  TxnId me = next_txn_++;
  // c is held by another: a and b are answered, c and d are not (and not locked).
  auto rs = p().lock_batch({req(me, "a", Version{ta, false}), req(me, "b", Version{tb, false}),
                            req(me, "c", Version{tc, false}), req(me, "d", Version{td, false})});
  EXPECT_EQ(outcomes(rs), "GG");
  EXPECT_FALSE(
      p().lock_table().holds(locks::row_tag(kT.table_id, 0, "d"), me, locks::row_mode::kKeyShare));
  p().abort(other);
  p().abort(me);
  // b's version is not the one expected: answered with the newest and its value, and d
  // (granted in the same call) is taken back.
  Timestamp tb2 = put("b", "2");
  TxnId me2 = next_txn_++;
  rs = p().lock_batch({req(me2, "b", Version{tb, false}), req(me2, "d", Version{td, false})});
  ASSERT_EQ(outcomes(rs), "M");
  EXPECT_EQ(rs[0].newest, (Version{tb2, false}));
  EXPECT_EQ(rs[0].value, "2");
  EXPECT_TRUE(
      p().lock_table().holds(locks::row_tag(kT.table_id, 0, "b"), me2, locks::row_mode::kUpdate));
  EXPECT_FALSE(
      p().lock_table().holds(locks::row_tag(kT.table_id, 0, "d"), me2, locks::row_mode::kKeyShare));
  // SKIP LOCKED goes on past a locked row; unlock_batch takes grants back.
  TxnId other2 = next_txn_++;
  ASSERT_EQ(lock(other2, "a").outcome, LockOutcome::kGranted);
  rs = p().lock_batch({req(me2, "a", Version{ta, false}, 0, WaitPolicy::kSkipLocked),
                       req(me2, "c", Version{tc, false}, 0, WaitPolicy::kSkipLocked)});
  EXPECT_EQ(outcomes(rs), "WG");
  p().unlock_batch({req(me2, "c", {})});
  EXPECT_FALSE(
      p().lock_table().holds(locks::row_tag(kT.table_id, 0, "c"), me2, locks::row_mode::kKeyShare));
  p().abort(other2);
  p().abort(me2);
  EXPECT_EQ(p().lock_table().size(), 0u);
}

TEST_F(LockBatchTest, SeenAtSkipsTheReReadOnlyWhenNothingWasResolvedSince) {
  Timestamp ta = put("a", "1");
  TxnId me = next_txn_++;
  // A caller that read at ta and passes a stale version is believed: nothing of the keyspace
  // was resolved after ta, so the row cannot have changed (the lie shows the skip happens).
  auto rs = p().lock_batch({req(me, "a", Version{ta - 1, false}, /*seen_at=*/ta)});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].outcome, LockOutcome::kGranted);
  p().abort(me);
  // A commit after the read: the row is read again and the change seen.
  Timestamp ta2 = put("a", "2");
  TxnId me2 = next_txn_++;
  rs = p().lock_batch({req(me2, "a", Version{ta, false}, /*seen_at=*/ta)});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].outcome, LockOutcome::kVersionMismatch);
  EXPECT_EQ(rs[0].newest, (Version{ta2, false}));
  p().abort(me2);
}

TEST_F(LockBatchTest, NodeLockMemoryLimitAnswersMemoryExceeded) {
  node_.reset();
  node_ = open_local_node(dir_, 2, /*max_lock_memory=*/64 << 10);
  node_->attach(&oracle_, [this] { return horizon_; });
  TxnId me = node_->clock().first_txn_id;
  std::vector<LockRequest> reqs;
  for (int i = 0; i < 5000; ++i) reqs.push_back(req(me, "k" + std::to_string(i), std::nullopt));
  auto rs = p().lock_batch(reqs);
  ASSERT_FALSE(rs.empty());
  ASSERT_LT(rs.size(), reqs.size());
  EXPECT_EQ(rs.back().outcome, LockOutcome::kMemoryExceeded);
  EXPECT_LE(node_->lock_memory().used(), size_t{64} << 10);
  p().abort(me);
  EXPECT_LT(node_->lock_memory().used(), size_t{2} << 10);  // the empty row index at most
}

}  // namespace
}  // namespace hf::partition

namespace hf::partition {
namespace {

// Bulk loading (issue 8, Partition::load): frozen rows, markers, abort, recovery.
class LoadTest : public PartitionTest {
 protected:
  const KeySpace kL{1002, 0};
  // n rows prefix100.. with values "v<i>", padded so that the batch is large enough for a
  // file (kFileLoadMinBytes) when `big`.
  std::vector<std::pair<std::string, std::string>> rows(const std::string& prefix, int n,
                                                        bool big = false) {
    std::vector<std::pair<std::string, std::string>> out;
    const size_t pad = big ? kFileLoadMinBytes / n + 1 : 0;
    for (int i = 0; i < n; ++i)
      out.emplace_back(prefix + std::to_string(100 + i),
                       "v" + std::to_string(i) + std::string(pad, ' '));
    return out;
  }
  bool marker(uint16_t partition = 0) {
    std::string v;
    return p().store().engine().get(
        storage::keyspace_prefix(storage::kLoadMarkerPrefix, partition, kL.table_id, kL.index_id),
        &v);
  }
  std::optional<std::string> read_loaded(const std::string& key, Timestamp at) {
    auto r = p().get(kL, key, ReadView{at, 0, 0});
    if (!r) return std::nullopt;
    return r->value;
  }
};

TEST_F(LoadTest, CommittedLoadIsSeenByEverySnapshotAndSurvivesRestart) {
  Timestamp before = ts_;  // a snapshot older than the load
  TxnId t = next_txn_++;
  ASSERT_TRUE(p().load(t, 0, kL, rows("k", 3)));
  EXPECT_TRUE(marker());
  p().finish_loads(t);
  EXPECT_EQ(read_loaded("k101", before), "v1");  // frozen: nothing else can reach the keyspace
  Timestamp ts = ++ts_;
  p().commit_one_phase(t, ts);
  p().commit(t, ts);
  EXPECT_FALSE(marker()) << "the commit's batch deletes the marker";
  open();  // restart: recovery keeps a committed load
  EXPECT_EQ(read_loaded("k100", ts_), "v0");
  EXPECT_EQ(read_loaded("k102", ts_), "v2");
  auto latest = p().latest(kL, "k102");
  EXPECT_EQ(latest.newest.commit_ts, kFrozenTimestamp);
}

TEST_F(LoadTest, AbortAndRollbackDeleteTheLoadedRows) {
  TxnId t = next_txn_++;
  ASSERT_TRUE(p().load(t, 0, kL, rows("k", 2, /*big=*/true)));
  p().finish_loads(t);
  EXPECT_TRUE(stored("k100", kL));
  p().abort(t);
  EXPECT_FALSE(stored("k100", kL));
  EXPECT_FALSE(marker());
  // Loaded in subtransaction 2: ROLLBACK TO 2 deletes them; ROLLBACK TO 3 does not.
  TxnId u = next_txn_++;
  ASSERT_TRUE(p().load(u, 2, kL, rows("k", 2)));
  p().finish_loads(u);
  p().rollback_subtransactions(u, 3);
  EXPECT_TRUE(stored("k100", kL));
  p().rollback_subtransactions(u, 2);
  EXPECT_FALSE(stored("k100", kL));
  EXPECT_FALSE(marker());
  p().abort(u);
}

TEST_F(LoadTest, RecoveryDropsALoadThatNeverCommitted) {
  TxnId t = next_txn_++;
  ASSERT_TRUE(p().load(t, 0, kL, rows("k", 50, /*big=*/true)));  // a file, added whole
  p().finish_loads(t);
  EXPECT_TRUE(stored("k120", kL));
  open();  // a restart with the transaction still open: it never committed
  EXPECT_FALSE(stored("k120", kL));
  EXPECT_EQ(read_loaded("k120", ts_), std::nullopt);
  EXPECT_FALSE(marker());
}

// Rows in key order go into a file that finish_loads() adds whole; the first batch out of
// order sends that file and goes through the memtable, as does everything after it.
TEST_F(LoadTest, RowsInOrderGoToAFileOthersThroughTheMemtable) {
  TxnId t = next_txn_++;
  ASSERT_TRUE(p().load(t, 0, kL, rows("0", 2)));  // a small batch: the memtable
  EXPECT_TRUE(stored("0100", kL));
  ASSERT_TRUE(p().load(t, 0, kL, rows("a", 3, true)));
  EXPECT_FALSE(stored("a100", kL)) << "held in the file until finish_loads()";
  ASSERT_TRUE(p().load(t, 0, kL, rows("b", 3)));  // above every key: the same file
  EXPECT_FALSE(stored("b100", kL));
  ASSERT_TRUE(p().load(t, 0, kL, {{"a5", "late"}}));  // below "b102": out of order
  EXPECT_TRUE(stored("a100", kL)) << "the file went to storage first";
  EXPECT_TRUE(stored("b102", kL));
  EXPECT_TRUE(stored("a5", kL));
  ASSERT_TRUE(p().load(t, 0, kL, rows("c", 2, true)));  // in order again: the memtable now
  EXPECT_TRUE(stored("c101", kL));
  p().finish_loads(t);
  Timestamp ts = ++ts_;
  p().commit_one_phase(t, ts);
  p().commit(t, ts);
  EXPECT_EQ(read_loaded("a5", ts), "late");
  EXPECT_EQ(read_loaded("b101", ts), "v1");
  EXPECT_EQ(read_loaded("0101", ts), "v1");
}

TEST_F(LoadTest, TwoPhaseCommitRecordDeletesTheMarkersOfItsParticipants) {
  TxnId t = next_txn_++;
  ASSERT_TRUE(node_->partition(1).load(t, 0, kL, rows("k", 2)));
  node_->partition(1).finish_loads(t);
  ASSERT_EQ(lock(t, "x").outcome, LockOutcome::kGranted);
  p().write(t, 0, 1, kT, "x", std::string("1"));
  EXPECT_TRUE(marker(1));
  p().write_commit_record(t, {0, 1});
  EXPECT_FALSE(marker(1)) << "deleted atomically with the commit record";
  Timestamp ts = ++ts_;
  oracle_.states[t] = {TxnState::kCommitted, ts};
  node_->partition(1).commit(t, ts);
  p().commit(t, ts);
  open();
  auto r = node_->partition(1).get(kL, "k101", ReadView{ts_, 0, 0});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value, "v1");
}

}  // namespace
}  // namespace hf::partition

namespace hf::partition {
namespace {

// What went through a node's PartitionLog: each write's parts and durability.
class RecordingLog final : public PartitionLog {
 public:
  explicit RecordingLog(storage::Engine& engine) : direct_(engine) {}
  struct Write {
    std::vector<PartitionId> partitions;
    storage::Durability durability;
    std::string check;  // PartitionBatches::check()
  };
  using PartitionLog::write;
  void write(PartitionBatches& parts, storage::Durability d, const WriteHooks& hooks) override {
    if (parts.count() == 0) return direct_.write(parts, d, hooks);  // nothing to record
    Write w{{}, d, parts.check()};
    for (size_t i = 0; i < parts.parts(); ++i)
      if (parts.part(i).Count() > 0) w.partitions.push_back(parts.partition(i));
    writes.push_back(std::move(w));
    direct_.write(parts, d, hooks);
  }
  std::vector<Write> writes;

 private:
  DirectLog direct_;
};

class PartitionLogTest : public LoadTest {
 protected:
  void SetUp() override {
    LoadTest::SetUp();
    log_ = std::make_unique<RecordingLog>(p().store().engine());
    node_->set_log(log_.get());
  }
  void TearDown() override {
    node_.reset();  // before the log it writes through
    LoadTest::TearDown();
  }
  std::unique_ptr<RecordingLog> log_;
};

// milestone C step 2 (doc/cluster.md §4, site 5): a one-phase commit across sibling
// partitions is one synced write of one part per partition, each part in its own range.
TEST_F(PartitionLogTest, AOnePhaseCommitAcrossSiblingsIsOnePartPerPartitionInOneSyncedWrite) {
  LocalPartition& p1 = node_->partition(1);
  TxnId t = next_txn_++;
  ASSERT_EQ(lock_on(p(), t, "a"), LockOutcome::kGranted);
  p().write(t, 0, 1, kT, "a", "on p0");
  ASSERT_EQ(lock_on(p1, t, "x"), LockOutcome::kGranted);
  p1.write(t, 0, 1, kT, "x", "on p1");
  ASSERT_TRUE(p1.load(t, 0, kL, rows("k", 2)));  // a load marker on p1 too
  p1.finish_loads(t);
  log_->writes.clear();
  const uint64_t synced = p().store().engine().synced_writes();
  Timestamp ts = ++ts_;
  p().commit_one_phase(t, ts, {1});
  EXPECT_EQ(p().store().engine().synced_writes(), synced + 1) << "one fsync, as before";
  ASSERT_EQ(log_->writes.size(), 1u);
  const auto& w = log_->writes[0];
  EXPECT_EQ(w.durability, storage::Durability::kSynced);
  EXPECT_EQ(w.partitions, (std::vector<PartitionId>{0, 1}));
  EXPECT_EQ(w.check, "") << "every part holds only its partition's keys";
  p().commit(t, ts);
  p1.commit(t, ts);
  EXPECT_EQ(read("a", ts), "on p0");
  EXPECT_EQ(read(p1, "x", ts), "on p1");
  EXPECT_FALSE(marker(1));
}

// Site 3: the commit record's write holds the anchor's intents and record in the anchor's
// part and another participant's load-marker Deletes in that participant's part; the
// resolutions (site 4) are each partition's own write, the anchor's deleting its record.
TEST_F(PartitionLogTest, TheCommitRecordsWriteIsOnePartPerParticipant) {
  LocalPartition& p1 = node_->partition(1);
  TxnId t = next_txn_++;
  ASSERT_TRUE(p1.load(t, 0, kL, rows("k", 2)));
  p1.finish_loads(t);
  ASSERT_EQ(lock_on(p1, t, "x"), LockOutcome::kGranted);
  p1.write(t, 0, 1, kT, "x", "on p1");
  ASSERT_EQ(lock(t, "a").outcome, LockOutcome::kGranted);
  p().write(t, 0, 1, kT, "a", "on p0");
  log_->writes.clear();
  p1.prepare(t);  // every participant but the anchor, whose intents go with its record
  p().write_commit_record(t, {0, 1});
  ASSERT_EQ(log_->writes.size(), 2u);
  EXPECT_EQ(log_->writes[0].partitions, (std::vector<PartitionId>{1})) << "p1's prepare";
  const auto& record = log_->writes[1];
  EXPECT_EQ(record.durability, storage::Durability::kSynced);
  EXPECT_EQ(record.partitions, (std::vector<PartitionId>{0, 1}));
  EXPECT_EQ(record.check, "");
  EXPECT_FALSE(marker(1));
  Timestamp ts = ++ts_;
  oracle_.states[t] = {TxnState::kCommitted, ts};
  log_->writes.clear();
  p1.commit(t, ts);
  p().commit(t, ts);
  ASSERT_EQ(log_->writes.size(), 2u);
  for (const auto& w : log_->writes) {
    EXPECT_EQ(w.durability, storage::Durability::kWal);
    EXPECT_EQ(w.check, "");
    EXPECT_EQ(w.partitions.size(), 1u);
  }
  std::string v;
  EXPECT_FALSE(p().store().engine().get(storage::commit_record_key(0, t), &v));
  EXPECT_EQ(read(p1, "x", ts), "on p1");
  EXPECT_EQ(read("a", ts), "on p0");
}

// The seam (doc/cluster.md §4): every storage write of the partition's operations goes
// through its log, the store's own ones too (an intent written at once, a savepoint rollback,
// pruning, abort), each one part in the partition's range: the engine counts no write the log
// did not make.
TEST_F(PartitionLogTest, EveryWriteOfThePartitionGoesThroughItsLog) {
  put("dead", "v");
  Timestamp del = put("dead", std::nullopt);
  storage::Engine& engine = p().store().engine();
  log_->writes.clear();
  const uint64_t before = engine.writes();
  TxnId t = next_txn_++;
  ASSERT_EQ(lock(t, "a").outcome, LockOutcome::kGranted);
  p().write(t, 0, 1, kT, "a", "published", /*publish=*/true);  // an intent at once (site 1)
  ASSERT_EQ(lock(t, "b", {}, 1).outcome, LockOutcome::kGranted);
  p().write(t, 1, 2, kT, "b", "in sub 1", /*publish=*/true);
  p().rollback_subtransactions(t, 1);  // site 7
  p().abort(t);                        // site 6
  horizon_ = del;
  EXPECT_EQ(scan_keys(del), "");  // prunes "dead" (site 8)
  EXPECT_FALSE(stored("dead"));
  TxnId u = next_txn_++;
  ASSERT_TRUE(p().load(u, 0, kL, rows("k", 2)));  // marker and rows through the memtable
  p().abort(u);                                   // an aborted load's deletions
  Timestamp ts = put("c", "committed");           // the commit record, its resolution
  EXPECT_EQ(read("c", ts), "committed");
  EXPECT_EQ(engine.writes() - before, log_->writes.size()) << "a write around the log";
  EXPECT_GE(log_->writes.size(), 9u);
  for (const auto& w : log_->writes) {
    EXPECT_EQ(w.check, "");
    EXPECT_EQ(w.partitions, (std::vector<PartitionId>{0}));
  }
}

// G4's wait (leadership.h W5): a call that meets a lease that ran out while its partition
// still serves waits for a renewal and is served once one extends the lease; it fails with
// 40001 when the partition stops serving meanwhile, and at once when it may not wait.
TEST_F(PartitionTest, ACallMeetingALapsedLeaseWaitsForARenewal) {
  using Clock = std::chrono::steady_clock;
  const Timestamp ts = put("k", "v");
  LocalPartition& part = p();
  part.gate();
  part.begin_serving(1, 0);
  // The value read, or the SQLSTATE of the refusal.
  auto outcome = [&]() -> std::string {
    try {
      return read("k", ts).value_or("(none)");
    } catch (const SqlError& e) {
      return e.error().sqlstate;
    }
  };
  part.set_lease(Clock::now() - std::chrono::milliseconds(1));
  EXPECT_EQ(outcome(), "40001") << "no lease wait set: refused at once";
  part.set_lease_wait(std::chrono::minutes(5));
  std::thread renewal([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    part.set_lease(Clock::now() + std::chrono::minutes(5));
  });
  EXPECT_EQ(outcome(), "v") << "served once the renewal extended the lease";
  renewal.join();
  part.set_lease(Clock::now() - std::chrono::milliseconds(1));
  std::thread stepped_down([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    part.stop_serving();
  });
  EXPECT_EQ(outcome(), "40001") << "stopped serving while the call waited";
  stepped_down.join();
}

}  // namespace
}  // namespace hf::partition
