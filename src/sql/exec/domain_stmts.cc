// sql/exec/domain_stmts.cc — see domain_stmts.h.
#include "sql/exec/domain_stmts.h"

#include "common/error.h"
#include "sql/bind/binder.h"
#include "sql/exec/ddl_names.h"
#include "sql/exec/enum_stmts.h"
#include "sql/exec/executor.h"
#include "sql/exec/locking.h"
#include "sql/exec/privileges.h"
#include "sql/exec/schemas.h"
#include "sql/parse/parser.h"
#include "sql/types/domain_types.h"
#include "sql/types/type_info.h"

namespace hf::sql::exec {

namespace {

using namespace ddl_names;  // NOLINT: fail, str_of, QualifiedName

// The domain a statement names (42704 when there is none; 3F000 for a missing schema).
types::DomainTypePtr named_domain(ExecContext& cx, const QualifiedName& q, bool missing_ok) {
  if (!q.schema.empty() && q.schema != "pg_catalog" && !cx.catalog.find_schema(q.schema))
    fail(sqlstate::kInvalidSchemaName, "schema \"" + q.schema + "\" does not exist");
  auto d = types::domain_types().find(q.schema, q.name,
                                      session_search_path(cx.catalog, cx.session).schemas);
  if (!d && !missing_ok)
    fail(sqlstate::kUndefinedObject, "type \"" + q.written() + "\" does not exist");
  return d;
}

// A row of one column, VALUE, of the domain's base type: what its CHECKs are bound over.
catalog::Table value_row(const types::DomainType& d) {
  catalog::Table row;
  row.name = d.name;
  catalog::Column v;
  v.name = "value";
  v.type = d.base;
  row.columns.push_back(v);
  return row;
}

// A CHECK of domain d from its constraint node: named as PostgreSQL names it (d_check,
// d_check1, ...) unless named, its expression bound to make sure it is boolean.
types::DomainCheck make_check(ExecContext& cx, const types::DomainType& d,
                              const PgQuery__Constraint* c) {
  types::DomainCheck check;
  check.expr = parse::deparse_expr(c->raw_expr);
  auto bound = bind::bind_table_expr(cx.catalog, value_row(d), check.expr, nullptr);
  if (bound->type.oid != type_oid::kBool && bound->type.oid != type_oid::kUnknown)
    fail(sqlstate::kDatatypeMismatch,
         "argument of CHECK must be type boolean, not type " + types::format_type(bound->type));
  auto taken = [&](const std::string& n) {
    for (const auto& k : d.checks)
      if (k.name == n) return true;
    return false;
  };
  if (c->conname && *c->conname) {
    check.name = c->conname;
    if (taken(check.name))
      fail(sqlstate::kDuplicateObject,
           "constraint \"" + check.name + "\" for domain \"" + d.name + "\" already exists");
  } else {
    check.name = d.name + "_check";
    for (int i = 1; taken(check.name); ++i) check.name = d.name + "_check" + std::to_string(i);
  }
  return check;
}

// The columns of tables whose type is domain `oid`.
struct DomainColumn {
  catalog::TablePtr table;
  int column;
};
std::vector<DomainColumn> columns_of(ExecContext& cx, Oid oid) {
  std::vector<DomainColumn> out;
  for (const auto& t : cx.catalog.tables())
    for (size_t i = 0; i < t->columns.size(); ++i)
      if (t->columns[i].domain == oid) out.push_back({t, static_cast<int>(i)});
  return out;
}

// Every stored value of a column of domain d passes `check` (null: NOT NULL), else PostgreSQL's
// error naming the first column that has one that does not.
void validate_columns(ExecContext& cx, const types::DomainType& d, const bind::Expr* check) {
  for (const auto& dc : columns_of(cx, d.oid)) {
    if (dc.table->is_view() || dc.table->is_partitioned()) continue;
    bool bad = false;
    scan_table(*dc.table, bind::TableAccess{}, Row{}, cx, [&](StoredRow& r) {
      const Datum& v = r.row[dc.column];
      if (check == nullptr) {
        bad = v.is_null();
      } else {
        Datum ok = eval(*check, Row{v}, cx);
        bad = !ok.is_null() && !ok.as_bool();
      }
      return !bad;
    });
    if (!bad) continue;
    const std::string& col = dc.table->columns[dc.column].name;
    if (check == nullptr)
      fail(sqlstate::kNotNullViolation,
           "column \"" + col + "\" of table \"" + dc.table->name + "\" contains null values");
    fail(sqlstate::kCheckViolation, "column \"" + col + "\" of table \"" + dc.table->name +
                                        "\" contains values that violate the new constraint");
  }
}

}  // namespace

static std::string create_domain_here(const PgQuery__CreateDomainStmt* s, ExecContext& cx);

std::string create_domain(const PgQuery__CreateDomainStmt* s, ExecContext& cx) {
  try {
    return create_domain_here(s, cx);
  } catch (SqlError& e) {
    e.error().position = 0;  // PostgreSQL points at nothing in CREATE DOMAIN's errors
    throw;
  }
}

static std::string create_domain_here(const PgQuery__CreateDomainStmt* s, ExecContext& cx) {
  QualifiedName q = qualified_name(s->domainname, s->n_domainname);
  PgQuery__RangeVar rv = PG_QUERY__RANGE_VAR__INIT;
  rv.schemaname = const_cast<char*>(q.schema.c_str());
  rv.relname = const_cast<char*>(q.name.c_str());
  rv.location = -1;
  const Oid ns = creation_schema(cx, &rv);
  wait_for_uncommitted_create(cx, NewObject::kType, q.name, 0, ns);
  if (type_exists(cx, ns, q.name) || cx.catalog.find_table_in(ns, q.name))
    fail(sqlstate::kDuplicateObject, "type \"" + q.name + "\" already exists");
  types::DomainType d;
  d.name = q.name;
  d.namespace_oid = ns;
  d.schema_name = cx.catalog.schema_name(ns);
  d.owner = current_user(cx);
  d.base =
      bind::resolve_type_name(s->type_name, session_search_path(cx.catalog, cx.session).schemas);
  refuse_composite_column(d.base, d.name);
  bool saw_null = false, saw_not_null = false, saw_default = false;
  for (size_t i = 0; i < s->n_constraints; ++i) {
    const auto* c = s->constraints[i]->constraint;
    switch (c->contype) {
      case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
      case PG_QUERY__CONSTR_TYPE__CONSTR_NULL: {
        const bool not_null = c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL;
        if ((not_null && saw_null) || (!not_null && saw_not_null))
          fail(sqlstate::kSyntaxError, "conflicting NULL/NOT NULL constraints");
        (not_null ? saw_not_null : saw_null) = true;
        d.not_null = not_null;
        break;
      }
      case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT: {
        if (saw_default) fail(sqlstate::kSyntaxError, "multiple default expressions");
        saw_default = true;
        d.default_expr = parse::deparse_expr(c->raw_expr);
        catalog::Table none;
        bind::bind_table_expr(cx.catalog, none, d.default_expr, &d.base);
        break;
      }
      case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
        d.checks.push_back(make_check(cx, d, c));
        break;
      case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
        fail("42P16", "unique constraints not possible for domains");
      case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
        fail("42P16", "primary key constraints not possible for domains");
      case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION:
        fail("42P16", "exclusion constraints not possible for domains");
      case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
        fail("42P16", "foreign key constraints not possible for domains");
      default:
        fail(sqlstate::kFeatureNotSupported,
             "specifying constraint deferrability not supported for domains");
    }
  }
  cx.catalog.store_domain(std::move(d), &cx.txn);
  return "CREATE DOMAIN";
}

std::string alter_domain(const PgQuery__AlterDomainStmt* s, ExecContext& cx) {
  QualifiedName q = qualified_name(s->type_name, s->n_type_name);
  auto current = named_domain(cx, q, false);
  // Another transaction's ALTER or DROP of it is waited for: the change builds on what it left.
  lock_object_for_change(cx, current->oid, q.name);
  current = named_domain(cx, q, false);
  require_owner(cx, current->owner, "type", current->name);
  types::DomainType d = *current;
  const char sub = s->subtype && *s->subtype ? s->subtype[0] : 0;
  switch (sub) {
    case 'T':  // SET DEFAULT expr / DROP DEFAULT
      d.default_expr = s->def ? parse::deparse_expr(s->def) : "";
      if (!d.default_expr.empty()) {
        catalog::Table none;
        bind::bind_table_expr(cx.catalog, none, d.default_expr, &d.base);
      }
      break;
    case 'N':  // DROP NOT NULL
      d.not_null = false;
      break;
    case 'O':  // SET NOT NULL
      if (!d.not_null) validate_columns(cx, d, nullptr);
      d.not_null = true;
      break;
    case 'C': {  // ADD CONSTRAINT
      const auto* c = s->def ? s->def->constraint : nullptr;
      if (c == nullptr) fail(sqlstate::kFeatureNotSupported, "unsupported ALTER DOMAIN command");
      if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL) {
        if (!d.not_null) validate_columns(cx, d, nullptr);
        d.not_null = true;
        break;
      }
      if (c->contype != PG_QUERY__CONSTR_TYPE__CONSTR_CHECK)
        fail("42P16", c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE
                          ? "unique constraints not possible for domains"
                      : c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY
                          ? "primary key constraints not possible for domains"
                      : c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN
                          ? "foreign key constraints not possible for domains"
                          : "exclusion constraints not possible for domains");
      types::DomainCheck check = make_check(cx, d, c);
      if (!c->skip_validation) {
        auto bound = bind::bind_table_expr(cx.catalog, value_row(d), check.expr, nullptr);
        validate_columns(cx, d, bound.get());
      }
      d.checks.push_back(std::move(check));
      break;
    }
    case 'X': {  // DROP CONSTRAINT name
      const std::string name = s->name ? s->name : "";
      auto it = std::find_if(d.checks.begin(), d.checks.end(),
                             [&](const types::DomainCheck& c) { return c.name == name; });
      if (it == d.checks.end()) {
        if (s->missing_ok) {
          send_notice(cx, "constraint \"" + name + "\" of domain \"" + d.name +
                              "\" does not exist, skipping");
          return "ALTER DOMAIN";
        }
        fail(sqlstate::kUndefinedObject,
             "constraint \"" + name + "\" of domain \"" + d.name + "\" does not exist");
      }
      d.checks.erase(it);
      break;
    }
    case 'V':  // VALIDATE CONSTRAINT: every constraint is validated when added
      break;
    default:
      fail(sqlstate::kFeatureNotSupported, "unsupported ALTER DOMAIN command");
  }
  cx.catalog.store_domain(std::move(d), &cx.txn);
  return "ALTER DOMAIN";
}

std::string drop_domains(const PgQuery__DropStmt* s, ExecContext& cx) {
  const bool cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
  std::vector<types::DomainTypePtr> doomed;
  for (size_t i = 0; i < s->n_objects; ++i) {
    const PgQuery__Node* obj = s->objects[i];
    if (obj->node_case != PG_QUERY__NODE__NODE_TYPE_NAME)
      fail(sqlstate::kFeatureNotSupported, "DROP DOMAIN of this object is not supported");
    QualifiedName q = qualified_name(obj->type_name->names, obj->type_name->n_names);
    auto d = named_domain(cx, q, true);
    if (d) {  // a concurrent drop: waited for, and then it is gone if it committed
      lock_object_for_change(cx, d->oid, q.name);
      d = named_domain(cx, q, true);
    }
    if (!d) {
      if (!s->missing_ok) {
        // A type that exists but is no domain: PostgreSQL's 42809.
        const auto path = session_search_path(cx.catalog, cx.session);
        if (cx.catalog.find_enum(q.schema, q.name, path) ||
            cx.catalog.find_composite(q.schema, q.name, path))
          fail(sqlstate::kWrongObjectType, "\"" + q.written() + "\" is not a domain");
        if (const auto* ti = q.schema.empty() || q.schema == "pg_catalog"
                                 ? types::find_type_by_name(q.name)
                                 : nullptr)
          fail(sqlstate::kWrongObjectType,
               "\"pg_catalog." + std::string(ti->name) + "\" is not a domain");
        fail(sqlstate::kUndefinedObject, "type \"" + q.written() + "\" does not exist");
      }
      send_notice(cx, "type \"" + q.written() + "\" does not exist, skipping");
      continue;
    }
    require_owner(cx, d->owner, "type", d->name);
    doomed.push_back(d);
  }
  for (const auto& d : doomed) {
    std::string detail;
    for (const auto& dc : columns_of(cx, d->oid))
      detail += (detail.empty() ? "" : "\n") + std::string("column ") +
                dc.table->columns[dc.column].name + " of " + dc.table->kind_name() + " " +
                relation_display_name(cx, *dc.table) + " depends on type " + d->display_name();
    if (detail.empty()) continue;
    if (cascade)
      fail(sqlstate::kFeatureNotSupported,
           "DROP DOMAIN ... CASCADE of a domain that columns use is not supported");
    fail(sqlstate::kDependentObjectsStillExist,
         "cannot drop type " + d->display_name() + " because other objects depend on it", detail,
         "Use DROP ... CASCADE to drop the dependent objects too.");
  }
  for (const auto& d : doomed) cx.catalog.drop_domain(d->oid, &cx.txn);
  return "DROP DOMAIN";
}

}  // namespace hf::sql::exec
