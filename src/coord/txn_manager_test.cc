// coord/txn_manager_test.cc — the coordinator against scripted in-memory partitions:
// routing, the merge of cursors, snapshots, the commit protocol's call order, and the
// mapping of lock outcomes to PostgreSQL errors. (The coordinator over real partitions is
// tested in partition/coord_integration_test.cc.)
#include "coord/txn_manager.h"

#include <gtest/gtest.h>

#include <map>

#include "common/error.h"

namespace hf::coord {
namespace {

using partition_api::LatestState;
using partition_api::LockRequest;
using partition_api::PartitionId;
using partition_api::ScanRequest;

std::vector<std::string> calls;  // "p<id>:<call>"

class VecCursor : public RowCursor {
 public:
  explicit VecCursor(std::vector<RowVersion> rows) : rows_(std::move(rows)) {}
  std::optional<RowVersion> next() override {
    if (i_ == rows_.size()) return std::nullopt;
    return rows_[i_++];
  }

 private:
  std::vector<RowVersion> rows_;
  size_t i_ = 0;
};

class FakePartition : public partition_api::Partition {
 public:
  explicit FakePartition(PartitionId id) : id_(id) {}
  PartitionId id() const override { return id_; }
  uint64_t commit_group() const override { return group; }
  uint64_t group = 0;
  bool leader_only() const override { return leader; }
  bool leader = false;
  bool refuse_prepare = false;  // as a replica that may have lost txn's locks (40001)
  std::optional<RowVersion> get(const KeySpace&, const std::string& key,
                                const ReadView& view) override {
    last_view = view;
    auto it = rows.find(key);
    if (it == rows.end()) return std::nullopt;
    return RowVersion{key, it->second, {}, 1, false};
  }
  std::unique_ptr<RowCursor> scan(const ScanRequest& req) override {
    last_scan_view = req.view;
    std::vector<RowVersion> out;
    for (auto& [k, v] : rows) out.push_back(RowVersion{k, v, {}, 1, false});
    if (req.reverse) std::reverse(out.begin(), out.end());
    return std::make_unique<VecCursor>(std::move(out));
  }
  LatestState latest(const KeySpace&, const std::string&, TxnId) override { return {}; }
  LockResult lock(const LockRequest& req) override {
    last_lock_sub = req.sub;
    calls.push_back(tag("lock"));
    LockResult r;
    r.outcome = next_outcome;
    return r;
  }
  void write(TxnId, SubId sub, CommandId cid, const KeySpace&, const std::string& key,
             const std::optional<std::string>& value, bool, bool, bool) override {
    calls.push_back(tag("write"));
    last_write_cid = cid;
    last_write_sub = sub;
  }
  void rollback_subtransactions(TxnId, SubId first) override {
    calls.push_back(tag("rollback" + std::to_string(first)));
  }
  void drop_keyspaces(uint32_t table_id) override {
    calls.push_back(tag("drop" + std::to_string(table_id)));
  }
  void prepare(TxnId) override {
    calls.push_back(tag("prepare"));
    if (refuse_prepare)
      throw SqlError(sqlstate::kSerializationFailure,
                     "could not serialize access due to a change of partition leader");
  }
  void write_commit_record(TxnId, const std::vector<PartitionId>& parts) override {
    calls.push_back(tag("record" + std::to_string(parts.size())));
  }
  void commit(TxnId, Timestamp) override { calls.push_back(tag("commit")); }
  void abort(TxnId) override { calls.push_back(tag("abort")); }
  void commit_one_phase(TxnId, Timestamp, const std::vector<PartitionId>& with) override {
    calls.push_back(tag("one_phase") + (with.empty() ? "" : "+" + std::to_string(with.size())));
  }
  partition_api::ObjectLockResult lock_object(const partition_api::ObjectLockRequest&) override {
    calls.push_back(tag("lock_object"));
    return {next_outcome, {}};
  }
  bool unlock_object(const partition_api::ObjectTag&, uint64_t, uint8_t) override {
    calls.push_back(tag("unlock_object"));
    return true;
  }
  void release_owner(uint64_t) override { calls.push_back(tag("release_owner")); }
  std::vector<partition_api::LockEntry> lock_view() override { return {}; }
  std::vector<partition_api::Blocker> blockers(uint64_t) override { return {}; }

  std::string tag(const std::string& c) const { return "p" + std::to_string(id_) + ":" + c; }
  PartitionId id_;
  std::map<std::string, std::string> rows;
  LockOutcome next_outcome = LockOutcome::kGranted;
  ReadView last_view;
  ReadView last_scan_view;
  SubId last_lock_sub = 0;
  SubId last_write_sub = 0;
  CommandId last_write_cid = 0;
};

class CoordUnit : public ::testing::Test {
 protected:
  void SetUp() override {
    calls.clear();
    for (PartitionId i = 0; i < 4; ++i) parts_.push_back(std::make_unique<FakePartition>(i));
    std::vector<partition_api::Partition*> ps;
    for (auto& p : parts_) ps.push_back(p.get());
    m_ = make_txn_manager(ps, {100, 1, 1000});
  }
  // A key that routes to partition p.
  std::string key_in(uint32_t p) {
    for (int i = 0;; ++i) {
      std::string k = "k" + std::to_string(i);
      if (m_->route(k) == p) return k;
    }
  }
  // A transaction that locked a row of partition 3 and wrote rows of partitions 2 and 0; the
  // calls recorded so far are cleared.
  std::unique_ptr<Transaction> lock_3_write_2_and_0() {
    auto t = m_->begin({});
    t->start_statement();
    std::string k0 = key_in(0), k2 = key_in(2), k3 = key_in(3);
    const KeySpace s{1001, 0};
    t->lock(s, k3, k3, LockStrength::kShare, {}, std::nullopt);  // lock only
    t->lock(s, k2, k2, LockStrength::kUpdate, {}, std::nullopt);
    t->write(s, k2, k2, std::string("x"));
    t->lock(s, k0, k0, LockStrength::kUpdate, {}, std::nullopt);
    t->write(s, k0, k0, std::nullopt);
    calls.clear();
    return t;
  }
  std::vector<std::unique_ptr<FakePartition>> parts_;
  std::unique_ptr<LocalTxnManager> m_;
};

TEST(Routing, Fnv1a64IsStable) {
  // On-disk format: these values must never change.
  EXPECT_EQ(routing_hash(""), 14695981039346656037ull);
  EXPECT_EQ(routing_hash("a"), 12638187200555641996ull);
  EXPECT_EQ(routing_hash("foobar"), 0x85944171f73967e8ull);
}

TEST_F(CoordUnit, ScanMergesInKeyOrderBothWays) {
  parts_[0]->rows = {{"a", "1"}, {"d", "4"}};
  parts_[1]->rows = {{"b", "2"}};
  parts_[3]->rows = {{"c", "3"}, {"e", "5"}};
  auto t = m_->begin({});
  t->start_statement();
  std::string seen;
  auto c = t->scan(KeySpace{1001, 0}, "", "");
  while (auto r = c->next()) seen += r->key;
  EXPECT_EQ(seen, "abcde");
  seen.clear();
  c = t->scan(KeySpace{1001, 0}, "", "", true);
  while (auto r = c->next()) seen += r->key;
  EXPECT_EQ(seen, "edcba");
  t->commit();
}

TEST_F(CoordUnit, SnapshotsAndCommandIds) {
  auto rc = m_->begin({Isolation::kReadCommitted, false});
  auto rr = m_->begin({Isolation::kRepeatableRead, false});
  rc->start_statement();
  rr->start_statement();
  EXPECT_EQ(rc->view().read_ts, 100u);
  EXPECT_EQ(rr->view().cid, 1u);
  EXPECT_EQ(m_->oldest_snapshot(), 100u);
  auto w = m_->begin({});
  w->start_statement();
  std::string k = key_in(2);
  w->lock(KeySpace{1001, 0}, k, k, LockStrength::kUpdate, {}, std::nullopt);
  w->write(KeySpace{1001, 0}, k, k, std::string("v"));
  w->commit();
  EXPECT_EQ(m_->published(), 101u);
  EXPECT_EQ(m_->status_oracle().status(w->id()).state, partition_api::TxnState::kAborted)
      << "forgotten after resolution: unknown = aborted";
  rc->start_statement();
  rr->start_statement();
  EXPECT_EQ(rc->view().read_ts, 101u);
  EXPECT_EQ(rr->view().read_ts, 100u);
  EXPECT_EQ(rr->view().cid, 2u);
  EXPECT_EQ(m_->oldest_snapshot(), 100u);
  rr->commit();
  EXPECT_EQ(m_->oldest_snapshot(), 101u);
  EXPECT_EQ(m_->status_oracle().status(rc->id()).state, partition_api::TxnState::kPending);
  rc->abort();
}

TEST_F(CoordUnit, RollbackUndosRunNewestFirstPerSavepoint) {
  std::vector<int> ran;
  auto t = m_->begin({});
  t->start_statement();
  t->on_rollback([&] { ran.push_back(1); });
  SubId outer = t->begin_subtransaction();
  t->on_rollback([&] { ran.push_back(2); });
  SubId inner = t->begin_subtransaction();
  t->on_rollback([&] { ran.push_back(3); });
  t->release(inner);  // merged into `outer`: undone with it
  t->rollback_to(outer);
  EXPECT_EQ(ran, (std::vector<int>{3, 2}));
  t->on_rollback([&] {
    ran.push_back(4);
    throw SqlError(sqlstate::kInternalError, "undo failed");
  });
  t->abort();  // a failing undo does not stop the others
  EXPECT_EQ(ran, (std::vector<int>{3, 2, 4, 1}));
  t->abort();  // idempotent: nothing runs twice
  EXPECT_EQ(ran.size(), 4u);

  auto c = m_->begin({});
  c->start_statement();
  c->on_rollback([&] { ran.push_back(9); });
  std::string k = key_in(1);
  c->lock(KeySpace{1001, 0}, k, k, LockStrength::kUpdate, {}, std::nullopt);
  c->write(KeySpace{1001, 0}, k, k, std::string("v"));
  c->commit();
  c.reset();  // committed: the destructor's abort() is a no-op
  EXPECT_EQ(ran.size(), 4u) << "commit drops the undos";
}

// What a before_commit hook writes goes with the transaction's commit point: a transaction
// that wrote nothing else commits it (one phase), and a hook that throws aborts it.
TEST_F(CoordUnit, BeforeCommitHooksWriteBeforeTheCommitPoint) {
  const KeySpace s{6, 0};
  std::string k1 = key_in(1);
  std::vector<std::string> order;
  auto t = m_->begin({});
  t->start_statement();
  t->before_commit([&] {
    order.push_back("before");
    t->lock_outcome(s, k1, k1, {});
    t->write(s, k1, k1, std::string());
    t->on_commit([&] { order.push_back("after"); });
  });
  calls.clear();
  t->commit();
  EXPECT_EQ(calls, (std::vector<std::string>{"p1:lock", "p1:write", "p1:one_phase", "p1:commit"}));
  EXPECT_EQ(order, (std::vector<std::string>{"before", "after"}));

  auto f = m_->begin({});
  f->start_statement();
  bool undone = false;
  f->on_rollback([&] { undone = true; });
  f->before_commit([] { throw SqlError(sqlstate::kObjectInUse, "no"); });
  EXPECT_THROW(f->commit(), SqlError);
  EXPECT_TRUE(undone) << "a hook that throws aborts the transaction";
}

TEST_F(CoordUnit, ScanLatestReadsNewestCommitsAndCurrentCommand) {
  auto rr = m_->begin({Isolation::kRepeatableRead, false});
  rr->start_statement();
  auto w = m_->begin({});
  w->start_statement();
  std::string k = key_in(2);
  w->lock(KeySpace{1001, 0}, k, k, LockStrength::kUpdate, {}, std::nullopt);
  w->write(KeySpace{1001, 0}, k, k, std::string("v"));
  w->commit();
  rr->start_statement();
  auto cur = rr->scan_latest(KeySpace{1001, 0}, "", "");
  for (auto& p : parts_) {
    EXPECT_EQ(p->last_scan_view.read_ts, 101u) << "a snapshot taken now";
    EXPECT_EQ(p->last_scan_view.cid, rr->view().cid + 1) << "the current command's writes too";
    EXPECT_EQ(p->last_scan_view.txn, rr->id());
  }
  EXPECT_EQ(rr->view().read_ts, 100u) << "the transaction's own snapshot is unchanged";
  rr->commit();
}

TEST_F(CoordUnit, CommitProtocolOrder) {
  auto t = lock_3_write_2_and_0();
  t->commit();
  // prepare writers but the anchor (first writer), whose intents go with its commit record;
  // commit others, anchor last.
  EXPECT_EQ(calls, (std::vector<std::string>{"p2:prepare", "p0:record2", "p2:commit", "p3:commit",
                                             "p0:commit"}));
}

// A transaction that wrote in one partition commits there in one synced write: no prepare,
// no commit record; its other partitions (locks only) are released after it.
TEST_F(CoordUnit, SinglePartitionWriterCommitsInOnePhase) {
  auto t = m_->begin({});
  t->start_statement();
  std::string k0 = key_in(0), k3 = key_in(3);
  const KeySpace s{1001, 0};
  t->lock(s, k3, k3, LockStrength::kShare, {}, std::nullopt);  // lock only
  t->lock(s, k0, k0, LockStrength::kUpdate, {}, std::nullopt);
  t->write(s, k0, k0, std::string("x"));
  Timestamp before = m_->published();
  calls.clear();
  t->commit();
  EXPECT_EQ(calls, (std::vector<std::string>{"p0:one_phase", "p0:commit", "p3:commit"}));
  EXPECT_EQ(m_->published(), before + 1) << "its timestamp is published before commit returns";
}

// Writers that share a commit group (one node's log) commit together in one phase, through
// the first writer; writers of different groups need the commit record.
TEST_F(CoordUnit, WritersOfOneCommitGroupCommitInOnePhase) {
  for (auto& p : parts_) p->group = 7;
  auto t = m_->begin({});
  t->start_statement();
  std::string k0 = key_in(0), k2 = key_in(2);
  const KeySpace s{1001, 0};
  t->lock(s, k2, k2, LockStrength::kUpdate, {}, std::nullopt);
  t->write(s, k2, k2, std::string("x"));
  t->lock(s, k0, k0, LockStrength::kUpdate, {}, std::nullopt);
  t->write(s, k0, k0, std::string("y"));
  calls.clear();
  t->commit();
  EXPECT_EQ(calls, (std::vector<std::string>{"p0:one_phase+1", "p0:commit", "p2:commit"}));
  parts_[2]->group = 8;
  t = m_->begin({});
  t->start_statement();
  t->lock(s, k2, k2, LockStrength::kUpdate, {}, std::nullopt);
  t->write(s, k2, k2, std::string("x"));
  t->lock(s, k0, k0, LockStrength::kUpdate, {}, std::nullopt);
  t->write(s, k0, k0, std::string("y"));
  calls.clear();
  t->commit();
  EXPECT_EQ(calls,
            (std::vector<std::string>{"p2:prepare", "p0:record2", "p2:commit", "p0:commit"}));
}

// Issue 12 item 6: partitions whose locks a change of leader can lose (leader_only) where the
// transaction only locked are asked (prepare) before the commit point; one that refuses
// aborts the transaction before anything commits.
TEST_F(CoordUnit, LockOnlyLeaderOnlyPartitionsAreConfirmedBeforeTheCommitPoint) {
  for (auto& p : parts_) p->leader = true;
  std::string k0 = key_in(0), k1 = key_in(1), k3 = key_in(3);
  const KeySpace s{1001, 0};
  auto t = lock_3_write_2_and_0();
  t->commit();
  EXPECT_EQ(calls, (std::vector<std::string>{"p3:prepare", "p2:prepare", "p0:record2", "p2:commit",
                                             "p3:commit", "p0:commit"}));
  // Only locks (no writer at all): still confirmed, then released.
  t = m_->begin({});
  t->start_statement();
  t->lock(s, k1, k1, LockStrength::kUpdate, {}, std::nullopt);
  calls.clear();
  t->commit();
  EXPECT_EQ(calls, (std::vector<std::string>{"p1:prepare", "p1:abort"}));
  // The lock-only partition's new leader refuses: 40001, nothing commits.
  parts_[3]->refuse_prepare = true;
  t = m_->begin({});
  t->start_statement();
  t->lock(s, k3, k3, LockStrength::kUpdate, {}, std::nullopt);
  t->lock(s, k0, k0, LockStrength::kUpdate, {}, std::nullopt);
  t->write(s, k0, k0, std::string("y"));
  const Timestamp before = m_->published();
  calls.clear();
  try {
    t->commit();
    ADD_FAILURE() << "committed";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "40001");
  }
  EXPECT_EQ(calls, (std::vector<std::string>{"p3:prepare", "p0:abort", "p3:abort"}));
  EXPECT_EQ(m_->published(), before);
}

TEST_F(CoordUnit, LockOnlyAndReadOnlyTransactionsWriteNoRecord) {
  auto t = m_->begin({});
  t->start_statement();
  std::string k = key_in(1);
  t->lock(KeySpace{1001, 0}, k, k, LockStrength::kUpdate, {}, std::nullopt);
  calls.clear();
  t->commit();
  EXPECT_EQ(calls, (std::vector<std::string>{"p1:abort"})) << "releases locks, no record";
  auto r = m_->begin({Isolation::kReadCommitted, true});
  r->start_statement();
  EXPECT_THROW(r->write(KeySpace{1001, 0}, k, k, std::string("x")), SqlError);
  calls.clear();
  r->commit();
  EXPECT_TRUE(calls.empty());
  EXPECT_EQ(m_->published(), 100u);
}

TEST_F(CoordUnit, SubtransactionsRollBackOnTouchedPartitions) {
  auto t = m_->begin({});
  t->start_statement();
  std::string k = key_in(1);
  const KeySpace s{1001, 0};
  SubId s1 = t->begin_subtransaction();
  t->lock(s, k, k, LockStrength::kUpdate, {}, std::nullopt);
  EXPECT_EQ(parts_[1]->last_lock_sub, s1);
  SubId s2 = t->begin_subtransaction();
  EXPECT_GT(s2, s1);
  t->write(s, k, k, std::string("v"));
  EXPECT_EQ(parts_[1]->last_write_sub, s2);
  EXPECT_EQ(parts_[1]->last_write_cid, 1u);
  calls.clear();
  t->rollback_to(s1);
  EXPECT_EQ(calls, (std::vector<std::string>{"p1:rollback" + std::to_string(s1)}));
  t->write(s, k, k, std::string("w"));
  EXPECT_GT(parts_[1]->last_write_sub, s2) << "continues in a fresh subtransaction";
  SubId s4 = t->begin_subtransaction();
  t->release(s4);
  t->write(s, k, k, std::string("y"));
  EXPECT_LT(parts_[1]->last_write_sub, s4) << "back in the parent after RELEASE";
  t->abort();
}

TEST_F(CoordUnit, LockOutcomesBecomePostgresErrors) {
  auto t = m_->begin({});
  t->start_statement();
  std::string k = key_in(0);
  const KeySpace s{1001, 0};
  auto expect_error = [&](LockOutcome o, const char* state, const char* msg,
                          runtime::CancelToken* tok = nullptr) {
    parts_[0]->next_outcome = o;
    LockWait w;
    w.cancel = tok;
    try {
      t->lock(s, k, k, LockStrength::kUpdate, w, std::nullopt);
      ADD_FAILURE() << "no error for outcome " << int(o);
    } catch (const SqlError& e) {
      EXPECT_EQ(e.error().sqlstate, state);
      EXPECT_EQ(e.error().message, msg);
      if (o == LockOutcome::kMemoryExceeded) {
        EXPECT_EQ(e.error().hint, "You might need to increase holdfast's --max-lock-memory.");
      }
    }
  };
  expect_error(LockOutcome::kTimeout, "55P03", "canceling statement due to lock timeout");
  expect_error(LockOutcome::kDeadlock, "40P01", "deadlock detected");
  expect_error(LockOutcome::kMemoryExceeded, "53200", "out of shared memory");
  expect_error(LockOutcome::kCancelled, "57014", "canceling statement due to user request");
  runtime::CancelToken tok;
  tok.request(runtime::CancelToken::kStatementTimeout);
  expect_error(LockOutcome::kCancelled, "57014", "canceling statement due to statement timeout",
               &tok);
  parts_[0]->next_outcome = LockOutcome::kWouldBlock;
  EXPECT_EQ(t->lock(s, k, k, LockStrength::kUpdate, {}, std::nullopt).outcome,
            LockOutcome::kWouldBlock);
  t->abort();
}

}  // namespace
}  // namespace hf::coord

namespace hf::coord {
namespace {

// Bulk loading (issue 8): which keyspaces a transaction may load, across savepoints, and the
// fallback to intents where a partition cannot load.
TEST_F(CoordUnit, MayLoadOnlyInTheSubtransactionThatCreatedTheKeyspace) {
  auto t = m_->begin({});
  t->start_statement();
  EXPECT_FALSE(t->may_load(7));
  t->note_new_keyspace(7);
  EXPECT_TRUE(t->may_load(7));
  SubId s1 = t->begin_subtransaction();
  EXPECT_FALSE(t->may_load(7)) << "a savepoint after TRUNCATE: COPY FREEZE is refused";
  t->note_new_keyspace(8);
  EXPECT_TRUE(t->may_load(8));
  t->release(s1);
  EXPECT_TRUE(t->may_load(7));
  EXPECT_TRUE(t->may_load(8)) << "RELEASE merges the keyspace into the parent";
  SubId s2 = t->begin_subtransaction();
  t->note_new_keyspace(9);
  t->rollback_to(s2);
  EXPECT_FALSE(t->may_load(9)) << "ROLLBACK TO drops the keyspace";
  EXPECT_FALSE(t->may_load(7)) << "still inside the subtransaction ROLLBACK TO continues";
  t->abort();
}

TEST_F(CoordUnit, LoadsAreBatchedAndBecomeIntentsWhereAPartitionCannotLoad) {
  auto t = m_->begin({});
  t->start_statement();
  t->note_new_keyspace(1001);
  std::string k = key_in(2);
  t->load(KeySpace{1001, 0}, k, k, "row");
  EXPECT_TRUE(calls.empty()) << "nothing is sent before flush_loads()";
  t->flush_loads();
  ASSERT_EQ(calls, std::vector<std::string>{"p2:write"});
  t->commit();
  EXPECT_EQ(calls.back(), "p2:commit");
}

}  // namespace
}  // namespace hf::coord

namespace hf::coord {
namespace {

// A dropped keyspace is sent to the partitions only once no transaction whose snapshot
// predates the drop is left (one may still read the old keyspace).
TEST_F(CoordUnit, KeyspaceDropWaitsForOlderSnapshots) {
  auto reader = m_->begin({});
  reader->start_statement();
  m_->drop_keyspaces(7);
  EXPECT_TRUE(calls.empty()) << "a snapshot from before the drop is live";
  auto later = m_->begin({});
  later->start_statement();
  later->commit();
  EXPECT_TRUE(calls.empty());
  reader->commit();
  EXPECT_EQ(calls, (std::vector<std::string>{"p0:drop7", "p1:drop7", "p2:drop7", "p3:drop7"}));
  calls.clear();
  m_->drop_keyspaces(8);
  EXPECT_EQ(calls.size(), 4u) << "nobody reads: at once";
}

// complete_commit_then (issue 8): the callback runs once its timestamp is published, after
// published() passed it: at once when no earlier reservation is open, else in the call that
// closes the last earlier one (a failed commit's too), in timestamp order.
TEST(RegistryPublication, CallbacksRunOnceTheirTimestampIsPublished) {
  auto r = make_txn_registry({});
  std::vector<std::string> ran;
  auto note = [&](const std::string& name, Timestamp ts) {
    return [&, name, ts] {
      EXPECT_GE(r->published(), ts) << name;
      ran.push_back(name);
    };
  };
  const Timestamp t1 = r->reserve_commit(), t2 = r->reserve_commit(), t3 = r->reserve_commit();
  r->complete_commit_then(103, t3, note("t3", t3));
  r->complete_commit_then(102, t2, note("t2", t2));
  EXPECT_TRUE(ran.empty()) << "t1 is open";
  EXPECT_LT(r->published(), t2);
  r->complete_commit(101, t1, false);  // t1 failed: its slot closes all the same
  EXPECT_EQ(ran, (std::vector<std::string>{"t2", "t3"}));
  EXPECT_EQ(r->status(102).state, partition_api::TxnState::kCommitted);
  const Timestamp t4 = r->reserve_commit();
  r->complete_commit_then(104, t4, note("t4", t4));
  EXPECT_EQ(ran.back(), "t4") << "nothing earlier open: at once";
}

}  // namespace
}  // namespace hf::coord
