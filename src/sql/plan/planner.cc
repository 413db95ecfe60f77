// sql/plan/planner.cc — see planner.h.
#include "sql/plan/planner.h"

#include <algorithm>
#include <functional>
#include <string_view>

#include "common/error.h"
#include "runtime/stack.h"
#include "sql/types/type_info.h"

namespace hf::sql::plan {

using namespace hf::sql::bind;

ExprPtr clone(const Expr& e) {
  runtime::check_stack_depth();
  auto c = std::make_unique<Expr>();
  c->kind = e.kind;
  c->type = e.type;
  c->value = e.value;
  c->index = e.index;
  c->level = e.level;
  c->name = e.name;
  c->op = e.op;
  c->fn = e.fn;
  c->arg_types = e.arg_types;
  c->negate = e.negate;
  c->has_operand = e.has_operand;
  c->has_else = e.has_else;
  c->subquery = e.subquery;
  c->location = e.location;
  c->routine = e.routine;
  c->domain = e.domain;
  for (const auto& a : e.args) c->args.push_back(clone(*a));
  return c;
}

namespace {

// A column reference of `p` (or `e`) to a level `depth` + 1 or more levels out (`exact`: exactly
// depth + 1 levels out), counted from where p sits. `found`: set to the first such reference.
bool refers_above(const Expr* e, int depth, bool exact, const Expr** found = nullptr);

bool refers_above(const SelectPlan& p, int depth, bool exact, const Expr** found = nullptr) {
  runtime::check_stack_depth();
  auto any = [&](const std::vector<ExprPtr>& v) {
    for (const auto& x : v)
      if (refers_above(x.get(), depth, exact, found)) return true;
    return false;
  };
  if (p.left && refers_above(*p.left, depth, exact, found)) return true;
  if (p.right && refers_above(*p.right, depth, exact, found)) return true;
  for (const auto& s : p.sources) {
    if (s.subquery) {
      // A lateral subquery sits one level below this one; a WITH query read from
      // cte_levels_up levels below its definition counts its levels from there.
      int d = s.lateral ? depth + 1 : depth - s.cte_levels_up;
      if (d < 0 && exact) {
        // Its own level-0 columns are not the level sought; only deeper levels are.
      } else if (refers_above(*s.subquery, std::max(d, 0), exact, found)) {
        return true;
      }
    }
    if (refers_above(s.function.get(), s.lateral ? depth + 1 : depth, exact, found) ||
        refers_above(s.on.get(), depth, exact, found) || any(s.access.key) ||
        any(s.access.in_values))
      return true;
    for (const auto& r : s.values)
      if (any(r)) return true;
  }
  if (refers_above(p.where.get(), depth, exact, found) ||
      refers_above(p.having.get(), depth, exact, found) ||
      refers_above(p.limit.get(), depth, exact, found) ||
      refers_above(p.offset.get(), depth, exact, found) || any(p.group_by) || any(p.targets))
    return true;
  for (const auto& a : p.aggs)
    if (any(a.args) || refers_above(a.filter.get(), depth, exact, found)) return true;
  for (const auto& w : p.windows) {
    if (any(w.args) || any(w.partition_by)) return true;
    for (const auto& k : w.order_by)
      if (refers_above(k.expr.get(), depth, exact, found)) return true;
  }
  for (const auto& k : p.order_by)
    if (refers_above(k.expr.get(), depth, exact, found)) return true;
  return false;
}

bool refers_above(const Expr* e, int depth, bool exact, const Expr** found) {
  if (e == nullptr) return false;
  runtime::check_stack_depth();
  if (e->kind == ExprKind::kColumn && (exact ? e->level == depth + 1 : e->level > depth)) {
    if (found) *found = e;
    return true;
  }
  for (const auto& a : e->args)
    if (refers_above(a.get(), depth, exact, found)) return true;
  return e->subquery && refers_above(*e->subquery, depth + 1, exact, found);
}

}  // namespace

bool refers_outside(const SelectPlan& p, int depth) {
  return refers_above(p, depth, false);
}
bool refers_outside(const Expr* e, int depth) {
  return refers_above(e, depth, false);
}
bool refers_to_level(const SelectPlan& p, int depth) {
  return refers_above(p, depth, true);
}
bool refers_to_level(const Expr* e, int depth) {
  return refers_above(e, depth, true);
}

namespace {

// True when e can be computed before reading the current query level's rows, or, with
// known_below > 0, before reading the join source whose columns start at known_below (the
// columns of the sources before it are known then: a nested loop's outer row).
bool is_outer_value(const Expr& e, int known_below = 0) {
  runtime::check_stack_depth();
  if (e.kind == ExprKind::kColumn && e.level == 0) return e.index < known_below;
  // An uncorrelated scalar or ARRAY(...) subquery is an InitPlan: computed once, before the
  // scan (so "id = ANY (ARRAY(SELECT ... FOR UPDATE SKIP LOCKED))" reads by key).
  if (e.kind == ExprKind::kSubLink)
    return (e.name == "scalar" || e.name == "array") && e.subquery &&
           !refers_outside(*e.subquery, 0);
  if (e.kind == ExprKind::kAggRef || e.kind == ExprKind::kWindowRef || e.kind == ExprKind::kSrf)
    return false;
  if (e.kind == ExprKind::kSessionFunc &&
      (e.name == "nextval" || e.name == "clock_timestamp" || e.name == "pg_sleep"))
    return false;
  if (e.kind == ExprKind::kFunc && e.fn && e.fn->volatile_) return false;
  if (e.kind == ExprKind::kUserFunc && e.routine && e.routine->volatility == 'v') return false;
  for (const auto& a : e.args)
    if (!is_outer_value(*a, known_below)) return false;
  return true;
}

// Types whose values share one key encoding and one comparison: a varchar column compared
// with a text value (PostgreSQL relabels varchar to text and compares with texteq) is still a
// key condition.
bool same_key_type(Oid a, Oid b) {
  auto texty = [](Oid t) { return t == type_oid::kText || t == type_oid::kVarchar; };
  return a == b || (texty(a) && texty(b));
}

// Whether a value of type `value` can serve as a key of a `column` column by a cast that
// never fails and keeps every value and the order: the same key type, or a narrower integer
// (PostgreSQL's integer_ops operator family: "int4col = $1::int2" uses the index; psycopg
// sends small Python ints as int2, an int8 column's ids as int2 or int4).
bool key_compatible(Oid value, Oid column) {
  if (same_key_type(value, column)) return true;
  auto width = [](Oid t) {
    return t == type_oid::kInt2 ? 2 : t == type_oid::kInt4 ? 4 : t == type_oid::kInt8 ? 8 : 0;
  };
  return width(value) != 0 && width(column) != 0 && width(value) < width(column);
}

// A key value for a column of type `column`: a copy of v, under a widening cast when v has a
// narrower integer type (key_compatible), so that the key is encoded as the column's type.
ExprPtr key_value(const Expr& v, const TypeRef& column) {
  ExprPtr c = clone(v);
  if (same_key_type(v.type.oid, column.oid)) return c;
  auto cast = std::make_unique<Expr>();
  cast->kind = ExprKind::kCast;
  cast->type = TypeRef{column.oid, -1};
  cast->arg_types = {v.type};
  cast->location = v.location;
  cast->args.push_back(std::move(c));
  return cast;
}

// The column a key condition compares: the column itself, or the column under a relabel
// between types of one key encoding. nullptr: not a plain column.
const Expr* key_column(const Expr& e) {
  if (e.kind == ExprKind::kColumn) return &e;
  if (e.kind == ExprKind::kCast && e.args.size() == 1 && e.type.typmod < 0 &&
      e.args[0]->kind == ExprKind::kColumn && same_key_type(e.type.oid, e.args[0]->type.oid))
    return e.args[0].get();
  return nullptr;
}

// Column positions [offset, offset+width) bound by "col = value" conjuncts.
void equalities(const std::vector<const Expr*>& cs, int offset, int width,
                std::vector<std::pair<int, const Expr*>>& out, int known_below = 0) {
  for (const Expr* c : cs) {
    if (c->kind != ExprKind::kOp || c->name != "=" || c->args.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      const Expr* col = key_column(*c->args[side]);
      const Expr& val = *c->args[1 - side];
      if (col && col->level == 0 && col->index >= offset && col->index < offset + width &&
          is_outer_value(val, known_below) &&
          key_compatible(c->arg_types[1 - side].oid, c->arg_types[side].oid)) {
        out.emplace_back(col->index - offset, &val);
        break;
      }
    }
  }
}

const Expr* bound_value(const std::vector<std::pair<int, const Expr*>>& eqs, int column) {
  for (const auto& [c, v] : eqs)
    if (c == column) return v;
  return nullptr;
}

// Whether the key encoding's byte order is the type's comparison order (arrays and json are
// encoded, where at all, by text).
bool key_ordered(Oid t) {
  return !types::is_array_type(t) && t != type_oid::kJson && t != type_oid::kUnknown;
}

// A range conjunct "col op value" (either side) on a column of this level.
struct RangeBound {
  const Expr* value = nullptr;
  bool inclusive = true;
};

// Bounds on table column `column` from "<", "<=", ">", ">=" conjuncts (BETWEEN binds to two of
// them) whose value is known before the scan and has the column's type.
void ranges(const std::vector<const Expr*>& cs, int offset, int column, Oid type, RangeBound& lo,
            RangeBound& hi, int known_below) {
  for (const Expr* c : cs) {
    if (c->kind != ExprKind::kOp || c->args.size() != 2 || c->arg_types.size() != 2) continue;
    const std::string& op = c->name;
    if (op != "<" && op != "<=" && op != ">" && op != ">=") continue;
    if (!key_compatible(c->arg_types[0].oid, type) || !key_compatible(c->arg_types[1].oid, type) ||
        !key_ordered(type))
      continue;
    for (int side = 0; side < 2; ++side) {
      const Expr* col = key_column(*c->args[side]);
      const Expr& val = *c->args[1 - side];
      if (!col || col->level != 0 || col->index != offset + column ||
          !same_key_type(c->arg_types[side].oid, type) || !is_outer_value(val, known_below) ||
          !key_compatible(val.type.oid, type))
        continue;
      // "value op col" reads as "col op' value" with the comparison mirrored.
      bool less = op[0] == '<';
      if (side == 1) less = !less;
      bool incl = op.size() == 2;
      RangeBound& b = less ? hi : lo;
      if (!b.value) b = RangeBound{&val, incl};
      break;
    }
  }
}

// The values of a "col IN (v1, v2, ...)" conjunct on table column `column` whose values are
// all known before the scan and have the column's key type; empty when there is none. Or the
// one array of a "col = ANY (array)" conjunct whose array is known before the scan and holds
// the column's key type (*array set then). Or the "col IN (SELECT ...)" sublink of an
// uncorrelated subquery whose column has the column's key type (*array and *sublink set): its
// rows are the values, read once before the scan (PostgreSQL's semi-join driven by the
// subquery's rows). The subquery's rows are cached per statement (exec/eval.cc), so the
// WHERE's own sublink, still applied to the rows read, reuses them and never runs it again:
// a locking subquery (a job queue's claim: id IN (SELECT ... FOR UPDATE SKIP LOCKED)) locks
// its rows once, and the statement reads those rows instead of the whole table.
std::vector<const Expr*> in_list(const std::vector<const Expr*>& cs, int offset, int column,
                                 Oid type, int known_below, bool* array, bool* sublink) {
  *array = false;
  *sublink = false;
  // Whether e is the table's column `column`, usable as its key.
  auto is_the_column = [&](const Expr& e) {
    const Expr* col = key_column(e);
    return col && col->level == 0 && col->index == offset + column && key_ordered(type) &&
           same_key_type(col->type.oid, type);
  };
  for (const Expr* c : cs) {
    if (c->kind == ExprKind::kSubLink && c->name == "any" && !c->negate && c->op &&
        std::string_view(c->op->name) == "=" && c->args.size() == 1 && c->subquery &&
        c->arg_types.size() == 3) {
      if (is_the_column(*c->args[0]) && c->arg_types[1].oid == c->arg_types[2].oid &&
          same_key_type(c->arg_types[2].oid, type) && !refers_outside(*c->subquery, 0)) {
        *array = *sublink = true;
        return {c};
      }
      continue;
    }
    if (c->kind == ExprKind::kAnyOp && !c->negate && c->op &&
        std::string_view(c->op->name) == "=" && c->args.size() == 2) {
      const Expr& arr = *c->args[1];
      if (is_the_column(*c->args[0]) && is_outer_value(arr, known_below) &&
          same_key_type(types::array_elem_type(arr.type.oid), type)) {
        *array = true;
        return {&arr};
      }
      continue;
    }
    if (c->kind != ExprKind::kInList || c->negate || c->args.size() < 2) continue;
    if (!is_the_column(*c->args[0])) continue;
    std::vector<const Expr*> vals;
    for (size_t i = 1; i < c->args.size(); ++i) {
      const Expr& v = *c->args[i];
      if (!is_outer_value(v, known_below) || !same_key_type(v.type.oid, type)) break;
      vals.push_back(&v);
    }
    if (vals.size() == c->args.size() - 1) return vals;
  }
  return {};
}

// The access path of table t, whose columns start at `offset` in the row, from the conjuncts
// cs; values may use the row's columns below known_below (join sources read before t).
void choose_access(const catalog::Table& t, const std::vector<const Expr*>& cs, int offset,
                   TableAccess& acc, int known_below = 0) {
  std::vector<ExprPtr> predicates = std::move(acc.index_predicates);
  std::vector<TableAccess::Leaf> leaves = std::move(acc.leaves);
  acc = TableAccess{};
  acc.index_predicates = std::move(predicates);
  acc.leaves = std::move(leaves);
  for (auto& leaf : acc.leaves) choose_access(*leaf.table, cs, offset, *leaf.access, known_below);
  if (cs.empty()) return;
  std::vector<std::pair<int, const Expr*>> eqs;
  equalities(cs, offset, static_cast<int>(t.columns.size()), eqs, known_below);
  if (t.is_partitioned()) {
    // Partition pruning: equalities fixing every partition-key column (constants, parameters,
    // values of the rows before it) give a full scan's key, the values the scan routes to
    // pick the one partition that can hold matching rows (sql/exec/partitions.h). WHERE is
    // still applied to what it reads.
    std::vector<const Expr*> values;
    for (int c : t.partition_key) {
      const Expr* v = bound_value(eqs, c);
      if (!v || !same_key_type(v->type.oid, t.columns[c].type.oid)) return;
      values.push_back(v);
    }
    for (const Expr* v : values) acc.key.push_back(clone(*v));
    return;
  }
  // Leading columns of `cols` bound by equality, and the range on the column after them.
  // (`in`: an IN list on that column instead, used by primary-key paths only.)
  struct Match {
    std::vector<const Expr*> eq;
    RangeBound lo, hi;
    std::vector<const Expr*> in;
    bool in_array = false;    // `in` is one array (col = ANY (array))
    bool in_sublink = false;  // `in` is a "col IN (SELECT ...)" sublink (in_array too)
    std::vector<int> cols;    // the key columns matched against
    bool range() const { return lo.value || hi.value; }
  };
  auto match = [&](const std::vector<int>& cols) {
    Match m;
    m.cols = cols;
    for (int c : cols) {
      const Expr* v = bound_value(eqs, c);
      if (!v || !key_compatible(v->type.oid, t.columns[c].type.oid)) break;
      m.eq.push_back(v);
    }
    if (m.eq.size() < cols.size()) {
      int c = cols[m.eq.size()];
      ranges(cs, offset, c, t.columns[c].type.oid, m.lo, m.hi, known_below);
      m.in = in_list(cs, offset, c, t.columns[c].type.oid, known_below, &m.in_array, &m.in_sublink);
    }
    return m;
  };
  auto take = [&](AccessKind kind, const Match& m, int index_pos, bool with_in = false) {
    acc.kind = kind;
    auto type_of = [&](size_t i) { return t.columns[m.cols[i]].type; };
    for (size_t i = 0; i < m.eq.size(); ++i) acc.key.push_back(key_value(*m.eq[i], type_of(i)));
    acc.index_pos = index_pos;
    if (with_in) {
      for (const Expr* v : m.in) {
        ExprPtr value = clone(*v);
        if (m.in_sublink) {
          // The subquery's rows as one array: ARRAY(SELECT ...) over the same (shared) plan.
          value->name = "array";
          value->args.clear();
        }
        acc.in_values.push_back(std::move(value));
      }
      acc.in_array = m.in_array;
      return;
    }
    const size_t next = m.eq.size();  // the column the range bounds
    if (m.lo.value)
      acc.lo = key_value(*m.lo.value, type_of(next)), acc.lo_inclusive = m.lo.inclusive;
    if (m.hi.value)
      acc.hi = key_value(*m.hi.value, type_of(next)), acc.hi_inclusive = m.hi.inclusive;
  };
  Match pk;
  if (!t.primary_key.empty()) {
    pk = match(t.primary_key);
    if (pk.eq.size() == t.primary_key.size()) return take(AccessKind::kPointGet, pk, -1);
    // An IN list on the next key column: a get or a prefix scan per value.
    if (!pk.in.empty())
      return take(
          pk.eq.size() + 1 == t.primary_key.size() ? AccessKind::kPointGet : AccessKind::kPkRange,
          pk, -1, /*with_in=*/true);
    if (!pk.eq.empty()) {
      // A partial index the WHERE implies that binds as many leading columns reads only the
      // rows of its predicate: taken instead (PostgreSQL's costs pick it; a job queue's
      // index of its waiting jobs, under a primary key led by the queue's name).
      for (size_t i = 0; i < t.indexes.size(); ++i) {
        const auto& idx = t.indexes[i];
        if (idx.predicate.empty() || !idx.exprs.empty() || idx.columns.empty() ||
            i >= acc.index_predicates.size() || !acc.index_predicates[i] ||
            !implies_predicate(cs, offset, *acc.index_predicates[i]))
          continue;
        bool plain = true;
        for (int c : idx.columns) plain &= c >= 0 && static_cast<size_t>(c) < t.columns.size();
        if (!plain) continue;
        Match m = match(idx.columns);
        if (m.eq.size() < pk.eq.size()) continue;
        return take(
            m.eq.size() == idx.columns.size() ? AccessKind::kIndexEq : AccessKind::kIndexRange, m,
            static_cast<int>(i));
      }
      return take(AccessKind::kPkRange, pk, -1);
    }
  }
  // Secondary indexes: every column bound by equality first (one partition), else the
  // longest equality prefix, a range after it breaking ties; the first index wins ties.
  int best = -1;
  Match best_m;
  for (size_t i = 0; i < t.indexes.size(); ++i) {
    const auto& idx = t.indexes[i];
    if (!idx.exprs.empty() || idx.columns.empty()) continue;
    if (!idx.predicate.empty() && (i >= acc.index_predicates.size() || !acc.index_predicates[i] ||
                                   !implies_predicate(cs, offset, *acc.index_predicates[i])))
      continue;
    bool plain = true;
    for (int c : idx.columns) plain &= c >= 0 && static_cast<size_t>(c) < t.columns.size();
    if (!plain) continue;
    Match m = match(idx.columns);
    if (m.eq.size() == idx.columns.size())
      return take(AccessKind::kIndexEq, m, static_cast<int>(i));
    if (m.eq.empty() && !m.range()) continue;
    if (best < 0 || m.eq.size() > best_m.eq.size() ||
        (m.eq.size() == best_m.eq.size() && m.range() && !best_m.range())) {
      best = static_cast<int>(i);
      best_m = std::move(m);
    }
  }
  if (best >= 0 && !best_m.eq.empty()) return take(AccessKind::kIndexRange, best_m, best);
  if (pk.range()) return take(AccessKind::kPkRange, pk, -1);
  if (best >= 0) return take(AccessKind::kIndexRange, best_m, best);
}

void choose_access(const catalog::Table& t, const Expr* where, int offset, TableAccess& acc) {
  std::vector<const Expr*> cs;
  conjuncts(where, cs);
  choose_access(t, cs, offset, acc);
}

// Joins: a base table of a join is read through an access path too, as long as the path
// keeps the rows in primary-key order, the order a full scan (and so the join's output)
// has: a point get, a primary-key prefix or range, or all columns of an index by equality.
// The first source is narrowed by the WHERE conjuncts on its own columns (only = and range
// comparisons are used, which reject NULL, so null-extended rows of an outer join are
// filtered out by the WHERE as before) and by the ON conditions of inner joins. A later
// source joined INNER, LEFT or CROSS is looked up once per row of what comes before it,
// with values from that row (a nested loop over an index scan), from its ON conditions and,
// for inner and cross joins, the WHERE; RIGHT and FULL joins read it whole (they need its
// unmatched rows).
bool join_order_kept(const TableAccess& a) {
  return a.kind == AccessKind::kPointGet || a.kind == AccessKind::kIndexEq ||
         (a.kind == AccessKind::kPkRange && !a.reverse);
}

// A full scan again, keeping what the binder set (index_predicates, leaves, each reset too).
void reset_access(TableAccess& a) {
  std::vector<ExprPtr> predicates = std::move(a.index_predicates);
  std::vector<TableAccess::Leaf> leaves = std::move(a.leaves);
  a = TableAccess{};
  a.index_predicates = std::move(predicates);
  a.leaves = std::move(leaves);
  for (auto& leaf : a.leaves) reset_access(*leaf.access);
}

void choose_join_access(SelectPlan& p) {
  for (size_t i = 0; i < p.sources.size(); ++i) {
    Source& src = p.sources[i];
    std::vector<ExprPtr> predicates = std::move(src.access.index_predicates);
    std::vector<TableAccess::Leaf> leaves = std::move(src.access.leaves);
    src.access = TableAccess{};
    src.access.leaves = std::move(leaves);
    for (auto& leaf : src.access.leaves) reset_access(*leaf.access);
    if (src.kind != Source::Kind::kTable || !src.virtual_table.empty() || !src.table) continue;
    std::vector<const Expr*> cs;
    if (i == 0) {
      conjuncts(p.where.get(), cs);
      for (size_t j = 1; j < p.sources.size(); ++j)
        if (p.sources[j].join == Source::Join::kInner) conjuncts(p.sources[j].on.get(), cs);
    } else {
      if (src.join != Source::Join::kInner && src.join != Source::Join::kLeft &&
          src.join != Source::Join::kCross)
        continue;
      conjuncts(src.on.get(), cs);
      if (src.join != Source::Join::kLeft) conjuncts(p.where.get(), cs);
    }
    TableAccess a;
    a.index_predicates = std::move(predicates);
    a.leaves = std::move(src.access.leaves);
    choose_access(*src.table, cs, src.offset, a, i == 0 ? 0 : src.offset);
    // A partitioned first item's leaves: each keeps a path that reads no earlier row and
    // keeps key order; the others are read whole (as the table was before).
    for (auto& leaf : a.leaves)
      if (i != 0 || !join_order_kept(*leaf.access)) reset_access(*leaf.access);
    // The first item's partition pruning (choose_access) reads no earlier row: kept.
    const bool pruned_first = i == 0 && src.table->is_partitioned() && !a.key.empty();
    if (join_order_kept(a) || pruned_first || (i == 0 && src.table->is_partitioned())) {
      src.access = std::move(a);
    } else {
      src.access.index_predicates = std::move(a.index_predicates);
      src.access.leaves = std::move(a.leaves);
    }
  }
}

// Whether the single table's access path yields rows in ORDER BY's order, so the Sort can go:
// the scan's key columns (primary key; index columns then primary key), skipping columns
// bound by equality, must start with the ORDER BY columns, all ascending with NULLs last
// (a forward scan: keys encode NULL last) or all descending with NULLs first (backward).
void order_from_scan(SelectPlan& p) {
  p.scan_ordered = false;
  if (p.order_by.empty() || p.grouped || p.distinct || !p.windows.empty() ||
      p.setop != SetOp::kNone || p.sources.size() != 1)
    return;
  Source& src = p.sources[0];
  if (src.kind != Source::Kind::kTable || !src.virtual_table.empty() || !src.table) return;
  // A partitioned table is read one leaf after another (scan_table), never in key order
  // across them: its rows are sorted.
  if (src.table->is_partitioned()) return;
  const catalog::Table& t = *src.table;
  std::vector<const Expr*> cs;
  conjuncts(p.where.get(), cs);
  std::vector<std::pair<int, const Expr*>> eqs;
  equalities(cs, 0, static_cast<int>(t.columns.size()), eqs);
  auto constant = [&](int c) { return bound_value(eqs, c) != nullptr; };
  // Whether rows in the order of key columns `seq` (then the primary key: a table without
  // one follows a hidden row id, so no order after `seq`) are in ORDER BY's order; *dir: 1
  // forward, -1 backward, 0 when every ORDER BY column is constant.
  auto gives_order = [&](std::vector<int> seq, int* dir) {
    seq.insert(seq.end(), t.primary_key.begin(), t.primary_key.end());
    size_t pos = 0;
    *dir = 0;
    for (const auto& k : p.order_by) {
      if (!k.expr || k.expr->kind != ExprKind::kColumn || k.expr->index < 0 ||
          static_cast<size_t>(k.expr->index) >= p.targets.size())
        return false;
      const Expr& target = *p.targets[k.expr->index];
      if (target.kind != ExprKind::kColumn || target.level != 0 || target.index < 0 ||
          static_cast<size_t>(target.index) >= t.columns.size() ||
          target.type.oid != t.columns[target.index].type.oid || !key_ordered(target.type.oid))
        return false;
      int c = target.index;
      if (constant(c)) continue;
      while (pos < seq.size() && constant(seq[pos])) ++pos;
      if (pos == seq.size() || seq[pos] != c) return false;
      int d;
      if (!k.descending && !k.nulls_first)
        d = 1;
      else if (k.descending && k.nulls_first)
        d = -1;
      else
        return false;
      if (*dir != 0 && d != *dir) return false;
      *dir = d;
      ++pos;
    }
    return true;
  };
  std::vector<int> seq;
  switch (src.access.kind) {
    case AccessKind::kIndexEq:
    case AccessKind::kIndexRange:
      seq = t.indexes[src.access.index_pos].columns;
      break;
    default:
      break;
  }
  int dir = 0;
  if (!gives_order(seq, &dir)) {
    // A LIMIT over a whole-table scan: an index whose columns give ORDER BY's order reads
    // only the rows the LIMIT needs, as PostgreSQL's ordered index scan does (a job queue's
    // "ORDER BY priority, run_at LIMIT 1 FOR UPDATE SKIP LOCKED" stops at the first row it
    // can lock instead of sorting the table). A partial index only when WHERE implies its
    // predicate; the first index that fits wins.
    if (src.access.kind != AccessKind::kFullScan || !p.limit) return;
    bool found = false;
    for (size_t i = 0; i < t.indexes.size() && !found; ++i) {
      const auto& idx = t.indexes[i];
      if (!idx.exprs.empty() || idx.columns.empty()) continue;
      bool plain = true;
      for (int c : idx.columns) plain &= c >= 0 && static_cast<size_t>(c) < t.columns.size();
      if (!plain) continue;
      if (!idx.predicate.empty() &&
          (i >= src.access.index_predicates.size() || !src.access.index_predicates[i] ||
           !implies_predicate(cs, src.offset, *src.access.index_predicates[i])))
        continue;
      if (!gives_order(idx.columns, &dir) || dir == 0) continue;
      src.access.kind = AccessKind::kIndexRange;
      src.access.index_pos = static_cast<int>(i);
      found = true;
    }
    if (!found) return;
  }
  p.scan_ordered = true;
  src.access.reverse = dir < 0;
  // A whole-table scan in key order is the primary key's index scan (as EXPLAIN says).
  if (src.access.kind == AccessKind::kFullScan && dir != 0 && !t.primary_key.empty())
    src.access.kind = AccessKind::kPkRange;
}

void plan_select(SelectPlan& p);

// Plans the subqueries of expressions (SubLinks: EXISTS, IN, scalar, ARRAY) in e.
void plan_sublinks(const Expr* e) {
  runtime::check_stack_depth();
  if (e == nullptr) return;
  for (const auto& a : e->args) plan_sublinks(a.get());
  if (e->kind == ExprKind::kSubLink && e->subquery) plan_select(*e->subquery);
}
void plan_sublinks(const std::vector<ExprPtr>& v) {
  for (const auto& e : v) plan_sublinks(e.get());
}

void plan_select_sublinks(SelectPlan& p) {
  for (auto& src : p.sources) {
    plan_sublinks(src.on.get());
    plan_sublinks(src.function.get());
    for (const auto& row : src.values) plan_sublinks(row);
  }
  plan_sublinks(p.where.get());
  plan_sublinks(p.group_by);
  for (const auto& a : p.aggs) {
    plan_sublinks(a.args);
    plan_sublinks(a.filter.get());
  }
  plan_sublinks(p.having.get());
  for (const auto& w : p.windows) {
    plan_sublinks(w.args);
    plan_sublinks(w.partition_by);
  }
  plan_sublinks(p.targets);
  plan_sublinks(p.limit.get());
  plan_sublinks(p.offset.get());
}

// Whether e can be evaluated over one FROM item's row ahead of the joins: its level-0 columns
// all in [lo, hi) (*reads: it has one), and nothing whose second evaluation could differ or
// that reads other rows (no subquery, nothing volatile or session-dependent, no user
// function): WHERE is evaluated in full again after the joins.
bool pushable(const Expr& e, int lo, int hi, bool* reads) {
  switch (e.kind) {
    case ExprKind::kColumn:
      if (e.level != 0) return true;
      if (e.index < lo || e.index >= hi) return false;
      *reads = true;
      return true;
    case ExprKind::kFunc:
      if (e.fn && e.fn->volatile_) return false;
      break;
    case ExprKind::kConst:
    case ExprKind::kParam:
    case ExprKind::kOp:
    case ExprKind::kAnd:
    case ExprKind::kOr:
    case ExprKind::kNot:
    case ExprKind::kIsNull:
    case ExprKind::kIsNotNull:
    case ExprKind::kIsTrue:
    case ExprKind::kIsFalse:
    case ExprKind::kCast:
    case ExprKind::kCase:
    case ExprKind::kCoalesce:
    case ExprKind::kNullIf:
    case ExprKind::kGreatest:
    case ExprKind::kLeast:
    case ExprKind::kInList:
    case ExprKind::kDistinctFrom:
    case ExprKind::kRowCompare:
    case ExprKind::kArray:
    case ExprKind::kAnyOp:
    case ExprKind::kRow:
    case ExprKind::kFieldSelect:
    case ExprKind::kDomainCheck:
      break;
    default:
      return false;
  }
  for (const auto& a : e.args)
    if (!pushable(*a, lo, hi, reads)) return false;
  return true;
}

// A copy of e over the row of the item at `offset` alone: its level-0 columns shifted.
ExprPtr shifted(const Expr& e, int offset) {
  ExprPtr c = clone(e);
  std::vector<Expr*> todo{c.get()};
  while (!todo.empty()) {
    Expr* x = todo.back();
    todo.pop_back();
    if (x->kind == ExprKind::kColumn && x->level == 0) x->index -= offset;
    for (auto& a : x->args) todo.push_back(a.get());
  }
  return c;
}

// Source::filter for each item of a join that no outer join null-extends (WHERE sees the
// nulls of a null-extended item, so its conjuncts cannot run before the join): a comma join
// `pg_class c, pg_class c2, pg_index i WHERE c.oid = 16384 AND ...` (psql's \d) then joins
// one row of c with c2, not every row.
void plan_source_filters(SelectPlan& p) {
  for (auto& src : p.sources) src.filter.reset();
  if (p.sources.size() < 2 || !p.where) return;
  std::vector<const Expr*> cs;
  conjuncts(p.where.get(), cs);
  size_t extended_below = 0;  // items before a RIGHT or FULL join are null-extended by it
  for (size_t i = 1; i < p.sources.size(); ++i) {
    auto j = p.sources[i].join;
    if (j == Source::Join::kRight || j == Source::Join::kFull) extended_below = i;
  }
  for (size_t i = 0; i < p.sources.size(); ++i) {
    Source& src = p.sources[i];
    if (i < extended_below) continue;
    if (i > 0 && (src.join == Source::Join::kLeft || src.join == Source::Join::kFull)) continue;
    ExprPtr filter;
    for (const Expr* c : cs) {
      bool reads = false;
      if (!pushable(*c, src.offset, src.offset + src.width, &reads) || !reads) continue;
      ExprPtr one = shifted(*c, src.offset);
      if (!filter) {
        filter = std::move(one);
        continue;
      }
      auto both = std::make_unique<Expr>();
      both->kind = ExprKind::kAnd;
      both->type = c->type;
      both->args.push_back(std::move(filter));
      both->args.push_back(std::move(one));
      filter = std::move(both);
    }
    src.filter = std::move(filter);
  }
}

void plan_select(SelectPlan& p) {
  runtime::check_stack_depth();
  plan_select_sublinks(p);
  if (p.left) plan_select(*p.left);
  if (p.right) plan_select(*p.right);
  for (auto& src : p.sources) {
    if (src.subquery) plan_select(*src.subquery);
    if (!src.lateral) continue;
    const Expr* ref = nullptr;
    src.lateral_refs = src.subquery ? refers_above(*src.subquery, 0, true, &ref)
                                    : refers_above(src.function.get(), 0, true, &ref);
    // Read per row of the items before it, it cannot also be read once to null-extend them.
    if (src.lateral_refs && (src.join == Source::Join::kRight || src.join == Source::Join::kFull)) {
      std::string table;
      for (const auto& other : p.sources)
        if (ref->index >= other.offset && ref->index < other.offset + other.width)
          table = other.alias;
      Error e;
      e.sqlstate = sqlstate::kInvalidColumnReference;
      e.message = "invalid reference to FROM-clause entry for table \"" + table + "\"";
      e.detail = "The combining JOIN type must be INNER or LEFT for a LATERAL reference.";
      if (ref->location >= 0) e.position = ref->location + 1;
      throw SqlError(std::move(e));
    }
  }
  if (p.sources.size() == 1 && p.sources[0].kind == Source::Kind::kTable &&
      p.sources[0].virtual_table.empty())
    choose_access(*p.sources[0].table, p.where.get(), 0, p.sources[0].access);
  else if (p.sources.size() > 1)
    choose_join_access(p);
  order_from_scan(p);
  // Hash join keys: equality conjuncts (ON, or WHERE for inner/cross joins) between a column
  // of this source and a column before it.
  for (size_t i = 1; i < p.sources.size(); ++i) {
    auto& src = p.sources[i];
    src.hash_keys.clear();  // a plan shared by several references is planned once per reference
    src.hash_key_types.clear();
    if (src.lateral_refs) continue;  // read again per left row: a nested loop
    std::vector<const Expr*> cs;
    conjuncts(src.on.get(), cs);
    if (src.join == Source::Join::kInner || src.join == Source::Join::kCross)
      conjuncts(p.where.get(), cs);
    for (const Expr* c : cs) {
      if (c->kind != ExprKind::kOp || c->name != "=" || c->args.size() != 2) continue;
      if (c->arg_types[0].oid != c->arg_types[1].oid) continue;
      const Expr& a = *c->args[0];
      const Expr& b = *c->args[1];
      if (a.kind != ExprKind::kColumn || b.kind != ExprKind::kColumn || a.level || b.level)
        continue;
      auto in_src = [&](int x) { return x >= src.offset && x < src.offset + src.width; };
      auto before = [&](int x) { return x < src.offset; };
      if (before(a.index) && in_src(b.index))
        src.hash_keys.emplace_back(a.index, b.index - src.offset),
            src.hash_key_types.push_back(c->arg_types[0].oid);
      else if (before(b.index) && in_src(a.index))
        src.hash_keys.emplace_back(b.index, a.index - src.offset),
            src.hash_key_types.push_back(c->arg_types[0].oid);
    }
    if (src.join == Source::Join::kCross && !src.hash_keys.empty()) src.join = Source::Join::kInner;
  }
  plan_source_filters(p);
}

// UPDATE ... FROM / DELETE ... USING: when the FROM item (a subquery, WITH query, VALUES or
// function) binds every primary-key column of the target by an equi-join key, or some of
// them by an equality to a constant or parameter in WHERE (a job queue's "name = $1 AND
// j.id = next.id" under a primary key (name, id)), the target is read by a point get per
// FROM row (PostgreSQL's nested loop over an index scan) instead of a full scan hash-joined.
// A partitioned target: each leaf by its own primary key, after the partition pruning.

// The point-get key of t per FROM row (over the FROM row), or empty when a primary-key
// column is bound neither way.
std::vector<ExprPtr> lookup_key(const catalog::Table& t, const Source& from,
                                const std::vector<std::pair<int, const Expr*>>& eqs) {
  std::vector<ExprPtr> key;
  if (t.primary_key.empty()) return key;
  for (int c : t.primary_key) {
    int right = -1;
    for (size_t k = 0; k < from.hash_keys.size(); ++k)
      if (from.hash_keys[k].first == c && from.hash_key_types[k] == t.columns[c].type.oid)
        right = from.hash_keys[k].second;
    if (right >= 0) {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kColumn;
      e->index = right;  // in the outer (FROM) row
      e->level = 0;
      e->type = t.columns[c].type;
      key.push_back(std::move(e));
      continue;
    }
    // Only values that read no row: the key is evaluated over the FROM row.
    const Expr* v = bound_value(eqs, c);
    if (!v || (v->kind != ExprKind::kConst && v->kind != ExprKind::kParam) ||
        !key_compatible(v->type.oid, t.columns[c].type.oid))
      return {};
    key.push_back(key_value(*v, t.columns[c].type));
  }
  return key;
}

void plan_target_lookup(SelectPlan& p) {
  p.lookup_first_source = false;
  if (p.sources.size() != 2) return;
  Source& target = p.sources[0];
  const Source& from = p.sources[1];
  if (target.kind != Source::Kind::kTable || !target.virtual_table.empty() || !target.table ||
      from.kind == Source::Kind::kTable || from.join != Source::Join::kInner || from.lateral ||
      from.hash_keys.empty())
    return;
  const catalog::Table& t = *target.table;
  std::vector<const Expr*> cs;
  conjuncts(p.where.get(), cs);
  std::vector<std::pair<int, const Expr*>> eqs;
  equalities(cs, 0, static_cast<int>(t.columns.size()), eqs);
  if (t.is_partitioned()) {
    // Every leaf the plan knows by its own key; the pruning (target.access.key) stays.
    if (target.access.kind != AccessKind::kFullScan || target.access.leaves.empty()) return;
    std::vector<std::vector<ExprPtr>> keys;
    for (const auto& leaf : target.access.leaves) {
      keys.push_back(lookup_key(*leaf.table, from, eqs));
      if (keys.back().empty()) return;
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      TableAccess& a = *target.access.leaves[i].access;
      reset_access(a);
      a.kind = AccessKind::kPointGet;
      a.key = std::move(keys[i]);
    }
    p.lookup_first_source = true;
    return;
  }
  std::vector<ExprPtr> key = lookup_key(t, from, eqs);
  if (key.empty()) return;
  target.access = TableAccess{};
  target.access.kind = AccessKind::kPointGet;
  target.access.key = std::move(key);
  p.lookup_first_source = true;
}

void explain_select(const SelectPlan& p, int depth, std::vector<std::string>& out,
                    uint32_t partitions);

std::string table_access_line(const catalog::Table& t, const TableAccess& a) {
  switch (a.kind) {
    case AccessKind::kPointGet:
    case AccessKind::kPkRange:
      return std::string(a.reverse ? "Index Scan Backward using " : "Index Scan using ") +
             t.pkey_name + " on " + t.name;
    case AccessKind::kIndexEq:
    case AccessKind::kIndexRange:
      return std::string(a.reverse ? "Index Scan Backward using " : "Index Scan using ") +
             t.indexes[a.index_pos].name + " on " + t.name;
    default:
      return "Seq Scan on " + t.name;
  }
}

std::string access_line(const Source& s) {
  if (s.kind == Source::Kind::kSubquery) return "Subquery Scan";
  if (s.kind == Source::Kind::kFunction) return "Function Scan on " + s.function->name;
  if (s.kind == Source::Kind::kValues) return "Values Scan on \"*VALUES*\"";
  return table_access_line(*s.table, s.access);
}

void emit(std::vector<std::string>& out, int depth, const std::string& line) {
  std::string pre;
  if (depth > 0) pre = std::string(depth * 6 - 4, ' ') + "->  ";
  out.push_back(pre + line);
}

// A node's detail line ("Partitions: ..."), indented under the node as PostgreSQL does.
void emit_detail(std::vector<std::string>& out, int depth, const std::string& line) {
  out.push_back(std::string(depth > 0 ? depth * 6 + 2 : 2, ' ') + line);
}

// A scan node and, for a stored table, how many of the node's partitions it reads.
void emit_scan(std::vector<std::string>& out, int depth, const Source& s, uint32_t partitions) {
  // A partitioned table's full scan reads each leaf through the leaf's own path (scan_table):
  // PostgreSQL's Append over the partitions' scans, one node per leaf.
  const bool append = s.kind == Source::Kind::kTable && s.table && s.table->is_partitioned() &&
                      s.access.kind == AccessKind::kFullScan && !s.access.leaves.empty();
  emit(out, depth, append ? "Append" : access_line(s));
  if (s.kind != Source::Kind::kTable || !s.virtual_table.empty() || !s.table || partitions == 0)
    return;
  if (!append) {
    emit_detail(out, depth,
                "Partitions: " + std::to_string(partitions_read(*s.table, s.access, partitions)) +
                    " of " + std::to_string(partitions));
    return;
  }
  for (const auto& leaf : s.access.leaves) {
    emit(out, depth + 1, table_access_line(*leaf.table, *leaf.access));
    emit_detail(
        out, depth + 1,
        "Partitions: " + std::to_string(partitions_read(*leaf.table, *leaf.access, partitions)) +
            " of " + std::to_string(partitions));
  }
}

void explain_select(const SelectPlan& p, int depth, std::vector<std::string>& out,
                    uint32_t partitions) {
  runtime::check_stack_depth();
  if (p.setop != SetOp::kNone) {
    emit(out, depth,
         p.setop == SetOp::kUnion ? (p.setop_all ? "Append" : "HashAggregate") : "HashSetOp");
    explain_select(*p.left, depth + 1, out, partitions);
    explain_select(*p.right, depth + 1, out, partitions);
    return;
  }
  if (p.limit || p.offset) emit(out, depth++, "Limit");
  if (p.lock_rows) emit(out, depth++, "LockRows");
  if (!p.order_by.empty() && !p.scan_ordered) emit(out, depth++, "Sort");
  if (p.distinct) emit(out, depth++, "HashAggregate");
  if (!p.windows.empty()) emit(out, depth++, "WindowAgg");
  if (p.grouped) emit(out, depth++, p.group_by.empty() ? "Aggregate" : "HashAggregate");
  if (p.sources.empty()) {
    emit(out, depth, "Result");
    return;
  }
  if (p.sources.size() == 1) {
    emit_scan(out, depth, p.sources[0], partitions);
    if (p.sources[0].subquery) explain_select(*p.sources[0].subquery, depth + 1, out, partitions);
    return;
  }
  // Left-deep: the last source joins everything before it.
  std::vector<std::string> lines;
  int d = depth;
  for (size_t i = p.sources.size() - 1; i >= 1; --i) {
    const auto& s = p.sources[i];
    std::string kind = s.join == Source::Join::kLeft    ? "Left Join"
                       : s.join == Source::Join::kRight ? "Right Join"
                       : s.join == Source::Join::kFull  ? "Full Join"
                                                        : "";
    bool lookup = s.kind == Source::Kind::kTable && s.access.kind != AccessKind::kFullScan;
    std::string line = lookup || s.hash_keys.empty() ? "Nested Loop" : "Hash Join";
    if (!kind.empty()) line += " " + kind;
    emit(out, d, line);
    emit_scan(out, d + 1, s, partitions);
    ++d;
  }
  emit_scan(out, d, p.sources[0], partitions);
}

}  // namespace

void plan_statement(BoundStatement& stmt) {
  if (stmt.insert) {
    for (const auto& row : stmt.insert->rows) plan_sublinks(row);
    for (const auto& [c, e] : stmt.insert->conflict.sets) plan_sublinks(e.get());
    plan_sublinks(stmt.insert->conflict.where.get());
    plan_sublinks(stmt.insert->returning);
  }
  if (stmt.update) {
    plan_sublinks(stmt.update->where.get());
    for (const auto& [c, e] : stmt.update->sets) plan_sublinks(e.get());
    plan_sublinks(stmt.update->returning);
  }
  if (stmt.del) {
    plan_sublinks(stmt.del->where.get());
    plan_sublinks(stmt.del->returning);
  }
  if (stmt.select) plan_select(*stmt.select);
  if (stmt.insert && stmt.insert->select) plan_select(*stmt.insert->select);
  if (stmt.update)
    choose_access(*stmt.update->table, stmt.update->where.get(), 0, stmt.update->access);
  if (stmt.del) choose_access(*stmt.del->table, stmt.del->where.get(), 0, stmt.del->access);
  if (stmt.update && stmt.update->from) {
    plan_select(*stmt.update->from);
    plan_target_lookup(*stmt.update->from);
  }
  if (stmt.del && stmt.del->from) {
    plan_select(*stmt.del->from);
    plan_target_lookup(*stmt.del->from);
  }
  if (stmt.merge) {
    for (const auto& a : stmt.merge->actions) {
      plan_sublinks(a.condition.get());
      for (const auto& [c, e] : a.sets) plan_sublinks(e.get());
      plan_sublinks(a.values);
    }
    plan_select(*stmt.merge->join);
  }
  for (auto& cte : stmt.dml_ctes) plan_statement(*cte);
  if (stmt.copy_query) plan_statement(*stmt.copy_query);
}

size_t partitions_read(const catalog::Table& t, const TableAccess& a, size_t partitions) {
  // An IN list reads one key or prefix per value: at most that many partitions.
  // (An array's values are known only when the statement runs: any partition.)
  const size_t per_value = a.in_values.empty() ? 1
                           : a.in_array        ? partitions
                                               : std::min(a.in_values.size(), partitions);
  const size_t bound = a.key.size() + (a.in_values.empty() ? 0 : 1);
  switch (a.kind) {
    case AccessKind::kPointGet:
    case AccessKind::kIndexEq:
      return per_value;  // every key column bound: one key, one partition, per value
    case AccessKind::kPkRange:
      return bound >= t.placement_width() ? per_value : partitions;
    case AccessKind::kIndexRange:
      return a.index_pos >= 0 && static_cast<size_t>(a.index_pos) < t.indexes.size() &&
                     a.key.size() >= t.indexes[a.index_pos].placement_width()
                 ? 1
                 : partitions;
    default:
      return partitions;
  }
}

std::string explain(const BoundStatement& stmt, uint32_t partitions) {
  std::vector<std::string> out;
  auto table_scan = [&](const catalog::TablePtr& t, const TableAccess& a) {
    Source s;
    s.table = t;
    s.access.kind = a.kind;
    s.access.index_pos = a.index_pos;
    for (const auto& k : a.key) s.access.key.push_back(clone(*k));
    for (const auto& v : a.in_values) s.access.in_values.push_back(clone(*v));
    s.access.in_array = a.in_array;
    s.access.leaves = a.leaves;  // shared: read only here
    emit_scan(out, 1, s, partitions);
  };
  if (stmt.select) explain_select(*stmt.select, 0, out, partitions);
  if (stmt.insert) {
    out.push_back("Insert on " + stmt.insert->table->name);
    if (stmt.insert->select)
      explain_select(*stmt.insert->select, 1, out, partitions);
    else
      emit(out, 1, stmt.insert->rows.size() > 1 ? "Values Scan on \"*VALUES*\"" : "Result");
  }
  if (stmt.update) {
    out.push_back("Update on " + stmt.update->table->name);
    table_scan(stmt.update->table, stmt.update->access);
  }
  if (stmt.del) {
    out.push_back("Delete on " + stmt.del->table->name);
    table_scan(stmt.del->table, stmt.del->access);
  }
  if (stmt.merge) {
    const auto& m = *stmt.merge;
    const std::string& alias = m.join->sources[m.target_source].alias;
    out.push_back("Merge on " + m.table->name + (alias != m.table->name ? " " + alias : ""));
    explain_select(*m.join, 1, out, partitions);
  }
  std::string s;
  for (auto& l : out) s += l + "\n";
  return s;
}

}  // namespace hf::sql::plan
