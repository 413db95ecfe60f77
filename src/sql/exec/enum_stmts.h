// sql/exec/enum_stmts.h — CREATE TYPE ... AS ENUM, ALTER TYPE ... ADD VALUE and DROP TYPE.
//
// (and ALTER TYPE ... RENAME TO). Promises PostgreSQL 15's behaviour and messages: 42710 for an
// existing type or label, 42602 for a label longer than 63 bytes, 42704 for a missing type, 22023
// for a missing neighbour label, 42809 for ALTER TYPE on a type that is not an enum, 2BP01 for DROP
// TYPE of a type a column uses (with PostgreSQL's DETAIL and HINT). DROP TYPE ... CASCADE of a type
// a column uses (which would drop the column) and ALTER TYPE ... RENAME VALUE are refused with
// 0A000. Definitions go through the catalog (catalog.h, "Enum types"), which undoes them when the
// statement's transaction rolls back.
//
// Thread safety: as the executor (one session's fiber). Every statement MAY SUSPEND (catalog
// commits).
#pragma once

#include <string>

#include "sql/exec/exec_internal.h"

namespace hf::sql::exec {

// Each returns the command tag.
std::string create_enum(const PgQuery__CreateEnumStmt* s, ExecContext& cx);
std::string alter_enum(const PgQuery__AlterEnumStmt* s, ExecContext& cx);
// DROP TYPE of enums and of composite types (2BP01 when columns, composite fields or
// functions use a composite type).
std::string drop_types(const PgQuery__DropStmt* s, ExecContext& cx);
// CREATE TYPE name AS (field type, ...): a standalone composite type (catalog.h, "Row types").
std::string create_composite_type(const PgQuery__CompositeTypeStmt* s, ExecContext& cx);
// Table columns of a composite type (or an array of one) cannot be stored yet (the row codec
// has no encoding for them): 0A000 naming the column.
void refuse_composite_column(const TypeRef& type, const std::string& column);
// ALTER TYPE name ALTER ATTRIBUTE f TYPE t (the only ALTER of a composite type so far; no
// typed tables exist, so no rows need rewriting).
std::string alter_composite_type(const PgQuery__AlterTableStmt* s, ExecContext& cx);
// ALTER TYPE name RENAME TO new_name.
std::string rename_enum(const PgQuery__RenameStmt* s, ExecContext& cx);

// A new table or view named `name` in schema ns would take the name of its row type, which an
// enum type of that name already has: 42710 'type "name" already exists' with PostgreSQL's HINT.
void refuse_row_type_clash(ExecContext& cx, Oid ns, const std::string& name);

// Whether a type (enum, standalone composite, domain) named `name` in schema ns exists for the
// calling session. A new type of that name first waits for another transaction's uncommitted
// creation of one (wait_for_uncommitted_create, NewObject::kType).
bool type_exists(ExecContext& cx, Oid ns, const std::string& name);

}  // namespace hf::sql::exec
