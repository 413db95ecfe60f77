// sql/bind/binder.h — parse trees to bound statements (names, types, parameters).
//
// Owns: name resolution against the catalog (42P01 / 42703 / 42702 with PostgreSQL's
// texts), type checking and implicit casts (42804 / 42883), parameter type inference
// ($n takes the type its context asks for; unknown → text, as PostgreSQL does), grouping
// rules (42803) and the result shape of every statement. DDL statements are checked at
// execution (they only keep their parse node here). A bare name in ORDER BY is an output
// column's name before an input column, in GROUP BY after this level's input columns
// (PostgreSQL's SQL92 rule; 42702 "ORDER BY \"x\" is ambiguous"). INSERT ... ON CONFLICT's
// arbiter is chosen here: the constraint ON CONSTRAINT names, or the primary key / unique
// index the conflict target's columns and expressions infer (a partial one only when the
// target's WHERE implies its predicate).
//
// Thread safety: a Binder is used by one thread for one statement; the catalog is read
// through its thread-safe snapshots. Never suspends.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "sql/bind/bound.h"

namespace hf::sql::bind {

// Names by which a routine's body refers to its parameters (issue 13): a column reference
// that names no column in scope and matches names[i] (alone, or qualified as
// "qualifier.name", or names[i] itself containing the dot, e.g. a PL/pgSQL record field
// "rec.f") is the parameter $i+1. Columns win over parameters, as in SQL functions.
struct ParamNames {
  std::vector<std::string> names;  // per $n; empty entries: unnamed
  std::string qualifier;           // the function's name
};

// Binds one statement. params: in: the client's types (0 = infer); out: every $n's type.
BoundStatement bind_statement(catalog::Catalog& catalog, const PgQuery__Node* stmt,
                              std::vector<Oid>& params, uint64_t temp_namespace = 0,
                              const ParamNames* param_names = nullptr);
// The same, looking up unqualified names along `path` (the session's search path).
BoundStatement bind_statement(catalog::Catalog& catalog, const PgQuery__Node* stmt,
                              std::vector<Oid>& params, const catalog::SearchPath& path,
                              const ParamNames* param_names = nullptr);

// Binds a stored expression (DEFAULT, CHECK, index key) over a row of `table`; with a
// target type, coerces to it in assignment context.
ExprPtr bind_table_expr(catalog::Catalog& catalog, const catalog::Table& table,
                        const std::string& text, const TypeRef* target);
// A partial index's predicate (CREATE INDEX ... WHERE) as parsed, over a row of `table`:
// PostgreSQL's errors for it, at their place in the statement (42804 when not boolean).
ExprPtr bind_index_predicate(catalog::Catalog& catalog, const catalog::Table& table,
                             const PgQuery__Node* predicate);

// A view's query bound as a read of the view binds it (sql/exec prints it: pg_get_viewdef).
std::shared_ptr<SelectPlan> bind_view(catalog::Catalog& catalog, const catalog::Table& view);

// Why a view is not automatically updatable, as PostgreSQL's DETAIL says it ("Views containing
// DISTINCT are not automatically updatable."); empty when it is (one base table or view, no
// DISTINCT / GROUP BY / HAVING / set operation / WITH / LIMIT / aggregates / window or
// set-returning functions).
std::string view_update_refusal(catalog::Catalog& catalog, const catalog::Table& view);

// A qualified name as regclass input and to_regclass read it ('t', 'S.t', '"My T".x'): parts
// split at dots outside double quotes, unquoted parts folded to lower case, "" inside quotes a
// quote. Throws 42602 "invalid name syntax".
std::vector<std::string> qualified_name_list(const std::string& text);
// The relation (table, view, sequence or index) such a name denotes, looked up in its schema
// or along `path`: its oid, or 0 when there is none. Throws 42602 for a bad name, and for more
// than two parts 0A000 (cross-database references).
Oid relation_oid_by_name(const catalog::Catalog& catalog, const std::string& text,
                         const catalog::SearchPath& path);

// The type a TypeName denotes: built in, or an enum type in the schema it names or else along
// search_schemas (the session's search path). Throws 42704 'type "x" does not exist'.
TypeRef resolve_type_name(const PgQuery__TypeName* tn,
                          const std::vector<Oid>& search_schemas = {catalog::kPublicNamespaceId});
// The last name of a TypeName ("serial", "int4", ...), lower case.
std::string type_name_of(const PgQuery__TypeName* tn);
// The domain a type name denotes (not an array of it), or nullptr (bind/domains.cc).
types::DomainTypePtr domain_of_type_name(const PgQuery__TypeName* tn,
                                         const std::vector<Oid>& search_schemas);
// value (of d's base type) checked against domain d when evaluated: a kDomainCheck.
ExprPtr domain_check(catalog::Catalog& catalog, const types::DomainTypePtr& d, ExprPtr value);

// Virtual pg_catalog / information_schema tables the executor fills (nullptr if not one).
catalog::TablePtr virtual_table(std::string_view schema, std::string_view name);
// The oids PostgreSQL 15 gives the system catalogs clients name as regclass
// ('pg_catalog.pg_class'::regclass in psql's pg_depend queries); 0 / "" for others.
Oid system_catalog_oid(std::string_view name);
std::string system_catalog_name(Oid oid);

}  // namespace hf::sql::bind
