// sql/types/domain_types.h — domains (CREATE DOMAIN): a base type with an optional default,
// NOT NULL and CHECK constraints.
//
// Owns: the process-wide registry of domain definitions by oid and by name, which the catalog
// fills (catalog.h, "Domains") and the binder and format_type() read. Promises: a value of a
// domain is a value of its base type everywhere (storage, operators, the wire, whose
// RowDescription carries the base type's oid as PostgreSQL's does); only a cast to the domain
// and a write to a column of it check the domain's constraints (sql/bind's kDomainCheck), and
// only format_type(), pg_type, pg_attribute and pg_constraint name the domain itself.
//
// Thread safety: the registry is thread-safe; a DomainTypePtr is immutable.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/datum.h"

namespace hf::sql::types {

struct DomainCheck {
  std::string name;  // pg_constraint.conname
  std::string expr;  // SQL text over VALUE
  Oid oid = 0;       // pg_constraint.oid
};

struct DomainType {
  Oid oid = 0;
  Oid array_oid = 0;  // the type of its arrays (_name), as PostgreSQL gives every domain one
  Oid namespace_oid = 0;
  std::string schema_name;  // the schema's name (for qualified lookup and display)
  std::string name;
  Oid owner = 0;
  TypeRef base;                     // typbasetype, typtypmod
  std::string default_expr;         // SQL text; empty: none
  bool not_null = false;            // typnotnull
  Oid not_null_oid = 0;             // unused by PostgreSQL 15 (no pg_constraint row): kept 0
  std::vector<DomainCheck> checks;  // in creation order

  // How format_type() shows it: bare in schema public, else "schema.name".
  std::string display_name() const;
};
using DomainTypePtr = std::shared_ptr<const DomainType>;

class DomainRegistry {
 public:
  void put(DomainTypePtr t);  // adds or replaces the definition with t->oid
  // Removes the domain with this oid; with only_if, only when that is the definition
  // registered (as EnumRegistry::erase).
  void erase(Oid oid, const DomainType* only_if = nullptr);
  DomainTypePtr find(Oid oid) const;  // nullptr if it is not a domain
  // By name: in the schema named `schema` when it is not empty, else the first of
  // search_schemas (oids, in order) that has one of that name.
  DomainTypePtr find(std::string_view schema, std::string_view name,
                     const std::vector<Oid>& search_schemas) const;
  // Every domain the calling session may see (not another's uncommitted creation).
  std::vector<DomainTypePtr> all() const;

 private:
  mutable std::shared_mutex mu_;
  std::map<Oid, DomainTypePtr> by_oid_;
};

DomainRegistry& domain_types();

}  // namespace hf::sql::types
