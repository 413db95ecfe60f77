// sql/exec/system_views.cc — rows of the pg_catalog / information_schema relations defined in
// bind/virtual_tables.cc, generated from the catalog and the session registry.
#include "catalog/roles.h"
#include "common/error.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/locking.h"
#include "sql/types/type_info.h"

namespace hf::sql::exec {

namespace {

constexpr Oid kPgCatalogNs = 11;
constexpr Oid kPublicNs = 2200;
constexpr Oid kInfoSchemaNs = 13000;
constexpr Oid kBtreeAm = 403;
constexpr Oid kHeapAm = 2;
constexpr Oid kSuperuser = 10;

Datum ch(char c) {
  return Datum(std::string(1, c));
}
Datum oid(Oid o) {
  return Datum(static_cast<int64_t>(o));
}
Datum null() {
  return Datum::Null();
}

}  // namespace

std::vector<Row> system_view_rows(const std::string& name, ExecContext& cx) {
  if (name == "holdfast.resource_locks") return resource_lock_rows(cx);  // exec/locking.h
  std::vector<Row> out;
  auto tables = cx.catalog.tables();
  std::string view = name.substr(name.find('.') + 1);
  bool info = name.rfind("information_schema.", 0) == 0;
  auto database = [&]() {
    auto i = cx.session.registry().find(cx.session.backend_pid());
    return i && !i->database.empty() ? i->database : std::string("postgres");
  };
  if (info && view == "tables") {
    for (const auto& t : tables)
      out.push_back({Datum(database()), Datum("public"), Datum(t->name), Datum("BASE TABLE")});
    return out;
  }
  if (info && view == "columns") {
    for (const auto& t : tables)
      for (size_t i = 0; i < t->columns.size(); ++i) {
        const auto& c = t->columns[i];
        out.push_back(
            {Datum(database()), Datum("public"), Datum(t->name), Datum(c.name),
             Datum(int64_t(i + 1)), c.default_expr.empty() ? null() : Datum(c.default_expr),
             Datum(c.not_null ? "NO" : "YES"), Datum(types::format_type(TypeRef{c.type.oid, -1}))});
      }
    return out;
  }
  const auto& roles = cx.catalog.roles();
  // An ACL as aclitem[] prints it (NULL: the default ACL).
  auto acl_datum = [&](const std::optional<catalog::Acl>& acl) {
    if (!acl) return null();
    auto v = std::make_shared<std::vector<Datum>>();
    for (const auto& item : *acl)
      v->push_back(
          Datum(catalog::acl_item_text(item, [&](Oid role) { return roles.name_of(role); })));
    return Datum(ArrayPtr(v));
  };
  if (view == "pg_class") {
    // reloptions: the placement of rows and index entries (holdfast.partition_key, catalog.h),
    // so psql's \d+ shows it as "Options:".
    auto partition_option = [](const catalog::Table& t, const std::vector<int>& key,
                               size_t width) -> Datum {
      std::string v = "holdfast.partition_key=";
      for (size_t k = 0; k < width && k < key.size(); ++k)
        v += (k ? ", " : "") + (key[k] >= 0 ? t.columns[key[k]].name : std::string("expr"));
      return Datum(ArrayPtr(std::make_shared<std::vector<Datum>>(std::vector<Datum>{Datum(v)})));
    };
    // persistence: 'p', or 't' for a temporary table and its indexes (catalog.h).
    auto rel = [&](Oid o, const std::string& n, char kind, int natts, bool hasindex, Oid owner,
                   const std::optional<catalog::Acl>& acl, Datum reloptions = Datum::Null(),
                   char persistence = 'p') {
      out.push_back({oid(o),
                     Datum(n),
                     oid(kPublicNs),
                     oid(0),
                     oid(owner),
                     oid(kind == 'i'   ? kBtreeAm
                         : kind == 'r' ? kHeapAm
                                       : 0),
                     oid(o),
                     oid(0),
                     Datum(int64_t{0}),
                     Datum(-1.0),
                     Datum(hasindex),
                     Datum(false),
                     ch(persistence),
                     ch(kind),
                     Datum(int64_t{natts}),
                     Datum(int64_t{0}),
                     Datum(false),
                     Datum(false),
                     Datum(false),
                     Datum(false),
                     Datum(false),
                     Datum(true),
                     ch('d'),
                     Datum(false),
                     reloptions,
                     null(),
                     acl_datum(acl)});
    };
    for (const auto& t : tables) {
      const char persistence = t->temp_namespace != 0 ? 't' : 'p';
      rel(t->oid, t->name, 'r', static_cast<int>(t->columns.size()),
          !t->primary_key.empty() || !t->indexes.empty(), t->owner, t->acl,
          t->primary_key.empty() ? Datum::Null()
                                 : partition_option(*t, t->primary_key, t->placement_width()),
          persistence);
      if (!t->primary_key.empty())
        rel(t->pkey_oid, t->pkey_name, 'i', static_cast<int>(t->primary_key.size()), false,
            t->owner, std::nullopt, Datum::Null(), persistence);
      for (const auto& i : t->indexes)
        rel(i.oid, i.name, 'i', static_cast<int>(i.columns.size()), false, t->owner, std::nullopt,
            i.columns.size() > 1 ? partition_option(*t, i.columns, i.placement_width())
                                 : Datum::Null(),
            persistence);
    }
    for (const auto& s : cx.catalog.sequences())
      if (s.name.rfind("hf_rowid_", 0) != 0) rel(s.oid, s.name, 'S', 3, false, s.owner, s.acl);
    return out;
  }
  if (view == "pg_namespace") {
    out.push_back({oid(kPgCatalogNs), Datum("pg_catalog"), oid(kSuperuser), null()});
    out.push_back({oid(kPublicNs), Datum("public"), oid(catalog::kDatabaseOwnerRoleId),
                   acl_datum(roles.public_schema_acl())});
    out.push_back({oid(kInfoSchemaNs), Datum("information_schema"), oid(kSuperuser), null()});
    return out;
  }
  if (view == "pg_am") {
    out.push_back({oid(kHeapAm), Datum("heap"), ch('t')});
    out.push_back({oid(kBtreeAm), Datum("btree"), ch('i')});
    return out;
  }
  if (view == "pg_type") {
    for (Oid o = 1; o < 5000; ++o) {
      const auto* ti = types::find_type(o);
      if (!ti) continue;
      out.push_back({oid(ti->oid), Datum(ti->name), oid(kPgCatalogNs), Datum(int64_t{ti->typlen}),
                     Datum(ti->by_value), ch('b'), ch(ti->category), oid(ti->elem_oid),
                     oid(ti->array_oid), oid(0), oid(0), Datum(int64_t{-1}), Datum(false),
                     oid(kSuperuser)});
    }
    return out;
  }
  if (view == "pg_attribute") {
    for (const auto& t : tables)
      for (size_t i = 0; i < t->columns.size(); ++i) {
        const auto& c = t->columns[i];
        const auto* ti = types::find_type(c.type.oid);
        out.push_back(
            {oid(t->oid), Datum(c.name), oid(c.type.oid), Datum(int64_t{ti ? ti->typlen : -1}),
             Datum(int64_t(i + 1)), Datum(int64_t{c.type.typmod}), Datum(c.not_null),
             Datum(!c.default_expr.empty()), Datum(false), ch(c.identity_always ? 'a' : '\0'),
             ch('\0'), oid(0), Datum(int64_t{-1}), null()});
        if (out.back()[9].as_string() == std::string(1, '\0')) out.back()[9] = Datum(std::string());
        out.back()[10] = Datum(std::string());
      }
    return out;
  }
  if (view == "pg_index") {
    auto keys = [&](const std::vector<int>& cols) {
      std::string s;
      for (size_t i = 0; i < cols.size(); ++i) s += (i ? " " : "") + std::to_string(cols[i] + 1);
      return s;
    };
    for (const auto& t : tables) {
      if (!t->primary_key.empty())
        out.push_back({oid(t->pkey_oid), oid(t->oid), Datum(int64_t(t->primary_key.size())),
                       Datum(true), Datum(true), Datum(false), Datum(true), Datum(false),
                       Datum(keys(t->primary_key)), Datum(false), Datum(true)});
      for (const auto& i : t->indexes)
        out.push_back({oid(i.oid), oid(t->oid), Datum(int64_t(i.columns.size() + i.include.size())),
                       Datum(i.unique), Datum(false), Datum(false), Datum(true), Datum(false),
                       Datum(keys(i.columns)), Datum(false), Datum(true)});
    }
    return out;
  }
  if (view == "pg_constraint") {
    for (const auto& t : tables) {
      if (!t->primary_key.empty())
        out.push_back({oid(t->pkey_oid), Datum(t->pkey_name), oid(kPublicNs), ch('p'), oid(t->oid),
                       oid(t->pkey_oid), oid(0), Datum(true), ch(' '), ch(' ')});
      for (const auto& i : t->indexes)
        if (i.constraint)
          out.push_back({oid(i.oid), Datum(i.name), oid(kPublicNs), ch('u'), oid(t->oid),
                         oid(i.oid), oid(0), Datum(true), ch(' '), ch(' ')});
      for (const auto& f : t->foreign_keys)
        out.push_back({oid(0), Datum(f.name), oid(kPublicNs), ch('f'), oid(t->oid), oid(0),
                       oid(f.ref_table), Datum(true), ch(f.on_update), ch(f.on_delete)});
      for (const auto& c : t->checks)
        out.push_back({oid(0), Datum(c.name), oid(kPublicNs), ch('c'), oid(t->oid), oid(0), oid(0),
                       Datum(true), ch(' '), ch(' ')});
    }
    return out;
  }
  if (view == "pg_database") {
    for (const char* d : {"postgres", "template0", "template1"}) {
      std::string dn = d;
      out.push_back({oid(dn == "postgres"    ? 5
                         : dn == "template0" ? 4
                                             : 1),
                     Datum(dn), oid(kSuperuser), Datum(int64_t{6}), Datum("C.UTF-8"),
                     Datum("C.UTF-8"), Datum(dn != "postgres"), Datum(dn != "template0"),
                     acl_datum(roles.database_acl(dn)), ch('c'), null()});
    }
    std::string cur = database();
    if (cur != "postgres" && cur != "template0" && cur != "template1")
      out.push_back({oid(16384), Datum(cur), oid(kSuperuser), Datum(int64_t{6}), Datum("C.UTF-8"),
                     Datum("C.UTF-8"), Datum(false), Datum(true),
                     acl_datum(roles.database_acl(cur)), ch('c'), null()});
    return out;
  }
  if (view == "pg_settings") {
    for (const char* n :
         {"server_version", "server_version_num", "client_encoding", "DateStyle", "TimeZone",
          "statement_timeout", "lock_timeout", "deadlock_timeout", "default_transaction_isolation",
          "transaction_isolation", "application_name", "search_path", "max_connections",
          "standard_conforming_strings", "integer_datetimes"}) {
      std::string v;
      try {
        v = cx.session.get_setting(n);
      } catch (const SqlError&) {
        continue;
      }
      out.push_back({Datum(n), Datum(v), null(), null(), null(), Datum("user"), Datum("string"),
                     Datum("default")});
    }
    return out;
  }
  if (view == "pg_roles" || view == "pg_authid" || view == "pg_user" || view == "pg_shadow") {
    auto rolconfig = [](const catalog::Role& r) {
      if (r.config.empty()) return null();
      std::vector<Datum> items;
      for (const auto& [name, value] : r.config) items.emplace_back(name + "=" + value);
      return Datum(ArrayPtr(std::make_shared<const std::vector<Datum>>(std::move(items))));
    };
    // pg_roles and pg_user hide passwords; pg_authid and pg_shadow (superusers only, see
    // exec/privileges.h) show the stored SCRAM secrets.
    const bool secrets = view == "pg_authid" || view == "pg_shadow";
    for (const auto& r : roles.all()) {
      Datum valid = r.valid_until ? Datum(*r.valid_until) : null();
      Datum password = secrets ? (r.password ? Datum(*r.password) : null()) : Datum("********");
      if (view == "pg_roles")
        out.push_back({Datum(r.name), Datum(r.superuser), Datum(r.inherit), Datum(r.create_role),
                       Datum(r.create_db), Datum(r.can_login), Datum(r.replication),
                       Datum(int64_t{r.connection_limit}), password, valid, Datum(r.bypass_rls),
                       rolconfig(r), oid(r.oid)});
      else if (view == "pg_authid")
        out.push_back({oid(r.oid), Datum(r.name), Datum(r.superuser), Datum(r.inherit),
                       Datum(r.create_role), Datum(r.create_db), Datum(r.can_login),
                       Datum(r.replication), Datum(r.bypass_rls),
                       Datum(int64_t{r.connection_limit}), password, valid});
      else if (r.can_login)  // pg_user, pg_shadow: roles that can log in
        out.push_back({Datum(r.name), oid(r.oid), Datum(r.create_db), Datum(r.superuser),
                       Datum(r.replication), Datum(r.bypass_rls), password, valid, rolconfig(r)});
    }
    return out;
  }
  if (view == "pg_auth_members") {
    for (const auto& r : roles.all())
      for (const auto& m : r.member_of)
        out.push_back({oid(m.role), oid(r.oid), oid(m.grantor), Datum(m.admin_option)});
    return out;
  }
  if (view == "pg_stat_activity") {
    for (const auto& s : cx.session.registry().snapshot()) {
      auto ts = [](int64_t us) { return us == 0 ? null() : Datum(us); };
      out.push_back({oid(5), Datum(s.database), Datum(int64_t{s.pid}), Datum(s.user),
                     Datum(s.application_name), ts(s.backend_start_us), ts(s.xact_start_us),
                     ts(s.query_start_us),
                     s.wait_event_type.empty() ? null() : Datum(s.wait_event_type),
                     s.wait_event.empty() ? null() : Datum(s.wait_event), Datum(s.state),
                     s.txn_id ? Datum(static_cast<int64_t>(s.txn_id)) : null(), Datum(s.query),
                     Datum("client backend"),
                     s.txn_id ? Datum(s.optimistic ? "optimistic" : "pessimistic") : null()});
    }
    return out;
  }
  if (auto rows = lock_view_rows(view, cx)) return std::move(*rows);  // exec/locking.h
  // pg_description, pg_inherits, pg_partitioned_table, pg_tablespace.
  if (view == "pg_tablespace") {
    out.push_back({oid(1663), Datum("pg_default")});
    out.push_back({oid(1664), Datum("pg_global")});
  }
  return out;
}

}  // namespace hf::sql::exec
