// catalog/roles.cc — see roles.h.
#include "catalog/roles.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "auth/scram.h"
#include "catalog/catalog.h"
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

Roles::Roles(Catalog& catalog) : catalog_(catalog) {}
Roles::~Roles() = default;

Oid Roles::load() {
  std::map<Oid, Role> roles;
  std::optional<Acl> schema_acl;
  std::map<std::string, Acl> database_acls;
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
    mock_key_ = std::move(mock_key);
  }
  bump();
  return max_oid;
}

std::optional<Role> Roles::find(std::string_view name) const {
  std::shared_lock lk(mu_);
  for (const auto& [oid, r] : roles_)
    if (r.name == name) return r;
  return std::nullopt;
}

std::optional<Role> Roles::by_oid(Oid oid) const {
  std::shared_lock lk(mu_);
  auto it = roles_.find(oid);
  if (it == roles_.end()) return std::nullopt;
  return it->second;
}

std::vector<Role> Roles::all() const {
  std::shared_lock lk(mu_);
  std::vector<Role> out;
  for (const auto& [oid, r] : roles_) out.push_back(r);
  return out;
}

std::string Roles::name_of(Oid oid) const {
  std::shared_lock lk(mu_);
  auto it = roles_.find(oid);
  return it == roles_.end() ? std::to_string(oid) : it->second.name;
}

void Roles::persist(const Role& r, bool deleted) {
  catalog_.write_system_row(kRolesSpace, role_key(r.oid),
                            deleted ? std::nullopt : std::optional(to_json(r).dump()));
}

void Roles::persist_schema_acl(const std::optional<Acl>& acl) {
  catalog_.write_system_row(kRolesSpace, kSchemaAclKey,
                            acl ? std::optional(acl_to_json(*acl).dump()) : std::nullopt);
}

void Roles::create(Role r, coord::Transaction* owner) {
  {
    std::lock_guard ddl(ddl_mu_);
    persist(r, false);
    std::unique_lock lk(mu_);
    roles_[r.oid] = r;
  }
  bump();
  if (owner) owner->on_rollback([this, oid = r.oid] { drop(oid); });
}

void Roles::replace(Role r, coord::Transaction* owner) {
  std::optional<Role> old;
  {
    std::lock_guard ddl(ddl_mu_);
    old = by_oid(r.oid);
    persist(r, false);
    std::unique_lock lk(mu_);
    roles_[r.oid] = r;
  }
  bump();
  if (owner && old) owner->on_rollback([this, prev = *old] { replace(prev); });
}

void Roles::drop(Oid oid, coord::Transaction* owner) {
  std::optional<Role> gone;
  std::vector<Role> changed;  // members that lose their membership in the dropped role
  {
    std::lock_guard ddl(ddl_mu_);
    gone = by_oid(oid);
    if (!gone) return;
    persist(*gone, true);
    {
      std::shared_lock lk(mu_);
      for (const auto& [o, r] : roles_)
        if (std::any_of(r.member_of.begin(), r.member_of.end(),
                        [&](const RoleMembership& m) { return m.role == oid; }))
          changed.push_back(r);
    }
    for (const Role& before : changed) {
      Role after = before;
      std::erase_if(after.member_of, [&](const RoleMembership& m) { return m.role == oid; });
      persist(after, false);
      std::unique_lock lk(mu_);
      roles_[after.oid] = after;
    }
    std::unique_lock lk(mu_);
    roles_.erase(oid);
  }
  bump();
  if (owner)
    owner->on_rollback([this, role = *gone, changed] {
      create(role);
      for (const Role& r : changed) replace(r);
    });
}

std::vector<Oid> Roles::memberships(Oid member, bool privileges_only) const {
  std::vector<Oid> out;
  std::set<Oid> seen{member};
  std::vector<Oid> todo{member};
  while (!todo.empty()) {
    Oid m = todo.back();
    todo.pop_back();
    auto it = roles_.find(m);
    if (it == roles_.end()) continue;
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
  auto it = roles_.find(role);
  return it != roles_.end() && it->second.superuser;
}

bool Roles::has_privs_of(Oid member, Oid role) const {
  if (member == role) return true;
  std::shared_lock lk(mu_);
  auto it = roles_.find(member);
  if (it != roles_.end() && it->second.superuser) return true;
  auto m = memberships(member, true);
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
  auto m = memberships(member, false);
  return std::find(m.begin(), m.end(), role) != m.end();
}

bool Roles::is_admin_of(Oid role, Oid target) const {
  std::shared_lock lk(mu_);
  auto r = roles_.find(role);
  if (r == roles_.end()) return false;
  if (r->second.superuser) return true;
  auto t = roles_.find(target);
  if (r->second.create_role && (t == roles_.end() || !t->second.superuser)) return true;
  // ADMIN OPTION held directly or through any membership chain.
  std::vector<Oid> chain = memberships(role, false);
  chain.push_back(role);
  for (Oid c : chain) {
    auto it = roles_.find(c);
    if (it == roles_.end()) continue;
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
