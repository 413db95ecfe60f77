// sql/types/enum_types.h — user-defined enum types (CREATE TYPE ... AS ENUM) as the type layer
// sees them: the registry that lets a type oid the catalog handed out resolve to its labels.
//
// Owns: the process-wide registry of enum types (EnumRegistry, reached through enum_types()).
// The catalog (catalog/catalog.h), which stores the definitions durably, fills it at load()
// and on every CREATE/ALTER/DROP TYPE; this layer only reads it, so sql/types does not depend
// on the catalog. find_type(), format_type(), the I/O functions, compare(), hash() and the
// key and row codecs consult it for oids that are not built-in.
//
// Representation: an enum value is a Datum holding its label (std::string). Values order by
// the label's sort order (pg_enum.enumsortorder), which never changes once the label exists
// (ALTER TYPE ... ADD VALUE BEFORE/AFTER picks a number between its neighbours), so index
// keys, which encode the sort order, stay valid as labels are added. Rows store the label.
//
// What differs from PostgreSQL: oids of user types are process-wide keys here, so two catalogs
// in one process (tests) must not both define an enum of the same oid at the same time; a
// Catalog erases its own entries when it is destroyed.
//
// Thread safety: all methods are thread-safe (a reader-writer lock; readers get immutable
// snapshots). Never suspends.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/datum.h"
#include "sql/types/type_info.h"

namespace hf::sql::types {

// Oids below PostgreSQL's FirstNormalObjectId are built in; user types start there.
inline constexpr Oid kFirstUserTypeOid = 16384;

struct EnumLabel {
  Oid oid = 0;            // pg_enum.oid
  double sort_order = 0;  // pg_enum.enumsortorder
  std::string label;      // pg_enum.enumlabel
  // Nonzero while the transaction (this id) whose ALTER TYPE ... ADD VALUE made the label has
  // not committed: the label may not be used yet (check_usable_label). Not stored: a label
  // read back at load() is committed.
  uint64_t pending_txn = 0;
};

struct EnumType {
  Oid oid = 0;
  Oid array_oid = 0;  // the type of its arrays (_name)
  Oid namespace_oid = 0;
  std::string schema_name;  // the schema's name (for qualified lookup and display)
  std::string name;
  Oid owner = 0;
  std::vector<EnumLabel> labels;  // in sort order

  // The label's sort order; nullopt when the type has no such label.
  std::optional<double> sort_order_of(std::string_view label) const;
  // The label whose sort order is exactly `order`; nullptr if none.
  const EnumLabel* label_at(double order) const;
  // How format_type() shows it: bare in schema public, else "schema.name".
  std::string display_name() const;
};
using EnumTypePtr = std::shared_ptr<const EnumType>;

class EnumRegistry {
 public:
  // Adds or replaces the definition with t->oid.
  void put(EnumTypePtr t);
  // Removes the type with this oid; with only_if, only when that is the definition registered
  // (a catalog going away leaves another catalog's type of the same oid alone).
  void erase(Oid oid, const EnumType* only_if = nullptr);
  // By the enum's oid; nullptr if it is not an enum.
  EnumTypePtr find(Oid oid) const;
  // By the oid of its array type; nullptr if none.
  EnumTypePtr find_by_array(Oid array_oid) const;
  // By name: in the schema named `schema` when it is not empty, else the first of
  // search_schemas (oids, in order) that has one of that name.
  EnumTypePtr find(std::string_view schema, std::string_view name,
                   const std::vector<Oid>& search_schemas) const;
  std::vector<EnumTypePtr> all() const;
  // The pg_type row of an enum or of its array type; nullptr if neither. The pointer stays
  // valid for the life of the process (entries are kept after a drop).
  const TypeInfo* type_info(Oid oid) const;

 private:
  mutable std::shared_mutex mu_;
  std::map<Oid, EnumTypePtr> by_oid_;
  std::map<Oid, Oid> array_to_elem_;
  // TypeInfo rows and the names they point at, never freed (see type_info()).
  struct Row {
    std::string name;
    TypeInfo info;
  };
  std::map<Oid, std::unique_ptr<Row>> rows_;
  std::vector<std::unique_ptr<Row>> retired_;  // rows of names types had before a rename
};

EnumRegistry& enum_types();

// Convenience: the enum with this oid (nullptr if `oid` is not an enum type).
inline EnumTypePtr find_enum(Oid oid) {
  return enum_types().find(oid);
}

// The enum input function: the label if the type has it, else 22P02 "invalid input value for
// enum t: \"x\"". A label added by a transaction that has not committed is refused as
// check_usable_label refuses it.
Datum enum_from_text(const EnumType& t, std::string_view s);

// Throws PostgreSQL 15's 55P04 "unsafe use of new value" (with its hint) when label l was added
// by ALTER TYPE ... ADD VALUE in a transaction that has not committed yet. PostgreSQL refuses
// it in the adding transaction (values must be committed before use) and other transactions do
// not see it; holdfast's enum definitions are process-wide, so every session is refused the
// label until it commits (another session gets 55P04 where PostgreSQL says 22P02, and
// enum_range() fails there rather than leaving the label out). The enum input function and
// enum_first/enum_last/enum_range check it, as PostgreSQL's check_safe_enum_use does.
void check_usable_label(const EnumType& t, const EnumLabel& l);

}  // namespace hf::sql::types
