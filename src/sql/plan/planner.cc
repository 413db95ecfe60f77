// sql/plan/planner.cc — see planner.h.
#include "sql/plan/planner.h"

#include <algorithm>

namespace hf::sql::plan {

using namespace hf::sql::bind;

ExprPtr clone(const Expr& e) {
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
  for (const auto& a : e.args) c->args.push_back(clone(*a));
  return c;
}

namespace {

void conjuncts(const Expr* e, std::vector<const Expr*>& out) {
  if (e == nullptr) return;
  if (e->kind == ExprKind::kAnd) {
    for (const auto& a : e->args) conjuncts(a.get(), out);
    return;
  }
  out.push_back(e);
}

// True when e can be computed before reading the current query level's rows.
bool is_outer_value(const Expr& e) {
  if (e.kind == ExprKind::kColumn && e.level == 0) return false;
  if (e.kind == ExprKind::kSubLink || e.kind == ExprKind::kAggRef || e.kind == ExprKind::kWindowRef)
    return false;
  if (e.kind == ExprKind::kSessionFunc &&
      (e.name == "nextval" || e.name == "clock_timestamp" || e.name == "pg_sleep"))
    return false;
  if (e.kind == ExprKind::kFunc && e.fn && e.fn->volatile_) return false;
  for (const auto& a : e.args)
    if (!is_outer_value(*a)) return false;
  return true;
}

// Column positions [offset, offset+width) bound by "col = value" conjuncts.
void equalities(const std::vector<const Expr*>& cs, int offset, int width,
                std::vector<std::pair<int, const Expr*>>& out) {
  for (const Expr* c : cs) {
    if (c->kind != ExprKind::kOp || c->name != "=" || c->args.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      const Expr& col = *c->args[side];
      const Expr& val = *c->args[1 - side];
      if (col.kind == ExprKind::kColumn && col.level == 0 && col.index >= offset &&
          col.index < offset + width && is_outer_value(val) &&
          c->arg_types[0].oid == c->arg_types[1].oid) {
        out.emplace_back(col.index - offset, &val);
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

void choose_access(const catalog::Table& t, const Expr* where, int offset, TableAccess& acc) {
  acc = TableAccess{};
  std::vector<const Expr*> cs;
  conjuncts(where, cs);
  std::vector<std::pair<int, const Expr*>> eqs;
  equalities(cs, offset, static_cast<int>(t.columns.size()), eqs);
  if (eqs.empty()) return;
  if (!t.primary_key.empty()) {
    std::vector<ExprPtr> key;
    for (int c : t.primary_key) {
      const Expr* v = bound_value(eqs, c);
      if (!v || v->type.oid != t.columns[c].type.oid) break;
      key.push_back(clone(*v));
    }
    if (key.size() == t.primary_key.size()) {
      acc.kind = AccessKind::kPointGet;
      acc.key = std::move(key);
      return;
    }
    if (!key.empty()) {
      acc.kind = AccessKind::kPkRange;
      acc.key = std::move(key);
      return;
    }
  }
  for (size_t i = 0; i < t.indexes.size(); ++i) {
    const auto& idx = t.indexes[i];
    if (!idx.exprs.empty()) continue;
    std::vector<ExprPtr> key;
    for (int c : idx.columns) {
      const Expr* v = bound_value(eqs, c);
      if (!v || v->type.oid != t.columns[c].type.oid) break;
      key.push_back(clone(*v));
    }
    if (key.size() == idx.columns.size()) {
      acc.kind = AccessKind::kIndexEq;
      acc.key = std::move(key);
      acc.index_pos = static_cast<int>(i);
      return;
    }
  }
}

void plan_select(SelectPlan& p) {
  if (p.left) plan_select(*p.left);
  if (p.right) plan_select(*p.right);
  for (auto& src : p.sources) {
    if (src.subquery) plan_select(*src.subquery);
  }
  if (p.sources.size() == 1 && p.sources[0].kind == Source::Kind::kTable &&
      p.sources[0].virtual_table.empty())
    choose_access(*p.sources[0].table, p.where.get(), 0, p.sources[0].access);
  // Hash join keys: equality conjuncts (ON, or WHERE for inner/cross joins) between a column
  // of this source and a column before it.
  for (size_t i = 1; i < p.sources.size(); ++i) {
    auto& src = p.sources[i];
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
}

void explain_select(const SelectPlan& p, int depth, std::vector<std::string>& out);

std::string access_line(const Source& s) {
  if (s.kind == Source::Kind::kSubquery) return "Subquery Scan";
  if (s.kind == Source::Kind::kFunction) return "Function Scan on " + s.function->name;
  if (s.kind == Source::Kind::kValues) return "Values Scan on \"*VALUES*\"";
  const auto& t = *s.table;
  switch (s.access.kind) {
    case AccessKind::kPointGet:
    case AccessKind::kPkRange:
      return "Index Scan using " + t.pkey_name + " on " + t.name;
    case AccessKind::kIndexEq:
      return "Index Scan using " + t.indexes[s.access.index_pos].name + " on " + t.name;
    default:
      return "Seq Scan on " + t.name;
  }
}

void emit(std::vector<std::string>& out, int depth, const std::string& line) {
  std::string pre;
  if (depth > 0) pre = std::string(depth * 6 - 4, ' ') + "->  ";
  out.push_back(pre + line);
}

void explain_select(const SelectPlan& p, int depth, std::vector<std::string>& out) {
  if (p.setop != SetOp::kNone) {
    emit(out, depth,
         p.setop == SetOp::kUnion ? (p.setop_all ? "Append" : "HashAggregate") : "HashSetOp");
    explain_select(*p.left, depth + 1, out);
    explain_select(*p.right, depth + 1, out);
    return;
  }
  if (p.limit || p.offset) emit(out, depth++, "Limit");
  if (p.lock_rows) emit(out, depth++, "LockRows");
  if (!p.order_by.empty()) emit(out, depth++, "Sort");
  if (p.distinct) emit(out, depth++, "HashAggregate");
  if (!p.windows.empty()) emit(out, depth++, "WindowAgg");
  if (p.grouped) emit(out, depth++, p.group_by.empty() ? "Aggregate" : "HashAggregate");
  if (p.sources.empty()) {
    emit(out, depth, "Result");
    return;
  }
  if (p.sources.size() == 1) {
    emit(out, depth, access_line(p.sources[0]));
    if (p.sources[0].subquery) explain_select(*p.sources[0].subquery, depth + 1, out);
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
    std::string line = s.hash_keys.empty() ? "Nested Loop" : "Hash Join";
    if (!kind.empty()) line += " " + kind;
    emit(out, d, line);
    emit(out, d + 1, access_line(s));
    ++d;
  }
  emit(out, d, access_line(p.sources[0]));
}

}  // namespace

void plan_statement(BoundStatement& stmt) {
  if (stmt.select) plan_select(*stmt.select);
  if (stmt.insert && stmt.insert->select) plan_select(*stmt.insert->select);
  if (stmt.update)
    choose_access(*stmt.update->table, stmt.update->where.get(), 0, stmt.update->access);
  if (stmt.del) choose_access(*stmt.del->table, stmt.del->where.get(), 0, stmt.del->access);
  if (stmt.update && stmt.update->from) plan_select(*stmt.update->from);
  if (stmt.del && stmt.del->from) plan_select(*stmt.del->from);
  for (auto& cte : stmt.dml_ctes) plan_statement(*cte);
}

std::string explain(const BoundStatement& stmt) {
  std::vector<std::string> out;
  auto table_line = [&](const catalog::Table& t, const TableAccess& a) {
    Source s;
    s.table = std::shared_ptr<const catalog::Table>(std::shared_ptr<const catalog::Table>{}, &t);
    s.access.kind = a.kind;
    s.access.index_pos = a.index_pos;
    return access_line(s);
  };
  if (stmt.select) explain_select(*stmt.select, 0, out);
  if (stmt.insert) {
    out.push_back("Insert on " + stmt.insert->table->name);
    if (stmt.insert->select)
      explain_select(*stmt.insert->select, 1, out);
    else
      emit(out, 1, stmt.insert->rows.size() > 1 ? "Values Scan on \"*VALUES*\"" : "Result");
  }
  if (stmt.update) {
    out.push_back("Update on " + stmt.update->table->name);
    emit(out, 1, table_line(*stmt.update->table, stmt.update->access));
  }
  if (stmt.del) {
    out.push_back("Delete on " + stmt.del->table->name);
    emit(out, 1, table_line(*stmt.del->table, stmt.del->access));
  }
  std::string s;
  for (auto& l : out) s += l + "\n";
  return s;
}

}  // namespace hf::sql::plan
