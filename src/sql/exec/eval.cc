// sql/exec/eval.cc — expression evaluation and the session-aware functions.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>

#include "common/error.h"
#include "runtime/stack.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/executor.h"
#include "sql/exec/locking.h"
#include "sql/exec/partitions.h"
#include "sql/exec/privileges.h"
#include "sql/plan/planner.h"
#include "sql/types/cast.h"
#include "sql/types/compare.h"
#include "sql/types/composite_types.h"
#include "sql/types/functions.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {

using bind::Expr;
using bind::ExprKind;

namespace {

int64_t now_us() {
  // microseconds since 2000-01-01 UTC
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return us - 946684800LL * 1000000LL;
}

// 42P01 for a relation named in a string argument, named as regclass input parsed it.
[[noreturn]] void throw_no_relation(const std::string& name) {
  std::string shown;
  for (const auto& part : bind::qualified_name_list(name))
    shown += (shown.empty() ? "" : ".") + part;
  throw SqlError(sqlstate::kUndefinedTable, "relation \"" + shown + "\" does not exist");
}

// currval()/lastval(): per backend.
std::mutex g_currval_mu;
std::map<std::pair<int32_t, Oid>, int64_t> g_currval;
std::map<int32_t, int64_t> g_lastval;

Datum tri_and(const Expr& e, const Row& row, ExecContext& cx) {
  bool null = false;
  for (const auto& a : e.args) {
    Datum v = eval(*a, row, cx);
    if (v.is_null())
      null = true;
    else if (!v.as_bool())
      return Datum(false);
  }
  return null ? Datum::Null() : Datum(true);
}

Datum tri_or(const Expr& e, const Row& row, ExecContext& cx) {
  bool null = false;
  for (const auto& a : e.args) {
    Datum v = eval(*a, row, cx);
    if (v.is_null())
      null = true;
    else if (v.as_bool())
      return Datum(true);
  }
  return null ? Datum::Null() : Datum(false);
}

Datum call_op(const types::OperatorDef* op, std::vector<Datum>& args,
              const std::vector<TypeRef>& ts, ExecContext& cx) {
  for (const auto& a : args)
    if (a.is_null()) return Datum::Null();
  return op->fn(args, ts, cx.fctx);
}

}  // namespace

bool eval_bool(const Expr& e, const Row& row, ExecContext& cx) {
  Datum v = eval(e, row, cx);
  return !v.is_null() && v.as_bool();
}

namespace {
bool is_null_value(const Expr& a, const Row& row, ExecContext& cx);
// IS NOT NULL: for a composite (a row), true only when every field is not null (PostgreSQL's
// row-wise test, so that ROW(1, NULL) is neither NULL nor NOT NULL).
bool is_not_null_value(const Expr& a, const Row& row, ExecContext& cx);
bool is_row_type(Oid oid) {
  return oid == type_oid::kRecord || types::find_composite(oid) != nullptr;
}
}  // namespace

std::string domain_check_text(const std::string& expr) {
  std::string out;
  size_t i = 0;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while (i < expr.size()) {
    const char c = expr[i];
    if (c == '\'' || c == '"') {  // a literal or quoted name: as it is
      size_t j = i + 1;
      while (j < expr.size() && expr[j] != c) ++j;
      out += expr.substr(i, j + 1 - i);
      i = j + 1;
      continue;
    }
    if (word(c) && (i == 0 || !word(expr[i - 1]))) {
      size_t j = i;
      while (j < expr.size() && word(expr[j])) ++j;
      const std::string w = expr.substr(i, j - i);
      out += w == "value" ? "VALUE" : w;
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

void check_domain_value(const bind::DomainConstraints& d, const Datum& v, ExecContext& cx) {
  const auto& domain = *d.domain;
  if (v.is_null() && domain.not_null) {
    Error err;
    err.sqlstate = sqlstate::kNotNullViolation;
    err.message = "domain " + domain.display_name() + " does not allow null values";
    err.schema_name = domain.schema_name;
    throw SqlError(std::move(err));
  }
  const Row value{v};
  for (size_t i = 0; i < d.checks.size(); ++i) {
    Datum ok = eval(*d.checks[i], value, cx);
    if (ok.is_null() || ok.as_bool()) continue;
    Error err;
    err.sqlstate = sqlstate::kCheckViolation;
    err.message = "value for domain " + domain.display_name() + " violates check constraint \"" +
                  domain.checks[i].name + "\"";
    err.schema_name = domain.schema_name;
    err.constraint_name = domain.checks[i].name;
    throw SqlError(std::move(err));
  }
}

Datum eval(const Expr& e, const Row& row, ExecContext& cx) {
  runtime::check_stack_depth();
  switch (e.kind) {
    case ExprKind::kConst:
      return e.value;
    case ExprKind::kColumn: {
      // The binder resolves every column to a row its operator sees; should a construct ever
      // evaluate one without that row, this is an error of the statement, not a bad read.
      const Row* r = &row;
      if (e.level > 0)
        r = static_cast<size_t>(e.level) <= cx.outer.size() ? cx.outer[cx.outer.size() - e.level]
                                                            : nullptr;
      if (r == nullptr || e.index < 0 || static_cast<size_t>(e.index) >= r->size())
        throw SqlError(sqlstate::kInternalError,
                       "column reference outside the row it was bound to (level " +
                           std::to_string(e.level) + ", position " + std::to_string(e.index) + ")");
      return (*r)[e.index];
    }
    case ExprKind::kParam:
      if (static_cast<size_t>(e.index) >= cx.params.size())
        throw SqlError(sqlstate::kUndefinedParameter,
                       "there is no parameter $" + std::to_string(e.index + 1));
      return cx.params[e.index];
    case ExprKind::kOp: {
      std::vector<Datum> args;
      args.reserve(e.args.size());
      for (const auto& a : e.args) args.push_back(eval(*a, row, cx));
      return call_op(e.op, args, e.arg_types, cx);
    }
    case ExprKind::kFunc: {
      std::vector<Datum> args;
      args.reserve(e.args.size());
      for (const auto& a : e.args) args.push_back(eval(*a, row, cx));
      if (e.fn->strict)
        for (const auto& a : args)
          if (a.is_null()) return Datum::Null();
      return e.fn->fn(args, e.arg_types, cx.fctx);
    }
    case ExprKind::kUserFunc: {
      std::vector<Datum> args;
      args.reserve(e.args.size());
      for (const auto& a : e.args) args.push_back(eval(*a, row, cx));
      return call_user_function(e, std::move(args), cx);
    }
    case ExprKind::kSessionFunc: {
      std::vector<Datum> args;
      for (const auto& a : e.args) args.push_back(eval(*a, row, cx));
      Datum result = session_function(e, args, cx);
      // A function returning void returns PostgreSQL's void value (text ''), not NULL,
      // unless a strict call got a NULL argument.
      if (e.type.oid == type_oid::kVoid && result.is_null() &&
          std::none_of(args.begin(), args.end(), [](const Datum& a) { return a.is_null(); }))
        return Datum(std::string());
      return result;
    }
    case ExprKind::kAnd:
      return tri_and(e, row, cx);
    case ExprKind::kOr:
      return tri_or(e, row, cx);
    case ExprKind::kNot: {
      Datum v = eval(*e.args[0], row, cx);
      return v.is_null() ? v : Datum(!v.as_bool());
    }
    case ExprKind::kIsNull:
      return Datum(is_null_value(*e.args[0], row, cx));
    case ExprKind::kIsNotNull:
      return Datum(is_not_null_value(*e.args[0], row, cx));
    case ExprKind::kIsTrue: {
      Datum v = eval(*e.args[0], row, cx);
      bool r = !v.is_null() && v.as_bool();
      return Datum(e.negate ? !r : r);
    }
    case ExprKind::kIsFalse: {
      Datum v = eval(*e.args[0], row, cx);
      bool r = !v.is_null() && !v.as_bool();
      return Datum(e.negate ? !r : r);
    }
    case ExprKind::kCast: {
      Datum v = eval(*e.args[0], row, cx);
      if (v.is_null()) return v;
      // regclass's text is the relation's name (regclassout reads the catalog).
      if (e.arg_types[0].oid == type_oid::kRegclass &&
          (e.type.oid == type_oid::kText || e.type.oid == type_oid::kVarchar ||
           e.type.oid == type_oid::kName))
        return Datum(regclass_text(cx.catalog, cx.session, static_cast<Oid>(v.as_int())));
      if (e.arg_types[0].oid == type_oid::kRegnamespace &&
          (e.type.oid == type_oid::kText || e.type.oid == type_oid::kVarchar ||
           e.type.oid == type_oid::kName))
        return Datum(regnamespace_text(cx.catalog, static_cast<Oid>(v.as_int())));
      if (e.arg_types[0].oid == type_oid::kRegproc &&
          (e.type.oid == type_oid::kText || e.type.oid == type_oid::kVarchar ||
           e.type.oid == type_oid::kName))
        return Datum(regproc_text(cx.catalog, cx.session, static_cast<Oid>(v.as_int())));
      return types::cast(v, e.arg_types[0], e.type,
                         e.negate ? types::CastContext::kExplicit : types::CastContext::kAssignment,
                         cx.fctx.zone);
    }
    case ExprKind::kCase: {
      size_t n = e.args.size() - (e.has_else ? 1 : 0);
      for (size_t i = 0; i + 1 < n + 1 && i < n; i += 2)
        if (eval_bool(*e.args[i], row, cx)) return eval(*e.args[i + 1], row, cx);
      if (e.has_else) return eval(*e.args.back(), row, cx);
      return Datum::Null();
    }
    case ExprKind::kCoalesce:
      for (const auto& a : e.args) {
        Datum v = eval(*a, row, cx);
        if (!v.is_null()) return v;
      }
      return Datum::Null();
    case ExprKind::kNullIf: {
      Datum a = eval(*e.args[0], row, cx);
      Datum b = eval(*e.args[1], row, cx);
      if (a.is_null() || b.is_null()) return a;
      std::vector<Datum> args{a, b};
      Datum eq = e.op->fn(args, e.arg_types, cx.fctx);
      return (!eq.is_null() && eq.as_bool()) ? Datum::Null() : a;
    }
    case ExprKind::kGreatest:
    case ExprKind::kLeast: {
      Datum best;
      for (const auto& a : e.args) {
        Datum v = eval(*a, row, cx);
        if (v.is_null()) continue;
        if (best.is_null()) {
          best = v;
          continue;
        }
        int c = types::compare(v, best, e.type.oid);
        if ((e.kind == ExprKind::kGreatest && c > 0) || (e.kind == ExprKind::kLeast && c < 0))
          best = v;
      }
      return best;
    }
    case ExprKind::kInList: {
      Datum l = eval(*e.args[0], row, cx);
      if (l.is_null()) return Datum::Null();
      bool null = false;
      for (size_t i = 1; i < e.args.size(); ++i) {
        Datum r = eval(*e.args[i], row, cx);
        if (r.is_null()) {
          null = true;
          continue;
        }
        std::vector<Datum> args{l, r};
        Datum eq = e.op->fn(args, {e.arg_types[0], e.arg_types[i]}, cx.fctx);
        if (!eq.is_null() && eq.as_bool()) return Datum(!e.negate);
      }
      if (null) return Datum::Null();
      return Datum(e.negate);
    }
    case ExprKind::kDistinctFrom: {
      Datum a = eval(*e.args[0], row, cx);
      Datum b = eval(*e.args[1], row, cx);
      bool same;
      if (a.is_null() || b.is_null()) {
        same = a.is_null() && b.is_null();
      } else {
        std::vector<Datum> args{a, b};
        Datum eq = e.op->fn(args, e.arg_types, cx.fctx);
        same = !eq.is_null() && eq.as_bool();
      }
      return Datum(e.negate ? same : !same);
    }
    case ExprKind::kRowCompare: {
      size_t n = e.args.size() / 2;
      const std::string& op = e.name;
      for (size_t i = 0; i < n; ++i) {
        Datum a = eval(*e.args[i], row, cx);
        Datum b = eval(*e.args[n + i], row, cx);
        if (a.is_null() || b.is_null()) return Datum::Null();
        int c = types::compare(a, b, e.arg_types[i].oid);
        if (op == "=" || op == "<>") {
          if (c != 0) return Datum(op == "<>");
          continue;
        }
        if (c != 0) {
          if (op == "<" || op == "<=") return Datum(c < 0);
          return Datum(c > 0);
        }
      }
      if (op == "=") return Datum(true);
      if (op == "<>") return Datum(false);
      return Datum(op == "<=" || op == ">=");
    }
    case ExprKind::kRow: {
      std::vector<Datum> fields;
      for (const auto& a : e.args) fields.push_back(eval(*a, row, cx));
      return types::make_composite(std::move(fields));
    }
    case ExprKind::kDomainCheck: {
      Datum v = eval(*e.args[0], row, cx);
      check_domain_value(*e.domain, v, cx);
      return v;
    }
    case ExprKind::kFieldSelect: {
      Datum v = eval(*e.args[0], row, cx);
      if (v.is_null()) return v;
      const auto& fields = *v.as_array();
      return static_cast<size_t>(e.index) < fields.size() ? fields[e.index] : Datum::Null();
    }
    case ExprKind::kArray: {
      auto v = std::make_shared<std::vector<Datum>>();
      for (const auto& a : e.args) v->push_back(eval(*a, row, cx));
      return Datum(ArrayPtr(v));
    }
    case ExprKind::kAnyOp: {
      Datum l = eval(*e.args[0], row, cx);
      Datum arr = eval(*e.args[1], row, cx);
      if (arr.is_null()) return Datum::Null();
      const auto& items = *arr.as_array();
      bool all = e.negate;
      if (items.empty()) return Datum(all);
      if (l.is_null()) return Datum::Null();
      bool null = false;
      for (const auto& it : items) {
        if (it.is_null()) {
          null = true;
          continue;
        }
        std::vector<Datum> args{l, it};
        Datum r = e.op->fn(args, e.arg_types, cx.fctx);
        if (r.is_null()) {
          null = true;
          continue;
        }
        if (!all && r.as_bool()) return Datum(true);
        if (all && !r.as_bool()) return Datum(false);
      }
      if (null) return Datum::Null();
      return Datum(all);
    }
    case ExprKind::kSubLink: {
      cx.outer.push_back(&row);
      struct Pop {
        std::vector<const Row*>& v;
        ~Pop() { v.pop_back(); }
      } pop{cx.outer};
      auto cached = cx.sublink_rows.find(e.subquery.get());
      if (cached == cx.sublink_rows.end()) {
        std::optional<std::vector<Row>> init;
        if (!plan::refers_outside(*e.subquery, 0)) init = run_select(*e.subquery, cx);
        cached = cx.sublink_rows.emplace(e.subquery.get(), std::move(init)).first;
      }
      std::vector<Row> fresh;
      if (!cached->second) fresh = run_select(*e.subquery, cx);
      const std::vector<Row>& rows = cached->second ? *cached->second : fresh;
      if (e.name == "exists") return Datum(!rows.empty());
      if (e.name == "scalar") {
        if (rows.empty()) return Datum::Null();
        if (rows.size() > 1)
          throw SqlError(sqlstate::kCardinalityViolation,
                         "more than one row returned by a subquery used as an expression");
        return rows[0][0];
      }
      if (e.name == "array") {
        auto v = std::make_shared<std::vector<Datum>>();
        for (auto& r : rows) v->push_back(r[0]);
        return Datum(ArrayPtr(v));
      }
      // any / all
      Datum l = eval(*e.args[0], row, cx);
      bool all = e.name == "all";
      if (rows.empty()) return Datum(all);
      if (l.is_null()) return Datum::Null();
      bool null = false;
      for (auto& r : rows) {
        if (r[0].is_null()) {
          null = true;
          continue;
        }
        // float8_col IN (SELECT int_col ...): the operator takes the common type.
        Datum v = e.arg_types[2].oid == e.arg_types[1].oid
                      ? r[0]
                      : types::cast(r[0], e.arg_types[2], e.arg_types[1],
                                    types::CastContext::kImplicit, cx.fctx.zone);
        std::vector<Datum> args{l, std::move(v)};
        Datum res = e.op->fn(args, e.arg_types, cx.fctx);
        if (res.is_null()) {
          null = true;
          continue;
        }
        if (!all && res.as_bool()) return Datum(true);
        if (all && !res.as_bool()) return Datum(false);
      }
      if (null) return Datum::Null();
      return Datum(all);
    }
    case ExprKind::kWindowRef:
      if (cx.window_values == nullptr || static_cast<size_t>(e.index) >= cx.window_values->size())
        throw SqlError(sqlstate::kInternalError, "window function result read outside its row");
      return (*cx.window_values)[e.index];
    case ExprKind::kSrf:
      if (cx.srf_values == nullptr || static_cast<size_t>(e.index) >= cx.srf_values->size())
        throw SqlError(sqlstate::kInternalError, "set-returning function read outside its row");
      return (*cx.srf_values)[e.index];
    case ExprKind::kAggRef:
      if (static_cast<size_t>(e.index) >= row.size())
        throw SqlError(sqlstate::kInternalError, "aggregate result read outside its row");
      return row[e.index];
  }
  return Datum::Null();
}

Datum session_function(const Expr& e, const std::vector<Datum>& args, ExecContext& cx) {
  const std::string& n = e.name;
  auto& s = cx.session;
  auto arg_text = [&](size_t i) -> std::string {
    if (i >= args.size() || args[i].is_null()) return "";
    if (std::holds_alternative<std::string>(args[i].v)) return args[i].as_string();
    return types::to_text(args[i], e.arg_types[i], cx.fctx.zone);
  };
  auto any_null = [&]() {
    for (auto& a : args)
      if (a.is_null()) return true;
    return false;
  };
  if (n == "now" || n == "transaction_timestamp") return Datum(s.transaction_start_us());
  if (n == "statement_timestamp") return Datum(s.statement_start_us());
  if (n == "clock_timestamp") return Datum(now_us());
  // The local date and times are the transaction's start in the session's zone.
  if (n == "localtimestamp") return Datum(cx.fctx.zone.to_local(s.transaction_start_us()));
  if (n == "current_date") {
    int64_t us = cx.fctx.zone.to_local(s.transaction_start_us());
    int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL);
    return Datum(days);
  }
  if (n == "localtime") {
    int64_t us = cx.fctx.zone.to_local(s.transaction_start_us()) % 86400000000LL;
    if (us < 0) us += 86400000000LL;
    return Datum(us);
  }
  if (n == "current_setting") {
    if (any_null()) return Datum::Null();
    bool missing_ok = args.size() > 1 && args[1].as_bool();
    try {
      return Datum(s.get_setting(arg_text(0)));
    } catch (const SqlError& err) {
      if (missing_ok && err.error().sqlstate == sqlstate::kUndefinedObject) return Datum::Null();
      throw;
    }
  }
  if (n == "set_config") {
    if (args.size() < 3 || args[0].is_null() || args[2].is_null())
      throw SqlError(sqlstate::kNullValueNotAllowed, "SET requires parameter name");
    std::string v = arg_text(1);
    s.set_setting(arg_text(0), v, args[2].as_bool());
    return Datum(s.get_setting(arg_text(0)));
  }
  if (n == "version")
    return Datum(
        std::string("PostgreSQL 15.18 (holdfast 0.1.0) on x86_64-pc-linux-gnu, compiled by gcc"));
  if (n == "pg_backend_pid") return Datum(int64_t{s.backend_pid()});
  // current_user, session_user, pg_get_userbyid, has_table_privilege, ... (exec/privileges.h)
  if (auto v = role_function(n, args, e.arg_types, cx)) return std::move(*v);
  if (n == "current_database") {
    auto info = s.registry().find(s.backend_pid());
    return Datum(info ? info->database : std::string("postgres"));
  }
  if (n == "pg_notify") {  // not strict: NULL is the empty string
    s.notify(arg_text(0), arg_text(1));
    return Datum::Null();
  }
  if (n == "pg_partition_ancestors") {
    // The relation, then each partitioned table above it; nothing for a relation that is
    // neither a partition nor partitioned.
    auto v = std::make_shared<std::vector<Datum>>();
    if (any_null()) return Datum(ArrayPtr(v));
    auto t = cx.catalog.table_by_oid(static_cast<Oid>(args[0].as_int()));
    if (!t || (!t->is_partitioned() && t->partition_parent == 0)) return Datum(ArrayPtr(v));
    for (int depth = 0; t && depth < 1000; ++depth) {
      v->push_back(Datum(static_cast<int64_t>(t->oid)));
      t = t->partition_parent ? cx.catalog.table_by_oid(t->partition_parent) : nullptr;
    }
    return Datum(ArrayPtr(v));
  }
  if (n == "pg_listening_channels") {
    auto v = std::make_shared<std::vector<Datum>>();
    for (auto& c : s.listening_channels()) v->push_back(Datum(std::move(c)));
    return Datum(ArrayPtr(v));
  }
  // The schemas of the session's search_path that exist (pg_catalog, searched first unless
  // the path names it, is implicit).
  if (n == "current_schema") {
    auto path = session_search_path(cx.catalog, s);
    if (path.schemas.empty()) return Datum::Null();
    return Datum(cx.catalog.schema_name(path.schemas.front()));
  }
  if (n == "current_schemas") {
    if (any_null()) return Datum::Null();
    auto v = std::make_shared<std::vector<Datum>>();
    if (!args.empty() && args[0].as_bool()) v->push_back(Datum("pg_catalog"));
    for (Oid ns : session_search_path(cx.catalog, s).schemas)
      v->push_back(Datum(cx.catalog.schema_name(ns)));
    return Datum(ArrayPtr(v));
  }
  if (n == "nextval" || n == "currval" || n == "setval") {
    Oid seq = static_cast<Oid>(e.args.empty() ? 0 : e.args[0]->index);
    if (seq == 0) {
      // A name computed at run time, read as regclass input reads it.
      std::string name = arg_text(0);
      seq = bind::relation_oid_by_name(cx.catalog, name, session_search_path(cx.catalog, s));
      if (seq == 0) {
        throw_no_relation(name);
      }
      if (!cx.catalog.sequence_by_oid(seq)) {
        auto t = cx.catalog.table_by_oid(seq);
        throw SqlError(sqlstate::kWrongObjectType,
                       "\"" + (t ? t->name : name) + "\" is not a sequence");
      }
    }
    check_sequence_privilege(cx, seq, n);  // exec/privileges.h
    if (n != "currval" && cx.txn.sql_read_only()) {
      // Advancing a sequence is a write, allowed in a READ ONLY transaction only for a
      // temporary one (here: the sequence of a temporary table's serial column).
      auto sq = cx.catalog.sequence_by_oid(seq);
      auto owner = sq && sq->owner_table ? cx.catalog.table_by_oid(sq->owner_table) : nullptr;
      if (!owner || owner->temp_namespace == 0)
        throw SqlError(sqlstate::kReadOnlySqlTransaction,
                       "cannot execute " + n + "() in a read-only transaction");
    }
    if (n != "currval") wait_for_sequence_change(cx, seq);  // a DROP in flight: its lock
    int32_t pid = s.backend_pid();
    if (n == "nextval") {
      int64_t v = cx.catalog.nextval(seq);
      std::lock_guard lk(g_currval_mu);
      g_currval[{pid, seq}] = v;
      g_lastval[pid] = v;
      return Datum(v);
    }
    if (n == "currval") {
      std::lock_guard lk(g_currval_mu);
      auto it = g_currval.find({pid, seq});
      if (it == g_currval.end()) {
        auto sq = cx.catalog.sequence_by_oid(seq);
        throw SqlError("55000", "currval of sequence \"" + (sq ? sq->name : std::string("?")) +
                                    "\" is not yet defined in this session");
      }
      return Datum(it->second);
    }
    int64_t v = args[1].as_int();
    bool called = args.size() < 3 || args[2].as_bool();
    cx.catalog.setval(seq, v, called);
    std::lock_guard lk(g_currval_mu);
    g_currval[{pid, seq}] = v;
    return Datum(v);
  }
  if (n == "lastval") {
    std::lock_guard lk(g_currval_mu);
    auto it = g_lastval.find(s.backend_pid());
    if (it == g_lastval.end())
      throw SqlError("55000", "lastval is not yet defined in this session");
    return Datum(it->second);
  }
  if (n == "pg_sleep") {
    if (any_null()) return Datum::Null();
    double secs = args[0].as_double();
    auto deadline =
        runtime::Clock::now() + std::chrono::microseconds(static_cast<int64_t>(secs * 1e6));
    if (!runtime::sleep_until(deadline, &s.cancel())) {
      auto k = s.cancel().pending();
      if (k == runtime::CancelToken::kStatementTimeout)
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
      if (k == runtime::CancelToken::kTerminate)
        throw FatalError(sqlstate::kAdminShutdown,
                         "terminating connection due to administrator command");
      throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
    }
    return Datum::Null();
  }
  if (n == "txid_current" || n == "pg_current_xact_id")
    return Datum(static_cast<int64_t>(cx.txn.id()));
  if (n == "pg_cancel_backend" || n == "pg_terminate_backend") {
    if (any_null()) return Datum::Null();
    int32_t pid = static_cast<int32_t>(args[0].as_int());
    // Another node's pid is signalled on its node (issue 12 item 7).
    bool ok = s.registry().signal_in_cluster(pid, n == "pg_cancel_backend"
                                                      ? runtime::CancelToken::kUserRequest
                                                      : runtime::CancelToken::kTerminate);
    if (!ok) {
      Error w;
      w.severity = "WARNING";
      w.sqlstate = sqlstate::kWarning;
      w.message = "PID " + std::to_string(pid) + " is not a PostgreSQL backend process";
      s.notice(w);
    }
    return Datum(ok);
  }
  if (n == "pg_table_is_visible" && !any_null()) {
    // A table is visible when its name finds it: not another session's temporary table, nor a
    // permanent table this session's temporary table of the same name shadows.
    if (auto t = cx.catalog.table_by_oid(static_cast<Oid>(args[0].as_int()))) {
      auto found = cx.catalog.find_table(t->name, session_search_path(cx.catalog, s));
      return Datum(found && found->oid == t->oid);
    }
  }
  if (n == "pg_type_is_visible" && !any_null()) {
    // An enum type is visible when its name finds it along the search path.
    if (auto e = cx.catalog.enum_by_oid(static_cast<Oid>(args[0].as_int()))) {
      auto found = cx.catalog.find_enum("", e->name, session_search_path(cx.catalog, s));
      return Datum(found && found->oid == e->oid);
    }
  }
  if (n == "pg_table_is_visible" || n == "pg_type_is_visible")
    return any_null() ? Datum::Null() : Datum(true);
  if (n == "pg_is_in_recovery") return Datum(false);
  if (n == "pg_function_is_visible" || n == "pg_get_function_result" ||
      n == "pg_get_function_arguments") {
    if (any_null()) return Datum::Null();
    auto f = cx.catalog.functions().by_oid(static_cast<Oid>(args[0].as_int()));
    if (n == "pg_function_is_visible") return Datum(f != nullptr);
    if (!f) return Datum::Null();
    return Datum(n == "pg_get_function_result" ? function_result_text(*f)
                                               : function_arguments_text(*f));
  }
  if (n == "format_type") {
    if (args.empty() || args[0].is_null()) return Datum::Null();
    int32_t typmod =
        args.size() > 1 && !args[1].is_null() ? static_cast<int32_t>(args[1].as_int()) : -1;
    Oid t = static_cast<Oid>(args[0].as_int());
    if (!types::find_type(t) && !types::domain_types().find(t)) return Datum(std::string("???"));
    return Datum(types::format_type(TypeRef{t, typmod}));
  }
  if (n == "to_regclass") {
    if (any_null()) return Datum::Null();
    Oid oid = bind::relation_oid_by_name(cx.catalog, args[0].as_string(),
                                         session_search_path(cx.catalog, cx.session));
    return oid == 0 ? Datum::Null() : Datum(static_cast<int64_t>(oid));
  }
  if (n == "pg_get_serial_sequence") {
    // The sequence a serial or identity column takes its values from, schema-qualified; the
    // table name is read as regclass input is (case-folded), the column name literally.
    if (any_null()) return Datum::Null();
    const std::string& name = args[0].as_string();
    auto t = cx.catalog.table_by_oid(
        bind::relation_oid_by_name(cx.catalog, name, session_search_path(cx.catalog, cx.session)));
    if (!t) {
      throw_no_relation(name);
    }
    const int col = t->find_column(args[1].as_string());
    if (col < 0)
      throw SqlError(
          sqlstate::kUndefinedColumn,
          "column \"" + args[1].as_string() + "\" of relation \"" + t->name + "\" does not exist");
    auto seq = cx.catalog.sequence_by_oid(t->columns[col].sequence);
    if (!seq) return Datum::Null();
    return Datum(types::quote_identifier(cx.catalog.schema_name(seq->namespace_oid)) + "." +
                 types::quote_identifier(seq->name));
  }
  if (n == "pg_encoding_to_char") return Datum(std::string("UTF8"));
  if (n == "obj_description" || n == "col_description") {
    // COMMENT ON's text for a relation (obj_description(oid[, 'pg_class'])) or a column
    // (col_description(oid, attnum)); NULL for anything without one.
    if (any_null()) return Datum::Null();
    if (n == "obj_description" && args.size() > 1 && args[1].as_string() != "pg_class")
      return Datum::Null();
    auto t = cx.catalog.table_by_oid(static_cast<Oid>(args[0].as_int()));
    if (!t) return Datum::Null();
    std::string text = t->comment;
    if (n == "col_description") {
      const int64_t attnum = args.size() > 1 ? args[1].as_int() : 0;
      if (attnum < 1 || attnum > static_cast<int64_t>(t->columns.size())) return Datum::Null();
      text = t->columns[attnum - 1].comment;
    }
    return text.empty() ? Datum::Null() : Datum(text);
  }
  if (n == "shobj_description" || n == "pg_get_statisticsobjdef_columns") return Datum::Null();
  if (n == "pg_get_partition_constraintdef") {
    if (any_null()) return Datum::Null();
    auto t = cx.catalog.table_by_oid(static_cast<Oid>(args[0].as_int()));
    auto parent = t && t->partition_parent ? cx.catalog.table_by_oid(t->partition_parent) : nullptr;
    if (!parent) return Datum::Null();
    auto text = partition_constraint_text(*parent, *t);
    return text ? Datum(std::move(*text)) : Datum::Null();
  }
  if (n == "pg_get_partkeydef") {  // NULL for a table that is not partitioned
    if (any_null()) return Datum::Null();
    auto t = cx.catalog.table_by_oid(static_cast<Oid>(args[0].as_int()));
    return t && t->is_partitioned() ? Datum(partition_key_text(*t)) : Datum::Null();
  }
  // The catalog relations hold expressions (pg_attrdef.adbin) as SQL text already in
  // PostgreSQL's spelling, not as node trees.
  if (n == "pg_get_expr") return args.empty() ? Datum::Null() : args[0];
  if (n == "pg_get_viewdef") {
    if (any_null()) return Datum::Null();
    auto t = cx.catalog.table_by_oid(static_cast<Oid>(args[0].as_int()));
    // The second argument: pretty (bool), or a wrap column (int), which also pretty-prints.
    const bool pretty = args.size() > 1 && !args[1].is_null() &&
                        (e.arg_types[1].oid == type_oid::kBool ? args[1].as_bool() : true);
    return t && t->is_view() ? Datum(view_definition(cx.catalog, *t, pretty)) : Datum::Null();
  }
  // holdfast has no logical replication: nothing can be published.
  if (n == "pg_relation_is_publishable") return any_null() ? Datum::Null() : Datum(false);
  if (n == "hf_stored_partition") {  // tableoid of a partitioned table's row (binder.cc)
    auto parent = cx.catalog.table_by_oid(static_cast<Oid>(e.index));
    if (!parent) return Datum::Null();
    return Datum(static_cast<int64_t>(route_row(*parent, Row(args.begin(), args.end()), cx).oid));
  }
  if (n == "pg_get_triggerdef") {
    if (any_null()) return Datum::Null();
    const bool pretty = args.size() > 1 && args[1].as_bool();
    auto def = trigger_definition(cx.catalog, static_cast<Oid>(args[0].as_int()), pretty, s);
    return def ? Datum(std::move(*def)) : Datum::Null();
  }
  if (n == "pg_get_indexdef" || n == "pg_get_constraintdef") {
    if (any_null()) return Datum::Null();
    Oid oid = static_cast<Oid>(args[0].as_int());
    for (const auto& t : cx.catalog.tables()) {
      auto cols = [&](const std::vector<int>& cs) {
        std::string r;
        for (size_t i = 0; i < cs.size(); ++i) r += (i ? ", " : "") + t->columns[cs[i]].name;
        return r;
      };
      if (n == "pg_get_indexdef") {
        const int column = args.size() > 1 && !args[1].is_null() ? int(args[1].as_int()) : 0;
        const bool pretty = args.size() > 2 && !args[2].is_null() && args[2].as_bool();
        auto def = index_definition(cx.catalog, oid, column, pretty, &cx.session);
        return def ? Datum(std::move(*def)) : Datum::Null();
      }
      if (t->pkey_oid == oid && !t->primary_key.empty())
        return Datum("PRIMARY KEY (" + cols(t->primary_key) + ")");
      for (const auto& idx : t->indexes) {
        if (idx.oid != oid) continue;
        std::string keys;
        size_t ei = 0;
        for (size_t i = 0; i < idx.columns.size(); ++i) {
          keys += i ? ", " : "";
          keys += idx.columns[i] >= 0 ? t->columns[idx.columns[i]].name : idx.exprs[ei++];
        }
        return Datum("UNIQUE (" + keys + ")");
      }
      for (const auto& c : t->checks)
        if (c.oid == oid) {
          // Not pretty: fully parenthesised as PostgreSQL deparses it; pretty (psql's \d): the
          // stored text.
          const bool pretty = args.size() > 1 && !args[1].is_null() && args[1].as_bool();
          return Datum("CHECK (" +
                       (pretty ? c.expr : expression_definition(cx.catalog, *t, c.expr, false)) +
                       ")");
        }
      for (const auto& f : t->foreign_keys) {
        if (f.oid != oid) continue;
        auto parent = cx.catalog.table_by_oid(f.ref_table);
        if (!parent) return Datum::Null();
        std::string ref;
        for (size_t i = 0; i < f.ref_columns.size(); ++i)
          ref += (i ? ", " : "") + parent->columns[f.ref_columns[i]].name;
        // PostgreSQL names the action unless it is the default NO ACTION.
        auto action = [](char a) -> std::string {
          return a == catalog::ForeignKey::kNoAction ? "" : catalog::ForeignKey::action_name(a);
        };
        std::string def =
            "FOREIGN KEY (" + cols(f.columns) + ") REFERENCES " + parent->name + "(" + ref + ")";
        if (!action(f.on_update).empty()) def += " ON UPDATE " + action(f.on_update);
        if (!action(f.on_delete).empty()) def += " ON DELETE " + action(f.on_delete);
        if (f.deferrable) def += " DEFERRABLE";
        if (f.initially_deferred) def += " INITIALLY DEFERRED";
        return Datum(def);
      }
    }
    // A domain's CHECK: over VALUE, as PostgreSQL spells it.
    for (const auto& d : types::domain_types().all())
      for (const auto& c : d->checks)
        if (c.oid == oid) {
          const bool pretty = args.size() > 1 && !args[1].is_null() && args[1].as_bool();
          const std::string expr = domain_check_text(c.expr);
          return Datum("CHECK (" + (pretty ? expr : "(" + expr + ")") + ")");
        }
    return Datum::Null();
  }
  if (n == "pg_relation_size" || n == "pg_total_relation_size" || n == "pg_table_size")
    return Datum(int64_t{0});
  if (n == "inet_server_port") return Datum::Null();
  if (n == "pg_postmaster_start_time") return Datum(s.transaction_start_us());
  // Advisory locks, pg_blocking_pids, pg_isolation_test_session_is_blocked (exec/locking.h).
  if (auto r = lock_function(e, args, cx)) return *r;
  throw SqlError(sqlstate::kUndefinedFunction, "function " + n + " is not supported");
}

namespace {

// IS [NOT] NULL. A function returning void (pg_sleep, pg_advisory_lock, ...) yields
// PostgreSQL's non-null void value unless a strict call got a NULL argument; the executor
// represents void as a NULL datum, so that case is decided from the arguments (PostgreSQL's
// isolation specs rely on `WHERE pg_advisory_lock(0) IS NOT NULL`).
bool is_null_value(const Expr& a, const Row& row, ExecContext& cx) {
  Datum v = eval(a, row, cx);
  if (!v.is_null() && is_row_type(a.type.oid)) {
    // A row IS NULL when every field is.
    const auto& fields = *v.as_array();
    return std::all_of(fields.begin(), fields.end(), [](const Datum& f) { return f.is_null(); });
  }
  if (a.type.oid != type_oid::kVoid || !v.is_null()) return v.is_null();
  for (const auto& arg : a.args)
    if (eval(*arg, row, cx).is_null()) return true;
  return false;
}

bool is_not_null_value(const Expr& a, const Row& row, ExecContext& cx) {
  if (!is_row_type(a.type.oid)) return !is_null_value(a, row, cx);
  Datum v = eval(a, row, cx);
  if (v.is_null()) return false;
  const auto& fields = *v.as_array();
  return std::none_of(fields.begin(), fields.end(), [](const Datum& f) { return f.is_null(); });
}

}  // namespace

}  // namespace hf::sql::exec
