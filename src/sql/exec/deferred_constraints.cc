// sql/exec/deferred_constraints.cc — see deferred_constraints.h.
#include "sql/exec/deferred_constraints.h"

#include <pg_query/pg_query.pb-c.h>

#include "common/error.h"
#include "sql/exec/exec_internal.h"

namespace hf::sql::exec {

namespace {

// The session's state for its current transaction, created (or reset) on first use in it.
DeferredConstraints& state_of(SessionContext& session) {
  auto& st = session.deferred_constraints;
  const coord::TxnId txn = session.transaction().id();
  if (!st || st->txn != txn) {
    st = std::make_shared<DeferredConstraints>();
    st->txn = txn;
  }
  return *st;
}

bool deferred_in(const DeferredConstraints& st, const catalog::ForeignKey& fk) {
  if (!fk.deferrable) return false;
  if (auto it = st.deferred_by_oid.find(fk.oid); it != st.deferred_by_oid.end()) return it->second;
  if (st.all_deferred) return *st.all_deferred;
  return fk.initially_deferred;
}

// Runs the pending checks whose constraint is no longer deferred (all of them at COMMIT),
// in the order they were queued; the others stay pending.
void run_checks(ExecContext& cx, DeferredConstraints& st, bool all) {
  std::vector<DeferredConstraints::Check> keep;
  // A check queued while these run (none today: checks do not write) runs in the next round.
  while (!st.pending.empty()) {
    cx.txn.start_statement();  // the checks see every write of the transaction so far
    auto pending = std::move(st.pending);
    st.pending.clear();
    for (const auto& c : pending) {
      auto table = cx.catalog.table_by_oid(c.table);
      if (!table) continue;  // dropped since
      const catalog::ForeignKey* fk = nullptr;
      for (const auto& f : table->foreign_keys)
        if (f.oid == c.constraint) fk = &f;
      if (!fk) continue;  // the constraint was dropped since
      if (!all && deferred_in(st, *fk)) {
        keep.push_back(c);
        continue;
      }
      if (c.referenced_old_row) {
        auto parent = cx.catalog.table_by_oid(fk->ref_table);
        if (!parent) continue;
        Writer w(*parent, cx);
        w.check_deferred_referenced_key(*table, *fk, *c.referenced_old_row);
        continue;
      }
      Writer w(*table, cx);
      w.check_deferred_foreign_key(*fk, c.row_key);
    }
  }
  st.pending = std::move(keep);
}

}  // namespace

bool constraint_deferred(ExecContext& cx, const catalog::ForeignKey& fk) {
  if (!fk.deferrable) return false;
  const auto& st = cx.session.deferred_constraints;
  if (!st || st->txn != cx.txn.id()) return fk.initially_deferred;
  return deferred_in(*st, fk);
}

void defer_foreign_key_check(ExecContext& cx, const catalog::Table& child,
                             const catalog::ForeignKey& fk, const std::string& row_key) {
  state_of(cx.session).pending.push_back({child.oid, fk.oid, row_key});
}

void defer_referenced_key_check(ExecContext& cx, const catalog::Table& child,
                                const catalog::ForeignKey& fk, const Row& old_row) {
  state_of(cx.session).pending.push_back({child.oid, fk.oid, {}, old_row});
}

std::string set_constraints(const PgQuery__ConstraintsSetStmt* s, ExecContext& cx) {
  if (!cx.session.in_transaction_block()) {
    // PostgreSQL: a WARNING, and the setting ends with the statement's own transaction.
    Error w;
    w.severity = "WARNING";
    w.sqlstate = "25P01";
    w.message = "SET CONSTRAINTS can only be used in transaction blocks";
    cx.session.notice(w);
  }
  DeferredConstraints& st = state_of(cx.session);
  if (s->n_constraints == 0) {
    st.all_deferred = s->deferred;
    st.deferred_by_oid.clear();
  } else {
    for (size_t i = 0; i < s->n_constraints; ++i) {
      const auto* rv = s->constraints[i]->range_var;
      const std::string name = rv->relname;
      std::optional<Oid> schema;
      if (rv->schemaname && *rv->schemaname) {
        const std::string schema_name = rv->schemaname;
        auto ns = cx.catalog.find_schema(schema_name);
        if (schema_name == "public")
          schema = catalog::kPublicNamespaceId;
        else if (ns)
          schema = ns->oid;
        else
          throw SqlError(sqlstate::kInvalidSchemaName,
                         "schema \"" + schema_name + "\" does not exist");
      }
      // Every constraint of that name (PostgreSQL: in the first schema of the search path
      // that has one); only foreign keys can be deferrable here.
      bool found = false;
      for (const auto& t : cx.catalog.tables()) {
        if (schema && t->namespace_oid != *schema) continue;
        // Another session's temporary tables are not this session's to name.
        if (t->temp_namespace != 0 && t->temp_namespace != cx.session.temp_namespace()) continue;
        // Only DEFERRED needs the constraint deferrable (PostgreSQL's AfterTriggerSetState).
        auto not_deferrable = [&] {
          found = true;
          if (s->deferred) throw SqlError("55000", "constraint \"" + name + "\" is not deferrable");
        };
        if (t->pkey_name == name && !t->primary_key.empty()) not_deferrable();
        for (const auto& idx : t->indexes)
          if (idx.constraint && idx.name == name) not_deferrable();
        for (const auto& c : t->checks)
          if (c.name == name) not_deferrable();
        for (const auto& fk : t->foreign_keys) {
          if (fk.name != name) continue;
          if (!fk.deferrable) {
            not_deferrable();
            continue;
          }
          st.deferred_by_oid[fk.oid] = s->deferred;
          found = true;
        }
      }
      if (!found)
        throw SqlError(sqlstate::kUndefinedObject, "constraint \"" + name + "\" does not exist");
    }
  }
  // Constraints made immediate have their pending checks run now (PostgreSQL's
  // AfterTriggerSetState).
  if (!s->deferred) run_checks(cx, st, false);
  return "SET CONSTRAINTS";
}

void run_deferred_checks(catalog::Catalog& catalog, SessionContext& session) {
  auto st = session.deferred_constraints;
  if (!st || st->pending.empty()) return;
  coord::Transaction& txn = session.transaction();
  if (st->txn != txn.id()) return;
  static const std::vector<Datum> kNoParams;
  ExecContext cx{catalog, session, txn, kNoParams, {}, {}, nullptr};
  cx.fctx.zone = session.time_zone();
  run_checks(cx, *st, true);
}

}  // namespace hf::sql::exec
