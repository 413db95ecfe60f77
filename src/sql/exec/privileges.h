// sql/exec/privileges.h — privilege checks with PostgreSQL 15's rules and messages (42501).
//
// What each statement needs, as PostgreSQL's parser marks its range table and ExecCheckRTPerms
// checks it before the executor runs:
//   - every table read (FROM, JOIN, subqueries, WITH): SELECT;
//   - a table locked by FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE: SELECT and UPDATE
//     (PostgreSQL 15: UPDATE only; DELETE or TRUNCATE do not do, as they do for LOCK TABLE);
//   - INSERT: INSERT, plus SELECT when RETURNING reads columns or ON CONFLICT names a target,
//     plus UPDATE for ON CONFLICT DO UPDATE;
//   - UPDATE: UPDATE, plus SELECT when WHERE, SET expressions, FROM or RETURNING read columns;
//   - DELETE: DELETE, plus SELECT when WHERE, USING or RETURNING read columns;
//   - COPY FROM: INSERT; TRUNCATE: TRUNCATE;
//   - LOCK TABLE ... IN ACCESS SHARE MODE: SELECT; ROW EXCLUSIVE: INSERT, UPDATE, DELETE or
//     TRUNCATE; every other mode: UPDATE, DELETE or TRUNCATE (PostgreSQL 15's
//     LockTableAclCheck);
//   - pg_authid (and the pg_shadow view over it): superusers only.
// DDL on a table (DROP, ALTER, CREATE INDEX, GRANT without grant options) needs ownership:
// "must be owner of table t"; CREATE TABLE needs CREATE on schema public. Superusers pass
// every check. Only table-level privileges exist (no column privileges).
//
// Thread safety: as the executor (one session's fiber). Never suspends.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "sql/exec/exec_internal.h"

namespace hf::sql::exec {

// The role statements run as (SET ROLE changes it) and whether it is a superuser.
Oid current_user(ExecContext& cx);
bool current_user_is_superuser(ExecContext& cx);

// 42501 "permission denied for table t" unless the current user holds every privilege of
// all_of and, when any_of is not 0, at least one of any_of.
void require_table_privileges(ExecContext& cx, const catalog::Table& t, uint32_t all_of,
                              uint32_t any_of = 0);
// 42501 "must be owner of <kind> <name>" unless the current user has the owner's privileges.
void require_owner(ExecContext& cx, Oid owner, const char* kind, const std::string& name);
// 42501 "permission denied for schema public" unless the current user holds priv on it.
// location: the statement position to report (-1: none).
void require_public_schema(ExecContext& cx, uint32_t priv, int location);

// Row-level security (ALTER TABLE ... ENABLE ROW LEVEL SECURITY): holdfast has no policies,
// so on a table with it enabled PostgreSQL's default deny applies — whether it hides every
// row from the current user: true unless the user is a superuser, has BYPASSRLS or has the
// owner's privileges. Reads then see no rows (scan_table) and INSERT fails with 42501 "new
// row violates row-level security policy" (Writer::insert). What differs from PostgreSQL:
// FORCE ROW LEVEL SECURITY is stored but does not subject the owner, and the row_security
// setting is not consulted.
bool row_security_hides(ExecContext& cx, const catalog::Table& t);

// The table privileges a bound statement needs (the rules above), checked at once.
void check_statement_privileges(const bind::BoundStatement& stmt, ExecContext& cx);
// nextval (USAGE or UPDATE), currval (SELECT or USAGE), setval (UPDATE) on a sequence:
// 42501 "permission denied for sequence s".
void check_sequence_privilege(ExecContext& cx, Oid sequence, const std::string& function);
// LOCK TABLE's per-mode rule. mode: coord::table_mode.
void check_lock_table_privilege(ExecContext& cx, const catalog::Table& t, uint8_t mode);

// CREATE / ALTER / DROP ROLE, GRANT / REVOKE (on tables, schema public, and of roles), ALTER
// ROLE ... RENAME (exec/role_stmts.cc). Returns the command tag.
std::string run_role_statement(const PgQuery__Node* node, ExecContext& cx);
// ALTER TABLE ... OWNER TO (PostgreSQL's ATExecChangeOwner rules). Returns the new definition.
catalog::Table with_new_owner(const catalog::Table& t, const PgQuery__RoleSpec* new_owner,
                              ExecContext& cx);
// ALTER SEQUENCE (or ALTER TABLE) ... OWNER TO of a sequence, by the same rules.
catalog::Sequence with_new_owner(const catalog::Sequence& s, const PgQuery__RoleSpec* new_owner,
                                 ExecContext& cx);

// The functions about roles and privileges: current_user, session_user, pg_get_userbyid,
// has_table_privilege, has_schema_privilege. nullopt: not one of them.
std::optional<Datum> role_function(const std::string& name, const std::vector<Datum>& args,
                                   const std::vector<TypeRef>& arg_types, ExecContext& cx);

// Privilege names of has_table_privilege / GRANT ("select", "insert", ... "all privileges");
// 0 when unknown.
uint32_t table_privilege_bit(const std::string& lower_name);

}  // namespace hf::sql::exec
