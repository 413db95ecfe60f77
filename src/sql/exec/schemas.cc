// sql/exec/schemas.cc — see schemas.h.
#include "sql/exec/schemas.h"

#include <algorithm>
#include <set>
#include <vector>

#include "catalog/functions.h"
#include "catalog/roles.h"
#include "common/error.h"
#include "sql/bind/binder.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/executor.h"
#include "sql/exec/locking.h"
#include "sql/exec/privileges.h"
#include "sql/exec/routines.h"
#include "sql/types/functions.h"
#include "sql/types/io_procs.h"
#include "sql/types/type_info.h"

namespace hf::sql::exec {

namespace {

std::string str_of(const PgQuery__Node* n) {
  if (n && n->node_case == PG_QUERY__NODE__NODE_STRING) return n->string->sval;
  return "";
}

[[noreturn]] void fail(const char* state, const std::string& msg, int location = -1) {
  Error e;
  e.sqlstate = state;
  e.message = msg;
  if (location >= 0) e.position = location + 1;
  throw SqlError(std::move(e));
}

constexpr const char* kDuplicateSchema = "42P06";
constexpr const char* kReservedName = "42939";

catalog::Schema existing_schema(ExecContext& cx, const std::string& name, int location = -1) {
  auto sc = cx.catalog.find_schema(name);
  if (!sc) fail(sqlstate::kInvalidSchemaName, "schema \"" + name + "\" does not exist", location);
  return *sc;
}

}  // namespace

catalog::SearchPath session_search_path(catalog::Catalog& catalog, SessionContext& session) {
  std::string setting = "\"$user\", public";
  try {
    setting = session.get_setting("search_path");
  } catch (const SqlError&) {
    // A session without settings (tests) searches the default path.
  }
  return catalog.resolve_search_path(setting, catalog.roles().name_of(session.current_user_id()),
                                     session.temp_namespace());
}

std::string regclass_text(catalog::Catalog& catalog, SessionContext& session, Oid oid) {
  std::string name;
  Oid ns = 0;
  bool visible = false;
  if (oid == 0) return "-";  // InvalidOid, as regclassout prints it
  const auto path = session_search_path(catalog, session);
  // The table an index belongs to, and the index's name (the primary key's or a secondary's).
  auto index_owner = [&](std::string* index_name) -> catalog::TablePtr {
    for (const auto& t : catalog.tables()) {
      if (!t->primary_key.empty() && t->pkey_oid == oid) {
        *index_name = t->pkey_name;
        return t;
      }
      for (const auto& i : t->indexes)
        if (i.oid == oid) {
          *index_name = i.name;
          return t;
        }
    }
    return nullptr;
  };
  if (auto t = catalog.table_by_oid(oid)) {
    name = t->name;
    ns = t->namespace_oid;
    auto found = catalog.find_table(t->name, path);
    visible = found && found->oid == oid;
  } else if (auto sq = catalog.sequence_by_oid(oid)) {
    name = sq->name;
    ns = sq->namespace_oid;
    auto found = catalog.find_sequence("", sq->name, path);
    visible = found && found->oid == oid;
  } else if (auto owner = index_owner(&name)) {
    ns = owner->namespace_oid;
    auto found = catalog.table_by_index_name("", name, path);
    visible = found && found->oid == owner->oid;
  } else if (auto system = bind::system_catalog_name(oid); !system.empty()) {
    return system;  // pg_catalog is always searched
  } else {
    return std::to_string(oid);
  }
  if (visible) return types::quote_identifier(name);
  return types::quote_identifier(catalog.schema_name(ns)) + "." + types::quote_identifier(name);
}

std::string regnamespace_text(catalog::Catalog& catalog, Oid oid) {
  if (oid == 0) return "-";
  if (oid == 11) return "pg_catalog";
  if (oid == 13000) return "information_schema";  // as pg_namespace lists it
  auto sc = catalog.schema_by_oid(oid);
  return sc ? types::quote_identifier(sc->name) : std::to_string(oid);
}

std::string regproc_text(catalog::Catalog& catalog, SessionContext& session, Oid oid) {
  if (oid == 0) return "-";
  auto f = catalog.functions().by_oid(oid);
  if (!f) {
    const char* builtin = types::builtin_io_proc_name(oid);  // pg_type's I/O functions
    return builtin ? std::string(builtin) : std::to_string(oid);
  }
  const auto path = session_search_path(catalog, session);
  const bool visible =
      std::find(path.schemas.begin(), path.schemas.end(), f->namespace_oid) != path.schemas.end();
  return (visible ? "" : types::quote_identifier(catalog.schema_name(f->namespace_oid)) + ".") +
         types::quote_identifier(f->name);
}

catalog::TablePtr utility_table(ExecContext& cx, const PgQuery__RangeVar* rv) {
  const std::string schema = rv->schemaname ? rv->schemaname : "";
  if (!schema.empty() && schema != "pg_temp") existing_schema(cx, schema);
  return cx.catalog.find_table(schema, rv->relname, session_search_path(cx.catalog, cx.session));
}

catalog::TablePtr utility_index_table(ExecContext& cx, const std::string& schema,
                                      const std::string& name) {
  if (!schema.empty() && schema != "pg_temp") existing_schema(cx, schema);
  return cx.catalog.table_by_index_name(schema, name, session_search_path(cx.catalog, cx.session));
}

Oid creation_schema(ExecContext& cx, const PgQuery__RangeVar* rv) {
  return creation_schema(cx, rv->schemaname ? rv->schemaname : "", rv->location);
}

Oid creation_schema(ExecContext& cx, const std::string& schema, int location) {
  Oid ns = catalog::kPublicNamespaceId;
  if (!schema.empty()) {
    ns = existing_schema(cx, schema, location).oid;
  } else {
    auto path = session_search_path(cx.catalog, cx.session);
    if (path.schemas.empty())
      fail(sqlstate::kInvalidSchemaName, "no schema has been selected to create in", location);
    ns = path.schemas.front();
  }
  if (ns == catalog::kPublicNamespaceId) {
    require_public_schema(cx, catalog::acl::kCreate, location);
  } else if (auto sc = cx.catalog.schema_by_oid(ns);
             sc && !cx.catalog.roles().has_privs_of(current_user(cx), sc->owner)) {
    // Only the owner may create in a schema (holdfast has no GRANT on other schemas yet).
    Error e;
    e.sqlstate = sqlstate::kInsufficientPrivilege;
    e.message = "permission denied for schema " + sc->name;
    if (location >= 0) e.position = location + 1;
    throw SqlError(std::move(e));
  }
  return ns;
}

std::string relation_display_name(ExecContext& cx, const catalog::Table& t) {
  auto found = cx.catalog.find_table(t.name, session_search_path(cx.catalog, cx.session));
  if ((found && found->oid == t.oid) || t.temp_namespace != 0)
    return types::quote_identifier(t.name);
  return types::quote_identifier(cx.catalog.schema_name(t.namespace_oid)) + "." +
         types::quote_identifier(t.name);
}

namespace {

// The schema an element of CREATE SCHEMA names for itself (nullptr: none), or "" for a GRANT,
// which names none; nullptr for a statement that cannot be an element.
const char* element_schema(const PgQuery__Node* e, bool* allowed) {
  *allowed = true;
  switch (e->node_case) {
    case PG_QUERY__NODE__NODE_CREATE_STMT:
      return e->create_stmt->relation->schemaname;
    case PG_QUERY__NODE__NODE_VIEW_STMT:
      return e->view_stmt->view->schemaname;
    case PG_QUERY__NODE__NODE_INDEX_STMT:
      return e->index_stmt->relation->schemaname;
    case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
      return e->create_seq_stmt->sequence->schemaname;
    case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
      return e->create_trig_stmt->relation->schemaname;
    case PG_QUERY__NODE__NODE_GRANT_STMT:
      return nullptr;
    default:
      *allowed = false;
      return nullptr;
  }
}

// PostgreSQL's order for a schema's elements (transformCreateSchemaStmt): sequences, tables,
// views, indexes, triggers, then grants, each kind in the order written.
int element_rank(const PgQuery__Node* e) {
  switch (e->node_case) {
    case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
      return 0;
    case PG_QUERY__NODE__NODE_CREATE_STMT:
      return 1;
    case PG_QUERY__NODE__NODE_VIEW_STMT:
      return 2;
    case PG_QUERY__NODE__NODE_INDEX_STMT:
      return 3;
    case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
      return 4;
    default:
      return 5;
  }
}

// CREATE SCHEMA s CREATE TABLE ... CREATE VIEW ...: each element names no other schema (42P15
// otherwise), and runs, in PostgreSQL's order, with the new schema first in the search path
// (as PostgreSQL's override path does), so unqualified names are created and found there.
void create_schema_elements(const PgQuery__CreateSchemaStmt* s, const std::string& name,
                            ExecContext& cx) {
  std::vector<const PgQuery__Node*> elements;
  for (size_t i = 0; i < s->n_schema_elts; ++i) {
    const PgQuery__Node* e = s->schema_elts[i];
    bool allowed = false;
    const char* named = element_schema(e, &allowed);
    if (!allowed)
      fail(sqlstate::kFeatureNotSupported, "this statement in CREATE SCHEMA is not supported");
    if (named != nullptr && *named != '\0' && name != named)
      fail("42P15", "CREATE specifies a schema (" + std::string(named) +
                        ") different from the one being created (" + name + ")");
    elements.push_back(e);
  }
  std::stable_sort(elements.begin(), elements.end(),
                   [](const PgQuery__Node* a, const PgQuery__Node* b) {
                     return element_rank(a) < element_rank(b);
                   });
  const std::string saved = cx.session.get_setting("search_path");
  std::string quoted = "\"";
  for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  quoted += "\"";
  cx.session.set_setting("search_path", quoted + ", " + saved, /*is_local=*/false);
  try {
    for (const PgQuery__Node* e : elements) run_utility(e, cx);
  } catch (...) {
    cx.session.set_setting("search_path", saved, /*is_local=*/false);
    throw;
  }
  cx.session.set_setting("search_path", saved, /*is_local=*/false);
}

}  // namespace

std::string create_schema(const PgQuery__CreateSchemaStmt* s, ExecContext& cx) {
  Oid owner = current_user(cx);
  std::string owner_name;
  if (s->authrole) {
    const auto* r = s->authrole;
    switch (r->roletype) {
      case PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CSTRING: {
        auto role = cx.catalog.roles().find(r->rolename);
        if (!role)
          fail(sqlstate::kUndefinedObject,
               "role \"" + std::string(r->rolename) + "\" does not exist");
        owner = role->oid;
        break;
      }
      case PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_SESSION_USER:
        owner = cx.session.session_user_id();
        break;
      case PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_PUBLIC:
        fail(sqlstate::kUndefinedObject, "role \"public\" does not exist");
      default:
        break;
    }
    if (!cx.catalog.roles().is_member_of(current_user(cx), owner))
      fail(sqlstate::kInsufficientPrivilege,
           "must be member of role \"" + cx.catalog.roles().name_of(owner) + "\"");
  }
  // CREATE SCHEMA AUTHORIZATION r: the schema is named after its owner.
  const std::string name =
      s->schemaname && *s->schemaname ? s->schemaname : cx.catalog.roles().name_of(owner);
  if (name.starts_with("pg_")) {
    Error e;
    e.sqlstate = kReservedName;
    e.message = "unacceptable schema name \"" + name + "\"";
    e.detail = "The prefix \"pg_\" is reserved for system schemas.";
    throw SqlError(std::move(e));
  }
  wait_for_uncommitted_create(cx, NewObject::kSchema, name, 0, 0);
  if (cx.catalog.find_schema(name) || name == "information_schema") {
    if (s->if_not_exists) {
      send_notice(cx, "schema \"" + name + "\" already exists, skipping");
      return "CREATE SCHEMA";
    }
    fail(kDuplicateSchema, "schema \"" + name + "\" already exists");
  }
  catalog::Schema sc;
  sc.name = name;
  sc.owner = owner;
  cx.catalog.create_schema(std::move(sc), &cx.txn);
  if (s->n_schema_elts > 0) create_schema_elements(s, name, cx);
  return "CREATE SCHEMA";
}

std::string drop_schemas(const PgQuery__DropStmt* s, ExecContext& cx) {
  const bool cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
  // Every name is resolved first: a missing one fails the statement before anything is gone.
  std::vector<catalog::Schema> doomed;
  for (size_t i = 0; i < s->n_objects; ++i) {
    const std::string name = str_of(s->objects[i]);
    auto sc = cx.catalog.find_schema(name);
    if (sc) {  // a concurrent drop: waited for, and then it is gone if it committed
      lock_object_for_change(cx, sc->oid, name);
      sc = cx.catalog.find_schema(name);
    }
    if (!sc) {
      if (s->missing_ok) {
        send_notice(cx, "schema \"" + name + "\" does not exist, skipping");
        continue;
      }
      fail(sqlstate::kInvalidSchemaName, "schema \"" + name + "\" does not exist");
    }
    require_owner(cx, sc->owner, "schema", name);
    doomed.push_back(*sc);
  }
  std::set<Oid> doomed_oids;
  for (const auto& sc : doomed) doomed_oids.insert(sc.oid);
  for (const auto& sc : doomed) {
    // What lives in the schema, in creation (oid) order, each followed by what depends on it
    // from outside: the foreign keys of other schemas' tables that reference a table.
    struct Member {
      Oid oid;
      catalog::TablePtr table;  // or
      catalog::Sequence sequence;
      types::EnumTypePtr enum_type = nullptr;   // or
      catalog::FunctionPtr function = nullptr;  // or
      bool composite = false;                   // a CREATE TYPE ... AS (...) type
    };
    std::vector<Member> members;
    for (const auto& t : cx.catalog.tables_in(sc.oid)) members.push_back({t->oid, t, {}});
    for (const auto& q : cx.catalog.sequences_in(sc.oid))
      if (!q.name.starts_with("hf_rowid_")) members.push_back({q.oid, nullptr, q});
    for (const auto& e : cx.catalog.enums_in(sc.oid)) {
      // A column of a table that stays would have to go with the type (not supported).
      for (const auto& t : cx.catalog.tables()) {
        if (t->temp_namespace == 0 && doomed_oids.count(t->namespace_oid)) continue;
        for (const auto& c : t->columns)
          if ((c.type.oid == e->oid || c.type.oid == e->array_oid) && cascade)
            fail(sqlstate::kFeatureNotSupported,
                 "DROP SCHEMA ... CASCADE of a type that columns of other schemas use is not "
                 "supported");
      }
      members.push_back({e->oid, nullptr, {}, e});
    }
    for (const auto& f : cx.catalog.functions().in_schema(sc.oid))
      members.push_back({f->oid, nullptr, {}, nullptr, f});
    for (const auto& c : cx.catalog.standalone_composites())
      if (c->namespace_oid == sc.oid)
        members.push_back({c->oid, nullptr, {}, nullptr, nullptr, true});
    std::sort(members.begin(), members.end(),
              [](const Member& a, const Member& b) { return a.oid < b.oid; });
    std::vector<std::string> dependents;  // "table s.t", "constraint c on table r", ...
    std::vector<std::string> restrict_detail;
    // A function shows its schema unless the search path finds that schema (format_procedure).
    const auto path = session_search_path(cx.catalog, cx.session);
    const bool schema_visible =
        std::find(path.schemas.begin(), path.schemas.end(), sc.oid) != path.schemas.end();
    for (const auto& m : members) {
      std::string what =
          m.table ? std::string(m.table->kind_name()) + " " + relation_display_name(cx, *m.table)
          : m.enum_type || m.composite ? "type " + types::format_type(TypeRef{m.oid, -1})
          : m.function
              ? "function " + (schema_visible ? "" : types::quote_identifier(sc.name) + ".") +
                    function_signature(m.function->name, m.function->input_types(), true)
              : "sequence " + types::quote_identifier(sc.name) + "." +
                    types::quote_identifier(m.sequence.name);
      dependents.push_back(what);
      restrict_detail.push_back(what + " depends on schema " + sc.name);
      if (!m.table) continue;
      for (const auto& other : cx.catalog.tables()) {
        if (other->temp_namespace == 0 && doomed_oids.count(other->namespace_oid)) continue;
        for (const auto& fk : other->foreign_keys) {
          if (fk.ref_table != m.table->oid) continue;
          std::string c =
              "constraint " + fk.name + " on table " + relation_display_name(cx, *other);
          dependents.push_back(c);
          restrict_detail.push_back(c + " depends on " + what);
        }
      }
    }
    if (!dependents.empty() && !cascade) {
      Error e;
      e.sqlstate = sqlstate::kDependentObjectsStillExist;
      e.message = "cannot drop schema " + sc.name + " because other objects depend on it";
      for (size_t i = 0; i < restrict_detail.size(); ++i)
        e.detail += (i ? "\n" : "") + restrict_detail[i];
      e.hint = "Use DROP ... CASCADE to drop the dependent objects too.";
      throw SqlError(std::move(e));
    }
    if (sc.oid == catalog::kPublicNamespaceId)
      fail(sqlstate::kFeatureNotSupported, "DROP SCHEMA public is not supported");
    if (dependents.size() == 1) {
      send_notice(cx, "drop cascades to " + dependents.front());
    } else if (!dependents.empty()) {
      std::string detail;
      for (size_t i = 0; i < dependents.size(); ++i)
        detail += (i ? "\n" : "") + ("drop cascades to " + dependents[i]);
      send_notice(cx, "drop cascades to " + std::to_string(dependents.size()) + " other objects",
                  detail);
    }
    for (const auto& m : members) {
      if (m.enum_type || m.composite) continue;  // after the tables that use it
      if (m.function) {
        cx.catalog.functions().drop(m.oid, &cx.txn);
        continue;
      }
      if (!m.table) {
        cx.catalog.drop_sequence(m.oid, &cx.txn);
        continue;
      }
      // Foreign keys of tables that stay lose their reference to the dropped table.
      for (const auto& other : cx.catalog.tables()) {
        if (other->oid == m.oid) continue;
        catalog::Table copy = *other;
        auto gone = std::erase_if(
            copy.foreign_keys, [&](const catalog::ForeignKey& f) { return f.ref_table == m.oid; });
        if (gone) cx.catalog.replace_table(std::move(copy), &cx.txn);
      }
      // As DROP TABLE: ACCESS EXCLUSIVE until the end (its readers wait for the outcome).
      lock_relation(cx, *m.table, coord::table_mode::kAccessExclusive);
      cx.catalog.drop_table(m.oid, &cx.txn);
    }
    for (const auto& m : members) {
      if (m.enum_type) cx.catalog.drop_enum(m.oid, &cx.txn);
      if (m.composite) cx.catalog.drop_composite(m.oid, &cx.txn);
    }
    cx.catalog.drop_schema(sc.oid, &cx.txn);
  }
  return "DROP SCHEMA";
}

void send_notice(ExecContext& cx, const std::string& message, const std::string& detail) {
  Error e;
  e.severity = "NOTICE";
  e.sqlstate = "00000";
  e.message = message;
  e.detail = detail;
  cx.session.notice(e);
}

}  // namespace hf::sql::exec
