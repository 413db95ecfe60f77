// catalog/enums.cc — enum types: storage in hf_types and the mirror in sql/types' registry
// (see "Enum types" in catalog.h).
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "catalog/pending_mark.h"

namespace hf::catalog {

using json = nlohmann::json;
using sql::types::EnumType;
using sql::types::EnumTypePtr;

namespace {

std::string type_key(Oid oid) {
  std::string k;
  for (int i = 3; i >= 0; --i) k.push_back(static_cast<char>((oid >> (i * 8)) & 0xff));
  return k;
}

json enum_to_json(const EnumType& t) {
  json labels = json::array();
  for (const auto& l : t.labels)
    labels.push_back({{"oid", l.oid}, {"sort", l.sort_order}, {"label", l.label}});
  return {{"oid", t.oid},   {"array_oid", t.array_oid}, {"namespace", t.namespace_oid},
          {"name", t.name}, {"owner", t.owner},         {"labels", std::move(labels)}};
}

EnumType enum_from_json(const json& j) {
  EnumType t;
  t.oid = j.at("oid").get<Oid>();
  t.array_oid = j.at("array_oid").get<Oid>();
  t.namespace_oid = j.value("namespace", kPublicNamespaceId);
  t.name = j.at("name").get<std::string>();
  t.owner = j.value("owner", kBootstrapSuperuserId);
  for (const auto& l : j.at("labels"))
    t.labels.push_back(
        {l.at("oid").get<Oid>(), l.at("sort").get<double>(), l.at("label").get<std::string>()});
  return t;
}

json composite_to_json(const sql::types::CompositeType& t) {
  json fields = json::array();
  for (const auto& f : t.fields)
    fields.push_back({{"name", f.name}, {"oid", f.type.oid}, {"typmod", f.type.typmod}});
  return {{"kind", "c"},
          {"oid", t.oid},
          {"array_oid", t.array_oid},
          {"namespace", t.namespace_oid},
          {"name", t.name},
          {"owner", t.owner},
          {"fields", std::move(fields)}};
}

sql::types::CompositeType composite_from_json(const json& j) {
  sql::types::CompositeType t;
  t.standalone = true;
  t.oid = j.at("oid").get<Oid>();
  t.array_oid = j.at("array_oid").get<Oid>();
  t.namespace_oid = j.value("namespace", kPublicNamespaceId);
  t.name = j.at("name").get<std::string>();
  t.owner = j.value("owner", kBootstrapSuperuserId);
  for (const auto& f : j.at("fields"))
    t.fields.push_back(
        {f.at("name").get<std::string>(), TypeRef{f.at("oid").get<Oid>(), f.value("typmod", -1)}});
  return t;
}

}  // namespace

void Catalog::publish_composite(sql::types::CompositeTypePtr t) {
  std::lock_guard lk(row_types_mu_);
  row_types_[t->oid] = t;
  sql::types::composite_types().put(std::move(t));
}

// A new type, or (t.oid set) the replacement of one (ALTER TYPE), undone to the previous.
sql::types::CompositeTypePtr Catalog::store_composite(sql::types::CompositeType t,
                                                      coord::Transaction* owner) {
  sql::types::CompositeTypePtr stored, previous;
  {
    std::lock_guard ddl(ddl_mu_);
    if (t.oid != 0) {
      std::lock_guard lk(row_types_mu_);
      auto it = row_types_.find(t.oid);
      if (it != row_types_.end()) previous = it->second;
    }
    if (t.oid == 0) {
      t.oid = allocate_oid();
      if (owner) mark_type_created(t.oid, *owner);
    }
    if (t.array_oid == 0) t.array_oid = allocate_oid();
    t.standalone = true;
    t.schema_name = schema_name(t.namespace_oid);
    write_system_row(kTypesSpace, type_key(t.oid),
                     with_mark(composite_to_json(t), creator_of(t.oid)).dump());
    stored = std::make_shared<const sql::types::CompositeType>(std::move(t));
    publish_composite(stored);
    bump();
  }
  if (owner) {
    if (previous)
      owner->on_rollback([this, previous] { store_composite(*previous); });
    else
      owner->on_rollback([this, oid = stored->oid] { drop_composite(oid); });
  }
  return stored;
}

void Catalog::drop_composite(Oid oid, coord::Transaction* owner) {
  if (defer_drop(oid, owner, kTypesSpace, {type_key(oid)})) return;  // at its commit
  sql::types::CompositeTypePtr old;
  {
    std::lock_guard ddl(ddl_mu_);
    {
      std::lock_guard lk(row_types_mu_);
      auto it = row_types_.find(oid);
      if (it == row_types_.end() || !it->second->standalone) return;
      old = it->second;
    }
    write_system_row(kTypesSpace, type_key(oid), std::nullopt);
    retract_row_type(oid);
    bump();
  }
  if (owner) owner->on_rollback([this, old] { store_composite(*old); });
}

sql::types::CompositeTypePtr Catalog::find_composite(std::string_view schema, std::string_view name,
                                                     const SearchPath& path) const {
  std::vector<Oid> schemas;
  if (!schema.empty()) {
    auto sc = find_schema(schema);
    if (!sc) return nullptr;
    schemas.push_back(sc->oid);
  } else {
    schemas = path.schemas;
  }
  auto t = sql::types::composite_types().find("", name, schemas);
  return t && t->standalone ? t : nullptr;
}

std::vector<sql::types::CompositeTypePtr> Catalog::standalone_composites() const {
  std::vector<sql::types::CompositeTypePtr> out;
  {
    std::lock_guard lk(row_types_mu_);
    for (const auto& [oid, t] : row_types_)
      if (t->standalone) out.push_back(t);
  }
  std::shared_lock lk(mu_);
  auto v = viewer_locked();
  std::erase_if(out, [&](const auto& t) { return !visible_locked(t->oid, v); });
  return out;
}

void Catalog::mark_type_created(Oid oid, coord::Transaction& owner) {
  mark_created(oid, owner);
  hide_name_until_committed(oid);
}

Oid Catalog::uncommitted_type(std::string_view name, Oid ns) const {
  std::vector<Oid> hidden;  // another transaction's creations
  {
    std::shared_lock lk(mu_);
    if (pending_.empty()) return 0;
    auto v = viewer();
    auto named = [&](const auto& t) { return t->namespace_oid == ns && t->name == name; };
    for (const auto& [oid, c] : pending_) {
      if (visible_locked(oid, v)) continue;
      if (auto e = enums_.find(oid); e != enums_.end() && named(e->second)) return oid;
      if (auto d = domains_.find(oid); d != domains_.end() && named(d->second)) return oid;
      hidden.push_back(oid);
    }
  }
  std::lock_guard lk(row_types_mu_);
  for (Oid oid : hidden)
    if (auto it = row_types_.find(oid); it != row_types_.end() && it->second->standalone &&
                                        it->second->namespace_oid == ns && it->second->name == name)
      return oid;
  return 0;
}

void Catalog::persist_type_row(Oid oid) {
  if (persist_domain_row(oid)) return;
  if (auto e = enum_by_oid(oid)) {
    write_system_row(kTypesSpace, type_key(oid),
                     with_mark(enum_to_json(*e), creator_of(oid)).dump());
    return;
  }
  sql::types::CompositeTypePtr c;
  {
    std::lock_guard lk(row_types_mu_);
    auto it = row_types_.find(oid);
    if (it != row_types_.end() && it->second->standalone) c = it->second;
  }
  if (c)
    write_system_row(kTypesSpace, type_key(oid),
                     with_mark(composite_to_json(*c), creator_of(oid)).dump());
}

void Catalog::put_enum(EnumTypePtr t) {
  {
    std::unique_lock lk(mu_);
    enums_[t->oid] = t;
  }
  sql::types::enum_types().put(std::move(t));
}

Oid Catalog::load_enums(const std::map<Oid, Schema>& schemas, std::map<Oid, Creator>& pending) {
  {
    // Out of the registries without mu_ held: a registry's find by name takes mu_ under its
    // own lock (the visibility of uncommitted types, composite_visibility.h).
    std::map<Oid, EnumTypePtr> enums;
    std::map<Oid, sql::types::DomainTypePtr> domains;
    {
      std::unique_lock lk(mu_);
      enums.swap(enums_);
      domains.swap(domains_);
    }
    for (const auto& [oid, t] : enums) sql::types::enum_types().erase(oid, t.get());
    for (const auto& [oid, t] : domains) sql::types::domain_types().erase(oid, t.get());
  }
  Oid max_oid = 0;
  auto txn = txns_.begin({});
  txn->start_statement();
  std::vector<EnumType> loaded;
  std::vector<sql::types::CompositeType> composites;
  std::vector<std::string> domains;  // their JSON (catalog/domains.cc reads it)
  auto cur = txn->scan(coord::KeySpace{kTypesSpace, 0}, "", "");
  while (auto rv = cur->next()) {
    json j = json::parse(rv->value);
    note_mark(j, j.at("oid").get<Oid>(), pending);
    if (j.value("kind", "e") == "d")
      domains.push_back(rv->value);
    else if (j.value("kind", "e") == "c")
      composites.push_back(composite_from_json(j));
    else
      loaded.push_back(enum_from_json(j));
  }
  txn->commit();
  for (auto& t : composites) {
    max_oid = std::max({max_oid, t.oid, t.array_oid});
    auto sc = schemas.find(t.namespace_oid);
    t.schema_name = sc != schemas.end() ? sc->second.name : schema_name(t.namespace_oid);
    publish_composite(std::make_shared<const sql::types::CompositeType>(std::move(t)));
  }
  for (auto& t : loaded) {
    max_oid = std::max({max_oid, t.oid, t.array_oid});
    for (const auto& l : t.labels) max_oid = std::max(max_oid, l.oid);
    auto sc = schemas.find(t.namespace_oid);
    t.schema_name = sc != schemas.end() ? sc->second.name : schema_name(t.namespace_oid);
    put_enum(std::make_shared<const EnumType>(std::move(t)));
  }
  for (const auto& d : domains) max_oid = std::max(max_oid, load_domain(d, schemas));
  return max_oid;
}

EnumTypePtr Catalog::find_enum(std::string_view schema, std::string_view name,
                               const SearchPath& path) const {
  std::shared_lock lk(mu_);
  auto v = viewer_locked();
  auto in = [&](Oid ns) -> EnumTypePtr {
    for (const auto& [oid, t] : enums_)
      if (t->namespace_oid == ns && t->name == name && visible_locked(oid, v)) return t;
    return nullptr;
  };
  if (!schema.empty()) {
    if (schema == "public") return in(kPublicNamespaceId);
    for (const auto& [oid, sc] : schemas_)
      if (sc.name == schema) return in(oid);
    return nullptr;
  }
  for (Oid ns : path.schemas)
    if (auto t = in(ns)) return t;
  return nullptr;
}

EnumTypePtr Catalog::enum_by_oid(Oid oid) const {
  std::shared_lock lk(mu_);
  auto it = enums_.find(oid);
  return it == enums_.end() ? nullptr : it->second;
}

std::vector<EnumTypePtr> Catalog::enums() const {
  std::shared_lock lk(mu_);
  std::vector<EnumTypePtr> out;
  auto v = viewer_locked();
  for (const auto& [oid, t] : enums_)
    if (visible_locked(oid, v)) out.push_back(t);
  return out;
}

std::vector<EnumTypePtr> Catalog::enums_in(Oid ns) const {
  std::vector<EnumTypePtr> out;
  for (auto& t : enums())
    if (t->namespace_oid == ns) out.push_back(std::move(t));
  return out;
}

EnumTypePtr Catalog::persist_enum_locked(EnumType t) {
  if (t.oid == 0) t.oid = allocate_oid();
  if (t.array_oid == 0) t.array_oid = allocate_oid();
  for (auto& l : t.labels)
    if (l.oid == 0) l.oid = allocate_oid();
  t.schema_name = schema_name(t.namespace_oid);
  write_system_row(kTypesSpace, type_key(t.oid),
                   with_mark(enum_to_json(t), creator_of(t.oid)).dump());
  auto stored = std::make_shared<const EnumType>(std::move(t));
  put_enum(stored);
  bump();
  return stored;
}

EnumTypePtr Catalog::update_enum(Oid oid, const std::function<bool(EnumType&)>& change,
                                 coord::Transaction* owner) {
  EnumTypePtr previous;
  EnumTypePtr stored;
  {
    std::lock_guard ddl(ddl_mu_);
    previous = enum_by_oid(oid);
    if (!previous) return nullptr;
    EnumType t = *previous;
    if (!change(t)) return nullptr;
    stored = persist_enum_locked(std::move(t));
  }
  if (owner) owner->on_rollback([this, previous] { store_enum(*previous); });
  return stored;
}

EnumTypePtr Catalog::store_enum(EnumType t, coord::Transaction* owner) {
  EnumTypePtr previous;
  EnumTypePtr stored;
  {
    std::lock_guard ddl(ddl_mu_);
    if (t.oid != 0) {
      previous = enum_by_oid(t.oid);
    } else if (owner) {  // a new type: the others see it once owner commits
      t.oid = allocate_oid();
      mark_type_created(t.oid, *owner);
    }
    stored = persist_enum_locked(std::move(t));
  }
  if (owner) {
    if (previous)
      owner->on_rollback([this, previous] { store_enum(*previous); });
    else
      owner->on_rollback([this, oid = stored->oid] { drop_enum(oid); });
  }
  return stored;
}

void Catalog::settle_enum_labels(Oid oid, uint64_t txn) {
  std::lock_guard ddl(ddl_mu_);
  auto current = enum_by_oid(oid);
  if (!current) return;
  EnumType t = *current;
  bool changed = false;
  for (auto& l : t.labels)
    if (l.pending_txn == txn) {
      l.pending_txn = 0;
      changed = true;
    }
  if (changed) put_enum(std::make_shared<const EnumType>(std::move(t)));
}

void Catalog::drop_enum(Oid oid, coord::Transaction* owner) {
  if (defer_drop(oid, owner, kTypesSpace, {type_key(oid)})) return;  // at its commit
  EnumTypePtr old;
  {
    std::lock_guard ddl(ddl_mu_);
    old = enum_by_oid(oid);
    if (!old) return;
    write_system_row(kTypesSpace, type_key(oid), std::nullopt);
    {
      std::unique_lock lk(mu_);
      enums_.erase(oid);
    }
    sql::types::enum_types().erase(oid);
    bump();
  }
  if (owner) owner->on_rollback([this, old] { store_enum(*old); });
}

}  // namespace hf::catalog
