// sql/exec/views.cc — CREATE [OR REPLACE] [TEMP] VIEW and the views that depend on a relation
// (DROP TABLE / DROP VIEW ... RESTRICT | CASCADE). See catalog.h "Views" for how a view is
// stored and sql/bind/binder.cc (add_view_source) for how it is read.
//
// CREATE VIEW binds the query once, as the statement's own SELECT would be bound, to learn
// its columns (names, types) and the relations it reads; it stores the query as libpg_query's
// deparser prints it. PostgreSQL's rules: OR REPLACE may only add columns at the end (42P16
// otherwise), a view that reads a temporary table becomes temporary (with a NOTICE), and a
// column name may appear once (42701).
#include <algorithm>
#include <functional>
#include <set>

#include "common/error.h"
#include "sql/bind/binder.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/privileges.h"
#include "sql/parse/parser.h"
#include "sql/types/type_info.h"

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

void notice(ExecContext& cx, const std::string& msg) {
  Error e;
  e.severity = "NOTICE";
  e.sqlstate = "00000";
  e.message = msg;
  cx.session.notice(e);
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

}  // namespace

std::string create_view(const PgQuery__ViewStmt* s, ExecContext& cx) {
  const PgQuery__RangeVar* rv = s->view;
  const std::string name = rv->relname;
  const std::string schema = rv->schemaname ? rv->schemaname : "";
  bool temp = (rv->relpersistence && std::string(rv->relpersistence) == "t") || schema == "pg_temp";
  if (s->n_options > 0)
    fail(sqlstate::kFeatureNotSupported, "CREATE VIEW ... WITH options is not supported");
  if (s->with_check_option == PG_QUERY__VIEW_CHECK_OPTION__LOCAL_CHECK_OPTION ||
      s->with_check_option == PG_QUERY__VIEW_CHECK_OPTION__CASCADED_CHECK_OPTION)
    fail(sqlstate::kFeatureNotSupported, "WITH CHECK OPTION is not supported");
  if (s->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
    fail(sqlstate::kFeatureNotSupported, "CREATE VIEW of this query is not supported");
  if (s->query->select_stmt->into_clause)
    fail(sqlstate::kFeatureNotSupported, "views must not contain SELECT INTO");

  // Bind the query as a SELECT of this session would be (temporary tables visible).
  std::vector<Oid> params;
  auto bound = bind::bind_statement(cx.catalog, s->query, params, cx.session.temp_namespace());
  if (!params.empty()) {
    Error e;
    e.sqlstate = "42P02";
    e.message = "there is no parameter $1";
    throw SqlError(std::move(e));
  }
  if (!bound.dml_ctes.empty())
    fail(sqlstate::kFeatureNotSupported,
         "views must not contain data-modifying statements in WITH");
  std::vector<catalog::Column> cols;
  for (size_t i = 0; i < bound.names.size(); ++i) {
    catalog::Column c;
    c.name = bound.names[i];
    c.type = bound.types[i];
    // PostgreSQL 15 resolves a view's unknown-type columns ('x') as text.
    if (c.type.oid == type_oid::kUnknown) c.type = TypeRef{type_oid::kText, -1};
    cols.push_back(std::move(c));
  }
  if (s->n_aliases > cols.size())
    fail(sqlstate::kSyntaxError, "CREATE VIEW specifies more column names than columns");
  for (size_t i = 0; i < s->n_aliases; ++i)
    if (s->aliases[i]->node_case == PG_QUERY__NODE__NODE_STRING)
      cols[i].name = s->aliases[i]->string->sval;
  for (size_t i = 0; i < cols.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (cols[i].name == cols[j].name)
        fail(sqlstate::kDuplicateColumn,
             "column \"" + cols[i].name + "\" specified more than once");

  std::vector<Oid> depends;
  for (Oid o : bound.relations) {
    auto t = cx.catalog.table_by_oid(o);
    if (!t) continue;
    depends.push_back(o);
    if (!temp && t->temp_namespace != 0) {
      if (!schema.empty() && schema != "pg_temp")
        fail(sqlstate::kFeatureNotSupported,
             "cannot create temporary relation in non-temporary schema");
      notice(cx, "view \"" + name + "\" will be a temporary view");
      temp = true;
    }
  }
  const uint64_t ns = temp ? cx.session.temp_namespace() : 0;
  if (temp && ns == 0)
    fail(sqlstate::kFeatureNotSupported, "temporary views are not supported here");
  if (!temp) require_public_schema(cx, catalog::acl::kCreate, rv->location);

  catalog::TablePtr existing =
      temp ? cx.catalog.find_temp_table(name, ns) : cx.catalog.find_table(name);
  if (existing && s->replace) {
    if (!existing->is_view()) fail(sqlstate::kWrongObjectType, "\"" + name + "\" is not a view");
    require_owner(cx, existing->owner, "view", name);
    check_replacement_columns(*existing, cols);
    catalog::Table v = *existing;
    v.columns = std::move(cols);
    v.view_query = parse::deparse_query(s->query);
    v.view_depends = std::move(depends);
    cx.catalog.replace_table(std::move(v), &cx.txn);
    return "CREATE VIEW";
  }
  if (existing || cx.catalog.relation_exists(name, ns))
    fail(sqlstate::kDuplicateTable, "relation \"" + name + "\" already exists");
  catalog::Table v;
  v.name = name;
  v.oid = cx.catalog.allocate_oid();
  v.owner = current_user(cx);
  v.temp_namespace = ns;
  v.columns = std::move(cols);
  v.view_query = parse::deparse_query(s->query);
  v.view_depends = std::move(depends);
  cx.catalog.create_table(std::move(v), &cx.txn);
  return "CREATE VIEW";
}

// PostgreSQL prints its own deparse of the stored rule: one target per line, every column
// qualified, literals with their casts. holdfast prints the query as libpg_query's deparser
// gives it, in PostgreSQL's frame (a leading space, a closing semicolon): same meaning, not
// the same text.
std::string view_definition(const catalog::Table& view) {
  return " " + view.view_query + ";";
}

std::vector<DependentView> dependent_views(ExecContext& cx, const catalog::Table& rel) {
  auto all = cx.catalog.tables();
  std::sort(all.begin(), all.end(),
            [](const catalog::TablePtr& a, const catalog::TablePtr& b) { return a->oid < b->oid; });
  auto direct = [&](Oid of) {
    std::vector<catalog::TablePtr> out;
    for (const auto& t : all)
      if (t->is_view() && t->oid != of &&
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
      out.push_back({d, "view " + d->name + " depends on view " + v->name, group});
      below(d, group);
    }
  };
  const std::string rel_text = (rel.is_view() ? "view " : "table ") + rel.name;
  for (const auto& v : first) {
    out.push_back({v, "view " + v->name + " depends on " + rel_text, v->oid});
    below(v, v->oid);
  }
  return out;
}

}  // namespace hf::sql::exec
