// bench/driver/temporal.h — Temporal's persistence workload: one hello-world workflow (one
// activity) replayed as the SQL Temporal's PostgreSQL plugin sends, from
// ../shared/docs/temporal-sql.md §4 and Temporal's source at commit 6805caea.
//
// One workflow (one unit), in order, as one client (connection) runs it:
//   history branch   TX{ history_node upsert (events 1-2); history_tree upsert }
//   start            TX{ shards FOR SHARE; current_executions ⋈ executions FOR UPDATE (0 rows);
//                        INSERT current_executions; INSERT executions (db_record_version 1);
//                        INSERT transfer_tasks, visibility_tasks in random order }
//   load             9 autocommit SELECTs: the mutable-state load after a cache miss
//   WFT1 started     history_node upsert; UPD(timer_tasks); history read (autocommit)
//   WFT1 completed   history_node upsert; UPD(transfer_tasks; activity_info_maps upsert)
//   activity started UPD(timer_tasks; activity_info_maps upsert)             — no history event
//   activity done    history_node upsert; UPD(transfer, timer in random order;
//                                             activity_info_maps DELETE … IN ($5))
//   WFT2 started     history_node upsert; UPD(timer_tasks); history read (sticky: partial)
//   WFT2 completed   history_node upsert; UPD(transfer, visibility, timer in random order),
//                    current_executions state/status → completed
// where UPD(extra) = TX{ shards FOR SHARE, range_id compared in the client;
//   current_executions FOR UPDATE, run_id compared; UPDATE current_executions (1 row);
//   executions FOR UPDATE, db_record_version compared (the CAS: lock, compare, then an
//   unconditional UPDATE); UPDATE executions (1 row); extra }.
// That is 8 transactions and 66 statements (Temporal's count of 68 includes 2 statements to
// the separate visibility database, which this workload leaves out).
//
// Statements are Temporal's text verbatim with sqlx's `:name` → `$n` rewrite, prepared once
// per connection; ids and blobs are bytea parameters (binary), integers binary as their
// described types, timestamps binary. Sizes: executions.data 1-4 KB, state and
// current_executions.data ~100 B, history 0.3-2 KB, tasks 100-200 B, activity info 200-400 B.
//
// Shards: shard_id = FNV-1a(workflow_id) % shards + 1 (Temporal: farm fingerprint % N + 1).
// Before the clients start, the driver acquires every shard as a history host does
// (getShardQry, then TX{ FOR UPDATE; UPDATE shards SET range_id = range_id + 1 }) and caches
// its range_id, as the owning host does; task and history transaction ids come from
// range_id << 20 upwards, so a later run on the same data never reuses an earlier run's ids. About
// once per `renew_every` workflows a client renews its workflow's shard first: TX{ shards FOR
// UPDATE, range_id compared; UPDATE shards SET range_id = range_id + 1 }. The renewal moves the
// cache forward after its UPDATE and before its COMMIT; since it holds the row FOR UPDATE until
// then, a workflow transaction that reads the row FOR SHARE sees either the old value before the
// renewal locked it or the new one after it committed, and the cache agrees in both cases — a
// mismatch means a shared lock did not exclude the exclusive one. Background: `membership_hosts`
// hosts upsert their cluster_membership row every 10-15 s.
//
// Client-side checks (Temporal's): range_id equal to the cache, run_id of current_executions,
// db_record_version equal to the expected one, RowsAffected == 1, no current row at start,
// the history read returning the nodes written. A failed check rolls the transaction back,
// ends the workflow and is counted as a failure ("<step> check:<name>"), like an error after
// retries ("<step> <SQLSTATE> <outcome> (<statement>)"). 40001 and 40P01 are retried with
// hf::client::Retrier.
//
// Consistency check after the run: every workflow's executions row has the db_record_version
// and next_event_id of its last committed step, current_executions points at its run with the
// expected state, its activity_info_maps row exists exactly while the activity is open, its
// history nodes are all there; every shard's range_id equals the cache; the task, history and
// execution tables hold exactly the rows committed (counted from a baseline taken before the
// run); no task id lies beyond its shard's current range.
//
// Thread safety: TemporalWorkload is shared by the client threads (the shard cache and the
// tallies are atomics); each TemporalClient belongs to one thread.
// Blocking: everything that talks to the server blocks its thread in libpq.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/driver/workload.h"
#include "client/retry.h"

namespace hf::bench {

class TemporalWorkload : public Workload {
 public:
  // Reads -D parameters: shards, renew_every, membership_hosts, heartbeat_ms.
  TemporalWorkload(Options& options, std::uint64_t seed);

  std::string name() const override { return "temporal"; }
  std::string unit() const override { return "workflows"; }
  std::vector<std::string> kind_names() const override;
  std::vector<std::string> statement_names() const override;
  void setup(Connection& admin) override;
  void before_run(Connection& admin) override;
  std::unique_ptr<WorkloadClient> make_client(int index, Connection& conn) override;
  void background(const std::string& conninfo, const std::atomic<bool>& stop,
                  Metrics& metrics) override;
  void check(Connection& admin, CheckReport& report) override;
  nlohmann::json parameters() const override;

  // Every statement the workload prepares: (name, SQL).
  static const std::vector<std::pair<std::string, std::string>>& statements();
  // The CREATE TABLE / CREATE INDEX statements of setup, in order.
  static const std::vector<std::string>& schema();

  // shard_id of a workflow id: FNV-1a 32 % shards + 1.
  static int shard_of(std::string_view workflow_id, int shards);

  void set_retry_policy(client::RetryPolicy policy) { retry_policy_ = std::move(policy); }

 private:
  friend class TemporalClient;

  struct ShardCache {
    std::atomic<std::int64_t> range_id{0};
    std::atomic<std::int64_t> next_task_id{0};
  };
  // Rows committed by the clients during the run, per table (for the count check).
  struct Tally {
    std::atomic<std::int64_t> transfer_tasks{0}, timer_tasks{0}, visibility_tasks{0};
    std::atomic<std::int64_t> history_nodes{0}, history_trees{0};
    std::atomic<std::int64_t> executions{0}, current_executions{0}, activity_rows{0};
    std::atomic<std::int64_t> renewals{0}, uncertain{0};
  };
  static constexpr const char* kCountedTables[] = {
      "transfer_tasks", "timer_tasks",        "visibility_tasks",   "history_node",
      "history_tree",   "current_executions", "activity_info_maps", "executions"};

  std::int64_t allocate_task_id(int shard);

  int shards_;
  int renew_every_;
  int membership_hosts_;
  int heartbeat_ms_;
  std::uint64_t seed_;
  client::RetryPolicy retry_policy_;
  std::unique_ptr<ShardCache[]> shard_cache_;  // index shard_id - 1
  Tally tally_;
  std::vector<std::int64_t> baseline_;  // row counts of kCountedTables before the run
};

}  // namespace hf::bench
