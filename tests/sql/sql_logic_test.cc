// sql/sql_logic_test.cc — runs tests/sql/*.test through the in-process harness, and a few
// end-to-end checks (restart persistence, errors with PostgreSQL's texts, parameters).
//
// Lives in tests/sql/ because it needs the partition layer at link time (hf_partition), which
// the sql layer itself must not link.
#include <gtest/gtest.h>

#include "runtime/fiber.h"
#include "sql/exec/external_sort.h"
#include "sql/sql_test_util.h"
#include "storage/engine.h"
#include "storage/keys.h"

namespace hf::sql::testing {
namespace {

std::string tests_dir() {
  std::string f = __FILE__;
  return f.substr(0, f.rfind("/"));
}

TEST(SqlLogic, Files) {
  for (const auto& entry : std::filesystem::directory_iterator(tests_dir())) {
    if (entry.path().extension() != ".test") continue;
    SqlHarness h("/tmp/hf-sql-logic-" + entry.path().stem().string());
    auto failures = run_logic_file(h, entry.path().string());
    for (const auto& f : failures) ADD_FAILURE() << f;
  }
}

TEST(SqlEngine, CatalogSurvivesRestart) {
  SqlHarness h("/tmp/hf-sql-restart");
  h.exec("CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)");
  h.exec("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
  h.restart();
  auto r = h.exec("SELECT id, v FROM t ORDER BY id");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[1][1], "b");
}

// User-defined functions are catalog rows: they survive a restart (issue 13).
TEST(SqlEngine, FunctionsSurviveRestart) {
  SqlHarness h("/tmp/hf-sql-functions-restart");
  h.exec("CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql AS 'SELECT x * 2'");
  h.exec("CREATE FUNCTION gone() RETURNS int LANGUAGE sql AS 'SELECT 1'");
  h.exec("DROP FUNCTION gone");
  h.restart();
  EXPECT_EQ(h.exec("SELECT twice(21)").rows.at(0).at(0), "42");
  EXPECT_EQ(h.exec("SELECT count(*) FROM pg_proc WHERE proname = 'gone'").rows.at(0).at(0), "0");
}

// A dropped table's rows stay in storage; after a restart a new table must not get its storage
// id (or oid) again and see them (found by the issue-13 helper: "corrupt stored row").
TEST(SqlEngine, DroppedTablesIdsAreNotReusedAfterRestart) {
  SqlHarness h("/tmp/hf-sql-reuse");
  h.exec("CREATE TABLE test_t (id integer, val1 text, val2 integer)");
  h.exec("CREATE INDEX test_idx ON test_t(id)");
  h.exec("INSERT INTO test_t SELECT 1, 'a', 2");
  h.exec("DROP TABLE test_t");
  h.restart();
  h.exec("CREATE TABLE test_t (id bigint PRIMARY KEY, val1 int)");
  h.exec("CREATE INDEX test_idx ON test_t(val1)");
  EXPECT_EQ(h.exec("SELECT count(*) FROM test_t").rows.at(0).at(0), "0");
  h.exec("INSERT INTO test_t VALUES (7, 8)");
  auto r = h.exec("SELECT id, val1 FROM test_t");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0], "7");
}

// Temporary tables (catalog.h): a session finds its own before a permanent table of the same
// name, never another session's; each session may have its own of one name; a restart drops
// them all (a crash must not bring them back).
TEST(SqlEngine, TemporaryTablesArePrivateAndDoNotSurviveRestart) {
  SqlHarness h("/tmp/hf-sql-temp");
  auto ids = [&](const std::string& sql) {
    std::string out;
    for (const auto& row : h.exec(sql).rows) out += row.at(0) + ";";
    return out;
  };
  h.exec("CREATE TABLE person (id int PRIMARY KEY, v text)");
  h.exec("INSERT INTO person VALUES (1, 'permanent')");
  h.session().temp_ns = h.catalog().new_temp_namespace();
  const uint64_t first = h.session().temp_ns;
  h.exec("CREATE TEMP TABLE person (id int PRIMARY KEY, w text)");
  h.exec("INSERT INTO person VALUES (2, 'first')");
  EXPECT_EQ(ids("SELECT id FROM person"), "2;");
  EXPECT_EQ(ids("SELECT id FROM public.person"), "1;");
  h.session().temp_ns = h.catalog().new_temp_namespace();
  EXPECT_NE(h.session().temp_ns, first);
  EXPECT_EQ(ids("SELECT id FROM person"), "1;") << "another session's temporary table";
  h.exec("CREATE TEMP TABLE person (id int PRIMARY KEY)");
  h.exec("INSERT INTO person VALUES (3)");
  EXPECT_EQ(ids("SELECT id FROM person"), "3;");
  h.session().temp_ns = 0;
  EXPECT_EQ(ids("SELECT id FROM person"), "1;");
  EXPECT_EQ(h.catalog().temp_tables(first).size(), 1u);
  h.restart();
  EXPECT_TRUE(h.catalog().temp_tables(first).empty());
  h.session().temp_ns = first;
  EXPECT_EQ(ids("SELECT id FROM person"), "1;");
  EXPECT_EQ(h.catalog().tables().size(), 1u);
}

TEST(SqlEngine, UniqueViolationMessage) {
  SqlHarness h("/tmp/hf-sql-unique");
  h.exec("CREATE TABLE t (id int PRIMARY KEY)");
  h.exec("INSERT INTO t VALUES (1)");
  try {
    h.exec("INSERT INTO t VALUES (1)");
    FAIL();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "23505");
    EXPECT_EQ(e.error().message, "duplicate key value violates unique constraint \"t_pkey\"");
    EXPECT_EQ(e.error().detail, "Key (id)=(1) already exists.");
  }
}

TEST(SqlEngine, SyntaxErrorPosition) {
  SqlHarness h("/tmp/hf-sql-syntax");
  try {
    h.exec("SELECT 1; SELEC 2");
    FAIL();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "42601");
    EXPECT_EQ(e.error().message, "syntax error at or near \"SELEC\"");
    EXPECT_EQ(e.error().position, 11);
  }
}

TEST(SqlEngine, ParametersAndPointLookup) {
  SqlHarness h("/tmp/hf-sql-params");
  h.exec("CREATE TABLE acc (aid int PRIMARY KEY, abalance int)");
  h.exec("INSERT INTO acc SELECT g, 0 FROM generate_series(1, 100) g");
  auto raw = h.engine().parse("UPDATE acc SET abalance = abalance + $1 WHERE aid = $2");
  auto& s = h.session();
  s.txn = h.txns().begin({});
  auto p = h.engine().prepare(raw[0], {}, s);
  ASSERT_EQ(p->param_types().size(), 2u);
  EXPECT_EQ(p->param_types()[0], type_oid::kInt4);
  EXPECT_EQ(p->param_types()[1], type_oid::kInt4);
  struct Null : RowSink {
    void row(const Row&) override {}
  } sink;
  for (int i = 0; i < 3; ++i) {  // a prepared statement runs many times without re-binding
    if (!s.txn) s.txn = h.txns().begin({});
    auto c = h.engine().execute(p, {Datum(5), Datum(7)}, s);
    c->fetch(0, sink);
    EXPECT_EQ(c->tag(), "UPDATE 1");
    s.txn->commit();
    s.txn.reset();
  }
  auto r = h.exec("SELECT abalance FROM acc WHERE aid = 7");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0], "15");
  auto e = h.exec("EXPLAIN SELECT abalance FROM acc WHERE aid = 7");
  EXPECT_EQ(e.rows[0][0], "Index Scan using acc_pkey on acc");
}

TEST(SqlEngine, CopyFromStdin) {
  SqlHarness h("/tmp/hf-sql-copy");
  h.exec("CREATE TABLE c (a int, b text)");
  h.session().copy_chunks = {"1\tone\n2\t\\N\n", "3\tthree\n"};
  h.session().copy_pos = 0;
  auto r = h.exec("COPY c FROM STDIN");
  EXPECT_EQ(r.tag, "COPY 3");
  auto q = h.exec("SELECT a, b FROM c ORDER BY a");
  ASSERT_EQ(q.rows.size(), 3u);
  EXPECT_EQ(q.rows[1][1], "NULL");
}

}  // namespace
}  // namespace hf::sql::testing

namespace hf::sql::testing {
namespace {

// Runs one statement in an explicit transaction of the harness's session.
std::string run_in(SqlHarness& h, coord::Transaction& txn, const std::string& sql) {
  auto& s = h.session();
  auto saved = std::move(s.txn);
  s.txn.reset();
  auto raw = h.engine().parse(sql);
  struct Sink : RowSink {
    std::string out;
    void row(const Row& r) override {
      for (auto& d : r)
        out +=
            (d.is_null() ? std::string("NULL") : types::to_text(d, TypeRef{type_oid::kInt4, -1})) +
            " ";
    }
  } sink;
  class Ctx : public FakeSession {
   public:
    explicit Ctx(coord::Transaction& t) : t_(t) {}
    coord::Transaction& transaction() override { return t_; }

   private:
    coord::Transaction& t_;
  } ctx(txn);
  auto p = h.engine().prepare(raw[0], {}, ctx);
  auto c = h.engine().execute(p, {}, ctx);
  c->fetch(0, sink);
  s.txn = std::move(saved);
  return c->tag() + (sink.out.empty() ? "" : " | " + sink.out);
}

TEST(SqlEngine, ReadCommittedRechecksNewestVersion) {
  SqlHarness h("/tmp/hf-sql-epq");
  h.exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  h.exec("INSERT INTO t VALUES (1, 10), (2, 10)");
  auto t1 = h.txns().begin({coord::Isolation::kReadCommitted});
  // t2 commits before t1's statement: t1 (READ COMMITTED) sees the new value and its WHERE
  // no longer matches row 1. (Waiting on a lock needs fibers; the wire tests cover it.)
  auto t2 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t2, "UPDATE t SET v = 20 WHERE id = 1"), "UPDATE 1");
  t2->commit();
  EXPECT_EQ(run_in(h, *t1, "UPDATE t SET v = v + 1 WHERE v = 10"), "UPDATE 1");
  t1->commit();
  auto r = h.exec("SELECT id, v FROM t ORDER BY id");
  EXPECT_EQ(r.rows[0][1], "20");
  EXPECT_EQ(r.rows[1][1], "11");
}

TEST(SqlEngine, RepeatableReadFailsOnConcurrentUpdate) {
  SqlHarness h("/tmp/hf-sql-rr");
  h.exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  h.exec("INSERT INTO t VALUES (1, 10)");
  auto t1 = h.txns().begin({coord::Isolation::kRepeatableRead});
  EXPECT_EQ(run_in(h, *t1, "SELECT v FROM t WHERE id = 1"), "SELECT 1 | 10 ");
  auto t2 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t2, "UPDATE t SET v = 20 WHERE id = 1"), "UPDATE 1");
  t2->commit();
  try {
    run_in(h, *t1, "UPDATE t SET v = v + 1 WHERE id = 1");
    FAIL() << "expected 40001";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "40001");
    EXPECT_EQ(e.error().message, "could not serialize access due to concurrent update");
  }
  t1->abort();
}

// PostgreSQL's heap_lock_tuple: FOR KEY SHARE does not conflict with a committed update that
// left the key columns alone: the version read is locked and returned, even in REPEATABLE
// READ; a stronger lock, or a key change, fails with 40001 there.
TEST(SqlEngine, KeyShareIgnoresCommittedNoKeyUpdate) {
  SqlHarness h("/tmp/hf-sql-keyshare");
  h.exec("CREATE TABLE t (id int PRIMARY KEY, v int, u int UNIQUE)");
  h.exec("INSERT INTO t VALUES (1, 10, 100), (2, 20, 200)");
  auto t1 = h.txns().begin({coord::Isolation::kRepeatableRead});
  EXPECT_EQ(run_in(h, *t1, "SELECT v FROM t WHERE id = 1"), "SELECT 1 | 10 ");
  auto t2 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t2, "UPDATE t SET v = 11 WHERE id = 1"), "UPDATE 1");
  EXPECT_EQ(run_in(h, *t2, "UPDATE t SET u = 201 WHERE id = 2"), "UPDATE 1");
  t2->commit();
  EXPECT_EQ(run_in(h, *t1, "SELECT v FROM t WHERE id = 1 FOR KEY SHARE"), "SELECT 1 | 10 ");
  for (const char* sql :
       {"SELECT v FROM t WHERE id = 1 FOR SHARE", "SELECT v FROM t WHERE id = 2 FOR KEY SHARE"}) {
    auto sub = t1->begin_subtransaction();
    try {
      run_in(h, *t1, sql);
      ADD_FAILURE() << "expected 40001: " << sql;
    } catch (const SqlError& e) {
      EXPECT_EQ(e.error().sqlstate, "40001") << sql;
    }
    t1->rollback_to(sub);
  }
  t1->abort();
}

// ON CONFLICT DO UPDATE works on the newest version; above READ COMMITTED that version must
// be the one the snapshot sees.
TEST(SqlEngine, OnConflictUpdateOfAConcurrentlyUpdatedRowFailsInRepeatableRead) {
  SqlHarness h("/tmp/hf-sql-upsert-rr");
  h.exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  h.exec("INSERT INTO t VALUES (1, 10)");
  auto t1 = h.txns().begin({coord::Isolation::kRepeatableRead});
  EXPECT_EQ(run_in(h, *t1, "SELECT v FROM t WHERE id = 1"), "SELECT 1 | 10 ");
  auto t2 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t2, "UPDATE t SET v = 20 WHERE id = 1"), "UPDATE 1");
  t2->commit();
  try {
    run_in(h, *t1, "INSERT INTO t VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET v = t.v + 1");
    FAIL() << "expected 40001";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "40001");
    EXPECT_EQ(e.error().message, "could not serialize access due to concurrent update");
  }
  t1->abort();
  auto t3 = h.txns().begin({coord::Isolation::kReadCommitted});
  EXPECT_EQ(
      run_in(h, *t3, "INSERT INTO t VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET v = t.v + 1"),
      "INSERT 0 1");
  t3->commit();
  EXPECT_EQ(h.exec("SELECT v FROM t").rows[0][0], "21");
}

// The parent-side foreign-key check reads referencing rows as a fresh snapshot sees them: a
// child row committed after a REPEATABLE READ snapshot still blocks the DELETE (PostgreSQL's
// RI check with detectNewRows), with PostgreSQL's message and DETAIL.
TEST(SqlEngine, ParentDeleteSeesChildRowsCommittedAfterTheSnapshot) {
  SqlHarness h("/tmp/hf-sql-fk-new-rows");
  h.exec("CREATE TABLE parent (i int, c text)");
  h.exec("CREATE UNIQUE INDEX parent_i ON parent (i)");
  h.exec("INSERT INTO parent VALUES (1, 'a'), (2, 'b')");
  h.exec("CREATE TABLE child (i int REFERENCES parent (i))");
  auto t1 = h.txns().begin({coord::Isolation::kRepeatableRead});
  EXPECT_EQ(run_in(h, *t1, "SELECT count(*) FROM child"), "SELECT 1 | 0 ");
  auto t2 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t2, "INSERT INTO child VALUES (2)"), "INSERT 0 1");
  t2->commit();
  try {
    run_in(h, *t1, "DELETE FROM parent WHERE i = 2");
    FAIL() << "expected 23503";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "23503");
    EXPECT_EQ(e.error().message,
              "update or delete on table \"parent\" violates foreign key constraint "
              "\"child_i_fkey\" on table \"child\"");
    EXPECT_EQ(e.error().detail, "Key (i)=(2) is still referenced from table \"child\".");
  }
  t1->abort();
  EXPECT_EQ(h.exec("DELETE FROM parent WHERE i = 1").tag, "DELETE 1");
}

// DDL is undone by the abort of the transaction that ran it, and by ROLLBACK TO a savepoint
// taken before it (catalog.h: compensating changes registered with on_rollback()).
TEST(SqlEngine, DdlIsUndoneWithItsTransaction) {
  SqlHarness h("/tmp/hf-sql-ddl-undo");
  h.exec("CREATE TABLE keep (id int PRIMARY KEY, v int)");
  h.exec("INSERT INTO keep VALUES (1, 10)");
  auto t1 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t1, "CREATE TABLE gone (a serial)"), "CREATE TABLE");
  EXPECT_EQ(run_in(h, *t1, "INSERT INTO gone DEFAULT VALUES"), "INSERT 0 1");
  auto sub = t1->begin_subtransaction();
  EXPECT_EQ(run_in(h, *t1, "ALTER TABLE keep ADD COLUMN z int"), "ALTER TABLE");
  EXPECT_EQ(run_in(h, *t1, "SELECT * FROM keep"), "SELECT 1 | 1 10 NULL ");
  t1->rollback_to(sub);
  EXPECT_EQ(run_in(h, *t1, "SELECT * FROM keep"), "SELECT 1 | 1 10 ");
  EXPECT_EQ(run_in(h, *t1, "DROP TABLE keep"), "DROP TABLE");
  EXPECT_EQ(h.catalog().find_table("keep"), nullptr);
  t1->abort();
  EXPECT_EQ(h.catalog().find_table("gone"), nullptr);
  EXPECT_FALSE(h.catalog().find_sequence_in(catalog::kPublicNamespaceId, "gone_a_seq").has_value());
  EXPECT_EQ(h.exec("SELECT id, v FROM keep").rows.size(), 1u) << "dropped, then restored";
  h.restart();  // the undo is durable
  EXPECT_EQ(h.catalog().find_table("gone"), nullptr);
  EXPECT_EQ(h.exec("SELECT id, v FROM keep").rows[0][1], "10");
}

// The job queue: SKIP LOCKED under LIMIT over the (state, id) index, streamed. Each worker
// locks only the row it returns, so the next worker's first unlocked row is the next job; a
// worker's own taken job (state changed, lock held) is skipped by the others.
TEST(SqlEngine, SkipLockedQueueLocksOnlyTheRowsReturned) {
  SqlHarness h("/tmp/hf-sql-queue");
  h.exec("CREATE TABLE jobs (id int PRIMARY KEY, state text NOT NULL)");
  h.exec("CREATE INDEX jobs_state_id ON jobs (state, id)");
  h.exec("INSERT INTO jobs SELECT g, 'ready' FROM generate_series(1, 20) g");
  const std::string pick =
      "SELECT id FROM jobs WHERE state = 'ready' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED";
  const std::string take =
      "WITH j AS (" + pick +
      ") UPDATE jobs SET state = 'taken' FROM j WHERE jobs.id = j.id RETURNING jobs.id";
  auto t1 = h.txns().begin({});
  auto t2 = h.txns().begin({});
  auto t3 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t1, pick), "SELECT 1 | 1 ");
  EXPECT_EQ(run_in(h, *t2, take), "UPDATE 1 | 2 ");
  EXPECT_EQ(run_in(h, *t3,
                   "SELECT id FROM jobs WHERE state = 'ready' ORDER BY id LIMIT 2 OFFSET 1 "
                   "FOR UPDATE SKIP LOCKED"),
            "SELECT 2 | 4 5 ");
  // t3 locked 3 (OFFSET rows are locked, as in PostgreSQL), 4 and 5; nothing after them.
  auto t4 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t4, "SELECT id FROM jobs WHERE id < 8 FOR UPDATE SKIP LOCKED"),
            "SELECT 2 | 6 7 ");
  t4->abort();
  t3->abort();
  t2->commit();
  t1->abort();
  auto t5 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t5, take), "UPDATE 1 | 1 ");
  EXPECT_EQ(run_in(h, *t5, take), "UPDATE 1 | 3 ");
  t5->commit();
  EXPECT_EQ(h.exec("SELECT count(*) FROM jobs WHERE state = 'taken'").rows[0][0], "3");
  EXPECT_EQ(h.exec("SELECT id FROM jobs WHERE state = 'ready' ORDER BY id DESC LIMIT 1").rows[0][0],
            "20");
}

// A view survives a restart (its query is stored and bound again), and a job claim through it
// locks only the base row it returns (the view is pulled up, so LIMIT comes before LockRows).
TEST(SqlEngine, ViewsSurviveRestartAndLockOnlyTheRowsReturned) {
  SqlHarness h("/tmp/hf-sql-views");
  h.exec("CREATE TABLE jobs (id int PRIMARY KEY, state text NOT NULL)");
  h.exec("INSERT INTO jobs SELECT g, 'ready' FROM generate_series(1, 5) g");
  h.exec("CREATE VIEW ready_jobs AS SELECT id FROM jobs WHERE state = 'ready'");
  h.restart();
  const std::string claim = "SELECT id FROM ready_jobs ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED";
  auto t1 = h.txns().begin({});
  auto t2 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t1, claim), "SELECT 1 | 1 ");
  EXPECT_EQ(run_in(h, *t2, claim), "SELECT 1 | 2 ");
  EXPECT_EQ(run_in(h, *t2, "UPDATE ready_jobs SET id = 20 WHERE id = 2"), "UPDATE 1");
  t2->commit();
  auto t3 = h.txns().begin({});
  EXPECT_EQ(run_in(h, *t3, "SELECT id FROM ready_jobs ORDER BY id FOR UPDATE SKIP LOCKED"),
            "SELECT 4 | 3 4 5 20 ");
  t3->abort();
  t1->abort();
}

// A statement nested deeper than the stack allows ends with 54001, on a session's small fiber
// stack as on a thread's; parsing it (libpg_query recurses once per level of the tree) never
// overflows. Before issue 9's fix, `1+1+...` a thousand deep took the server down.
TEST(SqlEngine, DeepNestingIsStackDepthLimitExceeded) {
  SqlHarness h("/tmp/hf-sql-deep-nesting");
  auto nested = [](int n) {
    std::string q = "SELECT 1";
    for (int i = 0; i < n; ++i) q += "+1";
    return q;
  };
  auto state_of = [&](const std::string& sql) {
    try {
      h.exec(sql);
      return std::string("ok");
    } catch (const SqlError& e) {
      return e.error().sqlstate + " " + e.error().message;
    }
  };
  EXPECT_EQ(state_of(nested(200000)), "54001 stack depth limit exceeded");  // this thread
  // In a fiber with a 1 MiB stack, as sessions had when this crashed (4 MiB under ASan, whose
  // redzones make frames several times larger: 100 levels need more than 1 MiB there).
#if defined(__SANITIZE_ADDRESS__)
  constexpr size_t kFiberStack = 4 << 20;
#else
  constexpr size_t kFiberStack = 1 << 20;
#endif
  runtime::asio::io_context io;
  auto work = runtime::asio::make_work_guard(io);
  std::string shallow, deep;
  runtime::Fiber::spawn(
      io,
      [&] {
        shallow = state_of(nested(100));
        deep = state_of(nested(20000));
        work.reset();
      },
      kFiberStack);
  io.run();
  EXPECT_EQ(shallow, "ok");
  EXPECT_EQ(deep, "54001 stack depth limit exceeded");
  // The session goes on.
  EXPECT_EQ(h.exec(nested(10)).rows[0][0], "11");
  // Long statements that are wide, not deep, pass the scan that refuses deep ones unparsed.
  h.exec("CREATE TABLE wide (a int)");
  std::string values = "INSERT INTO wide VALUES (0)";
  std::string ors = "SELECT count(*) FROM generate_series(1, 10) g WHERE g = 0";
  for (int i = 1; i < 30000; ++i) {
    values += ",(" + std::to_string(i) + ")";
    ors += " OR g = " + std::to_string(i % 5);
  }
  EXPECT_EQ(h.exec(values).tag, "INSERT 0 30000");
  EXPECT_EQ(h.exec(ors).rows[0][0], "4");
}

// A statement that keeps its thread busy still ends at statement_timeout or on a cancel
// request (the executor's loops look at the clock and the cancel token themselves).
TEST(SqlInterrupts, BusyStatementsEndAtTheirDeadlineOrOnCancel) {
  SqlHarness h("/tmp/hf-sql-interrupts");
  h.exec("CREATE TABLE t (id int PRIMARY KEY)");
  h.exec("INSERT INTO t SELECT g FROM generate_series(1, 5000) g");
  auto expect_canceled = [&](const std::string& sql, const std::string& message) {
    auto start = std::chrono::steady_clock::now();
    try {
      h.exec(sql);
      ADD_FAILURE() << "no error: " << sql;
    } catch (const SqlError& e) {
      EXPECT_EQ(e.error().sqlstate, "57014") << sql;
      EXPECT_EQ(e.error().message, message) << sql;
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20)) << sql;
  };
  const std::vector<std::string> busy = {
      "SELECT count(*) FROM generate_series(1, 1000000000) g",
      "SELECT count(*) FROM t a, t b, t c",  // a join loop over rows already read
      "INSERT INTO t SELECT g FROM generate_series(10000, 2000000000) g",
  };
  for (const auto& sql : busy) {
    h.session().stmt_deadline = runtime::Clock::now() + std::chrono::milliseconds(50);
    expect_canceled(sql, "canceling statement due to statement timeout");
  }
  h.session().stmt_deadline = runtime::Deadline::max();
  h.session().cancel_token.request(runtime::CancelToken::kUserRequest);
  expect_canceled("SELECT count(*) FROM t a, t b", "canceling statement due to user request");
  h.session().cancel_token.take();
  EXPECT_EQ(h.exec("SELECT count(*) FROM t").rows.at(0).at(0), "5000");  // nothing inserted
}

// ORDER BY past work_mem: sorted runs in temporary files, merged; the same rows in the same
// order as the in-memory sort (ties in scan order, NULLs, DESC, text order), LIMIT/OFFSET.
TEST(SqlMemory, SortPastWorkMemSpillsWithTheInMemoryResult) {
  SqlHarness h("/tmp/hf-sql-sort-spill");
  h.exec("CREATE TABLE t (id int PRIMARY KEY, k int, s text)");
  h.exec(
      "INSERT INTO t SELECT g, g % 97, CASE WHEN g % 13 = 0 THEN NULL ELSE md5((g % 5000)::text) "
      "END FROM generate_series(1, 20000) g");
  const std::vector<std::string> orders = {"k, s DESC NULLS FIRST", "s", "s DESC, k",
                                           "k DESC NULLS LAST", "upper(s) NULLS FIRST, id DESC"};
  for (const auto& order : orders) {
    for (const std::string tail : {"", " LIMIT 25", " OFFSET 19990", " LIMIT 10 OFFSET 10000"}) {
      // GROUP BY id keeps every row but takes the materialising path and its in-memory sort.
      std::string grouped = "SELECT id, k, s FROM t GROUP BY id, k, s ORDER BY " + order + tail;
      std::string plain = "SELECT id, k, s FROM t ORDER BY " + order + tail;
      h.session().settings["work_mem"] = "1GB";
      auto want = h.exec(grouped);
      uint64_t runs = exec::ExternalSorter::total_runs_written();
      auto in_memory = h.exec(plain);
      EXPECT_EQ(exec::ExternalSorter::total_runs_written(), runs) << order;
      h.session().settings["work_mem"] = "64kB";
      auto spilled = h.exec(plain);
      if (tail.empty() || tail.find("OFFSET") != std::string::npos) {
        EXPECT_GT(exec::ExternalSorter::total_runs_written(), runs) << order << tail;
      }
      ASSERT_EQ(want.rows.size(), in_memory.rows.size()) << order << tail;
      EXPECT_TRUE(want.rows == in_memory.rows) << order << tail;
      EXPECT_TRUE(want.rows == spilled.rows) << order << tail;
      EXPECT_EQ(spilled.tag, "SELECT " + std::to_string(want.rows.size()));
    }
  }
  // A sort in a subquery (materialised by its reader) and over generate_series.
  h.session().settings["work_mem"] = "64kB";
  auto r = h.exec(
      "SELECT count(*), min(x), max(x) FROM (SELECT md5(g::text) AS x FROM "
      "generate_series(1, 50000) g ORDER BY 1 DESC OFFSET 10) s");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0], "49990");
  auto top = h.exec("SELECT md5(g::text) FROM generate_series(1, 50000) g ORDER BY 1 LIMIT 1");
  EXPECT_EQ(top.rows[0][0], r.rows[0][1]);
  h.session().settings.erase("work_mem");
}

// A hash table or materialisation past --statement-memory fails with 53200, not the process.
TEST(SqlMemory, PastTheStatementCapIsOutOfMemory) {
  SqlHarness h("/tmp/hf-sql-statement-memory");
  h.exec("CREATE TABLE big (id int PRIMARY KEY)");
  h.exec("INSERT INTO big SELECT generate_series(1, 500000)");
  auto saved = execution_limits();
  set_execution_limits({16LL * 1024 * 1024, saved.temp_directory});
  struct Restore {
    ExecutionLimits saved;
    ~Restore() { set_execution_limits(saved); }
  } restore{saved};
  auto expect_oom = [&](const std::string& sql, const std::string& context) {
    try {
      h.exec(sql);
      ADD_FAILURE() << "no error: " << sql;
    } catch (const SqlError& e) {
      EXPECT_EQ(e.error().sqlstate, "53200") << sql;
      EXPECT_EQ(e.error().message, "out of memory") << sql;
      EXPECT_EQ(e.error().detail.rfind("Failed on request of size ", 0), 0u) << e.error().detail;
      if (!context.empty()) {
        EXPECT_NE(e.error().detail.find(" in memory context \"" + context + "\"."),
                  std::string::npos)
            << sql << ": " << e.error().detail;
      }
    }
  };
  expect_oom(
      "SELECT count(*) FROM (SELECT g, count(*) FROM generate_series(1, 150000) g GROUP BY g) s",
      "HashAgg table context");
  expect_oom("SELECT count(*) FROM (SELECT DISTINCT g FROM generate_series(1, 100000) g) s",
             "HashAgg table context");
  // A join's rows are made before they are aggregated: over the cap in ExecutorState.
  expect_oom("SELECT count(*) FROM generate_series(1, 400000) g, (VALUES (1)) v(x)",
             "ExecutorState");
  // An aggregate over one FROM item is fed its rows as they come and holds none of them
  // (as PostgreSQL's Agg): 400,000 rows pass under the cap.
  EXPECT_EQ(h.exec("SELECT count(*) FROM generate_series(1, 400000) g").rows[0][0], "400000");
  EXPECT_EQ(
      h.exec("SELECT sum(g) FROM (SELECT g FROM generate_series(1, 400000) g) s WHERE g % 2 = 0")
          .rows[0][0],
      "40000200000");
  // LockRows streams into the aggregate above it: 500,000 rows locked, none of them kept.
  h.exec("BEGIN");
  EXPECT_EQ(h.exec("SELECT count(*) FROM (SELECT id FROM big FOR UPDATE) s").rows[0][0], "500000");
  h.exec("COMMIT");
  // The same rows kept for a join are over the cap.
  expect_oom("SELECT count(*) FROM (SELECT id FROM big FOR UPDATE) s, (VALUES (1)) v(x)",
             "ExecutorState");
  expect_oom(
      "SELECT count(*) FROM (SELECT g FROM generate_series(1, 100000) g UNION SELECT g FROM "
      "generate_series(1, 100000) g) s",
      "");
  expect_oom(
      "SELECT count(*) FROM (SELECT a.a FROM generate_series(1, 100000) a(a) JOIN "
      "(SELECT b FROM generate_series(1, 100000) b ORDER BY b) b(b) ON a.a = b.b) s",
      "");
  // A join's item is filtered by the WHERE conjuncts that read only it before it is joined
  // (Source::filter): a.x = 7 leaves one row of a, so a x b is 2,000 rows, not 4,000,000.
  EXPECT_EQ(h.exec("SELECT count(*) FROM generate_series(1, 2000) a(x), generate_series(1, "
                   "2000) b(y), generate_series(1, 3) c(z) WHERE a.x = 7 AND b.y = a.x + z")
                .rows[0][0],
            "3");
  // The statement after it runs; under the cap, and an ORDER BY past it, are fine.
  EXPECT_EQ(h.exec("SELECT count(*) FROM generate_series(1, 1000) g").rows[0][0], "1000");
  // WHERE drops a joined row as the join makes it: a filtered cross join of 1,000 x 1,000
  // rows (1M joined rows, far past 16 MB if they were kept first) holds only what passes.
  EXPECT_EQ(h.exec("SELECT count(*) FROM generate_series(1, 1000) a(x), generate_series(1, "
                   "1000) b(y) WHERE x + y = 1000")
                .rows[0][0],
            "999");
  EXPECT_EQ(h.exec("SELECT count(*) FROM generate_series(1, 1000) a(x) LEFT JOIN "
                   "generate_series(1, 1000) b(y) ON x = y + 500 WHERE y IS NULL")
                .rows[0][0],
            "500")
      << "WHERE sees the null-extended rows of the outer join";
  h.session().settings["work_mem"] = "1MB";
  auto sorted = h.exec("SELECT g FROM generate_series(1, 1000000) g ORDER BY g DESC OFFSET 999999");
  ASSERT_EQ(sorted.rows.size(), 1u);
  EXPECT_EQ(sorted.rows[0][0], "1");
  h.session().settings.erase("work_mem");
}

}  // namespace
}  // namespace hf::sql::testing

namespace hf::sql::testing {
namespace {

// How many partitions saw a data call (get, scan, latest, lock, write) since the last reset.
size_t partitions_touched(SqlHarness& h) {
  size_t n = 0;
  for (auto& c : h.counters()) n += c->reads() + c->locks + c->writes > 0 ? 1 : 0;
  return n;
}
void reset_counters(SqlHarness& h) {
  for (auto& c : h.counters()) c->reset();
}

// doc/placement.md: rows are placed by their partition key, so a read, lock or write whose
// conditions fix it goes to exactly one partition; a key placed by all its columns (the
// placement before partition keys) spreads one shard's rows over every partition.
TEST(Placement, StatementsBoundOnThePartitionKeyTouchOnePartition) {
  SqlHarness h("/tmp/hf-sql-placement", /*counting=*/true);
  ASSERT_EQ(h.counters().size(), 4u);
  h.exec(
      "CREATE TABLE tasks (shard_id int, task_id bigint, data text, "
      "PRIMARY KEY (shard_id, task_id))");
  h.exec(
      "CREATE TABLE spread (shard_id int, task_id bigint, data text, "
      "PRIMARY KEY (shard_id, task_id)) WITH (holdfast.partition_key = 'shard_id, task_id')");
  h.exec("INSERT INTO tasks SELECT g % 16, g, 'x' FROM generate_series(1, 400) g");
  h.exec("INSERT INTO spread SELECT shard_id, task_id, data FROM tasks");

  reset_counters(h);
  auto r = h.exec(
      "SELECT count(*) FROM tasks WHERE shard_id = 5 AND task_id >= 10 AND "
      "task_id < 200");
  EXPECT_EQ(r.rows.at(0).at(0), "12");
  EXPECT_EQ(partitions_touched(h), 1u);

  reset_counters(h);
  r = h.exec("SELECT task_id FROM tasks WHERE shard_id = 5 ORDER BY task_id LIMIT 2 FOR UPDATE");
  EXPECT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(partitions_touched(h), 1u);

  reset_counters(h);
  r = h.exec("DELETE FROM tasks WHERE shard_id = 5 AND task_id < 100");
  EXPECT_EQ(r.tag, "DELETE 6");
  EXPECT_EQ(partitions_touched(h), 1u);

  reset_counters(h);
  h.exec("INSERT INTO tasks VALUES (5, 1000, 'a'), (5, 1001, 'b'), (5, 1002, 'c')");
  EXPECT_EQ(partitions_touched(h), 1u);

  // The same statements on a table placed by its whole key visit every partition.
  reset_counters(h);
  r = h.exec(
      "SELECT count(*) FROM spread WHERE shard_id = 5 AND task_id >= 10 AND "
      "task_id < 200");
  EXPECT_EQ(r.rows.at(0).at(0), "12");
  EXPECT_EQ(partitions_touched(h), 4u);

  // A join that fixes the partition key of both tables stays on one partition: equal
  // partition-key values place rows of different tables together.
  h.exec("CREATE TABLE shards (shard_id int PRIMARY KEY, range_id bigint)");
  h.exec("INSERT INTO shards SELECT g, 1 FROM generate_series(0, 15) g");
  reset_counters(h);
  r = h.exec(
      "SELECT s.range_id, t.task_id FROM shards s JOIN tasks t ON t.shard_id = s.shard_id "
      "WHERE s.shard_id = 5 AND t.task_id = 1001 FOR SHARE");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][1], "1001");
  EXPECT_EQ(partitions_touched(h), 1u);
}

// Gets and scans every partition saw since the last reset_counters().
std::pair<uint64_t, uint64_t> gets_and_scans(SqlHarness& h) {
  uint64_t gets = 0, scans = 0;
  for (auto& c : h.counters()) gets += c->gets, scans += c->scans;
  return {gets, scans};
}

TEST(Placement, InListsReadOnlyThePartitionsAndKeysTheyName) {
  SqlHarness h("/tmp/hf-sql-in-list", /*counting=*/true);
  h.exec("CREATE TABLE kv (k int PRIMARY KEY, v text)");
  h.exec("CREATE TABLE tasks (shard_id int, task_id bigint, PRIMARY KEY (shard_id, task_id))");
  h.exec("INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 100) g");
  h.exec("INSERT INTO tasks SELECT g % 16, g FROM generate_series(1, 400) g");
  auto totals = [&] { return gets_and_scans(h); };
  // A list on the whole primary key: one get per distinct non-null value, no scan.
  reset_counters(h);
  auto r = h.exec("SELECT v FROM kv WHERE k IN (7, 3, 7, NULL, 1000)");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0][0], "v3");
  EXPECT_EQ(r.rows[1][0], "v7");
  EXPECT_EQ(totals(), (std::pair<uint64_t, uint64_t>(3, 0)));
  // A list on the partition key of a longer primary key: one prefix scan per value, each in
  // the one partition the value names.
  reset_counters(h);
  r = h.exec("DELETE FROM tasks WHERE shard_id IN (5) AND task_id < 100");
  EXPECT_EQ(r.tag, "DELETE 6");
  EXPECT_EQ(partitions_touched(h), 1u);
  reset_counters(h);
  r = h.exec("SELECT count(*) FROM tasks WHERE shard_id IN (5, 2 + 4)");
  EXPECT_EQ(r.rows.at(0).at(0), "44");
  EXPECT_EQ(totals().second, 2u);
  EXPECT_LE(partitions_touched(h), 2u);
}

TEST(Placement, EqualsAnyArrayReadsOnlyTheKeysItNames) {
  SqlHarness h("/tmp/hf-sql-any-array", /*counting=*/true);
  h.exec("CREATE TABLE jobs (id int PRIMARY KEY, state text)");
  h.exec("CREATE TABLE tasks (shard_id int, task_id bigint, PRIMARY KEY (shard_id, task_id))");
  h.exec("INSERT INTO jobs SELECT g, 'running' FROM generate_series(1, 200) g");
  h.exec("INSERT INTO tasks SELECT g % 16, g FROM generate_series(1, 400) g");
  auto totals = [&] { return gets_and_scans(h); };
  // A job queue completes a batch: one get per distinct non-null id of the array parameter.
  reset_counters(h);
  std::vector<Datum> ids{Datum(int32_t{42}), Datum(int32_t{7}), Datum::Null(), Datum(int32_t{42}),
                         Datum(int32_t{999})};
  auto r = h.exec("UPDATE jobs SET state = 'done' WHERE id = ANY($1)",
                  {Datum(std::make_shared<const std::vector<Datum>>(ids))});
  EXPECT_EQ(r.tag, "UPDATE 2");
  EXPECT_EQ(totals().second, 0u) << "no scan";
  EXPECT_LE(partitions_touched(h), 3u);
  r = h.exec("SELECT id FROM jobs WHERE state = 'done' ORDER BY id");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0][0], "7");
  EXPECT_EQ(r.rows[1][0], "42");
  // An ARRAY[...] on the partition key of a longer key: a prefix scan per value.
  reset_counters(h);
  r = h.exec("SELECT count(*) FROM tasks WHERE shard_id = ANY (ARRAY[5, 6, 5])");
  EXPECT_EQ(r.rows.at(0).at(0), "50");
  EXPECT_EQ(totals().second, 2u);
  // NULL and empty arrays match nothing; <> ANY and = ALL are not access paths but still right.
  EXPECT_EQ(h.exec("SELECT count(*) FROM jobs WHERE id = ANY (NULL::int[])").rows[0][0], "0");
  EXPECT_EQ(h.exec("SELECT count(*) FROM jobs WHERE id = ANY ('{}'::int[])").rows[0][0], "0");
  EXPECT_EQ(h.exec("SELECT count(*) FROM jobs WHERE id <> ANY (ARRAY[1])").rows[0][0], "199");
  EXPECT_EQ(h.exec("SELECT count(*) FROM jobs WHERE id = ALL (ARRAY[3, 3])").rows[0][0], "1");
}

// A varchar key column compared with a text value (PostgreSQL relabels varchar to text) is
// still a key condition: a point get, not a scan of the prefix before it.
TEST(Placement, VarcharKeyComparedWithTextIsAPointGet) {
  SqlHarness h("/tmp/hf-sql-varchar-key", /*counting=*/true);
  h.exec(
      "CREATE TABLE ce (shard_id int, workflow_id varchar(255), v int, "
      "PRIMARY KEY (shard_id, workflow_id))");
  h.exec("INSERT INTO ce SELECT 1, 'wf-' || g, g FROM generate_series(1, 50) g");
  reset_counters(h);
  auto r = h.exec("SELECT v FROM ce WHERE shard_id = 1 AND workflow_id = 'wf-' || 7");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0], "7");
  uint64_t gets = 0, scans = 0;
  for (auto& c : h.counters()) gets += c->gets, scans += c->scans;
  EXPECT_EQ(gets, 1u);
  EXPECT_EQ(scans, 0u);
  reset_counters(h);
  r = h.exec("SELECT v FROM ce WHERE shard_id = 1 AND workflow_id >= 'wf-48'::text ORDER BY 1");
  ASSERT_EQ(r.rows.size(), 8u);  // wf-48, wf-49, wf-5 .. wf-9, wf-50
  EXPECT_EQ(r.rows[0][0], "5");
}

}  // namespace
}  // namespace hf::sql::testing

namespace hf::sql::testing {
namespace {

// Storage of tables that are gone (issue 8): a committed DROP or TRUNCATE frees the old rows
// at the next compaction, a rolled-back TRUNCATE frees the new ones and keeps the old.
TEST(SqlEngine, DroppedAndTruncatedTablesFreeTheirStorage) {
  SqlHarness h("/tmp/hf-sql-dropped-storage");
  auto keys_of = [&](uint32_t storage_id) {
    size_t n = 0;
    for (uint16_t p = 0; p < 4; ++p) {
      std::string lo = storage::keyspace_prefix(storage::kRowPrefix, p, storage_id, 0);
      auto it = h.node().engine().iterate(
          lo, storage::keyspace_prefix(storage::kRowPrefix, p, storage_id + 1, 0), true);
      for (it->first(); (*it)->Valid(); (*it)->Next()) ++n;
    }
    return n;
  };
  h.exec("CREATE TABLE gone (a int PRIMARY KEY, b text)");
  h.exec("CREATE TABLE kept (a int PRIMARY KEY, b text)");
  h.exec("INSERT INTO gone SELECT g, 'x' FROM generate_series(1, 300) g");
  h.exec("INSERT INTO kept SELECT g, 'y' FROM generate_series(1, 300) g");
  const uint32_t gone = h.catalog().find_table("gone")->storage_id;
  const uint32_t kept = h.catalog().find_table("kept")->storage_id;
  h.node().engine().compact_all();
  ASSERT_EQ(keys_of(gone), 300u);
  h.exec("DROP TABLE gone");
  h.node().engine().compact_all();
  EXPECT_EQ(keys_of(gone), 0u);
  EXPECT_EQ(keys_of(kept), 300u);
  // TRUNCATE in a transaction that rolls back: the old rows stay, the new keyspace goes.
  auto txn = h.txns().begin({});
  run_in(h, *txn, "TRUNCATE kept");
  const uint32_t fresh = h.catalog().find_table("kept")->storage_id;
  ASSERT_NE(fresh, kept);
  run_in(h, *txn, "INSERT INTO kept VALUES (1, 'z')");
  txn->abort();
  EXPECT_EQ(h.catalog().find_table("kept")->storage_id, kept);
  h.node().engine().compact_all();
  EXPECT_EQ(keys_of(kept), 300u);
  EXPECT_EQ(keys_of(fresh), 0u);
  EXPECT_EQ(h.exec("SELECT count(*) FROM kept").rows.at(0).at(0), "300");
  h.exec("TRUNCATE kept");
  h.node().engine().compact_all();
  EXPECT_EQ(keys_of(kept), 0u) << "a committed TRUNCATE frees the old rows";
}

}  // namespace
}  // namespace hf::sql::testing
