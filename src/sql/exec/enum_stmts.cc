// sql/exec/enum_stmts.cc — see enum_stmts.h.
#include "sql/exec/enum_stmts.h"

#include <algorithm>

#include "catalog/functions.h"
#include "common/error.h"
#include "sql/bind/binder.h"
#include "sql/exec/ddl_names.h"
#include "sql/exec/executor.h"
#include "sql/exec/locking.h"
#include "sql/exec/privileges.h"
#include "sql/exec/routines.h"
#include "sql/exec/schemas.h"
#include "sql/types/composite_types.h"
#include "sql/types/domain_types.h"
#include "sql/types/enum_types.h"
#include "sql/types/type_info.h"

namespace hf::sql::exec {

namespace {

constexpr size_t kMaxLabelBytes = 63;  // NAMEDATALEN - 1

using namespace ddl_names;  // NOLINT: fail, str_of, QualifiedName

// Inserts label before or after `neighbour` (at the end when empty) with a sort order between
// its neighbours'; throws 22023 when the neighbour is not a label of t.
void insert_label(types::EnumType& t, const std::string& label, const std::string& neighbour,
                  bool after, uint64_t pending_txn);

void check_label(const std::string& label) {
  if (label.size() > kMaxLabelBytes)
    fail(sqlstate::kInvalidName, "invalid enum label \"" + label + "\"",
         "Labels must be 63 bytes or less.");
}

// The enum a statement names, or nullptr (the schema, when named, must exist: 3F000).
types::EnumTypePtr lookup(ExecContext& cx, const QualifiedName& q) {
  if (!q.schema.empty() && q.schema != "pg_catalog" && !cx.catalog.find_schema(q.schema))
    fail(sqlstate::kInvalidSchemaName, "schema \"" + q.schema + "\" does not exist");
  return cx.catalog.find_enum(q.schema, q.name, session_search_path(cx.catalog, cx.session));
}

// The type a statement names is built in (not an enum): its display name, or "" if none.
std::string builtin_type(const QualifiedName& q) {
  if (!q.schema.empty() && q.schema != "pg_catalog") return "";
  const types::TypeInfo* ti = types::find_type_by_name(q.name);
  return ti ? types::format_type(TypeRef{ti->oid, -1}) : "";
}

}  // namespace

bool type_exists(ExecContext& cx, Oid ns, const std::string& name) {
  const std::string schema = cx.catalog.schema_name(ns);
  return cx.catalog.find_enum(schema, name, {}) || cx.catalog.find_composite(schema, name, {}) ||
         types::domain_types().find(schema, name, {});
}

void refuse_row_type_clash(ExecContext& cx, Oid ns, const std::string& name) {
  if (cx.catalog.find_enum(cx.catalog.schema_name(ns), name, {}) ||
      cx.catalog.find_composite(cx.catalog.schema_name(ns), name, {}))
    fail(sqlstate::kDuplicateObject, "type \"" + name + "\" already exists", {},
         "A relation has an associated type of the same name, so you must use a name that "
         "doesn't conflict with any existing type.");
}

std::string create_enum(const PgQuery__CreateEnumStmt* s, ExecContext& cx) {
  QualifiedName q = qualified_name(s->type_name, s->n_type_name);
  // The schema it goes to, checked as for a relation (existence, CREATE privilege).
  PgQuery__RangeVar rv = PG_QUERY__RANGE_VAR__INIT;
  rv.schemaname = const_cast<char*>(q.schema.c_str());
  rv.relname = const_cast<char*>(q.name.c_str());
  rv.location = -1;
  const Oid ns = creation_schema(cx, &rv);
  wait_for_uncommitted_create(cx, NewObject::kType, q.name, 0, ns);
  // A table's name is taken too: PostgreSQL gives each table a row type of its name.
  if (type_exists(cx, ns, q.name) || cx.catalog.find_table_in(ns, q.name))
    fail(sqlstate::kDuplicateObject, "type \"" + q.name + "\" already exists");
  types::EnumType t;
  t.name = q.name;
  t.namespace_oid = ns;
  t.owner = current_user(cx);
  for (size_t i = 0; i < s->n_vals; ++i) {
    std::string label = str_of(s->vals[i]);
    check_label(label);
    if (t.sort_order_of(label))
      fail(sqlstate::kDuplicateObject, "enum label \"" + label + "\" used more than once");
    t.labels.push_back({0, static_cast<double>(i + 1), label});
  }
  cx.catalog.store_enum(std::move(t), &cx.txn);
  return "CREATE TYPE";
}

std::string alter_enum(const PgQuery__AlterEnumStmt* s, ExecContext& cx) {
  QualifiedName q = qualified_name(s->type_name, s->n_type_name);
  auto e = lookup(cx, q);
  if (!e) {
    if (std::string b = builtin_type(q); !b.empty())
      fail(sqlstate::kWrongObjectType, b + " is not an enum");
    fail(sqlstate::kUndefinedObject, "type \"" + q.written() + "\" does not exist");
  }
  require_owner(cx, e->owner, "type", e->name);
  if (s->old_val && *s->old_val)
    fail(sqlstate::kFeatureNotSupported, "ALTER TYPE ... RENAME VALUE is not supported");
  const std::string label = s->new_val ? s->new_val : "";
  check_label(label);
  // Decided on the definition current under the catalog's DDL lock (update_enum), so a
  // concurrent ADD VALUE is not lost.
  bool skipped = false;
  const uint64_t txn = cx.txn.id();
  auto add_label = [&](types::EnumType& t) {
    if (t.sort_order_of(label)) {
      if (s->skip_if_new_val_exists) {
        skipped = true;
        return false;
      }
      fail(sqlstate::kDuplicateObject, "enum label \"" + label + "\" already exists");
    }
    insert_label(t, label, s->new_val_neighbor ? s->new_val_neighbor : "", s->new_val_is_after,
                 txn);
    return true;
  };
  if (!cx.catalog.update_enum(e->oid, add_label, &cx.txn) && !skipped)
    fail(sqlstate::kUndefinedObject, "type \"" + q.written() + "\" does not exist");
  // The label is usable once this transaction commits (PostgreSQL 15: 55P04 before).
  if (!skipped)
    cx.txn.on_commit(
        [&catalog = cx.catalog, oid = e->oid, txn] { catalog.settle_enum_labels(oid, txn); });
  if (skipped) send_notice(cx, "enum label \"" + label + "\" already exists, skipping");
  return "ALTER TYPE";
}

namespace {

void insert_label(types::EnumType& t, const std::string& label, const std::string& neighbour,
                  bool after, uint64_t pending_txn) {
  double order = t.labels.empty() ? 1 : t.labels.back().sort_order + 1;
  size_t at = t.labels.size();
  if (!neighbour.empty()) {
    auto it = std::find_if(t.labels.begin(), t.labels.end(),
                           [&](const types::EnumLabel& l) { return l.label == neighbour; });
    if (it == t.labels.end())
      fail(sqlstate::kInvalidParameterValue, "\"" + neighbour + "\" is not an existing enum label");
    at = static_cast<size_t>(it - t.labels.begin()) + (after ? 1 : 0);
    // Between the labels either side of the new position; one past the end or before the
    // first when there is none on that side. Existing sort orders never change (enum_types.h).
    const bool has_before = at > 0, has_after = at < t.labels.size();
    if (has_before && has_after) {
      double lo = t.labels[at - 1].sort_order, hi = t.labels[at].sort_order;
      order = lo + (hi - lo) / 2;
      if (order <= lo || order >= hi)
        fail(sqlstate::kFeatureNotSupported, "too many enum labels added between \"" +
                                                 t.labels[at - 1].label + "\" and \"" +
                                                 t.labels[at].label + "\"");
    } else if (has_after) {
      order = t.labels[at].sort_order - 1;
    } else {
      order = t.labels[at - 1].sort_order + 1;
    }
  }
  t.labels.insert(t.labels.begin() + static_cast<std::ptrdiff_t>(at),
                  {0, order, label, pending_txn});
}

}  // namespace

std::string rename_enum(const PgQuery__RenameStmt* s, ExecContext& cx) {
  QualifiedName q;
  if (s->object && s->object->node_case == PG_QUERY__NODE__NODE_LIST)
    q = qualified_name(s->object->list->items, s->object->list->n_items);
  auto e = lookup(cx, q);
  if (!e) {
    if (std::string b = builtin_type(q); !b.empty())
      fail(sqlstate::kFeatureNotSupported,
           "ALTER TYPE ... RENAME of type " + b + " is not supported");
    fail(sqlstate::kUndefinedObject, "type \"" + q.written() + "\" does not exist");
  }
  require_owner(cx, e->owner, "type", e->name);
  const std::string new_name = s->newname ? s->newname : "";
  if (cx.catalog.find_enum(e->schema_name, new_name, {}) ||
      cx.catalog.find_table_in(e->namespace_oid, new_name))
    fail(sqlstate::kDuplicateObject, "type \"" + new_name + "\" already exists");
  auto renamed = [&](types::EnumType& t) {
    t.name = new_name;
    return true;
  };
  if (!cx.catalog.update_enum(e->oid, renamed, &cx.txn))
    fail(sqlstate::kUndefinedObject, "type \"" + q.written() + "\" does not exist");
  return "ALTER TYPE";
}

std::string create_composite_type(const PgQuery__CompositeTypeStmt* s, ExecContext& cx) {
  const Oid ns = creation_schema(cx, s->typevar);
  const std::string name = s->typevar->relname;
  wait_for_uncommitted_create(cx, NewObject::kType, name, 0, ns);
  if (type_exists(cx, ns, name) || cx.catalog.find_table_in(ns, name))
    fail(sqlstate::kDuplicateObject, "type \"" + name + "\" already exists");
  types::CompositeType t;
  t.name = name;
  t.namespace_oid = ns;
  t.owner = current_user(cx);
  const auto path = session_search_path(cx.catalog, cx.session);
  for (size_t i = 0; i < s->n_coldeflist; ++i) {
    const auto* cd = s->coldeflist[i]->column_def;
    for (const auto& f : t.fields)
      if (f.name == cd->colname)
        fail(sqlstate::kDuplicateColumn,
             "column \"" + std::string(cd->colname) + "\" specified more than once");
    t.fields.push_back({cd->colname, bind::resolve_type_name(cd->type_name, path.schemas)});
  }
  cx.catalog.store_composite(std::move(t), &cx.txn);
  return "CREATE TYPE";
}

void refuse_composite_column(const TypeRef& type, const std::string& column) {
  if (types::find_composite(type.oid) || types::find_composite(types::array_elem_type(type.oid)))
    fail(sqlstate::kFeatureNotSupported, "column \"" + column + "\" is of composite type " +
                                             types::format_type(type) +
                                             ", and table columns of composite types are "
                                             "not supported");
}

std::string alter_composite_type(const PgQuery__AlterTableStmt* s, ExecContext& cx) {
  const std::string schema = s->relation->schemaname ? s->relation->schemaname : "";
  const std::string name = s->relation->relname;
  auto c = cx.catalog.find_composite(schema, name, session_search_path(cx.catalog, cx.session));
  if (!c) fail(sqlstate::kUndefinedObject, "type \"" + name + "\" does not exist");
  require_owner(cx, c->owner, "type", c->name);
  types::CompositeType t = *c;
  const auto path = session_search_path(cx.catalog, cx.session);
  for (size_t i = 0; i < s->n_cmds; ++i) {
    const auto* cmd = s->cmds[i]->alter_table_cmd;
    if (cmd->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType)
      fail(sqlstate::kFeatureNotSupported,
           "only ALTER TYPE ... ALTER ATTRIBUTE ... TYPE is supported for composite types");
    auto f = std::find_if(t.fields.begin(), t.fields.end(),
                          [&](const types::CompositeField& x) { return x.name == cmd->name; });
    if (f == t.fields.end())
      fail(sqlstate::kUndefinedColumn, "column \"" + std::string(cmd->name) + "\" of relation \"" +
                                           t.name + "\" does not exist");
    f->type = bind::resolve_type_name(cmd->def->column_def->type_name, path.schemas);
  }
  cx.catalog.store_composite(std::move(t), &cx.txn);
  return "ALTER TYPE";
}

std::string drop_types(const PgQuery__DropStmt* s, ExecContext& cx) {
  const bool cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
  // Every name is resolved first: a missing one fails the statement before anything is gone.
  struct Doomed {
    Oid oid = 0, array_oid = 0;
    bool composite = false;
  };
  std::vector<Doomed> doomed;
  for (size_t i = 0; i < s->n_objects; ++i) {
    const PgQuery__Node* obj = s->objects[i];
    if (obj->node_case != PG_QUERY__NODE__NODE_TYPE_NAME)
      fail(sqlstate::kFeatureNotSupported, "DROP TYPE of this object is not supported");
    const PgQuery__TypeName* tn = obj->type_name;
    QualifiedName q = qualified_name(tn->names, tn->n_names);
    // A concurrent drop of the type is waited for (its lock); then it is gone if it committed.
    const auto path = session_search_path(cx.catalog, cx.session);
    auto c = cx.catalog.find_composite(q.schema, q.name, path);
    if (c) {
      lock_object_for_change(cx, c->oid, q.name);
      c = cx.catalog.find_composite(q.schema, q.name, path);
    }
    if (c) {
      require_owner(cx, c->owner, "type", c->name);
      doomed.push_back({c->oid, c->array_oid, true});
      continue;
    }
    auto e = lookup(cx, q);
    if (e) {
      lock_object_for_change(cx, e->oid, q.name);
      e = lookup(cx, q);
    }
    if (!e) {
      if (std::string b = builtin_type(q); !b.empty())
        fail(sqlstate::kDependentObjectsStillExist,
             "cannot drop type " + b + " because it is required by the database system");
      if (s->missing_ok) {
        send_notice(cx, "type \"" + q.written() + "\" does not exist, skipping");
        continue;
      }
      fail(sqlstate::kUndefinedObject, "type \"" + q.written() + "\" does not exist");
    }
    require_owner(cx, e->owner, "type", e->name);
    doomed.push_back({e->oid, e->array_oid, false});
  }
  for (const auto& d : doomed) {
    const Doomed* e = &d;
    // The columns (of tables and views) whose type is the type or an array of it; for a
    // composite type also the fields of other composite types and the functions using it.
    std::vector<std::string> dependents;
    auto uses = [&](const TypeRef& t) { return t.oid == e->oid || t.oid == e->array_oid; };
    const std::string shown = types::format_type(TypeRef{e->oid, -1});
    for (const auto& t : cx.catalog.tables())
      for (const auto& c : t->columns)
        if (uses(c.type))
          dependents.push_back("column " + c.name + " of " + t->kind_name() + " " +
                               relation_display_name(cx, *t) + " depends on type " + shown);
    if (e->composite) {
      for (const auto& c : cx.catalog.standalone_composites())
        for (const auto& f : c->fields)
          if (uses(f.type))
            dependents.push_back("column " + f.name + " of composite type " +
                                 types::format_type(TypeRef{c->oid, -1}) + " depends on type " +
                                 shown);
      for (const auto& f : cx.catalog.functions().all()) {
        // PostgreSQL names the type the function uses: the composite or its array type.
        Oid used = uses(f->result) ? f->result.oid : 0;
        for (const auto& a : f->args)
          if (used == 0 && uses(a.type)) used = a.type.oid;
        if (used != 0)
          dependents.push_back(
              "function " +
              function_signature((f->namespace_oid == catalog::kPublicNamespaceId
                                      ? ""
                                      : cx.catalog.schema_name(f->namespace_oid) + ".") +
                                     f->name,
                                 f->input_types(), true) +
              " depends on type " + types::format_type(TypeRef{used, -1}));
      }
    }
    if (dependents.empty()) continue;
    if (cascade)
      fail(sqlstate::kFeatureNotSupported,
           "DROP TYPE ... CASCADE of a type that columns use is not supported");
    std::string detail;
    for (const auto& d : dependents) detail += (detail.empty() ? "" : "\n") + d;
    fail(sqlstate::kDependentObjectsStillExist,
         "cannot drop type " + shown + " because other objects depend on it", detail,
         "Use DROP ... CASCADE to drop the dependent objects too.");
  }
  for (const auto& e : doomed) {
    if (e.composite)
      cx.catalog.drop_composite(e.oid, &cx.txn);
    else
      cx.catalog.drop_enum(e.oid, &cx.txn);
  }
  return "DROP TYPE";
}

}  // namespace hf::sql::exec
