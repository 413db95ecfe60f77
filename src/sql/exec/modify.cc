// sql/exec/modify.cc — INSERT / UPDATE / DELETE / COPY FROM and the row write path. Writes
// through a partitioned table go to its leaf partitions: a new row routed (exec/partitions.h),
// an UPDATE or DELETE applied to the partition its row was read from, an UPDATE whose new
// row belongs elsewhere moved (deleted there, inserted where it is routed).
// Foreign keys: a referencing row's check, and a referenced row's NO ACTION check, run at the
// row or at the end of the statement, or at COMMIT when the constraint is deferred
// (exec/deferred_constraints.h); the referenced row is locked FOR KEY SHARE either way.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <optional>

#include "common/error.h"
#include "runtime/stack.h"
#include "sql/bind/binder.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/executor.h"
#include "sql/exec/locking.h"
#include "sql/exec/partitions.h"
#include "sql/exec/placement.h"
#include "sql/exec/privileges.h"
#include "sql/plan/planner.h"
#include "sql/types/cast.h"
#include "sql/types/compare.h"
#include "sql/types/key_codec.h"
#include "sql/types/row_codec.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {

using namespace hf::sql::bind;

namespace {

// The relation an integrity error is about, as PostgreSQL names it in the error's schema and
// table fields (a temporary table's schema is left out).
Error relation_error(const catalog::Table& t, ExecContext& cx) {
  Error e;
  if (t.temp_namespace == 0) e.schema_name = cx.catalog.schema_name(t.namespace_oid);
  e.table_name = t.name;
  return e;
}

// The values of an error's DETAIL as PostgreSQL prints them (timestamptz in the session's zone).
std::string row_text(const catalog::Table& t, const Row& row, const types::TimeZone& zone) {
  std::string s = "(";
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) s += ", ";
    s += row[i].is_null() ? "null" : types::to_text(row[i], t.columns[i].type, zone);
  }
  return s + ")";
}

std::string key_text(const catalog::Table& t, const std::vector<int>& cols, const Row& row,
                     const types::TimeZone& zone) {
  std::string names, vals;
  for (size_t i = 0; i < cols.size(); ++i) {
    names += (i ? ", " : "") + t.columns[cols[i]].name;
    vals += i ? ", " : "";
    vals += row[cols[i]].is_null() ? "null"
                                   : types::to_text(row[cols[i]], t.columns[cols[i]].type, zone);
  }
  return "Key (" + names + ")=(" + vals + ")";
}

// Whether a key exists for uniqueness purposes: visible to us (own writes included) or
// committed by anyone, after we hold the key's lock.
std::string stmt_key(const coord::KeySpace& space, const std::string& key) {
  std::string k(8 + key.size(), '\0');
  for (int i = 0; i < 4; ++i) {
    k[i] = static_cast<char>(space.table_id >> (24 - 8 * i));
    k[4 + i] = static_cast<char>(space.index_id >> (24 - 8 * i));
  }
  k.replace(8, key.size(), key);
  return k;
}

void note_write(ExecContext& cx, const coord::KeySpace& space, const std::string& key, bool live) {
  cx.stmt_keys[stmt_key(space, key)] = live;
}

bool key_taken(ExecContext& cx, const coord::KeySpace& space, const std::string& routing,
               const std::string& key, std::optional<std::string>* value,
               bool* invisible = nullptr) {
  auto sk = cx.stmt_keys.find(stmt_key(space, key));
  if (sk != cx.stmt_keys.end()) {
    // Written by this statement: taken (its value is not readable yet; callers that need it
    // report "cannot affect row a second time").
    return sk->second;
  }
  auto latest = cx.txn.latest(space, routing, key);
  // No version was ever committed and no write of this transaction is pending: the snapshot
  // (taken when the statement started) can see nothing either, so the snapshot read is
  // skipped. That is every insert of a new key: one storage read instead of two.
  if (latest.newest.commit_ts == 0 && latest.intent_txn != cx.txn.id()) return false;
  // A uniqueness check, not a read of the query: no SERIALIZABLE SIREAD lock (probe()).
  auto mine = cx.txn.probe(space, routing, key);
  if (latest.intent_txn == cx.txn.id()) {
    if (mine && value) *value = mine->value;
    return mine.has_value();
  }
  if (mine) {
    // The snapshot's version was deleted (or its key changed) by a transaction that has
    // committed since: the key is free, as PostgreSQL's unique check (a dirty snapshot) sees
    // it. The caller holds the key's lock, so no other deletion or insertion is pending.
    if (latest.newest.commit_ts != 0 && latest.newest.deleted) return false;
    if (value) *value = mine->value;
    return true;
  }
  if (latest.newest.commit_ts != 0 && !latest.newest.deleted && latest.value) {
    if (value) *value = latest.value;
    if (invisible) *invisible = true;  // committed after the snapshot
    return true;
  }
  return false;
}

// PostgreSQL's ExecCheckTupleVisible: above READ COMMITTED, ON CONFLICT may not skip (DO
// NOTHING) or update (DO UPDATE, which checks the same later) a conflicting row its snapshot
// cannot see.
void check_conflict_visible(ExecContext& cx, bool invisible) {
  if (invisible && cx.txn.isolation() != coord::Isolation::kReadCommitted) {
    throw SqlError(sqlstate::kSerializationFailure,
                   "could not serialize access due to concurrent update");
  }
}

void lock_key(ExecContext& cx, const catalog::Table& t, const coord::KeySpace& space,
              const std::string& routing, const std::string& key) {
  // Only the outcome counts: the caller reads the key's state itself when it needs it.
  auto r = cx.txn.lock_outcome(space, routing, key, lock_wait(cx));
  if (r.outcome != coord::LockOutcome::kGranted &&
      r.outcome != coord::LockOutcome::kVersionMismatch)
    throw_lock_failure(r.outcome, t, cx);
}

}  // namespace

Writer::Writer(const catalog::Table& t, ExecContext& c)
    : table(t), cx(c), col_types(column_types(t)) {
  for (const auto& col : t.columns)
    generated.push_back(col.generated_expr.empty()
                            ? nullptr
                            : bind_table_expr(cx.catalog, t, col.generated_expr, &col.type));
  for (size_t i = 0; i < t.columns.size(); ++i) {
    auto d = t.columns[i].domain ? types::domain_types().find(t.columns[i].domain) : nullptr;
    if (!d) {
      domain_checks.push_back(nullptr);
      continue;
    }
    auto value = std::make_unique<bind::Expr>();
    value->kind = bind::ExprKind::kColumn;
    value->index = static_cast<int>(i);
    value->type = t.columns[i].type;
    domain_checks.push_back(bind::domain_check(cx.catalog, d, std::move(value)));
  }
  for (const auto& idx : t.indexes) {
    has_unique_index_ |= idx.unique;
    for (const auto& e : idx.exprs)
      index_exprs.push_back(bind_table_expr(cx.catalog, t, e, nullptr));
    index_predicates.push_back(
        idx.predicate.empty() ? nullptr : bind_table_expr(cx.catalog, t, idx.predicate, nullptr));
  }
}

bool Writer::indexes_row(size_t i, const Row& row) {
  return !index_predicates[i] || eval_bool(*index_predicates[i], row, cx);
}

std::string Writer::index_key(size_t i, const Row& row, bool* has_null, std::string* routing) {
  size_t expr_base = 0;
  for (size_t k = 0; k < i; ++k) expr_base += table.indexes[k].exprs.size();
  const auto& idx = table.indexes[i];
  KeyBuilder key(idx.placement_width());
  *has_null = false;
  size_t ei = 0;
  for (int c : idx.columns) {
    Datum v;
    Oid t;
    if (c >= 0) {
      v = row[c];
      t = table.columns[c].type.oid;
    } else {
      const auto& e = *index_exprs[expr_base + ei++];
      v = eval(e, row, cx);
      t = e.type.oid;
    }
    *has_null |= v.is_null();
    key.add(v, t);
  }
  if (routing) *routing = key.routing();
  return std::move(key.mutable_key());
}

std::string Writer::index_key_text(size_t i, const Row& row) {
  size_t expr_base = 0;
  for (size_t k = 0; k < i; ++k) expr_base += table.indexes[k].exprs.size();
  const auto& idx = table.indexes[i];
  std::string names, vals;
  size_t ei = 0;
  for (size_t k = 0; k < idx.columns.size(); ++k) {
    int c = idx.columns[k];
    std::string name;
    Datum v;
    TypeRef type;
    if (c >= 0) {
      name = table.columns[c].name;
      v = row[c];
      type = table.columns[c].type;
    } else {
      const auto& e = *index_exprs[expr_base + ei];
      name = idx.exprs[ei++];
      // pg_get_indexdef's spelling: a function call as is, any other expression in parentheses.
      if (e.kind != bind::ExprKind::kFunc) name = "(" + name + ")";
      v = eval(e, row, cx);
      type = e.type;
    }
    names += (k ? ", " : "") + name;
    vals += k ? ", " : "";
    vals += v.is_null() ? "null" : types::to_text(v, type, cx.fctx.zone);
  }
  return "Key (" + names + ")=(" + vals + ")";
}

void Writer::check_row(Row& row, const std::vector<ExprPtr>& checks,
                       const std::string& check_option_view) {
  for (size_t i = 0; i < generated.size() && i < row.size(); ++i)
    if (generated[i]) row[i] = eval(*generated[i], row, cx);
  for (size_t i = 0; i < domain_checks.size() && i < row.size(); ++i)
    if (domain_checks[i]) eval(*domain_checks[i], row, cx);
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (table.columns[i].not_null && row[i].is_null()) {
      Error e = relation_error(table, cx);
      e.column_name = table.columns[i].name;
      e.sqlstate = sqlstate::kNotNullViolation;
      e.message = "null value in column \"" + table.columns[i].name + "\" of relation \"" +
                  table.name + "\" violates not-null constraint";
      e.detail = "Failing row contains " + row_text(table, row, cx.fctx.zone) + ".";
      throw SqlError(std::move(e));
    }
  }
  for (size_t i = 0; i < checks.size(); ++i) {
    Datum v = eval(*checks[i], row, cx);
    if (i >= table.checks.size() && !check_option_view.empty()) {
      if (!v.is_null() && v.as_bool()) continue;
      Error e;
      e.sqlstate = "44000";
      e.message = "new row violates check option for view \"" + check_option_view + "\"";
      e.detail = "Failing row contains " + row_text(table, row, cx.fctx.zone) + ".";
      throw SqlError(std::move(e));
    }
    if (!v.is_null() && !v.as_bool()) {
      Error e = relation_error(table, cx);
      e.constraint_name = table.checks[i].name;
      e.sqlstate = sqlstate::kCheckViolation;
      e.message = "new row for relation \"" + table.name + "\" violates check constraint \"" +
                  table.checks[i].name + "\"";
      e.detail = "Failing row contains " + row_text(table, row, cx.fctx.zone) + ".";
      throw SqlError(std::move(e));
    }
  }
  if (!routed) check_partition_constraint(table, row, cx);
}

void check_partition_constraint(const catalog::Table& table, const Row& row, ExecContext& cx) {
  if (table.partition_parent == 0 || row_in_partition(table, row, cx)) return;
  Error e = relation_error(table, cx);
  e.sqlstate = sqlstate::kCheckViolation;
  e.message = "new row for relation \"" + table.name + "\" violates partition constraint";
  e.detail = "Failing row contains " + row_text(table, row, cx.fctx.zone) + ".";
  throw SqlError(std::move(e));
}

namespace {
// Types whose values share one representation and one btree operator family.
int same_family(Oid t) {
  using namespace type_oid;
  if (t == kInt2 || t == kInt4 || t == kInt8) return 1;
  if (t == kFloat4 || t == kFloat8) return 2;
  if (t == kText || t == kVarchar || t == kName) return 3;
  return 0;
}
}  // namespace

bool fk_comparable(Oid fk, Oid pk) {
  if (fk == pk) return true;
  const int f = same_family(fk);
  return (f != 0 && f == same_family(pk)) || types::can_cast(fk, pk, types::CastContext::kImplicit);
}

Datum fk_key_value(const Datum& v, Oid fk, Oid pk) {
  if (fk == pk || v.is_null()) return v;
  const int f = same_family(fk);
  if (f != 0 && f == same_family(pk)) return v;
  return types::cast(v, TypeRef{fk, -1}, TypeRef{pk, -1}, types::CastContext::kImplicit);
}

std::optional<FkTarget> fk_target(const catalog::Table& parent,
                                  const std::vector<int>& ref_columns) {
  auto match = [&](const std::vector<int>& key, int pos) -> std::optional<FkTarget> {
    if (key.empty() || key.size() != ref_columns.size()) return std::nullopt;
    FkTarget t;
    t.index_pos = pos;
    for (int c : key) {
      auto it = std::find(ref_columns.begin(), ref_columns.end(), c);
      if (it == ref_columns.end()) return std::nullopt;
      t.order.push_back(static_cast<int>(it - ref_columns.begin()));
    }
    return t;
  };
  if (auto t = match(parent.primary_key, -1)) return t;
  for (size_t i = 0; i < parent.indexes.size(); ++i) {
    const auto& idx = parent.indexes[i];
    if (!idx.unique || !idx.exprs.empty() || !idx.predicate.empty()) continue;
    if (auto t = match(idx.columns, static_cast<int>(i))) return t;
  }
  return std::nullopt;
}

namespace {
// The referenced key of parent that t names (its primary key, or a unique index): its columns.
const std::vector<int>& target_columns(const catalog::Table& parent, const FkTarget& t) {
  return t.index_pos < 0 ? parent.primary_key : parent.indexes[t.index_pos].columns;
}
// An empty key of that kind, placed as that key is.
KeyBuilder target_key(const catalog::Table& parent, const FkTarget& t) {
  return KeyBuilder(t.index_pos < 0 ? parent.placement_width()
                                    : parent.indexes[t.index_pos].placement_width());
}
}  // namespace

void Writer::check_foreign_keys(const Row& row, const Row* old_row, const std::string* row_key) {
  for (const auto& fk : table.foreign_keys) {
    bool null = false, changed = old_row == nullptr;
    for (int c : fk.columns) {
      null |= row[c].is_null();
      if (old_row && !(row[c].v == (*old_row)[c].v)) changed = true;
    }
    if (null || !changed) continue;
    if (row_key && constraint_deferred(cx, fk)) {
      defer_foreign_key_check(cx, table, fk, *row_key);
      continue;
    }
    check_foreign_key(fk, row);
  }
}

void Writer::check_deferred_foreign_key(const catalog::ForeignKey& fk, const std::string& row_key) {
  // PostgreSQL's deferred RI check skips a row that is no longer live; a later version of it
  // whose key changed queued its own check, one whose key did not is checked here.
  auto space = row_space(table);
  std::optional<std::string> value;
  if (!key_taken(cx, space, row_routing(table, row_key), row_key, &value) || !value) return;
  Row row = types::decode_row(*value, col_types);
  for (int c : fk.columns)
    if (row[c].is_null()) return;
  check_foreign_key(fk, row);
}

void Writer::check_foreign_key(const catalog::ForeignKey& fk, const Row& row) {
  auto parent = cx.catalog.table_by_oid(fk.ref_table);
  if (!parent) return;
  auto target = fk_target(*parent, fk.ref_columns);
  if (!target) return;
  const auto& key_cols = target_columns(*parent, *target);
  KeyBuilder kb = target_key(*parent, *target);
  for (size_t k = 0; k < key_cols.size(); ++k) {
    const int c = fk.columns[target->order[k]];
    const Oid pk_type = parent->columns[key_cols[k]].type.oid;
    kb.add(fk_key_value(row[c], table.columns[c].type.oid, pk_type), pk_type);
  }
  if (!referenced_row_present(*parent, target->index_pos, kb)) {
    Error e = relation_error(table, cx);
    e.constraint_name = fk.name;
    e.sqlstate = sqlstate::kForeignKeyViolation;
    e.message = "insert or update on table \"" + table.name +
                "\" violates foreign key constraint \"" + fk.name + "\"";
    e.detail = key_text(table, fk.columns, row, cx.fctx.zone) + " is not present in table \"" +
               parent->name + "\".";
    throw SqlError(std::move(e));
  }
}

bool Writer::referenced_row_present(const catalog::Table& parent, int index_pos,
                                    const KeyBuilder& kb) {
  const std::string& key = kb.key();
  const std::string routing = kb.routing();
  auto space = row_space(parent);
  // PostgreSQL locks the referenced row FOR KEY SHARE; a deletion committed meanwhile (the
  // lock may have waited for it) leaves nothing to reference, whatever the snapshot shows.
  bool deleted_meanwhile = false;
  auto lock_parent = [&](const std::string& row_key) {
    const std::string row_routing_key = row_routing(parent, row_key);
    auto r = cx.txn.lock(space, row_routing_key, row_key, coord::LockStrength::kKeyShare,
                         lock_wait(cx), std::nullopt);
    if (r.outcome != coord::LockOutcome::kGranted &&
        r.outcome != coord::LockOutcome::kVersionMismatch)
      throw_lock_failure(r.outcome, parent, cx);
    deleted_meanwhile = r.newest.deleted && r.newest.commit_ts != 0 &&
                        cx.txn.latest(space, row_routing_key, row_key).intent_txn != cx.txn.id();
    // REPEATABLE READ and SERIALIZABLE: a row the snapshot still shows was deleted by a
    // concurrent transaction (PostgreSQL's RI check with its crosscheck snapshot).
    if (deleted_meanwhile && cx.txn.isolation() != coord::Isolation::kReadCommitted &&
        cx.txn.probe(space, row_routing_key, row_key))
      throw SqlError(sqlstate::kSerializationFailure,
                     "could not serialize access due to concurrent update");
  };
  bool present = false;
  if (index_pos < 0) {
    lock_parent(key);
    present = !deleted_meanwhile && key_taken(cx, space, routing, key, nullptr);
  } else {
    // A unique index: its entry names the row; lock that row, then make sure the entry
    // still names it (the row may have been deleted or its key changed meanwhile).
    coord::KeySpace ispace{parent.storage_id, parent.indexes[index_pos].id};
    std::optional<std::string> row_key;
    if (key_taken(cx, ispace, routing, key, &row_key) && row_key) {
      for (int attempt = 0; attempt < 16 && !present; ++attempt) {
        lock_parent(*row_key);
        std::optional<std::string> now;
        if (!key_taken(cx, ispace, routing, key, &now) || !now) break;
        if (*now != *row_key) {
          row_key = now;
          continue;
        }
        present = !deleted_meanwhile &&
                  key_taken(cx, space, row_routing(parent, *row_key), *row_key, nullptr);
        if (!present) break;
      }
    }
  }
  return present;
}

void Writer::check_deferred_referenced_key(const catalog::Table& child,
                                           const catalog::ForeignKey& fk, const Row& old_row) {
  // PostgreSQL's NO ACTION check: fine when a row with the old key exists again (locked FOR
  // KEY SHARE), else no row of the child may reference it.
  if (auto target = fk_target(table, fk.ref_columns)) {
    KeyBuilder kb = target_key(table, *target);
    for (int c : target_columns(table, *target)) kb.add(old_row[c], table.columns[c].type.oid);
    if (referenced_row_present(table, target->index_pos, kb)) return;
  }
  auto child_ptr = cx.catalog.table_by_oid(child.oid);
  if (!child_ptr) return;
  act_on_referencing_rows({child_ptr, fk}, Gone{0, old_row, std::nullopt}, true);
}

void Writer::note_key_gone(const Row& old_row, const Row* new_row) {
  if (!referencing_) {
    referencing_.emplace();
    for (const auto& other : cx.catalog.tables())
      for (const auto& fk : other->foreign_keys)
        if (fk.ref_table == table.oid) referencing_->push_back({other, fk});
  }
  for (size_t i = 0; i < referencing_->size(); ++i) {
    const auto& fk = (*referencing_)[i].fk;
    bool null = false, changed = new_row == nullptr;
    for (int c : fk.ref_columns) {
      null |= old_row[c].is_null();
      if (new_row && !types::equal(old_row[c], (*new_row)[c], table.columns[c].type.oid))
        changed = true;
    }
    if (!null && changed)
      gone_.push_back({i, old_row, new_row ? std::optional<Row>(*new_row) : std::nullopt});
  }
}

namespace {

// Whether child row r references the parent key `want` (the key encoding of the referenced
// columns, in the parent's column types) through fk.
bool references_key(const Row& r, const catalog::ForeignKey& fk, const catalog::Table& parent,
                    const std::string& want) {
  std::string have;
  for (size_t k = 0; k < fk.columns.size(); ++k) {
    if (r[fk.columns[k]].is_null()) return false;
    types::encode_key(have, r[fk.columns[k]], parent.columns[fk.ref_columns[k]].type.oid);
  }
  return have == want;
}
}  // namespace

namespace {
// The statement PostgreSQL's RI trigger runs for an action, as its CONTEXT line shows it.
std::string action_statement_text(const catalog::Table& child, const catalog::ForeignKey& fk,
                                  char action, bool deleted) {
  auto quoted = [&](int c) { return "\"" + child.columns[c].name + "\""; };
  std::string s, where;
  int param = 0;
  if (action == catalog::ForeignKey::kCascade && deleted) {
    s = "DELETE FROM ONLY \"public\".\"" + child.name + "\"";
  } else {
    s = "UPDATE ONLY \"public\".\"" + child.name + "\" SET ";
    for (size_t k = 0; k < fk.columns.size(); ++k) {
      s += (k ? ", " : "") + quoted(fk.columns[k]) + " = ";
      s += action == catalog::ForeignKey::kCascade   ? "$" + std::to_string(++param)
           : action == catalog::ForeignKey::kSetNull ? std::string("NULL")
                                                     : std::string("DEFAULT");
    }
  }
  for (size_t k = 0; k < fk.columns.size(); ++k)
    where += std::string(k ? " AND " : "") + "$" + std::to_string(++param) +
             " OPERATOR(pg_catalog.=) " + quoted(fk.columns[k]);
  return "SQL statement \"" + s + " WHERE " + where + "\"";
}
}  // namespace

void Writer::check_referencing_rows() {
  while (!gone_.empty()) {
    auto pending = std::move(gone_);
    gone_.clear();
    for (const auto& g : pending) {
      // A deferred constraint's NO ACTION check waits for COMMIT (RESTRICT never does).
      const auto& ref = (*referencing_)[g.fk];
      const char action = g.new_row ? ref.fk.on_update : ref.fk.on_delete;
      if (action == catalog::ForeignKey::kNoAction && constraint_deferred(cx, ref.fk)) {
        defer_referenced_key_check(cx, *ref.child, ref.fk, g.old_row);
        continue;
      }
      act_on_referencing_rows(ref, g, false);
    }
  }
}

void Writer::act_on_referencing_rows(const Referencing& ref, const Gone& g, bool no_action) {
  runtime::check_stack_depth();
  // Plain references, not a structured binding: clang 14 (the fuzz build) cannot capture
  // structured bindings in the lambda below.
  const auto& child = ref.child;
  const auto& fk = ref.fk;
  using FK = catalog::ForeignKey;
  const char action = no_action ? FK::kNoAction : g.new_row ? fk.on_update : fk.on_delete;
  const bool acts = action == FK::kCascade || action == FK::kSetNull || action == FK::kSetDefault;
  auto ts = column_types(*child);
  std::string want;
  for (int c : fk.ref_columns) types::encode_key(want, g.old_row[c], table.columns[c].type.oid);
  // The child row an action leaves behind (nullopt: deleted).
  std::vector<bind::ExprPtr> defaults;
  if (action == FK::kSetDefault)
    for (int c : fk.columns)
      defaults.push_back(child->columns[c].default_expr.empty()
                             ? nullptr
                             : bind_table_expr(cx.catalog, *child, child->columns[c].default_expr,
                                               &child->columns[c].type));
  auto acted = [&](const Row& r) -> std::optional<Row> {
    if (action == FK::kCascade && !g.new_row) return std::nullopt;
    Row nr = r;
    for (size_t k = 0; k < fk.columns.size(); ++k) {
      int c = fk.columns[k];
      if (action == FK::kCascade)
        nr[c] = (*g.new_row)[fk.ref_columns[k]];
      else if (action == FK::kSetNull || !defaults[k])
        nr[c] = Datum::Null();
      else
        nr[c] = eval(*defaults[k], r, cx);
    }
    return nr;
  };
  // PostgreSQL's RI query: SELECT 1 FROM child WHERE fk = old key FOR KEY SHARE (or, for an
  // action, the DELETE / UPDATE of those rows), with a fresh snapshot: referencing rows
  // committed since our snapshot count, and a row being changed is waited for.
  auto space = row_space(*child);
  std::vector<std::pair<std::string, Row>> found;  // child key, newest row
  {
    auto cur = cx.txn.scan_latest(space, "", "");
    while (auto rv = cur->next()) {
      Row r = types::decode_row(rv->value, ts);
      if (!references_key(r, fk, table, want)) continue;
      std::optional<coord::Version> seen;
      if (!rv->own_write) seen = coord::Version{rv->visible_ts, false};
      coord::LockStrength strength = coord::LockStrength::kKeyShare;
      if (acts) {
        auto after = acted(r);
        strength = !after || changes_key(*child, r, *after) ? coord::LockStrength::kUpdate
                                                            : coord::LockStrength::kNoKeyUpdate;
      }
      auto lr =
          cx.txn.lock(space, row_routing(*child, rv->key), rv->key, strength, lock_wait(cx), seen);
      if (lr.outcome == coord::LockOutcome::kVersionMismatch) {
        if (acts && cx.txn.isolation() != coord::Isolation::kReadCommitted)
          throw SqlError(sqlstate::kSerializationFailure,
                         "could not serialize access due to concurrent update");
        if (lr.newest.deleted || !lr.value) continue;
        r = types::decode_row(*lr.value, ts);
        if (!references_key(r, fk, table, want)) continue;
      } else if (lr.outcome != coord::LockOutcome::kGranted) {
        throw_lock_failure(lr.outcome, *child, cx);
      }
      found.emplace_back(rv->key, std::move(r));
      if (!acts) break;  // one referencing row is enough to fail
    }
  }
  if (found.empty()) return;
  if (!acts) {
    Error e = relation_error(*child, cx);  // PostgreSQL names the referencing table
    e.constraint_name = fk.name;
    e.sqlstate = sqlstate::kForeignKeyViolation;
    e.message = "update or delete on table \"" + table.name +
                "\" violates foreign key constraint \"" + fk.name + "\" on table \"" + child->name +
                "\"";
    e.detail = key_text(table, fk.ref_columns, g.old_row, cx.fctx.zone) +
               " is still referenced from table \"" + child->name + "\".";
    throw SqlError(std::move(e));
  }
  Writer w(*child, cx);
  std::vector<bind::ExprPtr> checks;
  for (const auto& c : child->checks)
    checks.push_back(bind_table_expr(cx.catalog, *child, c.expr, nullptr));
  try {
    for (const auto& [key, r] : found) {
      auto after = acted(r);
      if (!after) {
        w.remove(r, key);
        continue;
      }
      w.check_row(*after, checks);
      w.update(r, key, *after);
    }
  } catch (SqlError& e) {
    if (e.error().context.empty())
      e.error().context = action_statement_text(*child, fk, action, !g.new_row);
    throw;
  }
  w.check_referencing_rows();
  // Rows set to their default may reference the very key that went away (PostgreSQL then
  // runs the NO ACTION check as well).
  if (action == FK::kSetDefault) act_on_referencing_rows(ref, g, true);
}

namespace {
// 23505 for a row whose primary key is taken.
[[noreturn]] void throw_duplicate_pk(const catalog::Table& t, const Row& row, ExecContext& cx) {
  const types::TimeZone& zone = cx.fctx.zone;
  Error e = relation_error(t, cx);
  e.constraint_name = t.pkey_name;
  e.sqlstate = sqlstate::kUniqueViolation;
  e.message = "duplicate key value violates unique constraint \"" + t.pkey_name + "\"";
  e.detail = key_text(t, t.primary_key, row, zone) + " already exists.";
  throw SqlError(std::move(e));
}
}  // namespace

bool keyspace_empty(const coord::KeySpace& space, ExecContext& cx) {
  return !cx.txn.scan(space, "", "")->next().has_value();
}

bool LoadedKeys::taken(const coord::KeySpace& space, const std::string& routing,
                       const std::string& key, ExecContext& cx) {
  const bool above = max_.empty() || key > max_;
  if (above) max_ = key;
  if (ordered_) {
    if (above) return false;
    // The first key out of order: what is loaded goes to storage, where probe() finds it.
    ordered_ = false;
    cx.txn.flush_loads();
  }
  // Above every key loaded, into a keyspace that was empty: new.
  const bool surely_new = above && was_empty_;
  if (!surely_new && (unsent_.count(key) > 0 || cx.txn.probe(space, routing, key))) return true;
  if (unsent_.size() >= kLoadedKeysBatch) {
    cx.txn.flush_loads();
    unsent_.clear();
  }
  unsent_.insert(key);
  return false;
}

bool Writer::loadable() const {
  return cx.txn.may_load(table.storage_id) && table.indexes.empty() && table.foreign_keys.empty() &&
         !table.is_partitioned() && !row_security_hides(cx, table);
}

std::string new_row_key(const catalog::Table& t, const Row& row, ExecContext& cx) {
  if (!t.primary_key.empty()) return encode_pk(t, row);
  // A fresh row id from the table's sequence: no other transaction can know this key before
  // we commit, so it needs no lock (Partition::write's second precondition).
  std::string key;
  types::encode_key(key, Datum(cx.catalog.nextval(t.rowid_sequence)), type_oid::kInt8);
  return key;
}

void Writer::load(const Row& row) {
  auto space = row_space(table);
  std::string key = new_row_key(table, row, cx);
  std::string routing = row_routing(table, key);
  if (!table.primary_key.empty()) {
    // No lock: nobody else reaches the keyspace.
    if (!loaded_keys_) loaded_keys_.emplace(keyspace_empty(space, cx));
    if (loaded_keys_->taken(space, routing, key, cx)) throw_duplicate_pk(table, row, cx);
  }
  cx.txn.load(space, routing, std::move(key), types::encode_row(row, col_types));
}

bool Writer::insert(const Row& row, int on_conflict_index, std::string* conflict_key) {
  if (row_security_hides(cx, table))  // exec/privileges.h: no policy admits the row
    throw SqlError(sqlstate::kInsufficientPrivilege,
                   "new row violates row-level security policy for table \"" + table.name + "\"");
  auto space = row_space(table);
  std::string key = new_row_key(table, row, cx);
  std::string routing = row_routing(table, key);
  // An arbiter index is checked before any other key, as PostgreSQL checks the arbiters
  // before it inserts: a conflict there is ON CONFLICT's to handle even when another unique
  // key of the row (the primary key, an index listed before it) is taken too.
  bool arbiter_locked = false;
  if (on_conflict_index >= 0 && indexes_row(on_conflict_index, row)) {
    bool has_null = false;
    std::string ir;
    std::string ik = index_key(on_conflict_index, row, &has_null, &ir);
    if (!has_null) {
      coord::KeySpace ispace{table.storage_id, table.indexes[on_conflict_index].id};
      lock_key(cx, table, ispace, ir, ik);
      arbiter_locked = true;
      std::optional<std::string> existing;
      bool invisible = false;
      if (key_taken(cx, ispace, ir, ik, &existing, &invisible)) {
        check_conflict_visible(cx, invisible);
        if (conflict_key && existing) *conflict_key = *existing;
        return false;
      }
    }
  }
  if (!table.primary_key.empty()) {
    lock_key(cx, table, space, routing, key);
    bool invisible = false;
    if (key_taken(cx, space, routing, key, nullptr, &invisible)) {
      if (on_conflict_index == -1 || on_conflict_index == -2) {
        check_conflict_visible(cx, invisible);
        if (conflict_key) *conflict_key = key;
        return false;
      }
      cx.txn.check_write_conflict(space, routing, key);  // SSI: 40001 before 23505
      throw_duplicate_pk(table, row, cx);
    }
  }
  std::vector<std::pair<coord::KeySpace, std::pair<std::string, std::string>>>
      entries;  // space, routing, key
  std::vector<std::string> values;
  for (size_t i = 0; i < table.indexes.size(); ++i) {
    const auto& idx = table.indexes[i];
    if (!indexes_row(i, row)) continue;
    bool has_null = false;
    std::string ir;
    std::string ik = index_key(i, row, &has_null, &ir);
    coord::KeySpace ispace{table.storage_id, idx.id};
    if (idx.unique && !has_null) {
      if (!arbiter_locked || static_cast<int>(i) != on_conflict_index)
        lock_key(cx, table, ispace, ir, ik);
      std::optional<std::string> existing;
      bool invisible = false;
      if (key_taken(cx, ispace, ir, ik, &existing, &invisible)) {
        if (on_conflict_index == static_cast<int>(i) || on_conflict_index == -2) {
          check_conflict_visible(cx, invisible);
          if (conflict_key && existing) *conflict_key = *existing;
          return false;
        }
        cx.txn.check_write_conflict(ispace, ir, ik);  // SSI: 40001 before 23505
        Error e = relation_error(table, cx);
        e.constraint_name = idx.name;
        e.sqlstate = sqlstate::kUniqueViolation;
        e.message = "duplicate key value violates unique constraint \"" + idx.name + "\"";
        e.detail = index_key_text(i, row) + " already exists.";
        throw SqlError(std::move(e));
      }
      entries.push_back({ispace, {ir, ik}});
      values.push_back(key);
    } else {
      std::string full = ik + key;
      // The entry ends with the row's key: locked above, or a fresh row id nobody knows.
      if (!table.primary_key.empty()) lock_key(cx, table, ispace, ir, full);
      entries.push_back({ispace, {ir, full}});
      values.push_back("");
    }
  }
  check_foreign_keys(row, nullptr, &key);
  cx.txn.write(space, routing, key, types::encode_row(row, col_types));
  // Only keys a uniqueness check can look up are noted: a primary key, a unique index's
  // entry, and a row id that a unique index entry names (ON CONFLICT's "second time" check).
  if (!table.primary_key.empty() || has_unique_index_) note_write(cx, space, key, true);
  for (size_t i = 0; i < entries.size(); ++i) {
    cx.txn.write(entries[i].first, entries[i].second.first, entries[i].second.second, values[i]);
    if (!values[i].empty()) note_write(cx, entries[i].first, entries[i].second.second, true);
  }
  return true;
}

void Writer::update(const Row& old_row, const std::string& old_key, const Row& new_row) {
  auto space = row_space(table);
  std::string new_key = table.primary_key.empty() ? old_key : encode_pk(table, new_row);
  const std::string old_routing = row_routing(table, old_key);
  const std::string new_routing = new_key == old_key ? old_routing : row_routing(table, new_key);
  if (new_key != old_key) {
    lock_key(cx, table, space, new_routing, new_key);
    if (key_taken(cx, space, new_routing, new_key, nullptr)) {
      cx.txn.check_write_conflict(space, new_routing, new_key);  // SSI: 40001 before 23505
      throw_duplicate_pk(table, new_row, cx);
    }
  }
  for (size_t i = 0; i < table.indexes.size(); ++i) {
    const auto& idx = table.indexes[i];
    // A partial index: the row may move into or out of it.
    const bool old_in = indexes_row(i, old_row), new_in = indexes_row(i, new_row);
    if (!old_in && !new_in) continue;
    bool old_null = false, new_null = false;
    std::string o_routing, n_routing;
    std::string ok = old_in ? index_key(i, old_row, &old_null, &o_routing) : std::string();
    std::string nk = new_in ? index_key(i, new_row, &new_null, &n_routing) : std::string();
    bool unique_layout_old = idx.unique && !old_null;
    bool unique_layout_new = idx.unique && !new_null;
    std::string old_full = unique_layout_old ? ok : ok + old_key;
    std::string new_full = unique_layout_new ? nk : nk + new_key;
    if (old_in && new_in && old_full == new_full && unique_layout_old == unique_layout_new) {
      if (unique_layout_new && new_key != old_key)
        cx.txn.write({table.storage_id, idx.id}, n_routing, nk, new_key);
      continue;
    }
    coord::KeySpace ispace{table.storage_id, idx.id};
    if (old_in) {
      lock_key(cx, table, ispace, o_routing, old_full);
      cx.txn.write(ispace, o_routing, old_full, std::nullopt);
      note_write(cx, ispace, old_full, false);
    }
    if (!new_in) continue;
    lock_key(cx, table, ispace, n_routing, new_full);
    if (unique_layout_new && key_taken(cx, ispace, n_routing, nk, nullptr)) {
      cx.txn.check_write_conflict(ispace, n_routing, nk);  // SSI: 40001 before 23505
      Error e = relation_error(table, cx);
      e.constraint_name = idx.name;
      e.sqlstate = sqlstate::kUniqueViolation;
      e.message = "duplicate key value violates unique constraint \"" + idx.name + "\"";
      e.detail = index_key_text(i, new_row) + " already exists.";
      throw SqlError(std::move(e));
    }
    cx.txn.write(ispace, n_routing, new_full, unique_layout_new ? new_key : std::string());
    note_write(cx, ispace, new_full, true);
  }
  check_foreign_keys(new_row, &old_row, &new_key);
  note_key_gone(old_row, &new_row);
  if (new_key != old_key) {
    cx.txn.write(space, old_routing, old_key, std::nullopt);
    note_write(cx, space, old_key, false);
    // The update chain across the key change (exec_internal.h, forward_space).
    cx.txn.write(forward_space(table), old_routing, old_key, new_key);
  }
  cx.txn.write(space, new_routing, new_key, types::encode_row(new_row, col_types));
  note_write(cx, space, new_key, true);
}

void Writer::remove(const Row& old_row, const std::string& key) {
  auto space = row_space(table);
  for (size_t i = 0; i < table.indexes.size(); ++i) {
    const auto& idx = table.indexes[i];
    if (!indexes_row(i, old_row)) continue;
    bool has_null = false;
    std::string ir;
    std::string ik = index_key(i, old_row, &has_null, &ir);
    std::string full = idx.unique && !has_null ? ik : ik + key;
    coord::KeySpace ispace{table.storage_id, idx.id};
    lock_key(cx, table, ispace, ir, full);
    cx.txn.write(ispace, ir, full, std::nullopt);
    note_write(cx, ispace, full, false);
  }
  cx.txn.write(space, row_routing(table, key), key, std::nullopt);
  note_write(cx, space, key, false);
  note_key_gone(old_row, nullptr);
}

namespace {

// The writers of a statement that writes through a partitioned table: one per leaf partition
// it touches, with that partition's CHECK constraints bound over its row (a partition's
// constraints, its parent's copies among them, are what PostgreSQL checks on a routed row).
class PartitionWriters {
 public:
  struct Target {
    Target(const catalog::Table& t, ExecContext& cx) : writer(t, cx) {
      writer.routed = true;
      for (const auto& c : t.checks)
        checks.push_back(bind_table_expr(cx.catalog, t, c.expr, nullptr));
    }
    Writer writer;
    std::vector<ExprPtr> checks;
  };
  explicit PartitionWriters(ExecContext& cx) : cx_(cx) {}
  // REQUIRES: part outlives the statement (a leaf from partitions.h's cache).
  Target& of(const catalog::Table& part) {
    auto& slot = targets_[part.oid];
    if (!slot) slot = std::make_unique<Target>(part, cx_);
    return *slot;
  }
  // The row, routed from `parent`: its partition's NOT NULL and CHECK constraints, then (a view
  // WITH CHECK OPTION over the parent) the view's condition through the parent's writer.
  // Computes the row's generated columns on the way (Writer::check_row).
  Target& checked_target(const catalog::Table& parent, Row& row, Writer& parent_writer,
                         const std::vector<ExprPtr>& parent_checks,
                         const std::string& check_option_view) {
    // A partitioned partition routes only rows that belong in it (ExecFindPartition).
    check_partition_constraint(parent, row, cx_);
    Target& target = of(route_row(parent, row, cx_));
    target.writer.check_row(row, target.checks);
    if (!check_option_view.empty()) parent_writer.check_row(row, parent_checks, check_option_view);
    return target;
  }
  void check_referencing_rows() {
    for (auto& [oid, t] : targets_) t->writer.check_referencing_rows();
  }

 private:
  ExecContext& cx_;
  std::map<Oid, std::unique_ptr<Target>> targets_;
};

}  // namespace

Row complete_row(const InsertPlan& p, const std::vector<int>& cols, const std::vector<Datum>& vals,
                 const std::vector<bool>& is_default, ExecContext& cx) {
  const auto& t = *p.table;
  Row row(t.columns.size());
  std::vector<bool> given(t.columns.size(), false);
  for (size_t i = 0; i < cols.size(); ++i) {
    if (is_default.size() > i && is_default[i]) continue;
    row[cols[i]] = vals[i];
    given[cols[i]] = true;
  }
  for (size_t c = 0; c < t.columns.size(); ++c)
    if (!given[c] && p.defaults[c]) row[c] = eval(*p.defaults[c], Row{}, cx);
  return row;
}

namespace {

int64_t do_insert(const InsertPlan& p, ExecContext& cx, std::vector<Row>* returning) {
  const auto& t = *p.table;
  Writer w(t, cx);
  int64_t n = 0;
  AfterRowQueue after_rows(cx);
  RowTriggers triggers(t, catalog::Trigger::kInsert, cx, after_rows);  // exec/routines.h
  // ON CONFLICT DO UPDATE fires the UPDATE triggers too, as PostgreSQL's ModifyTable does:
  // its BEFORE statement triggers after the INSERT ones, its row triggers around each
  // conflicting row's update, its AFTER statement triggers before the INSERT ones.
  const bool upsert = p.conflict.present && p.conflict.do_update;
  std::vector<int> upsert_columns;
  for (const auto& set : p.conflict.sets) upsert_columns.push_back(set.first);
  std::optional<RowTriggers> update_triggers;
  if (upsert)
    update_triggers.emplace(t, catalog::Trigger::kUpdate, cx, after_rows, &upsert_columns);
  fire_statement_triggers(t, catalog::Trigger::kInsert, true, cx);
  if (upsert) fire_statement_triggers(t, catalog::Trigger::kUpdate, true, cx, &upsert_columns);
  PartitionWriters parts(cx);
  auto one = [&](Row row) {
    if (!triggers.empty() && !triggers.before(nullptr, &row)) return;
    if (!t.is_partitioned()) w.check_row(row, p.checks, p.check_option_view);
    if (t.is_partitioned()) {
      // Routed to its partition (23514 when none takes it), which checks and stores it.
      Writer& pw = parts.checked_target(t, row, w, p.checks, p.check_option_view).writer;
      if (p.conflict.present && p.conflict.do_update)
        throw SqlError(sqlstate::kFeatureNotSupported,
                       "ON CONFLICT DO UPDATE on a partitioned table is not supported");
      if (!pw.insert(row, p.conflict.present ? -2 : -3, nullptr)) return;
      if (!triggers.empty()) triggers.after(nullptr, &row);
    } else if (!p.conflict.present) {
      w.insert(row, -3, nullptr);
      if (!triggers.empty()) triggers.after(nullptr, &row);
    } else {
      std::string existing_key;
      bool inserted = w.insert(row, p.conflict.index_pos, &existing_key);
      if (inserted && !triggers.empty()) triggers.after(nullptr, &row);
      if (!inserted) {
        if (!p.conflict.do_update) return;
        auto live = cx.stmt_keys.find(stmt_key(row_space(t), existing_key));
        if (existing_key.empty() || (live != cx.stmt_keys.end() && live->second)) {
          Error e;
          e.sqlstate = sqlstate::kCardinalityViolation;
          e.message = "ON CONFLICT DO UPDATE command cannot affect row a second time";
          e.hint =
              "Ensure that no rows proposed for insertion within the same command have duplicate "
              "constrained values.";
          throw SqlError(std::move(e));
        }
        // DO UPDATE: the conflicting row, locked (we hold the key lock), newest version.
        auto space = row_space(t);
        const std::string routing = row_routing(t, existing_key);
        auto lr = cx.txn.lock(space, routing, existing_key, coord::LockStrength::kUpdate,
                              lock_wait(cx), std::nullopt);
        if (lr.outcome != coord::LockOutcome::kGranted &&
            lr.outcome != coord::LockOutcome::kVersionMismatch)
          throw_lock_failure(lr.outcome, t, cx);
        // PostgreSQL's ExecOnConflictUpdate works on the conclusively locked version: the
        // newest committed one (or our own), whatever the snapshot sees; the WHERE and SET
        // read it. Above READ COMMITTED that version must be the one the snapshot sees.
        std::optional<std::string> cur;
        auto newest = cx.txn.latest(space, routing, existing_key);
        auto vis = cx.txn.get(space, routing, existing_key);
        bool own = newest.intent_txn == cx.txn.id();
        if (own) {
          if (vis) cur = vis->value;
        } else if (newest.newest.commit_ts != 0 && !newest.newest.deleted) {
          cur = newest.value;
        }
        if (!cur) return;
        if (cx.txn.isolation() != coord::Isolation::kReadCommitted && !own &&
            (!vis || vis->own_write || vis->visible_ts != newest.newest.commit_ts))
          throw SqlError(sqlstate::kSerializationFailure,
                         "could not serialize access due to concurrent update");
        Row old = types::decode_row(*cur, column_types(t));
        Row both = old;
        both.insert(both.end(), row.begin(), row.end());
        if (p.conflict.where && !eval_bool(*p.conflict.where, both, cx)) return;
        Row nr = old;
        for (const auto& [c, e] : p.conflict.sets) nr[c] = eval(*e, both, cx);
        if (!update_triggers->empty() && !update_triggers->before(&old, &nr)) return;
        w.check_row(nr, p.checks, p.check_option_view);
        w.update(old, existing_key, nr);
        if (!update_triggers->empty()) update_triggers->after(&old, &nr);
        row = nr;
      }
    }
    ++n;
    if (returning) {
      Row out;
      for (const auto& e : p.returning) out.push_back(eval(*e, row, cx));
      returning->push_back(std::move(out));
    }
  };
  if (p.select) {
    std::vector<Row> rows = run_select(*p.select, cx);
    for (auto& r : rows) {
      std::vector<Datum> vals;
      for (int i = 0; i < p.select->visible; ++i) {
        const auto& col = t.columns[p.columns[i]];
        Datum v = r[i];
        if (!v.is_null() && (p.select->types[i].oid != col.type.oid || col.type.typmod >= 0))
          v = types::cast(v, p.select->types[i], col.type, types::CastContext::kAssignment,
                          cx.fctx.zone);
        vals.push_back(v);
      }
      one(complete_row(p, p.columns, vals, {}, cx));
    }
  } else {
    for (const auto& r : p.rows) {
      std::vector<Datum> vals;
      std::vector<bool> dflt;
      for (const auto& e : r) {
        dflt.push_back(e == nullptr);
        vals.push_back(e ? eval(*e, Row{}, cx) : Datum::Null());
      }
      one(complete_row(p, p.columns, vals, dflt, cx));
    }
  }
  after_rows.fire();
  w.check_referencing_rows();
  parts.check_referencing_rows();
  if (upsert) fire_statement_triggers(t, catalog::Trigger::kUpdate, false, cx, &upsert_columns);
  fire_statement_triggers(t, catalog::Trigger::kInsert, false, cx);
  return n;
}

}  // namespace

struct TableWrites::Parts {
  explicit Parts(ExecContext& cx) : writers(cx) {}
  PartitionWriters writers;
};

TableWrites::TableWrites(const catalog::Table& t, const std::vector<ExprPtr>& checks,
                         const std::string& check_option_view, ExecContext& cx)
    : table_(t),
      checks_(checks),
      check_option_view_(check_option_view),
      cx_(cx),
      writer_(t, cx),
      parts_(std::make_unique<Parts>(cx)) {}

TableWrites::~TableWrites() = default;

void TableWrites::insert(Row& row) {
  if (!table_.is_partitioned()) {
    writer_.check_row(row, checks_, check_option_view_);
    writer_.insert(row, -3, nullptr);
    return;
  }
  // Routed to its partition (23514 when none takes it), which checks and stores it.
  parts_->writers.checked_target(table_, row, writer_, checks_, check_option_view_)
      .writer.insert(row, -3, nullptr);
}

void TableWrites::update(const catalog::Table* stored, const Row& old, const std::string& key,
                         Row& nr) {
  if (!table_.is_partitioned()) {
    writer_.check_row(nr, checks_, check_option_view_);
    writer_.update(old, key, nr);
    return;
  }
  // A new row its partition no longer takes moves to the one that does (a delete and an
  // insert routed from the target, as PostgreSQL's cross-partition update).
  auto& from_part = parts_->writers.of(*stored);
  const catalog::Table& dest = route_row(table_, nr, cx_);
  if (dest.oid == stored->oid) {
    // Routing stays inside the target: the row must still fit the target's own bound.
    check_partition_constraint(table_, nr, cx_);
    from_part.writer.check_row(nr, from_part.checks);
    if (!check_option_view_.empty()) writer_.check_row(nr, checks_, check_option_view_);
    from_part.writer.update(old, key, nr);
  } else {
    auto& to_part =
        parts_->writers.checked_target(table_, nr, writer_, checks_, check_option_view_);
    from_part.writer.remove(old, key);
    to_part.writer.insert(nr, -3, nullptr);
  }
}

void TableWrites::remove(const catalog::Table* stored, const Row& old, const std::string& key) {
  // A partitioned target's row goes from its partition.
  Writer& from = table_.is_partitioned() ? parts_->writers.of(*stored).writer : writer_;
  from.remove(old, key);
}

void TableWrites::check_referencing_rows() {
  writer_.check_referencing_rows();
  parts_->writers.check_referencing_rows();
}

namespace {}  // namespace

TargetRowLock lock_target_row(const catalog::Table& stored, std::string& key,
                              const std::optional<coord::Version>& seen, coord::Timestamp seen_at,
                              coord::LockStrength strength, ExecContext& cx, std::string* value) {
  auto space = row_space(stored);
  const std::string routing = row_routing(stored, key);
  std::vector<coord::RowLockRequest> one(1);
  one[0] = coord::RowLockRequest{space, routing, key, strength, lock_wait(cx), seen, seen_at};
  auto res = std::move(cx.txn.lock_rows(one, 0).front());
  if (res.outcome == coord::LockOutcome::kVersionMismatch) {
    auto mine = cx.txn.latest(space, routing, key);
    if (mine.intent_txn == cx.txn.id()) return TargetRowLock::kAsRead;
    if (cx.txn.isolation() != coord::Isolation::kReadCommitted)
      throw SqlError(sqlstate::kSerializationFailure,
                     res.newest.deleted ? "could not serialize access due to concurrent delete"
                                        : "could not serialize access due to concurrent update");
    if (res.newest.deleted || !res.value) {
      // Deleted, or moved by a key-changing UPDATE: EvalPlanQual follows the chain.
      auto end = follow_moved_row(stored, key, res.newest.commit_ts, strength, lock_wait(cx), cx);
      if (end.state != ChainEnd::kLive) return TargetRowLock::kGone;
      key = std::move(end.key);
      *value = std::move(end.value);
    } else {
      *value = std::move(*res.value);
    }
    return TargetRowLock::kNewer;
  }
  if (res.outcome != coord::LockOutcome::kGranted) throw_lock_failure(res.outcome, stored, cx);
  return TargetRowLock::kAsRead;
}

namespace {

// Candidate rows of UPDATE/DELETE, each locked before it is changed (EvalPlanQual under
// READ COMMITTED: a row changed since our snapshot is re-read and re-checked; a lock on a row
// that fails the re-check stays held, as in PostgreSQL). With `from` (UPDATE ... FROM /
// DELETE ... USING) a candidate's row is the joined row, the target's columns first, and the
// re-check runs the join conditions with the other tables' rows as read. strength_of gives
// the lock strength for a candidate (UPDATE: FOR UPDATE only when a key column's value
// changes, as PostgreSQL decides it). apply changes a locked candidate and says whether it
// did (false: a BEFORE ROW trigger skipped it); the count is of the rows changed.
template <typename Fn>
int64_t for_each_target(const catalog::Table& t, const TableAccess& acc, const Expr* where,
                        const SelectPlan* from,
                        const std::function<coord::LockStrength(const Row&)>& strength_of,
                        ExecContext& cx, Fn apply) {
  std::vector<StoredRow> cands;
  // The candidates' snapshot, when every one was read at the same one (a function the WHERE
  // clause calls may run statements of its own): with it the partition skips re-reading a
  // row whose keyspace nothing resolved since (LocalPartition::lock_batch).
  const coord::Timestamp read_before = cx.txn.view().read_ts;
  if (from) {
    cands = join_candidates(*from, cx);
  } else {
    scan_table(t, acc, Row{}, cx, [&](StoredRow& r) {
      if (!where || eval_bool(*where, r.row, cx)) cands.push_back(std::move(r));
      return true;
    });
  }
  const coord::Timestamp seen_at = cx.txn.view().read_ts == read_before ? read_before : 0;
  auto ts = column_types(t);
  int64_t n = 0;
  for (auto& c : cands) {
    // A partitioned target's candidate is locked in the partition it was read from.
    const catalog::Table& stored = c.table ? *c.table : t;
    std::string value;
    switch (lock_target_row(stored, c.key, c.seen, seen_at, strength_of(c.row), cx, &value)) {
      case TargetRowLock::kGone:
        continue;
      case TargetRowLock::kNewer: {
        Row nr = types::decode_row(value, ts);
        if (from) {
          for (size_t i = 0; i < nr.size() && i < c.row.size(); ++i) c.row[i] = std::move(nr[i]);
          if (!epq_recheck(*from, c.row, cx)) continue;
        } else {
          c.row = std::move(nr);
          if (where && !eval_bool(*where, c.row, cx)) continue;
        }
        break;
      }
      case TargetRowLock::kAsRead:
        break;
    }
    if (apply(c)) ++n;
  }
  return n;
}

}  // namespace

// Whether an UPDATE's new row changes a key column (primary key or a unique index column):
// then it locks FOR UPDATE, else FOR NO KEY UPDATE (PostgreSQL's HeapDetermineColumnsInfo).
bool changes_key(const catalog::Table& t, const Row& old_row, const Row& new_row) {
  auto differs = [&](int c) {
    return c >= 0 && static_cast<size_t>(c) < old_row.size() &&
           (old_row[c].is_null() != new_row[c].is_null() ||
            (!old_row[c].is_null() && !(old_row[c].v == new_row[c].v)));
  };
  for (int c : t.primary_key)
    if (differs(c)) return true;
  for (const auto& idx : t.indexes)
    if (idx.unique && idx.predicate.empty())
      for (int c : idx.columns)
        if (differs(c)) return true;
  return false;
}

namespace {

// COPY text format: one line → fields.
std::vector<std::optional<std::string>> split_text_line(const std::string& line, char delim,
                                                        const std::string& null) {
  std::vector<std::optional<std::string>> out;
  std::string cur;
  bool raw_null_candidate = true;
  std::string raw;
  auto finish = [&]() {
    if (raw == null)
      out.emplace_back(std::nullopt);
    else
      out.emplace_back(cur);
    cur.clear();
    raw.clear();
    raw_null_candidate = true;
  };
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == delim) {
      finish();
      continue;
    }
    raw.push_back(c);
    if (c == '\\' && i + 1 < line.size()) {
      char n = line[++i];
      raw.push_back(n);
      switch (n) {
        case 'n':
          cur.push_back('\n');
          break;
        case 't':
          cur.push_back('\t');
          break;
        case 'r':
          cur.push_back('\r');
          break;
        case 'b':
          cur.push_back('\b');
          break;
        case 'f':
          cur.push_back('\f');
          break;
        case 'v':
          cur.push_back('\v');
          break;
        default:
          cur.push_back(n);
          break;
      }
      continue;
    }
    cur.push_back(c);
  }
  (void)raw_null_candidate;
  finish();
  return out;
}

// COPY csv format: one record → fields. A field is NULL when it is the null string unquoted
// (FORCE_NOT_NULL: never; FORCE_NULL: quoted too), as PostgreSQL's CopyReadAttributesCSV.
std::vector<std::optional<std::string>> split_csv_record(const std::string& rec,
                                                         const BoundStatement& s) {
  const char delim = s.copy_delimiter[0], quote = s.copy_quote[0], escape = s.copy_escape[0];
  auto has = [](const std::vector<int>& v, size_t i) {
    return std::find(v.begin(), v.end(), static_cast<int>(i)) != v.end();
  };
  std::vector<std::optional<std::string>> out;
  std::string cur;
  bool quoted = false, was_quoted = false;
  auto finish = [&] {
    const size_t i = out.size();
    const bool is_null = cur == s.copy_null && (!was_quoted || has(s.copy_force_null, i)) &&
                         !has(s.copy_force_not_null, i);
    if (is_null)
      out.emplace_back(std::nullopt);
    else
      out.emplace_back(cur);
    cur.clear();
    was_quoted = false;
  };
  for (size_t i = 0; i < rec.size(); ++i) {
    char c = rec[i];
    if (quoted) {
      if (c == escape && i + 1 < rec.size() && rec[i + 1] == quote) {
        cur.push_back(quote), ++i;
      } else if (c == escape && escape != quote && i + 1 < rec.size() && rec[i + 1] == escape) {
        cur.push_back(escape), ++i;
      } else if (c == quote) {
        quoted = false;
      } else {
        cur.push_back(c);
      }
      continue;
    }
    if (c == quote) {
      quoted = was_quoted = true;
      continue;
    }
    if (c == delim) {
      finish();
      continue;
    }
    cur.push_back(c);
  }
  finish();
  return out;
}

// Whether a CSV record so far ends inside a quoted field.
bool csv_open_quote(const std::string& rec, const BoundStatement& s) {
  const char quote = s.copy_quote[0], escape = s.copy_escape[0];
  bool quoted = false;
  for (size_t i = 0; i < rec.size(); ++i) {
    if (!quoted) {
      if (rec[i] == quote) quoted = true;
    } else if (rec[i] == escape && escape != quote && i + 1 < rec.size() &&
               (rec[i + 1] == quote || rec[i + 1] == escape)) {
      ++i;
    } else if (rec[i] == quote) {
      if (escape == quote && i + 1 < rec.size() && rec[i + 1] == quote)
        ++i;
      else
        quoted = false;
    }
  }
  return quoted;
}

int64_t do_copy(const BoundStatement& s, ExecContext& cx) {
  const auto& t = *s.copy_table;
  auto ip = std::make_shared<InsertPlan>();
  ip->table = s.copy_table;
  for (const auto& c : t.columns)
    ip->defaults.push_back(
        c.default_expr.empty() ? nullptr : bind_table_expr(cx.catalog, t, c.default_expr, &c.type));
  for (const auto& c : t.checks)
    ip->checks.push_back(bind_table_expr(cx.catalog, t, c.expr, nullptr));
  // COPY FROM 'file': the server reads the file (its rows as a client would send them).
  std::ifstream file;
  if (s.copy_to_file) {
    check_copy_file_privilege(cx, true);
    struct stat st {};
    if (::stat(s.copy_filename.c_str(), &st) != 0) copy_file_error(s.copy_filename, true, errno);
    if (S_ISDIR(st.st_mode))
      throw SqlError(sqlstate::kWrongObjectType, "\"" + s.copy_filename + "\" is a directory");
    file.open(s.copy_filename, std::ios::binary);
    if (!file) copy_file_error(s.copy_filename, true, errno ? errno : EACCES);
  }
  Writer w(t, cx);
  PartitionWriters parts(cx);
  // A table this transaction created or truncated (pgbench -i, an ETL job's load): its rows
  // are loaded, not inserted (Writer::load, PostgreSQL's COPY FREEZE).
  const bool bulk = w.loadable();
  if (!s.copy_to_file) cx.session.copy_in_start(false, static_cast<int>(s.copy_columns.size()));
  auto next_chunk = [&]() -> std::optional<std::string> {
    if (!s.copy_to_file) return cx.session.copy_in_next();
    std::string chunk(64 * 1024, '\0');
    file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<size_t>(file.gcount()));
    if (chunk.empty()) return std::nullopt;
    check_for_interrupts(cx);
    return chunk;
  };
  std::string buf;
  int64_t n = 0;
  int64_t line_no = 0;
  bool done = false;
  bool header_pending = s.copy_header;
  char delim = s.copy_delimiter.empty() ? '\t' : s.copy_delimiter[0];
  auto handle_record = [&](const std::string& line) {
    ++line_no;
    if (line == "\\.") {
      done = true;
      return;
    }
    auto fields =
        s.copy_csv ? split_csv_record(line, s) : split_text_line(line, delim, s.copy_null);
    if (header_pending) {
      header_pending = false;
      // HEADER MATCH: the header's names must be the copied columns' (PostgreSQL 15).
      auto header_error = [&](const std::string& message) {
        Error e;
        e.sqlstate = "22P04";
        e.message = message;
        e.context = "COPY " + t.name + ", line " + std::to_string(line_no) + ": \"" + line + "\"";
        throw SqlError(std::move(e));
      };
      if (s.copy_header_match) {
        if (fields.size() != s.copy_columns.size())
          header_error("wrong number of fields in header line: got " +
                       std::to_string(fields.size()) + ", expected " +
                       std::to_string(s.copy_columns.size()));
        for (size_t i = 0; i < fields.size(); ++i) {
          const std::string& want = t.columns[s.copy_columns[i]].name;
          if (!fields[i])
            header_error("column name mismatch in header line field " + std::to_string(i + 1) +
                         ": got null value (\"" + s.copy_null + "\"), expected \"" + want + "\"");
          if (*fields[i] != want)
            header_error("column name mismatch in header line field " + std::to_string(i + 1) +
                         ": got \"" + *fields[i] + "\", expected \"" + want + "\"");
        }
      }
      return;
    }
    if (fields.size() < s.copy_columns.size()) {
      Error e;
      e.sqlstate = "22P04";
      e.message =
          "missing data for column \"" + t.columns[s.copy_columns[fields.size()]].name + "\"";
      throw SqlError(std::move(e));
    }
    if (fields.size() > s.copy_columns.size())
      throw SqlError("22P04", "extra data after last expected column");
    std::vector<Datum> vals;
    for (size_t i = 0; i < fields.size(); ++i) {
      const auto& col = t.columns[s.copy_columns[i]];
      try {
        vals.push_back(fields[i] ? types::from_text(*fields[i], col.type, cx.fctx.zone)
                                 : Datum::Null());
      } catch (SqlError& e) {
        // PostgreSQL's context for a value its input function refused.
        if (e.error().context.empty())
          e.error().context = "COPY " + t.name + ", line " + std::to_string(line_no) + ", column " +
                              col.name + ": \"" + fields[i].value_or("") + "\"";
        throw;
      }
    }
    Row row = complete_row(*ip, s.copy_columns, vals, {}, cx);
    try {
      if (t.is_partitioned()) {
        parts.checked_target(t, row, w, ip->checks, {}).writer.insert(row, -3, nullptr);
      } else {
        w.check_row(row, ip->checks);
        if (bulk) {
          w.load(row);
        } else {
          w.insert(row, -3, nullptr);
        }
      }
    } catch (SqlError& e) {
      // PostgreSQL's COPY error context for a row it could not store. A unique violation
      // surfaces when its multi-insert buffer is flushed, no longer knowing the line's text.
      if (e.error().context.empty()) {
        e.error().context = "COPY " + t.name + ", line " + std::to_string(line_no);
        if (e.error().sqlstate != sqlstate::kUniqueViolation)
          e.error().context += ": \"" + line + "\"";
      }
      throw;
    }
    ++n;
  };
  // An error about a line (too few or many fields, a header) names it, as PostgreSQL does.
  auto handle_line = [&](const std::string& line) {
    try {
      handle_record(line);
    } catch (SqlError& e) {
      if (e.error().context.empty())
        e.error().context =
            "COPY " + t.name + ", line " + std::to_string(line_no) + ": \"" + line + "\"";
      throw;
    }
  };
  std::optional<SqlError> failure;
  // PostgreSQL checks FREEZE once the client is sending: the data is drained, then 55000.
  if (s.copy_freeze && t.is_partitioned())
    failure = SqlError(sqlstate::kFeatureNotSupported,
                       "cannot perform COPY FREEZE on a partitioned table");
  else if (s.copy_freeze && !cx.txn.may_load(t.storage_id))
    failure = SqlError("55000",
                       "cannot perform COPY FREEZE because the table was not created or "
                       "truncated in the current subtransaction");
  std::string csv_record;  // a CSV record's lines so far, while a quote is open
  while (auto chunk = next_chunk()) {
    if (done || failure) {
      if (s.copy_to_file) break;
      continue;  // drain the rest of the stream
    }
    buf += *chunk;
    size_t start = 0;
    try {
      for (;;) {
        size_t nl = buf.find('\n', start);
        if (nl == std::string::npos) break;
        std::string line = buf.substr(start, nl - start);
        start = nl + 1;
        if (s.copy_csv) {
          // A quoted CSV field may hold newlines: the record goes on to the next line.
          csv_record += line;
          if (csv_open_quote(csv_record, s)) {
            csv_record += '\n';
            continue;
          }
          line = std::move(csv_record);
          csv_record.clear();
        }
        if (!line.empty() && line.back() == '\r') line.pop_back();
        handle_line(line);
        if (done) break;
      }
    } catch (const SqlError& e) {
      failure = e;
    }
    buf.erase(0, start);
  }
  if (failure) throw *failure;
  if (!done && !(csv_record + buf).empty()) handle_line(csv_record + buf);
  if (bulk) cx.txn.flush_loads();
  parts.check_referencing_rows();
  return n;
}

}  // namespace

namespace {
Result run_statement(const BoundStatement& stmt, ExecContext& cx);
}  // namespace

Result run(const BoundStatement& stmt, catalog::Catalog& catalog, SessionContext& session,
           const std::vector<Datum>& params) {
  coord::Transaction& txn = session.transaction();
  ExecContext cx{catalog, session, txn, params, {}, {}, nullptr};
  cx.fctx.statement_start_us = session.statement_start_us();
  cx.fctx.transaction_start_us = session.transaction_start_us();
  cx.fctx.zone = session.time_zone();
  if (stmt.lock_wait_seconds)
    cx.wait_deadline = runtime::Clock::now() +
                       std::chrono::duration_cast<runtime::Clock::duration>(
                           std::chrono::duration<double>(std::min(*stmt.lock_wait_seconds, 1e9)));
  if (stmt.copy_program) refuse_copy_program(cx);
  take_statement_locks(stmt, cx);  // table locks (exec/locking.h)
  // As PostgreSQL's ExecCheckRTPerms: after the parser's table locks, before anything runs.
  check_statement_privileges(stmt, cx);  // exec/privileges.h
  // COPY ... TO: its query is what locks, is checked and runs its WITH queries.
  const BoundStatement& query = stmt.copy_query ? *stmt.copy_query : stmt;
  if (stmt.copy_query) {
    take_statement_locks(query, cx);
    check_statement_privileges(query, cx);
  }
  // Data-modifying WITH queries run first, once each; the statement reads their RETURNING
  // rows and, sharing their command id, does not see their writes (as in PostgreSQL).
  for (const auto& cte : query.dml_ctes) {
    take_statement_locks(*cte, cx);
    cx.cte_results.push_back(run_statement(*cte, cx).rows);
  }
  return run_statement(stmt, cx);
}

namespace {

// The strength of the first locking clause that locks a permanent table's rows, anywhere in
// the query: a READ ONLY transaction may not take it (a row lock is a write of the row, and
// PostgreSQL checks it as one: only a temporary table's rows may be locked).
std::optional<coord::LockStrength> permanent_row_lock(const bind::SelectPlan& p) {
  for (const auto* side : {p.left.get(), p.right.get()})
    if (side)
      if (auto s = permanent_row_lock(*side)) return s;
  for (const auto& src : p.sources) {
    if (src.lock && src.table && src.table->temp_namespace == 0) return src.lock_strength;
    if (src.subquery)
      if (auto s = permanent_row_lock(*src.subquery)) return s;
  }
  return std::nullopt;
}

// A READ ONLY transaction writes only temporary tables (PostgreSQL's rule: they are not
// "permanent relations"); a write of any other table is refused with 25006.
static void refuse_read_only_write(const coord::Transaction& txn, const catalog::Table* target,
                                   const char* what) {
  if (txn.sql_read_only() && (!target || target->temp_namespace == 0))
    throw SqlError(sqlstate::kReadOnlySqlTransaction,
                   std::string("cannot execute ") + what + " in a read-only transaction");
}

Result run_statement(const BoundStatement& stmt, ExecContext& cx) {
  coord::Transaction& txn = cx.txn;
  Result res;
  switch (stmt.kind) {
    case BoundStatement::Kind::kSelect:
      if (txn.sql_read_only())
        if (auto strength = permanent_row_lock(*stmt.select)) {
          static constexpr const char* kNames[] = {"SELECT FOR KEY SHARE", "SELECT FOR SHARE",
                                                   "SELECT FOR NO KEY UPDATE", "SELECT FOR UPDATE"};
          throw SqlError(sqlstate::kReadOnlySqlTransaction,
                         std::string("cannot execute ") + kNames[static_cast<int>(*strength)] +
                             " in a read-only transaction");
        }
      // A sort over one FROM item hands its rows out from the sorter (never all in memory).
      res.stream = run_sorted_select(*stmt.select, cx);
      if (!res.stream) res.rows = run_select(*stmt.select, cx);
      res.tag = "SELECT " + std::to_string(res.rows.size());
      break;
    case BoundStatement::Kind::kInsert: {
      refuse_read_only_write(txn, stmt.insert->table.get(), "INSERT");
      bool ret = !stmt.insert->returning.empty();
      int64_t n = do_insert(*stmt.insert, cx, ret ? &res.rows : nullptr);
      res.tag = "INSERT 0 " + std::to_string(n);
      break;
    }
    case BoundStatement::Kind::kUpdate: {
      refuse_read_only_write(txn, stmt.update->table.get(), "UPDATE");
      const auto& p = *stmt.update;
      TableWrites writes(*p.table, p.checks, p.check_option_view, cx);
      const size_t width = p.table->columns.size();
      auto new_row = [&](const Row& joined) {
        Row nr(joined.begin(), joined.begin() + width);
        for (const auto& [col, e] : p.sets) nr[col] = eval(*e, joined, cx);
        return nr;
      };
      auto strength_of = [&](const Row& joined) {
        if (p.strength == coord::LockStrength::kNoKeyUpdate) return p.strength;
        Row old(joined.begin(), joined.begin() + width);
        return changes_key(*p.table, old, new_row(joined)) ? coord::LockStrength::kUpdate
                                                           : coord::LockStrength::kNoKeyUpdate;
      };
      std::vector<int> set_columns;
      for (const auto& set : p.sets) set_columns.push_back(set.first);
      AfterRowQueue after_rows(cx);
      RowTriggers triggers(*p.table, catalog::Trigger::kUpdate, cx, after_rows, &set_columns);
      fire_statement_triggers(*p.table, catalog::Trigger::kUpdate, true, cx, &set_columns);
      int64_t n = for_each_target(
          *p.table, p.access, p.where.get(), p.from.get(), strength_of, cx, [&](StoredRow& c) {
            Row old(c.row.begin(), c.row.begin() + width);
            Row nr = new_row(c.row);
            if (!triggers.empty() && !triggers.before(&old, &nr)) return false;
            writes.update(c.table, old, c.key, nr);
            if (!triggers.empty()) triggers.after(&old, &nr);
            if (!p.returning.empty()) {
              Row ret = c.row;  // RETURNING sees the new target row joined with the rest
              for (size_t i = 0; i < width; ++i) ret[i] = nr[i];
              Row out;
              for (const auto& e : p.returning) out.push_back(eval(*e, ret, cx));
              res.rows.push_back(std::move(out));
            }
            return true;
          });
      after_rows.fire();
      writes.check_referencing_rows();
      fire_statement_triggers(*p.table, catalog::Trigger::kUpdate, false, cx, &set_columns);
      res.tag = "UPDATE " + std::to_string(n);
      break;
    }
    case BoundStatement::Kind::kDelete: {
      refuse_read_only_write(txn, stmt.del->table.get(), "DELETE");
      const auto& p = *stmt.del;
      Writer w(*p.table, cx);
      const size_t width = p.table->columns.size();
      auto strength_of = [](const Row&) { return coord::LockStrength::kUpdate; };
      AfterRowQueue after_rows(cx);
      RowTriggers triggers(*p.table, catalog::Trigger::kDelete, cx, after_rows);
      fire_statement_triggers(*p.table, catalog::Trigger::kDelete, true, cx);
      PartitionWriters parts(cx);
      int64_t n = for_each_target(
          *p.table, p.access, p.where.get(), p.from.get(), strength_of, cx, [&](StoredRow& c) {
            Row old(c.row.begin(), c.row.begin() + width);
            if (!triggers.empty() && !triggers.before(&old, nullptr)) return false;
            // A partitioned target's row goes from its partition.
            Writer& from = p.table->is_partitioned() ? parts.of(*c.table).writer : w;
            from.remove(old, c.key);
            if (!triggers.empty()) triggers.after(&old, nullptr);
            if (!p.returning.empty()) {
              Row out;
              for (const auto& e : p.returning) out.push_back(eval(*e, c.row, cx));
              res.rows.push_back(std::move(out));
            }
            return true;
          });
      after_rows.fire();
      w.check_referencing_rows();
      parts.check_referencing_rows();
      fire_statement_triggers(*p.table, catalog::Trigger::kDelete, false, cx);
      res.tag = "DELETE " + std::to_string(n);
      break;
    }
    case BoundStatement::Kind::kMerge:
      refuse_read_only_write(txn, stmt.merge->table.get(), "MERGE");
      res.tag = "MERGE " + std::to_string(run_merge(*stmt.merge, cx));
      break;
    case BoundStatement::Kind::kCopyFrom:
      // Refused before the client is asked for data (PostgreSQL's DoCopy checks first).
      if (stmt.copy_table) refuse_read_only_write(txn, stmt.copy_table.get(), "COPY FROM");
      res.tag = "COPY " + std::to_string(do_copy(stmt, cx));
      break;
    case BoundStatement::Kind::kCopyTo: {
      Result rows = run_statement(*stmt.copy_query, cx);
      res.tag = "COPY " + std::to_string(copy_out(stmt, rows, cx));
      break;
    }
    case BoundStatement::Kind::kExplain: {
      std::string text = plan::explain(stmt, cx.txn.manager().partition_count());
      size_t pos = 0;
      while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        res.rows.push_back(Row{Datum(text.substr(pos, nl - pos))});
        pos = nl + 1;
      }
      res.tag = "EXPLAIN";
      break;
    }
    case BoundStatement::Kind::kUtility:
      res.tag = run_utility(stmt.utility, cx);
      break;
  }
  return res;
}

}  // namespace

}  // namespace hf::sql::exec
