// partition/siread_locks_test.cc — SIREAD lock granularity, promotion and release.
#include "partition/siread_locks.h"

#include <gtest/gtest.h>

namespace hf::partition {
namespace {

using partition_api::KeySpace;
using partition_api::TxnId;
using V = std::vector<TxnId>;

const KeySpace kA{1, 0}, kIdx{1, 2}, kB{2, 0};

TEST(SireadLocks, KeyLockCoversOnlyItsKey) {
  SireadLocks l;
  l.lock_key(7, kA, "k");
  EXPECT_EQ(l.holders(kA, "k", 0), V{7});
  EXPECT_EQ(l.holders(kA, "j", 0), V{});
  EXPECT_EQ(l.holders(kIdx, "k", 0), V{});  // another keyspace
  EXPECT_EQ(l.holders(kA, "k", 7), V{});    // the writer itself is not a conflict
}

TEST(SireadLocks, RangeIsHalfOpenAndWholeKeyspaceCoversAll) {
  SireadLocks l;
  l.lock_range(1, kA, "b", "d");
  l.lock_range(2, kA, "c", "");  // unbounded above
  l.lock_range(3, kB, "", "");   // whole keyspace
  EXPECT_EQ(l.holders(kA, "a", 0), V{});
  EXPECT_EQ(l.holders(kA, "b", 0), V{1});
  EXPECT_EQ(l.holders(kA, "c", 0), (V{1, 2}));
  EXPECT_EQ(l.holders(kA, "d", 0), V{2});
  EXPECT_EQ(l.holders(kB, "anything", 0), V{3});
}

TEST(SireadLocks, ManyLocksPromoteToTheKeyspace) {
  SireadLocks l;
  for (size_t i = 0; i <= SireadLocks::kMaxLocksPerSpace; ++i) {
    l.lock_key(5, kA, "k" + std::to_string(i));
  }
  EXPECT_EQ(l.lock_count(), 1u);                    // one whole-keyspace lock
  EXPECT_EQ(l.holders(kA, "never-read", 0), V{5});  // coarser: covers every key
  l.lock_key(5, kA, "more");                        // covered: nothing added
  EXPECT_EQ(l.lock_count(), 1u);
}

// A key lock is on the version the reader saw: replacing a newer one is not its conflict.
TEST(SireadLocks, KeyLockOnAnOverwrittenVersionDoesNotCount) {
  SireadLocks l;
  l.lock_key(1, kA, "k", /*read_ts=*/10);
  l.lock_key(2, kA, "k", /*read_ts=*/20);
  l.lock_range(3, kA, "a", "z");  // a range counts whatever the version
  EXPECT_EQ(l.holders(kA, "k", 0, /*overwritten_ts=*/15), (V{2, 3}));
  EXPECT_EQ(l.holders(kA, "k", 0, /*overwritten_ts=*/5), (V{1, 2, 3}));
  EXPECT_EQ(l.holders(kA, "k", 0, /*insert*/ 0), (V{1, 2, 3}));
}

TEST(SireadLocks, ReleaseDropsEverything) {
  SireadLocks l;
  l.lock_key(1, kA, "k");
  l.lock_range(1, kA, "a", "z");
  l.lock_range(1, kB, "", "");
  l.lock_key(2, kA, "k");
  l.release(1);
  EXPECT_EQ(l.holders(kA, "k", 0), V{2});
  EXPECT_EQ(l.holders(kB, "x", 0), V{});
  l.release(2);
  EXPECT_EQ(l.lock_count(), 0u);
}

}  // namespace
}  // namespace hf::partition
