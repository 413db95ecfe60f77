// sql/exec/routines.cc — see routines.h.
#include "sql/exec/routines.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "runtime/stack.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/executor.h"
#include "sql/exec/locking.h"
#include "sql/exec/privileges.h"
#include "sql/exec/schemas.h"
#include "sql/parse/parser.h"
#include "sql/plan/planner.h"
#include "sql/types/cast.h"
#include "sql/types/composite_types.h"
#include "sql/types/type_info.h"

namespace hf::sql::exec {

namespace {

constexpr Oid kTriggerType = 2279;  // PostgreSQL's pseudo-type "trigger"
constexpr const char* kInvalidFunctionDefinition = "42P13";
constexpr const char* kDuplicateFunction = "42723";
constexpr const char* kAmbiguousFunction = "42725";

PlpgsqlRuntime& plpgsql_runtime() {
  static PlpgsqlRuntime runtime;
  return runtime;
}

std::string str_of(const PgQuery__Node* n) {
  if (n && n->node_case == PG_QUERY__NODE__NODE_STRING) return n->string->sval;
  return "";
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The type a parameter or RETURNS clause names; the pseudo-types a function may use
// (trigger, record, void) included; enum types along the session's search path.
TypeRef function_type(const PgQuery__TypeName* tn, ExecContext& cx) {
  std::string name = bind::type_name_of(tn);
  if (name == "trigger") return TypeRef{kTriggerType, -1};
  if (name == "record") return TypeRef{type_oid::kRecord, -1};
  if (name == "void") return TypeRef{type_oid::kVoid, -1};
  try {
    return bind::resolve_type_name(tn, session_search_path(cx.catalog, cx.session).schemas);
  } catch (SqlError& e) {
    e.error().position = 0;  // PostgreSQL reports a CREATE FUNCTION's types without one
    throw;
  }
}

// Adds the line PostgreSQL's error context callback adds for the statement that failed.
void add_context(SqlError& e, const std::string& line) {
  Error& err = e.error();
  err.position = 0;
  err.context = err.context.empty() ? line : err.context + "\n" + line;
}

std::vector<Row> drain(Result r) {
  std::vector<Row> rows = std::move(r.rows);
  if (r.stream) {
    Row row;
    while (r.stream->next(row)) rows.push_back(row);
  }
  return rows;
}

// 42P13 for a body whose last statement returns no rows (and the function must return).
[[noreturn]] void fail_no_result(const catalog::Function& f) {
  throw SqlError(
      Error{kInvalidFunctionDefinition,
            "return type mismatch in function declared to return " + types::format_type(f.result),
            "Function's final statement must be SELECT or INSERT/UPDATE/DELETE RETURNING.", "", 0,
            "SQL function \"" + f.name + "\""});
}

// The rows of a LANGUAGE sql body's last statement, in the caller's transaction.
std::vector<Row> run_sql_body(const catalog::Function& f, const std::vector<Datum>& args,
                              ExecContext& cx, std::vector<TypeRef>* result_types) {
  auto stmts = parse::parse_sql(f.body);
  bind::ParamNames names;
  names.qualifier = f.name;
  std::vector<TypeRef> types;
  for (const auto& a : f.args)
    if (a.is_input()) names.names.push_back(a.name), types.push_back(a.type);
  RoutineContext rc(cx);
  RoutineContext::Outcome last;
  int n = 0;
  for (const auto& raw : stmts) {
    if (raw.kind == StatementKind::kEmpty) continue;
    ++n;
    try {
      if (raw.kind != StatementKind::kQuery)
        throw SqlError(sqlstate::kFeatureNotSupported,
                       raw.tag + " is not allowed in an SQL function");
      last = rc.run(raw.text, names, types, args, f.volatility == 'v');
    } catch (SqlError& e) {
      add_context(e, "SQL function \"" + f.name + "\" statement " + std::to_string(n));
      throw;
    }
  }
  if (result_types) *result_types = last.types;
  if (f.result.oid == type_oid::kVoid) return {};
  if (last.names.empty()) fail_no_result(f);
  return std::move(last.rows);
}

// Casts each value of rows to the function's output columns (implicit casts, as PostgreSQL's
// check_sql_fn_retval allows them); 42P13 when a column cannot be.
// timestamptz's casts use `zone`, the session's.
void coerce_result(const catalog::Function& f, const std::vector<TypeRef>& actual,
                   std::vector<Row>& rows, const types::TimeZone& zone) {
  std::vector<TypeRef> want;
  for (const auto& [name, type] : f.result_columns()) want.push_back(type);
  const bool composite = f.returns_composite();
  // A composite result may also come as one column of that type: its fields are the row.
  if (composite && actual.size() == 1 && actual[0].oid == f.result.oid) {
    for (auto& r : rows) r = r.empty() || r[0].is_null() ? Row{} : *r[0].as_array();
    return;
  }
  auto mismatch = [&](const std::string& detail) {
    throw SqlError(Error{
        kInvalidFunctionDefinition,
        "return type mismatch in function declared to return " +
            (want.size() > 1 && !composite ? std::string("record") : types::format_type(f.result)),
        detail, "", 0, "SQL function \"" + f.name + "\""});
  };
  if (composite) {
    // PostgreSQL matches a composite's fields one by one (assignment casts), then counts.
    for (size_t i = 0; i < actual.size() && i < want.size(); ++i) {
      if (actual[i].oid == want[i].oid) continue;
      if (actual[i].oid != type_oid::kUnknown &&
          !types::can_cast(actual[i].oid, want[i].oid, types::CastContext::kAssignment))
        mismatch("Final statement returns " + types::format_type(actual[i]) + " instead of " +
                 types::format_type(want[i]) + " at column " + std::to_string(i + 1) + ".");
      for (auto& r : rows)
        if (i < r.size())
          r[i] = types::cast(r[i], actual[i], want[i], types::CastContext::kAssignment, zone);
    }
    if (actual.size() != want.size())
      mismatch("Final statement returns too " +
               std::string(actual.size() < want.size() ? "few" : "many") + " columns.");
    return;
  }
  if (actual.size() != want.size()) {
    if (want.size() == 1) mismatch("Final statement must return exactly one column.");
    mismatch("Final statement returns too " +
             std::string(actual.size() < want.size() ? "few" : "many") + " columns.");
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (actual[i].oid == want[i].oid) continue;
    if (actual[i].oid != type_oid::kUnknown &&
        !types::can_cast(actual[i].oid, want[i].oid, types::CastContext::kImplicit)) {
      if (want.size() == 1)
        mismatch("Actual return type is " + types::format_type(actual[i]) + ".");
      mismatch("Final statement returns " + types::format_type(actual[i]) + " instead of " +
               types::format_type(want[i]) + " at column " + std::to_string(i + 1) + ".");
    }
    for (auto& r : rows)
      if (i < r.size())
        r[i] = types::cast(r[i], actual[i], want[i], types::CastContext::kExplicit, zone);
  }
}

// PostgreSQL's check at CREATE FUNCTION (check_function_bodies): the body parses, and when
// it has only SELECT / INSERT / UPDATE / DELETE statements (so none depends on DDL before
// it), each binds and the last one's columns fit the declared result.
void check_sql_body(const catalog::Function& f, ExecContext& cx) {
  auto stmts = parse::parse_sql(f.body);
  for (const auto& raw : stmts) {
    if (raw.kind == StatementKind::kEmpty) continue;
    if (raw.kind != StatementKind::kQuery) return;
    auto c = parse::parsed(raw).node->node_case;
    if (c != PG_QUERY__NODE__NODE_SELECT_STMT && c != PG_QUERY__NODE__NODE_INSERT_STMT &&
        c != PG_QUERY__NODE__NODE_UPDATE_STMT && c != PG_QUERY__NODE__NODE_DELETE_STMT)
      return;
  }
  bind::ParamNames names;
  names.qualifier = f.name;
  std::vector<Oid> types;
  for (const auto& a : f.args)
    if (a.is_input()) names.names.push_back(a.name), types.push_back(a.type.oid);
  bind::BoundStatement last;
  bool any = false;
  for (const auto& raw : stmts) {
    if (raw.kind == StatementKind::kEmpty) continue;
    std::vector<Oid> params = types;
    try {
      last = bind::bind_statement(cx.catalog, parse::parsed(raw).node, params,
                                  session_search_path(cx.catalog, cx.session), &names);
    } catch (SqlError& e) {
      e.error().position = 0;
      throw;
    }
    any = true;
  }
  if (!any || f.result.oid == type_oid::kVoid) return;
  if (last.names.empty()) fail_no_result(f);
  std::vector<Row> none;
  coerce_result(f, last.types, none, types::TimeZone());  // no rows: only the checks
}

// The rows a call returns, before its values are coerced.
std::vector<Row> invoke(const catalog::Function& f, const std::vector<Datum>& args,
                        ExecContext& cx) {
  runtime::check_stack_depth();
  if (f.language == "sql") {
    std::vector<TypeRef> actual;
    auto rows = run_sql_body(f, args, cx, &actual);
    if (f.result.oid != type_oid::kVoid) coerce_result(f, actual, rows, cx.fctx.zone);
    return rows;
  }
  if (f.language == "plpgsql" && plpgsql_runtime().call) {
    RoutineContext rc(cx);
    return plpgsql_runtime().call(f, args, rc);
  }
  throw SqlError(sqlstate::kFeatureNotSupported,
                 "functions in language \"" + f.language + "\" are not supported");
}

// The functions a DROP FUNCTION or CREATE TRIGGER naming [schema.]name may mean: those of
// the schema named (3F000 when there is none), else those of the search path's schemas, in
// path order.
std::vector<catalog::FunctionPtr> functions_named(ExecContext& cx, PgQuery__Node* const* names,
                                                  size_t n) {
  auto all = cx.catalog.functions().find(str_of(names[n - 1]));
  std::vector<catalog::FunctionPtr> out;
  if (n > 1) {
    const std::string schema = str_of(names[n - 2]);
    auto sc = cx.catalog.find_schema(schema);
    if (!sc)
      throw SqlError(sqlstate::kInvalidSchemaName, "schema \"" + schema + "\" does not exist");
    for (auto& f : all)
      if (f->namespace_oid == sc->oid) out.push_back(f);
    return out;
  }
  for (Oid ns : session_search_path(cx.catalog, cx.session).schemas)
    for (auto& f : all)
      if (f->namespace_oid == ns) out.push_back(f);
  return out;
}

// The first of them whose input types are exactly `types`.
catalog::FunctionPtr function_exact(const std::vector<catalog::FunctionPtr>& candidates,
                                    const std::vector<Oid>& types) {
  for (const auto& f : candidates) {
    auto ts = f->input_types();
    if (ts.size() == types.size() && std::equal(ts.begin(), ts.end(), types.begin(),
                                                [](const TypeRef& t, Oid o) { return t.oid == o; }))
      return f;
  }
  return nullptr;
}

}  // namespace

void set_plpgsql_runtime(PlpgsqlRuntime runtime) {
  plpgsql_runtime() = std::move(runtime);
}

std::string function_signature(const std::string& name, const std::vector<TypeRef>& types,
                               bool compact) {
  std::string out = name + "(";
  for (size_t i = 0; i < types.size(); ++i)
    out += (i ? (compact ? "," : ", ") : "") + types::format_type(types[i]);
  return out + ")";
}

std::string function_result_text(const catalog::Function& f) {
  auto outs = f.output_args();
  bool table = !outs.empty() && outs[0]->mode == 't';
  if (table) {
    std::string out = "TABLE(";
    for (size_t i = 0; i < outs.size(); ++i)
      out += (i ? ", " : "") + outs[i]->name + " " + types::format_type(outs[i]->type);
    return out + ")";
  }
  std::string type = f.result.oid == kTriggerType        ? "trigger"
                     : f.result.oid == type_oid::kRecord ? "record"
                     : f.result.oid == type_oid::kVoid   ? "void"
                                                         : types::format_type(f.result);
  return (f.returns_set ? "SETOF " : "") + type;
}

std::string function_arguments_text(const catalog::Function& f) {
  std::string out;
  for (const auto& a : f.args) {
    if (a.mode == 't') continue;
    if (!out.empty()) out += ", ";
    if (a.mode == 'o') out += "OUT ";
    if (a.mode == 'b') out += "INOUT ";
    if (!a.name.empty()) out += a.name + " ";
    out += types::format_type(a.type);
    if (!a.default_expr.empty()) out += " DEFAULT " + a.default_expr;
  }
  return out;
}

RoutineContext::Outcome RoutineContext::run(const std::string& sql, const bind::ParamNames& names,
                                            const std::vector<TypeRef>& types,
                                            const std::vector<Datum>& values, bool new_command,
                                            const std::string& bind_context) {
  // The statement's text, parameter types and names say what binding it gives. Each part
  // ends with a NUL, which no SQL text or identifier holds (a quoted name may hold a comma).
  std::string key = sql;
  key.push_back('\0');
  key += std::to_string(types.size());
  key.push_back('\0');
  for (const auto& t : types) {
    key += std::to_string(t.oid);
    key.push_back('/');
    key += std::to_string(t.typmod);
    key.push_back('\0');
  }
  key += names.qualifier;
  key.push_back('\0');
  for (const auto& n : names.names) {
    key += n;
    key.push_back('\0');
  }
  const uint64_t version = cx_.catalog.version();
  // The search path as resolved (schema oids, the session's temporary schema): a SET of
  // search_path or of the role ("$user") that changes it makes the statement bind again.
  catalog::SearchPath search_path = session_search_path(cx_.catalog, cx_.session);
  std::shared_ptr<const Prepared> prepared;
  if (auto it = prepared_.find(key); it != prepared_.end() &&
                                     it->second->catalog_version == version &&
                                     it->second->search_path == search_path)
    prepared = it->second;
  if (!prepared) {
    auto fresh = std::make_shared<Prepared>();
    fresh->catalog_version = version;
    fresh->search_path = search_path;
    try {
      fresh->stmts = parse::parse_sql(sql);
      if (fresh->stmts.size() != 1 || fresh->stmts[0].kind != StatementKind::kQuery)
        throw SqlError(
            sqlstate::kFeatureNotSupported,
            "only one SQL statement (not a transaction or session command) may run here");
      const auto& ps = parse::parsed(fresh->stmts[0]);
      std::vector<Oid> param_types;
      for (const auto& t : types) param_types.push_back(t.oid);
      fresh->bound = bind::bind_statement(cx_.catalog, ps.node, param_types, search_path, &names);
      plan::plan_statement(fresh->bound);
      fresh->bound.lock_wait_seconds = ps.lock_wait_seconds;
    } catch (SqlError& e) {
      // An error that points into the text is reported against it by the caller (PL/pgSQL's
      // internal query and position), with no context line, as PostgreSQL's SPI does.
      if (!bind_context.empty() && e.error().position == 0) add_context(e, bind_context);
      throw;
    }
    prepared = fresh;
    prepared_[key] = std::move(fresh);
  }
  const bind::BoundStatement& bound = prepared->bound;
  if (new_command) cx_.txn.start_statement();
  // Parameters the statement does not use may have no value; those it uses have one.
  std::vector<Datum> params = values;
  if (params.size() < bound.param_types.size()) params.resize(bound.param_types.size());
  Result r = exec::run(bound, cx_.catalog, cx_.session, params);
  Outcome out;
  out.tag = r.tag;
  out.rows = drain(std::move(r));
  if (bound.kind == bind::BoundStatement::Kind::kSelect || !bound.names.empty()) {
    out.names = bound.names;
    out.types = bound.types;
  }
  if (bound.kind == bind::BoundStatement::Kind::kSelect) {
    out.processed = static_cast<int64_t>(out.rows.size());
  } else {
    auto sp = out.tag.rfind(' ');
    if (sp != std::string::npos) {
      try {
        out.processed = std::stoll(out.tag.substr(sp + 1));
      } catch (const std::exception&) {
        out.processed = 0;
      }
    }
  }
  return out;
}

SessionContext& RoutineContext::session() {
  return cx_.session;
}
catalog::Catalog& RoutineContext::catalog() {
  return cx_.catalog;
}
coord::Transaction& RoutineContext::txn() {
  return cx_.txn;
}
void RoutineContext::notice(const Error& e) {
  cx_.session.notice(e);
}
void RoutineContext::check_interrupts() {
  check_for_interrupts(cx_);
}

Datum call_user_function(const bind::Expr& call, std::vector<Datum> args, ExecContext& cx) {
  const catalog::Function& f = *call.routine;
  if (f.strict && std::any_of(args.begin(), args.end(), [](const Datum& d) { return d.is_null(); }))
    return Datum::Null();
  auto rows = invoke(f, args, cx);
  if (f.result.oid == type_oid::kVoid) return Datum(std::string());
  if (rows.empty() || rows[0].empty()) return Datum::Null();
  if (f.returns_composite()) return types::make_composite(std::move(rows[0]));
  return rows[0][0];
}

std::vector<Row> user_function_rows(const bind::Expr& call, std::vector<Datum> args,
                                    ExecContext& cx) {
  const catalog::Function& f = *call.routine;
  if (f.strict && std::any_of(args.begin(), args.end(), [](const Datum& d) { return d.is_null(); }))
    return {};
  if (f.returns_set) return invoke(f, args, cx);
  const bool composite = f.returns_composite();
  if (f.output_args().size() <= 1 && !composite)
    return {Row{call_user_function(call, std::move(args), cx)}};
  // Several OUT parameters or a composite's fields: one row of them (NULLs when the body
  // produced none or returned a NULL composite).
  auto rows = invoke(f, args, cx);
  if (rows.empty() || rows[0].empty()) return {Row(f.result_columns().size(), Datum::Null())};
  rows.resize(1);
  return rows;
}

namespace {

// Before a CREATE FUNCTION of a function that does not exist for the caller: while another
// transaction has created one of that identity and not committed, waits for it to end, as
// PostgreSQL's CREATE waits on pg_proc's unique index; fails with that index's error if it
// committed, goes on if it rolled back.
void wait_for_uncommitted_function(ExecContext& cx, Oid ns, const std::string& name,
                                   const std::vector<Oid>& input) {
  while (Oid oid = cx.catalog.functions().uncommitted(ns, name, input)) {
    if (!cx.txn.lock_table(oid, coord::table_mode::kShareUpdateExclusive, lock_wait(cx)))
      throw SqlError(sqlstate::kLockNotAvailable, "could not obtain lock on function");
    cx.catalog.sync();  // its commit may be another coordinator's
    if (!cx.catalog.wait_settled(oid, cx.txn.id(), coord::table_mode::kAccessExclusive,
                                 &cx.session.cancel()))
      throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
    if (!cx.catalog.functions().find_exact(ns, name, input)) continue;  // rolled back
    Error e;
    e.sqlstate = sqlstate::kUniqueViolation;
    e.message = "duplicate key value violates unique constraint \"pg_proc_proname_args_nsp_index\"";
    std::string types;
    for (Oid t : input) types += (types.empty() ? "" : " ") + std::to_string(t);
    e.detail = "Key (proname, proargtypes, pronamespace)=(" + name + ", " + types + ", " +
               std::to_string(ns) + ") already exists.";
    throw SqlError(std::move(e));
  }
}

// Before CREATE OR REPLACE or DROP of committed function `seen`: ACCESS EXCLUSIVE on it until
// the transaction ends, so that a second transaction's change waits for this one, as
// PostgreSQL's waits on the pg_proc row; if that one changed the function meanwhile,
// PostgreSQL's error for a concurrent update of the row.
void lock_function_for_change(ExecContext& cx, const catalog::FunctionPtr& seen) {
  if (!cx.txn.lock_table(seen->oid, coord::table_mode::kAccessExclusive, lock_wait(cx)))
    throw SqlError(sqlstate::kLockNotAvailable,
                   "could not obtain lock on function \"" + seen->name + "\"");
  if (!cx.catalog.wait_settled(seen->oid, cx.txn.id(), coord::table_mode::kAccessExclusive,
                               &cx.session.cancel()))
    throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
  // (Compared by content: a catalog read again by sync() holds new copies of the same.)
  auto now = cx.catalog.functions().by_oid(seen->oid);
  if (!now || now->body != seen->body || now->name != seen->name ||
      now->namespace_oid != seen->namespace_oid || now->owner != seen->owner ||
      now->volatility != seen->volatility || now->strict != seen->strict ||
      now->args.size() != seen->args.size())
    throw SqlError(sqlstate::kInternalError, "tuple concurrently updated");
}

}  // namespace

std::string create_function(const PgQuery__CreateFunctionStmt* s, ExecContext& cx) {
  if (s->is_procedure)
    throw SqlError(sqlstate::kFeatureNotSupported, "CREATE PROCEDURE is not supported");
  catalog::Function f;
  f.name = str_of(s->funcname[s->n_funcname - 1]);
  f.namespace_oid =
      creation_schema(cx, s->n_funcname > 1 ? str_of(s->funcname[s->n_funcname - 2]) : "", -1);
  f.owner = current_user(cx);
  bool has_body = false;
  for (size_t i = 0; i < s->n_options; ++i) {
    const auto* d = s->options[i]->def_elem;
    std::string opt = d->defname;
    if (opt == "as") {
      const auto* list = d->arg->list;
      f.body = list->n_items ? str_of(list->items[0]) : "";
      has_body = true;
    } else if (opt == "language") {
      f.language = lower(str_of(d->arg));
    } else if (opt == "volatility") {
      f.volatility = str_of(d->arg).at(0);
    } else if (opt == "strict") {
      f.strict =
          d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN && d->arg->boolean->boolval;
    } else if (opt == "window") {
      throw SqlError(sqlstate::kFeatureNotSupported, "window functions are not supported");
    }
    // security, leakproof, cost, rows, parallel, set: accepted, no effect here.
  }
  if (s->sql_body != nullptr)
    throw SqlError(sqlstate::kFeatureNotSupported,
                   "function bodies in SQL standard syntax (BEGIN ATOMIC) are not supported");
  if (f.language.empty()) throw SqlError(kInvalidFunctionDefinition, "no language specified");
  if (f.language != "sql" && f.language != "plpgsql") {
    // LANGUAGE C: PostgreSQL loads the object file first (its libdir, its .so suffix): a
    // file that is not there fails as there; one that is, holdfast cannot load.
    if (f.language == "c" && has_body) {
      std::string file = f.body;
      const std::string libdir = "/usr/lib/postgresql/15/lib/";
      if (file.rfind("$libdir/", 0) == 0) file = libdir + file.substr(8);
      std::vector<std::string> tries = {file, file + ".so"};
      if (file.find('/') == std::string::npos) tries = {libdir + file, libdir + file + ".so"};
      struct stat st {};
      bool found = false;
      for (const auto& t : tries) found = found || ::stat(t.c_str(), &st) == 0;
      if (!found)
        throw SqlError("58P01",
                       "could not access file \"" + f.body + "\": No such file or directory");
    }
    if (f.language == "c" || f.language == "internal")
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "functions in language \"" + f.language + "\" are not supported");
    throw SqlError(sqlstate::kUndefinedObject, "language \"" + f.language + "\" does not exist");
  }
  if (!has_body) throw SqlError(kInvalidFunctionDefinition, "no function body specified");
  for (size_t i = 0; i < s->n_parameters; ++i) {
    const auto* p = s->parameters[i]->function_parameter;
    catalog::FunctionArg a;
    a.name = p->name ? p->name : "";
    a.type = function_type(p->arg_type, cx);
    switch (p->mode) {
      case PG_QUERY__FUNCTION_PARAMETER_MODE__FUNC_PARAM_OUT:
        a.mode = 'o';
        break;
      case PG_QUERY__FUNCTION_PARAMETER_MODE__FUNC_PARAM_INOUT:
        a.mode = 'b';
        break;
      case PG_QUERY__FUNCTION_PARAMETER_MODE__FUNC_PARAM_VARIADIC:
        throw SqlError(sqlstate::kFeatureNotSupported, "VARIADIC parameters are not supported");
      case PG_QUERY__FUNCTION_PARAMETER_MODE__FUNC_PARAM_TABLE:
        a.mode = 't';
        break;
      default:
        a.mode = 'i';
    }
    if (p->defexpr) {
      if (!a.is_input())
        throw SqlError(kInvalidFunctionDefinition, "only input parameters can have default values");
      a.default_expr = parse::deparse_expr(p->defexpr);
    } else if (a.is_input() && !f.args.empty()) {
      for (const auto& prev : f.args)
        if (prev.is_input() && !prev.default_expr.empty())
          throw SqlError(kInvalidFunctionDefinition,
                         "input parameters after one with a default value must also have "
                         "defaults");
    }
    f.args.push_back(std::move(a));
  }
  auto outs = f.output_args();
  if (s->return_type) {
    f.result = function_type(s->return_type, cx);
    f.returns_set = s->return_type->setof;
    if (outs.size() == 1 && f.result.oid == type_oid::kRecord) f.result = outs[0]->type;
  } else if (outs.size() == 1) {
    f.result = outs[0]->type;
  } else if (outs.size() > 1) {
    f.result = TypeRef{type_oid::kRecord, -1};
  } else {
    throw SqlError(kInvalidFunctionDefinition, "function result type must be specified");
  }
  if (f.result.oid == kTriggerType && f.language == "sql")
    throw SqlError(sqlstate::kFeatureNotSupported, "SQL functions cannot return type trigger");
  if (f.result.oid == type_oid::kRecord && outs.empty())
    throw SqlError(sqlstate::kFeatureNotSupported,
                   "functions returning record without OUT parameters are not supported");
  if (f.language != "sql" && plpgsql_runtime().validate) plpgsql_runtime().validate(f);
  std::vector<Oid> input;
  for (const auto& t : f.input_types()) input.push_back(t.oid);
  wait_for_uncommitted_function(cx, f.namespace_oid, f.name, input);
  if (auto old = cx.catalog.functions().find_exact(f.namespace_oid, f.name, input)) {
    if (!s->replace)
      throw SqlError(kDuplicateFunction,
                     "function \"" + f.name + "\" already exists with same argument types");
    if (old->result != f.result || old->returns_set != f.returns_set)
      throw SqlError(
          kInvalidFunctionDefinition, "cannot change return type of existing function", "",
          "Use DROP FUNCTION " + function_signature(f.name, f.input_types(), true) + " first.");
    require_owner(cx, old->owner, "function", f.name);
    lock_function_for_change(cx, old);
    f.oid = old->oid;
    f.owner = old->owner;
  } else {
    // A new function: ACCESS EXCLUSIVE on its oid until the transaction ends, which a second
    // CREATE of it waits for (wait_for_uncommitted_function). The oid is new: never waits.
    f.oid = cx.catalog.allocate_oid();
    cx.txn.lock_table(f.oid, coord::table_mode::kAccessExclusive, coord::LockWait{});
  }
  // PostgreSQL validates a SQL body once the function is in the catalog (ProcedureCreate, then
  // the validator), so a body may call its own function; a body that fails undoes the CREATE
  // with the statement.
  std::optional<catalog::Function> sql_body;
  if (f.language == "sql") sql_body = f;
  const Oid oid = f.oid;
  cx.catalog.functions().store(std::move(f), &cx.txn);
  // After store() registered its commit hook: a statement that waited for the lock sees the
  // committed definition once wait_settled returns.
  cx.catalog.note_lock(oid, coord::table_mode::kAccessExclusive, cx.txn);
  if (sql_body) check_sql_body(*sql_body, cx);
  return "CREATE FUNCTION";
}

std::string drop_function(const PgQuery__DropStmt* s, ExecContext& cx) {
  for (size_t i = 0; i < s->n_objects; ++i) {
    const auto* o = s->objects[i]->object_with_args;
    std::string name = str_of(o->objname[o->n_objname - 1]);
    catalog::FunctionPtr f;
    if (s->missing_ok && o->n_objname > 1) {
      const std::string schema = str_of(o->objname[o->n_objname - 2]);
      if (!cx.catalog.find_schema(schema)) {
        send_notice(cx, "schema \"" + schema + "\" does not exist, skipping");
        continue;
      }
    }
    auto candidates = functions_named(cx, o->objname, o->n_objname);
    std::string shown;  // the name as the statement wrote it (schema-qualified or not)
    for (size_t k = 0; k < o->n_objname; ++k) shown += (k ? "." : "") + str_of(o->objname[k]);
    if (o->args_unspecified) {
      auto& found = candidates;
      if (found.size() > 1)
        throw SqlError(kAmbiguousFunction, "function name \"" + name + "\" is not unique", "",
                       "Specify the argument list to select the function unambiguously.");
      if (found.empty()) {
        if (s->missing_ok) {
          send_notice(cx, "function " + shown + "() does not exist, skipping");
          continue;
        }
        throw SqlError(sqlstate::kUndefinedFunction,
                       "could not find a function named \"" + shown + "\"");
      }
      f = found[0];
    } else {
      std::vector<TypeRef> types;
      std::vector<Oid> oids;
      std::string written;  // the types as the statement spelled them (the NOTICE's form)
      for (size_t k = 0; k < o->n_objargs; ++k) {
        const auto* tn = o->objargs[k]->type_name;
        types.push_back(function_type(tn, cx));
        oids.push_back(types.back().oid);
        std::string t;
        for (size_t n = 0; n < tn->n_names; ++n) t += (n ? "." : "") + str_of(tn->names[n]);
        written += (k ? "," : "") + t;
      }
      f = function_exact(candidates, oids);
      if (!f) {
        if (s->missing_ok) {
          send_notice(cx, "function " + shown + "(" + written + ") does not exist, skipping");
          continue;
        }
        throw SqlError(sqlstate::kUndefinedFunction,
                       "function " + function_signature(shown, types) + " does not exist");
      }
    }
    require_owner(cx, f->owner, "function", name);
    lock_function_for_change(cx, f);
    cx.catalog.functions().drop(f->oid, &cx.txn);
    cx.catalog.note_lock(f->oid, coord::table_mode::kAccessExclusive, cx.txn);
  }
  return "DROP FUNCTION";
}

std::string run_do(const PgQuery__DoStmt* s, ExecContext& cx) {
  std::string code, language = "plpgsql";
  for (size_t i = 0; i < s->n_args; ++i) {
    const auto* d = s->args[i]->def_elem;
    if (std::string(d->defname) == "as") code = str_of(d->arg);
    if (std::string(d->defname) == "language") language = lower(str_of(d->arg));
  }
  if (language != "plpgsql") {
    if (language == "sql")
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "language \"sql\" does not support inline code execution");
    throw SqlError(sqlstate::kUndefinedObject, "language \"" + language + "\" does not exist");
  }
  if (!plpgsql_runtime().run_do)
    throw SqlError(sqlstate::kFeatureNotSupported, "DO is not supported");
  RoutineContext rc(cx);
  plpgsql_runtime().run_do(code, rc);
  return "DO";
}

// ---- triggers ----

namespace {

// NEW / OLD as the parameters of a WHEN condition: "new.col", "old.col".
void row_params(const catalog::Table& t, const char* name, const Row* row, bind::ParamNames& names,
                std::vector<TypeRef>& types, std::vector<Datum>& values) {
  if (row == nullptr) return;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    names.names.push_back(std::string(name) + "." + t.columns[i].name);
    types.push_back(t.columns[i].type);
    values.push_back(i < row->size() ? (*row)[i] : Datum::Null());
  }
}

const char* op_name(uint8_t event) {
  return event == catalog::Trigger::kInsert   ? "INSERT"
         : event == catalog::Trigger::kDelete ? "DELETE"
                                              : "UPDATE";
}

}  // namespace

namespace {

// Whether trigger t fires for `event` on table: an UPDATE OF trigger only when the UPDATE's SET
// list (updated_columns; nullptr: unknown, fire) names one of its columns.
bool trigger_applies(const catalog::Trigger& t, const catalog::Table& table, uint8_t event,
                     const std::vector<int>* updated_columns) {
  if (!(t.events & event)) return false;
  if (event != catalog::Trigger::kUpdate || t.columns.empty() || updated_columns == nullptr)
    return true;
  for (int c : *updated_columns)
    if (c >= 0 && static_cast<size_t>(c) < table.columns.size() &&
        std::find(t.columns.begin(), t.columns.end(), table.columns[c].name) != t.columns.end())
      return true;
  return false;
}

// Runs trigger t once (its WHEN condition first): the row a BEFORE ROW trigger returns (the
// row unchanged when WHEN is false), nullopt when it returned NULL.
std::optional<Row> fire_trigger(const catalog::Trigger& t, const catalog::Table& table,
                                uint8_t event, const Row* old_row, const Row* new_row,
                                ExecContext& cx) {
  runtime::check_stack_depth();
  RoutineContext rc(cx);
  auto unchanged = [&]() -> std::optional<Row> {
    if (new_row) return *new_row;
    if (old_row) return *old_row;
    return Row{};
  };
  if (!t.when.empty()) {
    bind::ParamNames names;
    std::vector<TypeRef> types;
    std::vector<Datum> values;
    row_params(table, "new", new_row, names, types, values);
    row_params(table, "old", old_row, names, types, values);
    auto o = rc.run("SELECT (" + t.when + ")::boolean", names, types, values, false);
    if (o.rows.empty() || o.rows[0].empty() || o.rows[0][0].is_null() || !o.rows[0][0].as_bool())
      return unchanged();
  }
  auto f = cx.catalog.functions().by_oid(t.function);
  if (!f)
    throw SqlError(sqlstate::kUndefinedFunction,
                   "function of trigger \"" + t.name + "\" does not exist");
  if (!plpgsql_runtime().call_trigger)
    throw SqlError(sqlstate::kFeatureNotSupported, "triggers are not supported");
  TriggerCall call{&t, &table, op_name(event), old_row, new_row, !t.row_level};
  auto got = plpgsql_runtime().call_trigger(*f, call, rc);
  return t.row_level ? got : unchanged();  // a statement trigger's result is ignored
}

}  // namespace

RowTriggers::RowTriggers(const catalog::Table& table, uint8_t event, ExecContext& cx,
                         AfterRowQueue& queue, const std::vector<int>* updated_columns)
    : table_(table), event_(event), cx_(cx), queue_(queue) {
  for (auto& t : cx.catalog.functions().triggers_of(table.oid))
    if (t->row_level && trigger_applies(*t, table, event, updated_columns))
      (t->before ? before_ : after_).push_back(t);
}

bool RowTriggers::before(const Row* old_row, Row* new_row) {
  for (const auto& t : before_) {
    auto got = fire_trigger(*t, table_, event_, old_row, new_row, cx_);
    if (!got) return false;
    if (new_row) *new_row = std::move(*got);
  }
  return true;
}

void RowTriggers::after(const Row* old_row, const Row* new_row) {
  if (after_.empty()) return;
  AfterRowQueue::Event e{&after_, &table_, event_, std::nullopt, std::nullopt};
  if (old_row) e.old_row = *old_row;
  if (new_row) e.new_row = *new_row;
  queue_.events_.push_back(std::move(e));
}

void AfterRowQueue::fire() {
  // A trigger's own statements run with queues of their own; taking the events first keeps
  // this loop independent of anything they do.
  std::vector<Event> events;
  events.swap(events_);
  for (const Event& e : events)
    for (const auto& t : *e.triggers)
      fire_trigger(*t, *e.table, e.event, e.old_row ? &*e.old_row : nullptr,
                   e.new_row ? &*e.new_row : nullptr, cx_);
}

void fire_statement_triggers(const catalog::Table& table, uint8_t event, bool before,
                             ExecContext& cx, const std::vector<int>* updated_columns) {
  for (auto& t : cx.catalog.functions().triggers_of(table.oid))
    if (!t->row_level && t->before == before && trigger_applies(*t, table, event, updated_columns))
      fire_trigger(*t, table, event, nullptr, nullptr, cx);
}

std::string create_trigger(const PgQuery__CreateTrigStmt* s, ExecContext& cx) {
  constexpr int32_t kBefore = 1 << 1, kInsteadOf = 1 << 6;
  constexpr int32_t kOnInsert = 1 << 2, kOnDelete = 1 << 3, kOnUpdate = 1 << 4,
                    kOnTruncate = 1 << 5;
  if (s->isconstraint)
    throw SqlError(sqlstate::kFeatureNotSupported, "constraint triggers are not supported");
  if (s->timing & kInsteadOf)
    throw SqlError(sqlstate::kFeatureNotSupported, "INSTEAD OF triggers are not supported");
  if (s->events & kOnTruncate)
    throw SqlError(sqlstate::kFeatureNotSupported, "TRUNCATE triggers are not supported");
  if (s->n_transition_rels > 0)
    throw SqlError(sqlstate::kFeatureNotSupported, "transition tables are not supported");
  std::string relname = s->relation->relname;
  auto table = utility_table(cx, s->relation);
  if (!table)
    throw SqlError(sqlstate::kUndefinedTable, "relation \"" + relname + "\" does not exist");
  // SHARE ROW EXCLUSIVE, as PostgreSQL: no writer of the table fires the trigger before it
  // commits (writers wait), and it waits for the writers already there.
  lock_relation(cx, *table, coord::table_mode::kShareRowExclusive);
  table = utility_table(cx, s->relation);
  if (!table)
    throw SqlError(sqlstate::kUndefinedTable, "relation \"" + relname + "\" does not exist");
  require_owner(cx, table->owner, "table", relname);
  std::string fname = str_of(s->funcname[s->n_funcname - 1]);
  auto f = function_exact(functions_named(cx, s->funcname, s->n_funcname), {});
  if (!f) throw SqlError(sqlstate::kUndefinedFunction, "function " + fname + "() does not exist");
  if (f->result.oid != kTriggerType)
    throw SqlError("42P17", "function " + fname + " must return type trigger");
  catalog::Trigger t;
  t.name = s->trigname;
  t.table = table->oid;
  t.function = f->oid;
  t.before = (s->timing & kBefore) != 0;
  t.row_level = s->row;
  if (s->events & kOnInsert) t.events |= catalog::Trigger::kInsert;
  if (s->events & kOnDelete) t.events |= catalog::Trigger::kDelete;
  if (s->events & kOnUpdate) t.events |= catalog::Trigger::kUpdate;
  if (s->when_clause) t.when = parse::deparse_expr(s->when_clause);
  for (size_t i = 0; i < s->n_args; ++i) t.args.push_back(str_of(s->args[i]));
  for (size_t i = 0; i < s->n_columns; ++i) {
    std::string col = str_of(s->columns[i]);
    if (table->find_column(col) < 0)
      throw SqlError(sqlstate::kUndefinedColumn,
                     "column \"" + col + "\" of relation \"" + relname + "\" does not exist");
    if (std::find(t.columns.begin(), t.columns.end(), col) == t.columns.end())
      t.columns.push_back(col);
  }
  for (const auto& other : cx.catalog.functions().triggers_of(table->oid)) {
    if (other->name != t.name) continue;
    if (!s->replace)
      throw SqlError(sqlstate::kDuplicateObject,
                     "trigger \"" + t.name + "\" for relation \"" + relname + "\" already exists");
    t.oid = other->oid;
    cx.catalog.functions().drop_trigger(other->oid, &cx.txn);
  }
  cx.catalog.functions().store_trigger(std::move(t), &cx.txn);
  return "CREATE TRIGGER";
}

std::string drop_trigger(const PgQuery__DropStmt* s, ExecContext& cx) {
  for (size_t i = 0; i < s->n_objects; ++i) {
    const auto* list = s->objects[i]->list;
    if (list == nullptr || list->n_items < 2)
      throw SqlError(sqlstate::kSyntaxError, "DROP TRIGGER needs a table");
    std::string name = str_of(list->items[list->n_items - 1]);
    std::string relname = str_of(list->items[list->n_items - 2]);
    std::string schema = list->n_items > 2 ? str_of(list->items[list->n_items - 3]) : "";
    PgQuery__RangeVar rv = PG_QUERY__RANGE_VAR__INIT;
    rv.schemaname = schema.data();
    rv.relname = relname.data();
    rv.location = -1;
    auto table = utility_table(cx, &rv);
    if (!table) {
      if (s->missing_ok) {
        send_notice(cx, "relation \"" + relname + "\" does not exist, skipping");
        continue;
      }
      throw SqlError(sqlstate::kUndefinedTable, "relation \"" + relname + "\" does not exist");
    }
    // ACCESS EXCLUSIVE, as PostgreSQL 15: writers keep firing it until the drop commits.
    lock_relation(cx, *table, coord::table_mode::kAccessExclusive);
    table = utility_table(cx, &rv);
    if (!table)
      throw SqlError(sqlstate::kUndefinedTable, "relation \"" + relname + "\" does not exist");
    catalog::TriggerPtr found;
    for (const auto& t : cx.catalog.functions().triggers_of(table->oid))
      if (t->name == name) found = t;
    if (!found) {
      if (s->missing_ok) {
        send_notice(cx, "trigger \"" + name + "\" for relation \"" + relname +
                            "\" does not exist, skipping");
        continue;
      }
      throw SqlError(sqlstate::kUndefinedObject,
                     "trigger \"" + name + "\" for table \"" + relname + "\" does not exist");
    }
    require_owner(cx, table->owner, "table", relname);
    cx.catalog.functions().drop_trigger(found->oid, &cx.txn);
  }
  return "DROP TRIGGER";
}

}  // namespace hf::sql::exec
