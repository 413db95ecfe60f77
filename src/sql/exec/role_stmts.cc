// sql/exec/role_stmts.cc — CREATE / ALTER / DROP ROLE, GRANT and REVOKE, ALTER TABLE ...
// OWNER TO, with PostgreSQL 15's rules and messages (user.c, aclchk.c); see privileges.h.
//
// Passwords become SCRAM-SHA-256 secrets here (auth/scram.h), before anything is stored: a
// password given already as a SCRAM secret is stored as is; an MD5 hash is refused (holdfast
// cannot authenticate with one); an empty password clears it, with PostgreSQL's NOTICE.
#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "auth/scram.h"
#include "catalog/roles.h"
#include "common/error.h"
#include "sql/exec/locking.h"
#include "sql/exec/privileges.h"
#include "sql/exec/schemas.h"
#include "sql/parse/parser.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {

namespace acl = catalog::acl;
using catalog::Role;

namespace {

std::string str_of(const PgQuery__Node* n) {
  if (n && n->node_case == PG_QUERY__NODE__NODE_STRING) return n->string->sval;
  return "";
}

[[noreturn]] void fail(const char* state, std::string msg, std::string detail = {},
                       int location = -1) {
  Error e;
  e.sqlstate = state;
  e.message = std::move(msg);
  e.detail = std::move(detail);
  e.position = location >= 0 ? location + 1 : 0;
  throw SqlError(std::move(e));
}

void notice(ExecContext& cx, const char* severity, const char* state, std::string msg) {
  Error e;
  e.severity = severity;
  e.sqlstate = state;
  e.message = std::move(msg);
  cx.session.notice(e);
}

const catalog::Roles& roles_of(ExecContext& cx) {
  return cx.catalog.roles();
}

Role role_named(ExecContext& cx, const std::string& name) {
  auto r = roles_of(cx).find(name);
  if (!r) fail(sqlstate::kUndefinedObject, "role \"" + name + "\" does not exist");
  return *r;
}

// PostgreSQL's get_rolespec_oid: names, CURRENT_USER / CURRENT_ROLE, SESSION_USER. PUBLIC is
// not a role ("role \"public\" does not exist") unless allow_public (a GRANT grantee).
Oid rolespec_oid(ExecContext& cx, const PgQuery__RoleSpec* spec, bool allow_public = false) {
  switch (spec->roletype) {
    case PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CURRENT_USER:
    case PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CURRENT_ROLE:
      return current_user(cx);
    case PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_SESSION_USER:
      return cx.session.session_user_id();
    case PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_PUBLIC:
      if (allow_public) return catalog::kPublicRoleId;
      fail(sqlstate::kUndefinedObject, "role \"public\" does not exist");
    default:
      return role_named(cx, spec->rolename).oid;
  }
}

std::string rolespec_name(ExecContext& cx, const PgQuery__RoleSpec* spec) {
  if (spec->roletype == PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CSTRING) return spec->rolename;
  if (spec->roletype == PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_PUBLIC) return "public";
  return roles_of(cx).name_of(rolespec_oid(cx, spec));
}

const PgQuery__RoleSpec* as_rolespec(const PgQuery__Node* n) {
  if (!n || n->node_case != PG_QUERY__NODE__NODE_ROLE_SPEC)
    fail(sqlstate::kInternalError, "unexpected role specification");
  return n->role_spec;
}

// Before a change of role `seen` (ALTER, RENAME, DROP, a membership): ACCESS EXCLUSIVE on it
// until the transaction ends, so that another transaction's change waits for this one, as
// PostgreSQL's waits on the pg_authid row (catalog/roles.h). If that one changed or dropped
// the role meanwhile, PostgreSQL's errors for a concurrent update of the row. Returns the
// role as it is now.
Role lock_role_for_change(ExecContext& cx, const Role& seen) {
  lock_object_for_change(cx, seen.oid, seen.name);
  auto now = roles_of(cx).by_oid(seen.oid);
  if (!now) throw SqlError(sqlstate::kInternalError, "tuple concurrently deleted");
  if (*now != seen) throw SqlError(sqlstate::kInternalError, "tuple concurrently updated");
  return *now;
}

// Before a CREATE ROLE or RENAME of a role to `name`: while another transaction has created a
// role of that name and not committed, waits for it to end, as PostgreSQL's waits on
// pg_authid's unique index; fails with that index's error if it committed.
void wait_for_uncommitted_role(ExecContext& cx, const std::string& name) {
  while (Oid oid = roles_of(cx).uncommitted_named(name)) {
    lock_object_for_change(cx, oid, name);
    if (!roles_of(cx).find(name)) continue;  // rolled back
    Error e;
    e.sqlstate = sqlstate::kUniqueViolation;
    e.message = "duplicate key value violates unique constraint \"pg_authid_rolname_index\"";
    e.detail = "Key (rolname)=(" + name + ") already exists.";
    throw SqlError(std::move(e));
  }
}

bool has_createrole(ExecContext& cx) {
  auto r = roles_of(cx).by_oid(current_user(cx));
  return r && (r->superuser || r->create_role);
}

// The options of CREATE / ALTER ROLE (PostgreSQL's DefElems), each given at most once.
struct RoleOptions {
  const PgQuery__DefElem* password = nullptr;
  const PgQuery__DefElem* superuser = nullptr;
  const PgQuery__DefElem* inherit = nullptr;
  const PgQuery__DefElem* create_role = nullptr;
  const PgQuery__DefElem* create_db = nullptr;
  const PgQuery__DefElem* can_login = nullptr;
  const PgQuery__DefElem* replication = nullptr;
  const PgQuery__DefElem* bypass_rls = nullptr;
  const PgQuery__DefElem* connection_limit = nullptr;
  const PgQuery__DefElem* valid_until = nullptr;
  const PgQuery__DefElem* add_role_to = nullptr;    // IN ROLE
  const PgQuery__DefElem* role_members = nullptr;   // ROLE / USER
  const PgQuery__DefElem* admin_members = nullptr;  // ADMIN

  bool any_besides_password() const {
    return superuser || inherit || create_role || create_db || can_login || replication ||
           bypass_rls || connection_limit || valid_until || role_members;
  }
};

bool bool_arg(const PgQuery__DefElem* d) {
  if (!d || !d->arg) return true;
  if (d->arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN) return d->arg->boolean->boolval;
  if (d->arg->node_case == PG_QUERY__NODE__NODE_INTEGER) return d->arg->integer->ival != 0;
  return true;
}

RoleOptions read_options(ExecContext& cx, PgQuery__Node** options, size_t n) {
  RoleOptions o;
  for (size_t i = 0; i < n; ++i) {
    const PgQuery__DefElem* d = options[i]->def_elem;
    std::string name = d->defname;
    const PgQuery__DefElem** slot = nullptr;
    if (name == "password" || name == "encryptedPassword")
      slot = &o.password;
    else if (name == "superuser")
      slot = &o.superuser;
    else if (name == "inherit")
      slot = &o.inherit;
    else if (name == "createrole")
      slot = &o.create_role;
    else if (name == "createdb")
      slot = &o.create_db;
    else if (name == "canlogin")
      slot = &o.can_login;
    else if (name == "isreplication")
      slot = &o.replication;
    else if (name == "bypassrls")
      slot = &o.bypass_rls;
    else if (name == "connectionlimit")
      slot = &o.connection_limit;
    else if (name == "validUntil")
      slot = &o.valid_until;
    else if (name == "addroleto")
      slot = &o.add_role_to;
    else if (name == "rolemembers")
      slot = &o.role_members;
    else if (name == "adminmembers")
      slot = &o.admin_members;
    else if (name == "sysid") {
      notice(cx, "NOTICE", "00000", "SYSID can no longer be specified");
      continue;
    } else {
      fail(sqlstate::kFeatureNotSupported, "option \"" + name + "\" not recognized");
    }
    if (*slot) fail(sqlstate::kSyntaxError, "conflicting or redundant options", {}, d->location);
    *slot = d;
  }
  return o;
}

std::vector<const PgQuery__RoleSpec*> role_list(const PgQuery__DefElem* d) {
  std::vector<const PgQuery__RoleSpec*> out;
  if (!d || !d->arg || d->arg->node_case != PG_QUERY__NODE__NODE_LIST) return out;
  for (size_t i = 0; i < d->arg->list->n_items; ++i)
    out.push_back(as_rolespec(d->arg->list->items[i]));
  return out;
}

// The secret to store for PASSWORD 'x' (nullopt: NULL or an empty password, which clears it).
std::optional<std::string> password_secret(ExecContext& cx, const PgQuery__DefElem* d) {
  if (!d->arg || d->arg->node_case != PG_QUERY__NODE__NODE_STRING) return std::nullopt;
  std::string pw = d->arg->string->sval;
  if (auth::parse_scram_secret(pw)) return pw;  // already a secret: stored as is
  if (auth::is_md5_hash(pw))
    fail(sqlstate::kFeatureNotSupported,
         "MD5 password hashes are not supported: give the password in clear or as a "
         "SCRAM-SHA-256 secret");
  // An empty password, or one that is empty after SASLprep, cannot be typed at a prompt.
  if (auth::prepare_password(pw).empty()) {
    notice(cx, "NOTICE", "00000", "empty string is not a valid password, clearing password");
    return std::nullopt;
  }
  std::string method = "scram-sha-256";  // a session without the setting (tests): the default
  try {
    method = cx.session.get_setting("password_encryption");
  } catch (const SqlError&) {
  }
  if (method != "scram-sha-256")
    fail(sqlstate::kFeatureNotSupported, "password_encryption \"" + method + "\" is not supported");
  return auth::build_scram_secret(pw);
}

// VALID UNTIL's timestamptz: a time without an offset is local time in the session's zone.
int64_t valid_until_value(const PgQuery__DefElem* d, const ExecContext& cx) {
  Datum v = types::from_text(str_of(d->arg), TypeRef{type_oid::kTimestampTz, -1}, cx.fctx.zone);
  return v.as_int();
}

// PostgreSQL's AddRoleMems / DelRoleMems for one role and its new (or former) members.
void change_members(ExecContext& cx, const Role& role,
                    const std::vector<const PgQuery__RoleSpec*>& member_specs, bool add,
                    bool admin_option) {
  const auto& roles = roles_of(cx);
  Oid user = current_user(cx);
  if (role.superuser) {
    if (!roles.is_superuser(user))
      fail(sqlstate::kInsufficientPrivilege, "must be superuser to alter superusers");
  } else if (!has_createrole(cx) && !roles.is_admin_of(user, role.oid)) {
    fail(sqlstate::kInsufficientPrivilege, "must have admin option on role \"" + role.name + "\"");
  }
  if (add && role.oid == catalog::kDatabaseOwnerRoleId)
    fail(sqlstate::kInternalError, "role \"" + role.name + "\" cannot have explicit members");
  for (const auto* spec : member_specs) {
    Oid mid = rolespec_oid(cx, spec);
    std::string mname = rolespec_name(cx, spec);
    auto member = roles.by_oid(mid);
    if (!member) continue;
    member = lock_role_for_change(cx, *member);
    auto it = std::find_if(member->member_of.begin(), member->member_of.end(),
                           [&](const catalog::RoleMembership& m) { return m.role == role.oid; });
    if (add) {
      if (mid == catalog::kDatabaseOwnerRoleId)
        fail(sqlstate::kInternalError, "role \"" + mname + "\" cannot be a member of any role");
      if (roles.is_member_of_nosuper(role.oid, mid))
        fail("0LP01", "role \"" + role.name + "\" is a member of role \"" + mname + "\"");
      if (it != member->member_of.end() && (!admin_option || it->admin_option)) {
        notice(cx, "NOTICE", "00000",
               "role \"" + mname + "\" is already a member of role \"" + role.name + "\"");
        continue;
      }
      if (it != member->member_of.end())
        it->admin_option = true;
      else
        member->member_of.push_back({role.oid, user, admin_option});
    } else {
      if (it == member->member_of.end()) {
        notice(cx, "WARNING", "01000",
               "role \"" + mname + "\" is not a member of role \"" + role.name + "\"");
        continue;
      }
      if (admin_option)
        it->admin_option = false;
      else
        member->member_of.erase(it);
    }
    cx.catalog.roles().replace(*member, &cx.txn);
  }
}

void check_role_name(const std::string& name) {
  if (name.rfind("pg_", 0) == 0)
    fail("42939", "role name \"" + name + "\" is reserved",
         "Role names starting with \"pg_\" are reserved.");
}

// The attributes CREATE / ALTER ROLE give (not the password, validity or memberships).
void apply_attributes(const RoleOptions& o, Role& r) {
  if (o.superuser) r.superuser = bool_arg(o.superuser);
  if (o.inherit) r.inherit = bool_arg(o.inherit);
  if (o.create_role) r.create_role = bool_arg(o.create_role);
  if (o.create_db) r.create_db = bool_arg(o.create_db);
  if (o.can_login) r.can_login = bool_arg(o.can_login);
  if (o.replication) r.replication = bool_arg(o.replication);
  if (o.bypass_rls) r.bypass_rls = bool_arg(o.bypass_rls);
  if (o.connection_limit) {
    r.connection_limit = o.connection_limit->arg->integer->ival;
    if (r.connection_limit < -1)
      fail(sqlstate::kInvalidParameterValue,
           "invalid connection limit: " + std::to_string(r.connection_limit));
  }
}

std::string create_role(const PgQuery__CreateRoleStmt* s, ExecContext& cx) {
  std::string name = s->role;
  RoleOptions o = read_options(cx, s->options, s->n_options);
  Role r;
  r.name = name;
  r.can_login = s->stmt_type == PG_QUERY__ROLE_STMT_TYPE__ROLESTMT_USER;
  apply_attributes(o, r);
  const auto& roles = roles_of(cx);
  const bool superuser = roles.is_superuser(current_user(cx));
  if (r.superuser) {
    if (!superuser)
      fail(sqlstate::kInsufficientPrivilege, "must be superuser to create superusers");
  } else if (r.replication) {
    if (!superuser)
      fail(sqlstate::kInsufficientPrivilege, "must be superuser to create replication users");
  } else if (r.bypass_rls) {
    if (!superuser)
      fail(sqlstate::kInsufficientPrivilege, "must be superuser to create bypassrls users");
  } else if (!has_createrole(cx)) {
    fail(sqlstate::kInsufficientPrivilege, "permission denied to create role");
  }
  check_role_name(name);
  wait_for_uncommitted_role(cx, name);
  if (roles.find(name)) fail(sqlstate::kDuplicateObject, "role \"" + name + "\" already exists");
  if (o.valid_until) r.valid_until = valid_until_value(o.valid_until, cx);
  if (o.password) r.password = password_secret(cx, o.password);
  r.oid = cx.catalog.allocate_oid();
  // Held until the end: a second CREATE of the name waits on it (wait_for_uncommitted_role).
  if (!cx.txn.lock_table(r.oid, coord::table_mode::kAccessExclusive, lock_wait(cx)))
    fail(sqlstate::kLockNotAvailable, "could not obtain lock on role \"" + name + "\"");
  cx.catalog.roles().create(r, &cx.txn);
  // IN ROLE: the new role joins existing roles; ROLE / ADMIN: existing roles join it.
  for (const auto* spec : role_list(o.add_role_to)) {
    Role target = role_named(cx, rolespec_name(cx, spec));
    PgQuery__RoleSpec self = PG_QUERY__ROLE_SPEC__INIT;
    self.roletype = PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CSTRING;
    self.rolename = const_cast<char*>(name.c_str());
    change_members(cx, target, {&self}, true, false);
  }
  Role created = *roles.by_oid(r.oid);
  change_members(cx, created, role_list(o.admin_members), true, true);
  change_members(cx, created, role_list(o.role_members), true, false);
  return "CREATE ROLE";
}

std::string alter_role(const PgQuery__AlterRoleStmt* s, ExecContext& cx) {
  RoleOptions o = read_options(cx, s->options, s->n_options);
  Oid oid = rolespec_oid(cx, s->role);
  Role r = lock_role_for_change(cx, *roles_of(cx).by_oid(oid));
  Oid user = current_user(cx);
  const auto& roles = roles_of(cx);
  const bool superuser = roles.is_superuser(user);
  if (r.superuser || o.superuser) {
    if (!superuser)
      fail(sqlstate::kInsufficientPrivilege,
           "must be superuser to alter superuser roles or change superuser attribute");
  } else if (r.replication || o.replication) {
    if (!superuser)
      fail(sqlstate::kInsufficientPrivilege,
           "must be superuser to alter replication roles or change replication attribute");
  } else if (o.bypass_rls) {
    if (!superuser)
      fail(sqlstate::kInsufficientPrivilege, "must be superuser to change bypassrls attribute");
  } else if (!has_createrole(cx)) {
    // Without CREATEROLE a role may change only its own password.
    if (o.any_besides_password() || !o.password || oid != user)
      fail(sqlstate::kInsufficientPrivilege, "permission denied");
  }
  apply_attributes(o, r);
  if (o.valid_until) r.valid_until = valid_until_value(o.valid_until, cx);
  if (o.password) r.password = password_secret(cx, o.password);
  cx.catalog.roles().replace(r, &cx.txn);
  // ALTER GROUP g ADD USER u / DROP USER u.
  if (o.role_members) change_members(cx, r, role_list(o.role_members), s->action > 0, false);
  return "ALTER ROLE";
}

void apply_set(std::vector<std::pair<std::string, std::string>>& config,
               const PgQuery__VariableSetStmt* set, const char* what, ExecContext& cx);

// ALTER ROLE r SET name = value / TO DEFAULT / RESET name / RESET ALL (pg_roles.rolconfig):
// what a new session of r starts with. A superuser may change any role's; a role with
// CREATEROLE those of non-superusers; any role its own.
std::string alter_role_set(const PgQuery__AlterRoleSetStmt* s, ExecContext& cx) {
  if (s->role == nullptr)
    fail(sqlstate::kFeatureNotSupported, "ALTER ROLE ALL ... SET is not supported");
  if (s->database != nullptr && *s->database)
    fail(sqlstate::kFeatureNotSupported, "ALTER ROLE ... IN DATABASE ... SET is not supported");
  Oid oid = rolespec_oid(cx, s->role);
  Role r = lock_role_for_change(cx, *roles_of(cx).by_oid(oid));
  Oid user = current_user(cx);
  const bool superuser = roles_of(cx).is_superuser(user);
  if (r.superuser ? !superuser : !(superuser || has_createrole(cx) || oid == user))
    fail(sqlstate::kInsufficientPrivilege, "permission denied");
  apply_set(r.config, s->setstmt, "ALTER ROLE", cx);
  cx.catalog.roles().replace(r, &cx.txn);
  return "ALTER ROLE";
}

// ALTER DATABASE d SET / RESET: what a new session of database d starts with, before its
// role's settings. postgres owns every database here, so only a superuser may.
std::string alter_database_set(const PgQuery__AlterDatabaseSetStmt* s, ExecContext& cx) {
  std::string db = s->dbname ? s->dbname : "";
  if (!roles_of(cx).is_superuser(current_user(cx)))
    fail(sqlstate::kInsufficientPrivilege, "must be owner of database " + db);
  auto config = cx.catalog.roles().database_config(db);
  apply_set(config, s->setstmt, "ALTER DATABASE", cx);
  cx.catalog.roles().set_database_config(db, std::move(config), &cx.txn);
  return "ALTER DATABASE";
}

// The change of SET / RESET / RESET ALL to a role's or a database's settings.
void apply_set(std::vector<std::pair<std::string, std::string>>& config,
               const PgQuery__VariableSetStmt* set, const char* what, ExecContext& cx) {
  std::string name = set && set->name ? set->name : "";
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto drop = [&] { std::erase_if(config, [&](const auto& kv) { return kv.first == name; }); };
  switch (set ? set->kind : PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL) {
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE: {
      cx.session.get_setting(name);  // 42704 unrecognized configuration parameter
      std::string value;
      for (size_t i = 0; i < set->n_args; ++i)
        value += (i ? ", " : "") + parse::const_text(set->args[i]);
      auto it = std::find_if(config.begin(), config.end(),
                             [&](const auto& kv) { return kv.first == name; });
      if (it != config.end())
        it->second = value;
      else
        config.emplace_back(name, value);
      break;
    }
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT:
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET:
      drop();
      break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL:
      config.clear();
      break;
    default:
      fail(sqlstate::kFeatureNotSupported,
           std::string("this form of ") + what + " ... SET is not supported");
  }
}

// The oid pg_database shows for a database name.
Oid database_oid(const std::string& name) {
  return name == "postgres" ? 5 : name == "template0" ? 4 : name == "template1" ? 1 : 16384;
}

// What depends on a role, as PostgreSQL's checkSharedDependencies words and sorts it: by
// object oid, then ACL entries ('a') before ownership ('o'). An owner's own ACL entries are
// not dependencies (PostgreSQL records none for them).
std::string dependencies_of(ExecContext& cx, Oid role) {
  // Sort key: PostgreSQL creates a serial column's sequence just before its table, so such a
  // sequence sorts right before the table here (its oid is allocated after the table's).
  struct Dep {
    Oid order = 0;
    int before = 1;  // 0: the sequence of a serial column of table `order`
    Oid oid = 0;
    char deptype = 'o';
    std::string text;
    bool operator<(const Dep& o) const {
      return std::tie(order, before, oid, deptype) < std::tie(o.order, o.before, o.oid, o.deptype);
    }
  };
  std::vector<Dep> deps;
  auto in_acl = [&](const catalog::Acl& acl, Oid owner) {
    if (role == owner) return false;
    for (const auto& item : acl)
      if (item.grantee == role || item.grantor == role) return true;
    return false;
  };
  for (const auto& t : cx.catalog.tables()) {
    if (t->owner == role) deps.push_back({t->oid, 1, t->oid, 'o', "owner of table " + t->name});
    if (t->acl && in_acl(*t->acl, t->owner))
      deps.push_back({t->oid, 1, t->oid, 'a', "privileges for table " + t->name});
  }
  for (const auto& s : cx.catalog.sequences()) {
    if (s.name.rfind("hf_rowid_", 0) == 0) continue;  // the hidden row ids
    Oid order = s.owner_table ? s.owner_table : s.oid;
    int before = s.owner_table ? 0 : 1;
    if (s.owner == role) deps.push_back({order, before, s.oid, 'o', "owner of sequence " + s.name});
    if (s.acl && in_acl(*s.acl, s.owner))
      deps.push_back({order, before, s.oid, 'a', "privileges for sequence " + s.name});
  }
  for (const auto& [db, acl] : roles_of(cx).database_acls())
    if (in_acl(acl, catalog::kBootstrapSuperuserId))
      deps.push_back({database_oid(db), 1, database_oid(db), 'a', "privileges for database " + db});
  if (in_acl(roles_of(cx).public_schema_acl(), catalog::kDatabaseOwnerRoleId))
    deps.push_back({catalog::kPublicNamespaceId, 1, catalog::kPublicNamespaceId, 'a',
                    "privileges for schema public"});
  std::sort(deps.begin(), deps.end());
  std::string out;
  for (const auto& d : deps) out += (out.empty() ? "" : "\n") + d.text;
  return out;
}

std::string drop_role(const PgQuery__DropRoleStmt* s, ExecContext& cx) {
  if (!has_createrole(cx)) fail(sqlstate::kInsufficientPrivilege, "permission denied to drop role");
  for (size_t i = 0; i < s->n_roles; ++i) {
    const auto* spec = as_rolespec(s->roles[i]);
    if (spec->roletype != PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CSTRING)
      fail(sqlstate::kInvalidParameterValue, "cannot use special role specifier in DROP ROLE");
    std::string name = spec->rolename;
    auto r = roles_of(cx).find(name);
    if (!r) {
      if (!s->missing_ok) fail(sqlstate::kUndefinedObject, "role \"" + name + "\" does not exist");
      notice(cx, "NOTICE", "00000", "role \"" + name + "\" does not exist, skipping");
      continue;
    }
    if (r->oid == current_user(cx)) fail(sqlstate::kObjectInUse, "current user cannot be dropped");
    if (r->oid == cx.session.session_user_id())
      fail(sqlstate::kObjectInUse, "session user cannot be dropped");
    if (r->superuser && !roles_of(cx).is_superuser(current_user(cx)))
      fail(sqlstate::kInsufficientPrivilege, "must be superuser to drop superusers");
    if (r->oid == catalog::kBootstrapSuperuserId || r->oid == catalog::kDatabaseOwnerRoleId)
      fail("2BP01", "cannot drop role " + name + " because it is required by the database system");
    std::string deps = dependencies_of(cx, r->oid);
    if (!deps.empty())
      fail("2BP01", "role \"" + name + "\" cannot be dropped because some objects depend on it",
           deps);
    lock_role_for_change(cx, *r);
    // Its members lose their membership: their rows change too.
    for (const Role& m : roles_of(cx).all())
      if (std::any_of(m.member_of.begin(), m.member_of.end(),
                      [&](const catalog::RoleMembership& ms) { return ms.role == r->oid; }))
        lock_role_for_change(cx, m);
    cx.catalog.roles().drop(r->oid, &cx.txn);
  }
  return "DROP ROLE";
}

std::string rename_role(const PgQuery__RenameStmt* s, ExecContext& cx) {
  std::string old_name = s->subname ? s->subname : "";
  Role r = role_named(cx, old_name);
  std::string new_name = s->newname;
  if (r.oid == cx.session.session_user_id())
    fail(sqlstate::kFeatureNotSupported, "session user cannot be renamed");
  if (r.oid == current_user(cx))
    fail(sqlstate::kFeatureNotSupported, "current user cannot be renamed");
  if (r.oid == catalog::kDatabaseOwnerRoleId || old_name.rfind("pg_", 0) == 0)
    fail("42939", "role name \"" + old_name + "\" is reserved",
         "Role names starting with \"pg_\" are reserved.");
  check_role_name(new_name);
  wait_for_uncommitted_role(cx, new_name);
  if (roles_of(cx).find(new_name))
    fail(sqlstate::kDuplicateObject, "role \"" + new_name + "\" already exists");
  const auto& roles = roles_of(cx);
  if (r.superuser) {
    if (!roles.is_superuser(current_user(cx)))
      fail(sqlstate::kInsufficientPrivilege, "must be superuser to rename superusers");
  } else if (!has_createrole(cx)) {
    fail(sqlstate::kInsufficientPrivilege, "permission denied to rename role");
  }
  r = lock_role_for_change(cx, r);
  r.name = new_name;
  cx.catalog.roles().replace(r, &cx.txn);
  return "ALTER ROLE";
}

// ---- GRANT / REVOKE on objects ----

struct Grantor {
  Oid id = 0;
  uint32_t options = 0;  // the grant options it holds among those needed
};

// PostgreSQL's select_best_grantor: the owner when the user is the owner or a superuser, else
// the role (the user or one it inherits from) holding the most of the needed grant options.
Grantor best_grantor(ExecContext& cx, const std::optional<catalog::Acl>& acl, Oid owner,
                     uint32_t needed) {
  const auto& roles = roles_of(cx);
  Oid user = current_user(cx);
  if (user == owner || roles.is_superuser(user)) return {owner, needed};
  Grantor best{user, 0};
  int best_count = 0;
  std::vector<Oid> candidates{user};
  for (const auto& r : roles.all())
    if (r.oid != user && roles.has_privs_of(user, r.oid)) candidates.push_back(r.oid);
  for (Oid c : candidates) {
    uint32_t held = c == owner ? needed : 0;
    if (acl)
      for (const auto& item : *acl)
        if (item.grantee == c) held |= item.grant_options & needed;
    if (!acl && c == owner) held = needed;
    if (held == needed) return {c, held};
    int count = __builtin_popcount(held);
    if (count > best_count) best = {c, held}, best_count = count;
  }
  return best;
}

// PostgreSQL's restrict_and_check_grant: what of `privileges` the grantor may grant or revoke,
// with its WARNINGs; 42501 when the user holds no privilege at all on the object.
uint32_t restrict_grant(ExecContext& cx, bool is_grant, const Grantor& g, bool all_privs,
                        uint32_t privileges, uint32_t held_any, const std::string& kind,
                        const std::string& name) {
  if (g.options == 0 && held_any == 0)
    fail(sqlstate::kInsufficientPrivilege, "permission denied for " + kind + " " + name);
  uint32_t granted = privileges & g.options;
  if (is_grant) {
    if (granted == 0)
      notice(cx, "WARNING", "01007", "no privileges were granted for \"" + name + "\"");
    else if (!all_privs && granted != privileges)
      notice(cx, "WARNING", "01007", "not all privileges were granted for \"" + name + "\"");
  } else {
    if (granted == 0)
      notice(cx, "WARNING", "01006", "no privileges could be revoked for \"" + name + "\"");
    else if (!all_privs && granted != privileges)
      notice(cx, "WARNING", "01006", "not all privileges could be revoked for \"" + name + "\"");
  }
  return granted;
}

// REVOKE of privs from grantee's item granted by grantor (grant_option_only: GRANT OPTION
// FOR). As PostgreSQL's aclupdate and recursive_revoke: when the grantee loses grant options
// it no longer holds otherwise, what it granted with them is revoked too with CASCADE, and is
// an error without ("dependent privileges exist").
void acl_revoke(ExecContext& cx, catalog::Acl& acl, Oid owner, uint32_t all, Oid grantee,
                Oid grantor, uint32_t privs, bool grant_option_only, bool cascade) {
  auto options_of = [&]() -> uint32_t {
    for (const auto& i : acl)
      if (i.grantee == grantee && i.grantor == grantor) return i.grant_options;
    return 0;
  };
  uint32_t before = options_of();
  catalog::acl_update(acl, grantee, grantor, privs, false, grant_option_only);
  uint32_t lost = before & ~options_of();
  if (lost == 0 || grantee == owner) return;
  lost &= ~roles_of(cx).grant_options(acl, owner, all, grantee, lost);
  for (bool again = lost != 0; again;) {
    again = false;
    for (const auto& i : acl) {
      if (i.grantor != grantee || (i.privileges & lost) == 0) continue;
      if (!cascade) {
        Error e;
        e.sqlstate = "2BP01";
        e.message = "dependent privileges exist";
        e.hint = "Use CASCADE to revoke them too.";
        throw SqlError(std::move(e));
      }
      acl_revoke(cx, acl, owner, all, i.grantee, grantee, lost, false, cascade);
      again = true;
      break;
    }
  }
}

void apply_grant(ExecContext& cx, const PgQuery__GrantStmt* s, catalog::Acl& acl, Oid owner,
                 uint32_t all, const std::vector<Oid>& grantees, Oid grantor, uint32_t bits) {
  const bool cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
  for (Oid grantee : grantees) {
    if (s->is_grant)
      catalog::acl_update(acl, grantee, grantor, bits, true, s->grant_option);
    else
      acl_revoke(cx, acl, owner, all, grantee, grantor, bits, s->grant_option, cascade);
  }
}

std::string privilege_upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The kinds of object GRANT and REVOKE act on, with PostgreSQL's names and privileges.
struct ObjectKind {
  const char* name;  // in messages: "table", "sequence", "schema", "database"
  uint32_t all;      // ALL [PRIVILEGES]
};
constexpr ObjectKind kTableKind{"table", acl::kAllOnTable};
constexpr ObjectKind kSequenceKind{"sequence", acl::kAllOnSequence};
constexpr ObjectKind kSchemaKind{"schema", acl::kAllOnSchema};
constexpr ObjectKind kDatabaseKind{"database", acl::kAllOnDatabase};

uint32_t privilege_bit(const ObjectKind& kind, const std::string& name) {
  if (&kind == &kTableKind) return table_privilege_bit(name);
  uint32_t b = name == "select"                        ? acl::kSelect
               : name == "update"                      ? acl::kUpdate
               : name == "usage"                       ? acl::kUsage
               : name == "create"                      ? acl::kCreate
               : name == "connect"                     ? acl::kConnect
               : name == "temporary" || name == "temp" ? acl::kTemporary
                                                       : 0;
  return b & kind.all;
}

// The privilege bits a GRANT names; all_privs: ALL [PRIVILEGES]. Names valid for tables but
// not this kind are an error, except that GRANT ... ON TABLE also reaches sequences
// (grant_on_sequence narrows them, with PostgreSQL's warning).
uint32_t privileges_named(const PgQuery__GrantStmt* s, const ObjectKind& kind, bool& all_privs) {
  all_privs = s->n_privileges == 0;
  if (all_privs) return kind.all;
  uint32_t bits = 0;
  for (size_t i = 0; i < s->n_privileges; ++i) {
    const auto* p = s->privileges[i]->access_priv;
    if (p->n_cols > 0) fail(sqlstate::kFeatureNotSupported, "column privileges are not supported");
    std::string name = p->priv_name ? p->priv_name : "";
    uint32_t b = privilege_bit(kind, name);
    if (b == 0)
      fail("0LP01", "invalid privilege type " + privilege_upper(name) + " for " + kind.name);
    bits |= b;
  }
  return bits;
}

std::vector<Oid> grantee_ids(ExecContext& cx, const PgQuery__GrantStmt* s) {
  std::vector<Oid> out;
  for (size_t i = 0; i < s->n_grantees; ++i)
    out.push_back(rolespec_oid(cx, as_rolespec(s->grantees[i]), /*allow_public=*/true));
  return out;
}

// One object's ACL changed by a GRANT or REVOKE (PostgreSQL's ExecGrant_* for one object):
// the grantor chosen, what it may grant checked, the ACL updated. Returns the new ACL.
catalog::Acl granted_acl(ExecContext& cx, const PgQuery__GrantStmt* s,
                         const std::optional<catalog::Acl>& acl, Oid owner, const ObjectKind& kind,
                         const std::string& name, uint32_t privileges, bool all_privs,
                         const std::vector<Oid>& grantees) {
  const auto& roles = roles_of(cx);
  Grantor g = best_grantor(cx, acl, owner, privileges);
  uint32_t held = roles.privileges(acl, owner, kind.all, current_user(cx), kind.all);
  uint32_t bits = restrict_grant(cx, s->is_grant, g, all_privs, privileges, held, kind.name, name);
  catalog::Acl out = acl ? *acl : catalog::default_acl(owner, kind.all);
  apply_grant(cx, s, out, owner, kind.all, grantees, g.id, bits);
  return out;
}

void grant_on_sequence(ExecContext& cx, const PgQuery__GrantStmt* s, catalog::Sequence seq,
                       uint32_t privileges, bool all_privs, const std::vector<Oid>& grantees) {
  if (s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {  // GRANT ... ON TABLE sequence
    if (all_privs) {
      privileges = acl::kAllOnSequence;
    } else if (privileges & ~acl::kAllOnSequence) {
      notice(cx, "WARNING", "0LP01",
             "sequence \"" + seq.name + "\" only supports USAGE, SELECT, and UPDATE privileges");
      privileges &= acl::kAllOnSequence;
    }
  }
  // PostgreSQL updates the sequence's pg_class row: another transaction's uncommitted GRANT,
  // REVOKE or OWNER TO of it is waited for, and fails this one if it committed. Here the
  // change holds SHARE UPDATE EXCLUSIVE, which conflicts with itself but not with nextval()'s
  // ROW EXCLUSIVE or a reader's ACCESS SHARE.
  lock_object_for_change(cx, seq.oid, seq.name, coord::table_mode::kShareUpdateExclusive);
  auto now = cx.catalog.sequence_by_oid(seq.oid);
  if (!now) fail(sqlstate::kUndefinedTable, "relation \"" + seq.name + "\" does not exist");
  if (now->owner != seq.owner || now->acl != seq.acl)
    fail(sqlstate::kInternalError, "tuple concurrently updated");
  seq.acl = granted_acl(cx, s, seq.acl, seq.owner, kSequenceKind, seq.name, privileges, all_privs,
                        grantees);
  cx.catalog.replace_sequence(std::move(seq), &cx.txn);
}

bool hidden_sequence(const catalog::Sequence& s) {
  return s.name.rfind("hf_rowid_", 0) == 0;
}

void require_public_schema_name(const std::string& nsp) {
  if (nsp != "public") fail(sqlstate::kInvalidSchemaName, "schema \"" + nsp + "\" does not exist");
}

std::string grant_objects(const PgQuery__GrantStmt* s, ExecContext& cx) {
  if (s->grantor) {
    Oid g = rolespec_oid(cx, s->grantor);
    if (g != current_user(cx)) fail(sqlstate::kFeatureNotSupported, "grantor must be current user");
  }
  const std::string tag = s->is_grant ? "GRANT" : "REVOKE";
  const bool all_in_schema = s->targtype == PG_QUERY__GRANT_TARGET_TYPE__ACL_TARGET_ALL_IN_SCHEMA;
  bool all_privs = false;
  switch (s->objtype) {
    case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE: {
      const bool seq_kind = s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE;
      // A table statement names table privileges; sequences reached by it get them narrowed.
      uint32_t privileges = privileges_named(s, seq_kind ? kSequenceKind : kTableKind, all_privs);
      std::vector<catalog::TablePtr> tables;
      std::vector<catalog::Sequence> seqs;
      if (all_in_schema) {
        for (size_t i = 0; i < s->n_objects; ++i) require_public_schema_name(str_of(s->objects[i]));
        if (seq_kind) {
          for (const auto& q : cx.catalog.sequences())
            if (!hidden_sequence(q)) seqs.push_back(q);
        } else {
          tables = cx.catalog.tables();
        }
      } else {
        for (size_t i = 0; i < s->n_objects; ++i) {
          std::string name = s->objects[i]->range_var->relname;
          auto t = utility_table(cx, s->objects[i]->range_var);
          const auto* rv = s->objects[i]->range_var;
          auto q = cx.catalog.find_sequence(rv->schemaname ? rv->schemaname : "", name,
                                            session_search_path(cx.catalog, cx.session));
          if (q && hidden_sequence(*q)) q.reset();
          if (!t && !q) fail(sqlstate::kUndefinedTable, "relation \"" + name + "\" does not exist");
          if (seq_kind && !q)
            fail(sqlstate::kWrongObjectType, "\"" + name + "\" is not a sequence");
          if (t)
            tables.push_back(t);
          else
            seqs.push_back(*q);
        }
      }
      std::vector<Oid> grantees = grantee_ids(cx, s);
      for (const auto& t : tables) {
        catalog::Table nt = *cx.catalog.table_by_oid(t->oid);
        nt.acl = granted_acl(cx, s, nt.acl, nt.owner, kTableKind, nt.name, privileges, all_privs,
                             grantees);
        cx.catalog.replace_table(std::move(nt), &cx.txn);
      }
      for (const auto& q : seqs)
        grant_on_sequence(cx, s, *cx.catalog.sequence_by_oid(q.oid), privileges, all_privs,
                          grantees);
      return tag;
    }
    case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA: {
      uint32_t privileges = privileges_named(s, kSchemaKind, all_privs);
      for (size_t i = 0; i < s->n_objects; ++i) {
        std::string nsp = str_of(s->objects[i]);
        if (nsp == "pg_catalog" || nsp == "information_schema")
          fail(sqlstate::kFeatureNotSupported,
               "GRANT and REVOKE on schema " + nsp + " are not supported");
        require_public_schema_name(nsp);
      }
      std::vector<Oid> grantees = grantee_ids(cx, s);
      cx.catalog.roles().set_public_schema_acl(
          granted_acl(cx, s, roles_of(cx).public_schema_acl(), catalog::kDatabaseOwnerRoleId,
                      kSchemaKind, "public", privileges, all_privs, grantees),
          &cx.txn);
      return tag;
    }
    case PG_QUERY__OBJECT_TYPE__OBJECT_DATABASE: {
      // Every database name exists in holdfast (a connection makes it); postgres owns them.
      uint32_t privileges = privileges_named(s, kDatabaseKind, all_privs);
      std::vector<Oid> grantees = grantee_ids(cx, s);
      for (size_t i = 0; i < s->n_objects; ++i) {
        std::string db = str_of(s->objects[i]);
        auto acl = roles_of(cx).database_acl(db);
        if (!acl) acl = catalog::Roles::default_database_acl();
        cx.catalog.roles().set_database_acl(
            db,
            granted_acl(cx, s, acl, catalog::kBootstrapSuperuserId, kDatabaseKind, db, privileges,
                        all_privs, grantees),
            &cx.txn);
      }
      return tag;
    }
    case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
    case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE:
      fail(sqlstate::kFeatureNotSupported, "privileges on functions are not supported");
    default:
      fail(sqlstate::kFeatureNotSupported, "privileges on this kind of object are not supported");
  }
}

std::string grant_roles(const PgQuery__GrantRoleStmt* s, ExecContext& cx) {
  if (s->grantor) {
    Oid g = rolespec_oid(cx, s->grantor);
    if (g != current_user(cx) && !roles_of(cx).is_superuser(current_user(cx)))
      fail(sqlstate::kInsufficientPrivilege, "must be superuser to set grantor");
  }
  std::vector<const PgQuery__RoleSpec*> members;
  for (size_t i = 0; i < s->n_grantee_roles; ++i) {
    members.push_back(as_rolespec(s->grantee_roles[i]));
    (void)rolespec_oid(cx, members.back());  // every grantee must exist first, as PostgreSQL
  }
  for (size_t i = 0; i < s->n_granted_roles; ++i) {
    const auto* p = s->granted_roles[i]->access_priv;
    if (!p->priv_name || p->n_cols > 0)
      fail("0LP01", "column names cannot be included in GRANT/REVOKE ROLE");
    Role role = role_named(cx, p->priv_name);
    change_members(cx, role, members, s->is_grant, s->admin_opt);
  }
  return s->is_grant ? "GRANT ROLE" : "REVOKE ROLE";
}

}  // namespace

namespace {

// PostgreSQL's ATExecChangeOwner for a relation of this kind owned by `owner`: the new owner,
// checked, and the ACL's entries of the old owner given to the new one.
Oid change_owner(ExecContext& cx, Oid owner, const char* kind, const std::string& name,
                 std::optional<catalog::Acl>& acl, const PgQuery__RoleSpec* spec) {
  Oid new_owner = rolespec_oid(cx, spec);
  const auto& roles = roles_of(cx);
  Oid user = current_user(cx);
  if (!roles.is_superuser(user)) {
    require_owner(cx, owner, kind, name);
    if (!roles.is_member_of(user, new_owner))
      fail(sqlstate::kInsufficientPrivilege,
           "must be member of role \"" + roles.name_of(new_owner) + "\"");
    if (roles.public_schema_privileges(new_owner, acl::kCreate) == 0)
      fail(sqlstate::kInsufficientPrivilege, "permission denied for schema public");
  }
  if (acl) {
    // As PostgreSQL's aclnewowner: entries that now name the same grantee and grantor merge.
    catalog::Acl moved;
    for (auto item : *acl) {
      if (item.grantee == owner) item.grantee = new_owner;
      if (item.grantor == owner) item.grantor = new_owner;
      auto same = std::find_if(moved.begin(), moved.end(), [&](const catalog::AclItem& m) {
        return m.grantee == item.grantee && m.grantor == item.grantor;
      });
      if (same == moved.end()) {
        moved.push_back(item);
      } else {
        same->privileges |= item.privileges;
        same->grant_options |= item.grant_options;
      }
    }
    acl = std::move(moved);
  }
  return new_owner;
}

}  // namespace

catalog::Table with_new_owner(const catalog::Table& t, const PgQuery__RoleSpec* spec,
                              ExecContext& cx) {
  catalog::Table nt = t;
  nt.owner = change_owner(cx, t.owner, "table", t.name, nt.acl, spec);
  return nt;
}

catalog::Sequence with_new_owner(const catalog::Sequence& s, const PgQuery__RoleSpec* spec,
                                 ExecContext& cx) {
  catalog::Sequence ns = s;
  ns.owner = change_owner(cx, s.owner, "sequence", s.name, ns.acl, spec);
  return ns;
}

std::string run_role_statement(const PgQuery__Node* node, ExecContext& cx) {
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_CREATE_ROLE_STMT:
      return create_role(node->create_role_stmt, cx);
    case PG_QUERY__NODE__NODE_ALTER_ROLE_STMT:
      return alter_role(node->alter_role_stmt, cx);
    case PG_QUERY__NODE__NODE_DROP_ROLE_STMT:
      return drop_role(node->drop_role_stmt, cx);
    case PG_QUERY__NODE__NODE_GRANT_STMT:
      return grant_objects(node->grant_stmt, cx);
    case PG_QUERY__NODE__NODE_GRANT_ROLE_STMT:
      return grant_roles(node->grant_role_stmt, cx);
    case PG_QUERY__NODE__NODE_RENAME_STMT:
      if (node->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_ROLE)
        return rename_role(node->rename_stmt, cx);
      break;
    case PG_QUERY__NODE__NODE_ALTER_ROLE_SET_STMT:
      return alter_role_set(node->alter_role_set_stmt, cx);
    case PG_QUERY__NODE__NODE_ALTER_DATABASE_SET_STMT:
      return alter_database_set(node->alter_database_set_stmt, cx);
    default:
      break;
  }
  fail(sqlstate::kFeatureNotSupported, "statement is not supported");
}

}  // namespace hf::sql::exec
