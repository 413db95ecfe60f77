// sql/exec/merge.cc — MERGE as PostgreSQL 15 runs it (ExecMerge): each row of the source
// LEFT JOIN target is matched or not; the first WHEN clause of that kind whose condition holds
// acts on it (UPDATE / DELETE a matched row, INSERT for a row with no match, or DO NOTHING).
//
// Owns: the choice of action per joined row, the "cannot affect row a second time" rule, and
// READ COMMITTED's recheck of a matched row a concurrent transaction changed: the row is
// locked as UPDATE / DELETE lock it (exec/modify.cc for_each_target), its newest version
// replaces the target's columns, and if the join condition still holds the WHEN MATCHED
// clauses are tried again on it; if it was deleted or no longer matches, the WHEN NOT MATCHED
// clauses are tried instead (PostgreSQL 15's ExecMergeMatched returning false). Above READ
// COMMITTED such a row is a serialization failure (40001). Writes go through TableWrites (a
// partitioned target's rows routed to, and moved between, its partitions), and the
// row and statement triggers of each action fire as for the plain statement.
// A matched row whose first applicable clause is DO NOTHING (or none) is neither locked nor
// counted, as in PostgreSQL.
#include <unordered_set>

#include "common/error.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/placement.h"
#include "sql/exec/routines.h"
#include "sql/types/row_codec.h"

namespace hf::sql::exec {

using namespace hf::sql::bind;

namespace {

bool has_action(const MergePlan& p, MergeAction::Kind k) {
  for (const auto& a : p.actions)
    if (a.kind == k) return true;
  return false;
}

// The first clause of the kind (matched or not) whose condition holds for the joined row.
const MergeAction* choose_action(const MergePlan& p, bool matched, const Row& row,
                                 ExecContext& cx) {
  for (const auto& a : p.actions) {
    if (a.matched != matched) continue;
    if (!a.condition || eval_bool(*a.condition, row, cx)) return &a;
  }
  return nullptr;
}

[[noreturn]] void affected_twice() {
  Error e;
  e.sqlstate = sqlstate::kCardinalityViolation;
  e.message = "MERGE command cannot affect row a second time";
  e.hint = "Ensure that not more than one source row matches any one target row.";
  throw SqlError(std::move(e));
}

}  // namespace

int64_t run_merge(const MergePlan& p, ExecContext& cx) {
  const catalog::Table& t = *p.table;
  const size_t width = t.columns.size();
  static const std::string no_view;
  const size_t off = static_cast<size_t>(p.target_offset);
  const Expr* on = p.join->sources[p.target_source].on.get();
  const bool inserts = has_action(p, MergeAction::Kind::kInsert);
  const bool updates = has_action(p, MergeAction::Kind::kUpdate);
  const bool deletes = has_action(p, MergeAction::Kind::kDelete);
  std::vector<int> set_columns;
  for (const auto& a : p.actions)
    for (const auto& set : a.sets)
      if (std::find(set_columns.begin(), set_columns.end(), set.first) == set_columns.end())
        set_columns.push_back(set.first);

  TableWrites writes(t, p.insert->checks, no_view, cx);
  AfterRowQueue after_rows(cx);
  // One RowTriggers per action kind the statement has (PostgreSQL's ExecInitMerge).
  std::optional<RowTriggers> insert_triggers, update_triggers, delete_triggers;
  if (inserts) insert_triggers.emplace(t, catalog::Trigger::kInsert, cx, after_rows);
  if (updates) update_triggers.emplace(t, catalog::Trigger::kUpdate, cx, after_rows, &set_columns);
  if (deletes) delete_triggers.emplace(t, catalog::Trigger::kDelete, cx, after_rows);
  // BEFORE statement triggers: INSERT, UPDATE, DELETE; AFTER ones the other way round
  // (PostgreSQL's fireBSTriggers / fireASTriggers for CMD_MERGE).
  if (inserts) fire_statement_triggers(t, catalog::Trigger::kInsert, true, cx);
  if (updates) fire_statement_triggers(t, catalog::Trigger::kUpdate, true, cx, &set_columns);
  if (deletes) fire_statement_triggers(t, catalog::Trigger::kDelete, true, cx);

  const coord::Timestamp read_before = cx.txn.view().read_ts;
  std::vector<MergeRow> rows = merge_join_rows(*p.join, p.target_source, cx);
  const coord::Timestamp seen_at = cx.txn.view().read_ts == read_before ? read_before : 0;
  const auto ts = column_types(t);
  // Target rows this statement updated or deleted: a second action on one is an error.
  std::unordered_set<std::string> changed;
  int64_t n = 0;

  auto new_row_of = [&](const MergeAction& a, const Row& joined) {
    Row nr(joined.begin() + off, joined.begin() + off + width);
    for (const auto& [col, e] : a.sets) nr[col] = eval(*e, joined, cx);
    return nr;
  };

  // WHEN MATCHED for one joined row: false when it turns out not to match any more (the
  // caller then tries WHEN NOT MATCHED with the source row).
  auto merge_matched = [&](MergeRow& m) {
    Row& row = m.stored.row;
    bool locked = false;
    std::optional<coord::Version> expected = m.stored.seen;
    for (;;) {
      const MergeAction* a = choose_action(p, true, row, cx);
      if (!a || a->kind == MergeAction::Kind::kNothing) return true;
      // A partitioned target's row is locked in the partition it was read from.
      const catalog::Table& stored = m.stored.table ? *m.stored.table : t;
      if (changed.count(std::to_string(stored.storage_id) + ":" + m.stored.key)) affected_twice();
      coord::LockStrength strength = coord::LockStrength::kUpdate;
      if (a->kind == MergeAction::Kind::kUpdate) {
        Row old(row.begin() + off, row.begin() + off + width);
        if (p.update_strength == coord::LockStrength::kNoKeyUpdate ||
            !changes_key(t, old, new_row_of(*a, row)))
          strength = coord::LockStrength::kNoKeyUpdate;
      }
      std::string value;
      switch (lock_target_row(stored, m.stored.key, expected, locked ? 0 : seen_at, strength, cx,
                              &value)) {
        case TargetRowLock::kGone:
          return false;
        case TargetRowLock::kNewer: {
          expected.reset();  // locked now: a lock again (a stronger one) checks no version
          locked = true;
          Row nr = types::decode_row(value, ts);
          for (size_t i = 0; i < width; ++i) row[off + i] = std::move(nr[i]);
          // The join condition again on the newest version (PostgreSQL's EvalPlanQual): no
          // longer matching, the source row goes to WHEN NOT MATCHED.
          if (on && !eval_bool(*on, row, cx)) return false;
          continue;  // the WHEN MATCHED clauses again, on the newest version
        }
        case TargetRowLock::kAsRead:
          break;
      }
      Row old(row.begin() + off, row.begin() + off + width);
      if (a->kind == MergeAction::Kind::kDelete) {
        if (!delete_triggers->empty() && !delete_triggers->before(&old, nullptr)) return true;
        writes.remove(m.stored.table, old, m.stored.key);
        if (!delete_triggers->empty()) delete_triggers->after(&old, nullptr);
      } else {
        Row nr = new_row_of(*a, row);
        if (!update_triggers->empty() && !update_triggers->before(&old, &nr)) return true;
        writes.update(m.stored.table, old, m.stored.key, nr);
        if (!update_triggers->empty()) update_triggers->after(&old, &nr);
      }
      changed.insert(std::to_string(stored.storage_id) + ":" + m.stored.key);
      ++n;
      return true;
    }
  };

  for (auto& m : rows) {
    check_for_interrupts(cx);
    if (m.matched && merge_matched(m)) continue;
    // WHEN NOT MATCHED: the target's columns read as NULL.
    Row& row = m.stored.row;
    for (size_t i = 0; i < width; ++i) row[off + i] = Datum::Null();
    const MergeAction* a = choose_action(p, false, row, cx);
    if (!a || a->kind != MergeAction::Kind::kInsert) continue;
    std::vector<Datum> vals;
    std::vector<bool> dflt;
    for (const auto& e : a->values) {
      dflt.push_back(e == nullptr);
      vals.push_back(e ? eval(*e, row, cx) : Datum::Null());
    }
    Row nr = complete_row(*p.insert, a->columns, vals, dflt, cx);
    if (!insert_triggers->empty() && !insert_triggers->before(nullptr, &nr)) continue;
    writes.insert(nr);
    if (!insert_triggers->empty()) insert_triggers->after(nullptr, &nr);
    ++n;
  }
  after_rows.fire();
  writes.check_referencing_rows();
  if (deletes) fire_statement_triggers(t, catalog::Trigger::kDelete, false, cx);
  if (updates) fire_statement_triggers(t, catalog::Trigger::kUpdate, false, cx, &set_columns);
  if (inserts) fire_statement_triggers(t, catalog::Trigger::kInsert, false, cx);
  return n;
}

}  // namespace hf::sql::exec
