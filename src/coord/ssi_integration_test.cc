// coord/ssi_integration_test.cc — SERIALIZABLE over real LocalPartitions: write skew fails
// with 40001, the same interleaving under REPEATABLE READ commits both, read-only snapshots
// with no concurrent writer are not tracked, and the graph forgets finished transactions.
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "coord/local_node_fixture_for_tests.h"

namespace hf {
namespace {

using coord::BeginOptions;
using coord::Isolation;
using coord::LockWait;
using partition_api::KeySpace;
using partition_api::LockStrength;

const KeySpace kT{2001, 0};

class SsiTest : public coord::LocalNodeFixture {
 protected:
  SsiTest() : LocalNodeFixture("hf_ssi_") {}
  std::unique_ptr<coord::Transaction> begin(Isolation iso, bool read_only = false) {
    BeginOptions o;
    o.isolation = iso;
    o.read_only = read_only;
    auto t = txns_->begin(o);
    t->start_statement();
    return t;
  }
  static void put(coord::Transaction& t, const std::string& key, const std::string& value) {
    t.lock(kT, key, key, LockStrength::kNoKeyUpdate, LockWait{}, std::nullopt);
    t.write(kT, key, key, value);
  }
  // Reads every row (an unbounded scan: the whole keyspace's SIREAD lock).
  static int count(coord::Transaction& t) {
    auto c = t.scan(kT, "", "");
    int n = 0;
    while (c->next()) ++n;
    return n;
  }
  void seed() {
    auto t = begin(Isolation::kReadCommitted);
    put(*t, "a", "1");
    put(*t, "b", "1");
    t->commit();
  }
  static std::string sqlstate_of(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const SqlError& e) {
      return e.error().sqlstate;
    }
    return "";
  }
};

// Each reads both rows and writes one of them: no serial order explains both commits.
TEST_F(SsiTest, WriteSkewFailsSecondCommitter) {
  seed();
  auto t1 = begin(Isolation::kSerializable);
  auto t2 = begin(Isolation::kSerializable);
  EXPECT_EQ(count(*t1), 2);
  EXPECT_EQ(count(*t2), 2);
  put(*t1, "a", "0");
  put(*t2, "b", "0");
  t1->commit();
  EXPECT_EQ(sqlstate_of([&] { t2->commit(); }), "40001");
  EXPECT_EQ(txns_->ssi_tracked(), 0u);  // nothing concurrent is left: all forgotten
}

TEST_F(SsiTest, WriteSkewCommitsUnderRepeatableRead) {
  seed();
  auto t1 = begin(Isolation::kRepeatableRead);
  auto t2 = begin(Isolation::kRepeatableRead);
  EXPECT_EQ(count(*t1), 2);
  EXPECT_EQ(count(*t2), 2);
  put(*t1, "a", "0");
  put(*t2, "b", "0");
  t1->commit();
  EXPECT_NO_THROW(t2->commit());
}

// Serial execution (the second starts after the first committed) never fails.
TEST_F(SsiTest, SerialTransactionsCommit) {
  seed();
  auto t1 = begin(Isolation::kSerializable);
  EXPECT_EQ(count(*t1), 2);
  put(*t1, "a", "0");
  t1->commit();
  auto t2 = begin(Isolation::kSerializable);
  EXPECT_EQ(count(*t2), 2);
  put(*t2, "b", "0");
  EXPECT_NO_THROW(t2->commit());
}

// The writer that read nothing the other wrote is not a pivot: both commit.
TEST_F(SsiTest, DisjointPointReadsCommit) {
  seed();
  auto t1 = begin(Isolation::kSerializable);
  auto t2 = begin(Isolation::kSerializable);
  EXPECT_TRUE(t1->get(kT, "a", "a"));
  EXPECT_TRUE(t2->get(kT, "b", "b"));
  put(*t1, "a", "0");
  put(*t2, "b", "0");
  t1->commit();
  EXPECT_NO_THROW(t2->commit());
}

// An insert into a range another serializable transaction scanned is a rw-conflict; with
// the reverse edge (the inserter scanned what the other writes) the second commit fails.
TEST_F(SsiTest, PhantomInsertIntoScannedRange) {
  seed();
  auto t1 = begin(Isolation::kSerializable);
  auto t2 = begin(Isolation::kSerializable);
  auto c1 = t1->scan(kT, "a", "c");
  while (c1->next()) {
  }
  auto c2 = t2->scan(kT, "a", "c");
  while (c2->next()) {
  }
  put(*t1, "b2", "new");  // into t2's scanned range
  put(*t2, "a2", "new");  // into t1's scanned range
  t2->commit();
  EXPECT_EQ(sqlstate_of([&] { t1->commit(); }), "40001");
}

// A read-only transaction with no concurrent read-write serializable one opts out.
TEST_F(SsiTest, SafeReadOnlySnapshotIsNotTracked) {
  seed();
  auto r = begin(Isolation::kSerializable, /*read_only=*/true);
  EXPECT_EQ(count(*r), 2);
  EXPECT_EQ(txns_->ssi_tracked(), 0u);
  r->commit();
}

TEST_F(SsiTest, AbortForgetsTheTransaction) {
  seed();
  auto t1 = begin(Isolation::kSerializable);
  EXPECT_EQ(count(*t1), 2);
  EXPECT_EQ(txns_->ssi_tracked(), 1u);
  t1->abort();
  EXPECT_EQ(txns_->ssi_tracked(), 0u);
}

}  // namespace
}  // namespace hf
