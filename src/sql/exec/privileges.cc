// sql/exec/privileges.cc — see privileges.h.
#include "sql/exec/privileges.h"

#include <map>

#include "catalog/roles.h"
#include "common/error.h"
#include "runtime/stack.h"
#include "sql/bind/binder.h"

namespace hf::sql::exec {

namespace acl = catalog::acl;
using bind::Expr;
using bind::SelectPlan;

namespace {

[[noreturn]] void permission_denied(const std::string& kind, const std::string& name,
                                    int position = 0) {
  Error e;
  e.sqlstate = sqlstate::kInsufficientPrivilege;
  e.message = "permission denied for " + kind + " " + name;
  e.position = position;
  throw SqlError(std::move(e));
}

// What a statement needs: privileges per table, in the order tables are first met (PostgreSQL
// checks its range table in order and reports the first table that fails).
struct Needs {
  std::vector<std::pair<const catalog::Table*, uint32_t>> tables;
  std::vector<std::string> views;  // pg_catalog relations read
  void add(const catalog::Table* t, uint32_t privs) {
    for (auto& [tt, p] : tables)
      if (tt->oid == t->oid) {
        p |= privs;
        return;
      }
    tables.emplace_back(t, privs);
  }
};

void walk_select(const SelectPlan& p, Needs& n);

void walk_expr(const Expr* e, Needs& n) {
  runtime::check_stack_depth();
  if (!e) return;
  if (e->subquery) walk_select(*e->subquery, n);
  for (const auto& a : e->args) walk_expr(a.get(), n);
}

void walk_exprs(const std::vector<bind::ExprPtr>& v, Needs& n) {
  for (const auto& e : v) walk_expr(e.get(), n);
}

void walk_select(const SelectPlan& p, Needs& n) {
  runtime::check_stack_depth();
  if (p.left) walk_select(*p.left, n);
  if (p.right) walk_select(*p.right, n);
  for (const auto& s : p.sources) {
    switch (s.kind) {
      case bind::Source::Kind::kTable:
        if (s.view)  // a view pulled up into its reader (see below)
          n.add(s.view.get(), acl::kSelect | (s.lock ? acl::kUpdate : 0));
        else if (s.table && s.table->oid != 0)
          n.add(s.table.get(), acl::kSelect | (s.lock ? acl::kUpdate : 0));
        else if (!s.virtual_table.empty())
          n.views.push_back(s.virtual_table);
        else if (s.table)
          n.views.push_back(s.table->name);
        break;
      case bind::Source::Kind::kSubquery:
        // A view: SELECT on it (UPDATE too when the statement locks its rows). What its query
        // reads PostgreSQL checks against the view's owner, who could read it when making it;
        // holdfast does not check it again.
        if (s.view)
          n.add(s.view.get(),
                acl::kSelect | (s.subquery && s.subquery->lock_rows ? acl::kUpdate : 0));
        else if (s.subquery)
          walk_select(*s.subquery, n);
        break;
      case bind::Source::Kind::kFunction:
        walk_expr(s.function.get(), n);
        break;
      case bind::Source::Kind::kValues:
        for (const auto& row : s.values) walk_exprs(row, n);
        break;
    }
    walk_expr(s.on.get(), n);
  }
  walk_expr(p.where.get(), n);
  walk_exprs(p.group_by, n);
  for (const auto& a : p.aggs) {
    walk_exprs(a.args, n);
    walk_expr(a.filter.get(), n);
  }
  walk_expr(p.having.get(), n);
  for (const auto& w : p.windows) {
    walk_exprs(w.args, n);
    walk_exprs(w.partition_by, n);
    for (const auto& k : w.order_by) walk_expr(k.expr.get(), n);
  }
  walk_exprs(p.targets, n);
  for (const auto& k : p.order_by) walk_expr(k.expr.get(), n);
  walk_expr(p.limit.get(), n);
  walk_expr(p.offset.get(), n);
}

// Whether e reads a column of the row its statement is about: a column of the current row at
// positions [lo, hi) (level 0), or one seen from inside a subquery (level = its depth).
bool reads_columns(const Expr* e, int lo, int hi, int level = 0);

bool select_reads_outer(const SelectPlan& p, int lo, int hi, int level) {
  runtime::check_stack_depth();
  auto any = [&](const Expr* e) { return reads_columns(e, lo, hi, level); };
  auto any_of = [&](const std::vector<bind::ExprPtr>& v) {
    for (const auto& e : v)
      if (any(e.get())) return true;
    return false;
  };
  if (p.left && select_reads_outer(*p.left, lo, hi, level)) return true;
  if (p.right && select_reads_outer(*p.right, lo, hi, level)) return true;
  for (const auto& s : p.sources) {
    if (any(s.on.get()) || any(s.function.get())) return true;
    for (const auto& row : s.values)
      if (any_of(row)) return true;
    if (s.subquery && select_reads_outer(*s.subquery, lo, hi, level + 1)) return true;
  }
  if (any(p.where.get()) || any_of(p.group_by) || any(p.having.get()) || any_of(p.targets))
    return true;
  for (const auto& a : p.aggs)
    if (any_of(a.args) || any(a.filter.get())) return true;
  for (const auto& k : p.order_by)
    if (any(k.expr.get())) return true;
  return false;
}

bool reads_columns(const Expr* e, int lo, int hi, int level) {
  runtime::check_stack_depth();
  if (!e) return false;
  if (e->kind == bind::ExprKind::kColumn && e->level == level && e->index >= lo && e->index < hi)
    return true;
  if (e->subquery && select_reads_outer(*e->subquery, lo, hi, level + 1)) return true;
  for (const auto& a : e->args)
    if (reads_columns(a.get(), lo, hi, level)) return true;
  return false;
}

bool any_reads(const std::vector<bind::ExprPtr>& v, int lo, int hi) {
  for (const auto& e : v)
    if (reads_columns(e.get(), lo, hi)) return true;
  return false;
}

// UPDATE ... FROM / DELETE ... USING: the items joined to the target (sources[0], whose
// privileges the statement's kind decides).
void walk_from_items(const SelectPlan* from, Needs& n) {
  if (!from) return;
  for (size_t i = 1; i < from->sources.size(); ++i) {
    const auto& s = from->sources[i];
    if (s.kind == bind::Source::Kind::kTable && s.table && s.table->oid != 0)
      n.add(s.table.get(), acl::kSelect);
    if (s.subquery) walk_select(*s.subquery, n);
    walk_expr(s.on.get(), n);
  }
  walk_expr(from->where.get(), n);
}

void collect(const bind::BoundStatement& stmt, Needs& n) {
  using Kind = bind::BoundStatement::Kind;
  for (const auto& cte : stmt.dml_ctes) collect(*cte, n);
  if (stmt.insert) {
    const auto& p = *stmt.insert;
    const int width = static_cast<int>(p.table->columns.size());
    uint32_t privs = acl::kInsert;
    if (any_reads(p.returning, 0, width)) privs |= acl::kSelect;
    if (p.conflict.present) {
      if (!p.conflict.target_columns.empty() || p.conflict.index_pos != -2 || p.conflict.do_update)
        privs |= acl::kSelect;
      if (p.conflict.do_update) privs |= acl::kUpdate;
    }
    n.add(p.table.get(), privs);
    if (p.select) walk_select(*p.select, n);
    for (const auto& row : p.rows) walk_exprs(row, n);
    for (const auto& [col, e] : p.conflict.sets) walk_expr(e.get(), n);
    walk_expr(p.conflict.where.get(), n);
    walk_exprs(p.returning, n);
  }
  if (stmt.update) {
    const auto& p = *stmt.update;
    const int width = static_cast<int>(p.table->columns.size());
    bool reads = p.where || p.from || any_reads(p.returning, 0, width);
    for (const auto& [col, e] : p.sets) reads = reads || reads_columns(e.get(), 0, width);
    n.add(p.table.get(), acl::kUpdate | (reads ? acl::kSelect : 0));
    walk_from_items(p.from.get(), n);
    walk_expr(p.where.get(), n);
    for (const auto& [col, e] : p.sets) walk_expr(e.get(), n);
    walk_exprs(p.returning, n);
  }
  if (stmt.del) {
    const auto& p = *stmt.del;
    const int width = static_cast<int>(p.table->columns.size());
    bool reads = p.where || p.from || any_reads(p.returning, 0, width);
    n.add(p.table.get(), acl::kDelete | (reads ? acl::kSelect : 0));
    walk_from_items(p.from.get(), n);
    walk_expr(p.where.get(), n);
    walk_exprs(p.returning, n);
  }
  if (stmt.merge) {
    // Each action's privilege on the target, and SELECT (its join condition reads it).
    const auto& p = *stmt.merge;
    uint32_t privs = acl::kSelect;
    for (const auto& a : p.actions) {
      if (a.kind == bind::MergeAction::Kind::kInsert) privs |= acl::kInsert;
      if (a.kind == bind::MergeAction::Kind::kUpdate) privs |= acl::kUpdate;
      if (a.kind == bind::MergeAction::Kind::kDelete) privs |= acl::kDelete;
      walk_expr(a.condition.get(), n);
      for (const auto& [col, e] : a.sets) walk_expr(e.get(), n);
      for (const auto& e : a.values) walk_expr(e.get(), n);
    }
    n.add(p.table.get(), privs);
    for (size_t i = 0; i < p.join->sources.size(); ++i) {
      const auto& s = p.join->sources[i];
      if (static_cast<int>(i) != p.target_source && s.kind == bind::Source::Kind::kTable &&
          s.table && s.table->oid != 0)
        n.add(s.table.get(), acl::kSelect);
      if (s.subquery) walk_select(*s.subquery, n);
      walk_expr(s.on.get(), n);
    }
  }
  if (stmt.select) walk_select(*stmt.select, n);
  if (stmt.kind == Kind::kCopyFrom && stmt.copy_table) n.add(stmt.copy_table.get(), acl::kInsert);
}

}  // namespace

Oid current_user(ExecContext& cx) {
  return cx.session.current_user_id();
}

bool current_user_is_superuser(ExecContext& cx) {
  return cx.catalog.roles().is_superuser(current_user(cx));
}

void require_table_privileges(ExecContext& cx, const catalog::Table& t, uint32_t all_of,
                              uint32_t any_of) {
  Oid user = current_user(cx);
  const auto& roles = cx.catalog.roles();
  if (roles.is_superuser(user)) return;
  if (all_of && roles.table_privileges(t, user, all_of) != all_of)
    permission_denied("table", t.name);
  if (any_of && roles.table_privileges(t, user, any_of) == 0) permission_denied("table", t.name);
}

void require_owner(ExecContext& cx, Oid owner, const char* kind, const std::string& name) {
  if (cx.catalog.roles().has_privs_of(current_user(cx), owner)) return;
  throw SqlError(sqlstate::kInsufficientPrivilege,
                 std::string("must be owner of ") + kind + " " + name);
}

void require_public_schema(ExecContext& cx, uint32_t priv, int location) {
  if (cx.catalog.roles().public_schema_privileges(current_user(cx), priv) == priv) return;
  permission_denied("schema", "public", location >= 0 ? location + 1 : 0);
}

bool row_security_hides(ExecContext& cx, const catalog::Table& t) {
  if (!t.row_security) return false;
  Oid user = current_user(cx);
  const auto& roles = cx.catalog.roles();
  if (roles.is_superuser(user) || roles.has_privs_of(user, t.owner)) return false;
  auto role = roles.by_oid(user);
  return !(role && role->bypass_rls);
}

void check_statement_privileges(const bind::BoundStatement& stmt, ExecContext& cx) {
  Oid user = current_user(cx);
  const auto& roles = cx.catalog.roles();
  if (roles.is_superuser(user)) return;
  Needs n;
  collect(stmt, n);
  for (const auto& [t, privs] : n.tables)
    if (roles.table_privileges(*t, user, privs) != privs)
      permission_denied(t->is_view() ? "view" : "table", t->name);
  for (const auto& v : n.views) {
    std::string name = v.substr(v.find('.') + 1);
    if (name == "pg_authid") permission_denied("table", name);
    if (name == "pg_shadow") permission_denied("view", name);
  }
}

void check_sequence_privilege(ExecContext& cx, Oid sequence, const std::string& function) {
  Oid user = current_user(cx);
  const auto& roles = cx.catalog.roles();
  if (roles.is_superuser(user)) return;
  auto seq = cx.catalog.sequence_by_oid(sequence);
  if (!seq) return;  // nextval reports the missing sequence itself
  uint32_t any = function == "nextval"  ? (acl::kUsage | acl::kUpdate)
                 : function == "setval" ? acl::kUpdate
                                        : (acl::kSelect | acl::kUsage);
  if (roles.privileges(seq->acl, seq->owner, acl::kAllOnSequence, user, any) == 0)
    permission_denied("sequence", seq->name);
}

void check_lock_table_privilege(ExecContext& cx, const catalog::Table& t, uint8_t mode) {
  if (mode == coord::table_mode::kAccessShare)
    require_table_privileges(cx, t, acl::kSelect);
  else if (mode == coord::table_mode::kRowExclusive)
    require_table_privileges(cx, t, 0, acl::kInsert | acl::kUpdate | acl::kDelete | acl::kTruncate);
  else
    require_table_privileges(cx, t, 0, acl::kUpdate | acl::kDelete | acl::kTruncate);
}

namespace {

bool is_text(const TypeRef& t) {
  return t.oid == type_oid::kText || t.oid == type_oid::kName || t.oid == type_oid::kVarchar ||
         t.oid == type_oid::kUnknown;
}

enum class Kind { kTable, kSchema, kDatabase };

// has_*_privilege's privilege list: "SELECT, UPDATE WITH GRANT OPTION" (any of them counts).
uint32_t privilege_list(const std::string& text, Kind kind, bool& grant_option) {
  uint32_t bits = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(pos, comma - pos);
    pos = comma + 1;
    for (auto& c : item) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())))
      item.erase(0, 1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    const std::string suffix = " with grant option";
    if (item.size() > suffix.size() && item.ends_with(suffix)) {
      item.resize(item.size() - suffix.size());
      grant_option = true;
    }
    uint32_t b = 0;
    if (kind == Kind::kSchema)
      b = item == "usage" ? acl::kUsage : item == "create" ? acl::kCreate : 0;
    else if (kind == Kind::kDatabase)
      b = item == "connect"                       ? acl::kConnect
          : item == "create"                      ? acl::kCreate
          : item == "temporary" || item == "temp" ? acl::kTemporary
                                                  : 0;
    else if (item != "all" && item != "all privileges")
      b = table_privilege_bit(item);
    if (b == 0)
      throw SqlError(sqlstate::kInvalidParameterValue,
                     "unrecognized privilege type: \"" + text.substr(0, text.find(',')) + "\"");
    bits |= b;
  }
  return bits;
}

}  // namespace

std::optional<Datum> role_function(const std::string& n, const std::vector<Datum>& args,
                                   const std::vector<TypeRef>& types, ExecContext& cx) {
  const auto& roles = cx.catalog.roles();
  if (n == "current_user" || n == "current_role" || n == "user")
    return Datum(roles.name_of(current_user(cx)));
  if (n == "session_user") return Datum(roles.name_of(cx.session.session_user_id()));
  if (n == "pg_get_userbyid") {
    if (args.empty() || args[0].is_null()) return Datum::Null();
    Oid oid = static_cast<Oid>(args[0].as_int());
    if (roles.by_oid(oid)) return Datum(roles.name_of(oid));
    return Datum("unknown (OID=" + std::to_string(oid) + ")");
  }
  if (n != "has_table_privilege" && n != "has_schema_privilege" && n != "has_database_privilege")
    return std::nullopt;
  for (const auto& a : args)
    if (a.is_null()) return Datum::Null();
  if (args.size() < 2 || args.size() > 3)
    throw SqlError(sqlstate::kUndefinedFunction, "function " + n + " does not exist");
  size_t i = 0;
  Oid user = current_user(cx);
  if (args.size() == 3) {
    if (is_text(types[0])) {
      auto r = roles.find(args[0].as_string());
      if (!r)
        throw SqlError(sqlstate::kUndefinedObject,
                       "role \"" + args[0].as_string() + "\" does not exist");
      user = r->oid;
    } else {
      user = static_cast<Oid>(args[0].as_int());
    }
    i = 1;
  }
  bool grant_option = false;
  const bool schema = n == "has_schema_privilege";
  if (n == "has_database_privilege") {
    std::string db = is_text(types[i]) ? args[i].as_string() : "postgres";
    uint32_t wanted = privilege_list(args[i + 1].as_string(), Kind::kDatabase, grant_option);
    auto acl = roles.database_acl(db);
    const catalog::Acl effective = acl ? *acl : catalog::Roles::default_database_acl();
    uint32_t held = grant_option ? roles.grant_options(effective, catalog::kBootstrapSuperuserId,
                                                       acl::kAllOnDatabase, user, wanted)
                                 : roles.privileges(effective, catalog::kBootstrapSuperuserId,
                                                    acl::kAllOnDatabase, user, wanted);
    return Datum(held != 0);
  }
  uint32_t wanted =
      privilege_list(args[i + 1].as_string(), schema ? Kind::kSchema : Kind::kTable, grant_option);
  if (schema) {
    std::string nsp = is_text(types[i]) ? args[i].as_string() : "";
    if (!is_text(types[i])) {
      Oid o = static_cast<Oid>(args[i].as_int());
      nsp = o == catalog::kPublicNamespaceId ? "public" : o == 11 ? "pg_catalog" : "";
      if (nsp.empty()) return Datum::Null();
    }
    if (nsp == "pg_catalog" || nsp == "information_schema")
      return Datum(roles.is_superuser(user) || (!grant_option && (wanted & acl::kUsage)));
    if (nsp != "public")
      throw SqlError(sqlstate::kInvalidSchemaName, "schema \"" + nsp + "\" does not exist");
    uint32_t held = grant_option ? roles.public_schema_grant_options(user, wanted)
                                 : roles.public_schema_privileges(user, wanted);
    return Datum(held != 0);
  }
  catalog::TablePtr t;
  if (is_text(types[i])) {
    std::string name = args[i].as_string();
    t = cx.catalog.find_table(name, cx.session.temp_namespace());
    if (!t) {
      if (bind::virtual_table("", name))  // pg_catalog relations: readable except pg_authid
        return Datum(roles.is_superuser(user) ||
                     (name != "pg_authid" && wanted == (wanted & acl::kSelect) && !grant_option));
      throw SqlError(sqlstate::kUndefinedTable, "relation \"" + name + "\" does not exist");
    }
  } else {
    t = cx.catalog.table_by_oid(static_cast<Oid>(args[i].as_int()));
    if (!t) return Datum::Null();
  }
  uint32_t held = grant_option
                      ? roles.grant_options(t->acl, t->owner, acl::kAllOnTable, user, wanted)
                      : roles.table_privileges(*t, user, wanted);
  return Datum(held != 0);
}

uint32_t table_privilege_bit(const std::string& s) {
  static const std::map<std::string, uint32_t> bits = {{"select", acl::kSelect},
                                                       {"insert", acl::kInsert},
                                                       {"update", acl::kUpdate},
                                                       {"delete", acl::kDelete},
                                                       {"truncate", acl::kTruncate},
                                                       {"references", acl::kReferences},
                                                       {"trigger", acl::kTrigger},
                                                       {"all", acl::kAllOnTable},
                                                       {"all privileges", acl::kAllOnTable}};
  auto it = bits.find(s);
  return it == bits.end() ? 0 : it->second;
}

}  // namespace hf::sql::exec
