// sql/exec/schemas.h — schemas in utility statements: CREATE SCHEMA, DROP SCHEMA, and the
// name resolution every DDL statement shares (which table a possibly schema-qualified name
// means, which schema a new relation goes to, how a relation is named in a message).
//
// Promises PostgreSQL 15's behaviour and messages: 42P06 for an existing schema, 42939 for a
// pg_ name, 3F000 for a missing schema named explicitly ("schema \"x\" does not exist") or an
// empty search path ("no schema has been selected to create in"), 2BP01 for DROP SCHEMA
// RESTRICT of a schema that holds objects (with the DETAIL list of what depends on it), and
// the NOTICE of DROP SCHEMA CASCADE listing what it drops. Relations are named qualified
// ("s.t") in those lists when the session's search path does not find them by their bare name,
// as PostgreSQL's getObjectDescription does.
//
// Thread safety: as the executor (one session's fiber). CREATE/DROP SCHEMA MAY SUSPEND
// (catalog commits).
#pragma once

#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "sql/exec/exec_internal.h"

namespace hf::sql::exec {

// The table a utility statement names: unqualified along the session's search path, "pg_temp"
// among its temporary tables, otherwise in the schema named. Throws 3F000 when the schema
// named does not exist (PostgreSQL's LookupExplicitNamespace); nullptr when the table does not.
catalog::TablePtr utility_table(ExecContext& cx, const PgQuery__RangeVar* rv);
// The same for an index name ([schema.]index), returning the table that has it.
catalog::TablePtr utility_index_table(ExecContext& cx, const std::string& schema,
                                      const std::string& name);
// The schema a new permanent relation named by rv goes to: its schema, or the first schema of
// the search path; checks the current user may create there (42501). location: rv's.
Oid creation_schema(ExecContext& cx, const PgQuery__RangeVar* rv);
// The same for an object named [schema.]name (a function): `schema` empty takes the path's first.
Oid creation_schema(ExecContext& cx, const std::string& schema, int location);
// t's name as an object description shows it (quote_identifier on each part): bare when
// the search path finds t by it, else "s.t".
std::string relation_display_name(ExecContext& cx, const catalog::Table& t);

// CREATE SCHEMA and DROP SCHEMA. Return the command tag.
std::string create_schema(const PgQuery__CreateSchemaStmt* s, ExecContext& cx);
std::string drop_schemas(const PgQuery__DropStmt* s, ExecContext& cx);

}  // namespace hf::sql::exec
