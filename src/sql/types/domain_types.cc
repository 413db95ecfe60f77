// sql/types/domain_types.cc — see domain_types.h.
#include "sql/types/domain_types.h"

#include <atomic>
#include <mutex>

#include "sql/types/composite_visibility.h"
#include "sql/types/named_types.h"
#include "sql/types/uncommitted_domains.h"

namespace hf::sql::types {

namespace {
constexpr Oid kPublicNamespaceOid = 2200;  // pg_namespace's public
}  // namespace

std::string DomainType::display_name() const {
  if (namespace_oid == kPublicNamespaceOid || schema_name.empty()) return name;
  return schema_name + "." + name;
}

namespace {
std::mutex uncommitted_mu;
std::atomic<bool> any_uncommitted{false};
std::map<Oid, UncommittedDomain>& uncommitted() {  // uncommitted_mu
  static auto* m = new std::map<Oid, UncommittedDomain>;
  return *m;
}

// t, or the uncommitted definition of it that the calling fiber sees.
DomainTypePtr as_seen(DomainTypePtr t) {
  if (!t || !any_uncommitted.load(std::memory_order_acquire)) return t;
  auto u = uncommitted_domain(t->oid);
  return u && u->visible && u->visible() ? u->definition : t;
}
}  // namespace

void set_uncommitted_domain(Oid oid, std::optional<UncommittedDomain> u) {
  std::lock_guard g(uncommitted_mu);
  if (u)
    uncommitted()[oid] = std::move(*u);
  else
    uncommitted().erase(oid);
  any_uncommitted.store(!uncommitted().empty(), std::memory_order_release);
}

std::optional<UncommittedDomain> uncommitted_domain(Oid oid) {
  std::lock_guard g(uncommitted_mu);
  auto it = uncommitted().find(oid);
  if (it == uncommitted().end()) return std::nullopt;
  return it->second;
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
  DomainTypePtr t;
  {
    std::shared_lock lk(mu_);
    auto it = by_oid_.find(oid);
    if (it != by_oid_.end()) t = it->second;
  }
  return as_seen(std::move(t));
}

DomainTypePtr DomainRegistry::find(std::string_view schema, std::string_view name,
                                   const std::vector<Oid>& search_schemas) const {
  DomainTypePtr t;
  {
    std::shared_lock lk(mu_);
    t = find_named_type(by_oid_, schema, name, search_schemas);
  }
  return as_seen(std::move(t));
}

std::vector<DomainTypePtr> DomainRegistry::all() const {
  std::vector<DomainTypePtr> out;
  {
    std::shared_lock lk(mu_);
    for (const auto& [oid, t] : by_oid_)
      if (visible_by_name(oid)) out.push_back(t);
  }
  for (auto& t : out) t = as_seen(std::move(t));
  return out;
}

DomainRegistry& domain_types() {
  static DomainRegistry registry;
  return registry;
}

}  // namespace hf::sql::types
