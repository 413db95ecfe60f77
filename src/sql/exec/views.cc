// sql/exec/views.cc — CREATE [OR REPLACE] [TEMP] VIEW and the views that depend on a relation
// (DROP TABLE / DROP VIEW ... RESTRICT | CASCADE). See catalog.h "Views" for how a view is
// stored and sql/bind/binder.cc (add_view_source) for how it is read.
//
// CREATE VIEW binds the query once, as the statement's own SELECT would be bound, to learn
// its columns (names, types) and the relations it reads; it stores the query as libpg_query's
// deparser prints it. PostgreSQL's rules: OR REPLACE may only add columns at the end (42P16
// otherwise), a view that reads a temporary table becomes temporary (with a NOTICE), and a
// column name may appear once (42701).
//
// pg_get_viewdef (psql's "View definition:", pg_views, information_schema.views) prints the
// view as PostgreSQL deparses its rule (every column qualified, constants with their types,
// PostgreSQL's layout; pretty or fully parenthesised) for the shapes simple views have: one
// table, targets / WHERE / GROUP BY / LIMIT made of columns, constants, operators, casts,
// functions and aggregates. Any other view prints the stored query as libpg_query's deparser
// gives it (same meaning, not PostgreSQL's text).
#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include "common/error.h"
#include "runtime/stack.h"
#include "sql/bind/binder.h"
#include "sql/exec/enum_stmts.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/locking.h"
#include "sql/exec/privileges.h"
#include "sql/exec/schemas.h"
#include "sql/parse/parser.h"
#include "sql/types/cast.h"
#include "sql/types/functions.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {

namespace {

constexpr const char* kInvalidTableDefinition = "42P16";

[[noreturn]] void fail(const char* state, const std::string& msg, const std::string& hint = {},
                       int location = -1) {
  Error e;
  e.sqlstate = state;
  e.message = msg;
  e.hint = hint;
  if (location >= 0) e.position = location + 1;
  throw SqlError(std::move(e));
}

std::string type_text(TypeRef t) {
  return types::format_type(t);
}

// OR REPLACE: PostgreSQL's checkViewTupleDesc. The new columns must begin with the old ones,
// same names and types.
void check_replacement_columns(const catalog::Table& old_view,
                               const std::vector<catalog::Column>& cols) {
  if (cols.size() < old_view.columns.size())
    fail(kInvalidTableDefinition, "cannot drop columns from view");
  for (size_t i = 0; i < old_view.columns.size(); ++i) {
    const auto& was = old_view.columns[i];
    const auto& now = cols[i];
    if (was.name != now.name)
      fail(kInvalidTableDefinition,
           "cannot change name of view column \"" + was.name + "\" to \"" + now.name + "\"",
           "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.");
    if (was.type.oid != now.type.oid || was.type.typmod != now.type.typmod)
      fail(kInvalidTableDefinition, "cannot change data type of view column \"" + was.name +
                                        "\" from " + type_text(was.type) + " to " +
                                        type_text(now.type));
  }
}

// WITH CHECK OPTION only on an automatically updatable view (PostgreSQL's DefineView).
void check_check_option(ExecContext& cx, const catalog::Table& view) {
  if (!view.check_option) return;
  std::string why = bind::view_update_refusal(cx.catalog, view);
  if (!why.empty())
    fail(sqlstate::kFeatureNotSupported,
         "WITH CHECK OPTION is supported only on automatically updatable views", why);
}

struct BoundViewQuery {
  bind::BoundStatement stmt;
  std::vector<catalog::Column> columns;
  std::vector<Oid> depends;  // the relations it reads
};

// The query of CREATE [MATERIALIZED] VIEW bound as this session's SELECT would be: its
// columns, named by the statement's column list where it gives one, and what it reads.
BoundViewQuery bind_view_query(const PgQuery__Node* query, PgQuery__Node** aliases,
                               size_t n_aliases, const char* too_many, ExecContext& cx) {
  BoundViewQuery out;
  std::vector<Oid> params;
  out.stmt = bind::bind_statement(cx.catalog, query, params, cx.session.temp_namespace());
  if (!params.empty()) {
    Error e;
    e.sqlstate = "42P02";
    e.message = "there is no parameter $1";
    throw SqlError(std::move(e));
  }
  if (!out.stmt.dml_ctes.empty())
    fail(sqlstate::kFeatureNotSupported,
         "views must not contain data-modifying statements in WITH");
  for (size_t i = 0; i < out.stmt.names.size(); ++i) {
    catalog::Column c;
    c.name = out.stmt.names[i];
    c.type = out.stmt.types[i];
    // PostgreSQL 15 resolves a view's unknown-type columns ('x') as text.
    if (c.type.oid == type_oid::kUnknown) c.type = TypeRef{type_oid::kText, -1};
    out.columns.push_back(std::move(c));
  }
  if (n_aliases > out.columns.size()) fail(sqlstate::kSyntaxError, too_many);
  for (size_t i = 0; i < n_aliases; ++i)
    if (aliases[i]->node_case == PG_QUERY__NODE__NODE_STRING)
      out.columns[i].name = aliases[i]->string->sval;
  for (size_t i = 0; i < out.columns.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (out.columns[i].name == out.columns[j].name)
        fail(sqlstate::kDuplicateColumn,
             "column \"" + out.columns[i].name + "\" specified more than once");
  for (Oid o : out.stmt.relations)
    if (cx.catalog.table_by_oid(o)) out.depends.push_back(o);
  return out;
}

}  // namespace

std::string create_view(const PgQuery__ViewStmt* s, ExecContext& cx) {
  const PgQuery__RangeVar* rv = s->view;
  const std::string name = rv->relname;
  const std::string schema = rv->schemaname ? rv->schemaname : "";
  bool temp = (rv->relpersistence && std::string(rv->relpersistence) == "t") || schema == "pg_temp";
  if (s->n_options > 0)
    fail(sqlstate::kFeatureNotSupported, "CREATE VIEW ... WITH options is not supported");
  const char check_option =
      s->with_check_option == PG_QUERY__VIEW_CHECK_OPTION__LOCAL_CHECK_OPTION      ? 'l'
      : s->with_check_option == PG_QUERY__VIEW_CHECK_OPTION__CASCADED_CHECK_OPTION ? 'c'
                                                                                   : 0;
  if (s->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
    fail(sqlstate::kFeatureNotSupported, "CREATE VIEW of this query is not supported");
  if (s->query->select_stmt->into_clause)
    fail(sqlstate::kFeatureNotSupported, "views must not contain SELECT INTO");

  // Bind the query as a SELECT of this session would be (temporary tables visible).
  auto bound = bind_view_query(s->query, s->aliases, s->n_aliases,
                               "CREATE VIEW specifies more column names than columns", cx);
  std::vector<catalog::Column> cols = std::move(bound.columns);
  std::vector<Oid> depends = std::move(bound.depends);
  for (Oid o : depends) {
    auto t = cx.catalog.table_by_oid(o);
    if (!temp && t && t->temp_namespace != 0) {
      if (!schema.empty() && schema != "pg_temp")
        fail(sqlstate::kFeatureNotSupported,
             "cannot create temporary relation in non-temporary schema");
      send_notice(cx, "view \"" + name + "\" will be a temporary view");
      temp = true;
    }
  }
  const uint64_t ns = temp ? cx.session.temp_namespace() : 0;
  if (temp && ns == 0)
    fail(sqlstate::kFeatureNotSupported, "temporary views are not supported here");
  // The schema named, else the search path's first (CREATE privilege checked there).
  const Oid schema_oid = temp ? catalog::kPublicNamespaceId : creation_schema(cx, rv);

  if (!temp) wait_for_uncommitted_create(cx, NewObject::kTable, name, 0, schema_oid);
  catalog::TablePtr existing =
      temp ? cx.catalog.find_temp_table(name, ns) : cx.catalog.find_table_in(schema_oid, name);
  catalog::Table v;
  const bool replacing = existing && s->replace;
  if (replacing) {
    if (!existing->is_view()) fail(sqlstate::kWrongObjectType, "\"" + name + "\" is not a view");
    require_owner(cx, existing->owner, "view", name);
    check_replacement_columns(*existing, cols);
    v = *existing;
  } else {
    if (existing || cx.catalog.relation_exists(name, ns, schema_oid))
      fail(sqlstate::kDuplicateTable, "relation \"" + name + "\" already exists");
    if (!temp) refuse_row_type_clash(cx, schema_oid, name);
    v.name = name;
    v.namespace_oid = schema_oid;
    v.oid = cx.catalog.allocate_oid();
    v.owner = current_user(cx);
    v.temp_namespace = ns;
  }
  v.columns = std::move(cols);
  v.view_query = parse::deparse_query(s->query);
  v.view_depends = std::move(depends);
  v.check_option = check_option;
  check_check_option(cx, v);
  if (replacing)
    cx.catalog.replace_table(std::move(v), &cx.txn);
  else
    cx.catalog.create_table(std::move(v), &cx.txn);
  return "CREATE VIEW";
}

namespace {

// ---- pg_get_viewdef: PostgreSQL's deparse of a view's rule, for the shapes simple views
// have (one table; targets, WHERE and GROUP BY made of columns, constants, operators,
// functions and aggregates). Anything else falls back to the stored text.

struct Unsupported {};

std::string ident(const std::string& s) {
  return types::quote_identifier(s);
}

std::string literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Binding strength of an operator, PostgreSQL's grammar order (higher binds tighter).
int precedence(const std::string& op) {
  if (op == "*" || op == "/" || op == "%") return 5;
  if (op == "+" || op == "-") return 4;
  if (op == "=" || op == "<>" || op == "<" || op == ">" || op == "<=" || op == ">=") return 2;
  return 3;  // any other operator (||, ~~, ...)
}

struct ViewDeparser {
  const bind::SelectPlan& plan;
  std::string qualifier;  // the FROM item's name columns are qualified with
  bool pretty;

  // Targets of a grouped query read the grouped row: GROUP BY values, then aggregates.
  bool grouped_row = false;

  std::string aggregate(size_t index) const {
    if (index >= plan.aggs.size()) throw Unsupported{};
    const auto& a = plan.aggs[index];
    if (a.filter || !a.def || !a.order_by.empty()) throw Unsupported{};
    std::string s = std::string(a.def->name) + "(" + (a.distinct ? "DISTINCT " : "");
    if (a.star) return s + "*)";
    ViewDeparser input{plan, qualifier, pretty};  // the arguments read the input row
    for (size_t i = 0; i < a.args.size(); ++i) s += (i ? ", " : "") + input.expr(*a.args[i]);
    return s + ")";
  }

  std::string column(const bind::Expr& e) const {
    if (grouped_row && e.level == 0) {
      const size_t groups = plan.group_by.size();
      if (static_cast<size_t>(e.index) >= groups) return aggregate(e.index - groups);
      ViewDeparser input{plan, qualifier, pretty};
      return input.expr(*plan.group_by[e.index]);
    }
    if (e.level != 0 || plan.sources.size() != 1 || !plan.sources[0].table) throw Unsupported{};
    const auto& t = *plan.sources[0].table;
    if (e.index < 0 || static_cast<size_t>(e.index) >= t.columns.size()) throw Unsupported{};
    // A table's own expression (a CHECK constraint) names its columns unqualified.
    if (qualifier.empty()) return ident(t.columns[e.index].name);
    return ident(qualifier) + "." + ident(t.columns[e.index].name);
  }

  std::string constant(const bind::Expr& e) const {
    const std::string type = types::format_type(TypeRef{e.type.oid, -1});
    if (e.value.is_null()) return "NULL::" + type;
    const std::string text = types::to_text(e.value, e.type);
    switch (e.type.oid) {
      case type_oid::kInt4:
        if (text[0] != '-') return text;
        return literal(text) + "::" + type;
      case type_oid::kBool:
        return text == "t" ? "true" : "false";
      case type_oid::kNumeric:
        if (text[0] != '-' && text.find('.') != std::string::npos) return text;
        return literal(text) + "::" + type;
      default:
        return literal(text) + "::" + type;
    }
  }

  // e as an operand of an operator of strength parent (0: stands alone).
  std::string expr(const bind::Expr& e, int parent = 0) const {
    runtime::check_stack_depth();
    switch (e.kind) {
      case bind::ExprKind::kColumn:
        return column(e);
      case bind::ExprKind::kConst:
        return constant(e);
      case bind::ExprKind::kOp: {
        if (!e.op || e.args.size() != 2) throw Unsupported{};
        const int mine = precedence(e.op->name);
        std::string s =
            expr(*e.args[0], mine) + " " + e.op->name + " " + expr(*e.args[1], mine + 1);
        if (!pretty || (parent != 0 && parent > mine)) return "(" + s + ")";
        return s;
      }
      case bind::ExprKind::kAnd:
      case bind::ExprKind::kOr: {
        // PostgreSQL's AND / OR take any number of arguments: a chain prints flat.
        std::vector<const bind::Expr*> items;
        std::function<void(const bind::Expr&)> flatten = [&](const bind::Expr& x) {
          for (const auto& a : x.args) {
            if (a->kind == e.kind)
              flatten(*a);
            else
              items.push_back(a.get());
          }
        };
        flatten(e);
        const bool is_and = e.kind == bind::ExprKind::kAnd;
        std::string s;
        for (size_t i = 0; i < items.size(); ++i)
          s += (i ? (is_and ? " AND " : " OR ") : "") + expr(*items[i], 1);
        if (!pretty || parent != 0) return "(" + s + ")";
        return s;
      }
      case bind::ExprKind::kCast: {
        const std::string type = types::format_type(e.type);
        if (pretty) return expr(*e.args[0], 7) + "::" + type;
        return "(" + expr(*e.args[0], 7) + ")::" + type;
      }
      case bind::ExprKind::kNot:
        return pretty ? "NOT " + expr(*e.args[0], 6) : "(NOT " + expr(*e.args[0], 6) + ")";
      case bind::ExprKind::kIsNull:
      case bind::ExprKind::kIsNotNull: {
        std::string s =
            expr(*e.args[0], 6) + (e.kind == bind::ExprKind::kIsNull ? " IS NULL" : " IS NOT NULL");
        return !pretty || parent > 2 ? "(" + s + ")" : s;
      }
      case bind::ExprKind::kFunc: {
        if (!e.fn) throw Unsupported{};
        std::string s = std::string(e.fn->name) + "(";
        for (size_t i = 0; i < e.args.size(); ++i) s += (i ? ", " : "") + expr(*e.args[i]);
        return s + ")";
      }
      default:
        throw Unsupported{};
    }
  }

  std::string query(const catalog::Table& view) {
    if (plan.setop != bind::SetOp::kNone || plan.distinct || !plan.windows.empty() ||
        !plan.srfs.empty() || plan.having || !plan.order_by.empty() || plan.offset ||
        plan.sources.size() > 1 || plan.lock_rows || plan.has_locking_clause)
      throw Unsupported{};
    if (!plan.sources.empty() && (plan.sources[0].kind != bind::Source::Kind::kTable ||
                                  !plan.sources[0].virtual_table.empty()))
      throw Unsupported{};
    if (plan.grouped && plan.group_by.empty() && plan.aggs.empty()) throw Unsupported{};
    std::string s = " SELECT";
    grouped_row = plan.grouped;
    for (int i = 0; i < plan.visible; ++i) {
      const bind::Expr* e = plan.targets[i].get();
      const std::string& name = view.columns[i].name;
      s += i ? ",\n    " : " ";
      s += expr(*e);
      // A column keeps its name without AS; anything else is named.
      if (plan.grouped && e->kind == bind::ExprKind::kColumn && e->level == 0)
        e = static_cast<size_t>(e->index) < plan.group_by.size() ? plan.group_by[e->index].get()
                                                                 : nullptr;
      const bool same = e && e->kind == bind::ExprKind::kColumn && e->level == 0 &&
                        plan.sources.size() == 1 &&
                        plan.sources[0].table->columns[e->index].name == name;
      if (!same) s += " AS " + ident(name);
    }
    grouped_row = false;
    if (!plan.sources.empty()) {
      const auto& src = plan.sources[0];
      s += "\n   FROM " + ident(src.table->name);
      if (src.alias != src.table->name) s += " " + ident(src.alias);
    }
    if (plan.where) s += "\n  WHERE " + expr(*plan.where);
    if (!plan.group_by.empty()) {
      s += "\n  GROUP BY ";
      for (size_t i = 0; i < plan.group_by.size(); ++i)
        s += (i ? ", " : "") + expr(*plan.group_by[i]);
    }
    if (plan.limit) {
      const bind::Expr* l = plan.limit.get();
      while (l->kind == bind::ExprKind::kCast) l = l->args[0].get();
      if (l->kind != bind::ExprKind::kConst || l->value.is_null()) throw Unsupported{};
      s += "\n LIMIT " + types::to_text(l->value, l->type);
    }
    return s + ";";
  }
};

}  // namespace

std::string view_definition(catalog::Catalog& catalog, const catalog::Table& view, bool pretty) {
  try {
    auto plan = bind::bind_view(catalog, view);
    std::string qualifier;
    if (!plan->sources.empty()) qualifier = plan->sources[0].alias;
    ViewDeparser d{*plan, qualifier, pretty};
    return d.query(view);
  } catch (const Unsupported&) {
  } catch (const SqlError&) {
  }
  return " " + view.view_query + ";";
}

std::string expression_definition(catalog::Catalog& catalog, const catalog::Table& table,
                                  const std::string& text, bool pretty) {
  try {
    auto e = bind::bind_table_expr(catalog, table, text, nullptr);
    bind::SelectPlan plan;  // the table alone, for the deparser's column names
    bind::Source source;
    source.table = std::make_shared<const catalog::Table>(table);
    plan.sources.push_back(std::move(source));
    ViewDeparser d{plan, "", pretty};
    return d.expr(*e);
  } catch (const Unsupported&) {
  } catch (const SqlError&) {
  }
  return text;
}

namespace {

// Stores the rows `plan` returns in t (a materialized view's current storage, or a table
// CREATE TABLE AS made). Returns how many.
int64_t fill_table(const catalog::Table& t, const bind::SelectPlan& plan, ExecContext& cx) {
  std::vector<Row> rows = run_select(plan, cx);
  Writer w(t, cx);
  for (auto& r : rows) {
    Row row(t.columns.size());
    for (size_t i = 0; i < t.columns.size() && i < r.size(); ++i) {
      const TypeRef from = plan.types[i];
      Datum v = r[i];
      if (!v.is_null() && from.oid != t.columns[i].type.oid && from.oid != type_oid::kUnknown)
        v = types::cast(v, from, t.columns[i].type, types::CastContext::kAssignment, cx.fctx.zone);
      row[i] = std::move(v);
    }
    w.insert(row, -3, nullptr);
  }
  return static_cast<int64_t>(rows.size());
}

}  // namespace

std::string create_materialized_view(const PgQuery__CreateTableAsStmt* s, ExecContext& cx) {
  const PgQuery__RangeVar* rv = s->into->rel;
  const std::string name = rv->relname;
  if (s->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
    fail(sqlstate::kFeatureNotSupported, "CREATE MATERIALIZED VIEW of this query is not supported");
  require_public_schema(cx, catalog::acl::kCreate, rv->location);
  wait_for_uncommitted_create(cx, NewObject::kTable, name, 0, catalog::kPublicNamespaceId);
  if (cx.catalog.relation_exists(name)) {
    if (s->if_not_exists) {
      send_notice(cx, "relation \"" + name + "\" already exists, skipping");
      return "CREATE MATERIALIZED VIEW";
    }
    fail(sqlstate::kDuplicateTable, "relation \"" + name + "\" already exists");
  }
  refuse_row_type_clash(cx, catalog::kPublicNamespaceId, name);
  auto bound = bind_view_query(s->query, s->into->col_names, s->into->n_col_names,
                               "too many column names were specified", cx);
  for (Oid o : bound.depends)
    if (auto t = cx.catalog.table_by_oid(o); t && t->temp_namespace != 0)
      fail(sqlstate::kFeatureNotSupported,
           "materialized views must not use temporary tables or views");
  catalog::Table t;
  t.name = name;
  t.oid = cx.catalog.allocate_oid();
  t.owner = current_user(cx);
  t.columns = std::move(bound.columns);
  for (const auto& c : t.columns) refuse_composite_column(c.type, c.name);
  t.materialized = true;
  t.populated = !s->into->skip_data;
  t.view_query = parse::deparse_query(s->query);
  t.view_depends = std::move(bound.depends);
  catalog::Sequence rowid;  // its rows have no primary key: a hidden row id places them
  rowid.name = "hf_rowid_" + std::to_string(t.oid);
  rowid.owner_table = t.oid;
  rowid.owner = t.owner;
  t.rowid_sequence = cx.catalog.create_sequence(rowid, &cx.txn);
  auto created = cx.catalog.create_table(std::move(t), &cx.txn);
  if (s->into->skip_data) return "CREATE MATERIALIZED VIEW";
  return "SELECT " + std::to_string(fill_table(*created, *bound.stmt.select, cx));
}

std::string create_table_as(const PgQuery__IntoClause* into, const PgQuery__Node* query,
                            bool if_not_exists, ExecContext& cx) {
  if (query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
    fail(sqlstate::kFeatureNotSupported, "CREATE TABLE AS of this query is not supported");
  auto given = [](const char* s) { return s && *s; };
  if (given(into->access_method) || into->n_options || given(into->table_space_name))
    fail(sqlstate::kFeatureNotSupported,
         "CREATE TABLE AS with storage options or a tablespace is not supported");
  auto shell = new_table(cx, into->rel, into->on_commit, if_not_exists);
  if (!shell) return "CREATE TABLE AS";
  catalog::Table& t = *shell;
  auto bound = bind_view_query(query, into->col_names, into->n_col_names,
                               "too many column names were specified", cx);
  t.columns = std::move(bound.columns);
  for (const auto& c : t.columns) refuse_composite_column(c.type, c.name);
  give_rowid_sequence(cx, t);
  auto created = cx.catalog.create_table(std::move(t), &cx.txn);
  if (into->skip_data) return "CREATE TABLE AS";
  return "SELECT " + std::to_string(fill_table(*created, *bound.stmt.select, cx));
}

std::string refresh_materialized_view(const PgQuery__RefreshMatViewStmt* s, ExecContext& cx) {
  const std::string name = s->relation->relname;
  auto t = cx.catalog.find_table(name, cx.session.temp_namespace());
  if (!t) fail(sqlstate::kUndefinedTable, "relation \"" + name + "\" does not exist");
  if (!t->materialized)
    fail(sqlstate::kWrongObjectType, "\"" + name + "\" is not a materialized view");
  if (s->concurrent)
    fail(sqlstate::kFeatureNotSupported, "REFRESH MATERIALIZED VIEW CONCURRENTLY is not supported");
  require_owner(cx, t->owner, "materialized view", name);
  // PostgreSQL's REFRESH takes ACCESS EXCLUSIVE: readers wait for the new rows.
  if (!cx.txn.lock_table(t->oid, coord::table_mode::kAccessExclusive, lock_wait(cx)))
    fail(sqlstate::kLockNotAvailable, "could not obtain lock on relation \"" + name + "\"");
  catalog::Table next = *t;
  next.storage_id = cx.catalog.allocate_storage_id();  // as TRUNCATE: the old rows stay behind
  next.populated = !s->skip_data;
  auto replaced = cx.catalog.replace_table(std::move(next), &cx.txn);
  if (!s->skip_data) {
    const PgQuery__Node* query = nullptr;
    auto tree = parse::parse_query(t->view_query, &query);
    std::vector<Oid> params;
    auto bound = bind::bind_statement(cx.catalog, query, params, 0);
    fill_table(*replaced, *bound.select, cx);
  }
  return "REFRESH MATERIALIZED VIEW";
}

std::vector<DependentView> dependent_views(ExecContext& cx, const catalog::Table& rel) {
  auto all = cx.catalog.tables();
  std::sort(all.begin(), all.end(),
            [](const catalog::TablePtr& a, const catalog::TablePtr& b) { return a->oid < b->oid; });
  auto direct = [&](Oid of) {
    std::vector<catalog::TablePtr> out;
    for (const auto& t : all)
      if (!t->view_query.empty() && t->oid != of &&
          std::find(t->view_depends.begin(), t->view_depends.end(), of) != t->view_depends.end())
        out.push_back(t);
    return out;
  };
  // PostgreSQL's order: each direct dependent, then (depth first) what depends on it that was
  // not reported yet; a view found both ways is reported as depending on `rel`.
  std::vector<DependentView> out;
  std::set<Oid> seen{rel.oid};
  auto first = direct(rel.oid);
  for (const auto& v : first) seen.insert(v->oid);
  std::function<void(const catalog::TablePtr&, Oid)> below = [&](const catalog::TablePtr& v,
                                                                 Oid group) {
    for (const auto& d : direct(v->oid)) {
      if (!seen.insert(d->oid).second) continue;
      out.push_back({d,
                     std::string(d->kind_name()) + " " + d->name + " depends on " + v->kind_name() +
                         " " + v->name,
                     group});
      below(d, group);
    }
  };
  const std::string rel_text = std::string(rel.kind_name()) + " " + rel.name;
  for (const auto& v : first) {
    out.push_back(
        {v, std::string(v->kind_name()) + " " + v->name + " depends on " + rel_text, v->oid});
    below(v, v->oid);
  }
  return out;
}

}  // namespace hf::sql::exec
