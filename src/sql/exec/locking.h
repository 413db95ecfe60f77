// sql/exec/locking.h — table locks, advisory locks and lock observability in the executor
// (issue 4). Implemented in lock_table_stmt.cc, lock_functions.cc and lock_views.cc.
//
// What it owns and promises:
//   - The table locks statements take by themselves, as PostgreSQL does: ACCESS SHARE for
//     every table a statement reads (scan_table), ROW EXCLUSIVE for the target of INSERT /
//     UPDATE / DELETE / COPY FROM, ACCESS EXCLUSIVE for DROP / TRUNCATE / ALTER TABLE, SHARE
//     for CREATE INDEX. The locking clauses' ROW SHARE is taken by whoever runs them, with
//     lock_relation(cx, table, coord::table_mode::kRowShare). Each is taken once per table and
//     mode per transaction: coord::Transaction caches it, so the hot path (a point SELECT in
//     a transaction that already holds the lock) costs one hash lookup.
//   - LOCK TABLE name [, ...] [IN <mode> MODE] [NOWAIT].
//   - The pg_advisory_* family, pg_blocking_pids, pg_isolation_test_session_is_blocked.
//     They run inside expression evaluation and may park the statement in the middle of a
//     scan (the fiber waits in the lock table; nothing else has to know).
//   - The rows of pg_locks and holdfast_lock_stats.
// Thread safety: as the executor (one statement per session fiber). Lock calls MAY SUSPEND.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sql/exec/exec_internal.h"

namespace hf::sql::exec {

// Takes `mode` on the table for the statement's transaction (waits as the statement's lock
// waits do). Virtual tables (pg_catalog views) take nothing.
void lock_relation(ExecContext& cx, const catalog::Table& t, uint8_t mode);

// The table locks a statement takes before it runs (see above); called by exec::run.
void take_statement_locks(const bind::BoundStatement& stmt, ExecContext& cx);

// Before a CREATE of `name` (issue 13; catalog.h, "Uncommitted creations"): while another
// transaction has created an object of that name and not committed, waits for it to end, as
// PostgreSQL's CREATE waits on the unique index of its catalog. If it committed, fails with
// that index's duplicate-key error (23505), IF NOT EXISTS or not, as PostgreSQL; if it rolled
// back, returns (the caller's own checks follow). What: kTable a table, view or materialized
// view (a relation with a row type: pg_type's index), kRelation an index or a sequence
// (pg_class's), kSchema a schema (pg_namespace's; temp_namespace and ns unused), kType a
// domain, enum or composite type (pg_type's; temp_namespace unused).
enum class NewObject { kTable, kRelation, kSchema, kType };
void wait_for_uncommitted_create(ExecContext& cx, NewObject what, const std::string& name,
                                 uint64_t temp_namespace, Oid ns);

// Before nextval()/setval() of sequence seq: while another transaction drops it (holding
// ACCESS EXCLUSIVE), waits for its lock as PostgreSQL's ROW EXCLUSIVE does, then fails as
// PostgreSQL if the drop committed. Costs one map lookup when nothing is in flight.
void wait_for_sequence_change(ExecContext& cx, Oid seq);

// Before a DROP of a sequence, schema or type, or an ALTER DOMAIN, of the object with that
// oid: ACCESS EXCLUSIVE on it (or `mode`), waited for as PostgreSQL's lock waits are (a
// cancel, statement_timeout or lock_timeout ends it), then until another transaction's
// change of it has settled. The caller looks the object up again: gone means a concurrent
// drop committed (PostgreSQL's "does not exist").
void lock_object_for_change(ExecContext& cx, Oid oid, const std::string& name,
                            uint8_t mode = coord::table_mode::kAccessExclusive);

// LOCK TABLE (a utility statement). Returns the command tag.
std::string run_lock_table(const PgQuery__LockStmt* s, ExecContext& cx);

// The lock functions: nullopt if `e.name` is not one of them.
// holdfast.resource_locks (issue 11): one row per holder and mode of a lock-service resource.
std::vector<Row> resource_lock_rows(ExecContext& cx);

std::optional<Datum> lock_function(const bind::Expr& e, const std::vector<Datum>& args,
                                   ExecContext& cx);

// Rows of pg_locks / holdfast_lock_stats (nullopt: not one of these views).
std::optional<std::vector<Row>> lock_view_rows(const std::string& view, ExecContext& cx);

// pg_blocking_pids(pid): sessions holding a lock that conflicts with pid's waiting request, or
// waiting ahead of it for a conflicting one (row, table and advisory locks alike).
std::vector<int32_t> blocking_pids(int32_t pid, ExecContext& cx);

}  // namespace hf::sql::exec
