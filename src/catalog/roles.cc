// catalog/roles.cc — see roles.h.
#include "catalog/roles.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "auth/scram.h"
#include "catalog/catalog.h"
#include "catalog/pending_mark.h"
#include "common/error.h"

namespace hf::catalog {

using json = nlohmann::json;

namespace {

std::string oid_key(char tag, Oid oid) {
  std::string k(1, tag);
  for (int i = 3; i >= 0; --i) k.push_back(static_cast<char>((oid >> (i * 8)) & 0xff));
  return k;
}
std::string role_key(Oid oid) {
  return oid_key('r', oid);
}
const std::string kSchemaAclKey = oid_key('n', kPublicNamespaceId);
const std::string kMockKeyKey = "k";

json to_json(const Role& r) {
  json j{{"oid", r.oid},
         {"name", r.name},
         {"super", r.superuser},
         {"inherit", r.inherit},
         {"createrole", r.create_role},
         {"createdb", r.create_db},
         {"login", r.can_login},
         {"replication", r.replication},
         {"bypassrls", r.bypass_rls},
         {"connlimit", r.connection_limit}};
  j["password"] = r.password ? json(*r.password) : json(nullptr);
  j["valid_until"] = r.valid_until ? json(*r.valid_until) : json(nullptr);
  j["config"] = json::array();
  for (const auto& [name, value] : r.config) j["config"].push_back({name, value});
  j["member_of"] = json::array();
  for (const auto& m : r.member_of)
    j["member_of"].push_back({{"role", m.role}, {"grantor", m.grantor}, {"admin", m.admin_option}});
  return j;
}

Role from_json(const json& j) {
  Role r;
  r.oid = j.at("oid");
  r.name = j.at("name");
  r.superuser = j.value("super", false);
  r.inherit = j.value("inherit", true);
  r.create_role = j.value("createrole", false);
  r.create_db = j.value("createdb", false);
  r.can_login = j.value("login", false);
  r.replication = j.value("replication", false);
  r.bypass_rls = j.value("bypassrls", false);
  r.connection_limit = j.value("connlimit", -1);
  if (j.contains("password") && !j["password"].is_null()) r.password = j["password"];
  if (j.contains("valid_until") && !j["valid_until"].is_null()) r.valid_until = j["valid_until"];
  if (j.contains("config"))
    for (const auto& c : j["config"]) r.config.emplace_back(c.at(0), c.at(1));
  if (j.contains("member_of"))
    for (const auto& m : j["member_of"])
      r.member_of.push_back(
          {m.at("role"), m.value("grantor", kBootstrapSuperuserId), m.value("admin", false)});
  return r;
}

std::vector<Role> bootstrap_roles() {
  Role postgres;
  postgres.oid = kBootstrapSuperuserId;
  postgres.name = "postgres";
  postgres.superuser = postgres.create_role = postgres.create_db = postgres.can_login = true;
  postgres.replication = postgres.bypass_rls = true;
  Role dbo;
  dbo.oid = kDatabaseOwnerRoleId;
  dbo.name = "pg_database_owner";
  return {postgres, dbo};
}

}  // namespace

Roles::Roles(Catalog& catalog)
    : catalog_(catalog),
      changes_(catalog,
               {[](coord::Transaction& owner, Oid oid, const std::optional<Role>& now) {
                  write_own_row(owner, kRolesSpace, role_key(oid),
                                now ? std::optional(to_json(*now).dump()) : std::nullopt);
                },
                [this](Oid oid, const std::optional<Role>& now) {
                  std::unique_lock lk(mu_);
                  if (now)
                    roles_[oid] = *now;
                  else
                    roles_.erase(oid);
                }},
               [this](Oid, const Aside<std::optional<Role>>*) { bump(); }) {}
Roles::~Roles() = default;

Oid Roles::load() {
  std::map<Oid, Role> roles;
  std::optional<Acl> schema_acl;
  std::map<std::string, Acl> database_acls;
  std::map<std::string, Config> database_configs;
  std::string mock_key;
  {
    auto txn = catalog_.txns_.begin({});
    txn->start_statement();
    auto cur = txn->scan(coord::KeySpace{kRolesSpace, 0}, "", "");
    while (auto rv = cur->next()) {
      const std::string& key = rv->key;
      if (key.empty()) continue;
      if (key[0] == 'r') {
        Role r = from_json(json::parse(rv->value));
        roles[r.oid] = std::move(r);
      } else if (key == kSchemaAclKey) {
        schema_acl = acl_from_json(json::parse(rv->value));
      } else if (key[0] == 'd') {
        database_acls[key.substr(1)] = acl_from_json(json::parse(rv->value));
      } else if (key[0] == 'c') {
        auto& c = database_configs[key.substr(1)];
        for (const auto& kv : json::parse(rv->value)) c.emplace_back(kv.at(0), kv.at(1));
      } else if (key == kMockKeyKey) {
        mock_key = rv->value;
      }
    }
    txn->commit();
  }
  if (roles.empty()) {
    for (Role& r : bootstrap_roles()) {
      persist(r, false);
      roles[r.oid] = r;
    }
  }
  if (mock_key.empty()) {
    mock_key = auth::random_bytes(32);
    catalog_.write_system_row(kRolesSpace, kMockKeyKey, mock_key);
  }
  Oid max_oid = 0;
  for (const auto& [oid, r] : roles) max_oid = std::max(max_oid, oid);
  {
    std::unique_lock lk(mu_);
    roles_ = std::move(roles);
    schema_acl_ = std::move(schema_acl);
    database_acls_ = std::move(database_acls);
    database_configs_ = std::move(database_configs);
    mock_key_ = std::move(mock_key);
  }
  bump();
  return max_oid;
}

const std::map<Oid, Role>& Roles::visible_locked(std::map<Oid, Role>& scratch) const {
  if (!changes_.any()) return roles_;  // every statement's case
  const auto viewer = catalog_.viewer();
  if (!viewer) return roles_;
  bool any = false;
  changes_.read([&](const auto& changes) {
    for (const auto& [oid, c] : changes) {
      if (c.txn != *viewer) continue;
      if (!any) scratch = roles_;
      any = true;
      if (c.now)
        scratch[oid] = *c.now;
      else
        scratch.erase(oid);
    }
  });
  return any ? scratch : roles_;
}

std::optional<Role> Roles::find(std::string_view name) const {
  std::shared_lock lk(mu_);
  std::map<Oid, Role> scratch;
  for (const auto& [oid, r] : visible_locked(scratch))
    if (r.name == name) return r;
  return std::nullopt;
}

std::optional<Role> Roles::by_oid(Oid oid) const {
  std::shared_lock lk(mu_);
  std::map<Oid, Role> scratch;
  const auto& roles = visible_locked(scratch);
  auto it = roles.find(oid);
  if (it == roles.end()) return std::nullopt;
  return it->second;
}

std::vector<Role> Roles::all() const {
  std::shared_lock lk(mu_);
  std::map<Oid, Role> scratch;
  std::vector<Role> out;
  for (const auto& [oid, r] : visible_locked(scratch)) out.push_back(r);
  return out;
}

std::string Roles::name_of(Oid oid) const {
  std::shared_lock lk(mu_);
  std::map<Oid, Role> scratch;
  const auto& roles = visible_locked(scratch);
  auto it = roles.find(oid);
  return it == roles.end() ? std::to_string(oid) : it->second.name;
}

Oid Roles::uncommitted_named(std::string_view name) const {
  const auto viewer = catalog_.viewer();
  return changes_.read([&](const auto& changes) -> Oid {
    for (const auto& [oid, c] : changes)
      if (!c.committed && c.now && c.now->name == name && !(viewer && c.txn == *viewer)) return oid;
    return 0;
  });
}

bool Roles::changes_pending(uint64_t txn) const {
  return changes_.of_txn(txn);
}

bool Roles::changed_by_other(Oid oid, uint64_t txn) const {
  return changes_.other_than(oid, txn);
}

void Roles::persist(const Role& r, bool deleted) {
  catalog_.write_system_row(kRolesSpace, role_key(r.oid),
                            deleted ? std::nullopt : std::optional(to_json(r).dump()));
}

void Roles::persist_schema_acl(const std::optional<Acl>& acl) {
  catalog_.write_system_row(kRolesSpace, kSchemaAclKey,
                            acl ? std::optional(acl_to_json(*acl).dump()) : std::nullopt);
}

void Roles::change(Oid oid, std::optional<Role> now, coord::Transaction& owner) {
  std::optional<Role> committed;
  {
    std::shared_lock lk(mu_);
    if (auto c = roles_.find(oid); c != roles_.end()) committed = c->second;
  }
  changes_.keep(oid, std::move(committed), std::move(now), owner);
}

void Roles::create(Role r, coord::Transaction* owner) {
  if (owner) return change(r.oid, std::move(r), *owner);
  {
    std::lock_guard ddl(ddl_mu_);
    persist(r, false);
    std::unique_lock lk(mu_);
    roles_[r.oid] = r;
  }
  bump();
}

void Roles::replace(Role r, coord::Transaction* owner) {
  if (owner) return change(r.oid, std::move(r), *owner);
  {
    std::lock_guard ddl(ddl_mu_);
    persist(r, false);
    std::unique_lock lk(mu_);
    roles_[r.oid] = r;
  }
  bump();
}

void Roles::drop(Oid oid, coord::Transaction* owner) {
  // Every membership in the dropped role goes with it (other roles' member_of entries).
  std::vector<Role> changed;
  {
    std::shared_lock lk(mu_);
    std::map<Oid, Role> scratch;
    for (const auto& [o, r] : visible_locked(scratch))
      if (std::any_of(r.member_of.begin(), r.member_of.end(),
                      [&](const RoleMembership& m) { return m.role == oid; }))
        changed.push_back(r);
  }
  for (Role& r : changed)
    std::erase_if(r.member_of, [&](const RoleMembership& m) { return m.role == oid; });
  if (owner) {
    change(oid, std::nullopt, *owner);
    for (Role& r : changed) change(r.oid, std::move(r), *owner);
    return;
  }
  {
    std::lock_guard ddl(ddl_mu_);
    auto gone = by_oid(oid);
    if (!gone) return;
    persist(*gone, true);
    for (const Role& after : changed) {
      persist(after, false);
      std::unique_lock lk(mu_);
      roles_[after.oid] = after;
    }
    std::unique_lock lk(mu_);
    roles_.erase(oid);
  }
  bump();
}

std::vector<Oid> Roles::memberships(const std::map<Oid, Role>& roles, Oid member,
                                    bool privileges_only) {
  std::vector<Oid> out;
  std::set<Oid> seen{member};
  std::vector<Oid> todo{member};
  while (!todo.empty()) {
    Oid m = todo.back();
    todo.pop_back();
    auto it = roles.find(m);
    if (it == roles.end()) continue;
    if (privileges_only && !it->second.inherit) continue;
    std::vector<Oid> next;
    for (const auto& ms : it->second.member_of) next.push_back(ms.role);
    // The database owner is implicitly a member of pg_database_owner.
    if (m == kBootstrapSuperuserId) next.push_back(kDatabaseOwnerRoleId);
    for (Oid r : next)
      if (seen.insert(r).second) {
        out.push_back(r);
        todo.push_back(r);
      }
  }
  return out;
}

bool Roles::is_superuser(Oid role) const {
  std::shared_lock lk(mu_);
  std::map<Oid, Role> scratch;
  const auto& roles = visible_locked(scratch);
  auto it = roles.find(role);
  return it != roles.end() && it->second.superuser;
}

bool Roles::has_privs_of(Oid member, Oid role) const {
  if (member == role) return true;
  std::shared_lock lk(mu_);
  std::map<Oid, Role> scratch;
  const auto& roles = visible_locked(scratch);
  auto it = roles.find(member);
  if (it != roles.end() && it->second.superuser) return true;
  auto m = memberships(roles, member, true);
  return std::find(m.begin(), m.end(), role) != m.end();
}

bool Roles::is_member_of(Oid member, Oid role) const {
  if (member == role) return true;
  if (is_superuser(member)) return true;
  return is_member_of_nosuper(member, role);
}

bool Roles::is_member_of_nosuper(Oid member, Oid role) const {
  if (member == role) return true;
  std::shared_lock lk(mu_);
  std::map<Oid, Role> scratch;
  auto m = memberships(visible_locked(scratch), member, false);
  return std::find(m.begin(), m.end(), role) != m.end();
}

bool Roles::is_admin_of(Oid role, Oid target) const {
  std::shared_lock lk(mu_);
  std::map<Oid, Role> scratch;
  const auto& roles = visible_locked(scratch);
  auto r = roles.find(role);
  if (r == roles.end()) return false;
  if (r->second.superuser) return true;
  auto t = roles.find(target);
  if (r->second.create_role && (t == roles.end() || !t->second.superuser)) return true;
  // ADMIN OPTION held directly or through any membership chain.
  std::vector<Oid> chain = memberships(roles, role, false);
  chain.push_back(role);
  for (Oid c : chain) {
    auto it = roles.find(c);
    if (it == roles.end()) continue;
    for (const auto& m : it->second.member_of)
      if (m.role == target && m.admin_option) return true;
  }
  return false;
}

uint32_t Roles::privileges(const std::optional<Acl>& acl, Oid owner, uint32_t all, Oid role,
                           uint32_t mask) const {
  if (is_superuser(role)) return mask;
  const Acl effective = acl ? *acl : default_acl(owner, all);
  uint32_t held = 0;
  for (const auto& item : effective) {
    if ((held & mask) == mask) break;
    if (item.grantee == kPublicRoleId || has_privs_of(role, item.grantee)) held |= item.privileges;
  }
  return held & mask;
}

uint32_t Roles::grant_options(const std::optional<Acl>& acl, Oid owner, uint32_t all, Oid role,
                              uint32_t mask) const {
  if (is_superuser(role) || has_privs_of(role, owner)) return mask;
  const Acl effective = acl ? *acl : default_acl(owner, all);
  uint32_t held = 0;
  for (const auto& item : effective)
    if (item.grantee == kPublicRoleId || has_privs_of(role, item.grantee))
      held |= item.grant_options;
  return held & mask;
}

uint32_t Roles::table_privileges(const Table& t, Oid role, uint32_t mask) const {
  return privileges(t.acl, t.owner, acl::kAllOnTable, role, mask);
}

Acl Roles::public_schema_acl() const {
  std::shared_lock lk(mu_);
  if (schema_acl_) return *schema_acl_;
  return {AclItem{kDatabaseOwnerRoleId, kDatabaseOwnerRoleId, acl::kAllOnSchema, 0},
          AclItem{kPublicRoleId, kDatabaseOwnerRoleId, acl::kUsage, 0}};
}

void Roles::set_public_schema_acl(Acl acl, coord::Transaction* owner) {
  std::optional<Acl> old;
  {
    std::lock_guard ddl(ddl_mu_);
    {
      std::shared_lock lk(mu_);
      old = schema_acl_;
    }
    persist_schema_acl(acl);
    std::unique_lock lk(mu_);
    schema_acl_ = std::move(acl);
  }
  bump();
  if (owner)
    owner->on_rollback([this, old] {
      std::lock_guard ddl(ddl_mu_);
      persist_schema_acl(old);
      std::unique_lock lk(mu_);
      schema_acl_ = old;
      version_.fetch_add(1);
    });
}

uint32_t Roles::public_schema_privileges(Oid role, uint32_t mask) const {
  return privileges(public_schema_acl(), kDatabaseOwnerRoleId, acl::kAllOnSchema, role, mask);
}

uint32_t Roles::public_schema_grant_options(Oid role, uint32_t mask) const {
  return grant_options(public_schema_acl(), kDatabaseOwnerRoleId, acl::kAllOnSchema, role, mask);
}

void Roles::persist_database_acl(const std::string& name, const std::optional<Acl>& acl) {
  catalog_.write_system_row(kRolesSpace, "d" + name,
                            acl ? std::optional(acl_to_json(*acl).dump()) : std::nullopt);
}

Acl Roles::default_database_acl() {
  // PostgreSQL's acldefault puts PUBLIC's item first.
  return {AclItem{kPublicRoleId, kBootstrapSuperuserId, acl::kTemporary | acl::kConnect, 0},
          AclItem{kBootstrapSuperuserId, kBootstrapSuperuserId, acl::kAllOnDatabase, 0}};
}

std::optional<Acl> Roles::database_acl(const std::string& name) const {
  std::shared_lock lk(mu_);
  auto it = database_acls_.find(name);
  if (it == database_acls_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, Acl> Roles::database_acls() const {
  std::shared_lock lk(mu_);
  return database_acls_;
}

void Roles::set_database_acl(const std::string& name, Acl acl, coord::Transaction* owner) {
  std::optional<Acl> old;
  {
    std::lock_guard ddl(ddl_mu_);
    old = database_acl(name);
    persist_database_acl(name, acl);
    std::unique_lock lk(mu_);
    database_acls_[name] = std::move(acl);
  }
  bump();
  if (owner)
    owner->on_rollback([this, name, old] {
      std::lock_guard ddl(ddl_mu_);
      persist_database_acl(name, old);
      std::unique_lock lk(mu_);
      if (old)
        database_acls_[name] = *old;
      else
        database_acls_.erase(name);
      version_.fetch_add(1);
    });
}

void Roles::persist_database_config(const std::string& name, const Config& config) {
  json j = json::array();
  for (const auto& [k, v] : config) j.push_back({k, v});
  catalog_.write_system_row(kRolesSpace, "c" + name,
                            config.empty() ? std::nullopt : std::optional(j.dump()));
}

Roles::Config Roles::database_config(const std::string& name) const {
  std::shared_lock lk(mu_);
  auto it = database_configs_.find(name);
  return it == database_configs_.end() ? Config{} : it->second;
}

void Roles::set_database_config(const std::string& name, Config config, coord::Transaction* owner) {
  Config old;
  {
    std::lock_guard ddl(ddl_mu_);
    old = database_config(name);
    persist_database_config(name, config);
    std::unique_lock lk(mu_);
    database_configs_[name] = std::move(config);
  }
  bump();
  if (owner)
    owner->on_rollback([this, name, old] {
      std::lock_guard ddl(ddl_mu_);
      persist_database_config(name, old);
      std::unique_lock lk(mu_);
      database_configs_[name] = old;
      version_.fetch_add(1);
    });
}

uint32_t Roles::database_privileges(const std::string& name, Oid role, uint32_t mask) const {
  auto acl = database_acl(name);
  return privileges(acl ? *acl : default_database_acl(), kBootstrapSuperuserId, acl::kAllOnDatabase,
                    role, mask);
}

std::string Roles::mock_auth_key() const {
  std::shared_lock lk(mu_);
  return mock_key_;
}

}  // namespace hf::catalog
