// sql/exec/executor.h — runs bound and planned statements against a coord::Transaction.
//
// Owns: evaluation of expressions (including the functions that need the session: now(),
// current_setting(), nextval(), pg_sleep(), ...), reading tables through their access paths,
// joins (nested loop and hash), grouping, windows, sorting, and the write path: row and index
// maintenance, uniqueness (lock the key at kUpdate, then check the newest committed state),
// NOT NULL / CHECK / FOREIGN KEY checks, and the row locking of UPDATE / DELETE / SELECT FOR
// UPDATE with PostgreSQL's EvalPlanQual re-check under READ COMMITTED (40001 above it).
//
// Thread safety: one run() per session fiber at a time. run() MAY SUSPEND (row locks,
// COPY input, pg_sleep, commits of autonomous DDL and sequence allocations).
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "sql/bind/bound.h"
#include "sql/engine.h"

namespace hf::sql::exec {

struct Result {
  std::vector<Row> rows;
  std::string tag;
};

Result run(const bind::BoundStatement& stmt, catalog::Catalog& catalog, SessionContext& session,
           const std::vector<Datum>& params);

}  // namespace hf::sql::exec
