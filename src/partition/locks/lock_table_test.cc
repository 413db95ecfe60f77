// partition/locks/lock_table_test.cc — the conflict tables, names and tags, checked against
// PostgreSQL's documentation tables (explicit-locking.html, tables 13.2 and 13.3).
#include "partition/locks/lock_table.h"

#include <gtest/gtest.h>

namespace hf::locks {
namespace {

// PostgreSQL docs, "Conflicting Row-Level Locks": X = conflict. Rows: requested; columns:
// current holder, both in order KeyShare, Share, NoKeyUpdate, Update.
constexpr const char* kRowDoc[4] = {
    "...X",  // FOR KEY SHARE
    "..XX",  // FOR SHARE
    ".XXX",  // FOR NO KEY UPDATE
    "XXXX",  // FOR UPDATE
};

// PostgreSQL docs, "Conflicting Lock Modes", modes 1..8 in order.
constexpr const char* kTableDoc[8] = {
    ".......X",  // ACCESS SHARE
    "......XX",  // ROW SHARE
    "....XXXX",  // ROW EXCLUSIVE
    "...XXXXX",  // SHARE UPDATE EXCLUSIVE
    "..XX.XXX",  // SHARE
    "..XXXXXX",  // SHARE ROW EXCLUSIVE
    ".XXXXXXX",  // EXCLUSIVE
    "XXXXXXXX",  // ACCESS EXCLUSIVE
};

TEST(Conflicts, RowMatchesPostgres) {
  for (Mode req = 0; req < 4; ++req)
    for (Mode held = 0; held < 4; ++held)
      EXPECT_EQ(conflicts(LockKind::kRow, held, req), kRowDoc[req][held] == 'X')
          << int(req) << " vs " << int(held);
}

TEST(Conflicts, TableModesMatchPostgres) {
  for (LockKind k : {LockKind::kTable, LockKind::kAdvisory, LockKind::kTransaction})
    for (Mode req = 1; req <= 8; ++req)
      for (Mode held = 1; held <= 8; ++held)
        EXPECT_EQ(conflicts(k, held, req), kTableDoc[req - 1][held - 1] == 'X')
            << int(req) << " vs " << int(held);
}

TEST(Conflicts, InvalidModesConflictWithEverything) {
  EXPECT_TRUE(conflicts(LockKind::kRow, 0, 4));
  EXPECT_TRUE(conflicts(LockKind::kTable, 0, 1));
  EXPECT_FALSE(valid_mode(LockKind::kTable, 0));
  EXPECT_FALSE(valid_mode(LockKind::kTable, 9));
}

TEST(Conflicts, Strength) {
  EXPECT_TRUE(at_least_as_strong(LockKind::kRow, row_mode::kUpdate, row_mode::kKeyShare));
  EXPECT_TRUE(at_least_as_strong(LockKind::kRow, row_mode::kNoKeyUpdate, row_mode::kShare));
  EXPECT_FALSE(at_least_as_strong(LockKind::kRow, row_mode::kShare, row_mode::kNoKeyUpdate));
  EXPECT_FALSE(at_least_as_strong(LockKind::kTable, table_mode::kShare, table_mode::kRowExclusive));
  EXPECT_TRUE(
      at_least_as_strong(LockKind::kTable, table_mode::kAccessExclusive, table_mode::kShare));
}

TEST(Names, PgLocks) {
  EXPECT_STREQ(mode_name(LockKind::kTable, 1), "AccessShareLock");
  EXPECT_STREQ(mode_name(LockKind::kTable, 4), "ShareUpdateExclusiveLock");
  EXPECT_STREQ(mode_name(LockKind::kAdvisory, 7), "ExclusiveLock");
  EXPECT_STREQ(mode_name(LockKind::kAdvisory, 5), "ShareLock");
  EXPECT_STREQ(mode_name(LockKind::kRow, row_mode::kUpdate), "AccessExclusiveLock");
  EXPECT_STREQ(mode_name(LockKind::kRow, row_mode::kNoKeyUpdate), "ExclusiveLock");
  EXPECT_STREQ(mode_name(LockKind::kRow, row_mode::kShare), "RowShareLock");
  EXPECT_STREQ(mode_name(LockKind::kRow, row_mode::kKeyShare), "AccessShareLock");
  EXPECT_STREQ(row_strength_name(row_mode::kNoKeyUpdate), "For No Key Update");
}

TEST(Tags, ShapesAndPrinting) {
  EXPECT_EQ(to_string(advisory_tag(int64_t{42})), "advisory:42");
  EXPECT_EQ(to_string(advisory_tag(int64_t{-1})), "advisory:-1");
  EXPECT_EQ(to_string(advisory_tag(1, -2)), "advisory:1,-2");
  EXPECT_FALSE(advisory_tag(int64_t{42}) == advisory_tag(0, 42));  // objsubid differs
  EXPECT_EQ(advisory_tag(0, 42).key, advisory_tag(int64_t{42}).key);
  EXPECT_EQ(to_string(transaction_tag(7)), "txn:7");
  EXPECT_EQ(to_string(table_tag(5)), "table:5");
  EXPECT_EQ(to_string(row_tag(1, 0, "k1")), "row:1/0/k1");
  EXPECT_EQ(to_string(row_tag(1, 2, std::string("\x00\x01", 2))), "row:1/2/x0001");
  LockTagHash h;
  EXPECT_EQ(h(row_tag(1, 0, "k")), h(row_tag(1, 0, "k")));
}

// On a plain thread a request that needs no wait never suspends.
TEST(LockTable, PlainThreadUncontended) {
  LockTable t;
  AcquireRequest r;
  r.tag = row_tag(1, 0, "k");
  r.mode = row_mode::kUpdate;
  r.owner = 1;
  EXPECT_EQ(t.acquire(r), AcquireResult::kGranted);
  EXPECT_TRUE(t.holds(r.tag, 1, row_mode::kShare));
  r.owner = 2;
  r.policy = WaitPolicy::kNoWait;
  EXPECT_EQ(t.acquire(r), AcquireResult::kWouldBlock);
  auto d = t.dump();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].granted);
  EXPECT_EQ(d[0].owner, 1u);
  EXPECT_TRUE(t.release(r.tag, 1, row_mode::kUpdate));
  EXPECT_FALSE(t.release(r.tag, 1, row_mode::kUpdate));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.check_invariants(), "");
}

TEST(LockTable, InvalidModeThrows) {
  LockTable t;
  AcquireRequest r;
  r.tag = table_tag(1);
  r.mode = 0;
  EXPECT_THROW(t.acquire(r), std::invalid_argument);
}

}  // namespace
}  // namespace hf::locks
