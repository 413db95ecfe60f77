// catalog/roles.h — roles (PostgreSQL's pg_authid and pg_auth_members), the ACL of schema
// public, and the privilege questions the rest of the server asks about them.
//
// Owns: role definitions, stored as rows of system keyspace 3 ('hf_roles', one JSON document
// per role, key 'r' + oid), written through coord::Transaction like the table definitions
// (catalog.h), so they survive restarts; the schema ACL (key 'n' + namespace oid); database
// ACLs (key 'd' + name); and a
// server-wide random key for mock SCRAM exchanges (key 'k'). A new data folder gets the
// bootstrap superuser "postgres" (oid 10, LOGIN, no password) and pg_database_owner (oid 6171,
// whose one implicit member is the database owner, postgres), as initdb makes them.
//
// Role DDL for a transaction (`owner`: CREATE / ALTER / DROP ROLE, GRANT / REVOKE of a
// membership) is transactional as in PostgreSQL (issue 13): until it commits, every other
// session keeps the committed roles (or finds no new one), and only the fibers that run that
// transaction (Catalog's viewers) see the change; its rows are written by the transaction
// itself (before_commit), so they commit atomically with it and a crash before the commit
// keeps nothing; the commit publishes it (on_commit), a rollback or a ROLLBACK TO before the
// change forgets it. The SQL layer holds ACCESS EXCLUSIVE on the role's oid while it changes
// it (sql/exec/role_stmts.cc), so a second transaction's change waits, as PostgreSQL's waits
// on the pg_authid row or its unique index; Catalog::wait_settled waits for the publication.
// Without an owner a change commits on its own at once (bootstrap, tools, rollback undos).
// The schema and database ACLs and settings still commit on their own, undone on rollback.
// Passwords are stored only as SCRAM secrets (auth/scram.h), never in clear.
//
// Privilege rules, as PostgreSQL 15's acl.c: a superuser holds every privilege; a role holds
// the privileges granted to it, to PUBLIC, and to the roles it inherits from (memberships
// followed through roles with INHERIT); an object's owner holds all privileges on it until
// revoked and may always grant them.
//
// Thread safety: all methods are thread-safe; reads see immutable snapshots under a shared
// lock. DDL and load() MAY SUSPEND (commits).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/acl.h"
#include "catalog/kept_aside.h"
#include "coord/transaction.h"
#include "runtime/fiber.h"

namespace hf::catalog {

class Catalog;
struct Table;

inline constexpr uint32_t kRolesSpace = 3;  // hf_roles

struct RoleMembership {
  Oid role = 0;  // the role this one is a member of
  Oid grantor = kBootstrapSuperuserId;
  bool admin_option = false;

  bool operator==(const RoleMembership&) const = default;
};

struct Role {
  Oid oid = 0;
  std::string name;
  bool superuser = false;
  bool inherit = true;
  bool create_role = false;
  bool create_db = false;
  bool can_login = false;
  bool replication = false;
  bool bypass_rls = false;
  int32_t connection_limit = -1;
  std::optional<std::string> password;    // a SCRAM-SHA-256 secret
  std::optional<int64_t> valid_until;     // µs since 2000-01-01 UTC (INT64_MAX: infinity)
  std::vector<RoleMembership> member_of;  // pg_auth_members rows with member = this role
  // ALTER ROLE ... SET (pg_roles.rolconfig): settings a session of this role starts with,
  // before its startup options; (lower-case name, value) in the order first set.
  std::vector<std::pair<std::string, std::string>> config;

  bool operator==(const Role&) const = default;
};

class Roles {
 public:
  explicit Roles(Catalog& catalog);
  ~Roles();

  // Reads every role (creating the bootstrap roles in a new data folder). Returns the highest
  // oid used, for the catalog's oid counter. MAY SUSPEND.
  Oid load();
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  std::optional<Role> find(std::string_view name) const;
  std::optional<Role> by_oid(Oid oid) const;
  std::vector<Role> all() const;  // by oid
  // A role's name, or its oid as text when there is none (as aclitem output shows it).
  std::string name_of(Oid oid) const;

  // DDL (each commits on its own; see above). REQUIRES: the caller checked names and rights.
  void create(Role r, coord::Transaction* owner = nullptr);
  void replace(Role r, coord::Transaction* owner = nullptr);
  // Drops the role and every membership in it (other roles' member_of entries).
  void drop(Oid oid, coord::Transaction* owner = nullptr);

  // The oid of a role named `name` that another transaction than the caller's created and has
  // not committed (0: none).
  Oid uncommitted_named(std::string_view name) const;
  // Whether transaction txn has an uncommitted change of a role; of role oid (another's).
  bool changes_pending(uint64_t txn) const;
  bool changed_by_other(Oid oid, uint64_t txn) const;

  // PostgreSQL's has_privs_of_role: superusers, the role itself, and inheriting members.
  bool has_privs_of(Oid member, Oid role) const;
  // PostgreSQL's is_member_of_role (SET ROLE): any membership chain, INHERIT or not.
  bool is_member_of(Oid member, Oid role) const;
  // is_member_of without the superuser shortcut (pg_hba.conf's +role and samerole).
  bool is_member_of_nosuper(Oid member, Oid role) const;
  bool is_superuser(Oid role) const;
  // Whether `role` may administer `target`'s membership (superuser, CREATEROLE for a
  // non-superuser target, or ADMIN OPTION).
  bool is_admin_of(Oid role, Oid target) const;

  // The privileges among `mask` that `role` holds on an object with this owner and ACL
  // (nullopt: the default ACL, all privileges to the owner).
  uint32_t privileges(const std::optional<Acl>& acl, Oid owner, uint32_t all, Oid role,
                      uint32_t mask) const;
  // The grant options among `mask` that `role` holds (an owner holds them all).
  uint32_t grant_options(const std::optional<Acl>& acl, Oid owner, uint32_t all, Oid role,
                         uint32_t mask) const;
  uint32_t table_privileges(const Table& t, Oid role, uint32_t mask) const;

  // Schema public: owner pg_database_owner; default ACL owner=UC, PUBLIC=U (PostgreSQL 15).
  Acl public_schema_acl() const;
  void set_public_schema_acl(Acl acl, coord::Transaction* owner = nullptr);
  uint32_t public_schema_privileges(Oid role, uint32_t mask) const;
  uint32_t public_schema_grant_options(Oid role, uint32_t mask) const;

  // Databases (every name a client connects to exists; postgres owns them all): the default
  // ACL is the owner's CTc and PUBLIC's Tc (PostgreSQL 15). nullopt: the default.
  std::optional<Acl> database_acl(const std::string& name) const;
  std::map<std::string, Acl> database_acls() const;
  void set_database_acl(const std::string& name, Acl acl, coord::Transaction* owner = nullptr);
  uint32_t database_privileges(const std::string& name, Oid role, uint32_t mask) const;
  static Acl default_database_acl();
  // ALTER DATABASE ... SET (issue 10: a per-database holdfast.concurrency): the settings a
  // session of the database starts with, before its role's (lower-case name, value). Stored
  // under key 'c' + name.
  using Config = std::vector<std::pair<std::string, std::string>>;
  Config database_config(const std::string& name) const;
  void set_database_config(const std::string& name, Config config,
                           coord::Transaction* owner = nullptr);

  // The server-wide key for mock SCRAM exchanges (random, made once per data folder).
  std::string mock_auth_key() const;

 private:
  void persist(const Role& r, bool deleted);
  void persist_schema_acl(const std::optional<Acl>& acl);
  void persist_database_acl(const std::string& name, const std::optional<Acl>& acl);
  void persist_database_config(const std::string& name, const Config& config);
  // Records owner's change of role oid (now: none for a drop); see above.
  void change(Oid oid, std::optional<Role> now, coord::Transaction& owner);
  // The roles as the calling fiber sees them: roles_, or a copy in `scratch` with its
  // transaction's changes. REQUIRES: mu_ held.
  const std::map<Oid, Role>& visible_locked(std::map<Oid, Role>& scratch) const;
  // Roles `member` belongs to in `roles`, directly or not; privileges_only: only through
  // INHERIT roles.
  static std::vector<Oid> memberships(const std::map<Oid, Role>& roles, Oid member,
                                      bool privileges_only);
  void bump() { version_.fetch_add(1, std::memory_order_acq_rel); }

  Catalog& catalog_;
  mutable std::shared_mutex mu_;
  std::map<Oid, Role> roles_;  // committed
  // Uncommitted, by role oid: the committed definition (none: a creation) and the
  // transaction's (none: a drop).
  KeptAside<std::optional<Role>> changes_;
  std::optional<Acl> schema_acl_;  // nullopt: default
  std::map<std::string, Acl> database_acls_;
  std::map<std::string, Config> database_configs_;
  std::string mock_key_;
  std::atomic<uint64_t> version_{1};
  runtime::FiberMutex ddl_mu_;  // held across persist(), whose commit may park the fiber
};

}  // namespace hf::catalog
