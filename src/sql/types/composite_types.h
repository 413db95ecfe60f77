// sql/types/composite_types.h — composite (row) types as the type layer sees them: the
// registry that lets a composite type's oid resolve to its fields, and the value form.
//
// Owns: the process-wide registry of composite types (CompositeRegistry, reached through
// composite_types()). Every table and view has a row type of its own name, as in PostgreSQL;
// its oid here is the relation's oid (pg_class.reltype = pg_class.oid). The catalog
// (catalog/catalog.h) fills the registry at load() and on every CREATE/ALTER/DROP TABLE;
// this layer only reads it, so sql/types does not depend on the catalog. find_type(),
// format_type() and to_text() consult it for oids that are not built-in.
//
// Representation: a composite value is a Datum holding an ArrayPtr of its field values, in
// field order (the same form an anonymous record would take: the field types travel in the
// plan, here in the registry). A NULL composite is a NULL Datum.
//
// What differs from PostgreSQL: oids of user types are process-wide keys here (see
// enum_types.h for why two catalogs in one process must not overlap); a relation's row type
// has no array type yet (a CREATE TYPE ... AS (...) type has one).
//
// Thread safety: all methods are thread-safe (a reader-writer lock; readers get immutable
// snapshots). Never suspends.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/datum.h"
#include "sql/types/type_info.h"

namespace hf::sql::types {

class TimeZone;  // timezone.h

struct CompositeField {
  std::string name;
  TypeRef type;
};

struct CompositeType {
  Oid oid = 0;  // the type's oid: its relation's oid
  Oid namespace_oid = 0;
  std::string schema_name;
  std::string name;
  // A temporary table's row type is found by oid only, never by name (0: permanent).
  uint64_t temp_namespace = 0;
  std::vector<CompositeField> fields;
  // A type of CREATE TYPE ... AS (...) (not a relation's row type): its array type (_name;
  // 0: none, as a relation's row type has none yet) and owner.
  bool standalone = false;
  // An anonymous record's row type (bless()): its fields named as the query named them.
  bool anonymous = false;
  Oid array_oid = 0;
  Oid owner = 0;

  // How format_type() shows it: bare in schema public, else "schema.name".
  std::string display_name() const;
};
using CompositeTypePtr = std::shared_ptr<const CompositeType>;

class CompositeRegistry {
 public:
  // Adds or replaces the definition with t->oid.
  void put(CompositeTypePtr t);
  // Removes the type with this oid; with only_if, only when that is the definition registered.
  void erase(Oid oid, const CompositeType* only_if = nullptr);
  CompositeTypePtr find(Oid oid) const;
  // By name: in the schema named `schema` when it is not empty, else the first of
  // search_schemas (oids, in order) that has one of that name.
  CompositeTypePtr find(std::string_view schema, std::string_view name,
                        const std::vector<Oid>& search_schemas) const;
  // The row type of an anonymous record with these fields (a ROW(...) constructor, a whole-row
  // reference to a subquery, a PL/pgSQL record), as PostgreSQL's typmod registry blesses a
  // record's tuple descriptor: one oid per distinct field list, from kFirstRecordTypeOid on,
  // kept for the life of the process; format_type() shows it as "record".
  Oid bless(const std::vector<CompositeField>& fields);
  // The pg_type row of a composite type or of its array type; nullptr if none. Valid for the
  // life of the process.
  const TypeInfo* type_info(Oid oid) const;

 private:
  mutable std::shared_mutex mu_;
  std::map<Oid, CompositeTypePtr> by_oid_;
  std::map<Oid, Oid> array_to_elem_;
  std::map<std::string, Oid> blessed_;  // field list signature -> its record type
  Oid next_record_oid_ = 0xF0000000;
  struct Row {
    std::string name;
    TypeInfo info;
  };
  std::map<Oid, std::unique_ptr<Row>> rows_;
  std::vector<std::unique_ptr<Row>> retired_;  // rows of names types had before a rename
};

CompositeRegistry& composite_types();

inline constexpr Oid kFirstRecordTypeOid = 0xF0000000;

// Convenience: the composite type with this oid (nullptr if `oid` is not one).
inline CompositeTypePtr find_composite(Oid oid) {
  return oid < 16384 ? nullptr : composite_types().find(oid);
}

// A composite value of these fields.
Datum make_composite(std::vector<Datum> fields);

// PostgreSQL's record_out: "(1,abc,,\"a b\")" — NULL fields empty, a field quoted when it is
// empty or holds a quote, backslash, parenthesis, comma or blank.
// Fields of type timestamptz print in `zone`.
std::string composite_to_text(const std::vector<Datum>& fields,
                              const std::vector<CompositeField>& types, const TimeZone& zone);

}  // namespace hf::sql::types
