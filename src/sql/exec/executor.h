// sql/exec/executor.h — runs bound and planned statements against a coord::Transaction.
//
// Owns: evaluation of expressions (including the functions that need the session: now(),
// current_setting(), nextval(), pg_sleep(), ...), reading tables through their access paths,
// joins (nested loop and hash), grouping, windows, sorting, and the write path: row and index
// maintenance, uniqueness (lock the key at kUpdate, then check the newest committed state),
// NOT NULL / CHECK / FOREIGN KEY checks (the child's KEY SHARE lock on the referenced row; the
// parent's NO ACTION check of DELETE and key-changing UPDATE at the end of the statement), and
// the row locking of UPDATE / DELETE / SELECT FOR UPDATE with PostgreSQL's EvalPlanQual
// re-check under READ COMMITTED (40001 above it), following a row across a primary-key change
// (exec_internal.h, forward_space), and KEY SHARE's indifference to no-key updates.
//
// Thread safety: one run() per session fiber at a time. run() MAY SUSPEND (row locks,
// COPY input, pg_sleep, commits of autonomous DDL and sequence allocations).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "sql/bind/bound.h"
#include "sql/engine.h"

namespace hf::sql::exec {

// Rows produced after the statement ran (a sort's merge reading its temporary files): it
// touches neither the session nor the transaction, so it may outlive both.
class RowStream {
 public:
  virtual ~RowStream() = default;
  virtual bool next(Row& out) = 0;  // false: no more rows
};

struct Result {
  std::vector<Row> rows;
  std::string tag;
  std::unique_ptr<RowStream> stream;  // when set, the rows come from it (after `rows`)
};

// Where the session looks up unqualified names now: its temporary tables, then the schemas of
// its search_path setting that exist ("$user": the current user's schema).
catalog::SearchPath session_search_path(catalog::Catalog& catalog, SessionContext& session);

// A regclass value's text as PostgreSQL's regclassout prints it: the table's (sequence's,
// index's) name, schema-qualified when the session's search path would not find it by
// that name, quoted when it needs quotes; "-" for 0; the number for anything else.
std::string regclass_text(catalog::Catalog& catalog, SessionContext& session, Oid oid);
// A regnamespace value's text (regnamespaceout): the schema's name, "-" for 0, else the number.
std::string regnamespace_text(catalog::Catalog& catalog, Oid oid);
// A regproc value's text (regprocout): a user function's name, schema-qualified when its
// schema is not on the session's search path; "-" for 0; else the number (holdfast's
// built-in functions have no oids).
std::string regproc_text(catalog::Catalog& catalog, SessionContext& session, Oid oid);

Result run(const bind::BoundStatement& stmt, catalog::Catalog& catalog, SessionContext& session,
           const std::vector<Datum>& params);

}  // namespace hf::sql::exec
