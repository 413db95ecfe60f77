// sql/types/named_types.h — how a user-defined type (enum, domain) is found by name among the
// types of one registry: in its schema when the name is qualified, else along the search path's
// schemas in order, as PostgreSQL's TypenameGetTypid looks it up. A type another transaction
// created and has not committed is not found (composite_visibility.h).
#pragma once

#include <map>
#include <string_view>
#include <vector>

#include "common/datum.h"
#include "sql/types/composite_visibility.h"

namespace hf::sql::types {

// by_oid's values are shared pointers to types with schema_name, namespace_oid and name.
template <class TypePtr>
TypePtr find_named_type(const std::map<Oid, TypePtr>& by_oid, std::string_view schema,
                        std::string_view name, const std::vector<Oid>& search_schemas) {
  if (!schema.empty()) {
    for (const auto& [oid, t] : by_oid)
      if (t->schema_name == schema && t->name == name && visible_by_name(oid)) return t;
    return nullptr;
  }
  for (Oid ns : search_schemas)
    for (const auto& [oid, t] : by_oid)
      if (t->namespace_oid == ns && t->name == name && visible_by_name(oid)) return t;
  return nullptr;
}

}  // namespace hf::sql::types
