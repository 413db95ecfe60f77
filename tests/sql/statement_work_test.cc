// tests/sql/statement_work_test.cc — the work a statement does, counted in partition calls
// (partition_api::CountingPartition) over a real local node: what a prepared statement costs
// each time it runs (issue 8, "less CPU per statement"), and that the shortcuts taken keep
// the results PostgreSQL gives.
#include <gtest/gtest.h>

#include "sql/sql_test_util.h"

namespace hf::sql::testing {
namespace {

struct Calls {
  uint64_t gets = 0, latests = 0;
};

Calls calls(SqlHarness& h) {
  Calls c;
  for (auto& p : h.counters()) c.gets += p->gets, c.latests += p->latests;
  return c;
}

void reset(SqlHarness& h) {
  for (auto& p : h.counters()) p->reset();
}

// Runs the prepared statement once in the session's open transaction; returns its tag.
std::string run(SqlHarness& h, const std::shared_ptr<PreparedStatement>& p,
                std::vector<Datum> params) {
  auto cur = h.engine().execute(p, std::move(params), h.session());
  struct Drop : RowSink {
    void row(const Row&) override {}
  } sink;
  while (!cur->fetch(0, sink)) {
  }
  return cur->tag();
}

// The uniqueness check of an INSERT of a key nobody ever committed reads the key once (its
// newest state), not a second time at the statement's snapshot: the snapshot cannot see a
// version that was never committed.
TEST(StatementWork, InsertOfANewKeyReadsItOnce) {
  SqlHarness h("/tmp/hf-stmtwork-insert", /*counting=*/true);
  h.exec("CREATE TABLE kv (k int PRIMARY KEY, v text)");
  h.exec("INSERT INTO kv VALUES (1, 'one')");
  auto raw = h.engine().parse("INSERT INTO kv VALUES ($1, $2)");
  h.session().txn = h.txns().begin({});
  auto p = h.engine().prepare(raw.at(0), {}, h.session());
  reset(h);
  constexpr int kRuns = 10;
  for (int i = 0; i < kRuns; ++i) EXPECT_EQ(run(h, p, {Datum(100 + i), Datum("x")}), "INSERT 0 1");
  const Calls c = calls(h);
  EXPECT_EQ(c.gets, 0u) << "no snapshot read of a key never committed";
  EXPECT_EQ(c.latests, static_cast<uint64_t>(kRuns)) << "one newest-state read per insert";

  // A committed key is still found (23505), and so is this transaction's own insert.
  EXPECT_THROW(run(h, p, {Datum(1), Datum("again")}), SqlError);
  h.session().txn->abort();
  h.session().txn = h.txns().begin({});
  run(h, p, {Datum(7), Datum("mine")});
  try {
    run(h, p, {Datum(7), Datum("twice")});
    ADD_FAILURE() << "a second insert of the transaction's own key succeeded";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, sqlstate::kUniqueViolation);
  }
  h.session().txn->abort();
  h.session().txn.reset();
  EXPECT_EQ(h.exec("SELECT count(*) FROM kv").rows.at(0).at(0), "1");
}

// ON CONFLICT DO NOTHING over a key deleted and committed: free again, the row goes in; over
// a live committed key: skipped. (The shortcut must not take a deleted key for a new one, nor
// the other way round.)
TEST(StatementWork, OnConflictSeesCommittedAndDeletedKeys) {
  SqlHarness h("/tmp/hf-stmtwork-conflict", /*counting=*/true);
  h.exec("CREATE TABLE kv (k int PRIMARY KEY, v text)");
  h.exec("INSERT INTO kv VALUES (1, 'one'), (2, 'two')");
  h.exec("DELETE FROM kv WHERE k = 2");
  EXPECT_EQ(h.exec("INSERT INTO kv VALUES (1, 'x') ON CONFLICT DO NOTHING").tag, "INSERT 0 0");
  EXPECT_EQ(h.exec("INSERT INTO kv VALUES (2, 'y') ON CONFLICT DO NOTHING").tag, "INSERT 0 1");
  EXPECT_EQ(h.exec("INSERT INTO kv VALUES (3, 'z') ON CONFLICT DO NOTHING").tag, "INSERT 0 1");
  auto r = h.exec("SELECT k, v FROM kv ORDER BY k");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0][1], "one");
  EXPECT_EQ(r.rows[1][1], "y");
  EXPECT_EQ(r.rows[2][1], "z");
}

}  // namespace
}  // namespace hf::sql::testing
