// sql/exec/deferred_constraints.h — deferrable foreign keys (PostgreSQL's deferred RI trigger
// events and SET CONSTRAINTS). Owns, per transaction, which constraints are deferred (their
// INITIALLY DEFERRED default, changed by SET CONSTRAINTS) and the checks of referencing rows
// put off until COMMIT.
// Promises: a deferred check re-reads its referencing row when it runs (at COMMIT, or when SET
// CONSTRAINTS makes its constraint immediate) and, if the row is still there, checks it as an
// immediate check would — the referenced row locked FOR KEY SHARE, 23503 with PostgreSQL's
// message otherwise; at COMMIT that error rolls the transaction back (session's COMMIT path).
// On the referenced side a deferred constraint's NO ACTION check (a referenced row deleted or
// its key changed) waits for COMMIT too, and passes if a row with that key exists again;
// RESTRICT is checked at the end of the statement, never deferred, as in PostgreSQL.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "coord/transaction.h"
#include "sql/engine.h"

struct PgQuery__ConstraintsSetStmt;

namespace hf::sql {

// The state SessionContext::deferred_constraints holds (sql/engine.h).
struct DeferredConstraints {
  coord::TxnId txn = 0;                 // the transaction it belongs to; another one starts afresh
  std::optional<bool> all_deferred;     // SET CONSTRAINTS ALL ...
  std::map<Oid, bool> deferred_by_oid;  // SET CONSTRAINTS name ... (after the last ALL)
  struct Check {
    Oid table = 0;        // the referencing table (a leaf partition for a partitioned one)
    Oid constraint = 0;   // the foreign key's pg_constraint oid
    std::string row_key;  // the referencing row's storage key
    // Set for the referenced side's NO ACTION check: the referenced table's row that went
    // away or had its key changed (row_key unused).
    std::optional<Row> referenced_old_row;
  };
  std::vector<Check> pending;
};

namespace exec {

struct ExecContext;

// Whether fk (a DEFERRABLE one) is deferred in the current transaction.
bool constraint_deferred(ExecContext& cx, const catalog::ForeignKey& fk);
// Queues the check of fk for the row of child at row_key until COMMIT.
void defer_foreign_key_check(ExecContext& cx, const catalog::Table& child,
                             const catalog::ForeignKey& fk, const std::string& row_key);
// Queues, until COMMIT, the NO ACTION check of fk (of table child) for the referenced row
// old_row that was deleted or had its key changed.
void defer_referenced_key_check(ExecContext& cx, const catalog::Table& child,
                                const catalog::ForeignKey& fk, const Row& old_row);
// SET CONSTRAINTS { ALL | name [, ...] } { DEFERRED | IMMEDIATE }; returns the command tag.
std::string set_constraints(const PgQuery__ConstraintsSetStmt* s, ExecContext& cx);
// Runs every pending check of the session's current transaction (COMMIT). Throws 23503.
void run_deferred_checks(catalog::Catalog& catalog, SessionContext& session);

}  // namespace exec
}  // namespace hf::sql
