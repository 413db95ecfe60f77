// sql/types/enum_types.cc — see enum_types.h.
#include "sql/types/enum_types.h"

#include <mutex>

#include "sql/types/named_types.h"

#include "common/error.h"

namespace hf::sql::types {

namespace {
constexpr Oid kPublicNamespaceOid = 2200;  // pg_namespace's public
}  // namespace

std::optional<double> EnumType::sort_order_of(std::string_view label) const {
  for (const auto& l : labels)
    if (l.label == label) return l.sort_order;
  return std::nullopt;
}

const EnumLabel* EnumType::label_at(double order) const {
  for (const auto& l : labels)
    if (l.sort_order == order) return &l;
  return nullptr;
}

std::string EnumType::display_name() const {
  if (namespace_oid == kPublicNamespaceOid || schema_name.empty()) return name;
  return schema_name + "." + name;
}

void EnumRegistry::put(EnumTypePtr t) {
  std::unique_lock lk(mu_);
  auto row = [&](Oid oid, std::string name, TypeInfo info) {
    auto& r = rows_[oid];
    // find_type() callers read a row without the lock: a row is never written once made (its
    // fields follow from the oids and the name, which only a rename changes); a renamed type
    // gets a new row and the old one is kept.
    if (r && r->name == name) return;
    if (r) retired_.push_back(std::move(r));
    r = std::make_unique<Row>(Row{std::move(name), {}});
    info.name = r->name.c_str();
    r->info = info;
  };
  // pg_type: an enum is 4 bytes by value, category 'E'; its array is a varlena, category 'A'.
  row(t->oid, t->name, TypeInfo{t->oid, nullptr, 4, 'E', t->array_oid, 0, true});
  row(t->array_oid, "_" + t->name, TypeInfo{t->array_oid, nullptr, -1, 'A', 0, t->oid, false});
  array_to_elem_[t->array_oid] = t->oid;
  by_oid_[t->oid] = std::move(t);
}

void EnumRegistry::erase(Oid oid, const EnumType* only_if) {
  std::unique_lock lk(mu_);
  auto it = by_oid_.find(oid);
  if (it == by_oid_.end() || (only_if != nullptr && it->second.get() != only_if)) return;
  array_to_elem_.erase(it->second->array_oid);
  by_oid_.erase(it);
}

EnumTypePtr EnumRegistry::find(Oid oid) const {
  std::shared_lock lk(mu_);
  auto it = by_oid_.find(oid);
  return it == by_oid_.end() ? nullptr : it->second;
}

EnumTypePtr EnumRegistry::find_by_array(Oid array_oid) const {
  std::shared_lock lk(mu_);
  auto a = array_to_elem_.find(array_oid);
  if (a == array_to_elem_.end()) return nullptr;
  auto it = by_oid_.find(a->second);
  return it == by_oid_.end() ? nullptr : it->second;
}

EnumTypePtr EnumRegistry::find(std::string_view schema, std::string_view name,
                               const std::vector<Oid>& search_schemas) const {
  std::shared_lock lk(mu_);
  return find_named_type(by_oid_, schema, name, search_schemas);
}

std::vector<EnumTypePtr> EnumRegistry::all() const {
  std::shared_lock lk(mu_);
  std::vector<EnumTypePtr> out;
  for (const auto& [oid, t] : by_oid_) out.push_back(t);
  return out;
}

const TypeInfo* EnumRegistry::type_info(Oid oid) const {
  std::shared_lock lk(mu_);
  Oid elem = oid;
  if (auto a = array_to_elem_.find(oid); a != array_to_elem_.end()) elem = a->second;
  if (!by_oid_.count(elem)) return nullptr;  // dropped (or never an enum)
  auto it = rows_.find(oid);
  return it == rows_.end() ? nullptr : &it->second->info;
}

EnumRegistry& enum_types() {
  static EnumRegistry registry;
  return registry;
}

Datum enum_from_text(const EnumType& t, std::string_view s) {
  for (const auto& l : t.labels)
    if (l.label == s) {
      check_usable_label(t, l);
      return Datum(std::string(s));
    }
  throw SqlError(
      sqlstate::kInvalidTextRepresentation,
      "invalid input value for enum " + t.display_name() + ": \"" + std::string(s) + "\"");
}

void check_usable_label(const EnumType& t, const EnumLabel& l) {
  if (l.pending_txn == 0) return;
  Error e;
  e.sqlstate = "55P04";
  e.message = "unsafe use of new value \"" + l.label + "\" of enum type " + t.display_name();
  e.hint = "New enum values must be committed before they can be used.";
  throw SqlError(std::move(e));
}

}  // namespace hf::sql::types
