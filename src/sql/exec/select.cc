// sql/exec/select.cc — reading tables, joins, grouping, windows, sorting, set operations.
#include <algorithm>
#include <any>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"
#include "runtime/stack.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/external_sort.h"
#include "sql/exec/locking.h"
#include "sql/exec/memory.h"
#include "sql/exec/partitions.h"
#include "sql/exec/placement.h"
#include "sql/exec/privileges.h"
#include "sql/exec/set_functions.h"
#include "sql/types/cast.h"
#include "sql/types/compare.h"
#include "sql/types/composite_types.h"
#include "sql/types/json.h"
#include "sql/types/key_codec.h"
#include "sql/types/row_codec.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {

using namespace hf::sql::bind;

coord::KeySpace row_space(const catalog::Table& t) {
  return coord::KeySpace{t.storage_id, 0};
}

coord::KeySpace forward_space(const catalog::Table& t) {
  return coord::KeySpace{t.storage_id, kForwardIndexId};
}

ChainEnd follow_moved_row(const catalog::Table& t, std::string key, coord::Timestamp deleted_ts,
                          coord::LockStrength strength, const coord::LockWait& wait,
                          ExecContext& cx) {
  auto space = row_space(t);
  for (int hop = 0; hop < 1000; ++hop) {
    auto fwd = cx.txn.latest(forward_space(t), row_routing(t, key), key);
    if (fwd.newest.commit_ts != deleted_ts || fwd.newest.deleted || !fwd.value) break;
    key = *fwd.value;
    // Expecting "no committed version" makes the answer carry the newest one.
    auto r = cx.txn.lock(space, row_routing(t, key), key, strength, wait, coord::Version{0, false});
    if (r.outcome == coord::LockOutcome::kWouldBlock) return ChainEnd{ChainEnd::kWouldBlock};
    if (r.outcome == coord::LockOutcome::kGranted) break;  // nothing committed there
    if (r.outcome != coord::LockOutcome::kVersionMismatch) throw_lock_failure(r.outcome, t, cx);
    if (!r.newest.deleted && r.value) return ChainEnd{ChainEnd::kLive, key, *r.value};
    deleted_ts = r.newest.commit_ts;
  }
  return ChainEnd{};
}

std::vector<TypeRef> column_types(const catalog::Table& t) {
  std::vector<TypeRef> v;
  v.reserve(t.columns.size());
  for (const auto& c : t.columns) v.push_back(c.type);
  return v;
}

std::string encode_pk(const catalog::Table& t, const Row& row) {
  std::string k;
  for (int c : t.primary_key) types::encode_key(k, row[c], t.columns[c].type.oid);
  return k;
}

coord::LockWait lock_wait(ExecContext& cx, coord::WaitPolicy p) {
  return coord::LockWait{p, std::min(cx.session.lock_deadline(), cx.wait_deadline),
                         &cx.session.cancel()};
}

void check_for_interrupts(ExecContext& cx) {
  if ((++cx.interrupt_tick & 1023) != 0) return;
  runtime::CancelToken& token = cx.session.cancel();
  switch (token.pending()) {
    case runtime::CancelToken::kNone: {
      const auto now = runtime::Clock::now();
      if (now >= cx.session.statement_deadline())
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
      if (now - cx.slice_start >= kStatementSlice) {
        runtime::Fiber::yield();
        cx.slice_start = runtime::Clock::now();
      }
      return;
    }
    case runtime::CancelToken::kStatementTimeout:
      throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
    case runtime::CancelToken::kTerminate:
      throw FatalError(sqlstate::kAdminShutdown,
                       "terminating connection due to administrator command");
    default:
      throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
  }
}

void throw_lock_failure(coord::LockOutcome o, const catalog::Table& t, ExecContext& cx) {
  switch (o) {
    case coord::LockOutcome::kWouldBlock:
      throw SqlError(sqlstate::kLockNotAvailable,
                     "could not obtain lock on row in relation \"" + t.name + "\"");
    case coord::LockOutcome::kTimeout:
      if (cx.session.cancel().pending() == runtime::CancelToken::kStatementTimeout)
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
      throw SqlError(sqlstate::kLockNotAvailable, "canceling statement due to lock timeout");
    case coord::LockOutcome::kDeadlock:
      throw SqlError(sqlstate::kDeadlockDetected, "deadlock detected");
    case coord::LockOutcome::kCancelled: {
      auto k = cx.session.cancel().pending();
      if (k == runtime::CancelToken::kStatementTimeout)
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
      if (k == runtime::CancelToken::kTerminate)
        throw FatalError(sqlstate::kAdminShutdown,
                         "terminating connection due to administrator command");
      throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
    }
    case coord::LockOutcome::kMemoryExceeded:
      throw SqlError(sqlstate::kOutOfMemory, "out of shared memory", "",
                     "You might need to increase holdfast's --max-lock-memory.");
    default:
      throw SqlError(sqlstate::kInternalError, "unexpected lock outcome");
  }
}

namespace {

// The key interval [start, end) of a kPkRange / kIndexRange access over key columns `cols`:
// the equality prefix, then the range on the next column. false: a bound is NULL (no row).
// `routing` is set when the equality prefix fixes the partition key (the first `width`
// columns): every key of the interval then lives in one partition (placement.h).
bool key_range(const TableAccess& acc, const std::vector<int>& cols, size_t width,
               const catalog::Table& t, const Row& ctx_row, ExecContext& cx, std::string* start,
               std::string* end, std::optional<std::string>* routing) {
  KeyBuilder kb(width);
  for (size_t i = 0; i < acc.key.size(); ++i) {
    Datum v = eval(*acc.key[i], ctx_row, cx);
    if (v.is_null()) return false;
    kb.add(v, t.columns[cols[i]].type.oid);
  }
  if (kb.placed()) *routing = kb.routing();
  const std::string& prefix = kb.key();
  Oid next = acc.key.size() < cols.size() ? t.columns[cols[acc.key.size()]].type.oid : 0;
  *start = prefix;
  *end = types::prefix_successor(prefix);
  if (acc.lo) {
    Datum v = eval(*acc.lo, ctx_row, cx);
    if (v.is_null()) return false;
    std::string k = prefix;
    types::encode_key(k, v, next);
    *start = acc.lo_inclusive ? k : types::prefix_successor(k);
  }
  if (acc.hi) {
    Datum v = eval(*acc.hi, ctx_row, cx);
    if (v.is_null()) return false;
    std::string k = prefix;
    types::encode_key(k, v, next);
    *end = acc.hi_inclusive ? types::prefix_successor(k) : k;
  } else if (acc.lo) {
    // No upper bound: stop before the next column's NULLs (no comparison is true for them).
    std::string k = prefix;
    types::encode_key(k, Datum::Null(), next);
    *end = k;
  }
  return end->empty() || *start < *end;
}

// The keys (kPointGet) or key prefixes (kPkRange) an access with an IN list reads: the bound
// prefix followed by each list value, sorted as the scan would meet them (descending for a
// backward scan) and without duplicates; NULL values match nothing and are dropped.
std::vector<KeyBuilder> in_list_keys(const TableAccess& acc, const catalog::Table& t,
                                     const Row& ctx_row, ExecContext& cx) {
  KeyBuilder prefix(t.placement_width());
  for (size_t i = 0; i < acc.key.size(); ++i) {
    Datum v = eval(*acc.key[i], ctx_row, cx);
    if (v.is_null()) return {};
    prefix.add(v, t.columns[t.primary_key[i]].type.oid);
  }
  const Oid next = t.columns[t.primary_key[acc.key.size()]].type.oid;
  std::vector<KeyBuilder> keys;
  auto add = [&](const Datum& v) {
    if (v.is_null()) return;
    keys.push_back(prefix);
    keys.back().add(v, next);
  };
  for (const auto& e : acc.in_values) {
    Datum v = eval(*e, ctx_row, cx);
    if (!acc.in_array) {
      add(v);
    } else if (!v.is_null()) {
      for (const Datum& item : *v.as_array()) add(item);
    }
  }
  auto less = [&](const KeyBuilder& a, const KeyBuilder& b) {
    return acc.reverse ? b.key() < a.key() : a.key() < b.key();
  };
  std::sort(keys.begin(), keys.end(), less);
  keys.erase(
      std::unique(keys.begin(), keys.end(),
                  [](const KeyBuilder& a, const KeyBuilder& b) { return a.key() == b.key(); }),
      keys.end());
  return keys;
}

// Types whose comparisons a filter name may hold: their answer depends on the values alone
// (no time zone, date style or other setting).
bool settled_type(Oid o) {
  return o == type_oid::kBool || o == type_oid::kInt2 || o == type_oid::kInt4 ||
         o == type_oid::kInt8 || o == type_oid::kText || o == type_oid::kVarchar;
}
bool comparison(std::string_view op) {
  return op == "=" || op == "<>" || op == "!=" || op == "<" || op == ">" || op == "<=" ||
         op == ">=";
}

// Appends e's part of filter_name(); false when e may not be in one.
bool append_filter_name(const Expr& e, const catalog::Table& t, ExecContext& cx, std::string& out) {
  runtime::check_stack_depth();
  auto value = [&](const Datum& v, Oid type) {
    if (v.is_null()) {
      out += "N";
      return true;
    }
    if (!settled_type(type)) return false;
    std::string k;
    types::encode_key(k, v, type);
    out += std::to_string(type) + ":" + std::to_string(k.size()) + ":" + k;
    return true;
  };
  out += "(" + std::to_string(static_cast<int>(e.kind)) + (e.negate ? "-" : "+");
  switch (e.kind) {
    case ExprKind::kConst:
      if (!value(e.value, e.type.oid)) return false;
      break;
    case ExprKind::kParam:
      if (e.index < 0 || static_cast<size_t>(e.index) >= cx.params.size()) return false;
      if (!value(cx.params[e.index], e.type.oid)) return false;
      break;
    case ExprKind::kColumn: {
      if (e.level != 0 || e.index < 0 || static_cast<size_t>(e.index) >= t.columns.size())
        return false;
      const TypeRef& ct = t.columns[e.index].type;
      if (!settled_type(ct.oid) || e.type.oid != ct.oid) return false;
      out +=
          std::to_string(e.index) + ":" + std::to_string(ct.oid) + ":" + std::to_string(ct.typmod);
      break;
    }
    case ExprKind::kOp:
    case ExprKind::kInList:
      if (!e.op || !comparison(e.op->name) || !settled_type(e.op->left) ||
          !settled_type(e.op->right))
        return false;
      out += std::string(e.op->name) + ":" + std::to_string(e.op->left) + ":" +
             std::to_string(e.op->right);
      for (const auto& at : e.arg_types)
        if (!settled_type(at.oid)) return false;
      break;
    case ExprKind::kAnd:
    case ExprKind::kOr:
    case ExprKind::kNot:
    case ExprKind::kIsNull:
    case ExprKind::kIsNotNull:
    case ExprKind::kIsTrue:
    case ExprKind::kIsFalse:
    case ExprKind::kDistinctFrom:
      for (const auto& a : e.args)
        if (!settled_type(a->type.oid)) return false;
      break;
    default:
      return false;
  }
  for (const auto& a : e.args)
    if (!append_filter_name(*a, t, cx, out)) return false;
  out += ")";
  return true;
}

// The name of `filter` over t's stored rows for partition_api::ScanRequest::filter: the same
// name only for a predicate giving the same answer for every row value, whenever and by
// whomever it is evaluated. "" when it cannot have one (an outer reference, a function, a type
// whose comparison reads a setting, ...).
std::string filter_name(const Expr& filter, const catalog::Table& t, ExecContext& cx) {
  std::string out = "w" + std::to_string(t.columns.size());
  if (!append_filter_name(filter, t, cx, out)) return {};
  return out;
}

}  // namespace

void scan_table(const catalog::Table& t, const TableAccess& acc, const Row& ctx_row,
                ExecContext& cx, const std::function<bool(StoredRow&)>& cb, uint8_t relation_mode,
                const std::function<bool(const std::string& pk)>* skip_row,
                const bind::Expr* filter) {
  lock_relation(cx, t, relation_mode);    // exec/locking.h
  if (row_security_hides(cx, t)) return;  // exec/privileges.h: no policies, no rows
  if (t.is_partitioned()) {
    // acc.key: the planner's pruning values for the partition key (planner.cc).
    std::vector<catalog::TablePtr> pruned;
    const bool prune = acc.kind == AccessKind::kFullScan && !acc.key.empty();
    if (prune) {
      std::vector<Datum> key;
      for (const auto& e : acc.key) key.push_back(eval(*e, ctx_row, cx));
      pruned = partitions_for_key(t, key, cx);
    }
    bool stopped = false;
    static const TableAccess kWhole;
    for (const auto& part : prune ? pruned : leaf_partitions(t, cx)) {
      // The leaf's own path (planner.cc), when the plan has one for this very version of it.
      const TableAccess* leaf_access = &kWhole;
      if (acc.kind == AccessKind::kFullScan)
        for (const auto& leaf : acc.leaves)
          if (leaf.table == part) leaf_access = leaf.access.get();
      scan_table(
          *part, *leaf_access, ctx_row, cx,
          [&](StoredRow& r) {
            if (!cb(r)) stopped = true;
            return !stopped;
          },
          relation_mode, nullptr, filter);
      if (stopped) return;
    }
    return;
  }
  auto space = row_space(t);
  auto ts = column_types(t);
  // cur: the cursor the row came from, told when the row fails `filter` (a scan with a named
  // filter: the partition may let later scans skip runs of such rows, mvcc/store.h).
  auto emit = [&](const coord::RowVersion& rv, coord::RowCursor* cur = nullptr) {
    check_for_interrupts(cx);
    StoredRow sr;
    sr.table = &t;
    sr.row = types::decode_row(rv.value, ts);
    if (filter && !eval_bool(*filter, sr.row, cx)) {
      if (cur) cur->reject();
      return true;
    }
    sr.key = rv.key;
    sr.newest = rv.newest;
    if (!rv.own_write) sr.seen = coord::Version{rv.visible_ts, false};
    return cb(sr);
  };
  if (!acc.in_values.empty()) {
    // One get (every key column bound) or one prefix scan per value of the IN list.
    const bool point = acc.kind == AccessKind::kPointGet;
    for (const KeyBuilder& kb : in_list_keys(acc, t, ctx_row, cx)) {
      std::optional<std::string> routing;
      if (kb.placed()) routing = kb.routing();
      if (point) {
        auto rv = cx.txn.get(space, *routing, kb.key());
        if (rv && !emit(*rv)) return;
        continue;
      }
      auto cur =
          cx.txn.scan(space, kb.key(), types::prefix_successor(kb.key()), acc.reverse, routing);
      while (auto rv = cur->next())
        if (!emit(*rv)) return;
    }
    return;
  }
  switch (acc.kind) {
    case AccessKind::kPointGet: {
      KeyBuilder kb(t.placement_width());
      for (size_t i = 0; i < acc.key.size(); ++i) {
        Datum v = eval(*acc.key[i], ctx_row, cx);
        if (v.is_null()) return;
        kb.add(v, t.columns[t.primary_key[i]].type.oid);
      }
      auto rv = cx.txn.get(space, kb.routing(), kb.key());
      if (rv) emit(*rv);
      return;
    }
    case AccessKind::kPkRange: {
      std::string start, end;
      std::optional<std::string> routing;
      if (!key_range(acc, t.primary_key, t.placement_width(), t, ctx_row, cx, &start, &end,
                     &routing))
        return;
      const std::string name = filter ? filter_name(*filter, t, cx) : std::string();
      auto cur = cx.txn.scan_filtered(space, start, end, acc.reverse, routing, name);
      while (auto rv = cur->next())
        if (!emit(*rv, cur.get())) return;
      return;
    }
    case AccessKind::kIndexRange: {
      const auto& idx = t.indexes[acc.index_pos];
      std::string start, end;
      std::optional<std::string> routing;
      if (!key_range(acc, idx.columns, idx.placement_width(), t, ctx_row, cx, &start, &end,
                     &routing))
        return;
      coord::KeySpace ispace{t.storage_id, idx.id};
      // Entries live where their leading index columns hash to: a range that fixes them is
      // read in one partition, any other merged across partitions in index order.
      auto cur = cx.txn.scan(ispace, start, end, acc.reverse, routing);
      while (auto ev = cur->next()) {
        // Entry key: the index columns, then the primary key (a unique index's entry without
        // NULLs is the index columns alone and holds the primary key as its value).
        std::string_view rest = ev->key;
        for (int c : idx.columns) types::decode_key(rest, t.columns[c].type.oid);
        std::string pk = rest.empty() ? ev->value : std::string(rest);
        if (skip_row && (*skip_row)(pk)) continue;
        auto rv = cx.txn.get(space, row_routing(t, pk), pk);
        if (rv && !emit(*rv)) return;
      }
      return;
    }
    case AccessKind::kIndexEq: {
      const auto& idx = t.indexes[acc.index_pos];
      KeyBuilder kb(idx.placement_width());
      for (size_t i = 0; i < acc.key.size(); ++i) {
        Datum v = eval(*acc.key[i], ctx_row, cx);
        if (v.is_null()) return;
        kb.add(v, t.columns[idx.columns[i]].type.oid);
      }
      const std::string& prefix = kb.key();
      std::string routing = kb.routing();  // every index column is bound: placed
      coord::KeySpace ispace{t.storage_id, idx.id};
      std::vector<std::string> pks;
      if (idx.unique) {
        auto rv = cx.txn.get(ispace, routing, prefix);
        if (rv) pks.push_back(rv->value);
      } else {
        auto cur =
            cx.txn.scan(ispace, prefix, types::prefix_successor(prefix), acc.reverse, routing);
        while (auto rv = cur->next()) pks.push_back(rv->key.substr(prefix.size()));
      }
      for (const auto& pk : pks) {
        if (skip_row && (*skip_row)(pk)) continue;
        auto rv = cx.txn.get(space, row_routing(t, pk), pk);
        if (rv && !emit(*rv)) return;
      }
      return;
    }
    case AccessKind::kFullScan: {
      const std::string name = filter ? filter_name(*filter, t, cx) : std::string();
      auto cur = cx.txn.scan_filtered(space, "", "", acc.reverse, std::nullopt, name);
      while (auto rv = cur->next())
        if (!emit(*rv, cur.get())) return;
      return;
    }
  }
}

namespace {

// What one entry of a hash table costs beyond its key (node, bucket, value), estimated.
constexpr size_t kHashEntryOverhead = 64;

std::string group_key(const std::vector<Datum>& vals, const std::vector<Oid>& ts) {
  std::string k;
  for (size_t i = 0; i < vals.size(); ++i) {
    Oid t = ts[i];
    if (types::is_array_type(t) || t == type_oid::kUnknown || t == type_oid::kJson) {
      // arrays: by their text form
      k.push_back(vals[i].is_null() ? '\0' : '\1');
      if (!vals[i].is_null()) {
        std::string s = types::to_text(vals[i], TypeRef{t, -1});
        types::encode_key(k, Datum(s), type_oid::kText);
      }
      continue;
    }
    if (t == type_oid::kJsonb && !vals[i].is_null()) {  // 1.0 and 1.00 are one group
      types::encode_key(k, Datum(types::json::jsonb_hash_key(vals[i].as_string())),
                        type_oid::kText);
      continue;
    }
    types::encode_key(k, vals[i], t);
  }
  return k;
}

std::vector<SortColumn> sort_columns(const std::vector<SortKey>& keys) {
  std::vector<SortColumn> cols;
  cols.reserve(keys.size());
  for (const auto& k : keys)
    cols.push_back(SortColumn{k.expr->index, k.expr->type.oid, k.descending, k.nulls_first});
  return cols;
}

void sort_rows(std::vector<Row>& rows, const std::vector<SortKey>& keys) {
  if (keys.empty()) return;
  auto cols = sort_columns(keys);
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const Row& a, const Row& b) { return compare_rows(a, b, cols) < 0; });
}

int64_t eval_count(const Expr* e, ExecContext& cx, int64_t dflt) {
  if (!e) return dflt;
  Datum v = eval(*e, Row{}, cx);
  if (v.is_null()) return dflt;
  return v.as_int();
}

// The identity of one row of a base table inside a (joined) row: what LockRows locks.
struct RowRef {
  std::string key;
  std::optional<coord::Version> seen;
  bool present = false;
  const catalog::Table* table = nullptr;  // the table the row is stored in (StoredRow::table)
};
// The table a source's row is stored in: its own, or the leaf partition it came from.
const catalog::Table& stored_in(const Source& src, const RowRef& ref) {
  return ref.table ? *ref.table : *src.table;
}
using RowRefs = std::vector<RowRef>;  // indexed by source number

bool lock_streams(const SelectPlan& p);
void stream_lock_rows(const SelectPlan& p, ExecContext& cx, const std::function<void(Row&&)>& sink);
bool projects_one_source(const SelectPlan& p);
void stream_projection(const SelectPlan& p, ExecContext& cx,
                       const std::function<void(Row&&)>& sink);

// Calls emit with each row of one FROM item (a table's filtered by where_single). With
// `refs`, a table source also reports each row's key and version.
void for_each_source_row(const Source& src, const Row& ctx_row, ExecContext& cx,
                         const Expr* where_single, std::vector<RowRef>* refs,
                         const std::function<void(Row&&)>& sink) {
  // A LATERAL item reads `ctx_row` (the row of the items before it) as its enclosing row.
  struct PushOuter {
    std::vector<const Row*>* v = nullptr;
    ~PushOuter() {
      if (v) v->pop_back();
    }
  } push_outer;
  if (src.lateral) {
    cx.outer.push_back(&ctx_row);
    push_outer.v = &cx.outer;
  }
  // The item's rows are made with that enclosing row; the sink runs with the caller's (it may
  // evaluate the query above: an aggregate or a projection fed as the rows come).
  struct PopOuter {
    std::vector<const Row*>& v;
    const Row* top;
    explicit PopOuter(std::vector<const Row*>& outer) : v(outer), top(outer.back()) {
      v.pop_back();
    }
    ~PopOuter() { v.push_back(top); }
  };
  std::function<void(Row &&)> lateral_sink;
  if (src.lateral) {
    lateral_sink = [&](Row&& r) {
      PopOuter pop(cx.outer);
      sink(std::move(r));
    };
  }
  const std::function<void(Row &&)>& emit = src.lateral ? lateral_sink : sink;
  auto emit_all = [&](std::vector<Row> rows) {
    for (auto& r : rows) emit(std::move(r));
  };
  switch (src.kind) {
    case Source::Kind::kTable:
      if (!src.virtual_table.empty()) {
        emit_all(system_view_rows(src.virtual_table, cx));
        return;
      }
      scan_table(
          *src.table, src.access, ctx_row, cx,
          [&](StoredRow& r) {
            if (refs) refs->push_back(RowRef{std::move(r.key), r.seen, true, r.table});
            emit(std::move(r.row));
            return true;
          },
          src.lock ? coord::table_mode::kRowShare : coord::table_mode::kAccessShare, nullptr,
          where_single);
      return;
    case Source::Kind::kSubquery:
      if (src.cte_result >= 0) {
        if (static_cast<size_t>(src.cte_result) < cx.cte_results.size())
          emit_all(cx.cte_results[src.cte_result]);
      } else if (src.cte_levels_up > 0) {
        // A WITH query read from below its definition sees the enclosing rows of the query
        // that defines it.
        if (static_cast<size_t>(src.cte_levels_up) > cx.outer.size())
          throw SqlError(sqlstate::kInternalError, "WITH query read outside its query");
        std::vector<Row> rows;
        {
          std::vector<const Row*> saved = cx.outer;
          cx.outer.resize(cx.outer.size() - src.cte_levels_up);
          struct Restore {
            std::vector<const Row*>& v;
            std::vector<const Row*>& saved;
            ~Restore() { v.swap(saved); }
          } restore{cx.outer, saved};
          rows = run_select(*src.subquery, cx);
        }
        emit_all(std::move(rows));  // to the caller, with its enclosing rows back
      } else if (lock_streams(*src.subquery)) {
        // LockRows over a scan hands its rows up as each window is locked.
        stream_lock_rows(*src.subquery, cx, emit);
      } else if (projects_one_source(*src.subquery)) {
        // A projection of one item (a view, a derived table) hands its rows up one by one.
        stream_projection(*src.subquery, cx, emit);
      } else {
        emit_all(run_select(*src.subquery, cx));
      }
      return;
    case Source::Kind::kValues:
      for (const auto& r : src.values) {
        Row row;
        for (const auto& e : r) row.push_back(eval(*e, ctx_row, cx));
        emit(std::move(row));
      }
      return;
    case Source::Kind::kFunction: {
      const Expr& f = *src.function;
      std::vector<Datum> args;
      for (const auto& a : f.args) args.push_back(eval(*a, ctx_row, cx));
      if (f.kind == bind::ExprKind::kUserFunc) {
        for (auto& r : user_function_rows(f, std::move(args), cx)) {
          check_for_interrupts(cx);
          emit(std::move(r));
        }
        return;
      }
      SetFunctionCursor cursor(f, args, cx.fctx.zone);
      Datum v;
      Row row;
      // A source of width n (jsonb_each: key, value) takes the call's values n at a time; WITH
      // ORDINALITY adds the row's number after them.
      const size_t width =
          (src.width > 0 ? static_cast<size_t>(src.width) : 1) - (src.ordinality ? 1 : 0);
      int64_t ordinal = 0;
      auto emit_numbered = [&](Row&& r) {
        check_for_interrupts(cx);
        if (src.ordinality) r.push_back(Datum(++ordinal));
        emit(std::move(r));
      };
      while (cursor.next(v)) {
        if (src.expand_composite) {
          // unnest of a composite array: each value's fields are the columns.
          emit_numbered(v.is_null() ? Row(width, Datum::Null()) : Row(*v.as_array()));
          continue;
        }
        row.push_back(std::move(v));
        if (row.size() < width) continue;
        emit_numbered(std::move(row));
        row = Row{};
      }
      return;
    }
  }
}

// Rows of one FROM item, charged to the statement's memory budget.
// A join's item drops the rows its Source::filter rejects as they come (a base table's scan
// applies it to the stored row).
std::vector<Row> source_rows(const Source& src, const Row& ctx_row, ExecContext& cx,
                             const Expr* where_single, std::vector<RowRef>* refs = nullptr) {
  std::vector<Row> out;
  const Expr* filter = where_single ? nullptr : src.filter.get();
  const bool scan_filters = src.kind == Source::Kind::kTable && src.virtual_table.empty();
  if (filter && scan_filters) {
    where_single = filter;
    filter = nullptr;
  }
  for_each_source_row(src, ctx_row, cx, where_single, refs, [&](Row&& r) {
    if (filter && !eval_bool(*filter, r, cx)) return;  // (only a table's scan reports refs)
    cx.memory.charge_row(r, kExecutorContext);
    out.push_back(std::move(r));
  });
  if (refs) refs->resize(out.size());
  return out;
}

// Calls emit with each row of p's one FROM item that passes WHERE (a base table's scan
// applies WHERE itself; other items are filtered here).
void for_each_filtered_row(const SelectPlan& p, ExecContext& cx,
                           const std::function<void(Row&&)>& emit) {
  const Source& src = p.sources[0];
  const bool table_filters = src.kind == Source::Kind::kTable && src.virtual_table.empty();
  if (table_filters || !p.where) {
    for_each_source_row(src, Row{}, cx, p.where.get(), nullptr, emit);
    return;
  }
  for_each_source_row(src, Row{}, cx, nullptr, nullptr, [&](Row&& in) {
    if (eval_bool(*p.where, in, cx)) emit(std::move(in));
  });
}

// SelectPlan::lookup_first_source: for each row of sources[1] (in its order), the target's
// row found by its primary key; then the join condition and WHERE.
std::vector<Row> lookup_join(const SelectPlan& p, ExecContext& cx, std::vector<RowRefs>* refs) {
  const Source& target = p.sources[0];
  const Source& from = p.sources[1];
  const uint8_t mode = target.lock ? coord::table_mode::kRowShare : coord::table_mode::kAccessShare;
  lock_relation(cx, *target.table, mode);
  std::vector<RowRef> from_refs;
  std::vector<Row> outer = source_rows(from, Row{}, cx, nullptr, refs ? &from_refs : nullptr);
  if (refs) from_refs.resize(outer.size());
  std::vector<Row> out;
  for (size_t i = 0; i < outer.size(); ++i) {
    scan_table(
        *target.table, target.access, outer[i], cx,
        [&](StoredRow& r) {
          Row row = std::move(r.row);
          row.resize(target.width);
          row.insert(row.end(), outer[i].begin(), outer[i].end());
          if (from.on && !eval_bool(*from.on, row, cx)) return true;
          if (p.where && !eval_bool(*p.where, row, cx)) return true;
          out.push_back(std::move(row));
          if (refs) {
            RowRefs rr(2);
            rr[0] = RowRef{std::move(r.key), r.seen, true, r.table};
            rr[1] = from_refs[i];
            refs->push_back(std::move(rr));
          }
          return true;
        },
        mode);
  }
  return out;
}

// Joins the FROM items left-deep (hash join on equi-join keys, else nested loop) and applies
// WHERE. With `refs`, each result row also carries the identity of its base-table rows.
std::vector<Row> join_sources(const SelectPlan& p, ExecContext& cx,
                              std::vector<RowRefs>* refs = nullptr) {
  Row empty;
  if (p.sources.empty()) {
    // No FROM: one row, unless WHERE rejects it (SELECT 1 WHERE false has none).
    if (p.where && !eval_bool(*p.where, empty, cx)) {
      if (refs) refs->clear();
      return {};
    }
    if (refs) refs->assign(1, RowRefs{});
    return {Row{}};
  }
  const size_t nsrc = p.sources.size();
  if (p.lookup_first_source) return lookup_join(p, cx, refs);
  const Expr* where_single = nsrc == 1 ? p.where.get() : nullptr;
  std::vector<RowRef> first_refs;
  std::vector<Row> acc =
      source_rows(p.sources[0], empty, cx, where_single, refs ? &first_refs : nullptr);
  std::vector<RowRefs> acc_refs;
  if (refs) {
    first_refs.resize(acc.size());
    for (auto& r : first_refs) {
      RowRefs rr(nsrc);
      rr[0] = std::move(r);
      acc_refs.push_back(std::move(rr));
    }
  }
  for (size_t i = 1; i < nsrc; ++i) {
    const Source& src = p.sources[i];
    // A source with an access path is looked up per row of what comes before it (the
    // planner's nested loop over an index scan, planner.cc choose_join_access).
    const bool lookup = src.kind == Source::Kind::kTable && src.virtual_table.empty() &&
                        src.access.kind != AccessKind::kFullScan;
    std::vector<RowRef> right_refs;
    std::vector<Row> right;
    // A LATERAL item that reads the row before it is read again for each such row (below);
    // an index lookup is read for each left row.
    if (!src.lateral_refs && !lookup)
      right = source_rows(src, empty, cx, nullptr, refs ? &right_refs : nullptr);
    if (refs) right_refs.resize(right.size());
    std::vector<Row> next;
    std::vector<RowRefs> next_refs;
    std::vector<bool> right_matched(right.size(), false);
    int left_width = src.offset;
    auto combine = [&](const Row& l, const Row* r) {
      Row row = l;
      if (r)
        row.insert(row.end(), r->begin(), r->end());
      else
        row.resize(left_width + src.width);
      return row;
    };
    // The last join applies WHERE to each joined row as it is made (after ON and the null
    // extension, as the post-join filter did), so rows WHERE drops are never materialised: a
    // filtered cross join of two 6,000-row inputs no longer holds 36 million rows.
    const bool last = i + 1 == nsrc;
    auto passes_where = [&](const Row& row) {
      return !last || !p.where || eval_bool(*p.where, row, cx);
    };
    // Appends a joined row; li / ri: the left and right input rows (npos: null-extended).
    constexpr size_t npos = static_cast<size_t>(-1);
    auto push = [&](Row&& row, size_t li, size_t ri) {
      if (!passes_where(row)) return;
      cx.memory.charge_row(row, kExecutorContext);
      next.push_back(std::move(row));
      if (!refs) return;
      RowRefs rr = li != npos ? acc_refs[li] : RowRefs(nsrc);
      if (ri != npos) rr[i] = right_refs[ri];
      next_refs.push_back(std::move(rr));
    };
    auto matches = [&](const Row& row) {
      check_for_interrupts(cx);
      return !src.on || eval_bool(*src.on, row, cx);
    };
    auto null_left_row = [&](const Row& r) {
      Row row(left_width);
      row.insert(row.end(), r.begin(), r.end());
      return row;
    };
    if (src.lateral_refs) {
      // The planner allows only inner and left joins here (PostgreSQL's rule).
      for (size_t li = 0; li < acc.size(); ++li) {
        const Row& l = acc[li];
        right_refs.clear();
        right = source_rows(src, l, cx, nullptr, refs ? &right_refs : nullptr);
        if (refs) right_refs.resize(right.size());
        bool any = false;
        for (size_t ri = 0; ri < right.size(); ++ri) {
          Row row = combine(l, &right[ri]);
          if (!matches(row)) continue;
          any = true;
          push(std::move(row), li, ri);
        }
        if (!any && src.join == Source::Join::kLeft) push(combine(l, nullptr), li, npos);
      }
      right.clear();
    } else if (lookup) {
      const uint8_t mode =
          src.lock ? coord::table_mode::kRowShare : coord::table_mode::kAccessShare;
      for (size_t li = 0; li < acc.size(); ++li) {
        const Row& l = acc[li];
        bool any = false;
        scan_table(
            *src.table, src.access, l, cx,
            [&](StoredRow& r) {
              Row row = combine(l, &r.row);
              if (!matches(row)) return true;
              any = true;
              if (!passes_where(row)) return true;
              cx.memory.charge_row(row, kExecutorContext);
              next.push_back(std::move(row));
              if (refs) {
                RowRefs rr = acc_refs[li];
                rr[i] = RowRef{std::move(r.key), r.seen, true, r.table};
                next_refs.push_back(std::move(rr));
              }
              return true;
            },
            mode);
        if (!any && src.join == Source::Join::kLeft) push(combine(l, nullptr), li, npos);
      }
    } else if (!src.hash_keys.empty()) {
      std::unordered_multimap<std::string, size_t> ht;
      std::vector<Oid> kt = src.hash_key_types;
      for (size_t ri = 0; ri < right.size(); ++ri) {
        std::vector<Datum> k;
        bool null = false;
        for (auto& hk : src.hash_keys) {
          k.push_back(right[ri][hk.second]);
          null |= right[ri][hk.second].is_null();
        }
        if (null) continue;
        std::string key = group_key(k, kt);
        cx.memory.charge(key.size() + kHashEntryOverhead, kHashJoinContext);
        ht.emplace(std::move(key), ri);
      }
      for (size_t li = 0; li < acc.size(); ++li) {
        const Row& l = acc[li];
        std::vector<Datum> k;
        bool null = false;
        for (auto& hk : src.hash_keys) {
          k.push_back(l[hk.first]);
          null |= l[hk.first].is_null();
        }
        bool any = false;
        if (!null) {
          // Right rows in their scan order (a multimap's equal_range order is unspecified).
          std::vector<size_t> hits;
          auto range = ht.equal_range(group_key(k, kt));
          for (auto it = range.first; it != range.second; ++it) hits.push_back(it->second);
          std::sort(hits.begin(), hits.end());
          for (size_t ri : hits) {
            Row row = combine(l, &right[ri]);
            if (!matches(row)) continue;
            any = true;
            right_matched[ri] = true;
            push(std::move(row), li, ri);
          }
        }
        if (!any && (src.join == Source::Join::kLeft || src.join == Source::Join::kFull))
          push(combine(l, nullptr), li, npos);
      }
    } else {
      for (size_t li = 0; li < acc.size(); ++li) {
        const Row& l = acc[li];
        bool any = false;
        for (size_t ri = 0; ri < right.size(); ++ri) {
          Row row = combine(l, &right[ri]);
          if (!matches(row)) continue;
          any = true;
          right_matched[ri] = true;
          push(std::move(row), li, ri);
        }
        if (!any && (src.join == Source::Join::kLeft || src.join == Source::Join::kFull))
          push(combine(l, nullptr), li, npos);
      }
    }
    if (src.join == Source::Join::kRight || src.join == Source::Join::kFull)
      for (size_t ri = 0; ri < right.size(); ++ri)
        if (!right_matched[ri]) push(null_left_row(right[ri]), npos, ri);
    acc = std::move(next);
    acc_refs = std::move(next_refs);
  }
  // WHERE was applied by the last join, or during the scan of a single base table.
  bool filtered =
      nsrc > 1 || (p.sources[0].kind == Source::Kind::kTable && p.sources[0].virtual_table.empty());
  if (!filtered && p.where) {
    std::vector<Row> kept;
    std::vector<RowRefs> kept_refs;
    for (size_t r = 0; r < acc.size(); ++r)
      if (eval_bool(*p.where, acc[r], cx)) {
        kept.push_back(std::move(acc[r]));
        if (refs) kept_refs.push_back(std::move(acc_refs[r]));
      }
    acc = std::move(kept);
    acc_refs = std::move(kept_refs);
  }
  if (refs) *refs = std::move(acc_refs);
  return acc;
}

// Feeds one input to an aggregate, unless DISTINCT has seen these arguments already.
void step_aggregate(const bind::AggCall& ac, std::any& state, std::unordered_set<std::string>& seen,
                    const std::vector<Datum>& args, ExecContext& cx) {
  if (ac.distinct) {
    std::vector<Oid> ts;
    for (const auto& e : ac.args) ts.push_back(e->type.oid);
    std::string key = group_key(args, ts);
    if (seen.count(key)) return;
    cx.memory.charge(key.size() + kHashEntryOverhead, kHashAggContext);
    seen.insert(std::move(key));
  }
  ac.def->step(state, args);
}

// Hash aggregation fed one input row at a time, so that an aggregate over a scan or a
// subquery holds its groups, not its input (PostgreSQL's Agg pulls from its child the same
// way): `SELECT count(*) FROM (SELECT ... FOR UPDATE) s` over a million rows keeps no row.
class Aggregator {
 public:
  Aggregator(const SelectPlan& p, ExecContext& cx) : p_(p), cx_(cx) {
    for (const auto& g : p.group_by) key_types_.push_back(g->type.oid);
  }

  void add(const Row& row) {
    std::vector<Datum> keys;
    for (const auto& g : p_.group_by) keys.push_back(eval(*g, row, cx_));
    std::string k = group_key(keys, key_types_);
    auto it = index_.find(k);
    size_t gi;
    if (it == index_.end()) {
      cx_.memory.charge(row_bytes(keys) + k.size() + kHashEntryOverhead * (1 + p_.aggs.size()),
                        kHashAggContext);
      gi = new_group(std::move(keys));
      index_.emplace(std::move(k), gi);
    } else {
      gi = it->second;
    }
    Group& g = groups_[gi];
    for (size_t a = 0; a < p_.aggs.size(); ++a) {
      const auto& ac = p_.aggs[a];
      if (ac.filter && !eval_bool(*ac.filter, row, cx_)) continue;
      std::vector<Datum> args;
      bool null = false;
      for (const auto& e : ac.args) {
        args.push_back(eval(*e, row, cx_));
        null |= args.back().is_null();
      }
      if (null && ac.def->strict) continue;
      if (!ac.order_by.empty()) {
        Row sort_keys;
        for (const auto& k : ac.order_by) sort_keys.push_back(eval(*k.expr, row, cx_));
        cx_.memory.charge(row_bytes(sort_keys) + row_bytes(args) + kHashEntryOverhead,
                          kHashAggContext);
        g.ordered[a].emplace_back(std::move(sort_keys), std::move(args));
        continue;
      }
      step_aggregate(ac, g.states[a], g.seen[a], args, cx_);
    }
  }

  // The groups' rows (keys, then the aggregates' results) that pass HAVING.
  std::vector<Row> finish() {
    if (groups_.empty() && p_.group_by.empty()) new_group({});
    for (size_t a = 0; a < p_.aggs.size(); ++a) {
      const auto& ac = p_.aggs[a];
      if (ac.order_by.empty()) continue;
      std::vector<SortColumn> cols;
      for (size_t k = 0; k < ac.order_by.size(); ++k)
        cols.push_back(SortColumn{static_cast<int>(k), ac.order_by[k].expr->type.oid,
                                  ac.order_by[k].descending, ac.order_by[k].nulls_first});
      for (auto& g : groups_) {
        auto& inputs = g.ordered[a];
        std::stable_sort(inputs.begin(), inputs.end(), [&](const auto& x, const auto& y) {
          return compare_rows(x.first, y.first, cols) < 0;
        });
        for (auto& in : inputs) step_aggregate(ac, g.states[a], g.seen[a], in.second, cx_);
        inputs.clear();
      }
    }
    std::vector<Row> out;
    for (auto& g : groups_) {
      Row r = g.keys;
      for (size_t a = 0; a < p_.aggs.size(); ++a) r.push_back(p_.aggs[a].def->final(g.states[a]));
      if (p_.having && !eval_bool(*p_.having, r, cx_)) continue;
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  struct Group {
    std::vector<Datum> keys;
    std::vector<std::any> states;
    std::vector<std::unordered_set<std::string>> seen;  // DISTINCT aggregates
    // Aggregates with ORDER BY: each input's sort keys and arguments, fed in order at the end.
    std::vector<std::vector<std::pair<Row, std::vector<Datum>>>> ordered;
  };
  size_t new_group(std::vector<Datum> keys) {
    Group g;
    g.keys = std::move(keys);
    for (const auto& a : p_.aggs) g.states.push_back(a.def->init());
    g.seen.resize(p_.aggs.size());
    g.ordered.resize(p_.aggs.size());
    groups_.push_back(std::move(g));
    return groups_.size() - 1;
  }

  const SelectPlan& p_;
  ExecContext& cx_;
  std::vector<Oid> key_types_;
  std::vector<Group> groups_;
  std::unordered_map<std::string, size_t> index_;
};

// Agg over the FROM items: a single item's rows are fed to it as they come (as PostgreSQL's
// Agg pulls them), a join's rows are made first.
std::vector<Row> aggregate(const SelectPlan& p, ExecContext& cx) {
  Aggregator agg(p, cx);
  // HAVING without GROUP BY or aggregates makes one group whatever the input holds: the
  // input is not read (PostgreSQL's degenerate grouping, create_degenerate_grouping_paths).
  const bool degenerate = p.group_by.empty() && p.aggs.empty() && p.having;
  if (degenerate) return agg.finish();
  if (p.sources.size() == 1 && !p.lookup_first_source) {
    for_each_filtered_row(p, cx, [&](Row&& in) { agg.add(in); });
  } else {
    for (const auto& in : join_sources(p, cx)) agg.add(in);
  }
  return agg.finish();
}

// Computes every window function for every row: values[row][window].
std::vector<std::vector<Datum>> windows(const SelectPlan& p, const std::vector<Row>& rows,
                                        ExecContext& cx) {
  std::vector<std::vector<Datum>> values(rows.size(), std::vector<Datum>(p.windows.size()));
  for (size_t w = 0; w < p.windows.size(); ++w) {
    const WindowCall& wc = p.windows[w];
    std::vector<Oid> pts;
    for (const auto& e : wc.partition_by) pts.push_back(e->type.oid);
    std::unordered_map<std::string, std::vector<size_t>> parts;
    std::vector<std::string> order;
    for (size_t i = 0; i < rows.size(); ++i) {
      std::vector<Datum> k;
      for (const auto& e : wc.partition_by) k.push_back(eval(*e, rows[i], cx));
      std::string key = group_key(k, pts);
      auto [it, inserted] = parts.try_emplace(key);
      if (inserted) order.push_back(key);
      it->second.push_back(i);
    }
    for (const auto& key : order) {
      auto& idx = parts[key];
      // sort keys per row
      std::vector<Row> sk(rows.size());
      for (size_t i : idx) {
        Row r;
        for (const auto& o : wc.order_by) r.push_back(eval(*o.expr, rows[i], cx));
        sk[i] = std::move(r);
      }
      std::vector<SortColumn> keys;
      for (size_t k = 0; k < wc.order_by.size(); ++k)
        keys.push_back(SortColumn{static_cast<int>(k), wc.order_by[k].expr->type.oid,
                                  wc.order_by[k].descending, wc.order_by[k].nulls_first});
      std::stable_sort(idx.begin(), idx.end(),
                       [&](size_t a, size_t b) { return compare_rows(sk[a], sk[b], keys) < 0; });
      auto peer = [&](size_t a, size_t b) { return compare_rows(sk[a], sk[b], keys) == 0; };
      const std::string& n = wc.name;
      if (wc.agg) {
        // Aggregate over the frame: with ORDER BY, from the start to the last peer; else all.
        std::any st = wc.agg->init();
        size_t i = 0;
        while (i < idx.size()) {
          size_t j = i;
          while (j < idx.size() && (wc.order_by.empty() || peer(idx[i], idx[j]))) {
            std::vector<Datum> args;
            bool null = false;
            for (const auto& a : wc.args) {
              args.push_back(eval(*a, rows[idx[j]], cx));
              null |= args.back().is_null();
            }
            if (!(null && wc.agg->strict)) wc.agg->step(st, args);
            ++j;
          }
          if (wc.order_by.empty()) j = idx.size();
          std::any copy = st;
          Datum v = wc.agg->final(copy);
          for (size_t k = i; k < j; ++k) values[idx[k]][w] = v;
          i = j;
        }
        continue;
      }
      int64_t rank = 0, dense = 0;
      for (size_t pos = 0; pos < idx.size(); ++pos) {
        size_t r = idx[pos];
        bool new_peer = pos == 0 || !peer(idx[pos - 1], r);
        if (new_peer) {
          rank = static_cast<int64_t>(pos) + 1;
          ++dense;
        }
        if (n == "row_number")
          values[r][w] = Datum(static_cast<int64_t>(pos) + 1);
        else if (n == "rank")
          values[r][w] = Datum(rank);
        else if (n == "dense_rank")
          values[r][w] = Datum(dense);
        else if (n == "percent_rank")
          values[r][w] = Datum(idx.size() > 1 ? double(rank - 1) / double(idx.size() - 1) : 0.0);
        else if (n == "lead" || n == "lag") {
          int64_t off = 1;
          if (wc.args.size() > 1) {
            Datum o = eval(*wc.args[1], rows[r], cx);
            if (o.is_null()) {
              values[r][w] = Datum::Null();
              continue;
            }
            off = o.as_int();
          }
          int64_t target = static_cast<int64_t>(pos) + (n == "lead" ? off : -off);
          if (target >= 0 && target < static_cast<int64_t>(idx.size()))
            values[r][w] = eval(*wc.args[0], rows[idx[target]], cx);
          else
            values[r][w] = wc.args.size() > 2 ? eval(*wc.args[2], rows[r], cx) : Datum::Null();
        } else if (n == "first_value") {
          values[r][w] = eval(*wc.args[0], rows[idx[0]], cx);
        } else if (n == "last_value") {
          size_t last = pos;
          while (last + 1 < idx.size() && peer(idx[last + 1], r)) ++last;
          values[r][w] =
              eval(*wc.args[0], rows[idx[wc.order_by.empty() ? idx.size() - 1 : last]], cx);
        } else {
          throw SqlError(sqlstate::kFeatureNotSupported,
                         "window function " + n + " is not supported");
        }
      }
    }
  }
  return values;
}

std::vector<Row> setop(const SelectPlan& p, ExecContext& cx) {
  std::vector<Row> l = run_select(*p.left, cx);
  for (const auto& x : l) cx.memory.charge_row(x, kExecutorContext);
  std::vector<Row> r = run_select(*p.right, cx);
  for (const auto& x : r) cx.memory.charge_row(x, kExecutorContext);
  std::vector<Oid> ts;
  for (auto& t : p.types) ts.push_back(t.oid);
  auto conv = [&](std::vector<Row>& rows, const SelectPlan& side) {
    for (auto& row : rows)
      for (int i = 0; i < p.visible; ++i)
        if (side.types[i].oid != p.types[i].oid && !row[i].is_null())
          row[i] = types::cast(row[i], side.types[i], p.types[i], types::CastContext::kExplicit,
                               cx.fctx.zone);
  };
  conv(l, *p.left);
  conv(r, *p.right);
  std::vector<Row> out;
  if (p.setop == SetOp::kUnion) {
    if (p.setop_all) {
      out = std::move(l);
      for (auto& x : r) out.push_back(std::move(x));
    } else {
      std::unordered_set<std::string> seen;
      for (auto* side : {&l, &r})
        for (auto& x : *side) {
          std::string k = group_key(x, ts);
          if (seen.count(k)) continue;
          cx.memory.charge(k.size() + kHashEntryOverhead, kSetOpContext);
          seen.insert(std::move(k));
          out.push_back(std::move(x));
        }
    }
  } else {
    std::unordered_map<std::string, int64_t> counts;
    for (auto& x : r) {
      auto [it, fresh] = counts.try_emplace(group_key(x, ts), 0);
      if (fresh) cx.memory.charge(it->first.size() + kHashEntryOverhead, kSetOpContext);
      it->second++;
    }
    std::unordered_set<std::string> emitted;
    for (auto& x : l) {
      std::string k = group_key(x, ts);
      auto it = counts.find(k);
      bool in_right = it != counts.end() && it->second > 0;
      if (p.setop == SetOp::kIntersect) {
        if (!in_right) continue;
        if (p.setop_all)
          it->second--;
        else if (!emitted.insert(k).second)
          continue;
        out.push_back(std::move(x));
      } else {
        if (in_right) {
          if (p.setop_all) it->second--;
          continue;
        }
        if (!p.setop_all && !emitted.insert(k).second) continue;
        out.push_back(std::move(x));
      }
    }
  }
  return out;
}

// The output rows of one input row whose target list has set-returning calls (ProjectSet):
// the target list once per row of the calls run in lockstep.
void project_set_rows(const SelectPlan& p, const Row& in, ExecContext& cx, std::vector<Row>& out) {
  const int last_step = *std::max_element(p.srf_steps.begin(), p.srf_steps.end());
  // The current value of every call; a step fills its own calls' and reads earlier steps'.
  std::vector<Datum> values(p.srfs.size());
  struct Reset {
    ExecContext& cx;
    ~Reset() { cx.srf_values = nullptr; }
  } reset{cx};
  std::function<void(int)> run_step = [&](int step) {
    cx.srf_values = &values;
    if (step > last_step) {
      Row r;
      r.reserve(p.targets.size());
      for (const auto& t : p.targets) r.push_back(eval(*t, in, cx));
      cx.memory.charge_row(r, kExecutorContext);
      out.push_back(std::move(r));
      return;
    }
    std::vector<const Expr*> calls;
    std::vector<size_t> slots;
    std::vector<std::vector<Datum>> args;
    for (size_t i = 0; i < p.srfs.size(); ++i) {
      if (p.srf_steps[i] != step) continue;
      calls.push_back(p.srfs[i]);
      slots.push_back(i);
      args.emplace_back();
      for (const auto& a : p.srfs[i]->args) args.back().push_back(eval(*a, in, cx));
      if (p.srfs[i]->routine) {
        // A user-defined set-returning function runs to completion here; its values go to
        // the cursor as one array (SetFunctionCursor).
        std::vector<Datum> items;
        const bool composite = p.srfs[i]->routine->returns_composite();
        for (auto& r : user_function_rows(*p.srfs[i], std::move(args.back()), cx))
          items.push_back(r.empty()   ? Datum::Null()
                          : composite ? types::make_composite(std::move(r))
                                      : std::move(r[0]));
        args.back() = {
            Datum(ArrayPtr(std::make_shared<const std::vector<Datum>>(std::move(items))))};
      }
    }
    project_set(
        calls, args, cx.fctx.zone, [&] { check_for_interrupts(cx); },
        [&](const std::vector<Datum>& step_values) {
          for (size_t k = 0; k < slots.size(); ++k) values[slots[k]] = step_values[k];
          run_step(step + 1);
        });
  };
  run_step(0);
}

// Target list of one input row (window values, if any, are not allowed with FOR UPDATE).
Row project(const SelectPlan& p, const Row& in, ExecContext& cx) {
  Row out;
  out.reserve(p.targets.size());
  for (const auto& t : p.targets) out.push_back(eval(*t, in, cx));
  return out;
}

void check_limits(const SelectPlan& p, ExecContext& cx, int64_t* offset, int64_t* limit) {
  *offset = eval_count(p.offset.get(), cx, 0);
  *limit = eval_count(p.limit.get(), cx, -1);
  if (*offset < 0) throw SqlError("2201X", "OFFSET must not be negative");
  if (p.limit && *limit < 0 && !eval(*p.limit, Row{}, cx).is_null())
    throw SqlError("2201W", "LIMIT must not be negative");
}

// SELECT ... FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE: PostgreSQL's plan is
// Limit -> LockRows -> Sort -> scan/join. Candidates are read at the statement's snapshot
// with their versions, sorted, then locked one result row at a time in that order, each
// locked table's row in FROM order, passing the version read. Only rows pulled by the
// Limit are locked (OFFSET rows included, as in PostgreSQL); rows skipped by SKIP LOCKED or
// dropped by the re-check do not count. A lock answering kVersionMismatch means a newer
// committed version: READ COMMITTED re-evaluates the join conditions and WHERE with the
// newest versions of the changed rows and the other rows as read (EvalPlanQual) and returns
// the new values in the old sort position; a deleted row is skipped; REPEATABLE READ and
// SERIALIZABLE fail with 40001. Locks on rows that fail the re-check stay held.
// Whether two versions of a row agree on the columns of every unique index usable by a
// foreign key (PostgreSQL's key columns; the primary key is the row's storage key, equal for
// two versions of one key). A no-key update keeps them.
bool same_key_columns(const catalog::Table& t, const Row& a, const Row& b) {
  for (const auto& idx : t.indexes) {
    if (!idx.unique || !idx.exprs.empty() || !idx.predicate.empty()) continue;
    for (int c : idx.columns) {
      if (c < 0 || static_cast<size_t>(c) >= a.size() || static_cast<size_t>(c) >= b.size())
        continue;
      if (a[c].is_null() != b[c].is_null()) return false;
      if (!a[c].is_null() && !types::equal(a[c], b[c], t.columns[c].type.oid)) return false;
    }
  }
  return true;
}

// What one locked table's row of a candidate becomes once its lock answered (res): false:
// the candidate is left out (SKIP LOCKED, or deleted). A newer committed version replaces the
// table's columns in `in` and sets *changed: the caller re-checks (EvalPlanQual).
bool on_row_locked(const Source& src, const RowRef& ref, coord::LockResult& res, Row& in,
                   bool* changed, ExecContext& cx) {
  const auto& t = stored_in(src, ref);
  switch (res.outcome) {
    case coord::LockOutcome::kGranted:
      return true;
    case coord::LockOutcome::kWouldBlock:
      if (src.lock_wait == coord::WaitPolicy::kSkipLocked) return false;
      throw_lock_failure(res.outcome, t, cx);
    case coord::LockOutcome::kVersionMismatch: {
      if (src.lock_strength == coord::LockStrength::kKeyShare && !res.newest.deleted && res.value) {
        // PostgreSQL's heap_lock_tuple: KEY SHARE does not conflict with an update that
        // left the key columns alone, so the version read is locked (the lock follows
        // the update chain) and returned as read: no EvalPlanQual, no 40001.
        Row cur(in.begin() + src.offset, in.begin() + src.offset + src.width);
        if (same_key_columns(t, cur, types::decode_row(*res.value, column_types(t)))) return true;
      }
      if (cx.txn.isolation() != coord::Isolation::kReadCommitted)
        throw SqlError(sqlstate::kSerializationFailure,
                       "could not serialize access due to concurrent update");
      std::string value;
      if (res.newest.deleted || !res.value) {
        // Deleted, or moved by a key-changing UPDATE: follow it to its newest version.
        auto end = follow_moved_row(t, ref.key, res.newest.commit_ts, src.lock_strength,
                                    lock_wait(cx, src.lock_wait), cx);
        if (end.state == ChainEnd::kWouldBlock && src.lock_wait != coord::WaitPolicy::kSkipLocked)
          throw_lock_failure(coord::LockOutcome::kWouldBlock, t, cx);
        if (end.state != ChainEnd::kLive) return false;
        value = std::move(end.value);
      } else {
        value = std::move(*res.value);
      }
      Row nr = types::decode_row(value, column_types(t));
      for (int c = 0; c < src.width && c < static_cast<int>(nr.size()); ++c)
        in[src.offset + c] = std::move(nr[c]);
      *changed = true;
      return true;
    }
    default:
      throw_lock_failure(res.outcome, t, cx);
  }
}

// Locks, in FROM order, each locked table's row of one candidate row `in` (refs: the
// identity of its base-table rows as read), one lock call each. false: the row is left out.
bool lock_candidate(const SelectPlan& p, Row& in, const RowRefs& refs, bool* changed,
                    ExecContext& cx) {
  for (size_t s = 0; s < p.sources.size(); ++s) {
    const Source& src = p.sources[s];
    if (!src.lock || s >= refs.size() || !refs[s].present) continue;
    const RowRef& ref = refs[s];
    const auto& t = stored_in(src, ref);
    auto res = cx.txn.lock(row_space(t), row_routing(t, ref.key), ref.key, src.lock_strength,
                           lock_wait(cx, src.lock_wait), ref.seen);
    if (!on_row_locked(src, ref, res, in, changed, cx)) return false;
  }
  return true;
}

// The one source a locking SELECT locks, or -1 (none, or several: a joined row's tables are
// locked one call each, since a skipped or deleted row leaves its later tables unlocked).
int single_locked_source(const SelectPlan& p) {
  int found = -1;
  for (size_t s = 0; s < p.sources.size(); ++s) {
    if (!p.sources[s].lock) continue;
    if (found >= 0) return -1;
    found = static_cast<int>(s);
  }
  return found;
}

// Candidates whose locks go to the coordinator in one lock_rows() call (issue 8): each
// partition then takes many in one batch.
constexpr size_t kLockWindow = 1024;

// LockRows over one window of candidates, input[order[0]] .. input[order[n - 1]], in that
// order: with one locked source, one lock_rows() call per batch the coordinator answers;
// otherwise lock_candidate() per candidate. emit(index into input, changed) for each
// candidate that stays in the result. Callers size the window to what LIMIT still needs, so
// every row locked is one PostgreSQL's Limit -> LockRows would lock too.
void lock_window(const SelectPlan& p, ExecContext& cx, int single, std::vector<Row>& input,
                 const std::vector<RowRefs>& refs, const size_t* order, size_t n,
                 const std::function<void(size_t, bool)>& emit) {
  // One locked source goes through lock_rows() even for one row (a queue's LIMIT 1): with
  // the snapshot it was read at, the partition may skip reading the row again.
  if (single < 0) {
    for (size_t j = 0; j < n; ++j) {
      bool changed = false;
      if (lock_candidate(p, input[order[j]], refs[order[j]], &changed, cx)) emit(order[j], changed);
    }
    return;
  }
  const Source& src = p.sources[single];
  std::vector<coord::RowLockRequest> reqs;
  std::vector<coord::LockResult> answers;
  std::vector<size_t> req_of(n, SIZE_MAX);  // per candidate: its request, or none
  reqs.reserve(n);
  const coord::Timestamp read_ts = cx.txn.view().read_ts;  // the candidates' snapshot
  for (size_t j = 0; j < n; ++j) {
    const RowRefs& r = refs[order[j]];
    if (static_cast<size_t>(single) >= r.size() || !r[single].present) continue;
    const RowRef& ref = r[single];
    const auto& t = stored_in(src, ref);  // a partitioned table's row: its partition's
    req_of[j] = reqs.size();
    reqs.push_back(coord::RowLockRequest{row_space(t), row_routing(t, ref.key), ref.key,
                                         src.lock_strength, lock_wait(cx, src.lock_wait), ref.seen,
                                         read_ts});
  }
  for (size_t j = 0; j < n; ++j) {
    size_t q = req_of[j];
    bool changed = false;
    if (q != SIZE_MAX) {
      // Answers come in order, many at a time; the coordinator stops after a row that needs
      // handling before any later row is locked (a newer version, a NOWAIT failure).
      while (answers.size() <= q) {
        for (auto& a : cx.txn.lock_rows(reqs, answers.size())) answers.push_back(std::move(a));
      }
      if (!on_row_locked(src, refs[order[j]][single], answers[q], input[order[j]], &changed, cx))
        continue;
    }
    emit(order[j], changed);
  }
}

// The window LockRows may lock next: kLockWindow, or fewer when LIMIT needs fewer.
size_t lock_window_size(int64_t offset, int64_t limit, int64_t passed) {
  if (limit < 0) return kLockWindow;
  return std::min<size_t>(kLockWindow,
                          static_cast<size_t>(std::max<int64_t>(0, offset + limit - passed)));
}

// LockRows over a join, or over rows sorted before they are locked: every candidate is read
// (and projected, for the sort) first.
std::vector<Row> lock_rows(const SelectPlan& p, ExecContext& cx) {
  std::vector<RowRefs> refs;
  std::vector<Row> input = join_sources(p, cx, &refs);
  std::vector<Row> outs;
  outs.reserve(input.size());
  for (const auto& in : input) {
    outs.push_back(project(p, in, cx));
    cx.memory.charge_row(outs.back(), kExecutorContext);
  }
  std::vector<size_t> order(input.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (!p.order_by.empty() && !p.scan_ordered) {
    auto cols = sort_columns(p.order_by);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return compare_rows(outs[a], outs[b], cols) < 0; });
  }
  int64_t offset = 0, limit = -1;
  check_limits(p, cx, &offset, &limit);
  std::vector<Row> rows;
  int64_t passed = 0;
  const int single = single_locked_source(p);
  // One candidate after the locks answered: EvalPlanQual, then OFFSET / LIMIT.
  auto emit = [&](size_t idx, bool changed) {
    Row& in = input[idx];
    if (changed) {
      // EvalPlanQual: the join conditions and WHERE over the newest versions.
      if (!epq_recheck(p, in, cx)) return;
      outs[idx] = project(p, in, cx);
    }
    if (++passed > offset) rows.push_back(std::move(outs[idx]));
  };
  for (size_t w = 0; w < order.size();) {
    size_t n = std::min(order.size() - w, lock_window_size(offset, limit, passed));
    if (n == 0) break;
    lock_window(p, cx, single, input, refs, order.data() + w, n, emit);
    w += n;
  }
  for (auto& r : rows)
    if (static_cast<int>(r.size()) > p.visible) r.resize(p.visible);
  return rows;
}

// Whether LockRows can take p's rows from its one table's scan as they come (no join, and
// no Sort between the scan and LockRows).
bool lock_streams(const SelectPlan& p) {
  return p.lock_rows && p.setop == SetOp::kNone && p.sources.size() == 1 &&
         !p.lookup_first_source && p.sources[0].kind == Source::Kind::kTable &&
         p.sources[0].virtual_table.empty() && p.sources[0].table && p.sources[0].lock &&
         !p.grouped && p.windows.empty() && !p.distinct && p.srfs.empty() &&
         (p.order_by.empty() || p.scan_ordered);
}

// [Limit ->] LockRows -> scan, pulled a window at a time: the scan's rows that pass WHERE
// gather into a window (kLockWindow, or what LIMIT still needs), the window is locked in one
// batch per partition, and the scan stops once OFFSET + LIMIT rows have been locked (rows
// skipped by SKIP LOCKED or failing the EvalPlanQual re-check do not count), as PostgreSQL's
// Limit over LockRows does. Only a window of candidates is held at a time; each result row
// goes to `sink` as its window is locked (a caller that keeps it charges it), so locking a
// million rows under an aggregate keeps no row.
void stream_lock_rows(const SelectPlan& p, ExecContext& cx,
                      const std::function<void(Row&&)>& sink) {
  int64_t offset = 0, limit = -1;
  check_limits(p, cx, &offset, &limit);
  const Source& src = p.sources[0];
  int64_t passed = 0;
  std::vector<Row> window;
  std::vector<RowRefs> window_refs;
  std::vector<size_t> order;
  auto emit = [&](size_t idx, bool changed) {
    Row& in = window[idx];
    if (changed && !epq_recheck(p, in, cx)) return;
    if (++passed <= offset) return;
    Row out = project(p, in, cx);
    if (static_cast<int>(out.size()) > p.visible) out.resize(p.visible);
    sink(std::move(out));
  };
  auto lock_gathered = [&] {
    order.resize(window.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    lock_window(p, cx, 0, window, window_refs, order.data(), window.size(), emit);
    window.clear();
    window_refs.clear();
  };
  size_t capacity = lock_window_size(offset, limit, passed);
  if (capacity == 0) return;
  // SKIP LOCKED through an index (issue 8): a row another transaction holds a conflicting lock
  // on is left out before it is read (a queue's claim steps over rows the other workers just
  // took: the row's read, often a history read too, was most of their cost). The outcome is
  // the one reading and then locking at that instant gives: a row not visible or failing WHERE
  // is left out unlocked, one that passes finds the lock taken and is skipped (PostgreSQL's
  // heap fetch, then heap_lock_tuple's TM_WouldBlock); none is locked either way. Only while no
  // candidate waits in the window, so the lock state is asked in the order LockRows would lock
  // (PostgreSQL locks candidate k after candidates before it). Not under SERIALIZABLE: the read
  // takes the SIREAD lock and reports the rw-conflict with the lock holder's write, which
  // PostgreSQL's heap fetch does before the lock attempt. (REPEATABLE READ's 40001 comes only
  // from a lock granted on a changed row, never from a skipped one.)
  std::function<bool(const std::string&)> skip_taken;
  if (src.lock_wait == coord::WaitPolicy::kSkipLocked &&
      cx.txn.isolation() != coord::Isolation::kSerializable && !src.table->is_partitioned()) {
    skip_taken = [&](const std::string& pk) {
      const catalog::Table& t = *src.table;
      return window.empty() &&
             cx.txn.row_lock_taken(row_space(t), row_routing(t, pk), pk, src.lock_strength);
    };
  }
  scan_table(
      *src.table, src.access, Row{}, cx,
      [&](StoredRow& r) {
        window.push_back(std::move(r.row));
        window_refs.emplace_back(1);
        window_refs.back()[0] = RowRef{std::move(r.key), r.seen, true, r.table};
        if (window.size() < capacity) return true;
        lock_gathered();
        capacity = lock_window_size(offset, limit, passed);
        return capacity > 0;
      },
      coord::table_mode::kRowShare, skip_taken ? &skip_taken : nullptr, p.where.get());
  if (!window.empty()) lock_gathered();
}

// Whether p is a projection of one FROM item: its rows can be handed to the query above one
// at a time, as the item makes them (nothing to sort, group, number or cut).
bool projects_one_source(const SelectPlan& p) {
  return p.setop == SetOp::kNone && p.sources.size() == 1 && !p.lookup_first_source && !p.grouped &&
         p.windows.empty() && !p.distinct && p.srfs.empty() && !p.lock_rows && !p.sources[0].lock &&
         p.order_by.empty() && !p.limit && !p.offset;
}

void stream_projection(const SelectPlan& p, ExecContext& cx,
                       const std::function<void(Row&&)>& sink) {
  runtime::check_stack_depth();
  for_each_filtered_row(p, cx, [&](Row&& in) {
    Row out = project(p, in, cx);
    if (static_cast<int>(out.size()) > p.visible) out.resize(p.visible);
    sink(std::move(out));
  });
}

// Whether run_select can pull p's rows one at a time from its table's scan: one base table,
// rows needed in scan order (no Sort left, nothing that needs every row first). Locking
// SELECTs stream through stream_lock_rows instead.
bool streams(const SelectPlan& p) {
  return p.setop == SetOp::kNone && p.sources.size() == 1 &&
         p.sources[0].kind == Source::Kind::kTable && p.sources[0].virtual_table.empty() &&
         p.sources[0].table && !p.grouped && p.windows.empty() && !p.distinct && p.srfs.empty() &&
         (p.order_by.empty() || p.scan_ordered) && (p.limit || p.offset) && !p.lock_rows;
}

// Limit -> scan, pulled lazily: the scan stops once OFFSET + LIMIT rows have passed WHERE.
std::vector<Row> stream_select(const SelectPlan& p, ExecContext& cx) {
  int64_t offset = 0, limit = -1;
  check_limits(p, cx, &offset, &limit);
  const Source& src = p.sources[0];
  std::vector<Row> rows;
  int64_t passed = 0;
  auto done = [&] { return limit >= 0 && passed >= offset + limit; };
  scan_table(
      *src.table, src.access, Row{}, cx,
      [&](StoredRow& r) {
        if (done()) return false;
        if (p.where && !eval_bool(*p.where, r.row, cx)) return true;
        Row out = project(p, r.row, cx);
        if (++passed > offset) {
          if (static_cast<int>(out.size()) > p.visible) out.resize(p.visible);
          rows.push_back(std::move(out));
        }
        return !done();
      },
      src.lock ? coord::table_mode::kRowShare : coord::table_mode::kAccessShare);
  return rows;
}

// Whether ORDER BY is the last step over the rows of one FROM item (no join, grouping,
// window, DISTINCT, set operation or locking clause between them), so the rows can be fed
// to the sorter one at a time.
bool sorts_one_source(const SelectPlan& p) {
  return p.setop == SetOp::kNone && p.sources.size() == 1 && !p.lookup_first_source && !p.grouped &&
         p.windows.empty() && !p.distinct && !p.lock_rows && !p.sources[0].lock && p.srfs.empty() &&
         !p.order_by.empty() && !p.scan_ordered;
}

class SortedRows : public RowStream {
 public:
  SortedRows(std::unique_ptr<ExternalSorter> sorter, int64_t offset, int64_t limit, int visible)
      : sorter_(std::move(sorter)), offset_(offset), limit_(limit), visible_(visible) {}
  bool next(Row& out) override {
    for (; offset_ > 0; --offset_)
      if (!sorter_->next(out)) return false;
    if (limit_ == 0 || !sorter_->next(out)) return false;
    if (limit_ > 0) --limit_;
    if (static_cast<int>(out.size()) > visible_) out.resize(visible_);
    return true;
  }

 private:
  std::unique_ptr<ExternalSorter> sorter_;
  int64_t offset_;
  int64_t limit_;  // -1: no limit
  int visible_;
};

}  // namespace

std::unique_ptr<RowStream> run_sorted_select(const SelectPlan& p, ExecContext& cx) {
  if (!sorts_one_source(p)) return nullptr;
  int64_t offset = 0, limit = -1;
  check_limits(p, cx, &offset, &limit);
  ExternalSorter::Options opts;
  opts.work_mem_bytes = work_mem_bytes(cx.session);
  opts.temp_directory = execution_limits().temp_directory;
  // Top-N: only OFFSET + LIMIT rows can be returned.
  if (limit >= 0) opts.bound = offset > INT64_MAX - limit ? -1 : offset + limit;
  auto cols = sort_columns(p.order_by);
  auto sorter = std::make_unique<ExternalSorter>(
      [cols](const Row& a, const Row& b) { return compare_rows(a, b, cols); }, opts);
  for_each_filtered_row(p, cx, [&](Row&& in) { sorter->add(project(p, in, cx)); });
  sorter->finish();
  return std::make_unique<SortedRows>(std::move(sorter), offset, limit, p.visible);
}

bool epq_recheck(const SelectPlan& p, Row& in, ExecContext& cx) {
  for (size_t s = 1; s < p.sources.size(); ++s) {
    const Source& src = p.sources[s];
    if (!src.on || eval_bool(*src.on, in, cx)) continue;
    if (src.join == Source::Join::kLeft)
      for (int c = 0; c < src.width; ++c) in[src.offset + c] = Datum::Null();
    else if (src.join == Source::Join::kInner || src.join == Source::Join::kCross)
      return false;
  }
  return !p.where || eval_bool(*p.where, in, cx);
}

std::vector<StoredRow> join_candidates(const SelectPlan& p, ExecContext& cx) {
  std::vector<RowRefs> refs;
  std::vector<Row> rows = join_sources(p, cx, &refs);
  std::vector<StoredRow> out;
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (refs[i].empty() || !refs[i][0].present) continue;
    // A partitioned target's rows come from several tables, whose keys may coincide.
    const catalog::Table* from_table = refs[i][0].table;
    if (!seen.insert(std::to_string(from_table ? from_table->storage_id : 0) + ":" + refs[i][0].key)
             .second)
      continue;
    StoredRow sr;
    sr.row = std::move(rows[i]);
    sr.key = refs[i][0].key;
    sr.seen = refs[i][0].seen;
    sr.table = refs[i][0].table;
    out.push_back(std::move(sr));
  }
  return out;
}

std::vector<MergeRow> merge_join_rows(const SelectPlan& p, size_t target, ExecContext& cx) {
  std::vector<RowRefs> refs;
  std::vector<Row> rows = join_sources(p, cx, &refs);
  std::vector<MergeRow> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    out[i].stored.row = std::move(rows[i]);
    if (target >= refs[i].size() || !refs[i][target].present) continue;
    out[i].matched = true;
    out[i].stored.key = refs[i][target].key;
    out[i].stored.seen = refs[i][target].seen;
    out[i].stored.table = refs[i][target].table;
  }
  return out;
}

std::vector<Row> run_select(const SelectPlan& p, ExecContext& cx) {
  runtime::check_stack_depth();
  // What this call materialises is charged while it runs; its caller charges what it keeps.
  MemoryScope memory_scope(cx.memory);
  std::vector<Row> rows;
  if (auto sorted = run_sorted_select(p, cx)) {
    Row r;
    while (sorted->next(r)) {
      cx.memory.charge_row(r, kExecutorContext);
      rows.push_back(std::move(r));
    }
    return rows;
  }
  if (p.setop != SetOp::kNone) {
    rows = setop(p, cx);
  } else {
    if (lock_streams(p)) {
      stream_lock_rows(p, cx, [&](Row&& r) {
        cx.memory.charge_row(r, kExecutorContext);
        rows.push_back(std::move(r));
      });
      return rows;
    }
    if (streams(p)) return stream_select(p, cx);
    if (p.lock_rows) return lock_rows(p, cx);
    std::vector<Row> pre;
    if (p.grouped) {
      pre = aggregate(p, cx);
    } else {
      pre = join_sources(p, cx);
    }
    std::vector<std::vector<Datum>> wv;
    if (!p.windows.empty()) wv = windows(p, pre, cx);
    rows.reserve(pre.size());
    for (size_t i = 0; i < pre.size(); ++i) {
      if (!wv.empty()) cx.window_values = &wv[i];
      if (!p.srfs.empty()) {
        project_set_rows(p, pre[i], cx, rows);
        continue;
      }
      Row out;
      out.reserve(p.targets.size());
      for (const auto& t : p.targets) out.push_back(eval(*t, pre[i], cx));
      cx.memory.charge_row(out, kExecutorContext);
      rows.push_back(std::move(out));
    }
    cx.window_values = nullptr;
    if (p.distinct) {
      std::vector<Oid> ts;
      for (int i = 0; i < p.visible; ++i) ts.push_back(p.types[i].oid);
      std::unordered_set<std::string> seen;
      std::vector<Row> kept;
      for (auto& r : rows) {
        std::vector<Datum> vis(r.begin(), r.begin() + p.visible);
        std::string k = group_key(vis, ts);
        if (seen.count(k)) continue;
        cx.memory.charge(k.size() + kHashEntryOverhead, kHashAggContext);
        seen.insert(std::move(k));
        kept.push_back(std::move(r));
      }
      rows = std::move(kept);
    }
  }
  if (!p.scan_ordered) sort_rows(rows, p.order_by);
  int64_t offset = eval_count(p.offset.get(), cx, 0);
  int64_t limit = eval_count(p.limit.get(), cx, -1);
  if (offset < 0) throw SqlError("2201X", "OFFSET must not be negative");
  if (p.limit && limit < 0 && !eval(*p.limit, Row{}, cx).is_null())
    throw SqlError("2201W", "LIMIT must not be negative");
  if (offset > 0) {
    if (static_cast<size_t>(offset) >= rows.size())
      rows.clear();
    else
      rows.erase(rows.begin(), rows.begin() + offset);
  }
  if (limit >= 0 && static_cast<size_t>(limit) < rows.size()) rows.resize(limit);
  for (auto& r : rows)
    if (static_cast<int>(r.size()) > p.visible) r.resize(p.visible);
  return rows;
}

}  // namespace hf::sql::exec
