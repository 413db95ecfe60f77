// sql/exec/lock_table_stmt.cc — the table locks statements take, and LOCK TABLE (see
// locking.h).
#include <algorithm>
#include <functional>

#include "common/error.h"
#include "runtime/stack.h"
#include "sql/exec/locking.h"

#include "sql/exec/enum_stmts.h"
#include "sql/exec/privileges.h"
#include "sql/exec/schemas.h"

namespace hf::sql::exec {

namespace {

std::string str_of(const PgQuery__Node* n) {
  if (n && n->node_case == PG_QUERY__NODE__NODE_STRING) return n->string->sval;
  return "";
}

void lock_named(ExecContext& cx, const std::string& name, uint8_t mode) {
  if (auto t = cx.catalog.find_table(name, cx.session.temp_namespace()))
    lock_relation(cx, *t, mode);
}

}  // namespace

void lock_relation(ExecContext& cx, const catalog::Table& t, uint8_t mode) {
  if (t.oid == 0) return;  // a pg_catalog view
  if (!cx.txn.lock_table(t.oid, mode, lock_wait(cx))) {
    throw SqlError(sqlstate::kLockNotAvailable,
                   "could not obtain lock on relation \"" + t.name + "\"");
  }
  // A DDL whose conflicting lock this waited for: its catalog change settles just after its
  // locks went (catalog.h, "Uncommitted changes"). CREATE INDEX (SHARE) waits for another
  // CREATE INDEX of the table too: both change its one definition.
  const uint8_t settle_mode =
      mode == coord::table_mode::kShare ? coord::table_mode::kShareRowExclusive : mode;
  if (!cx.catalog.wait_settled(t.oid, cx.txn.id(), settle_mode, &cx.session.cancel()))
    throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
  // DROP / ALTER / TRUNCATE / CREATE INDEX: statements that wait for this lock bind again
  // once the catalog settled after it (sql/engine.cc).
  if (mode >= coord::table_mode::kShareUpdateExclusive) cx.catalog.note_lock(t.oid, mode, cx.txn);
}

void wait_for_uncommitted_create(ExecContext& cx, NewObject what, const std::string& name,
                                 uint64_t temp_namespace, Oid ns) {
  auto pending = [&] {
    return what == NewObject::kSchema ? cx.catalog.uncommitted_schema(name)
           : what == NewObject::kType ? cx.catalog.uncommitted_type(name, ns)
                                      : cx.catalog.uncommitted_relation(name, temp_namespace, ns);
  };
  while (Oid oid = pending()) {
    // The creator holds ACCESS EXCLUSIVE on the new oid until it ends; a change of a
    // committed table (RENAME, CREATE INDEX) at least SHARE: SHARE UPDATE EXCLUSIVE waits for
    // either as a lock (pg_locks shows the wait).
    if (!cx.txn.lock_table(oid, coord::table_mode::kShareUpdateExclusive, lock_wait(cx)))
      throw SqlError(sqlstate::kLockNotAvailable,
                     "could not obtain lock on relation \"" + name + "\"");
    // Its commit clears the mark just after its locks go (the commit's on_commit hook), on
    // its own coordinator: this one reads the catalog again to learn it (Catalog::sync).
    cx.catalog.sync();
    // A change of a committed table (RENAME, CREATE INDEX) may hold a weaker lock: wait for
    // whatever the other transaction does to oid to settle.
    if (!cx.catalog.wait_settled(oid, cx.txn.id(), coord::table_mode::kAccessExclusive,
                                 &cx.session.cancel()))
      throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
    Error e;
    e.sqlstate = sqlstate::kUniqueViolation;
    if (what == NewObject::kSchema) {
      if (!cx.catalog.find_schema(name)) continue;  // rolled back
      e.message = "duplicate key value violates unique constraint \"pg_namespace_nspname_index\"";
      e.detail = "Key (nspname)=(" + name + ") already exists.";
      throw SqlError(std::move(e));
    }
    if (what == NewObject::kType) {
      if (!type_exists(cx, ns, name)) continue;  // rolled back
      e.message = "duplicate key value violates unique constraint \"pg_type_typname_nsp_index\"";
      e.detail =
          "Key (typname, typnamespace)=(" + name + ", " + std::to_string(ns) + ") already exists.";
      throw SqlError(std::move(e));
    }
    if (!cx.catalog.relation_exists(name, temp_namespace, ns)) continue;  // rolled back
    // A new table's row type goes into pg_type before its pg_class row: it clashes there with
    // a relation that has one (a table or view), else in pg_class.
    const std::string ns_text = std::to_string(temp_namespace ? Oid{0} : ns);
    auto t = temp_namespace ? cx.catalog.find_temp_table(name, temp_namespace)
                            : cx.catalog.find_table_in(ns, name);
    if (what == NewObject::kTable && t) {
      e.message = "duplicate key value violates unique constraint \"pg_type_typname_nsp_index\"";
      e.detail = "Key (typname, typnamespace)=(" + name + ", " + ns_text + ") already exists.";
    } else {
      e.message = "duplicate key value violates unique constraint \"pg_class_relname_nsp_index\"";
      e.detail = "Key (relname, relnamespace)=(" + name + ", " + ns_text + ") already exists.";
    }
    throw SqlError(std::move(e));
  }
}

void wait_for_sequence_change(ExecContext& cx, Oid seq) {
  if (!cx.catalog.in_flight(seq, cx.txn.id(), coord::table_mode::kRowExclusive)) return;
  cx.txn.lock_table(seq, coord::table_mode::kRowExclusive, lock_wait(cx));
  cx.catalog.sync();
  if (!cx.catalog.wait_settled(seq, cx.txn.id(), coord::table_mode::kRowExclusive,
                               &cx.session.cancel()))
    throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
  if (!cx.catalog.sequence_by_oid(seq))
    throw SqlError(sqlstate::kInternalError,
                   "could not open relation with OID " + std::to_string(seq));
}

void lock_object_for_change(ExecContext& cx, Oid oid, const std::string& name, uint8_t mode) {
  if (!cx.txn.lock_table(oid, mode, lock_wait(cx)))
    throw SqlError(sqlstate::kLockNotAvailable, "could not obtain lock on \"" + name + "\"");
  cx.catalog.sync();  // the drop it waited for may be another coordinator's
  if (!cx.catalog.wait_settled(oid, cx.txn.id(), mode, &cx.session.cancel()))
    throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
}

void take_statement_locks(const bind::BoundStatement& stmt, ExecContext& cx) {
  using Kind = bind::BoundStatement::Kind;
  switch (stmt.kind) {
    case Kind::kInsert:
      if (stmt.insert && stmt.insert->table)
        lock_relation(cx, *stmt.insert->table, coord::table_mode::kRowExclusive);
      return;
    case Kind::kUpdate:
      if (stmt.update && stmt.update->table)
        lock_relation(cx, *stmt.update->table, coord::table_mode::kRowExclusive);
      return;
    case Kind::kDelete:
      if (stmt.del && stmt.del->table)
        lock_relation(cx, *stmt.del->table, coord::table_mode::kRowExclusive);
      return;
    case Kind::kMerge:
      if (stmt.merge && stmt.merge->table)
        lock_relation(cx, *stmt.merge->table, coord::table_mode::kRowExclusive);
      return;
    case Kind::kCopyFrom:
      if (stmt.copy_table) lock_relation(cx, *stmt.copy_table, coord::table_mode::kRowExclusive);
      return;
    case Kind::kUtility:
      break;
    default:
      return;  // reads lock in scan_table
  }
  const PgQuery__Node* node = stmt.utility;
  if (!node) return;
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_DROP_STMT: {
      const auto* s = node->drop_stmt;
      // A view too: its readers lock it (ACCESS SHARE) and so wait, as PostgreSQL's.
      if (s->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE &&
          s->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_VIEW &&
          s->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW)
        return;
      for (size_t i = 0; i < s->n_objects; ++i) {
        const auto* obj = s->objects[i];
        std::string name = obj->node_case == PG_QUERY__NODE__NODE_LIST
                               ? str_of(obj->list->items[obj->list->n_items - 1])
                               : str_of(obj);
        lock_named(cx, name, coord::table_mode::kAccessExclusive);
      }
      return;
    }
    case PG_QUERY__NODE__NODE_VIEW_STMT:
      // CREATE OR REPLACE VIEW of an existing view: ACCESS EXCLUSIVE, as PostgreSQL, so its
      // readers wait for the new definition to commit (or roll back).
      if (node->view_stmt->replace && node->view_stmt->view)
        lock_named(cx, node->view_stmt->view->relname, coord::table_mode::kAccessExclusive);
      return;
    case PG_QUERY__NODE__NODE_TRUNCATE_STMT: {
      const auto* s = node->truncate_stmt;
      for (size_t i = 0; i < s->n_relations; ++i)
        lock_named(cx, s->relations[i]->range_var->relname, coord::table_mode::kAccessExclusive);
      return;
    }
    case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
      if (node->alter_table_stmt->relation)
        lock_named(cx, node->alter_table_stmt->relation->relname,
                   coord::table_mode::kAccessExclusive);
      return;
    case PG_QUERY__NODE__NODE_RENAME_STMT: {
      // ALTER TABLE / VIEW ... RENAME [COLUMN | CONSTRAINT]: ACCESS EXCLUSIVE, as PostgreSQL.
      const auto* s = node->rename_stmt;
      using OT = PgQuery__ObjectType;
      const OT k = s->rename_type;
      if (s->relation &&
          (k == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || k == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW ||
           k == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW ||
           k == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN ||
           k == PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT))
        lock_named(cx, s->relation->relname, coord::table_mode::kAccessExclusive);
      return;
    }
    case PG_QUERY__NODE__NODE_INDEX_STMT:
      if (node->index_stmt->relation) {
        // Two CREATE INDEX of one table run one after the other (both change its one
        // definition). While another transaction's change of the table is unsettled, this
        // one asks SHARE ROW EXCLUSIVE, which conflicts with the other's SHARE, so it waits as
        // a lock wait that deadlock detection and pg_locks see: a wait only in wait_settled
        // is invisible to both, and a first CREATE INDEX that then writes the table would
        // wait for our SHARE for ever. (A change that starts between this check and our lock
        // still leaves the invisible wait.)
        const char* name = node->index_stmt->relation->relname;
        uint8_t mode = coord::table_mode::kShare;
        if (auto t = cx.catalog.find_table(name, cx.session.temp_namespace());
            t && cx.catalog.in_flight(t->oid, cx.txn.id(), coord::table_mode::kShareRowExclusive))
          mode = coord::table_mode::kShareRowExclusive;
        lock_named(cx, name, mode);
      }
      return;
    default:
      return;
  }
}

std::string run_lock_table(const PgQuery__LockStmt* s, ExecContext& cx) {
  if (!cx.session.in_transaction_block())
    throw SqlError("25P01", "LOCK TABLE can only be used in transaction blocks");
  uint8_t mode =
      s->mode >= coord::table_mode::kAccessShare && s->mode <= coord::table_mode::kAccessExclusive
          ? static_cast<uint8_t>(s->mode)
          : coord::table_mode::kAccessExclusive;
  for (size_t i = 0; i < s->n_relations; ++i) {
    const auto* rv = s->relations[i]->range_var;
    auto t = utility_table(cx, rv);
    if (!t)
      throw SqlError(sqlstate::kUndefinedTable,
                     "relation \"" + (rv->schemaname ? std::string(rv->schemaname) + "." : "") +
                         rv->relname + "\" does not exist");
    check_lock_table_privilege(cx, *t, mode);  // before waiting for the lock, as PostgreSQL
    auto wait = lock_wait(cx, s->nowait ? coord::WaitPolicy::kNoWait : coord::WaitPolicy::kBlock);
    if (!cx.txn.lock_table(t->oid, mode, wait))
      throw SqlError(sqlstate::kLockNotAvailable,
                     "could not obtain lock on relation \"" + t->name + "\"");
    // A view: the relations its query reads too, as PostgreSQL's LockViewRecurse does; a view
    // that reads itself through others is PostgreSQL's 42P17.
    std::vector<Oid> ancestors{t->oid};
    std::function<void(const catalog::Table&)> lock_below = [&](const catalog::Table& view) {
      for (Oid o : view.view_depends) {
        auto base = cx.catalog.table_by_oid(o);
        if (!base) continue;
        if (std::find(ancestors.begin(), ancestors.end(), o) != ancestors.end())
          throw SqlError("42P17",
                         "infinite recursion detected in rules for relation \"" + t->name + "\"");
        if (!cx.txn.lock_table(base->oid, mode, wait))
          throw SqlError(sqlstate::kLockNotAvailable,
                         "could not obtain lock on relation \"" + base->name + "\"");
        if (!base->is_view()) continue;
        runtime::check_stack_depth();
        ancestors.push_back(o);
        lock_below(*base);
        ancestors.pop_back();
      }
    };
    lock_below(*t);
  }
  return "LOCK TABLE";
}

}  // namespace hf::sql::exec
