// sql/exec/domain_stmts.h — CREATE DOMAIN, ALTER DOMAIN and DROP DOMAIN.
//
// Promises PostgreSQL 15's behaviour and messages: 42710 for an existing type, 42601 for
// conflicting NULL / NOT NULL or several defaults, 42P16 for the constraints a domain cannot
// have (UNIQUE, PRIMARY KEY, FOREIGN KEY, EXCLUDE), 42804 for a CHECK that is not boolean,
// 42704 for a missing domain or constraint, 2BP01 for DROP DOMAIN of a domain columns use;
// ALTER DOMAIN ADD CONSTRAINT / SET NOT NULL check the rows of the columns of the domain
// first (23514 / 23502 naming the column). DROP DOMAIN ... CASCADE of a domain that columns
// use (which would drop the columns) is refused with 0A000. Definitions go through the
// catalog (catalog.h, "Domains"), which undoes them when the transaction rolls back.
//
// Thread safety: as the executor (one session's fiber). Every statement MAY SUSPEND.
#pragma once

#include <string>

#include "sql/exec/exec_internal.h"

namespace hf::sql::exec {

// Each returns the command tag.
std::string create_domain(const PgQuery__CreateDomainStmt* s, ExecContext& cx);
std::string alter_domain(const PgQuery__AlterDomainStmt* s, ExecContext& cx);
std::string drop_domains(const PgQuery__DropStmt* s, ExecContext& cx);

}  // namespace hf::sql::exec
