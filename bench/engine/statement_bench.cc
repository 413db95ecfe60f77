// bench/engine/statement_bench.cc — what one statement costs inside the server, without the
// network: the SQL engine over a real local node (RocksDB partitions), driven from one
// thread through the in-process harness of the SQL logic tests. Each benchmark prepares its
// statement once and executes it in its own transaction (autocommit) or, for Temporal's
// mutable-state update, runs the whole transaction. Run under valgrind --tool=callgrind to
// see which functions a statement spends its instructions in (fibers are not involved, so
// callgrind's call graph is exact), or plainly for time per statement.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "sql/sql_test_util.h"

namespace hf::sql::testing {
namespace {

// Iterations of every benchmark, printed at exit: with callgrind's
// --collect-atstart=no --toggle-collect='*BM_Name*', instructions / iterations is the cost of
// one iteration (Google Benchmark runs a benchmark several times to size its loop).
int64_t total_iterations = 0;
struct Report {
  ~Report() {
    std::fprintf(stderr, "statement_bench: %lld iterations\n", (long long)total_iterations);
  }
} report;

struct Fixture {
  SqlHarness h{"/tmp/hf-statement-bench"};
  Fixture() {
    h.exec(
        "CREATE TABLE shards (shard_id int PRIMARY KEY, range_id bigint NOT NULL, "
        "data bytea NOT NULL)");
    h.exec("INSERT INTO shards SELECT g, 1, '\\x00'::bytea FROM generate_series(0, 511) g");
    h.exec(
        "CREATE TABLE executions (shard_id int, namespace_id bytea, workflow_id varchar(255), "
        "run_id bytea, next_event_id bigint NOT NULL, data bytea NOT NULL, "
        "db_record_version bigint NOT NULL DEFAULT 0, "
        "PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id))");
    h.exec(
        "INSERT INTO executions SELECT g % 512, '\\x0102'::bytea, 'wf-' || g, "
        "('run-' || g)::bytea, 3, repeat('d', 2000)::bytea, 1 FROM generate_series(1, 5000) g");
    h.exec(
        "CREATE TABLE transfer_tasks (shard_id int, task_id bigint, data bytea NOT NULL, "
        "PRIMARY KEY (shard_id, task_id))");
    // pgbench's tables (BM_TpcbTransaction), as `pgbench -i` creates and loads them.
    h.exec("CREATE TABLE pgbench_branches (bid int NOT NULL, bbalance int, filler char(88))");
    h.exec(
        "CREATE TABLE pgbench_tellers (tid int NOT NULL, bid int, tbalance int, filler char(84))");
    h.exec(
        "CREATE TABLE pgbench_accounts (aid int NOT NULL, bid int, abalance int, filler char(84))");
    h.exec(
        "CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, "
        "filler char(22))");
    h.exec("INSERT INTO pgbench_branches VALUES (1, 0, NULL)");
    h.exec("INSERT INTO pgbench_tellers SELECT g, 1, 0, NULL FROM generate_series(1, 10) g");
    h.exec("INSERT INTO pgbench_accounts SELECT g, 1, 0, '' FROM generate_series(1, 10000) g");
    h.exec("ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid)");
    h.exec("ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid)");
    h.exec("ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid)");
  }
  // Runs one prepared statement in its own transaction.
  void run(const std::shared_ptr<PreparedStatement>& p, const std::vector<Datum>& params) {
    auto& s = h.session();
    s.txn = h.txns().begin({});
    struct Null : RowSink {
      void row(const Row&) override {}
    } sink;
    auto c = h.engine().execute(p, params, s);
    while (!c->fetch(0, sink)) {
    }
    s.txn->commit();
    s.txn.reset();
  }
  // Runs prepared statements in one transaction, each as its own statement.
  using Step = std::pair<const std::shared_ptr<PreparedStatement>*, std::vector<Datum>>;
  void transaction(const std::vector<Step>& steps) {
    auto& s = h.session();
    struct Null : RowSink {
      void row(const Row&) override {}
    } sink;
    s.txn = h.txns().begin({});
    for (const auto& [p, params] : steps) {
      s.txn->start_statement();
      auto c = h.engine().execute(*p, params, s);
      while (!c->fetch(0, sink)) {
      }
    }
    s.txn->commit();
    s.txn.reset();
  }
  std::shared_ptr<PreparedStatement> prepare(const std::string& sql) {
    auto raw = h.engine().parse(sql);
    auto& s = h.session();
    s.txn = h.txns().begin({});
    auto p = h.engine().prepare(raw[0], {}, s);
    s.txn->commit();
    s.txn.reset();
    return p;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}
// Built before main(), outside every benchmark function (and so outside callgrind's count).
struct BuildFixture {
  BuildFixture() { fixture(); }
} build_fixture;

void BM_PointSelect(benchmark::State& state) {
  auto& f = fixture();
  auto p = f.prepare("SELECT range_id FROM shards WHERE shard_id = $1");
  int64_t i = 0;
  for (auto _ : state) f.run(p, {Datum(int64_t{i++ % 512})}), ++total_iterations;
}
BENCHMARK(BM_PointSelect);

void BM_PointUpdate(benchmark::State& state) {
  auto& f = fixture();
  auto p = f.prepare("UPDATE shards SET range_id = range_id + 1 WHERE shard_id = $1");
  int64_t i = 0;
  for (auto _ : state) f.run(p, {Datum(int64_t{i++ % 512})}), ++total_iterations;
}
BENCHMARK(BM_PointUpdate);

void BM_Insert(benchmark::State& state) {
  auto& f = fixture();
  auto p = f.prepare("INSERT INTO transfer_tasks VALUES ($1, $2, '\\x0102030405'::bytea)");
  static int64_t i = 0;  // benchmark runs this function more than once: keys stay new
  for (auto _ : state) {
    ++i, ++total_iterations;
    f.run(p, {Datum(int64_t{i % 512}), Datum(i)});
  }
}
BENCHMARK(BM_Insert);

// Bulk loading: one INSERT ... SELECT of 10,000 rows, into a table with a primary key and
// into one without (pgbench -i loads that way, then adds the key). Per iteration = 10,000 rows.
void BM_BulkInsert(benchmark::State& state) {
  auto& f = fixture();
  static int n = 0;
  for (auto _ : state) {
    std::string t = "bulk" + std::to_string(n++);
    state.PauseTiming();
    f.h.exec("CREATE TABLE " + t + (state.range(0) ? " (aid int PRIMARY KEY" : " (aid int") +
             ", bid int, abalance int, filler char(84))");
    state.ResumeTiming();
    f.h.exec("INSERT INTO " + t +
             " SELECT g, g / 100000 + 1, 0, '' FROM generate_series(1, 10000) g");
    ++total_iterations;
  }
}
BENCHMARK(BM_BulkInsert)->Arg(0)->Arg(1);

// Temporal's mutable-state update (doc temporal-sql.md §4 UPD) in one transaction.
void BM_TemporalUpdateTransaction(benchmark::State& state) {
  auto& f = fixture();
  auto shard = f.prepare("SELECT range_id FROM shards WHERE shard_id = $1 FOR SHARE");
  auto lock = f.prepare(
      "SELECT db_record_version, next_event_id FROM executions WHERE shard_id = $1 AND "
      "namespace_id = '\\x0102'::bytea AND workflow_id = $2 AND run_id = $3 FOR UPDATE");
  auto update = f.prepare(
      "UPDATE executions SET db_record_version = db_record_version + 1, next_event_id = "
      "next_event_id + 1 WHERE shard_id = $1 AND namespace_id = '\\x0102'::bytea AND "
      "workflow_id = $2 AND run_id = $3");
  auto task = f.prepare("INSERT INTO transfer_tasks VALUES ($1, $2, '\\x0102030405'::bytea)");
  static int64_t i = 0;
  for (auto _ : state) {
    int64_t g = 1 + i++ % 5000;
    ++total_iterations;
    Datum sh(int64_t{g % 512}), wf(std::string("wf-") + std::to_string(g)),
        run(std::string("run-") + std::to_string(g));
    f.transaction({{&shard, {sh}},
                   {&lock, {sh, wf, run}},
                   {&update, {sh, wf, run}},
                   {&task, {sh, Datum(int64_t{1000000 + i})}}});
  }
}
BENCHMARK(BM_TemporalUpdateTransaction);

// One pgbench TPC-B transaction (`pgbench -M prepared`'s built-in script) on pgbench's
// tables, loaded the way `pgbench -i` loads them (keys added after the rows) when the fixture
// is built: 1 branch, 10 tellers, 10,000 accounts. The statements are prepared on the first
// run only (Google Benchmark runs a benchmark several times), so a callgrind count divided
// by the iterations is the transaction's cost.
void BM_TpcbTransaction(benchmark::State& state) {
  auto& f = fixture();
  static const std::vector<std::shared_ptr<PreparedStatement>> script{
      f.prepare("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2"),
      f.prepare("SELECT abalance FROM pgbench_accounts WHERE aid = $1"),
      f.prepare("UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2"),
      f.prepare("UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2"),
      f.prepare("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, "
                "CURRENT_TIMESTAMP)")};
  static int64_t i = 0;
  for (auto _ : state) {
    ++i, ++total_iterations;
    Datum aid(int64_t{1 + i * 7919 % 10000}), tid(int64_t{1 + i % 10}), bid(int64_t{1}),
        delta(int64_t{i % 10001 - 5000});
    f.transaction({{&script[0], {delta, aid}},
                   {&script[1], {aid}},
                   {&script[2], {delta, tid}},
                   {&script[3], {delta, bid}},
                   {&script[4], {tid, bid, aid, delta}}});
  }
}
BENCHMARK(BM_TpcbTransaction);

}  // namespace
}  // namespace hf::sql::testing
