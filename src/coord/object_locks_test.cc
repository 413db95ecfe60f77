// coord/object_locks_test.cc — table and advisory locks through the coordinator and real
// LocalPartitions: conflicts and the per-transaction cache, session owners, a session never
// conflicting with itself, ROLLBACK TO, blockers and lock_view across partitions, and a
// deadlock across a table lock and an advisory lock with PostgreSQL's DETAIL.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <filesystem>

#include "common/error.h"
#include "coord/local_node_fixture_for_tests.h"
#include "coord/txn_manager.h"
#include "partition/local_node.h"

namespace hf {
namespace {

using coord::LockWait;
using partition_api::LockKind;
using partition_api::LockOutcome;
using partition_api::WaitPolicy;
namespace table_mode = coord::table_mode;

// A session as the coordinator sees it.
struct TestSession final : coord::LockSession, partition_api::LockWaitObserver {
  explicit TestSession(int32_t p) : pid(p) {}
  uint64_t lock_group() const override { return uint64_t{1} << 62 | static_cast<uint32_t>(pid); }
  std::chrono::milliseconds deadlock_timeout() override { return deadlock; }
  partition_api::LockWaitObserver* wait_observer() override { return this; }
  void lock_failed(LockOutcome o, WaitPolicy) override { failures.push_back(o); }
  int32_t pid_of(uint64_t v) override {
    return v >> 62 == 1 ? static_cast<int32_t>(v & 0xffffffffu) : -1;
  }
  uint64_t txn_of(uint64_t) override { return 0; }
  void wait_started(LockKind k, bool) override { waits.push_back(k); }
  void wait_ended() override { ++ended; }

  int32_t pid;
  std::chrono::milliseconds deadlock{1000};
  std::vector<LockOutcome> failures;
  std::vector<LockKind> waits;
  int ended = 0;
};

LockWait nowait() {
  LockWait w;
  w.policy = WaitPolicy::kNoWait;
  return w;
}

// Every test runs twice: weak table locks in the partitions' lock tables (a cluster's
// coordinator), and through the fast path (a single node's: coord FastPathSlot), which must
// behave the same.
class ObjectLocks : public coord::LocalNodeFixture, public ::testing::WithParamInterface<bool> {
 protected:
  ObjectLocks() : LocalNodeFixture("hf_objlocks_") {}
  void SetUp() override {
    LocalNodeFixture::SetUp();
    txns_->set_fast_path_locks(GetParam());
  }
  std::unique_ptr<coord::Transaction> begin(TestSession* s) {
    coord::BeginOptions o;
    o.session = s;
    auto t = txns_->begin(o);
    t->start_statement();
    return t;
  }
  // Runs fn on fibers of one io_context until every fiber returned.
  void run_fibers(std::vector<std::function<void()>> fns) {
    runtime::asio::io_context io;
    auto guard = runtime::asio::make_work_guard(io);
    size_t done = 0;
    for (auto& f : fns) {
      runtime::Fiber::spawn(io, [&, f] {
        f();
        if (++done == fns.size()) guard.reset();
      });
    }
    io.run();
  }
};

TEST_P(ObjectLocks, TableLocksConflictUntilCommit) {
  TestSession s1(1), s2(2);
  auto a = begin(&s1);
  auto b = begin(&s2);
  EXPECT_TRUE(a->lock_table(7, table_mode::kAccessShare, LockWait{}));
  EXPECT_TRUE(b->lock_table(7, table_mode::kRowExclusive, nowait()));  // compatible
  EXPECT_FALSE(b->lock_table(7, table_mode::kAccessExclusive, nowait()));
  EXPECT_EQ(s2.failures, std::vector<LockOutcome>{LockOutcome::kWouldBlock});
  // Cached: the same mode again is granted without asking (and with no conflict anyway).
  EXPECT_TRUE(a->lock_table(7, table_mode::kAccessShare, nowait()));
  int shown = 0;
  for (const auto& e : txns_->lock_view())
    if (e.kind == LockKind::kTable && e.a == 7) ++shown;
  EXPECT_EQ(shown, 2);
  a->commit();
  EXPECT_TRUE(b->lock_table(7, table_mode::kAccessExclusive, nowait()))
      << "only b's own RowExclusive is left, which never blocks b";
}

TEST_P(ObjectLocks, OwnLocksNeverConflictAndCommitReleases) {
  TestSession s1(1), s2(2);
  auto a = begin(&s1);
  EXPECT_TRUE(a->lock_table(7, table_mode::kAccessShare, LockWait{}));
  EXPECT_TRUE(a->lock_table(7, table_mode::kAccessExclusive, nowait()));  // own: upgrade
  auto b = begin(&s2);
  EXPECT_FALSE(b->lock_table(7, table_mode::kAccessShare, nowait()));
  a->commit();
  EXPECT_TRUE(b->lock_table(7, table_mode::kAccessShare, nowait()));
  b->abort();
  EXPECT_TRUE(txns_->lock_view().empty());
}

TEST_P(ObjectLocks, SessionAdvisoryLocksOutliveTransactionsUntilReleased) {
  TestSession s1(1), s2(2);
  auto key = partition_api::advisory_object(42);
  {
    auto a = begin(&s1);
    EXPECT_TRUE(a->lock_advisory(key, false, LockWait{}, /*session_level=*/true));
    // The same backend's transaction-level lock on the key does not conflict with it.
    EXPECT_TRUE(a->lock_advisory(key, false, nowait(), /*session_level=*/false));
    a->commit();
  }
  auto b = begin(&s2);
  EXPECT_FALSE(b->lock_advisory(key, true, nowait(), true)) << "held by session 1";
  auto a2 = begin(&s1);
  EXPECT_FALSE(a2->unlock_advisory(key, /*shared=*/true)) << "not held in share mode";
  EXPECT_TRUE(a2->unlock_advisory(key, false));
  EXPECT_FALSE(a2->unlock_advisory(key, false)) << "one unlock per lock";
  EXPECT_TRUE(b->lock_advisory(key, true, nowait(), true));
  a2->commit();
  b->commit();
  // Session end.
  EXPECT_FALSE(txns_->lock_view().empty());
  txns_->release_owner(s2.lock_group());
  EXPECT_TRUE(txns_->lock_view().empty());
}

TEST_P(ObjectLocks, UnlockAllReleasesOnlySessionLocks) {
  TestSession s1(1), s2(2);
  auto a = begin(&s1);
  a->lock_advisory(partition_api::advisory_object(1), false, LockWait{}, true);
  a->lock_advisory(partition_api::advisory_object(2, 3), false, LockWait{}, true);
  a->lock_advisory(partition_api::advisory_object(4), false, LockWait{}, false);
  a->unlock_all_advisory();
  auto b = begin(&s2);
  EXPECT_TRUE(b->lock_advisory(partition_api::advisory_object(1), false, nowait(), false));
  EXPECT_TRUE(b->lock_advisory(partition_api::advisory_object(2, 3), false, nowait(), false));
  EXPECT_FALSE(b->lock_advisory(partition_api::advisory_object(4), false, nowait(), false));
  a->abort();
  EXPECT_TRUE(b->lock_advisory(partition_api::advisory_object(4), false, nowait(), false));
}

TEST_P(ObjectLocks, RollbackToReleasesLaterTableLocksAndForgetsThemInTheCache) {
  TestSession s1(1), s2(2);
  auto a = begin(&s1);
  a->lock_table(7, table_mode::kAccessShare, LockWait{});
  auto sp = a->begin_subtransaction();
  a->lock_table(8, table_mode::kAccessExclusive, LockWait{});
  a->lock_advisory(partition_api::advisory_object(5), false, LockWait{}, false);
  a->rollback_to(sp);
  auto b = begin(&s2);
  EXPECT_TRUE(b->lock_table(8, table_mode::kAccessExclusive, nowait()));
  EXPECT_TRUE(b->lock_advisory(partition_api::advisory_object(5), false, nowait(), false));
  EXPECT_FALSE(b->lock_table(7, table_mode::kAccessExclusive, nowait())) << "kept";
  b->abort();
  // Taken again after the rollback: the cache must not claim it is still held.
  EXPECT_TRUE(a->lock_table(8, table_mode::kAccessExclusive, LockWait{}));
  auto c = begin(&s2);
  EXPECT_FALSE(c->lock_table(8, table_mode::kAccessShare, nowait()));
}

TEST_P(ObjectLocks, BlockersAndWaitNoticesAcrossKindsAndPartitions) {
  TestSession s1(1), s2(2);
  std::vector<partition_api::Blocker> seen;
  std::vector<partition_api::LockEntry> view;
  uint64_t a_id = 0, b_id = 0;
  bool b_done = false;
  run_fibers({[&] {
                auto a = begin(&s1);
                a_id = a->id();
                a->lock_table(7, table_mode::kAccessExclusive, LockWait{});
                a->lock(partition_api::KeySpace{1001, 0}, "r", "r",
                        partition_api::LockStrength::kUpdate, LockWait{}, std::nullopt);
                while (s2.waits.empty())
                  runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(1));
                seen = txns_->blockers({b_id, s2.lock_group()});
                view = txns_->lock_view();
                a->commit();
              },
              [&] {
                auto b = begin(&s2);
                b_id = b->id();
                EXPECT_TRUE(b->lock_table(7, table_mode::kAccessShare, LockWait{}));
                b_done = true;
                b->commit();
              }});
  EXPECT_TRUE(b_done);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].owner, a_id);
  EXPECT_EQ(seen[0].group, s1.lock_group());
  EXPECT_EQ(s2.waits, std::vector<LockKind>{LockKind::kTable});
  EXPECT_EQ(s2.ended, 1);
  bool row = false, waiting = false;
  for (const auto& e : view) {
    if (e.kind == LockKind::kRow && e.owner == a_id && e.granted) row = true;
    if (e.kind == LockKind::kTable && e.owner == b_id && !e.granted && e.first_waiter)
      waiting = true;
  }
  EXPECT_TRUE(row);
  EXPECT_TRUE(waiting);
}

TEST_P(ObjectLocks, DeadlockAcrossTableAndAdvisoryLockNamesBothWaits) {
  TestSession s1(101), s2(102);
  s1.deadlock = std::chrono::milliseconds(10000);
  s2.deadlock = std::chrono::milliseconds(20);
  std::string state, detail, hint;
  bool a_got = false;
  auto key = partition_api::advisory_object(77);
  run_fibers({[&] {
                auto a = begin(&s1);
                a->lock_table(7, table_mode::kAccessExclusive, LockWait{});
                while (s2.lock_group() == 0 || txns_->lock_view().size() < 2)
                  runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(1));
                a_got = a->lock_advisory(key, false, LockWait{}, false);  // waits for b
                a->commit();
              },
              [&] {
                auto b = begin(&s2);
                b->lock_advisory(key, false, LockWait{}, false);
                while (s1.waits.empty())
                  runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(1));
                try {
                  b->lock_table(7, table_mode::kAccessShare, LockWait{});
                } catch (const SqlError& e) {
                  state = e.error().sqlstate;
                  detail = e.error().detail;
                  hint = e.error().hint;
                }
                b->abort();
              }});
  EXPECT_EQ(state, "40P01");
  EXPECT_TRUE(a_got) << "the survivor goes on";
  EXPECT_EQ(detail,
            "Process 102 waits for AccessShareLock on relation 7 of database 5; blocked by "
            "process 101.\n"
            "Process 101 waits for ExclusiveLock on advisory lock [5,0,77,1]; blocked by "
            "process 102.");
  EXPECT_EQ(hint, "See server log for query details.");
  EXPECT_EQ(s2.failures, std::vector<LockOutcome>{LockOutcome::kDeadlock});
}

// ---- the fast path itself (coord FastPathSlot) ----

int fast_path_entries(coord::LocalTxnManager& m, uint32_t table) {
  int n = 0;
  for (const auto& e : m.lock_view())
    if (e.kind == LockKind::kTable && e.a == table && e.fastpath) ++n;
  return n;
}

TEST_P(ObjectLocks, WeakLocksStayInTheTransactionUntilAStrongLockerMovesThem) {
  if (!GetParam()) GTEST_SKIP() << "fast path off";
  TestSession s1(1), s2(2), s3(3);
  auto a = begin(&s1);
  EXPECT_TRUE(a->lock_table(7, table_mode::kAccessShare, LockWait{}));
  EXPECT_TRUE(a->lock_table(7, table_mode::kRowExclusive, LockWait{}));
  EXPECT_EQ(fast_path_entries(*txns_, 7), 2);
  EXPECT_TRUE(node_->partitions()[0]->lock_view().empty());
  auto b = begin(&s2);
  EXPECT_FALSE(b->lock_table(7, table_mode::kShare, nowait())) << "conflicts with a's locks";
  EXPECT_EQ(fast_path_entries(*txns_, 7), 0) << "moved into the lock table";
  size_t held = 0;
  for (const auto& e : txns_->lock_view())
    if (e.kind == LockKind::kTable && e.a == 7 && e.owner == a->id() && e.granted) ++held;
  EXPECT_EQ(held, 2u);
  // b's raised count keeps new weak locks on 7 out of the fast path until b ends.
  auto c = begin(&s3);
  EXPECT_TRUE(c->lock_table(7, table_mode::kAccessShare, nowait()));
  EXPECT_EQ(fast_path_entries(*txns_, 7), 0);
  c->commit();
  a->commit();
  EXPECT_TRUE(b->lock_table(7, table_mode::kShare, nowait())) << "a's moved locks released";
  auto d = begin(&s3);
  EXPECT_FALSE(d->lock_table(7, table_mode::kRowExclusive, nowait()));
  d->abort();
  b->commit();
  auto e = begin(&s3);
  EXPECT_TRUE(e->lock_table(7, table_mode::kRowExclusive, nowait()));
  EXPECT_EQ(fast_path_entries(*txns_, 7), 1) << "the count went down at b's end";
  e->commit();
  EXPECT_TRUE(txns_->lock_view().empty());
}

TEST_P(ObjectLocks, AStrongLockerWaitsForMovedLocksUntilTheirOwnerEnds) {
  if (!GetParam()) GTEST_SKIP() << "fast path off";
  TestSession s1(1), s2(2);
  bool a_ended = false, b_got = false;
  run_fibers({[&] {
                auto a = begin(&s1);
                a->lock_table(7, table_mode::kRowExclusive, LockWait{});
                while (s2.waits.empty())
                  runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(1));
                a_ended = true;
                a->commit();  // releases the moved lock in a partition a never called
              },
              [&] {
                while (fast_path_entries(*txns_, 7) == 0)
                  runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(1));
                auto b = begin(&s2);
                b_got = b->lock_table(7, table_mode::kAccessExclusive, LockWait{});
                EXPECT_TRUE(a_ended);
                b->commit();
              }});
  EXPECT_TRUE(b_got);
  EXPECT_EQ(s2.waits, std::vector<LockKind>{LockKind::kTable});
}

TEST_P(ObjectLocks, FastPathLocksOfARolledBackSubtransactionAreReleased) {
  if (!GetParam()) GTEST_SKIP() << "fast path off";
  TestSession s1(1), s2(2);
  auto a = begin(&s1);
  a->lock_table(7, table_mode::kAccessShare, LockWait{});
  auto sp = a->begin_subtransaction();
  a->lock_table(8, table_mode::kRowExclusive, LockWait{});
  EXPECT_EQ(fast_path_entries(*txns_, 8), 1);
  a->rollback_to(sp);
  EXPECT_EQ(fast_path_entries(*txns_, 8), 0);
  EXPECT_EQ(fast_path_entries(*txns_, 7), 1);
  auto b = begin(&s2);
  EXPECT_TRUE(b->lock_table(8, table_mode::kAccessExclusive, nowait()));
  EXPECT_FALSE(b->lock_table(7, table_mode::kAccessExclusive, nowait()));
  b->abort();
  a->commit();
}

TEST_P(ObjectLocks, AtMostSixteenTablesPerTransactionTakeTheFastPath) {
  if (!GetParam()) GTEST_SKIP() << "fast path off";
  TestSession s1(1);
  auto a = begin(&s1);
  for (uint32_t t = 100; t < 120; ++t) a->lock_table(t, table_mode::kAccessShare, LockWait{});
  a->lock_table(100, table_mode::kRowExclusive, LockWait{});  // a table it has: a slot it has
  int fast = 0, slow = 0;
  for (const auto& e : txns_->lock_view()) (e.fastpath ? fast : slow) += 1;
  EXPECT_EQ(fast, 17);
  EXPECT_EQ(slow, 4);
  a->commit();
  EXPECT_TRUE(txns_->lock_view().empty());
}

TEST_P(ObjectLocks, DeadlockThroughMovedFastPathLocks) {
  // Each holds a weak lock on one table and asks for ACCESS EXCLUSIVE on the other's: both
  // weak locks were taken through the fast path (when on), and the detector still finds the
  // cycle once the strong lockers moved them into the lock tables.
  TestSession s1(201), s2(202);
  s1.deadlock = std::chrono::milliseconds(10000);
  s2.deadlock = std::chrono::milliseconds(20);
  std::string state, detail;
  bool a_got = false, b_ready = false;
  run_fibers({[&] {
                auto a = begin(&s1);
                a->lock_table(7, table_mode::kAccessShare, LockWait{});
                while (!b_ready)
                  runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(1));
                a_got = a->lock_table(8, table_mode::kAccessExclusive, LockWait{});  // waits
                a->commit();
              },
              [&] {
                auto b = begin(&s2);
                b->lock_table(8, table_mode::kAccessShare, LockWait{});
                b_ready = true;
                while (s1.waits.empty())
                  runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(1));
                try {
                  b->lock_table(7, table_mode::kAccessExclusive, LockWait{});
                } catch (const SqlError& e) {
                  state = e.error().sqlstate;
                  detail = e.error().detail;
                }
                b->abort();
              }});
  EXPECT_EQ(state, "40P01");
  EXPECT_TRUE(a_got) << "the survivor goes on";
  EXPECT_EQ(detail,
            "Process 202 waits for AccessExclusiveLock on relation 7 of database 5; blocked by "
            "process 201.\n"
            "Process 201 waits for AccessExclusiveLock on relation 8 of database 5; blocked by "
            "process 202.");
}

INSTANTIATE_TEST_SUITE_P(LockTablesAndFastPath, ObjectLocks, ::testing::Bool());

}  // namespace
}  // namespace hf
