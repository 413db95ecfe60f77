// coord/optimistic_test.cc — optimistic transactions (coord/optimistic.h): the noted-row set's
// rules, and the COMMIT protocol against real LocalPartitions, with fibers interleaved in a
// fixed order (a partition wrapper parks an optimistic COMMIT between its validation and its
// write, so a pessimistic writer can be shown to wait for it: invariant O4).
#include "coord/optimistic.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>

#include "common/error.h"
#include "coord/local_node_fixture_for_tests.h"
#include "coord/txn_manager.h"
#include "partition_api/counting_partition_for_tests.h"

namespace hf::coord {
namespace {

using partition_api::LockOutcome;
using partition_api::LockStrength;
using partition_api::Version;

const KeySpace kT{1001, 0};

TEST(OptimisticSetTest, NotingARowAgainKeepsTheStrongestStrengthAndTheFirstVersion) {
  OptimisticSet s;
  s.note(kT, "a", 3, LockStrength::kKeyShare, 2, false, Version{5, false}, 10);
  s.note(kT, "a", 3, LockStrength::kUpdate, 1, true, Version{7, false}, 12);
  s.note(kT, "b", 1, LockStrength::kShare, 2, false, std::nullopt, 12);
  ASSERT_EQ(s.size(), 2u);
  auto parts = s.by_partition(4);
  ASSERT_EQ(parts[3].size(), 1u);
  const auto& a = *parts[3][0];
  EXPECT_EQ(a.strength, LockStrength::kUpdate);
  EXPECT_EQ(a.sub, 1u);
  EXPECT_TRUE(a.wrote);
  EXPECT_EQ(a.expected, (Version{5, false}));
  EXPECT_EQ(a.since, 10u);
  // ROLLBACK TO 2 forgets b (first noted in 2) but keeps a (noted in 1 too).
  s.rollback(2);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.by_partition(4)[3].size(), 1u);
  s.rollback(1);
  EXPECT_TRUE(s.empty());
}

TEST(OptimisticSetTest, ChangedFollowsTheLockStrength) {
  OptimisticSet::Row r;
  r.strength = LockStrength::kUpdate;
  r.expected = Version{5, false};
  r.since = 9;
  EXPECT_FALSE(OptimisticSet::changed(r, Version{5, false}));
  EXPECT_TRUE(OptimisticSet::changed(r, Version{8, false}));
  EXPECT_TRUE(OptimisticSet::changed(r, Version{8, true}));
  r.expected.reset();  // only "nothing committed after read_ts 9"
  EXPECT_FALSE(OptimisticSet::changed(r, Version{9, false}));
  EXPECT_TRUE(OptimisticSet::changed(r, Version{10, false}));
  // KEY SHARE: an update is fine, a deletion after the transaction saw the row is not.
  r.strength = LockStrength::kKeyShare;
  r.expected = Version{5, false};
  EXPECT_FALSE(OptimisticSet::changed(r, Version{12, false}));
  EXPECT_TRUE(OptimisticSet::changed(r, Version{12, true}));
  // ... unless the row written is the one KEY SHARE-locked: then any change counts.
  r.wrote = true;
  EXPECT_TRUE(OptimisticSet::changed(r, Version{12, false}));
}

// Parks commit_one_phase() while `pause` is set, so a test can act while an optimistic
// COMMIT holds its row locks (validated, not yet written).
class PausingPartition final : public partition_api::CountingPartition {
 public:
  using CountingPartition::CountingPartition;
  bool pause = false;
  bool paused = false;
  bool release = false;
  void commit_one_phase(TxnId txn, Timestamp ts,
                        const std::vector<partition_api::PartitionId>& with) override {
    if (pause) {
      paused = true;
      while (!release) runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(1));
    }
    CountingPartition::commit_one_phase(txn, ts, with);
  }
};

class OptimisticTest : public LocalNodeFixture {
 protected:
  OptimisticTest() : LocalNodeFixture("hf_occ_") {}
  std::unique_ptr<Transaction> begin(bool optimistic, Isolation iso = Isolation::kReadCommitted,
                                     bool validate_reads = false) {
    BeginOptions o;
    o.isolation = iso;
    o.optimistic = optimistic;
    o.validate_reads = validate_reads;
    return txns_->begin(o);
  }
  void put(const std::string& key, std::optional<std::string> value) {
    auto t = begin(false);
    t->start_statement();
    t->lock(kT, key, key, LockStrength::kNoKeyUpdate, LockWait{}, std::nullopt);
    t->write(kT, key, key, value);
    t->commit();
  }
  std::optional<std::string> read(const std::string& key) {
    auto t = begin(false);
    t->start_statement();
    auto r = t->get(kT, key, key);
    t->commit();
    if (!r) return std::nullopt;
    return r->value;
  }
  // An optimistic read-lock-write of key, as UPDATE does: lock with the version read.
  void occ_update(Transaction& t, const std::string& key, const std::string& value) {
    t.start_statement();
    auto row = t.get(kT, key, key);
    std::optional<Version> seen;
    if (row && !row->own_write) seen = Version{row->visible_ts, false};
    auto r = t.lock(kT, key, key, LockStrength::kNoKeyUpdate, LockWait{}, seen);
    EXPECT_EQ(r.outcome, LockOutcome::kGranted);
    t.write(kT, key, key, value);
  }
  // The SQLSTATE and message of what f throws ("" when nothing).
  static std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const SqlError& e) {
      return e.error().sqlstate + " " + e.error().message;
    }
    return "";
  }
  const std::string kConflict = std::string("40001 ") + kOptimisticConflictMessage;
};

TEST_F(OptimisticTest, LockingClauseTakesNoLockAndNothingBlocks) {  // O1
  put("k", "v0");
  auto o = begin(true);
  o->start_statement();
  auto r = o->lock(kT, "k", "k", LockStrength::kUpdate, LockWait{}, std::nullopt);
  EXPECT_EQ(r.outcome, LockOutcome::kGranted);
  occ_update(*o, "k", "vO");
  // A pessimistic transaction locks the row at once (NOWAIT would fail on any holder).
  auto p = begin(false);
  p->start_statement();
  LockWait nowait;
  nowait.policy = partition_api::WaitPolicy::kNoWait;
  EXPECT_EQ(p->lock(kT, "k", "k", LockStrength::kUpdate, nowait, std::nullopt).outcome,
            LockOutcome::kGranted);
  for (const auto& e : txns_->lock_view())
    EXPECT_NE(e.owner, o->id()) << "the optimistic transaction holds no lock";
  p->abort();
  EXPECT_EQ(read("k"), "v0") << "the optimistic write is not visible before COMMIT";
  o->commit();
  EXPECT_EQ(read("k"), "vO");
}

TEST_F(OptimisticTest, CommitFailsWhenAWrittenRowChangedAndLeavesNothing) {  // O2
  put("k", "v0");
  put("j", "j0");
  auto o = begin(true, Isolation::kRepeatableRead);
  occ_update(*o, "j", "jO");  // another partition's row, unchanged
  occ_update(*o, "k", "kO");
  put("k", "v1");  // a pessimistic writer commits after the optimistic one saw the row
  EXPECT_EQ(error_of([&] { o->commit(); }), kConflict);
  EXPECT_EQ(read("k"), "v1");
  EXPECT_EQ(read("j"), "j0") << "no partition made the failed transaction's writes visible";
  EXPECT_TRUE(txns_->lock_view().empty()) << "the failed COMMIT released its locks";
}

TEST_F(OptimisticTest, CommitFailsUnderAConflictingPessimisticLock) {  // O3
  put("k", "v0");
  auto p = begin(false);
  p->start_statement();
  ASSERT_EQ(p->lock(kT, "k", "k", LockStrength::kUpdate, LockWait{}, std::nullopt).outcome,
            LockOutcome::kGranted);
  auto o = begin(true);
  occ_update(*o, "k", "vO");
  EXPECT_EQ(error_of([&] { o->commit(); }), kConflict);
  p->commit();
  EXPECT_EQ(read("k"), "v0");
  // A KEY SHARE holder does not conflict with a non-key write (PostgreSQL's table).
  auto ks = begin(false);
  ks->start_statement();
  ks->lock(kT, "k", "k", LockStrength::kKeyShare, LockWait{}, std::nullopt);
  auto o2 = begin(true);
  occ_update(*o2, "k", "vO2");
  EXPECT_EQ(error_of([&] { o2->commit(); }), "");
  ks->commit();
  EXPECT_EQ(read("k"), "vO2");
}

TEST_F(OptimisticTest, RolledBackSavepointForgetsItsLockingClauses) {
  put("k", "v0");
  auto o = begin(true);
  o->start_statement();
  SubId s = o->begin_subtransaction();
  o->lock(kT, "k", "k", LockStrength::kUpdate, LockWait{}, Version{});
  o->rollback_to(s);
  put("k", "v1");
  EXPECT_EQ(error_of([&] { o->commit(); }), "") << "the FOR UPDATE was rolled back";
}

TEST_F(OptimisticTest, ReadOnlyOptimisticTransactionNeverFails) {  // O5
  put("k", "v0");
  auto o = begin(true, Isolation::kRepeatableRead);
  o->start_statement();
  EXPECT_EQ(o->get(kT, "k", "k")->value, "v0");
  put("k", "v1");
  o->start_statement();
  EXPECT_EQ(o->get(kT, "k", "k")->value, "v0");
  EXPECT_EQ(error_of([&] { o->commit(); }), "");
}

TEST_F(OptimisticTest, ValidatedReadsRefuseWriteSkew) {  // O6
  put("a", "on");
  put("b", "on");
  auto t1 = begin(true, Isolation::kRepeatableRead, /*validate_reads=*/true);
  auto t2 = begin(true, Isolation::kRepeatableRead, /*validate_reads=*/true);
  for (auto* t : {t1.get(), t2.get()}) {
    t->start_statement();
    auto c = t->scan(kT, "", "");
    while (c->next()) {
    }
  }
  occ_update(*t1, "a", "off");
  occ_update(*t2, "b", "off");
  EXPECT_EQ(error_of([&] { t1->commit(); }), "");
  std::string err = error_of([&] { t2->commit(); });
  EXPECT_EQ(err.substr(0, 5), "40001") << err;
  EXPECT_EQ(read("b"), "on");
}

TEST_F(OptimisticTest, PessimisticWriterWaitsForAnOptimisticCommitInProgress) {  // O4
  // The manager over pausing wrappers of the node's partitions.
  std::vector<std::unique_ptr<PausingPartition>> wrappers;
  std::vector<partition_api::Partition*> parts;
  for (auto* p : node_->partitions()) {
    wrappers.push_back(std::make_unique<PausingPartition>(p));
    parts.push_back(wrappers.back().get());
  }
  use_partitions(parts);
  put("k", "v0");
  PausingPartition& kp = *wrappers[txns_->route("k")];

  runtime::asio::io_context io;
  auto guard = runtime::asio::make_work_guard(io);
  std::vector<std::string> events;
  partition_api::LockResult waited;
  int done = 0;
  auto finish = [&] {
    if (++done == 3) guard.reset();
  };
  runtime::Fiber::spawn(io, [&] {
    auto o = begin(true);
    occ_update(*o, "k", "vO");
    kp.pause = true;
    events.push_back("O commits");
    o->commit();  // validates (takes k's lock), then parks in commit_one_phase
    events.push_back("O committed");
    finish();
  });
  runtime::Fiber::spawn(io, [&] {
    while (!kp.paused) runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(1));
    auto p = begin(false);
    p->start_statement();
    auto row = p->get(kT, "k", "k");
    EXPECT_EQ(row->value, "v0") << "the optimistic COMMIT is not visible yet";
    events.push_back("P locks");
    waited = p->lock(kT, "k", "k", LockStrength::kNoKeyUpdate, LockWait{},
                     Version{row->visible_ts, false});
    events.push_back("P granted");
    p->commit();
    finish();
  });
  runtime::Fiber::spawn(io, [&] {
    while (std::find(events.begin(), events.end(), "P locks") == events.end())
      runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(1));
    runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(50));
    events.push_back("release");
    kp.release = true;
    finish();
  });
  io.run();
  EXPECT_EQ(events, (std::vector<std::string>{"O commits", "P locks", "release", "O committed",
                                              "P granted"}));
  EXPECT_EQ(waited.outcome, LockOutcome::kVersionMismatch) << "P sees O's version after waiting";
  EXPECT_EQ(waited.value, "vO");
}

// Spec two-ids' required failure (T1 commits before T3 reads): T3 -> T2 -> T1 with T1 first.
// (Where T3 reads before T1 commits, PostgreSQL fails T2 as well, a false positive its spec
// names; an optimistic T2, whose write T3 could not meet before T2's COMMIT, commits then.)
TEST_F(OptimisticTest, ReadOnlyAnomalyOfThreeSerializableTransactions) {  // O6
  const KeySpace d1{2001, 0}, d2{2002, 0};
  auto put_in = [&](const KeySpace& sp, const std::string& v) {
    auto t = begin(false);
    t->start_statement();
    t->lock(sp, "r", "r", LockStrength::kNoKeyUpdate, LockWait{}, std::nullopt);
    t->write(sp, "r", "r", v);
    t->commit();
  };
  put_in(d1, "1");
  put_in(d2, "1");
  auto scan_all = [](Transaction& t, const KeySpace& sp) {
    auto c = t.scan(sp, "", "");
    Version v;
    while (auto r = c->next()) v = Version{r->visible_ts, false};
    return v;
  };
  auto update = [&](Transaction& t, const KeySpace& sp, const Version& seen, const std::string& v) {
    t.lock(sp, "r", "r", LockStrength::kNoKeyUpdate, LockWait{}, seen);
    t.write(sp, "r", "r", v);
  };
  auto t1 = begin(true, Isolation::kSerializable);
  auto t2 = begin(true, Isolation::kSerializable);
  auto t3 = begin(true, Isolation::kSerializable);
  t1->start_statement();
  update(*t1, d1, scan_all(*t1, d1), "2");  // wx1
  t2->start_statement();
  scan_all(*t2, d1);
  update(*t2, d2, scan_all(*t2, d2), "2");         // rxwy2
  EXPECT_EQ(error_of([&] { t1->commit(); }), "");  // c1
  t3->start_statement();
  scan_all(*t3, d2);  // ry3
  EXPECT_EQ(error_of([&] { t3->commit(); }), "");
  std::string err = error_of([&] { t2->commit(); });
  EXPECT_EQ(err.substr(0, 5), "40001") << "T2 is the pivot";
}

}  // namespace
}  // namespace hf::coord
