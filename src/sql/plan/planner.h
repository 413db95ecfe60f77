// sql/plan/planner.h — access paths and join methods for bound statements.
//
// Owns: the choice of how each base table is read (PostgreSQL's names in EXPLAIN):
//   - all primary-key columns bound by equality to values known before the scan (constants,
//     parameters, outer columns): a point get — one partition, never a scan ("Index Scan
//     using t_pkey");
//   - a primary-key prefix bound: a range scan over [prefix, successor(prefix)), narrowed by
//     a range (<, <=, >, >=, BETWEEN) on the next key column;
//   - every column of a secondary index bound by equality: an index lookup (one partition);
//   - a prefix of a secondary index's columns bound by equality and/or a range on the column
//     after it: an index range scan merged across partitions in index order ("Index Scan
//     using idx"), each entry's row fetched by its primary key;
//   - a range on the first primary-key column alone: a primary-key range scan;
//   - otherwise a full scan merged across partitions in key order ("Seq Scan").
// For one table with ORDER BY, when the scan's key order (skipping columns bound by equality)
// is the ORDER BY's, forward or backward, the Sort is dropped (SelectPlan::scan_ordered) and
// the executor streams rows, stopping at LIMIT. UPDATE ... FROM / DELETE ... USING whose FROM
// item binds the target's primary key read the target by point gets (lookup_first_source).
// For joins, hash join keys from equality conjuncts between a new source and what comes
// before it. The WHERE clause is always re-evaluated on the rows found, so an access path
// only narrows what is read. Pure; never suspends.
#pragma once

#include <string>

#include "sql/bind/bound.h"

namespace hf::sql::plan {

void plan_statement(bind::BoundStatement& stmt);
// Deep copy of a bound expression.
bind::ExprPtr clone(const bind::Expr& e);
// Whether `p` (or `e`) reads a column of a query level outside it, `depth` levels out from
// where it sits: refers_outside(*sublink.subquery, 0) is true when the subquery is correlated
// and must run again for every row; false makes it an InitPlan, computed once per statement.
bool refers_outside(const bind::SelectPlan& p, int depth);
bool refers_outside(const bind::Expr* e, int depth);
// Whether `p` (or `e`) reads a column of exactly the query level depth + 1 levels out.
bool refers_to_level(const bind::SelectPlan& p, int depth);
bool refers_to_level(const bind::Expr* e, int depth);
// Plain-text EXPLAIN output, one line per node; under each scan of a stored table a
// "Partitions: k of n" line, n = `partitions` (0: no such lines).
std::string explain(const bind::BoundStatement& stmt, uint32_t partitions);
// How many of `partitions` partitions an access path of t reads: 1 when it fixes the
// partition key of the keys it reads (sql/exec/placement.h routes it), else all of them.
size_t partitions_read(const catalog::Table& t, const bind::TableAccess& a, size_t partitions);

}  // namespace hf::sql::plan
