// sql/types/domain_types.cc — see domain_types.h.
#include "sql/types/domain_types.h"

#include "sql/types/composite_visibility.h"

#include <mutex>

#include "sql/types/named_types.h"

namespace hf::sql::types {

namespace {
constexpr Oid kPublicNamespaceOid = 2200;  // pg_namespace's public
}  // namespace

std::string DomainType::display_name() const {
  if (namespace_oid == kPublicNamespaceOid || schema_name.empty()) return name;
  return schema_name + "." + name;
}

void DomainRegistry::put(DomainTypePtr t) {
  std::unique_lock lk(mu_);
  by_oid_[t->oid] = std::move(t);
}

void DomainRegistry::erase(Oid oid, const DomainType* only_if) {
  std::unique_lock lk(mu_);
  auto it = by_oid_.find(oid);
  if (it == by_oid_.end() || (only_if && it->second.get() != only_if)) return;
  by_oid_.erase(it);
}

DomainTypePtr DomainRegistry::find(Oid oid) const {
  std::shared_lock lk(mu_);
  auto it = by_oid_.find(oid);
  return it == by_oid_.end() ? nullptr : it->second;
}

DomainTypePtr DomainRegistry::find(std::string_view schema, std::string_view name,
                                   const std::vector<Oid>& search_schemas) const {
  std::shared_lock lk(mu_);
  return find_named_type(by_oid_, schema, name, search_schemas);
}

std::vector<DomainTypePtr> DomainRegistry::all() const {
  std::shared_lock lk(mu_);
  std::vector<DomainTypePtr> out;
  for (const auto& [oid, t] : by_oid_)
    if (visible_by_name(oid)) out.push_back(t);
  return out;
}

DomainRegistry& domain_types() {
  static DomainRegistry registry;
  return registry;
}

}  // namespace hf::sql::types
