// sql/exec/ddl_names.h — small helpers the type statements (enum_stmts.cc, domain_stmts.cc)
// share: reading a possibly qualified name from the parse tree and failing with PostgreSQL's
// error fields.
#pragma once

#include <pg_query/pg_query.pb-c.h>

#include <string>
#include <utility>

#include "common/error.h"

namespace hf::sql::exec::ddl_names {

[[noreturn]] inline void fail(const char* state, const std::string& msg,
                              const std::string& detail = {}, const std::string& hint = {}) {
  Error e;
  e.sqlstate = state;
  e.message = msg;
  e.detail = detail;
  e.hint = hint;
  throw SqlError(std::move(e));
}

// A String node's text; "" for anything else (or null).
inline std::string str_of(const PgQuery__Node* n) {
  if (n && n->node_case == PG_QUERY__NODE__NODE_STRING) return n->string->sval;
  return "";
}

// A possibly qualified name given as a list of String nodes: {schema, name}.
struct QualifiedName {
  std::string schema;
  std::string name;
  std::string written() const { return schema.empty() ? name : schema + "." + name; }
};

inline QualifiedName qualified_name(PgQuery__Node* const* names, size_t n) {
  QualifiedName q;
  if (n == 0) return q;
  q.name = str_of(names[n - 1]);
  if (n >= 2) q.schema = str_of(names[n - 2]);
  return q;
}

}  // namespace hf::sql::exec::ddl_names
