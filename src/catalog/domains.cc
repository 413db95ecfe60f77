// catalog/domains.cc — domains: storage in hf_types (kind "d") and the mirror in sql/types'
// DomainRegistry (see "Domains" in catalog.h).
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "catalog/pending_mark.h"
#include "common/error.h"
#include "sql/types/uncommitted_domains.h"

namespace hf::catalog {

using json = nlohmann::json;
using sql::types::DomainType;
using sql::types::DomainTypePtr;

namespace {

std::string domain_key(Oid oid) {
  std::string k;
  for (int i = 3; i >= 0; --i) k.push_back(static_cast<char>((oid >> (i * 8)) & 0xff));
  return k;
}

json domain_to_json(const DomainType& t) {
  json checks = json::array();
  for (const auto& c : t.checks)
    checks.push_back({{"name", c.name}, {"expr", c.expr}, {"oid", c.oid}});
  return {{"kind", "d"},
          {"oid", t.oid},
          {"array_oid", t.array_oid},
          {"namespace", t.namespace_oid},
          {"name", t.name},
          {"owner", t.owner},
          {"base", t.base.oid},
          {"typmod", t.base.typmod},
          {"default", t.default_expr},
          {"not_null", t.not_null},
          {"checks", std::move(checks)}};
}

DomainType domain_from_json(const json& j) {
  DomainType t;
  t.oid = j.at("oid").get<Oid>();
  t.array_oid = j.value("array_oid", Oid{0});
  t.namespace_oid = j.value("namespace", kPublicNamespaceId);
  t.name = j.at("name").get<std::string>();
  t.owner = j.value("owner", kBootstrapSuperuserId);
  t.base = TypeRef{j.at("base").get<Oid>(), j.value("typmod", -1)};
  t.default_expr = j.value("default", std::string());
  t.not_null = j.value("not_null", false);
  for (const auto& c : j.at("checks"))
    t.checks.push_back(
        {c.at("name").get<std::string>(), c.at("expr").get<std::string>(), c.value("oid", Oid{0})});
  return t;
}

}  // namespace

Oid Catalog::load_domain(const std::string& stored, const std::map<Oid, Schema>& schemas) {
  DomainType t = domain_from_json(json::parse(stored));
  Oid max_oid = std::max(t.oid, t.array_oid);
  for (const auto& c : t.checks) max_oid = std::max(max_oid, c.oid);
  auto sc = schemas.find(t.namespace_oid);
  t.schema_name = sc != schemas.end() ? sc->second.name : schema_name(t.namespace_oid);
  auto p = std::make_shared<const DomainType>(std::move(t));
  {
    std::unique_lock lk(mu_);
    domains_[p->oid] = p;
  }
  sql::types::domain_types().put(std::move(p));
  return max_oid;
}

DomainTypePtr Catalog::store_domain(DomainType t, coord::Transaction* owner) {
  if (owner && t.oid != 0 && !creator_of(t.oid)) {
    // ALTER DOMAIN of a committed domain: every other session keeps the committed definition
    // until owner commits (sql/types/uncommitted_domains.h); the row is written by owner itself,
    // so it commits atomically with it. The caller holds ACCESS EXCLUSIVE on the domain.
    const Oid oid = t.oid;
    for (auto& c : t.checks)
      if (c.oid == 0) c.oid = allocate_oid();
    t.schema_name = schema_name(t.namespace_oid);
    auto stored = std::make_shared<const DomainType>(std::move(t));
    DomainTypePtr committed;
    {
      std::shared_lock lk(mu_);
      if (auto d = domains_.find(oid); d != domains_.end()) committed = d->second;
    }
    domain_changes_.keep(oid, std::move(committed), stored, *owner);
    // After the commit hook: a statement that waited for the lock finds the new definition.
    note_lock(oid, coord::table_mode::kAccessExclusive, *owner);
    return stored;
  }
  DomainTypePtr previous, stored;
  {
    std::lock_guard ddl(ddl_mu_);
    if (t.oid != 0) previous = sql::types::domain_types().find(t.oid);
    if (t.oid == 0) {
      t.oid = allocate_oid();
      if (owner) mark_type_created(t.oid, *owner);  // the others see it once owner commits
    }
    if (t.array_oid == 0) t.array_oid = allocate_oid();
    for (auto& c : t.checks)
      if (c.oid == 0) c.oid = allocate_oid();
    t.schema_name = schema_name(t.namespace_oid);
    write_system_row(kTypesSpace, domain_key(t.oid),
                     with_mark(domain_to_json(t), creator_of(t.oid)).dump());
    stored = std::make_shared<const DomainType>(std::move(t));
    {
      std::unique_lock lk(mu_);
      domains_[stored->oid] = stored;
    }
    sql::types::domain_types().put(stored);
    bump();
  }
  if (owner) {
    if (previous)
      owner->on_rollback([this, previous] { store_domain(*previous); });
    else
      owner->on_rollback([this, oid = stored->oid] { drop_domain(oid); });
  }
  return stored;
}

KeptAside<DomainTypePtr>::Hooks Catalog::domain_change_hooks() {
  return {[](coord::Transaction& owner, Oid oid, const DomainTypePtr& now) {
            write_own_row(owner, kTypesSpace, domain_key(oid), domain_to_json(*now).dump());
          },
          [this](Oid oid, const DomainTypePtr& now) {
            {
              std::unique_lock lk(mu_);
              domains_[oid] = now;
            }
            sql::types::domain_types().put(now);
          }};
}

std::function<void(Oid, const Aside<DomainTypePtr>*)> Catalog::mirror_domain_change() {
  return [this](Oid oid, const Aside<DomainTypePtr>* a) {
    if (!a) return sql::types::set_uncommitted_domain(oid, std::nullopt);
    auto mine = [this, txn = a->txn] {
      auto v = viewer();
      return v && *v == txn;
    };
    sql::types::set_uncommitted_domain(oid, sql::types::UncommittedDomain{a->now, a->txn, mine});
  };
}

bool Catalog::persist_domain_row(Oid oid) {
  DomainTypePtr d;
  {
    std::shared_lock lk(mu_);
    auto it = domains_.find(oid);
    if (it == domains_.end()) return false;
    d = it->second;
  }
  write_system_row(kTypesSpace, domain_key(oid),
                   with_mark(domain_to_json(*d), creator_of(oid)).dump());
  return true;
}

void Catalog::drop_domain(Oid oid, coord::Transaction* owner) {
  if (defer_drop(oid, owner, kTypesSpace, {domain_key(oid)})) return;  // at its commit
  DomainTypePtr old;
  {
    std::lock_guard ddl(ddl_mu_);
    {
      std::unique_lock lk(mu_);
      auto it = domains_.find(oid);
      if (it == domains_.end()) return;
      old = it->second;
      domains_.erase(it);
    }
    write_system_row(kTypesSpace, domain_key(oid), std::nullopt);
    sql::types::domain_types().erase(oid, old.get());
    bump();
  }
  if (owner) owner->on_rollback([this, old] { store_domain(*old); });
}

}  // namespace hf::catalog
