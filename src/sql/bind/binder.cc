// sql/bind/binder.cc — see binder.h.
#include "sql/bind/binder.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <utility>

#include "common/error.h"
#include "common/utf8.h"
#include "runtime/stack.h"
#include "sql/parse/parser.h"
#include "sql/types/bit_string.h"
#include "sql/types/cast.h"
#include "sql/types/composite_types.h"
#include "sql/types/domain_types.h"
#include "sql/types/enum_types.h"
#include "sql/types/functions.h"
#include "sql/types/io_procs.h"
#include "sql/types/json.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::bind {

namespace {

using types::CastContext;

[[noreturn]] void fail(const char* state, std::string msg, int location = -1,
                       std::string hint = {}) {
  Error e;
  e.sqlstate = state;
  e.message = std::move(msg);
  e.hint = std::move(hint);
  if (location >= 0) e.position = location + 1;
  throw SqlError(std::move(e));
}

std::string str_of(const PgQuery__Node* n) {
  if (n && n->node_case == PG_QUERY__NODE__NODE_STRING) return n->string->sval;
  return "";
}

std::string type_display(TypeRef t) {
  if (t.oid == type_oid::kUnknown) return "unknown";
  return types::format_type(TypeRef{t.oid, -1});
}

const char kSrfHint[] =
    "You might be able to move the set-returning function into a LATERAL FROM item.";

// The set-returning functions a query may call (in FROM or in a SELECT's target list).
bool is_set_function(const std::string& name) {
  return name == "generate_series" || name == "unnest" || name == "pg_listening_channels" ||
         name == "pg_partition_ancestors" || name == "json_populate_recordset" ||
         name == "jsonb_populate_recordset" || name == "_pg_expandarray" ||
         name == "regexp_matches" || name == "regexp_split_to_table" ||
         types::json::set_function_as_array(name) != nullptr;
}

// Whether `schema.name` names a built-in set-returning function: pg_catalog's (qualified or
// not), and information_schema._pg_expandarray (only qualified, as PostgreSQL's search path
// does not hold information_schema).
bool is_builtin_set_function(const std::string& schema, const std::string& name) {
  if (name == "_pg_expandarray") return schema == "information_schema";
  return is_set_function(name) && (schema.empty() || schema == "pg_catalog");
}

// jsonb_each[_text] and json_each[_text]: (key, value) rows, so far only as FROM items.
bool is_two_column_set_function(const std::string& name) {
  return name == "jsonb_each" || name == "jsonb_each_text" || name == "json_each" ||
         name == "json_each_text";
}

// Where a set-returning function call sits while it is bound (PostgreSQL's
// check_srf_call_placement): refusal is the error (0A000) a call there gets, with PostgreSQL's
// HINT when hint is set; empty where a call is allowed (a SELECT's target list and ORDER BY).
struct SrfPlacement {
  std::string refusal;
  bool hint = false;
};

SrfPlacement srf_allowed() {
  return {};
}
SrfPlacement srf_refused_in(const char* clause) {
  return {std::string("set-returning functions are not allowed in ") + clause, false};
}

// The location of a set-returning call e computes its value from (not looking into
// subqueries, which are evaluated on their own), or -2 when it has none.
int set_returning_location(const Expr& e) {
  runtime::check_stack_depth();
  if (e.kind == ExprKind::kSrf) return e.location;
  if (e.kind == ExprKind::kSubLink) return -2;
  for (const auto& a : e.args)
    if (int loc = set_returning_location(*a); loc != -2) return loc;
  return -2;
}

[[noreturn]] void fail_no_function(const std::string& name, const std::vector<Oid>& ts,
                                   int location);
bool place_builtin_args(const std::string& function, std::vector<ExprPtr>& args,
                        const std::vector<std::string>& names);

std::vector<Oid> arg_oids(const std::vector<ExprPtr>& args) {
  std::vector<Oid> ts;
  for (const auto& a : args) ts.push_back(a->type.oid);
  return ts;
}

// where := first AND where (first alone when where is null; where unchanged when first is).
void conjoin(ExprPtr& where, ExprPtr first) {
  if (!first) return;
  if (!where) {
    where = std::move(first);
    return;
  }
  auto a = std::make_unique<Expr>();
  a->kind = ExprKind::kAnd, a->type = TypeRef{type_oid::kBool, -1};
  a->args.push_back(std::move(first));
  a->args.push_back(std::move(where));
  where = std::move(a);
}

// Whether a literal's value as `type` depends on the session's TimeZone: any timestamptz
// (array), a date or timestamp (array) naming a relative day ('today', 'now', ...).
bool reads_session_zone(const std::string& literal, Oid type) {
  const Oid elem = types::array_elem_type(type);
  const Oid t = elem != 0 ? elem : type;
  if (t == type_oid::kTimestampTz) return true;
  if (t != type_oid::kDate && t != type_oid::kTimestamp) return false;
  std::string lower = literal;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"now", "today", "tomorrow", "yesterday"})
    if (lower.find(word) != std::string::npos) return true;
  return false;
}

ExprPtr make_const(Datum v, TypeRef t) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kConst;
  e->value = std::move(v);
  e->type = t;
  return e;
}

struct ScopeColumn {
  std::string table;  // alias or table name
  std::string name;
  TypeRef type;
  Oid table_oid = 0;
  int16_t attnum = 0;
  bool hidden = false;
  // The only column of a FROM function returning one value: its alias alone names it too
  // (PostgreSQL's whole-row reference to such an item is that value).
  bool whole_row = false;
};

struct Scope {
  std::vector<ScopeColumn> cols;
  const Scope* parent = nullptr;
  std::set<std::string> tables;  // names visible for qualification
};

// A FROM item's column aliases (FROM t AS a(x, y)) rename its visible columns, from the first,
// as PostgreSQL's buildRelationAliases does; more aliases than columns is its error.
void apply_column_aliases(Scope& scope, size_t first, const PgQuery__Alias* alias_node) {
  if (alias_node == nullptr || alias_node->n_colnames == 0) return;
  std::vector<ScopeColumn*> visible;
  for (size_t i = first; i < scope.cols.size(); ++i)
    if (!scope.cols[i].hidden) visible.push_back(&scope.cols[i]);
  if (alias_node->n_colnames > visible.size())
    fail("42P10", std::string("table \"") + alias_node->aliasname + "\" has " +
                      std::to_string(visible.size()) + " columns available but " +
                      std::to_string(alias_node->n_colnames) + " columns specified");
  for (size_t i = 0; i < alias_node->n_colnames; ++i)
    visible[i]->name = str_of(alias_node->colnames[i]);
}

// Grouping context of a SELECT being bound.
struct GroupCtx {
  SelectPlan* plan = nullptr;
  const Scope* input = nullptr;
  bool grouped = false;
  bool allow_windows = false;
};

const std::set<std::string> kAggregates = {"count",
                                           "sum",
                                           "avg",
                                           "min",
                                           "max",
                                           "bool_and",
                                           "bool_or",
                                           "every",
                                           "string_agg",
                                           "array_agg",
                                           "json_agg",
                                           "jsonb_agg",
                                           "json_object_agg",
                                           "jsonb_object_agg"};
const std::set<std::string> kWindowOnly = {"row_number",   "rank",        "dense_rank", "lead",
                                           "lag",          "first_value", "last_value", "ntile",
                                           "percent_rank", "cume_dist"};

struct SessionFuncSig {
  const char* name;
  Oid result;
};
const SessionFuncSig kSessionFuncs[] = {
    {"now", type_oid::kTimestampTz},
    {"transaction_timestamp", type_oid::kTimestampTz},
    {"statement_timestamp", type_oid::kTimestampTz},
    {"clock_timestamp", type_oid::kTimestampTz},
    {"current_setting", type_oid::kText},
    {"set_config", type_oid::kText},
    {"version", type_oid::kText},
    {"pg_backend_pid", type_oid::kInt4},
    {"current_database", type_oid::kName},
    {"current_schema", type_oid::kName},
    {"current_user", type_oid::kName},
    {"session_user", type_oid::kName},
    {"nextval", type_oid::kInt8},
    {"currval", type_oid::kInt8},
    {"setval", type_oid::kInt8},
    {"lastval", type_oid::kInt8},
    {"pg_sleep", type_oid::kVoid},
    {"txid_current", type_oid::kInt8},
    {"pg_current_xact_id", type_oid::kInt8},  // PostgreSQL's xid8, shown as the same number
    {"pg_get_serial_sequence", type_oid::kText},
    {"pg_cancel_backend", type_oid::kBool},
    {"pg_terminate_backend", type_oid::kBool},
    {"pg_table_is_visible", type_oid::kBool},
    {"pg_type_is_visible", type_oid::kBool},
    {"pg_function_is_visible", type_oid::kBool},
    {"pg_get_function_result", type_oid::kText},
    {"pg_get_function_arguments", type_oid::kText},
    {"format_type", type_oid::kText},
    {"to_regclass", type_oid::kRegclass},
    {"pg_get_expr", type_oid::kText},
    {"pg_get_viewdef", type_oid::kText},
    {"pg_get_indexdef", type_oid::kText},
    {"pg_get_constraintdef", type_oid::kText},
    {"pg_get_triggerdef", type_oid::kText},
    {"obj_description", type_oid::kText},
    {"col_description", type_oid::kText},
    {"shobj_description", type_oid::kText},
    {"pg_get_userbyid", type_oid::kName},
    {"pg_encoding_to_char", type_oid::kName},
    {"has_table_privilege", type_oid::kBool},
    {"has_schema_privilege", type_oid::kBool},
    {"has_database_privilege", type_oid::kBool},
    {"pg_is_in_recovery", type_oid::kBool},
    {"pg_postmaster_start_time", type_oid::kTimestampTz},
    {"inet_server_port", type_oid::kInt4},
    {"pg_relation_size", type_oid::kInt8},
    {"pg_total_relation_size", type_oid::kInt8},
    {"pg_table_size", type_oid::kInt8},
    {"pg_get_partkeydef", type_oid::kText},
    {"pg_get_partition_constraintdef", type_oid::kText},
    {"pg_get_statisticsobjdef_columns", type_oid::kText},
    {"pg_relation_is_publishable", type_oid::kBool},
    {"current_schemas", type_oid::kTextArray},
    {"pg_advisory_lock", type_oid::kVoid},
    {"pg_advisory_unlock", type_oid::kBool},
    {"pg_try_advisory_lock", type_oid::kBool},
    {"pg_advisory_xact_lock", type_oid::kVoid},
    {"pg_try_advisory_xact_lock", type_oid::kBool},
    {"pg_advisory_unlock_all", type_oid::kVoid},
    {"pg_advisory_lock_shared", type_oid::kVoid},
    {"pg_advisory_unlock_shared", type_oid::kBool},
    {"pg_try_advisory_lock_shared", type_oid::kBool},
    {"pg_advisory_xact_lock_shared", type_oid::kVoid},
    {"pg_try_advisory_xact_lock_shared", type_oid::kBool},
    {"pg_blocking_pids", type_oid::kInt4Array},
    {"pg_isolation_test_session_is_blocked", type_oid::kBool},
    {"pg_notify", type_oid::kVoid},
    // The lock service (issue 11, locksvc/lock_service.h), schema holdfast.
    {"holdfast.lock", type_oid::kInt8Array},
    {"holdfast.try_lock", type_oid::kInt8Array},
    {"holdfast.unlock", type_oid::kBool},
    {"holdfast.unlock_all", type_oid::kInt8},
    {"holdfast.downgrade", type_oid::kVoid},
    {"holdfast.renew", type_oid::kVoid},
    {"holdfast.fence_ok", type_oid::kBool},
};

// How many arguments the session and catalog functions that read theirs by position take
// (PostgreSQL's signatures); a call with another count is 42883, as there (a fuzzer found
// pg_get_viewdef() reading an argument that was not there).
struct SessionFuncArity {
  const char* name;
  size_t min, max;
};
const SessionFuncArity kSessionFuncArities[] = {
    {"current_setting", 1, 2},
    {"set_config", 3, 3},
    {"nextval", 1, 1},
    {"currval", 1, 1},
    {"setval", 2, 3},
    {"pg_sleep", 1, 1},
    {"pg_cancel_backend", 1, 1},
    {"pg_terminate_backend", 1, 2},
    {"pg_table_is_visible", 1, 1},
    {"pg_type_is_visible", 1, 1},
    {"pg_function_is_visible", 1, 1},
    {"pg_get_function_result", 1, 1},
    {"pg_get_function_arguments", 1, 1},
    {"format_type", 2, 2},
    {"to_regclass", 1, 1},
    {"pg_get_expr", 2, 3},
    {"pg_get_viewdef", 1, 2},
    {"pg_get_indexdef", 1, 3},
    {"pg_get_constraintdef", 1, 2},
    {"pg_get_triggerdef", 1, 2},
    {"obj_description", 1, 2},
    {"col_description", 2, 2},
    {"shobj_description", 2, 2},
    {"pg_get_userbyid", 1, 1},
    {"pg_encoding_to_char", 1, 1},
    {"has_table_privilege", 2, 3},
    {"has_schema_privilege", 2, 3},
    {"has_database_privilege", 2, 3},
    {"pg_relation_size", 1, 2},
    {"pg_total_relation_size", 1, 1},
    {"pg_table_size", 1, 1},
    {"pg_get_partkeydef", 1, 1},
    {"pg_get_partition_constraintdef", 1, 1},
    {"pg_get_statisticsobjdef_columns", 1, 1},
    {"pg_relation_is_publishable", 1, 1},
    {"current_schemas", 1, 1},
};

bool session_func_arity_ok(const std::string& name, size_t n) {
  for (const auto& a : kSessionFuncArities)
    if (name == a.name) return n >= a.min && n <= a.max;
  return true;
}

const SessionFuncSig* find_session_func(const std::string& name) {
  for (const auto& f : kSessionFuncs)
    if (name == f.name) return &f;
  return nullptr;
}

class Binder {
 public:
  Binder(catalog::Catalog& cat, std::vector<Oid>& params) : cat_(cat), params_(params) {}
  // Where unqualified names are looked up: the session's temporary tables come first, then
  // its search_path (catalog.h).
  void set_search_path(catalog::SearchPath path) { path_ = std::move(path); }
  void set_param_names(const ParamNames* names) { param_names_ = names; }

  BoundStatement bind(const PgQuery__Node* stmt);
  // A view's query bound alone (as FROM would read it).
  std::shared_ptr<SelectPlan> bind_view_query(const catalog::TablePtr& view);
  std::shared_ptr<SelectPlan> bind_select(const PgQuery__SelectStmt* s, const Scope* outer);
  ExprPtr bind_expr(const PgQuery__Node* n, const Scope& scope, GroupCtx* g);
  ExprPtr coerce(ExprPtr e, TypeRef target, CastContext ctx, const std::string& column = {});
  ExprPtr to_bool(ExprPtr e, const char* construct);
  // bind_expr (ungrouped) in a clause that refuses set-returning calls, named as PostgreSQL does.
  ExprPtr bind_expr_in(const PgQuery__Node* n, const Scope& scope, const char* clause) {
    SrfScope in_clause(*this, srf_refused_in(clause));
    return bind_expr(n, scope, nullptr);
  }
  void finish_params();
  // Sets the placement for a scope of binding; the enclosing one comes back at its end.
  struct SrfScope {
    Binder& b;
    SrfPlacement saved;
    SrfScope(Binder& binder, SrfPlacement p) : b(binder), saved(std::move(binder.srf_placement_)) {
      b.srf_placement_ = std::move(p);
    }
    ~SrfScope() { b.srf_placement_ = std::move(saved); }
    SrfScope(const SrfScope&) = delete;
    SrfScope& operator=(const SrfScope&) = delete;
  };

 private:
  ExprPtr bind_column_ref(const PgQuery__ColumnRef* c, const Scope& scope);
  ExprPtr bind_tableoid(const Scope& s, int level, const std::string& table, int location);
  ExprPtr bind_a_expr(const PgQuery__AExpr* a, const Scope& scope, GroupCtx* g);
  ExprPtr bind_operator(const std::string& op, ExprPtr l, ExprPtr r, int location);
  ExprPtr bind_func(const PgQuery__FuncCall* f, const Scope& scope, GroupCtx* g);
  ExprPtr function_style_cast(const std::string& name, const std::string& schema,
                              std::vector<ExprPtr>& args);
  void check_sort_clause_ambiguity(const PgQuery__SelectStmt* s, const Scope& scope);
  ExprPtr regclass_const(const std::string& name, int location);
  ExprPtr regproc_const(const std::string& written, int location);
  ExprPtr bind_sublink(const PgQuery__SubLink* s, const Scope& scope, GroupCtx* g);
  ExprPtr bind_const(const PgQuery__AConst* c);
  ExprPtr bind_grouped(const PgQuery__Node* n, const Scope& scope, GroupCtx* g);
  void unify(std::vector<ExprPtr>& items, const char* construct);
  void bind_from(const PgQuery__Node* n, SelectPlan& plan, Scope& scope, const Scope* outer);
  void bind_from_item(const PgQuery__Node* n, SelectPlan& plan, Scope& scope, const Scope* outer);
  void add_table_source(SelectPlan& plan, Scope& scope, catalog::TablePtr t,
                        const std::string& alias, const std::string& virt);
  std::string target_name(const PgQuery__Node* n);
  BoundStatement bind_insert(const PgQuery__InsertStmt* s);
  BoundStatement bind_update(const PgQuery__UpdateStmt* s);
  BoundStatement bind_delete(const PgQuery__DeleteStmt* s);
  BoundStatement bind_merge(const PgQuery__MergeStmt* s);
  // While a MERGE's WHEN NOT MATCHED clause is bound: its target's name and columns, which
  // are in scope (hidden) but cannot be referenced there (PostgreSQL's errors and HINTs).
  struct MergeHiddenTarget {
    std::string alias;
    const catalog::Table* table = nullptr;
  };
  const MergeHiddenTarget* merge_hidden_ = nullptr;
  [[noreturn]] void fail_hidden_merge_target(const std::string& table, const std::string& col,
                                             int location);
  // INSERT's column list (all of t's, through dml_view_ its view's, when n is 0): positions.
  std::vector<int> insert_columns(const catalog::Table& t, PgQuery__Node** cols, size_t n);
  // UPDATE's SET list over `row`, appended to sets; whether it sets a key column (primary
  // key or unique index: the row is then locked FOR UPDATE, else FOR NO KEY UPDATE).
  bool bind_set_list(const catalog::Table& t, PgQuery__Node** list, size_t n, const Scope& row,
                     std::vector<std::pair<int, ExprPtr>>& sets);
  BoundStatement bind_copy(const PgQuery__CopyStmt* s);
  catalog::TablePtr lookup_table(const PgQuery__RangeVar* rv);
  [[noreturn]] void fail_missing_rte(const Scope* scope, const std::string& table, int location);
  std::string similar_column_hint(const Scope& scope, const std::string& table,
                                  const std::string& col);
  // A table named with an optional schema: none searches the session's search path (its
  // temporary tables first); pg_temp only its temporary tables; any other that schema.
  catalog::TablePtr find_relation(const std::string& schema, const std::string& name) {
    catalog::TablePtr t = cat_.find_table(schema, name, path_);
    if (t) relations_.insert(t->oid);
    return t;
  }
  // A view read in FROM: its stored query bound as a subquery named alias (see the top of
  // this file).
  // sole: the view is its query level's only FROM item, so a simple view may be pulled up
  // (see add_view_source).
  void add_view_source(SelectPlan& plan, Scope& scope, const catalog::TablePtr& view,
                       const std::string& alias, const PgQuery__Alias* alias_node, int location,
                       bool sole = false);
  bool pull_up_view(SelectPlan& plan, Scope& scope, const catalog::TablePtr& view,
                    const std::string& alias, const PgQuery__Alias* alias_node, SelectPlan& sub,
                    const PgQuery__Node* query);
  // bind_select -> bind_from: the FROM item being bound is the query level's only one.
  bool sole_from_item_ = false;
  // A pulled-up view's WHERE (over its base table's row), for bind_select to add to its own.
  ExprPtr pulled_up_view_where_;
  // INSERT / UPDATE / DELETE through an automatically updatable view (PostgreSQL's
  // rewriteTargetView): the statement is bound against the view's base table, its names
  // resolved through the view's columns.
  struct DmlView {
    catalog::TablePtr view;
    std::vector<int> base_of;  // view column i's base column (-1: an expression)
    ExprPtr where;             // the view's WHERE over the base row (null: none)
  };
  std::optional<DmlView> dml_view_;
  // The table INSERT / UPDATE / DELETE write (through a view: its base table) and the name
  // the statement calls it (*alias). unsupported_clause: the statement has a clause not
  // supported through a view (refusal: the 0A000 message).
  catalog::TablePtr dml_target(const PgQuery__RangeVar* rv, const std::string& verb,
                               bool unsupported_clause, const char* refusal, std::string* alias);
  // verb: "insert into" / "update" / "delete from". Returns the base table; 55000 when the
  // view is not automatically updatable.
  catalog::TablePtr enter_dml_view(const catalog::TablePtr& view, const std::string& verb);
  // A target column named in INSERT's column list or UPDATE's SET: its base column position
  // through dml_view_ (when set), else t's; -1 when there is none.
  int target_column(const catalog::Table& t, const std::string& name, const std::string& verb);
  // The relation a DML statement's errors name: the view when writing through one.
  const std::string& target_display(const catalog::Table& t) const {
    return dml_view_ ? dml_view_->view->name : t.name;
  }
  // UPDATE / DELETE through a view touch only the rows the view shows: its WHERE joins the
  // statement's (PostgreSQL adds it as a security qual before the user's, same effect).
  void add_view_condition(ExprPtr& where) {
    if (dml_view_) conjoin(where, std::move(dml_view_->where));
  }
  // WITH CHECK OPTION of the view written through: its WHERE appended to checks.
  void add_check_option(std::vector<ExprPtr>& checks, std::string& view_name) {
    if (!dml_view_ || !dml_view_->view->check_option) return;
    auto again = bind_view_query(dml_view_->view);
    if (!again->where) return;
    checks.push_back(std::move(again->where));
    view_name = dml_view_->view->name;
  }
  // The relations every name lookup found (BoundStatement::relations).
  std::set<Oid> relations_;
  // Views being expanded, innermost last (a view that reads itself is refused).
  std::vector<Oid> expanding_views_;
  std::vector<ExprPtr> bind_returning(PgQuery__Node** list, size_t n, const Scope& scope,
                                      BoundStatement& out);
  Scope table_scope(const catalog::Table& t, const std::string& alias);
  void checks_of(const catalog::Table& t, std::vector<ExprPtr>& out);
  ExprPtr bind_set_function(const std::string& name, std::vector<ExprPtr> args, int location);
  void bind_json_to_recordset(const std::string& fname, const PgQuery__FuncCall* fc,
                              const PgQuery__RangeFunction* rf, SelectPlan& plan, Scope& scope,
                              Scope& args_scope);
  ExprPtr select_field(ExprPtr base, const std::string& name, int location);
  ExprPtr bind_jsonb_subscript(ExprPtr base, const PgQuery__AIndirection* ind, const Scope& scope,
                               GroupCtx* g);
  ExprPtr bind_array_subscript(ExprPtr arr, const PgQuery__AIndirection* ind, const Scope& scope,
                               GroupCtx* g);
  void collect_srfs(SelectPlan& plan);
  void bind_index_predicates(const catalog::Table& t, TableAccess& acc);

  // Set-returning function calls: where one being bound sits, how many the query level being
  // bound has (a subquery counts its own) and where the last one is, for the constructs that
  // refuse them around them (CASE, COALESCE: PostgreSQL's p_last_srf).
  SrfPlacement srf_placement_{"set-returning functions are not allowed here", false};
  int srf_calls_ = 0;
  int last_srf_location_ = -1;
  // Set while a set operation binds one of its sides: that SELECT's own untyped literals
  // stay `unknown` so the set operation can give them the other side's type, as PostgreSQL
  // does (select 1 union select '2' is integer). Read and cleared on entry to bind_select.
  bool keep_unknown_targets_ = false;

  // Fails, at the last call's location, when calls were bound since `mark` (srf_calls_ then).
  void refuse_srfs_since(int mark, const char* construct) {
    if (srf_calls_ != mark)
      fail(sqlstate::kFeatureNotSupported,
           std::string("set-returning functions are not allowed in ") + construct,
           last_srf_location_, kSrfHint);
  }

  catalog::Catalog& cat_;
  catalog::SearchPath path_;                 // set_search_path()
  const ParamNames* param_names_ = nullptr;  // set_param_names()
  ExprPtr param_by_name(const std::string& table, const std::string& col, int location);
  // A call of a user-defined function named `name` with these bound arguments, or nullptr
  // when none of that name accepts them (the caller then tries the built-in functions).
  // A call of a user-defined function: `schema` empty looks along the search path.
  // name => value arguments: the values bound, the names in *names ("" for a positional one);
  // names stays empty when there are none.
  std::vector<ExprPtr> bind_call_args(const PgQuery__FuncCall* f, const Scope& scope, GroupCtx* g,
                                      std::vector<std::string>* names);
  ExprPtr bind_user_function(const std::string& schema, const std::string& name,
                             std::vector<ExprPtr>& args, int location,
                             const std::vector<std::string>& arg_names = {});
  // A user-defined function as a FROM item: its output columns (a scalar one: one column
  // named as the alias or the function).
  void bind_user_function_source(const PgQuery__FuncCall* fc, const PgQuery__RangeFunction* rf,
                                 SelectPlan& plan, Scope& scope, const Scope& args_scope);
  std::vector<Oid>& params_;
  // Common table expressions visible while binding: name, bound plan, and the scope its
  // query was bound in (the defining query's enclosing scope), from which a reference counts
  // how many query levels below the definition it sits.
  struct Cte {
    std::string name;
    std::shared_ptr<SelectPlan> plan;
    const Scope* outer = nullptr;
  };
  std::vector<Cte> ctes_;
  // Data-modifying WITH queries of the statement (BoundStatement::dml_ctes).
  std::vector<std::shared_ptr<BoundStatement>> dml_ctes_;
  void bind_with(const PgQuery__WithClause* w, const Scope* outer);
  std::shared_ptr<SelectPlan> bind_target_join(const catalog::TablePtr& t, const std::string& alias,
                                               PgQuery__Node** from, size_t n, Scope& scope);
};

void Binder::finish_params() {
  for (auto& p : params_)
    if (p == 0 || p == type_oid::kUnknown) p = type_oid::kText;
}

namespace {
// A cast of e to target, evaluated at run time (an explicit cast when ctx says so).
ExprPtr cast_node(ExprPtr e, TypeRef target, CastContext ctx) {
  auto c = std::make_unique<Expr>();
  c->kind = ExprKind::kCast;
  c->arg_types.push_back(e->type);
  c->type = target;
  c->negate = ctx == CastContext::kExplicit;
  c->location = e->location;
  c->args.push_back(std::move(e));
  return c;
}
}  // namespace

ExprPtr Binder::coerce(ExprPtr e, TypeRef target, CastContext ctx, const std::string& column) {
  if (target.oid == type_oid::kUnknown || target.oid == type_oid::kAny) return e;
  auto row_type = e->kind == ExprKind::kRow ? types::find_composite(e->type.oid) : nullptr;
  if (e->kind == ExprKind::kRow &&
      (e->type.oid == type_oid::kRecord || (row_type && row_type->anonymous))) {
    // A row constructor becomes a value of the composite type: its fields cast one by one.
    if (auto ct = types::find_composite(target.oid)) {
      if (e->args.size() != ct->fields.size()) {
        Error err;
        err.sqlstate = "42846";
        err.message = "cannot cast type record to " + type_display(target);
        err.detail = std::string("Input has too ") +
                     (e->args.size() < ct->fields.size() ? "few" : "many") + " columns.";
        err.position = e->location >= 0 ? e->location + 1 : 0;
        throw SqlError(std::move(err));
      }
      for (size_t i = 0; i < e->args.size(); ++i) {
        e->args[i] = coerce(std::move(e->args[i]), ct->fields[i].type, ctx);
        e->arg_types[i] = e->args[i]->type;
      }
      e->type = target;
      return e;
    }
  }
  if (e->kind == ExprKind::kParam && (e->type.oid == type_oid::kUnknown)) {
    params_[e->index] = target.oid;
    e->type = TypeRef{target.oid, -1};
  }
  if (e->kind == ExprKind::kConst && e->type.oid == type_oid::kUnknown) {
    if (e->value.is_null()) {
      e->type = target;
      return e;
    }
    try {
      // A bit string literal is read without its length, then fitted as the context says (an
      // explicit cast pads or truncates), as PostgreSQL's length coercion does.
      if (target.oid == type_oid::kBit || target.oid == type_oid::kVarbit) {
        e->value = types::cast(e->value, TypeRef{type_oid::kUnknown, -1}, target, ctx);
      } else if (reads_session_zone(e->value.as_string(), target.oid)) {
        // A timestamptz literal without an offset is local time in the session's zone, and
        // 'today' or 'now' as a date or timestamp is the session's: the executor knows the
        // zone (a prepared statement may run after SET TimeZone). Checked here, so that a bad
        // literal points at itself, and read when the statement runs.
        types::from_text(e->value.as_string(), target);
        e->type = TypeRef{type_oid::kText, -1};
        return cast_node(std::move(e), target, ctx);
      } else {
        // Read without the length, then fitted to it as the cast's context says: an explicit
        // cast truncates ('abcdef'::varchar(3) is 'abc'), an assignment fails (22001).
        e->value =
            types::apply_typmod(types::from_text(e->value.as_string(), TypeRef{target.oid, -1}),
                                target, ctx == CastContext::kExplicit);
      }
    } catch (SqlError& err) {
      // As PostgreSQL's parser does, a literal that is not a valid value points at itself (a
      // length that does not fit is the coercion's error, with no position).
      if (err.error().position == 0 && e->location >= 0 && err.error().sqlstate != "22026" &&
          err.error().sqlstate != sqlstate::kStringDataRightTruncation)
        err.error().position = e->location + 1;
      throw;
    }
    e->type = target;
    return e;
  }
  if (e->type.oid == target.oid) {
    if (target.typmod >= 0 && e->type.typmod != target.typmod) {
      auto c = std::make_unique<Expr>();
      c->kind = ExprKind::kCast;
      c->arg_types.push_back(e->type);
      c->type = target;
      c->negate = ctx == CastContext::kExplicit;
      c->args.push_back(std::move(e));
      return c;
    }
    return e;
  }
  if (!types::can_cast(e->type.oid, target.oid, ctx)) {
    if (ctx == CastContext::kAssignment && !column.empty())
      fail(sqlstate::kDatatypeMismatch,
           "column \"" + column + "\" is of type " + type_display(target) +
               " but expression is of type " + type_display(e->type),
           e->location, "You will need to rewrite or cast the expression.");
    if (ctx == CastContext::kExplicit)
      fail("42846", "cannot cast type " + type_display(e->type) + " to " + type_display(target),
           e->location);
    fail(sqlstate::kDatatypeMismatch,
         "argument of type " + type_display(e->type) + " cannot be converted to " +
             type_display(target),
         e->location);
  }
  return cast_node(std::move(e), target, ctx);
}

ExprPtr Binder::to_bool(ExprPtr e, const char* construct) {
  if (e->type.oid == type_oid::kUnknown)
    return coerce(std::move(e), TypeRef{type_oid::kBool, -1}, CastContext::kImplicit);
  if (e->type.oid != type_oid::kBool)
    fail(sqlstate::kDatatypeMismatch,
         std::string("argument of ") + construct + " must be type boolean, not type " +
             type_display(e->type),
         e->location);
  if (srf_calls_ > 0)
    if (int loc = set_returning_location(*e); loc != -2)
      fail(sqlstate::kDatatypeMismatch,
           std::string("argument of ") + construct + " must not return a set", loc);
  return e;
}

void Binder::unify(std::vector<ExprPtr>& items, const char* construct) {
  std::vector<Oid> ts;
  for (auto& i : items) ts.push_back(i->type.oid);
  Oid t = types::common_type(ts, construct);
  for (auto& i : items) i = coerce(std::move(i), TypeRef{t, -1}, CastContext::kImplicit);
}

// A declared argument type whose operand is passed as it is, with its own type: any; anyenum
// (the enum's functions and operators need to know which enum it is); anyelement, anyarray
// and anynonarray (the result type follows the argument's, and text || anynonarray calls the
// operand's own output function: a timestamptz prints as one, in the session's zone).
bool keeps_own_type(Oid declared) {
  return declared == type_oid::kAny || declared == types::kAnyEnumOid ||
         declared == types::kAnyElementOid || declared == types::kAnyArrayOid ||
         declared == types::kAnyNonArrayOid;
}

// schema: the qualifier written ("" for none); a built-in type is found unless it names a
// schema other than pg_catalog, a user type (enum) in that schema or along search_schemas.
TypeRef type_for_name(const std::string& name, const std::vector<int32_t>& mods, bool array,
                      int location, const std::string& schema = "",
                      const std::vector<Oid>& search_schemas = {catalog::kPublicNamespaceId}) {
  const bool user_schema = !schema.empty() && schema != "pg_catalog";
  const types::TypeInfo* ti = user_schema ? nullptr : types::find_type_by_name(name);
  if (ti == nullptr && schema != "pg_catalog")
    if (auto e = types::enum_types().find(schema, name, search_schemas))
      ti = types::find_type(e->oid);
  if (ti == nullptr && schema != "pg_catalog")
    if (auto c = types::composite_types().find(schema, name, search_schemas))
      ti = types::find_type(c->oid);
  // A domain is its base type here (a cast to it checks it: see the TypeCast binding).
  if (ti == nullptr && schema != "pg_catalog")
    if (auto d = types::domain_types().find(schema, name, search_schemas)) {
      if (!mods.empty())
        fail(sqlstate::kSyntaxError, "type modifier is not allowed for type \"" + d->name + "\"",
             location);
      if (!array) return d->base;
      Oid a = types::array_type_of(d->base.oid);
      if (a == 0)
        fail(sqlstate::kUndefinedObject, "type \"" + name + "[]\" does not exist", location);
      return TypeRef{a, -1};
    }
  if (ti == nullptr)
    fail(sqlstate::kUndefinedObject,
         "type \"" + (user_schema ? schema + "." : "") + name + "\" does not exist", location);
  TypeRef t{ti->oid, -1};
  if (!mods.empty()) {
    try {
      t.typmod = types::make_typmod(ti->oid, mods);
    } catch (SqlError& err) {
      // A modifier the type refuses points at the type name (PostgreSQL's typenameTypeMod).
      if (err.error().position == 0 && location >= 0) err.error().position = location + 1;
      throw;
    }
  }
  if (array) {
    Oid a = types::array_type_of(t.oid);
    if (a == 0)
      fail(sqlstate::kUndefinedObject, "type \"" + name + "[]\" does not exist", location);
    t = TypeRef{a, -1};
  }
  return t;
}

ExprPtr Binder::bind_const(const PgQuery__AConst* c) {
  ExprPtr e;
  if (c->isnull) {
    e = make_const(Datum::Null(), TypeRef{type_oid::kUnknown, -1});
  } else {
    switch (c->val_case) {
      case PG_QUERY__A__CONST__VAL_IVAL:
        e = make_const(Datum(int64_t{c->ival->ival}), TypeRef{type_oid::kInt4, -1});
        break;
      case PG_QUERY__A__CONST__VAL_FVAL: {
        std::string s = c->fval->fval;
        bool integral = s.find_first_of(".eE") == std::string::npos;
        if (integral) {
          // Too big for int4 as written: int8 if it fits, else numeric (as PostgreSQL's
          // scanner does); int4 after all when a folded minus sign made it fit
          // (-2147483648), as PostgreSQL's make_const.
          try {
            size_t pos = 0;
            long long v = std::stoll(s, &pos);
            if (pos == s.size()) {
              const bool int4 = v >= INT32_MIN && v <= INT32_MAX;
              e = make_const(Datum(int64_t{v}),
                             TypeRef{int4 ? type_oid::kInt4 : type_oid::kInt8, -1});
              break;
            }
          } catch (...) {
          }
        }
        e = make_const(types::from_text(s, TypeRef{type_oid::kNumeric, -1}),
                       TypeRef{type_oid::kNumeric, -1});
        break;
      }
      case PG_QUERY__A__CONST__VAL_BOOLVAL:
        e = make_const(Datum(static_cast<bool>(c->boolval->boolval)), TypeRef{type_oid::kBool, -1});
        break;
      case PG_QUERY__A__CONST__VAL_SVAL:
        e = make_const(Datum(std::string(c->sval->sval)), TypeRef{type_oid::kUnknown, -1});
        break;
      case PG_QUERY__A__CONST__VAL_BSVAL:  // B'101' / X'1F': bit, the scanner keeps the letter
        try {
          e = make_const(Datum(types::parse_bit_string(c->bsval->bsval)),
                         TypeRef{type_oid::kBit, -1});
        } catch (SqlError& err) {
          err.error().position = c->location + 1;
          throw;
        }
        break;
      default:
        fail(sqlstate::kFeatureNotSupported, "this constant is not supported", c->location);
    }
  }
  e->location = c->location;
  return e;
}

namespace {

// Levenshtein distance between two UTF-8 strings, counted in characters (insertions,
// deletions and substitutions cost 1), as PostgreSQL's varstr_levenshtein.
int levenshtein(const std::string& a, const std::string& b) {
  auto chars = [](const std::string& s) {
    std::vector<std::string_view> out;
    for (size_t i = 0; i < s.size();) {
      size_t n = std::min(utf8_char_len(static_cast<unsigned char>(s[i])), s.size() - i);
      out.push_back(std::string_view(s).substr(i, n));
      i += n;
    }
    return out;
  };
  const auto x = chars(a), y = chars(b);
  std::vector<int> prev(y.size() + 1), cur(y.size() + 1);
  for (size_t j = 0; j <= y.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= x.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= y.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[y.size()];
}

}  // namespace

// PostgreSQL's hint for a column that does not exist (searchRangeTableForCol and
// errorMissingColumn): the columns of the FROM items in scope, innermost level first, whose
// names are within 3 edits of the one written and not more than half of it different, plus,
// for a qualified name, the edits between its qualifier and each item's name; one closest
// column, or two equally close, are suggested. "" when none is.
std::string Binder::similar_column_hint(const Scope& scope, const std::string& table,
                                        const std::string& col) {
  constexpr int kMaxFuzzyDistance = 3;
  int distance = kMaxFuzzyDistance + 1;
  const ScopeColumn* first = nullptr;
  const ScopeColumn* second = nullptr;
  for (const Scope* s = &scope; s != nullptr; s = s->parent)
    for (const auto& sc : s->cols) {
      if (sc.hidden || sc.name.empty()) continue;
      const int penalty = table.empty() ? 0 : levenshtein(table, sc.table);
      if (penalty > distance) continue;
      int d = levenshtein(sc.name, col);
      if (d > static_cast<int>(col.size()) / 2) continue;
      d += penalty;
      if (d < distance) {
        distance = d, first = &sc, second = nullptr;
      } else if (d == distance) {
        if (second != nullptr) {
          // More than two equally close: none is suggested, and only a closer one can be.
          first = second = nullptr;
          distance = d - 1;
        } else if (first != nullptr) {
          second = &sc;
        } else if (distance <= kMaxFuzzyDistance) {
          first = &sc;
        }
      }
    }
  if (first == nullptr) return "";
  std::string hint =
      "Perhaps you meant to reference the column \"" + first->table + "." + first->name + "\"";
  if (second != nullptr) hint += " or the column \"" + second->table + "." + second->name + "\"";
  return hint + ".";
}

// A qualified name no FROM item of the scope answers to (PostgreSQL's errorMissingRTE): when
// a table of that name is in scope under an alias, the error says the alias is the name to
// use.
void Binder::fail_missing_rte(const Scope* scope, const std::string& table, int location) {
  for (const Scope* s = scope; s; s = s->parent)
    for (const auto& sc : s->cols) {
      if (sc.table_oid == 0 || sc.table == table) continue;
      auto t = cat_.table_by_oid(sc.table_oid);
      if (!t || t->name != table) continue;
      fail(sqlstate::kUndefinedTable,
           "invalid reference to FROM-clause entry for table \"" + table + "\"", location,
           "Perhaps you meant to reference the table alias \"" + sc.table + "\".");
    }
  fail(sqlstate::kUndefinedTable, "missing FROM-clause entry for table \"" + table + "\"",
       location);
}

ExprPtr Binder::bind_column_ref(const PgQuery__ColumnRef* c, const Scope& scope) {
  std::string table, col;
  if (c->n_fields == 1) {
    col = str_of(c->fields[0]);
  } else if (c->n_fields == 2) {
    table = str_of(c->fields[0]);
    col = str_of(c->fields[1]);
  } else if (c->n_fields == 3) {
    table = str_of(c->fields[1]);
    col = str_of(c->fields[2]);
  }
  if (col.empty()) fail(sqlstate::kSyntaxError, "unsupported column reference", c->location);
  int level = 0;
  bool table_seen = false;
  for (const Scope* s = &scope; s != nullptr; s = s->parent, ++level) {
    if (!table.empty() && s->tables.count(table)) table_seen = true;
    int found = -1;
    for (size_t i = 0; i < s->cols.size(); ++i) {
      const auto& sc = s->cols[i];
      if (sc.name != col) continue;
      if (!table.empty() && sc.table != table) continue;
      if (table.empty() && sc.hidden) continue;
      if (found >= 0)
        fail(sqlstate::kAmbiguousColumn, "column reference \"" + col + "\" is ambiguous",
             c->location);
      found = static_cast<int>(i);
    }
    if (found < 0 && col == "tableoid")
      if (auto e = bind_tableoid(*s, level, table, c->location)) return e;
    if (found < 0 && table.empty()) {
      for (size_t i = 0; i < s->cols.size(); ++i)
        if (s->cols[i].whole_row && s->cols[i].table == col) found = static_cast<int>(i);
    }
    if (found < 0 && table.empty() && s->tables.count(col)) {
      // A whole-row reference (row_to_json(t), json_agg(t)): a row of the item's columns, of
      // its table's row type when it is a table's full row, else a record.
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kRow;
      e->location = c->location;
      Oid rel = 0;
      bool one_table = true;
      for (size_t i = 0; i < s->cols.size(); ++i) {
        const auto& sc = s->cols[i];
        if (sc.table != col || sc.hidden) continue;
        auto v = std::make_unique<Expr>();
        v->kind = ExprKind::kColumn;
        v->index = static_cast<int>(i);
        v->level = level;
        v->type = sc.type;
        if (rel == 0) rel = sc.table_oid;
        one_table = one_table && sc.table_oid != 0 && sc.table_oid == rel;
        e->arg_types.push_back(v->type);
        e->args.push_back(std::move(v));
      }
      auto ct = one_table ? types::find_composite(rel) : nullptr;
      if (ct && ct->fields.size() == e->args.size()) {
        e->type = TypeRef{rel, -1};
      } else {
        std::vector<types::CompositeField> fields;
        for (const auto& sc : s->cols)
          if (sc.table == col && !sc.hidden) fields.push_back({sc.name, sc.type});
        e->type = TypeRef{types::composite_types().bless(fields), -1};
      }
      return e;
    }
    if (found >= 0) {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kColumn;
      e->index = found;
      e->level = level;
      e->type = s->cols[found].type;
      e->location = c->location;
      return e;
    }
  }
  if (auto p = param_by_name(table, col, c->location)) return p;
  if (merge_hidden_ && (table == merge_hidden_->alias ||
                        (table.empty() && merge_hidden_->table->find_column(col) >= 0)))
    fail_hidden_merge_target(table, col, c->location);
  if (!table.empty() && !table_seen) fail_missing_rte(&scope, table, c->location);
  const std::string hint = similar_column_hint(scope, table, col);
  if (!table.empty())
    fail(sqlstate::kUndefinedColumn, "column " + table + "." + col + " does not exist", c->location,
         hint);
  fail(sqlstate::kUndefinedColumn, "column \"" + col + "\" does not exist", c->location, hint);
}

// The system column tableoid of a stored table in scope s (the one named `table`, or the only
// one): the table's oid, a constant; for a partitioned table the leaf partition the row is
// stored in, which is the one its partition key routes to, so the executor computes it from
// the row's columns (session function "hf_stored_partition", index: the partitioned table).
// nullptr when s has no such table.
ExprPtr Binder::bind_tableoid(const Scope& s, int level, const std::string& table, int location) {
  std::string alias;
  catalog::TablePtr t;
  for (const auto& sc : s.cols) {
    if (sc.table_oid == 0 || sc.attnum <= 0 || (!table.empty() && sc.table != table)) continue;
    if (t && sc.table == alias) continue;
    auto candidate = cat_.table_by_oid(sc.table_oid);
    if (!candidate || candidate->is_view()) continue;
    if (t) fail(sqlstate::kAmbiguousColumn, "column reference \"tableoid\" is ambiguous", location);
    alias = sc.table;
    t = candidate;
  }
  if (!t) return nullptr;
  if (!t->is_partitioned()) {
    auto e = make_const(Datum(static_cast<int64_t>(t->oid)), TypeRef{type_oid::kOid, -1});
    e->location = location;
    return e;
  }
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kSessionFunc;
  e->name = "hf_stored_partition";
  e->index = static_cast<int>(t->oid);
  e->type = TypeRef{type_oid::kOid, -1};
  e->location = location;
  for (size_t i = 0; i < s.cols.size(); ++i) {
    if (s.cols[i].table != alias || s.cols[i].table_oid != t->oid) continue;
    auto v = std::make_unique<Expr>();
    v->kind = ExprKind::kColumn;
    v->index = static_cast<int>(i);
    v->level = level;
    v->type = s.cols[i].type;
    e->arg_types.push_back(v->type);
    e->args.push_back(std::move(v));
  }
  return e;
}

ExprPtr Binder::param_by_name(const std::string& table, const std::string& col, int location) {
  if (param_names_ == nullptr) return nullptr;
  const auto& names = param_names_->names;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) continue;
    bool match = table.empty() ? names[i] == col
                               : names[i] == table + "." + col ||
                                     (table == param_names_->qualifier && names[i] == col);
    if (!match) continue;
    if (params_.size() <= i) params_.resize(i + 1, 0);
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kParam;
    e->index = static_cast<int>(i);
    e->type = TypeRef{params_[i] == 0 ? type_oid::kUnknown : params_[i], -1};
    e->location = location;
    return e;
  }
  return nullptr;
}

std::vector<ExprPtr> Binder::bind_call_args(const PgQuery__FuncCall* f, const Scope& scope,
                                            GroupCtx* g, std::vector<std::string>* names) {
  std::vector<ExprPtr> args;
  for (size_t i = 0; i < f->n_args; ++i) {
    const PgQuery__Node* a = f->args[i];
    if (a->node_case == PG_QUERY__NODE__NODE_NAMED_ARG_EXPR) {
      names->resize(i);
      if (std::find(names->begin(), names->end(), a->named_arg_expr->name) != names->end())
        fail(sqlstate::kSyntaxError,
             "argument name \"" + std::string(a->named_arg_expr->name) + "\" used more than once",
             a->named_arg_expr->location);
      names->push_back(a->named_arg_expr->name);
      args.push_back(bind_expr(a->named_arg_expr->arg, scope, g));
      continue;
    }
    args.push_back(bind_expr(a, scope, g));
    if (!names->empty()) {
      if (!names->back().empty())
        fail(sqlstate::kSyntaxError, "positional argument cannot follow named argument",
             args.back()->location);
      names->push_back("");
    }
  }
  return args;
}

ExprPtr Binder::bind_user_function(const std::string& schema, const std::string& name,
                                   std::vector<ExprPtr>& args, int location,
                                   const std::vector<std::string>& arg_names) {
  auto candidates = cat_.functions().find(name);
  if (candidates.empty()) return nullptr;
  // Where a candidate's schema stands: the schema named, or its place in the search path.
  std::optional<Oid> named;
  if (!schema.empty()) {
    auto sc = cat_.find_schema(schema);
    if (!sc) {
      if (schema == "pg_catalog" || schema == "information_schema") return nullptr;
      fail(sqlstate::kInvalidSchemaName, "schema \"" + schema + "\" does not exist", location);
    }
    named = sc->oid;
  }
  auto rank_of = [&](const catalog::Function& f) -> int {
    if (named) return f.namespace_oid == *named ? 0 : -1;
    auto it = std::find(path_.schemas.begin(), path_.schemas.end(), f.namespace_oid);
    return it == path_.schemas.end() ? -1 : static_cast<int>(it - path_.schemas.begin());
  };
  // PostgreSQL's func_select_candidate, simplified: every given argument must convert
  // implicitly to its parameter's type, missing trailing ones need defaults; among those
  // that fit, the one with the most exact type matches wins, and on a tie the one whose
  // schema comes first in the search path.
  catalog::FunctionPtr best;
  int best_exact = -1, best_rank = 0;
  std::vector<int> best_slot;
  for (const auto& f : candidates) {
    const int rank = rank_of(*f);
    if (rank < 0) continue;
    std::vector<const catalog::FunctionArg*> inputs;
    for (const auto& a : f->args)
      if (a.is_input()) inputs.push_back(&a);
    if (args.size() > inputs.size()) continue;
    // Which input each given argument fills: by position, or by name (name => value).
    std::vector<int> slot;
    std::vector<bool> filled(inputs.size(), false);
    bool fits = true;
    for (size_t i = 0; i < args.size() && fits; ++i) {
      int at = static_cast<int>(i);
      if (i < arg_names.size() && !arg_names[i].empty()) {
        at = -1;
        for (size_t k = 0; k < inputs.size(); ++k)
          if (inputs[k]->name == arg_names[i]) at = static_cast<int>(k);
      }
      fits = at >= 0 && !filled[at];
      if (fits) filled[at] = true;
      slot.push_back(at);
    }
    for (size_t i = 0; i < inputs.size() && fits; ++i)
      fits = filled[i] || !inputs[i]->default_expr.empty();
    int exact = 0;
    for (size_t i = 0; i < args.size() && fits; ++i) {
      Oid from = args[i]->type.oid, to = inputs[slot[i]]->type.oid;
      if (from == to) {
        ++exact;
      } else if (from != type_oid::kUnknown && to != type_oid::kAny &&
                 !types::can_cast(from, to, CastContext::kImplicit)) {
        fits = false;
      }
    }
    if (fits && (exact > best_exact || (exact == best_exact && rank < best_rank)))
      best = f, best_exact = exact, best_rank = rank, best_slot = slot;
  }
  if (!best) return nullptr;
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kUserFunc;
  e->name = name;
  e->routine = best;
  e->location = location;
  // The given arguments in input order; the inputs none fills take their defaults.
  std::vector<ExprPtr> by_input(best->input_types().size());
  for (size_t i = 0; i < args.size(); ++i) by_input[best_slot[i]] = std::move(args[i]);
  size_t pos = 0;
  for (const auto& a : best->args) {
    if (!a.is_input()) continue;
    ExprPtr arg;
    if (by_input[pos]) {
      arg = std::move(by_input[pos]);
    } else {
      const PgQuery__Node* node = nullptr;
      auto tree = parse::parse_expression(a.default_expr, &node);
      arg = bind_expr(node, Scope{}, nullptr);
    }
    arg = coerce(std::move(arg), a.type, CastContext::kImplicit);
    e->arg_types.push_back(arg->type);
    e->args.push_back(std::move(arg));
    ++pos;
  }
  auto outs = best->output_args();
  e->type = outs.size() == 1 ? outs[0]->type : best->result;
  return e;
}

void Binder::bind_user_function_source(const PgQuery__FuncCall* fc,
                                       const PgQuery__RangeFunction* rf, SelectPlan& plan,
                                       Scope& scope, const Scope& args_scope) {
  std::string fname = str_of(fc->funcname[fc->n_funcname - 1]);
  std::vector<ExprPtr> args;
  std::vector<std::string> arg_names;
  {
    SrfScope in_from(*this, {"set-returning functions must appear at top level of FROM", false});
    args = bind_call_args(fc, args_scope, nullptr, &arg_names);
  }
  const std::string fschema = fc->n_funcname > 1 ? str_of(fc->funcname[fc->n_funcname - 2]) : "";
  auto call = bind_user_function(fschema, fname, args, fc->location, arg_names);
  if (!call) {
    std::vector<Oid> ts;
    for (auto& a : args) ts.push_back(a->type.oid);
    if (types::resolve_function(fname, ts) != nullptr)
      fail(sqlstate::kFeatureNotSupported, "function " + fname + " in FROM is not supported");
    fail_no_function(fname, ts, fc->location);
  }
  Source src;
  src.kind = Source::Kind::kFunction;
  src.lateral = true;
  std::string alias = rf->alias ? rf->alias->aliasname : fname;
  src.alias = alias;
  src.offset = static_cast<int>(scope.cols.size());
  scope.tables.insert(alias);
  auto outs = call->routine->output_args();
  std::vector<std::pair<std::string, TypeRef>> cols;
  if (outs.size() > 1 || call->routine->returns_composite()) {
    cols = call->routine->result_columns();
  } else {
    cols.emplace_back(outs.empty() || outs[0]->name.empty() ? alias : outs[0]->name, call->type);
  }
  for (size_t i = 0; i < cols.size(); ++i) {
    std::string col = cols[i].first;
    if (rf->alias && i < rf->alias->n_colnames) col = str_of(rf->alias->colnames[i]);
    scope.cols.push_back({alias, col, cols[i].second});
  }
  src.width = static_cast<int>(cols.size());
  src.function = std::move(call);
  plan.sources.push_back(std::move(src));
}

ExprPtr Binder::bind_operator(const std::string& op, ExprPtr l, ExprPtr r, int location) {
  // One unknown literal: it takes the other operand's type only when an operator exists for
  // that type on both sides (PostgreSQL's first rule); otherwise normal resolution decides, so
  // 'a' || 1 is text || anynonarray, not an integer parse of 'a'.
  if (l && (l->type.oid == type_oid::kUnknown) != (r->type.oid == type_oid::kUnknown)) {
    Oid known = l->type.oid == type_oid::kUnknown ? r->type.oid : l->type.oid;
    const types::OperatorDef* same = types::resolve_operator(op, known, known);
    // An anyarray operator takes the known operand's array type for both sides.
    const Oid both = types::is_array_type(known) ? types::kAnyArrayOid
                     : types::find_enum(known)   ? types::kAnyEnumOid
                                                 : known;
    if (same && (same->left == known || same->left == both) &&
        (same->right == known || same->right == both)) {
      if (l->type.oid == type_oid::kUnknown)
        l = coerce(std::move(l), TypeRef{known, -1}, CastContext::kImplicit);
      else
        r = coerce(std::move(r), TypeRef{known, -1}, CastContext::kImplicit);
    }
  }
  Oid lt = l ? l->type.oid : 0;
  const types::OperatorDef* def = types::resolve_operator(op, lt, r->type.oid);
  if (def == nullptr && l && lt == type_oid::kUnknown && r->type.oid == type_oid::kUnknown) {
    l = coerce(std::move(l), TypeRef{type_oid::kText, -1}, CastContext::kImplicit);
    r = coerce(std::move(r), TypeRef{type_oid::kText, -1}, CastContext::kImplicit);
    def = types::resolve_operator(op, type_oid::kText, type_oid::kText);
  }
  if (def == nullptr) {
    std::string msg = "operator does not exist: ";
    if (l) msg += type_display(l->type) + " ";
    msg += op + " " + type_display(r->type);
    fail(sqlstate::kUndefinedFunction, msg, location,
         "No operator matches the given name and argument types. You might need to add explicit "
         "type casts.");
  }
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kOp;
  e->op = def;
  e->name = op;
  e->location = location;
  if (l) {
    if (!keeps_own_type(def->left))
      l = coerce(std::move(l), TypeRef{def->left, -1}, CastContext::kImplicit);
    e->arg_types.push_back(l->type);
    e->args.push_back(std::move(l));
  }
  if (!keeps_own_type(def->right))
    r = coerce(std::move(r), TypeRef{def->right, -1}, CastContext::kImplicit);
  e->arg_types.push_back(r->type);
  e->args.push_back(std::move(r));
  e->type = TypeRef{def->result, -1};
  if (def->result == type_oid::kAny) e->type = e->arg_types[0];
  if (def->result == types::kAnyArrayOid || def->result == types::kAnyElementOid)
    e->type.oid = types::operator_result_type(
        *def, e->arg_types.size() > 1 ? e->arg_types[0].oid : 0, e->arg_types.back().oid);
  return e;
}

// ASC/DESC and NULLS FIRST/LAST of one ORDER BY item: NULLs sort as if larger than any
// value, so they come last ascending and first descending unless the item says otherwise.
void set_sort_direction(const PgQuery__SortBy& sb, SortKey& k) {
  k.descending = sb.sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
  k.nulls_first = sb.sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                  (sb.sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST && k.descending);
}

// Where an expression starts in the statement text: its leftmost located part (PostgreSQL's
// exprLocation); 0 when none is known (an expression's location 0 is "not set": no clause
// sub-expression starts a statement).
int leftmost_location(const Expr& e) {
  runtime::check_stack_depth();
  int loc = e.location;
  for (const auto& a : e.args) {
    int l = a ? leftmost_location(*a) : 0;
    if (l > 0 && (loc <= 0 || l < loc)) loc = l;
  }
  return std::max(loc, 0);
}

// Structural equality of bound expressions (for GROUP BY matching).
bool same_expr(const Expr& a, const Expr& b) {
  runtime::check_stack_depth();
  if (a.kind != b.kind || a.type.oid != b.type.oid || a.index != b.index || a.level != b.level ||
      a.name != b.name || a.op != b.op || a.fn != b.fn || a.args.size() != b.args.size())
    return false;
  if (a.kind == ExprKind::kConst) {
    if (a.value.is_null() != b.value.is_null()) return false;
    if (!a.value.is_null() && !(a.value.v == b.value.v)) return false;
  }
  for (size_t i = 0; i < a.args.size(); ++i)
    if (!same_expr(*a.args[i], *b.args[i])) return false;
  return true;
}

bool contains_aggregate(const PgQuery__Node* n);

bool contains_aggregate_list(PgQuery__Node** l, size_t k) {
  for (size_t i = 0; i < k; ++i)
    if (contains_aggregate(l[i])) return true;
  return false;
}

bool contains_aggregate(const PgQuery__Node* n) {
  runtime::check_stack_depth();
  if (n == nullptr) return false;
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_FUNC_CALL: {
      const auto* f = n->func_call;
      std::string name = str_of(f->funcname[f->n_funcname - 1]);
      if (f->over == nullptr && kAggregates.count(name)) return true;
      return contains_aggregate_list(f->args, f->n_args);
    }
    case PG_QUERY__NODE__NODE_A_EXPR:
      return contains_aggregate(n->a_expr->lexpr) || contains_aggregate(n->a_expr->rexpr);
    case PG_QUERY__NODE__NODE_BOOL_EXPR:
      return contains_aggregate_list(n->bool_expr->args, n->bool_expr->n_args);
    case PG_QUERY__NODE__NODE_TYPE_CAST:
      return contains_aggregate(n->type_cast->arg);
    case PG_QUERY__NODE__NODE_LIST:
      return contains_aggregate_list(n->list->items, n->list->n_items);
    case PG_QUERY__NODE__NODE_COALESCE_EXPR:
      return contains_aggregate_list(n->coalesce_expr->args, n->coalesce_expr->n_args);
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
      return contains_aggregate_list(n->min_max_expr->args, n->min_max_expr->n_args);
    case PG_QUERY__NODE__NODE_CASE_EXPR:
      return contains_aggregate(n->case_expr->arg) || contains_aggregate(n->case_expr->defresult) ||
             contains_aggregate_list(n->case_expr->args, n->case_expr->n_args);
    case PG_QUERY__NODE__NODE_CASE_WHEN:
      return contains_aggregate(n->case_when->expr) || contains_aggregate(n->case_when->result);
    case PG_QUERY__NODE__NODE_NULL_TEST:
      return contains_aggregate(n->null_test->arg);
    case PG_QUERY__NODE__NODE_RES_TARGET:
      return contains_aggregate(n->res_target->val);
    case PG_QUERY__NODE__NODE_SORT_BY:
      return contains_aggregate(n->sort_by->node);
    default:
      return false;
  }
}

// In a grouped SELECT, an expression is either an aggregate, a GROUP BY expression, or
// built from those.
ExprPtr Binder::bind_grouped(const PgQuery__Node* n, const Scope& scope, GroupCtx* g) {
  if (n->node_case == PG_QUERY__NODE__NODE_A_CONST ||
      n->node_case == PG_QUERY__NODE__NODE_PARAM_REF)
    return bind_expr(n, scope, nullptr);
  if (n->node_case == PG_QUERY__NODE__NODE_FUNC_CALL) {
    const auto* f = n->func_call;
    std::string name = str_of(f->funcname[f->n_funcname - 1]);
    if (f->over == nullptr && kAggregates.count(name)) return bind_func(f, scope, g);
    if (f->over != nullptr) return bind_func(f, scope, g);
  }
  if (!contains_aggregate(n) && n->node_case != PG_QUERY__NODE__NODE_SUB_LINK) {
    ExprPtr plain;
    try {
      plain = bind_expr(n, *g->input, nullptr);
    } catch (const SqlError&) {
      plain = nullptr;
    }
    if (plain) {
      for (size_t i = 0; i < g->plan->group_by.size(); ++i) {
        if (same_expr(*plain, *g->plan->group_by[i])) {
          auto e = std::make_unique<Expr>();
          e->kind = ExprKind::kColumn;
          e->index = static_cast<int>(i);
          e->type = plain->type;
          return e;
        }
      }
      if (plain->kind == ExprKind::kColumn && plain->level == 0) {
        const auto& sc = g->input->cols[plain->index];
        fail(sqlstate::kGroupingError,
             "column \"" + sc.table + "." + sc.name +
                 "\" must appear in the GROUP BY clause or be used in an aggregate function",
             plain->location);
      }
      if (plain->kind == ExprKind::kConst || plain->kind == ExprKind::kSessionFunc) return plain;
    }
  }
  return nullptr;  // caller recurses structurally
}

// 'name' or 'schema.name' as a regclass constant: the relation's (or sequence's, or
// index's) oid, as the ::regclass cast and the functions taking a relation name read it.
// index keeps the oid too, so nextval('seq'::regclass) finds its sequence without a lookup.
ExprPtr Binder::regclass_const(const std::string& name, int location) {
  // PostgreSQL's regclassin takes a number as the oid itself (psql's \d queries pass them).
  const bool numeric =
      !name.empty() && name.size() <= 10 &&
      std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
  // "-" is InvalidOid, as regclassout prints it.
  if (name == "-") return make_const(Datum(int64_t{0}), TypeRef{type_oid::kRegclass, -1});
  Oid oid = numeric ? static_cast<Oid>(std::stoull(name)) : relation_oid_by_name(cat_, name, path_);
  if (oid == 0) {
    auto parts = qualified_name_list(name);
    if (parts.size() >= 2 && !cat_.find_schema(parts[parts.size() - 2]))
      fail(sqlstate::kInvalidSchemaName,
           "schema \"" + parts[parts.size() - 2] + "\" does not exist", location);
    // PostgreSQL names the relation as it was read (quotes gone, case folded).
    std::string shown;
    for (const auto& part : parts) shown += (shown.empty() ? "" : ".") + part;
    fail(sqlstate::kUndefinedTable, "relation \"" + shown + "\" does not exist", location);
  }
  auto e = make_const(Datum(static_cast<int64_t>(oid)), TypeRef{type_oid::kRegclass, -1});
  e->index = static_cast<int>(oid);
  return e;
}

// 'name' or 'schema.name' as a regproc constant (PostgreSQL's regprocin): the one function of
// that name, a user function or one of pg_type's built-in I/O functions (sql/types/io_procs.h,
// the only built-ins holdfast knows by oid); digits are an oid, "-" InvalidOid.
ExprPtr Binder::regproc_const(const std::string& written, int location) {
  auto constant = [](Oid oid) {
    return make_const(Datum(static_cast<int64_t>(oid)), TypeRef{type_oid::kRegproc, -1});
  };
  if (written == "-") return constant(0);
  if (!written.empty() && written.find_first_not_of("0123456789") == std::string::npos) {
    if (written.size() > 10 || std::stoull(written) > 0xffffffffULL)
      fail(sqlstate::kNumericValueOutOfRange,
           "value \"" + written + "\" is out of range for type oid", location);
    return constant(static_cast<Oid>(std::stoull(written)));
  }
  std::vector<std::string> parts;
  try {
    parts = qualified_name_list(written);
  } catch (const SqlError& e) {  // "invalid name syntax": at the literal, as PostgreSQL's
    fail(e.error().sqlstate.c_str(), e.error().message, location);
  }
  if (parts.empty() || parts.size() > 2)
    fail(sqlstate::kSyntaxError, "improper qualified name (too many dotted names): " + written,
         location);
  const std::string& name = parts.back();
  std::optional<Oid> schema;
  if (parts.size() == 2) {
    if (parts[0] == "pg_catalog")
      schema = 11;
    else if (auto sc = cat_.find_schema(parts[0]))
      schema = sc->oid;
    else
      fail(sqlstate::kInvalidSchemaName, "schema \"" + parts[0] + "\" does not exist", location);
  }
  std::vector<Oid> found;
  if (!schema || *schema == 11)
    if (auto builtin = types::builtin_io_proc_oid(name)) found.push_back(*builtin);
  for (const auto& f : cat_.functions().find(name)) {
    const bool in_scope = schema ? f->namespace_oid == *schema
                                 : std::find(path_.schemas.begin(), path_.schemas.end(),
                                             f->namespace_oid) != path_.schemas.end();
    if (in_scope) found.push_back(f->oid);
  }
  if (found.empty())
    fail(sqlstate::kUndefinedFunction, "function \"" + written + "\" does not exist", location);
  if (found.size() > 1) fail("42725", "more than one function named \"" + written + "\"", location);
  return constant(found.front());
}

namespace {

// int2vector and oidvector are arrays to PostgreSQL's array functions (unnest(indkey)). Only
// where their lower bound of 0 cannot show: holdfast's arrays all start at 1, so
// generate_subscripts, array_lower and array_position keep refusing them.
void vectors_as_arrays(const std::string& name, std::vector<ExprPtr>& args, Binder& b) {
  static const std::set<std::string> kBoundFree = {
      "unnest", "array_length", "cardinality", "array_ndims", "array_to_string", "_pg_expandarray"};
  if (!kBoundFree.count(name)) return;
  for (auto& a : args) {
    const Oid t = a->type.oid;
    if (t != type_oid::kInt2Vector && t != type_oid::kOidVector) continue;
    const TypeRef array{t == type_oid::kInt2Vector ? type_oid::kInt2Array : type_oid::kOidArray,
                        -1};
    a = b.coerce(std::move(a), array, CastContext::kImplicit);
  }
}

}  // namespace

// PostgreSQL's function-style cast (func_get_detail's coercion case): a call of one argument
// that no function takes, named after a built-in type (its pg_type name: int4, float8, text,
// not integer), is the explicit cast to that type when one exists, so float8(i) and int4(x)
// work as they do there; a row is not cast to a string type this way. nullptr otherwise.
ExprPtr Binder::function_style_cast(const std::string& name, const std::string& schema,
                                    std::vector<ExprPtr>& args) {
  if (args.size() != 1 || (!schema.empty() && schema != "pg_catalog")) return nullptr;
  const types::TypeInfo* target = types::find_type_by_name(name);
  if (target == nullptr || name != target->name) return nullptr;
  const Oid from = args[0]->type.oid;
  if (from != type_oid::kUnknown) {
    if (!types::can_cast(from, target->oid, CastContext::kExplicit)) return nullptr;
    const bool row = from == type_oid::kRecord || types::find_composite(from) != nullptr;
    if (row && target->category == 'S') return nullptr;
  }
  return coerce(std::move(args[0]), TypeRef{target->oid, -1}, CastContext::kExplicit);
}

// PostgreSQL binds ORDER BY before GROUP BY, so when both name a column that is ambiguous in
// FROM, the error points at ORDER BY's. This checks ORDER BY's unqualified column references
// (outside subqueries; a bare name that is an output column's is that column) before GROUP BY
// is bound here.
void Binder::check_sort_clause_ambiguity(const PgQuery__SelectStmt* s, const Scope& scope) {
  std::function<void(const PgQuery__Node*)> walk = [&](const PgQuery__Node* n) {
    if (n == nullptr) return;
    switch (n->node_case) {
      case PG_QUERY__NODE__NODE_COLUMN_REF: {
        const auto* c = n->column_ref;
        if (c->n_fields != 1 || c->fields[0]->node_case != PG_QUERY__NODE__NODE_STRING) return;
        const std::string col = str_of(c->fields[0]);
        int found = 0;
        for (const auto& sc : scope.cols)
          if (!sc.hidden && sc.name == col) ++found;
        if (found > 1)
          fail(sqlstate::kAmbiguousColumn, "column reference \"" + col + "\" is ambiguous",
               c->location);
        return;
      }
      case PG_QUERY__NODE__NODE_A_EXPR:
        walk(n->a_expr->lexpr), walk(n->a_expr->rexpr);
        return;
      case PG_QUERY__NODE__NODE_TYPE_CAST:
        walk(n->type_cast->arg);
        return;
      case PG_QUERY__NODE__NODE_FUNC_CALL:
        for (size_t i = 0; i < n->func_call->n_args; ++i) walk(n->func_call->args[i]);
        return;
      default:
        return;
    }
  };
  for (size_t i = 0; i < s->n_sort_clause; ++i) {
    const PgQuery__Node* node = s->sort_clause[i]->sort_by->node;
    if (node->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && node->column_ref->n_fields == 1 &&
        node->column_ref->fields[0]->node_case == PG_QUERY__NODE__NODE_STRING) {
      const std::string name = str_of(node->column_ref->fields[0]);
      bool output = false;
      for (size_t t = 0; t < s->n_target_list && !output; ++t) {
        const auto* rt = s->target_list[t]->res_target;
        if (rt->name != nullptr && *rt->name != '\0') {
          output = name == rt->name;
        } else if (rt->val->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
          const auto* c = rt->val->column_ref;
          const auto* last = c->fields[c->n_fields - 1];
          output = last->node_case == PG_QUERY__NODE__NODE_STRING && name == str_of(last);
        }
      }
      if (output) continue;
    }
    walk(node);
  }
}

ExprPtr Binder::bind_func(const PgQuery__FuncCall* f, const Scope& scope, GroupCtx* g) {
  std::string name = str_of(f->funcname[f->n_funcname - 1]);
  std::string schema = f->n_funcname > 1 ? str_of(f->funcname[0]) : "";
  // Window functions.
  if (f->over != nullptr) {
    if (g == nullptr || !g->allow_windows)
      fail(sqlstate::kGroupingError, "window functions are not allowed here", f->location);
    if (f->agg_distinct)
      fail(sqlstate::kFeatureNotSupported, "DISTINCT is not implemented for window functions",
           f->location);
    if (f->n_agg_order > 0)
      fail(sqlstate::kFeatureNotSupported,
           "aggregate ORDER BY is not implemented for window functions", f->location);
    WindowCall w;
    w.name = name;
    w.star = f->agg_star;
    GroupCtx* inner = g->grouped ? g : nullptr;
    const Scope& s = g->grouped ? scope : *g->input;
    GroupCtx no_window = g ? *g : GroupCtx{};
    no_window.allow_windows = false;
    SrfScope in_window(*this,
                       {"window function calls cannot contain set-returning function calls", true});
    for (size_t i = 0; i < f->n_args; ++i)
      w.args.push_back(bind_expr(f->args[i], s, inner ? &no_window : nullptr));
    // PostgreSQL evaluates these below the window (a ProjectSet under the WindowAgg).
    SrfScope in_definition(
        *this, {"set-returning functions in window definitions are not supported", false});
    for (size_t i = 0; i < f->over->n_partition_clause; ++i)
      w.partition_by.push_back(
          bind_expr(f->over->partition_clause[i], s, inner ? &no_window : nullptr));
    for (size_t i = 0; i < f->over->n_order_clause; ++i) {
      const auto* sb = f->over->order_clause[i]->sort_by;
      SortKey k;
      k.expr = bind_expr(sb->node, s, inner ? &no_window : nullptr);
      set_sort_direction(*sb, k);
      w.order_by.push_back(std::move(k));
    }
    if (name == "row_number" || name == "rank" || name == "dense_rank" || name == "ntile") {
      w.type = TypeRef{type_oid::kInt8, -1};
      if (name == "ntile") w.type = TypeRef{type_oid::kInt4, -1};
    } else if (name == "percent_rank" || name == "cume_dist") {
      w.type = TypeRef{type_oid::kFloat8, -1};
    } else if (name == "lead" || name == "lag" || name == "first_value" || name == "last_value") {
      if (w.args.empty())
        fail(sqlstate::kUndefinedFunction, "function " + name + "() does not exist", f->location);
      for (size_t i = 1; i < w.args.size(); ++i)
        if (i == 1)
          w.args[i] =
              coerce(std::move(w.args[i]), TypeRef{type_oid::kInt4, -1}, CastContext::kImplicit);
      if (w.args.size() > 2)
        w.args[2] = coerce(std::move(w.args[2]), w.args[0]->type, CastContext::kImplicit);
      w.type = w.args[0]->type;
    } else {
      std::vector<Oid> ts;
      for (auto& a : w.args)
        ts.push_back(a->type.oid == type_oid::kUnknown ? type_oid::kText : a->type.oid);
      w.agg = types::resolve_aggregate(name, w.star ? std::vector<Oid>{} : ts);
      if (w.agg == nullptr)
        fail(sqlstate::kUndefinedFunction, "function " + name + " does not exist", f->location);
      w.type = TypeRef{types::aggregate_result_type(*w.agg, ts), -1};
    }
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kWindowRef;
    e->index = static_cast<int>(g->plan->windows.size());
    e->type = w.type;
    g->plan->windows.push_back(std::move(w));
    return e;
  }
  // Aggregates.
  if (kAggregates.count(name) && schema.empty()) {
    if (g == nullptr || !g->grouped)
      fail(sqlstate::kGroupingError, "aggregate functions are not allowed here", f->location);
    AggCall a;
    a.star = f->agg_star;
    a.distinct = f->agg_distinct;
    std::vector<Oid> ts;
    SrfScope in_aggregate(
        *this, {"aggregate function calls cannot contain set-returning function calls", true});
    for (size_t i = 0; i < f->n_args; ++i) {
      auto arg = bind_expr(f->args[i], *g->input, nullptr);
      if (arg->type.oid == type_oid::kUnknown)
        arg = coerce(std::move(arg), TypeRef{type_oid::kText, -1}, CastContext::kImplicit);
      ts.push_back(arg->type.oid);
      a.args.push_back(std::move(arg));
    }
    for (size_t i = 0; i < f->n_agg_order; ++i) {
      const auto* sb = f->agg_order[i]->sort_by;
      SortKey k;
      k.expr = bind_expr(sb->node, *g->input, nullptr);
      if (k.expr->type.oid == type_oid::kUnknown)
        k.expr = coerce(std::move(k.expr), TypeRef{type_oid::kText, -1}, CastContext::kImplicit);
      set_sort_direction(*sb, k);
      // DISTINCT removes duplicates of the arguments, so an order by anything else would be
      // ambiguous among the duplicates.
      if (a.distinct && std::none_of(a.args.begin(), a.args.end(),
                                     [&](const ExprPtr& arg) { return same_expr(*arg, *k.expr); }))
        fail(sqlstate::kInvalidColumnReference,
             "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list",
             k.expr->location);
      a.order_by.push_back(std::move(k));
    }
    if (f->agg_filter) {
      SrfScope in_filter(*this, srf_refused_in("FILTER"));
      a.filter = to_bool(bind_expr(f->agg_filter, *g->input, nullptr), "FILTER");
    }
    a.def = types::resolve_aggregate(name, ts);
    if (a.def == nullptr) fail_no_function(name, ts, f->location);
    for (size_t i = 0; i < a.args.size() && i < a.def->arg_types.size(); ++i)
      if (!keeps_own_type(a.def->arg_types[i]))
        a.args[i] =
            coerce(std::move(a.args[i]), TypeRef{a.def->arg_types[i], -1}, CastContext::kImplicit);
    a.type = TypeRef{types::aggregate_result_type(*a.def, ts), -1};
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kColumn;
    e->index = static_cast<int>(g->plan->group_by.size() + g->plan->aggs.size());
    e->type = a.type;
    g->plan->aggs.push_back(std::move(a));
    return e;
  }
  if (kWindowOnly.count(name))
    fail(sqlstate::kFeatureNotSupported, "window function " + name + " requires an OVER clause",
         f->location);
  if (f->agg_distinct)
    fail(sqlstate::kWrongObjectType,
         "DISTINCT specified, but " + name + " is not an aggregate function", f->location);
  if (f->n_agg_order > 0 && !f->agg_within_group)
    fail(sqlstate::kWrongObjectType,
         "ORDER BY specified, but " + name + " is not an aggregate function", f->location);
  std::vector<ExprPtr> args;
  if (is_builtin_set_function(schema, name)) {
    if (!srf_placement_.refusal.empty())
      fail(sqlstate::kFeatureNotSupported, srf_placement_.refusal, f->location,
           srf_placement_.hint ? kSrfHint : "");
    // Calls nested in the arguments run in a ProjectSet step below this one's.
    for (size_t i = 0; i < f->n_args; ++i) args.push_back(bind_expr(f->args[i], scope, g));
    auto e = bind_set_function(name, std::move(args), f->location);
    if (is_two_column_set_function(name)) {
      // Outside FROM each (key, value) row is one record (PostgreSQL prints it "(k,v)"), of a
      // record type whose fields are named so that (jsonb_each(j)).key selects one.
      e->name = "unnest_pairs";
      e->type = TypeRef{types::composite_types().bless(
                            {{"key", TypeRef{type_oid::kText, -1}}, {"value", e->type}}),
                        -1};
    }
    ++srf_calls_;
    last_srf_location_ = f->location;
    return e;
  }
  std::vector<std::string> arg_names;  // name => value arguments (user functions only)
  args = bind_call_args(f, scope, g, &arg_names);
  if (schema.empty() || schema == "pg_catalog") vectors_as_arrays(name, args, *this);
  if (schema == "holdfast") name = "holdfast." + name;  // the lock service's functions
  if (const SessionFuncSig* sf = find_session_func(name)) {
    if (!session_func_arity_ok(name, args.size())) {
      std::vector<Oid> ts;
      for (auto& a : args) ts.push_back(a->type.oid);
      fail_no_function(name, ts, f->location);
    }
    // The lock service's argument types: (owner text, resources text[], modes text[],
    // wait interval), unlock (owner, resources text[]), renew (owner, ttl interval),
    // fence_ok (resource text, token bigint).
    auto want = [&](size_t i, Oid t) {
      if (i < args.size())
        args[i] = coerce(std::move(args[i]), TypeRef{t, -1}, CastContext::kImplicit);
    };
    if (name == "holdfast.lock" || name == "holdfast.try_lock") {
      want(1, type_oid::kTextArray), want(2, type_oid::kTextArray), want(3, type_oid::kInterval);
    } else if (name == "holdfast.unlock") {
      want(1, type_oid::kTextArray);
    } else if (name == "holdfast.renew") {
      want(1, type_oid::kInterval);
    } else if (name == "holdfast.fence_ok") {
      want(1, type_oid::kInt8);
    } else if (name == "pg_get_viewdef" && !args.empty()) {
      // pg_get_viewdef(text) names the view; pg_get_viewdef(oid) gives its oid.
      if (args[0]->kind == ExprKind::kConst && !args[0]->value.is_null() &&
          (args[0]->type.oid == type_oid::kUnknown || args[0]->type.oid == type_oid::kText ||
           args[0]->type.oid == type_oid::kVarchar || args[0]->type.oid == type_oid::kName))
        args[0] = regclass_const(args[0]->value.as_string(), -1);  // PostgreSQL: at run time
      want(0, type_oid::kOid);
      // (oid, pretty bool) or (oid, wrap column int): any wrap column pretty-prints.
      if (args.size() > 1 && args[1]->type.oid != type_oid::kBool) want(1, type_oid::kInt4);
    } else if (name == "pg_notify") {
      std::vector<Oid> ts;
      for (auto& a : args) ts.push_back(a->type.oid);
      if (args.size() != 2) fail_no_function(name, ts, f->location);
      for (size_t i = 0; i < 2; ++i) {
        if (!types::can_cast(ts[i], type_oid::kText, CastContext::kImplicit))
          fail_no_function(name, ts, f->location);
        want(i, type_oid::kText);
      }
    }
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kSessionFunc;
    e->name = name;
    e->type = TypeRef{sf->result, -1};
    e->location = f->location;
    for (auto& a : args) {
      if (a->type.oid == type_oid::kUnknown)
        a = coerce(std::move(a), TypeRef{type_oid::kText, -1}, CastContext::kImplicit);
      e->arg_types.push_back(a->type);
    }
    const bool sequence_function = name == "nextval" || name == "currval" || name == "setval";
    // A constant name is read as regclass input reads it (nextval('"MySeq"')), as PostgreSQL's
    // implicit text-to-regclass cast does, with its errors at the name.
    if (sequence_function && !args.empty() && args[0]->kind == ExprKind::kConst &&
        !args[0]->value.is_null() && args[0]->type.oid != type_oid::kRegclass) {
      args[0] = regclass_const(std::get<std::string>(args[0]->value.v), args[0]->location);
      e->arg_types[0] = args[0]->type;
    }
    if (sequence_function && !args.empty() && args[0]->kind == ExprKind::kConst &&
        args[0]->type.oid == type_oid::kRegclass) {
      if (!cat_.sequence_by_oid(static_cast<Oid>(args[0]->index))) {
        auto t = cat_.table_by_oid(static_cast<Oid>(args[0]->index));
        fail(sqlstate::kWrongObjectType,
             "\"" + (t ? t->name : std::to_string(args[0]->index)) + "\" is not a sequence",
             f->location);
      }
      e->index = args[0]->index;
    }
    if (name == "pg_sleep" && !args.empty())
      args[0] = coerce(std::move(args[0]), TypeRef{type_oid::kFloat8, -1}, CastContext::kImplicit),
      e->arg_types[0] = args[0]->type;
    e->args = std::move(args);
    return e;
  }
  if (schema != "pg_catalog") {
    if (auto call = bind_user_function(schema, name, args, f->location, arg_names)) {
      // Composite values (a record of several output columns) exist only as FROM items.
      if (call->routine->output_args().size() > 1)
        fail(sqlstate::kFeatureNotSupported,
             "functions returning several columns are supported only in FROM", f->location);
      if (call->routine->returns_set) {
        // In a target list: a set-returning call that ProjectSet runs.
        if (!srf_placement_.refusal.empty())
          fail(sqlstate::kFeatureNotSupported, srf_placement_.refusal, f->location,
               srf_placement_.hint ? kSrfHint : "");
        call->kind = ExprKind::kSrf;
        ++srf_calls_;
        last_srf_location_ = f->location;
      }
      return call;
    }
  }
  std::vector<Oid> ts = arg_oids(args);
  // The call as written (named arguments shown), for PostgreSQL's message when no function
  // matches it.
  std::string written;
  for (size_t i = 0; i < args.size(); ++i)
    written += (i ? ", " : "") +
               (i < arg_names.size() && !arg_names[i].empty() ? arg_names[i] + " => " : "") +
               type_display(args[i]->type);
  auto fail_unmatched = [&] {
    fail(sqlstate::kUndefinedFunction, "function " + name + "(" + written + ") does not exist",
         f->location,
         "No function matches the given name and argument types. You might need to add "
         "explicit type casts.");
  };
  // Built-in functions live in pg_catalog, not in the schemas users create.
  if (!schema.empty() && schema != "pg_catalog" && schema != "public" &&
      schema != "information_schema")
    fail_no_function(name.find('.') == std::string::npos ? schema + "." + name : name, ts,
                     f->location);
  if ((!arg_names.empty() || !types::resolve_function(name, ts)) &&
      place_builtin_args(name, args, arg_names)) {
    arg_names.clear();
    ts = arg_oids(args);
  }
  if (!arg_names.empty()) fail_unmatched();  // no built-in function takes these names
  const types::FunctionDef* def = types::resolve_function(name, ts);
  if (def == nullptr) {
    if (auto cast = function_style_cast(name, schema, args)) return cast;
    fail_unmatched();
  }
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kFunc;
  e->fn = def;
  e->name = name;
  e->location = f->location;
  // anyenum arguments share one enum type: an unknown one (a NULL literal) takes it.
  Oid enum_actual = 0;
  for (size_t i = 0; i < args.size() && i < def->arg_types.size(); ++i)
    if (def->arg_types[i] == types::kAnyEnumOid && args[i]->type.oid != type_oid::kUnknown &&
        enum_actual == 0)
      enum_actual = args[i]->type.oid;
  std::vector<Oid> given;  // the arguments' own types, before coercion
  for (const auto& a : args) given.push_back(a->type.oid);
  for (size_t i = 0; i < args.size(); ++i) {
    Oid want = i < def->arg_types.size() ? def->arg_types[i] : type_oid::kAny;
    if (want == types::kAnyEnumOid && enum_actual != 0 && args[i]->type.oid == type_oid::kUnknown)
      args[i] = coerce(std::move(args[i]), TypeRef{enum_actual, -1}, CastContext::kImplicit);
    else if (args[i]->type.oid == type_oid::kUnknown &&
             (want == types::kAnyElementOid || want == types::kAnyArrayOid))
      // An unknown literal in a polymorphic position takes the type the other arguments fix
      // (array_append(text[], 'x'): text), or text.
      args[i] = coerce(std::move(args[i]),
                       TypeRef{types::resolve_polymorphic(want, def->arg_types, given), -1},
                       CastContext::kImplicit);
    else if (!keeps_own_type(want))
      args[i] = coerce(std::move(args[i]), TypeRef{want, -1}, CastContext::kImplicit);
    else if (args[i]->type.oid == type_oid::kUnknown)
      args[i] = coerce(std::move(args[i]), TypeRef{type_oid::kText, -1}, CastContext::kImplicit);
    e->arg_types.push_back(args[i]->type);
  }
  std::vector<Oid> actual;
  for (auto& t : e->arg_types) actual.push_back(t.oid);
  e->type = TypeRef{types::function_result_type(*def, actual), -1};
  e->args = std::move(args);
  return e;
}

namespace {

// The parameters of the built-in functions whose calls may name their arguments or leave some
// out (PostgreSQL's pg_proc.proargnames and defaults for them).
struct BuiltinParam {
  const char* name;
  Oid default_type = 0;  // 0: no default
  Datum default_value = Datum::Null();
};

const std::vector<BuiltinParam>* builtin_params(const std::string& function) {
  using namespace type_oid;
  static const Datum zero(int64_t{0});
  static const std::map<std::string, std::vector<BuiltinParam>> params = {
      {"make_interval",
       {{"years", kInt4, zero},
        {"months", kInt4, zero},
        {"weeks", kInt4, zero},
        {"days", kInt4, zero},
        {"hours", kInt4, zero},
        {"mins", kInt4, zero},
        {"secs", kFloat8, Datum(0.0)}}},
      {"make_date", {{"year"}, {"month"}, {"day"}}},
      {"make_timestamp", {{"year"}, {"month"}, {"mday"}, {"hour"}, {"min"}, {"sec"}}},
      {"jsonb_set",
       {{"jsonb_in"}, {"path"}, {"replacement"}, {"create_if_missing", kBool, Datum(true)}}},
      {"jsonb_insert",
       {{"jsonb_in"}, {"path"}, {"replacement"}, {"insert_after", kBool, Datum(false)}}},
  };
  auto it = params.find(function);
  return it == params.end() ? nullptr : &it->second;
}

}  // namespace

// A call of a built-in function with named arguments, or with fewer than its parameters:
// the arguments moved to their parameters' places and the defaults of those left out added,
// as PostgreSQL matches a call to a function's declaration. False (nothing changed) when they
// do not fit the function's parameters; the caller then reports that no function matches.
bool place_builtin_args(const std::string& function, std::vector<ExprPtr>& args,
                        const std::vector<std::string>& names) {
  const auto* params = builtin_params(function);
  if (!params || args.size() > params->size()) return false;
  std::vector<int> slot_of(args.size(), -1);
  std::vector<bool> filled(params->size(), false);
  for (size_t i = 0; i < args.size(); ++i) {
    int slot = static_cast<int>(i);  // positional
    if (i < names.size() && !names[i].empty()) {
      slot = -1;
      for (size_t p = 0; p < params->size(); ++p)
        if (names[i] == (*params)[p].name) slot = static_cast<int>(p);
      if (slot < 0 || filled[slot]) return false;
    }
    slot_of[i] = slot;
    filled[slot] = true;
  }
  for (size_t p = 0; p < params->size(); ++p)
    if (!filled[p] && (*params)[p].default_type == 0) return false;
  std::vector<ExprPtr> placed(params->size());
  for (size_t i = 0; i < args.size(); ++i) placed[slot_of[i]] = std::move(args[i]);
  for (size_t p = 0; p < params->size(); ++p)
    if (!placed[p])
      placed[p] = make_const((*params)[p].default_value, TypeRef{(*params)[p].default_type, -1});
  args = std::move(placed);
  return true;
}

void fail_no_function(const std::string& name, const std::vector<Oid>& ts, int location) {
  std::string sig;
  for (size_t i = 0; i < ts.size(); ++i) sig += (i ? ", " : "") + type_display(TypeRef{ts[i], -1});
  fail(sqlstate::kUndefinedFunction, "function " + name + "(" + sig + ") does not exist", location,
       "No function matches the given name and argument types. You might need to add explicit "
       "type casts.");
}

// json[b]_to_recordset(array of objects) AS alias (col type, ...), a FROM item: one row per
// object, each column the object's member of its name converted to its type. The call is a
// kSrf whose first argument is the json[b] and whose further arguments are constants naming
// the columns, each typed as its column (sql/exec/set_functions.cc reads them so).
void Binder::bind_json_to_recordset(const std::string& fname, const PgQuery__FuncCall* fc,
                                    const PgQuery__RangeFunction* rf, SelectPlan& plan,
                                    Scope& scope, Scope& args_scope) {
  if (rf->n_coldeflist == 0)
    fail(sqlstate::kSyntaxError,
         "a column definition list is required for functions returning \"record\"", fc->location);
  if (fc->n_args != 1) {
    std::vector<Oid> ts;
    for (size_t i = 0; i < fc->n_args; ++i) ts.push_back(type_oid::kUnknown);
    fail_no_function(fname, ts, fc->location);
  }
  const TypeRef json_type{fname == "jsonb_to_recordset" ? type_oid::kJsonb : type_oid::kJson, -1};
  ExprPtr arg;
  {
    SrfScope in_from(*this, {"set-returning functions must appear at top level of FROM", false});
    arg = bind_expr(fc->args[0], args_scope, nullptr);
  }
  if (!types::can_cast(arg->type.oid, json_type.oid, CastContext::kImplicit))
    fail_no_function(fname, {arg->type.oid}, fc->location);
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kSrf;
  e->name = "json_to_recordset";
  e->location = fc->location;
  e->type = TypeRef{type_oid::kRecord, -1};
  e->args.push_back(coerce(std::move(arg), json_type, CastContext::kImplicit));
  Source src;
  src.kind = Source::Kind::kFunction;
  src.lateral = true;
  src.offset = static_cast<int>(scope.cols.size());
  const std::string alias = rf->alias ? rf->alias->aliasname : fname;
  src.alias = alias;
  scope.tables.insert(alias);
  for (size_t i = 0; i < rf->n_coldeflist; ++i) {
    const auto* cd = rf->coldeflist[i]->column_def;
    TypeRef t = resolve_type_name(cd->type_name, path_.schemas);
    auto column = make_const(Datum(std::string(cd->colname)), t);
    e->args.push_back(std::move(column));
    scope.cols.push_back({alias, cd->colname, t});
  }
  src.width = static_cast<int>(rf->n_coldeflist);
  src.function = std::move(e);
  plan.sources.push_back(std::move(src));
}

// generate_series(start, stop [, step]) over int4 or int8 (numeric is refused where it runs);
// unnest(array). args are bound; the call's type is the type of the values it returns.

ExprPtr Binder::bind_set_function(const std::string& name, std::vector<ExprPtr> args,
                                  int location) {
  vectors_as_arrays(name, args, *this);
  std::vector<Oid> ts;
  for (auto& a : args) ts.push_back(a->type.oid);
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kSrf;
  e->name = name;
  e->location = location;
  auto datetime = [](Oid t) {
    return t == type_oid::kTimestamp || t == type_oid::kTimestampTz || t == type_oid::kDate ||
           t == type_oid::kInterval;
  };
  const types::FunctionDef* as_array = types::json::set_function_as_array(name);
  if (!as_array) as_array = types::regexp_set_function_as_array(name, args.size());
  if (as_array) {
    // jsonb_array_elements(x) and its kin, regexp_matches and regexp_split_to_table: unnest()
    // over the array a function computes (regexp_matches's rows are text[] themselves).
    if (args.size() != as_array->arg_types.size()) fail_no_function(name, ts, location);
    for (size_t i = 0; i < args.size(); ++i)
      if (!types::can_cast(ts[i], as_array->arg_types[i], CastContext::kImplicit))
        fail_no_function(name, ts, location);
    auto call = std::make_unique<Expr>();
    call->kind = ExprKind::kFunc;
    call->fn = as_array;
    call->name = name;
    call->location = location;
    for (size_t i = 0; i < args.size(); ++i) {
      call->args.push_back(
          coerce(std::move(args[i]), TypeRef{as_array->arg_types[i], -1}, CastContext::kImplicit));
      call->arg_types.push_back(call->args[i]->type);
    }
    call->type = TypeRef{as_array->result, -1};
    args.clear();
    args.push_back(std::move(call));
    e->name = "unnest";
    e->type = TypeRef{
        name == "regexp_matches" ? type_oid::kTextArray : types::array_elem_type(as_array->result),
        -1};
  } else if (name == "regexp_matches" || name == "regexp_split_to_table") {
    fail_no_function(name, ts, location);  // not 2 or 3 arguments
  } else if (name == "pg_listening_channels") {
    // unnest() over the session's list of channels (SessionContext::listening_channels).
    if (!args.empty()) fail_no_function(name, ts, location);
    auto channels = std::make_unique<Expr>();
    channels->kind = ExprKind::kSessionFunc;
    channels->name = name;
    channels->type = TypeRef{type_oid::kTextArray, -1};
    channels->location = location;
    args.push_back(std::move(channels));
    e->name = "unnest";
    e->type = TypeRef{type_oid::kText, -1};
  } else if (name == "pg_partition_ancestors") {
    // unnest() over the relation and the partitioned tables above it (a session function:
    // it reads the catalog).
    if (args.size() != 1 || !types::can_cast(ts[0], type_oid::kRegclass, CastContext::kImplicit))
      fail_no_function(name, ts, location);
    auto chain = std::make_unique<Expr>();
    chain->kind = ExprKind::kSessionFunc;
    chain->name = name;
    chain->type = TypeRef{type_oid::kOidArray, -1};
    chain->location = location;
    // A constant name is read as regclass input reads it.
    if (args[0]->kind == ExprKind::kConst && !args[0]->value.is_null() &&
        (ts[0] == type_oid::kUnknown || ts[0] == type_oid::kText))
      args[0] = regclass_const(std::get<std::string>(args[0]->value.v), args[0]->location);
    chain->args.push_back(
        coerce(std::move(args[0]), TypeRef{type_oid::kRegclass, -1}, CastContext::kImplicit));
    chain->arg_types.push_back(chain->args[0]->type);
    args.clear();
    args.push_back(std::move(chain));
    e->name = "unnest";
    e->type = TypeRef{type_oid::kRegclass, -1};
  } else if (name == "json_populate_recordset" || name == "jsonb_populate_recordset") {
    // (base, from_json): each object of a JSON array as a value of base's row type, each field
    // from the member of its name, converted as json[b]_to_recordset converts (in FROM the
    // fields are the columns: the composite is expanded). base only names the type.
    if (args.size() != 2) fail_no_function(name, ts, location);
    auto ct = types::find_composite(ts[0]);
    if (!ct)
      fail(sqlstate::kDatatypeMismatch, "first argument of " + name + " must be a row type",
           location);
    const Expr* base = args[0].get();
    if (base->kind == ExprKind::kCast && !base->args.empty()) base = base->args[0].get();
    if (base->kind != ExprKind::kConst || !base->value.is_null())
      fail(sqlstate::kFeatureNotSupported,
           name + " with a base value other than NULL is not supported", location);
    const TypeRef json_type{name.rfind("jsonb", 0) == 0 ? type_oid::kJsonb : type_oid::kJson, -1};
    if (!types::can_cast(ts[1], json_type.oid, CastContext::kImplicit))
      fail_no_function(name, ts, location);
    ExprPtr doc = coerce(std::move(args[1]), json_type, CastContext::kImplicit);
    args.clear();
    args.push_back(std::move(doc));
    for (const auto& field : ct->fields) args.push_back(make_const(Datum(field.name), field.type));
    e->name = "json_populate_recordset";
    e->type = TypeRef{ct->oid, -1};
  } else if (name == "generate_series" && std::any_of(ts.begin(), ts.end(), datetime)) {
    // (timestamp, timestamp, interval) when the bounds are timestamps, else with time zone.
    if (args.size() != 3) fail_no_function(name, ts, location);
    const bool plain = (ts[0] == type_oid::kTimestamp || ts[1] == type_oid::kTimestamp) &&
                       (ts[0] == type_oid::kTimestamp || ts[0] == type_oid::kUnknown) &&
                       (ts[1] == type_oid::kTimestamp || ts[1] == type_oid::kUnknown);
    const TypeRef t{plain ? type_oid::kTimestamp : type_oid::kTimestampTz, -1};
    for (int i = 0; i < 2; ++i) {
      if (!types::can_cast(ts[i], t.oid, CastContext::kImplicit))
        fail_no_function(name, ts, location);
      args[i] = coerce(std::move(args[i]), t, CastContext::kImplicit);
    }
    if (!types::can_cast(ts[2], type_oid::kInterval, CastContext::kImplicit))
      fail_no_function(name, ts, location);
    args[2] = coerce(std::move(args[2]), TypeRef{type_oid::kInterval, -1}, CastContext::kImplicit);
    e->type = t;
  } else if (name == "generate_series") {
    if (args.size() < 2 || args.size() > 3) fail_no_function(name, ts, location);
    Oid t = type_oid::kInt4;
    for (auto& a : args)
      if (a->type.oid == type_oid::kInt8 && t == type_oid::kInt4)
        t = type_oid::kInt8;
      else if (a->type.oid == type_oid::kNumeric)
        t = type_oid::kNumeric;
    for (auto& a : args) a = coerce(std::move(a), TypeRef{t, -1}, CastContext::kImplicit);
    e->type = TypeRef{t, -1};
  } else if (name == "_pg_expandarray") {
    // information_schema._pg_expandarray(anyarray): one (x, n) record per element, n its
    // position from 1 (what pgjdbc's getPrimaryKeys and getIndexInfo expand pg_index.indkey
    // with; the executor builds the records, exec/set_functions.cc).
    const Oid elem = args.size() == 1 ? types::array_elem_type(ts[0]) : 0;
    if (elem == 0) fail_no_function("information_schema." + name, ts, location);
    e->type = TypeRef{types::composite_types().bless(
                          {{"x", TypeRef{elem, -1}}, {"n", TypeRef{type_oid::kInt4, -1}}}),
                      -1};
  } else {  // unnest
    if (args.size() != 1) fail_no_function(name, ts, location);
    Oid elem = types::array_elem_type(args[0]->type.oid);
    if (elem == 0) fail_no_function(name, ts, location);
    e->type = TypeRef{elem, -1};
  }
  for (auto& a : args) e->arg_types.push_back(a->type);
  e->args = std::move(args);
  return e;
}

ExprPtr Binder::bind_sublink(const PgQuery__SubLink* s, const Scope& scope, GroupCtx* g) {
  auto plan = bind_select(s->subselect->select_stmt, &scope);
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kSubLink;
  e->location = s->location;
  switch (s->sub_link_type) {
    case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK:
      e->name = "exists";
      e->type = TypeRef{type_oid::kBool, -1};
      break;
    case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK:
      if (plan->visible != 1)
        fail(sqlstate::kSyntaxError, "subquery must return only one column", s->location);
      e->name = "scalar";
      e->type = plan->types[0];
      break;
    case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK: {
      if (plan->visible != 1)
        fail(sqlstate::kSyntaxError, "subquery must return only one column", s->location);
      e->name = "array";
      Oid at = types::array_type_of(plan->types[0].oid);
      if (at == 0)
        fail(sqlstate::kUndefinedObject,
             "could not find array type for data type " + type_display(plan->types[0]),
             s->location);
      e->type = TypeRef{at, -1};
      break;
    }
    case PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK:
    case PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK: {
      if (plan->visible != 1)
        fail(sqlstate::kSyntaxError, "subquery has too many columns", s->location);
      e->name = s->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK ? "any" : "all";
      std::string op = s->n_oper_name ? str_of(s->oper_name[s->n_oper_name - 1]) : "=";
      auto left = bind_expr(s->testexpr, scope, g);
      auto probe = make_const(Datum::Null(), plan->types[0]);
      auto cmp = bind_operator(op, std::move(left), std::move(probe), s->location);
      // cmp->args[0] is the (coerced) left side; args[1] stands for the subquery value.
      e->op = cmp->op;
      e->arg_types = cmp->arg_types;
      e->arg_types.push_back(plan->types[0]);
      e->args.push_back(std::move(cmp->args[0]));
      e->type = TypeRef{type_oid::kBool, -1};
      break;
    }
    default:
      fail(sqlstate::kFeatureNotSupported, "unsupported subquery", s->location);
  }
  e->subquery = std::move(plan);
  return e;
}

ExprPtr Binder::bind_a_expr(const PgQuery__AExpr* a, const Scope& scope, GroupCtx* g) {
  std::string op = a->n_name ? str_of(a->name[a->n_name - 1]) : "";
  switch (a->kind) {
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP: {
      if (a->lexpr && a->lexpr->node_case == PG_QUERY__NODE__NODE_ROW_EXPR && a->rexpr &&
          a->rexpr->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
        const auto* l = a->lexpr->row_expr;
        const auto* r = a->rexpr->row_expr;
        if (l->n_args != r->n_args)
          fail(sqlstate::kSyntaxError, "unequal number of entries in row expressions", a->location);
        auto e = std::make_unique<Expr>();
        e->kind = ExprKind::kRowCompare;
        e->name = op;
        e->type = TypeRef{type_oid::kBool, -1};
        std::vector<ExprPtr> ls, rs;
        for (size_t i = 0; i < l->n_args; ++i) {
          auto le = bind_expr(l->args[i], scope, g);
          auto re = bind_expr(r->args[i], scope, g);
          // resolve the comparison per column to get the common operand types
          auto cmp =
              bind_operator(op == "<>" ? "=" : op, std::move(le), std::move(re), a->location);
          ls.push_back(std::move(cmp->args[0]));
          rs.push_back(std::move(cmp->args[1]));
        }
        for (auto& x : ls) e->arg_types.push_back(x->type), e->args.push_back(std::move(x));
        for (auto& x : rs) e->args.push_back(std::move(x));
        return e;
      }
      ExprPtr l = a->lexpr ? bind_expr(a->lexpr, scope, g) : nullptr;
      ExprPtr r = bind_expr(a->rexpr, scope, g);
      return bind_operator(op, std::move(l), std::move(r), a->location);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR: {  // ~ (or !~) similar_to_escape(pattern)
      ExprPtr l = bind_expr(a->lexpr, scope, g);
      ExprPtr r = bind_expr(a->rexpr, scope, g);
      return bind_operator(op, std::move(l), std::move(r), a->location);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL: {
      ExprPtr l = bind_expr(a->lexpr, scope, g);
      ExprPtr r = bind_expr(a->rexpr, scope, g);
      if (r->type.oid == type_oid::kUnknown && l->type.oid != type_oid::kUnknown)
        r = coerce(std::move(r), TypeRef{types::array_type_of(l->type.oid), -1},
                   CastContext::kImplicit);
      // int2vector and oidvector are arrays in PostgreSQL (attnum = ANY (pg_index.indkey)).
      if (r->type.oid == type_oid::kInt2Vector || r->type.oid == type_oid::kOidVector)
        r = coerce(std::move(r),
                   TypeRef{r->type.oid == type_oid::kInt2Vector ? type_oid::kInt2Array
                                                                : type_oid::kOidArray,
                           -1},
                   CastContext::kImplicit);
      Oid elem = types::array_elem_type(r->type.oid);
      if (elem == 0)
        fail(sqlstate::kWrongObjectType, "op ANY/ALL (array) requires array on right side",
             a->location);
      auto probe = make_const(Datum::Null(), TypeRef{elem, -1});
      auto cmp = bind_operator(op, std::move(l), std::move(probe), a->location);
      // PostgreSQL's make_scalar_array_op: the operator must yield boolean, and the array is
      // coerced to an array of the operator's right input (33.4 = ANY (int[]) compares
      // numerics), so the executor never meets an element of another type.
      if (cmp->type.oid != type_oid::kBool)
        fail(sqlstate::kWrongObjectType, "op ANY/ALL (array) requires operator to yield boolean",
             a->location);
      if (cmp->args[1]->type.oid != elem) {
        Oid array = types::array_type_of(cmp->args[1]->type.oid);
        if (array == 0)
          fail(sqlstate::kFeatureNotSupported,
               "op ANY/ALL (array) over " + type_display(cmp->args[1]->type) + " is not supported",
               a->location);
        r = coerce(std::move(r), TypeRef{array, -1}, CastContext::kImplicit);
      }
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kAnyOp;
      e->op = cmp->op;
      e->arg_types = cmp->arg_types;
      e->negate = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL;
      e->args.push_back(std::move(cmp->args[0]));
      e->args.push_back(std::move(r));
      e->type = TypeRef{type_oid::kBool, -1};
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_IN: {
      ExprPtr l = bind_expr(a->lexpr, scope, g);
      const auto* list = a->rexpr->list;
      std::vector<ExprPtr> items;
      items.push_back(std::move(l));
      for (size_t i = 0; i < list->n_items; ++i)
        items.push_back(bind_expr(list->items[i], scope, g));
      unify(items, "IN");
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kInList;
      e->negate = op == "<>";
      e->type = TypeRef{type_oid::kBool, -1};
      Oid t = items[0]->type.oid;
      e->op = types::resolve_operator("=", t, t);
      if (e->op == nullptr)
        fail(sqlstate::kUndefinedFunction,
             "operator does not exist: " + type_display(items[0]->type) + " = " +
                 type_display(items[0]->type),
             a->location);
      for (auto& i : items) e->arg_types.push_back(i->type), e->args.push_back(std::move(i));
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN: {
      const auto* list = a->rexpr->list;
      bool neg = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN;
      auto lo = bind_operator(neg ? "<" : ">=", bind_expr(a->lexpr, scope, g),
                              bind_expr(list->items[0], scope, g), a->location);
      auto hi = bind_operator(neg ? ">" : "<=", bind_expr(a->lexpr, scope, g),
                              bind_expr(list->items[1], scope, g), a->location);
      auto e = std::make_unique<Expr>();
      e->kind = neg ? ExprKind::kOr : ExprKind::kAnd;
      e->type = TypeRef{type_oid::kBool, -1};
      e->args.push_back(to_bool(std::move(lo), neg ? "OR" : "AND"));
      e->args.push_back(to_bool(std::move(hi), neg ? "OR" : "AND"));
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF: {
      auto cmp = bind_operator("=", bind_expr(a->lexpr, scope, g), bind_expr(a->rexpr, scope, g),
                               a->location);
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kNullIf;
      e->op = cmp->op;
      e->type = cmp->args[0]->type;
      e->arg_types = cmp->arg_types;
      e->args = std::move(cmp->args);
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT: {
      auto cmp = bind_operator("=", bind_expr(a->lexpr, scope, g), bind_expr(a->rexpr, scope, g),
                               a->location);
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kDistinctFrom;
      e->op = cmp->op;
      e->negate = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT;
      e->type = TypeRef{type_oid::kBool, -1};
      e->arg_types = cmp->arg_types;
      e->args = std::move(cmp->args);
      return e;
    }
    default:
      fail(sqlstate::kFeatureNotSupported, "unsupported expression", a->location);
  }
}

ExprPtr Binder::bind_expr(const PgQuery__Node* n, const Scope& scope, GroupCtx* g) {
  runtime::check_stack_depth();
  if (n == nullptr) fail(sqlstate::kSyntaxError, "missing expression");
  if (g != nullptr && g->grouped) {
    if (auto e = bind_grouped(n, scope, g)) return e;
  }
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST:
      return bind_const(n->a_const);
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
      const auto* c = n->column_ref;
      if (c->n_fields && c->fields[c->n_fields - 1]->node_case == PG_QUERY__NODE__NODE_A_STAR)
        fail(sqlstate::kSyntaxError, "row expansion via \"*\" is not supported here", c->location);
      return bind_column_ref(c, scope);
    }
    case PG_QUERY__NODE__NODE_PARAM_REF: {
      int num = n->param_ref->number;
      if (num < 1 || num > 65535)
        fail(sqlstate::kUndefinedParameter, "there is no parameter $" + std::to_string(num),
             n->param_ref->location);
      if (params_.size() < static_cast<size_t>(num)) params_.resize(num, 0);
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kParam;
      e->index = num - 1;
      Oid t = params_[num - 1];
      e->type = TypeRef{t == 0 ? type_oid::kUnknown : t, -1};
      e->location = n->param_ref->location;
      return e;
    }
    case PG_QUERY__NODE__NODE_A_EXPR:
      return bind_a_expr(n->a_expr, scope, g);
    case PG_QUERY__NODE__NODE_BOOL_EXPR: {
      const auto* b = n->bool_expr;
      auto e = std::make_unique<Expr>();
      e->type = TypeRef{type_oid::kBool, -1};
      const char* what = "AND";
      if (b->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR) e->kind = ExprKind::kAnd;
      if (b->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR) e->kind = ExprKind::kOr, what = "OR";
      if (b->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR) e->kind = ExprKind::kNot, what = "NOT";
      for (size_t i = 0; i < b->n_args; ++i)
        e->args.push_back(to_bool(bind_expr(b->args[i], scope, g), what));
      return e;
    }
    case PG_QUERY__NODE__NODE_NULL_TEST: {
      auto e = std::make_unique<Expr>();
      e->kind = n->null_test->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NULL
                    ? ExprKind::kIsNull
                    : ExprKind::kIsNotNull;
      e->type = TypeRef{type_oid::kBool, -1};
      e->args.push_back(bind_expr(n->null_test->arg, scope, g));
      return e;
    }
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: {
      const auto* b = n->boolean_test;
      auto arg = to_bool(bind_expr(b->arg, scope, g), "IS TRUE");
      auto e = std::make_unique<Expr>();
      e->type = TypeRef{type_oid::kBool, -1};
      switch (b->booltesttype) {
        case PG_QUERY__BOOL_TEST_TYPE__IS_TRUE:
          e->kind = ExprKind::kIsTrue;
          break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE:
          e->kind = ExprKind::kIsTrue, e->negate = true;
          break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_FALSE:
          e->kind = ExprKind::kIsFalse;
          break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_FALSE:
          e->kind = ExprKind::kIsFalse, e->negate = true;
          break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_UNKNOWN:
          e->kind = ExprKind::kIsNull;
          break;
        default:
          e->kind = ExprKind::kIsNotNull;
          break;
      }
      e->args.push_back(std::move(arg));
      return e;
    }
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
      const auto* tc = n->type_cast;
      TypeRef t = resolve_type_name(tc->type_name, path_.schemas);
      // A relation's row type: the statement locks the relation as PostgreSQL's type cache
      // opens it, so a cast waits for an uncommitted ALTER and binds what it left (issue 13).
      if (auto ct = types::find_composite(t.oid); ct && !ct->standalone) relations_.insert(t.oid);
      auto arg = bind_expr(tc->arg, scope, g);
      if (t.oid == type_oid::kRegclass && arg->kind == ExprKind::kConst && !arg->value.is_null() &&
          arg->type.oid == type_oid::kUnknown)
        return regclass_const(arg->value.as_string(), arg->location);
      if (t.oid == type_oid::kRegnamespace && arg->kind == ExprKind::kConst &&
          !arg->value.is_null() && arg->type.oid == type_oid::kUnknown) {
        // 'name'::regnamespace: the schema's oid (regnamespacein); digits are an oid, "-" 0.
        const std::string written = arg->value.as_string();
        Oid oid = 0;
        if (written == "-" ||
            (!written.empty() && written.find_first_not_of("0123456789") == std::string::npos))
          oid = written == "-" ? 0 : static_cast<Oid>(std::stoull(written));
        else if (auto parts = qualified_name_list(written); parts.size() != 1)
          fail(sqlstate::kInvalidName, "invalid name syntax", arg->location);
        else if (parts[0] == "pg_catalog")
          oid = 11;
        else if (parts[0] == "information_schema")
          oid = 13000;  // as pg_namespace lists it (exec/system_views.cc)
        else if (auto sc = cat_.find_schema(parts[0]))
          oid = sc->oid;
        else
          fail(sqlstate::kInvalidSchemaName, "schema \"" + parts[0] + "\" does not exist",
               arg->location);
        return make_const(Datum(static_cast<int64_t>(oid)), TypeRef{type_oid::kRegnamespace, -1});
      }
      if (t.oid == type_oid::kRegtype && arg->kind == ExprKind::kConst && !arg->value.is_null() &&
          arg->type.oid == type_oid::kUnknown) {
        // 'name'::regtype: the type that name denotes (as PostgreSQL's regtypein parses it); an
        // oid written as digits is read as one.
        const std::string written = arg->value.as_string();
        if (written == "-")  // InvalidOid, as regtypeout prints it
          return make_const(Datum(int64_t{0}), TypeRef{type_oid::kRegtype, -1});
        if (!written.empty() && written.find_first_not_of("0123456789") != std::string::npos) {
          const PgQuery__Node* node = nullptr;
          auto tree = parse::parse_expression("NULL::" + written, &node);
          if (node == nullptr || node->node_case != PG_QUERY__NODE__NODE_TYPE_CAST)
            fail(sqlstate::kUndefinedObject, "type \"" + written + "\" does not exist",
                 arg->location);
          const auto domain = domain_of_type_name(node->type_cast->type_name, path_.schemas);
          const Oid oid = domain ? domain->oid
                                 : resolve_type_name(node->type_cast->type_name, path_.schemas).oid;
          return make_const(Datum(static_cast<int64_t>(oid)), TypeRef{type_oid::kRegtype, -1});
        }
      }
      if (t.oid == type_oid::kRegproc && arg->kind == ExprKind::kConst && !arg->value.is_null() &&
          arg->type.oid == type_oid::kUnknown)
        return regproc_const(arg->value.as_string(), arg->location);
      // A literal's input error points at the literal (coerce), a failed cast at the cast.
      // (A set-returning call keeps its own: errors about the set point at the call.)
      if (!(arg->kind == ExprKind::kConst && arg->type.oid == type_oid::kUnknown) &&
          arg->kind != ExprKind::kSrf)
        arg->location = tc->location;
      if (auto d = domain_of_type_name(tc->type_name, path_.schemas))
        return domain_check(cat_, d, coerce(std::move(arg), t, CastContext::kExplicit));
      return coerce(std::move(arg), t, CastContext::kExplicit);
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL:
      return bind_func(n->func_call, scope, g);
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kSessionFunc;
      switch (n->sqlvalue_function->op) {
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE:
          e->name = "current_date", e->type = {type_oid::kDate, -1};
          break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N:
          e->name = "now", e->type = {type_oid::kTimestampTz, -1};
          break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N:
          e->name = "localtimestamp", e->type = {type_oid::kTimestamp, -1};
          break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME_N:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME_N:
          e->name = "localtime", e->type = {type_oid::kTime, -1};
          break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG:
          e->name = "current_database", e->type = {type_oid::kName, -1};
          break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA:
          e->name = "current_schema", e->type = {type_oid::kName, -1};
          break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER:  // exec/privileges.h
          e->name = "session_user", e->type = {type_oid::kName, -1};
          break;
        default:
          e->name = "current_user", e->type = {type_oid::kName, -1};
          break;
      }
      return e;
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR: {
      const auto* c = n->case_expr;
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kCase;
      const int srf_mark = srf_calls_;
      std::vector<ExprPtr> results;
      std::vector<ExprPtr> conds;
      for (size_t i = 0; i < c->n_args; ++i) {
        const auto* w = c->args[i]->case_when;
        if (c->arg)
          conds.push_back(bind_operator("=", bind_expr(c->arg, scope, g),
                                        bind_expr(w->expr, scope, g), w->location));
        else
          conds.push_back(to_bool(bind_expr(w->expr, scope, g), "CASE"));
        results.push_back(bind_expr(w->result, scope, g));
      }
      if (c->defresult) results.push_back(bind_expr(c->defresult, scope, g)), e->has_else = true;
      refuse_srfs_since(srf_mark, "CASE");
      unify(results, "CASE");
      e->type = results[0]->type;
      for (size_t i = 0; i < conds.size(); ++i) {
        e->args.push_back(std::move(conds[i]));
        e->args.push_back(std::move(results[i]));
      }
      if (e->has_else) e->args.push_back(std::move(results.back()));
      return e;
    }
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kCoalesce;
      const int srf_mark = srf_calls_;
      for (size_t i = 0; i < n->coalesce_expr->n_args; ++i)
        e->args.push_back(bind_expr(n->coalesce_expr->args[i], scope, g));
      refuse_srfs_since(srf_mark, "COALESCE");
      unify(e->args, "COALESCE");
      e->type = e->args[0]->type;
      return e;
    }
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: {
      auto e = std::make_unique<Expr>();
      bool greatest = n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST;
      e->kind = greatest ? ExprKind::kGreatest : ExprKind::kLeast;
      for (size_t i = 0; i < n->min_max_expr->n_args; ++i)
        e->args.push_back(bind_expr(n->min_max_expr->args[i], scope, g));
      unify(e->args, greatest ? "GREATEST" : "LEAST");
      e->type = e->args[0]->type;
      return e;
    }
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kArray;
      for (size_t i = 0; i < n->a_array_expr->n_elements; ++i)
        e->args.push_back(bind_expr(n->a_array_expr->elements[i], scope, g));
      if (e->args.empty()) {
        e->type = TypeRef{type_oid::kTextArray, -1};
        return e;
      }
      unify(e->args, "ARRAY");
      Oid at = types::array_type_of(e->args[0]->type.oid);
      if (at == 0)
        fail(sqlstate::kUndefinedObject,
             "could not find array type for data type " + type_display(e->args[0]->type));
      e->type = TypeRef{at, -1};
      return e;
    }
    case PG_QUERY__NODE__NODE_SUB_LINK:
      return bind_sublink(n->sub_link, scope, g);
    case PG_QUERY__NODE__NODE_COLLATE_CLAUSE: {
      // Text compares bytewise here, which is what the collations accepted are.
      const auto* c = n->collate_clause;
      std::string name = c->n_collname ? str_of(c->collname[c->n_collname - 1]) : "";
      if (name != "default" && name != "C" && name != "POSIX")
        fail(sqlstate::kFeatureNotSupported, "collation \"" + name + "\" is not supported",
             c->location);
      return bind_expr(c->arg, scope, g);
    }
    case PG_QUERY__NODE__NODE_A_INDIRECTION: {
      // array[index] (one subscript, no slices), jsonb[sub]... and (composite).field.
      const auto* ind = n->a_indirection;
      if (ind->n_indirection >= 1 &&
          std::all_of(
              ind->indirection, ind->indirection + ind->n_indirection,
              [](const PgQuery__Node* i) { return i->node_case == PG_QUERY__NODE__NODE_STRING; })) {
        auto base = bind_expr(ind->arg, scope, g);
        for (size_t i = 0; i < ind->n_indirection; ++i) {
          const int at = base->location;
          base = select_field(std::move(base), str_of(ind->indirection[i]), at);
        }
        return base;
      }
      if (ind->n_indirection >= 1 && ind->indirection[0]->node_case == PG_QUERY__NODE__NODE_A_STAR)
        fail(sqlstate::kFeatureNotSupported, "(composite).* is not supported here");
      if (ind->n_indirection < 1 ||
          !std::all_of(ind->indirection, ind->indirection + ind->n_indirection,
                       [](const PgQuery__Node* i) {
                         return i->node_case == PG_QUERY__NODE__NODE_A_INDICES;
                       }))
        fail(sqlstate::kFeatureNotSupported, "only a single array subscript is supported");
      auto base = bind_expr(ind->arg, scope, g);
      if (base->type.oid == type_oid::kJsonb)
        return bind_jsonb_subscript(std::move(base), ind, scope, g);
      if (ind->n_indirection != 1 || ind->indirection[0]->a_indices->is_slice)
        fail(sqlstate::kFeatureNotSupported, "only a single array subscript is supported");
      return bind_array_subscript(std::move(base), ind, scope, g);
    }
    case PG_QUERY__NODE__NODE_ROW_EXPR: {
      // ROW(a, b) and (a, b, c): an anonymous record until a cast or an assignment types it.
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kRow;
      e->location = n->row_expr->location;
      std::vector<types::CompositeField> fields;  // f1, f2, ... as PostgreSQL names them
      for (size_t i = 0; i < n->row_expr->n_args; ++i) {
        auto a = bind_expr(n->row_expr->args[i], scope, g);
        if (a->type.oid == type_oid::kUnknown)
          a = coerce(std::move(a), TypeRef{type_oid::kText, -1}, CastContext::kImplicit);
        fields.push_back({"f" + std::to_string(i + 1), a->type});
        e->arg_types.push_back(a->type);
        e->args.push_back(std::move(a));
      }
      e->type = TypeRef{types::composite_types().bless(fields), -1};
      return e;
    }
    default:
      fail(sqlstate::kFeatureNotSupported, "unsupported expression");
  }
}

// (x).name: the field of a composite value, 42703 when the type has none, 42809 when x is
// not a composite (PostgreSQL's messages).
ExprPtr Binder::select_field(ExprPtr base, const std::string& name, int location) {
  auto ct = types::find_composite(base->type.oid);
  if (!ct) {
    fail(sqlstate::kWrongObjectType,
         "column notation ." + name + " applied to type " + type_display(base->type) +
             ", which is not a composite type",
         location);
  }
  for (size_t i = 0; i < ct->fields.size(); ++i)
    if (ct->fields[i].name == name) {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kFieldSelect;
      e->index = static_cast<int>(i);
      e->type = ct->fields[i].type;
      e->location = location;
      e->arg_types.push_back(base->type);
      e->args.push_back(std::move(base));
      return e;
    }
  if (ct->anonymous)
    fail(sqlstate::kUndefinedColumn,
         "could not identify column \"" + name + "\" in record data type", location);
  fail(sqlstate::kUndefinedColumn,
       "column \"" + name + "\" not found in data type " + type_display(base->type), location);
}

// jsonb[sub]...: PostgreSQL 14's jsonb subscripting, read-only: each subscript (text or
// integer) is a step of a path, as jsonb_extract_path (#>) takes it.
ExprPtr Binder::bind_jsonb_subscript(ExprPtr base, const PgQuery__AIndirection* ind,
                                     const Scope& scope, GroupCtx* g) {
  std::vector<ExprPtr> args;
  std::vector<Oid> ts = {type_oid::kJsonb};
  args.push_back(std::move(base));
  for (size_t i = 0; i < ind->n_indirection; ++i) {
    const auto* idx = ind->indirection[i]->a_indices;
    if (idx->is_slice)  // at the upper bound, as PostgreSQL
      fail(sqlstate::kDatatypeMismatch, "jsonb subscript does not support slices",
           idx->uidx ? bind_expr(idx->uidx, scope, g)->location : -1);
    auto sub = bind_expr(idx->uidx, scope, g);
    const Oid st = sub->type.oid;
    if (st == type_oid::kInt2 || st == type_oid::kInt4 || st == type_oid::kInt8 ||
        st == type_oid::kUnknown || types::can_cast(st, type_oid::kText, CastContext::kImplicit))
      sub = coerce(std::move(sub), TypeRef{type_oid::kText, -1},
                   st == type_oid::kUnknown ? CastContext::kImplicit : CastContext::kExplicit);
    else
      fail(sqlstate::kDatatypeMismatch,
           "subscript type " + type_display(sub->type) + " is not supported", sub->location,
           "jsonb subscript must be coercible to either integer or text.");
    ts.push_back(type_oid::kText);
    args.push_back(std::move(sub));
  }
  const types::FunctionDef* def = types::resolve_function("jsonb_extract_path", ts);
  if (def == nullptr) fail(sqlstate::kInternalError, "jsonb_extract_path is missing");
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kFunc;
  e->fn = def;
  e->name = "jsonb_extract_path";
  for (auto& a : args) e->arg_types.push_back(a->type);
  e->args = std::move(args);
  e->type = TypeRef{type_oid::kJsonb, -1};
  return e;
}

ExprPtr Binder::bind_array_subscript(ExprPtr arr, const PgQuery__AIndirection* ind,
                                     const Scope& scope, GroupCtx* g) {
  const Oid at = arr->type.oid;
  const Oid elem = at == type_oid::kInt2Vector  ? type_oid::kInt2
                   : at == type_oid::kOidVector ? type_oid::kOid
                                                : types::array_elem_type(at);
  if (elem == 0)
    fail(sqlstate::kDatatypeMismatch, "cannot subscript type " + type_display(arr->type) +
                                          " because it does not support subscripting");
  auto index = coerce(bind_expr(ind->indirection[0]->a_indices->uidx, scope, g),
                      TypeRef{type_oid::kInt4, -1}, CastContext::kImplicit);
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kOp;
  e->op = &types::array_subscript_operator();
  e->name = e->op->name;
  e->arg_types = {arr->type, index->type};
  e->args.push_back(std::move(arr));
  e->args.push_back(std::move(index));
  e->type = TypeRef{elem, -1};
  return e;
}

std::string Binder::target_name(const PgQuery__Node* n) {
  runtime::check_stack_depth();
  if (n == nullptr) return "?column?";
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
      const auto* c = n->column_ref;
      return str_of(c->fields[c->n_fields - 1]);
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL:
      return str_of(n->func_call->funcname[n->func_call->n_funcname - 1]);
    case PG_QUERY__NODE__NODE_A_INDIRECTION: {
      // (x).field is named as the field; a subscripted value as the value.
      const auto* ind = n->a_indirection;
      if (ind->n_indirection > 0 &&
          ind->indirection[ind->n_indirection - 1]->node_case == PG_QUERY__NODE__NODE_STRING)
        return str_of(ind->indirection[ind->n_indirection - 1]);
      return target_name(ind->arg);
    }
    case PG_QUERY__NODE__NODE_ROW_EXPR:
      return "row";
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
      // PostgreSQL's FigureColname: a name that comes from a cast's type (or CASE) is weak, so
      // the outermost cast names x::bit(64)::bigint "int8"; a column's or function's name wins.
      std::function<bool(const PgQuery__Node*)> weak = [&](const PgQuery__Node* a) {
        if (a->node_case == PG_QUERY__NODE__NODE_TYPE_CAST) return weak(a->type_cast->arg);
        return a->node_case == PG_QUERY__NODE__NODE_CASE_EXPR || target_name(a) == "?column?";
      };
      if (!weak(n->type_cast->arg)) return target_name(n->type_cast->arg);
      return type_name_of(n->type_cast->type_name);
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR:
      return "case";
    case PG_QUERY__NODE__NODE_COALESCE_EXPR:
      return "coalesce";
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
      return n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "greatest" : "least";
    case PG_QUERY__NODE__NODE_A_EXPR:
      return n->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF ? "nullif" : "?column?";
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
      return "array";
    case PG_QUERY__NODE__NODE_SUB_LINK:
      if (n->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK) return "exists";
      if (n->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK) return "array";
      if (n->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK) {
        const auto* s = n->sub_link->subselect->select_stmt;
        if (s->n_target_list == 1) {
          const auto* rt = s->target_list[0]->res_target;
          if (rt->name && *rt->name) return rt->name;
          return target_name(rt->val);
        }
      }
      return "?column?";
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
      switch (n->sqlvalue_function->op) {
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE:
          return "current_date";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N:
          return "current_timestamp";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N:
          return "localtimestamp";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER:
          return "current_user";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER:
          return "session_user";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER:
          return "current_user";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_ROLE:
          return "current_role";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG:
          return "current_catalog";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA:
          return "current_schema";
        default:
          return "?column?";
      }
    case PG_QUERY__NODE__NODE_A_CONST:
      if (!n->a_const->isnull && n->a_const->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL)
        return "bool";
      return "?column?";
    default:
      return "?column?";
  }
}

catalog::TablePtr Binder::lookup_table(const PgQuery__RangeVar* rv) {
  std::string schema = rv->schemaname ? rv->schemaname : "";
  auto t = find_relation(schema, rv->relname);
  if (!t) {
    auto v = virtual_table(schema, rv->relname);
    if (v)
      fail(sqlstate::kWrongObjectType,
           "cannot change system relation \"" + std::string(rv->relname) + "\"", rv->location);
    // Named as written: "s.t" when qualified (PostgreSQL's parserOpenTable).
    fail(sqlstate::kUndefinedTable,
         "relation \"" + (schema.empty() ? "" : schema + ".") + rv->relname + "\" does not exist",
         rv->location);
  }
  return t;
}

Scope Binder::table_scope(const catalog::Table& t, const std::string& alias) {
  Scope s;
  s.tables.insert(alias);
  for (size_t i = 0; i < t.columns.size(); ++i)
    s.cols.push_back(
        {alias, t.columns[i].name, t.columns[i].type, t.oid, static_cast<int16_t>(i + 1)});
  if (dml_view_ && dml_view_->view->oid != t.oid) {
    // Writing through a view: the base row's columns go by the view's names; those the view
    // does not show cannot be named (the empty name is no identifier).
    for (auto& c : s.cols) c.name.clear(), c.hidden = true;
    for (size_t i = 0; i < dml_view_->base_of.size(); ++i) {
      const int b = dml_view_->base_of[i];
      if (b < 0 || !s.cols[b].name.empty()) continue;
      s.cols[b].name = dml_view_->view->columns[i].name;
      s.cols[b].hidden = false;
    }
  }
  return s;
}

// TableAccess::index_predicates of t; for a partitioned t, its leaves (TableAccess::leaves),
// each with its own.
void Binder::bind_index_predicates(const catalog::Table& t, TableAccess& acc) {
  if (t.is_partitioned()) {
    for (const auto& part : cat_.partitions_of(t.oid)) {
      if (part->is_partitioned()) {
        bind_index_predicates(*part, acc);  // its leaves join acc.leaves
        continue;
      }
      auto leaf = std::make_shared<TableAccess>();
      bind_index_predicates(*part, *leaf);
      acc.leaves.push_back({part, std::move(leaf)});
    }
  }
  bool partial = false;
  for (const auto& idx : t.indexes) partial |= !idx.predicate.empty();
  if (!partial) return;
  for (const auto& idx : t.indexes)
    acc.index_predicates.push_back(
        idx.predicate.empty() ? nullptr : bind_table_expr(cat_, t, idx.predicate, nullptr));
}

void Binder::add_table_source(SelectPlan& plan, Scope& scope, catalog::TablePtr t,
                              const std::string& alias, const std::string& virt) {
  Source src;
  src.kind = Source::Kind::kTable;
  src.table = t;
  src.virtual_table = virt;
  src.width = static_cast<int>(t->columns.size());
  src.offset = static_cast<int>(scope.cols.size());
  bind_index_predicates(*t, src.access);
  scope.tables.insert(alias);
  for (size_t i = 0; i < t->columns.size(); ++i)
    scope.cols.push_back({alias, t->columns[i].name, t->columns[i].type, virt.empty() ? t->oid : 0,
                          static_cast<int16_t>(virt.empty() ? i + 1 : 0)});
  plan.sources.push_back(std::move(src));
}

// A view's query is bound as PostgreSQL's rewriter expands it: a subquery in FROM under the
// view's name, its output columns named as the view's. It is bound in a scope of its own: no
// enclosing rows, no WITH queries of the reading statement, and the names in it resolve as
// they did where the view was made (a permanent view never sees a session's temporary
// tables). The view's columns were fixed by CREATE VIEW; a base table that gained columns
// since (SELECT * re-expanded) contributes only the first ones, as PostgreSQL's stored
// target list does.
//
// A simple view that is its query level's only FROM item (one base table, only a WHERE, its
// columns some of the table's in the table's order) is pulled up as PostgreSQL's planner pulls
// up such a subquery: the level reads the base table itself, under the view's name and column
// names (the table's other columns cannot be named), and the view's WHERE joins the level's.
// So a locking clause locks the base rows after the level's ORDER BY and LIMIT, as
// PostgreSQL's LockRows does (`SELECT ... FROM ready_jobs LIMIT 1 FOR UPDATE SKIP LOCKED`
// locks one row), and the level's WHERE can pick the table's index.
void Binder::add_view_source(SelectPlan& plan, Scope& scope, const catalog::TablePtr& view,
                             const std::string& alias, const PgQuery__Alias* alias_node,
                             int location, bool sole) {
  runtime::check_stack_depth();
  if (std::find(expanding_views_.begin(), expanding_views_.end(), view->oid) !=
      expanding_views_.end())
    fail("42P17", "infinite recursion detected in rules for relation \"" + view->name + "\"",
         location);
  const PgQuery__Node* query = nullptr;
  auto tree = parse::parse_query(view->view_query, &query);
  std::vector<Cte> saved_ctes;
  saved_ctes.swap(ctes_);
  // A permanent view never reads the session's temporary tables.
  const uint64_t saved_temp_ns = path_.temp_namespace;
  if (view->temp_namespace == 0) path_.temp_namespace = 0;
  // What the view's query reads is the view's dependency, not the reading statement's.
  const std::set<Oid> saved_relations = relations_;
  expanding_views_.push_back(view->oid);
  auto restore = [&] {
    expanding_views_.pop_back();
    path_.temp_namespace = saved_temp_ns;
    ctes_.swap(saved_ctes);
    relations_ = saved_relations;
  };
  std::shared_ptr<SelectPlan> sub;
  try {
    sub = bind_select(query->select_stmt, nullptr);
  } catch (...) {
    restore();
    throw;
  }
  restore();
  const int width = static_cast<int>(view->columns.size());
  if (sub->visible > width) sub->visible = width;
  if (sole && scope.cols.empty() && pull_up_view(plan, scope, view, alias, alias_node, *sub, query))
    return;
  Source src;
  src.kind = Source::Kind::kSubquery;
  src.subquery = sub;
  src.alias = alias;
  src.view = view;
  src.width = sub->visible;
  src.offset = static_cast<int>(scope.cols.size());
  scope.tables.insert(alias);
  for (int i = 0; i < sub->visible; ++i) {
    std::string name = view->columns[i].name;
    if (alias_node && static_cast<size_t>(i) < alias_node->n_colnames)
      name = str_of(alias_node->colnames[i]);
    scope.cols.push_back({alias, name, sub->types[i]});
  }
  plan.sources.push_back(std::move(src));
}

bool Binder::pull_up_view(SelectPlan& plan, Scope& scope, const catalog::TablePtr& view,
                          const std::string& alias, const PgQuery__Alias* alias_node,
                          SelectPlan& sub, const PgQuery__Node* query) {
  const auto* q = query->select_stmt;
  if (q->n_sort_clause || q->n_locking_clause || q->n_distinct_clause || q->n_group_clause ||
      q->having_clause || q->op != PG_QUERY__SET_OPERATION__SETOP_NONE || q->with_clause ||
      q->limit_count || q->limit_offset)
    return false;
  if (sub.grouped || !sub.aggs.empty() || !sub.windows.empty() || !sub.srfs.empty() ||
      sub.distinct || sub.sources.size() != 1 || sub.has_locking_clause ||
      sub.targets.size() != static_cast<size_t>(sub.visible))
    return false;
  Source& base = sub.sources[0];
  if (base.kind != Source::Kind::kTable || !base.virtual_table.empty() || base.lateral ||
      !base.table)
    return false;
  int last = -1;
  for (const auto& e : sub.targets) {
    if (e->kind != ExprKind::kColumn || e->level != 0 || e->index <= last) return false;
    last = e->index;
  }
  Source src = std::move(base);
  src.alias = alias;
  src.view = view;
  src.offset = 0;
  scope.tables.insert(alias);
  for (const auto& c : src.table->columns) {
    ScopeColumn sc{alias, "", c.type};
    sc.hidden = true;
    scope.cols.push_back(std::move(sc));
  }
  for (int i = 0; i < sub.visible; ++i) {
    auto& sc = scope.cols[sub.targets[i]->index];
    sc.name = alias_node && static_cast<size_t>(i) < alias_node->n_colnames
                  ? str_of(alias_node->colnames[i])
                  : view->columns[i].name;
    sc.hidden = false;
    sc.table_oid = view->oid;
    sc.attnum = static_cast<int16_t>(i + 1);
  }
  plan.sources.push_back(std::move(src));
  pulled_up_view_where_ = std::move(sub.where);
  return true;
}

std::shared_ptr<SelectPlan> Binder::bind_view_query(const catalog::TablePtr& view) {
  SelectPlan holder;
  Scope scope;
  add_view_source(holder, scope, view, view->name, nullptr, -1);
  return holder.sources.back().subquery;
}

namespace {

// PostgreSQL's view_query_is_auto_updatable, the checks made on the query's text, in its order.
const char* parse_update_refusal(const PgQuery__SelectStmt* q) {
  if (q->n_distinct_clause) return "Views containing DISTINCT are not automatically updatable.";
  if (q->n_group_clause) return "Views containing GROUP BY are not automatically updatable.";
  if (q->having_clause) return "Views containing HAVING are not automatically updatable.";
  if (q->op != PG_QUERY__SET_OPERATION__SETOP_NONE)
    return "Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.";
  if (q->with_clause) return "Views containing WITH are not automatically updatable.";
  if (q->limit_count || q->limit_offset)
    return "Views containing LIMIT or OFFSET are not automatically updatable.";
  return nullptr;
}

// The same for what binding found.
const char* plan_update_refusal(const SelectPlan& p) {
  if (!p.aggs.empty())
    return "Views that return aggregate functions are not automatically updatable.";
  if (!p.windows.empty())
    return "Views that return window functions are not automatically updatable.";
  if (!p.srfs.empty())
    return "Views that return set-returning functions are not automatically updatable.";
  if (p.sources.size() != 1 ||
      !((p.sources[0].kind == Source::Kind::kTable && p.sources[0].virtual_table.empty()) ||
        p.sources[0].view))
    return "Views that do not select from a single table or view are not automatically "
           "updatable.";
  return nullptr;
}

}  // namespace

void refuse_materialized_target(const catalog::Table& t) {
  if (t.materialized)
    fail(sqlstate::kWrongObjectType, "cannot change materialized view \"" + t.name + "\"");
}

catalog::TablePtr Binder::dml_target(const PgQuery__RangeVar* rv, const std::string& verb,
                                     bool unsupported_clause, const char* refusal,
                                     std::string* alias) {
  auto t = lookup_table(rv);
  refuse_materialized_target(*t);
  *alias = rv->alias ? rv->alias->aliasname : t->name;
  if (!t->is_view()) return t;
  t = enter_dml_view(t, verb);
  if (unsupported_clause) fail(sqlstate::kFeatureNotSupported, refusal);
  return t;
}

catalog::TablePtr Binder::enter_dml_view(const catalog::TablePtr& view, const std::string& verb) {
  const PgQuery__Node* query = nullptr;
  auto tree = parse::parse_query(view->view_query, &query);
  const char* refusal = parse_update_refusal(query->select_stmt);
  auto sub = refusal ? nullptr : bind_view_query(view);
  if (!refusal) refusal = plan_update_refusal(*sub);
  if (refusal) {
    const std::string action = verb == "insert into" ? "INSERT"
                               : verb == "update"    ? "UPDATE"
                                                     : "DELETE";
    const std::string doing = verb == "insert into" ? "inserting into"
                              : verb == "update"    ? "updating"
                                                    : "deleting from";
    Error e;
    e.sqlstate = "55000";
    e.message = "cannot " + verb + " view \"" + view->name + "\"";
    e.detail = refusal;
    e.hint = "To enable " + doing + " the view, provide an INSTEAD OF " + action +
             " trigger or an unconditional ON " + action + " DO INSTEAD rule.";
    throw SqlError(std::move(e));
  }
  const Source& src = sub->sources[0];
  if (src.view)
    fail(sqlstate::kFeatureNotSupported,
         "INSERT, UPDATE or DELETE through a view of a view is not supported");
  DmlView dv;
  dv.view = view;
  for (int i = 0; i < sub->visible; ++i) {
    const auto& e = sub->targets[i];
    dv.base_of.push_back(e->kind == ExprKind::kColumn && e->level == 0 ? e->index : -1);
  }
  dv.where = std::move(sub->where);
  dml_view_ = std::move(dv);
  return src.table;
}

int Binder::target_column(const catalog::Table& t, const std::string& name,
                          const std::string& verb) {
  if (!dml_view_) return t.find_column(name);
  const int c = dml_view_->view->find_column(name);
  if (c < 0) return -1;
  if (dml_view_->base_of[c] < 0) {
    Error e;
    e.sqlstate = sqlstate::kFeatureNotSupported;
    e.message =
        "cannot " + verb + " column \"" + name + "\" of view \"" + dml_view_->view->name + "\"";
    e.detail = "View columns that are not columns of their base relation are not updatable.";
    throw SqlError(std::move(e));
  }
  return dml_view_->base_of[c];
}

// One item of a FROM list (or of UPDATE's FROM / DELETE's USING). The items are cross-joined
// and the executor joins the list's sources left-deep, so a RIGHT or FULL join inside an item
// after the first would null-extend the items before it too (`a, b RIGHT JOIN c` is
// a x (b RIGHT JOIN c), not (a x b) RIGHT JOIN c): refused rather than answered wrongly.
void Binder::bind_from_item(const PgQuery__Node* n, SelectPlan& plan, Scope& scope,
                            const Scope* outer) {
  const size_t before = plan.sources.size();
  bind_from(n, plan, scope, outer);
  if (before == 0) return;
  for (size_t i = before + 1; i < plan.sources.size(); ++i) {
    auto j = plan.sources[i].join;
    if (j == Source::Join::kRight || j == Source::Join::kFull)
      fail(sqlstate::kFeatureNotSupported,
           "a RIGHT or FULL JOIN in a FROM item after the first is not supported");
  }
}

void Binder::bind_from(const PgQuery__Node* n, SelectPlan& plan, Scope& scope, const Scope* outer) {
  runtime::check_stack_depth();
  const bool sole = sole_from_item_;
  sole_from_item_ = false;
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_RANGE_VAR: {
      const auto* rv = n->range_var;
      std::string alias = rv->alias ? rv->alias->aliasname : rv->relname;
      std::string schema = rv->schemaname ? rv->schemaname : "";
      if (schema.empty()) {
        for (auto it = ctes_.rbegin(); it != ctes_.rend(); ++it) {
          if (it->name == rv->relname) {
            Source src;
            src.kind = Source::Kind::kSubquery;
            src.subquery = it->plan;
            src.alias = alias;
            src.is_cte = true;
            if (it->plan->no_returning)
              fail(sqlstate::kFeatureNotSupported,
                   "WITH query \"" + it->name + "\" does not have a RETURNING clause",
                   rv->location);
            src.cte_result = it->plan->dml_cte;
            // Query levels between this reference and the definition: the scopes from this
            // query's enclosing one up to the one the WITH query was bound in.
            for (const Scope* s = outer; s != it->outer; s = s->parent) {
              if (s == nullptr)
                fail(sqlstate::kFeatureNotSupported,
                     "reference to WITH query \"" + it->name + "\" from here is not supported",
                     rv->location);
              ++src.cte_levels_up;
            }
            src.width = it->plan->visible;
            src.offset = static_cast<int>(scope.cols.size());
            scope.tables.insert(alias);
            for (int i = 0; i < src.width; ++i)
              scope.cols.push_back({alias, it->plan->names[i], it->plan->types[i]});
            apply_column_aliases(scope, src.offset, rv->alias);
            plan.sources.push_back(std::move(src));
            return;
          }
        }
      }
      catalog::TablePtr t;
      t = find_relation(schema, rv->relname);
      const size_t first_col = scope.cols.size();
      if (!t) {
        auto v = virtual_table(schema, rv->relname);
        if (v) {
          add_table_source(
              plan, scope, v, alias,
              (schema.empty() ? std::string("pg_catalog") : schema) + "." + rv->relname);
          plan.sources.back().alias = alias;
          apply_column_aliases(scope, first_col, rv->alias);
          return;
        }
      }
      if (!t) t = lookup_table(rv);
      if (t->materialized && !t->populated)
        // (an executor error in PostgreSQL: no position)
        fail("55000", "materialized view \"" + t->name + "\" has not been populated", -1,
             "Use the REFRESH MATERIALIZED VIEW command.");
      if (t->is_view()) {
        add_view_source(plan, scope, t, alias, rv->alias, rv->location, sole);
        apply_column_aliases(scope, first_col, rv->alias);
        return;
      }
      add_table_source(plan, scope, t, alias, "");
      plan.sources.back().alias = alias;
      apply_column_aliases(scope, first_col, rv->alias);
      return;
    }
    case PG_QUERY__NODE__NODE_RANGE_SUBSELECT: {
      const auto* rs = n->range_subselect;
      auto sub = bind_select(rs->subquery->select_stmt, rs->lateral ? &scope : outer);
      std::string alias = rs->alias ? rs->alias->aliasname : "";
      Source src;
      src.kind = Source::Kind::kSubquery;
      src.subquery = sub;
      src.lateral = rs->lateral;
      src.alias = alias;
      src.width = sub->visible;
      src.offset = static_cast<int>(scope.cols.size());
      scope.tables.insert(alias);
      for (int i = 0; i < sub->visible; ++i)
        scope.cols.push_back({alias, sub->names[i], sub->types[i]});
      apply_column_aliases(scope, src.offset, rs->alias);
      plan.sources.push_back(std::move(src));
      return;
    }
    case PG_QUERY__NODE__NODE_RANGE_FUNCTION: {
      const auto* rf = n->range_function;
      if (rf->n_functions != 1) fail(sqlstate::kFeatureNotSupported, "ROWS FROM is not supported");
      const auto* fl = rf->functions[0]->list;
      const auto* fc = fl->items[0];
      if (fc->node_case != PG_QUERY__NODE__NODE_FUNC_CALL)
        fail(sqlstate::kFeatureNotSupported, "unsupported FROM item");
      std::string fname = str_of(fc->func_call->funcname[fc->func_call->n_funcname - 1]);
      Source src;
      src.kind = Source::Kind::kFunction;
      // A function in FROM may read the items before it (PostgreSQL: implicitly LATERAL).
      src.lateral = true;
      Scope args_scope;
      args_scope.parent = &scope;
      // Refused rather than ignored where the ordinality column is not built.
      if (rf->ordinality && (fname == "json_to_recordset" || fname == "jsonb_to_recordset" ||
                             !is_set_function(fname)))
        fail(sqlstate::kFeatureNotSupported, "WITH ORDINALITY on " + fname + " is not supported");
      if (fname == "json_to_recordset" || fname == "jsonb_to_recordset") {
        bind_json_to_recordset(fname, fc->func_call, rf, plan, scope, args_scope);
        return;
      }
      if (!is_set_function(fname)) {
        bind_user_function_source(fc->func_call, rf, plan, scope, args_scope);
        return;
      }
      std::vector<ExprPtr> args;
      {
        SrfScope in_from(*this,
                         {"set-returning functions must appear at top level of FROM", false});
        for (size_t i = 0; i < fc->func_call->n_args; ++i)
          args.push_back(bind_expr(fc->func_call->args[i], args_scope, nullptr));
      }
      src.function = bind_set_function(fname, std::move(args), fc->func_call->location);
      TypeRef col_type = src.function->type;
      src.width = 1;
      src.offset = static_cast<int>(scope.cols.size());
      std::string alias = rf->alias ? rf->alias->aliasname : fname;
      src.alias = alias;
      // WITH ORDINALITY: one more column, the row's number (bigint, from 1), named by the
      // alias list's next name or "ordinality".
      // Then a column list longer than the columns is 42P10, as PostgreSQL.
      auto add_ordinality = [&] {
        if (rf->ordinality) {
          const size_t at = static_cast<size_t>(src.width);
          std::string col = rf->alias && at < rf->alias->n_colnames
                                ? str_of(rf->alias->colnames[at])
                                : std::string("ordinality");
          scope.cols.push_back({alias, col, TypeRef{type_oid::kInt8, -1}});
          src.ordinality = true;
          ++src.width;
        }
        if (rf->alias && rf->alias->n_colnames > static_cast<size_t>(src.width))
          fail("42P10", "table \"" + alias + "\" has " + std::to_string(src.width) +
                            " columns available but " + std::to_string(rf->alias->n_colnames) +
                            " columns specified");
      };
      if (is_two_column_set_function(fname)) {
        // (key text, value json[b] or text): the executor takes the values two at a time.
        src.width = 2;
        const char* names[] = {"key", "value"};
        const TypeRef types[] = {TypeRef{type_oid::kText, -1}, col_type};
        scope.tables.insert(alias);
        for (size_t i = 0; i < 2; ++i) {
          std::string col = rf->alias && i < rf->alias->n_colnames ? str_of(rf->alias->colnames[i])
                                                                   : std::string(names[i]);
          scope.cols.push_back({alias, col, types[i]});
        }
        add_ordinality();
        plan.sources.push_back(std::move(src));
        return;
      }
      if (auto ct = types::find_composite(col_type.oid)) {
        // unnest of a composite array: the composite's fields are the columns.
        src.width = static_cast<int>(ct->fields.size());
        src.expand_composite = true;
        scope.tables.insert(alias);
        for (size_t i = 0; i < ct->fields.size(); ++i) {
          std::string col = rf->alias && i < rf->alias->n_colnames ? str_of(rf->alias->colnames[i])
                                                                   : ct->fields[i].name;
          scope.cols.push_back({alias, col, ct->fields[i].type});
        }
        add_ordinality();
        plan.sources.push_back(std::move(src));
        return;
      }
      std::string col = rf->alias && rf->alias->n_colnames ? str_of(rf->alias->colnames[0]) : alias;
      // json[b]_array_elements[_text] name their column "value" (PostgreSQL's OUT parameter).
      if (!(rf->alias && rf->alias->n_colnames) &&
          fname.find("_array_elements") != std::string::npos &&
          types::json::set_function_as_array(fname) != nullptr)
        col = "value";
      // pg_partition_ancestors's OUT parameter.
      if (!(rf->alias && rf->alias->n_colnames) && fname == "pg_partition_ancestors") col = "relid";
      scope.tables.insert(alias);
      scope.cols.push_back({alias, col, col_type});
      scope.cols.back().whole_row = true;
      add_ordinality();
      plan.sources.push_back(std::move(src));
      return;
    }
    case PG_QUERY__NODE__NODE_JOIN_EXPR: {
      const auto* j = n->join_expr;
      size_t first_left = plan.sources.size();
      bind_from(j->larg, plan, scope, outer);
      size_t first_right = plan.sources.size();
      size_t left_width = scope.cols.size();
      bind_from(j->rarg, plan, scope, outer);
      if (plan.sources.size() != first_right + 1)
        fail(sqlstate::kFeatureNotSupported, "a join on the right side of a join is not supported");
      Source& src = plan.sources.back();
      switch (j->jointype) {
        case PG_QUERY__JOIN_TYPE__JOIN_LEFT:
          src.join = Source::Join::kLeft;
          src.nullable = true;
          break;
        case PG_QUERY__JOIN_TYPE__JOIN_RIGHT:
          src.join = Source::Join::kRight;
          for (size_t k = first_left; k + 1 < plan.sources.size(); ++k)
            plan.sources[k].nullable = true;
          break;
        case PG_QUERY__JOIN_TYPE__JOIN_FULL:
          src.join = Source::Join::kFull;
          src.nullable = true;
          for (size_t k = first_left; k + 1 < plan.sources.size(); ++k)
            plan.sources[k].nullable = true;
          break;
        default:
          src.join = (j->quals || j->n_using_clause || j->is_natural) ? Source::Join::kInner
                                                                      : Source::Join::kCross;
          break;
      }
      Scope join_scope = scope;
      join_scope.parent = outer;
      SrfScope in_join(*this, srf_refused_in("JOIN conditions"));
      if (j->quals) {
        src.on = to_bool(bind_expr(j->quals, join_scope, nullptr), "JOIN/ON");
      } else if (j->n_using_clause) {
        ExprPtr all;
        for (size_t i = 0; i < j->n_using_clause; ++i) {
          std::string col = str_of(j->using_clause[i]);
          int li = -1, ri = -1;
          for (size_t k = 0; k < left_width; ++k)
            if (scope.cols[k].name == col && !scope.cols[k].hidden) li = static_cast<int>(k);
          for (size_t k = left_width; k < scope.cols.size(); ++k)
            if (scope.cols[k].name == col) ri = static_cast<int>(k);
          if (li < 0 || ri < 0)
            fail(sqlstate::kUndefinedColumn, "column \"" + col +
                                                 "\" specified in USING clause does not exist in " +
                                                 (li < 0 ? "left" : "right") + " table");
          auto l = std::make_unique<Expr>();
          l->kind = ExprKind::kColumn, l->index = li, l->type = scope.cols[li].type;
          auto r = std::make_unique<Expr>();
          r->kind = ExprKind::kColumn, r->index = ri, r->type = scope.cols[ri].type;
          auto eq = bind_operator("=", std::move(l), std::move(r), -1);
          // the right copy is hidden from unqualified references (USING merges them)
          scope.cols[ri].hidden = true;
          if (!all) {
            all = std::move(eq);
          } else {
            auto a = std::make_unique<Expr>();
            a->kind = ExprKind::kAnd, a->type = TypeRef{type_oid::kBool, -1};
            a->args.push_back(std::move(all));
            a->args.push_back(std::move(eq));
            all = std::move(a);
          }
        }
        src.on = std::move(all);
      }
      return;
    }
    default:
      fail(sqlstate::kFeatureNotSupported, "unsupported FROM item");
  }
}

// ---- locking clauses (PostgreSQL's transformLockingClause / CheckSelectLocking) ----

const char* lock_clause_name(PgQuery__LockClauseStrength st) {
  switch (st) {
    case PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORKEYSHARE:
      return "FOR KEY SHARE";
    case PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORSHARE:
      return "FOR SHARE";
    case PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORNOKEYUPDATE:
      return "FOR NO KEY UPDATE";
    default:
      return "FOR UPDATE";
  }
}

const char* lock_strength_name(coord::LockStrength st) {
  switch (st) {
    case coord::LockStrength::kKeyShare:
      return "FOR KEY SHARE";
    case coord::LockStrength::kShare:
      return "FOR SHARE";
    case coord::LockStrength::kNoKeyUpdate:
      return "FOR NO KEY UPDATE";
    default:
      return "FOR UPDATE";
  }
}

coord::LockStrength lock_strength_of(PgQuery__LockClauseStrength st) {
  switch (st) {
    case PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORKEYSHARE:
      return coord::LockStrength::kKeyShare;
    case PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORSHARE:
      return coord::LockStrength::kShare;
    case PG_QUERY__LOCK_CLAUSE_STRENGTH__LCS_FORNOKEYUPDATE:
      return coord::LockStrength::kNoKeyUpdate;
    default:
      return coord::LockStrength::kUpdate;
  }
}

coord::WaitPolicy lock_wait_of(PgQuery__LockWaitPolicy w) {
  if (w == PG_QUERY__LOCK_WAIT_POLICY__LockWaitSkip) return coord::WaitPolicy::kSkipLocked;
  if (w == PG_QUERY__LOCK_WAIT_POLICY__LockWaitError) return coord::WaitPolicy::kNoWait;
  return coord::WaitPolicy::kBlock;
}

// NOWAIT wins over SKIP LOCKED, which wins over waiting (PostgreSQL's applyLockingClause).
int wait_rank(coord::WaitPolicy w) {
  return w == coord::WaitPolicy::kNoWait ? 2 : w == coord::WaitPolicy::kSkipLocked ? 1 : 0;
}

// CheckSelectLocking: the query shapes a locking clause cannot apply to, in PostgreSQL's order.
void check_select_locking(const SelectPlan& p, const char* what) {
  auto no = [&](const char* with) {
    fail(sqlstate::kFeatureNotSupported, std::string(what) + " is not allowed with " + with);
  };
  if (p.setop != SetOp::kNone) no("UNION/INTERSECT/EXCEPT");
  if (p.distinct) no("DISTINCT clause");
  if (!p.group_by.empty()) no("GROUP BY clause");
  if (p.having) no("HAVING clause");
  if (!p.aggs.empty()) no("aggregate functions");
  if (!p.windows.empty()) no("window functions");
  if (!p.srfs.empty()) no("set-returning functions in the target list");
}

void lock_source(SelectPlan& p, Source& src, coord::LockStrength st, coord::WaitPolicy w) {
  if (!src.lock || st > src.lock_strength) src.lock_strength = st;
  if (!src.lock || wait_rank(w) > wait_rank(src.lock_wait)) src.lock_wait = w;
  src.lock = true;
  if (!p.lock_rows || st > p.lock_strength) p.lock_strength = st;
  if (!p.lock_rows) p.lock_wait = w;
  p.lock_rows = true;
}

// A clause without OF (or OF naming a subquery): every base table of p, pushed down into
// subqueries in FROM; functions, VALUES and WITH queries are ignored.
void lock_all_sources(SelectPlan& p, coord::LockStrength st, coord::WaitPolicy w,
                      const char* what) {
  check_select_locking(p, what);
  for (auto& src : p.sources) {
    if (src.kind == Source::Kind::kTable && src.virtual_table.empty())
      lock_source(p, src, st, w);
    else if (src.kind == Source::Kind::kSubquery && !src.is_cte && src.subquery)
      lock_all_sources(*src.subquery, st, w, what);
  }
}

void check_nullable_locks(const SelectPlan& p) {
  for (const auto& src : p.sources)
    if (src.lock && src.nullable)
      fail(sqlstate::kFeatureNotSupported, std::string(lock_strength_name(src.lock_strength)) +
                                               " cannot be applied to the nullable side of an "
                                               "outer join");
}

// The locking clauses of one SELECT level.
void bind_locking(const PgQuery__SelectStmt* s, SelectPlan& plan) {
  if (s->n_locking_clause == 0) return;
  plan.has_locking_clause = true;
  for (size_t i = 0; i < s->n_locking_clause; ++i) {
    const auto* lc = s->locking_clause[i]->locking_clause;
    const char* what = lock_clause_name(lc->strength);
    coord::LockStrength st = lock_strength_of(lc->strength);
    coord::WaitPolicy w = lock_wait_of(lc->wait_policy);
    check_select_locking(plan, what);
    if (lc->n_locked_rels == 0) {
      lock_all_sources(plan, st, w, what);
      continue;
    }
    for (size_t r = 0; r < lc->n_locked_rels; ++r) {
      const auto* rv = lc->locked_rels[r]->range_var;
      if ((rv->schemaname && *rv->schemaname) || (rv->catalogname && *rv->catalogname))
        fail(sqlstate::kSyntaxError, std::string(what) + " must specify unqualified relation names",
             rv->location);
      Source* found = nullptr;
      for (auto& src : plan.sources)
        if (src.alias == rv->relname) {
          found = &src;
          break;
        }
      if (!found)
        fail(sqlstate::kUndefinedTable,
             "relation \"" + std::string(rv->relname) + "\" in " + what +
                 " clause not found in FROM clause",
             rv->location);
      switch (found->kind) {
        case Source::Kind::kTable:
          if (found->virtual_table.empty()) lock_source(plan, *found, st, w);
          break;
        case Source::Kind::kSubquery:
          if (found->is_cte)
            fail(sqlstate::kFeatureNotSupported,
                 std::string(what) + " cannot be applied to a WITH query", rv->location);
          lock_all_sources(*found->subquery, st, w, what);
          break;
        case Source::Kind::kFunction:
          fail(sqlstate::kFeatureNotSupported,
               std::string(what) + " cannot be applied to a function", rv->location);
        case Source::Kind::kValues:
          fail(sqlstate::kFeatureNotSupported, std::string(what) + " cannot be applied to VALUES",
               rv->location);
      }
    }
  }
  check_nullable_locks(plan);
}

// WITH: SELECT queries become plans read where referenced; INSERT / UPDATE / DELETE are
// bound as statements of their own that run once, before the main statement.
void Binder::bind_with(const PgQuery__WithClause* w, const Scope* outer) {
  for (size_t i = 0; i < w->n_ctes; ++i) {
    const auto* cte = w->ctes[i]->common_table_expr;
    std::shared_ptr<SelectPlan> p;
    const PgQuery__Node* q = cte->ctequery;
    if (q->node_case == PG_QUERY__NODE__NODE_SELECT_STMT) {
      p = bind_select(q->select_stmt, outer);
    } else if (q->node_case == PG_QUERY__NODE__NODE_INSERT_STMT ||
               q->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT ||
               q->node_case == PG_QUERY__NODE__NODE_DELETE_STMT) {
      BoundStatement dml =
          q->node_case == PG_QUERY__NODE__NODE_INSERT_STMT   ? bind_insert(q->insert_stmt)
          : q->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT ? bind_update(q->update_stmt)
                                                             : bind_delete(q->delete_stmt);
      p = std::make_shared<SelectPlan>();
      p->dml_cte = static_cast<int>(dml_ctes_.size());
      p->no_returning = dml.names.empty();
      p->names = dml.names;
      p->types = dml.types;
      p->origins = dml.origins;
      p->visible = static_cast<int>(dml.names.size());
      dml_ctes_.push_back(std::make_shared<BoundStatement>(std::move(dml)));
    } else if (q->node_case == PG_QUERY__NODE__NODE_MERGE_STMT) {
      fail(sqlstate::kFeatureNotSupported, "MERGE not supported in WITH query", cte->location);
    } else {
      fail(sqlstate::kFeatureNotSupported, "unsupported statement in WITH", cte->location);
    }
    for (size_t k = 0; k < cte->n_aliascolnames && k < p->names.size(); ++k)
      p->names[k] = str_of(cte->aliascolnames[k]);
    ctes_.push_back(Cte{cte->ctename, p, outer});
  }
}

// UPDATE ... FROM / DELETE ... USING: the target table first (its columns at offset 0), then
// the other FROM items; `scope` becomes the joined row's scope.
std::shared_ptr<SelectPlan> Binder::bind_target_join(const catalog::TablePtr& t,
                                                     const std::string& alias, PgQuery__Node** from,
                                                     size_t n, Scope& scope) {
  auto p = std::make_shared<SelectPlan>();
  scope = Scope{};
  add_table_source(*p, scope, t, alias, "");
  p->sources.back().alias = alias;
  for (size_t i = 0; i < n; ++i) bind_from_item(from[i], *p, scope, nullptr);
  p->input_width = static_cast<int>(scope.cols.size());
  return p;
}

// A locking clause anywhere in a set operation's tree (PostgreSQL rejects them all).
void check_setop_locking(const PgQuery__SelectStmt* s) {
  runtime::check_stack_depth();
  if (s == nullptr) return;
  if (s->n_locking_clause > 0)
    fail(sqlstate::kFeatureNotSupported,
         std::string(lock_clause_name(s->locking_clause[0]->locking_clause->strength)) +
             " is not allowed with UNION/INTERSECT/EXCEPT");
  check_setop_locking(s->larg);
  check_setop_locking(s->rarg);
}

std::shared_ptr<SelectPlan> Binder::bind_select(const PgQuery__SelectStmt* s, const Scope* outer) {
  runtime::check_stack_depth();
  // A side that sorts, groups or removes duplicates resolves its literals to text first, as
  // PostgreSQL does (select distinct '2' union select 1 is an error there).
  const bool keep_unknown = std::exchange(keep_unknown_targets_, false) &&
                            s->n_distinct_clause == 0 && s->n_sort_clause == 0 &&
                            s->n_group_clause == 0;
  size_t cte_mark = ctes_.size();
  if (s->with_clause) bind_with(s->with_clause, outer);
  auto plan = std::make_shared<SelectPlan>();
  struct CteGuard {
    std::vector<Cte>& v;
    size_t mark;
    ~CteGuard() { v.resize(mark); }
  } guard{ctes_, cte_mark};
  // This query level counts its own set-returning calls; the enclosing level's come back.
  struct SrfCountGuard {
    int& calls;
    int& location;
    int saved_calls, saved_location;
    ~SrfCountGuard() { calls = saved_calls, location = saved_location; }
  } srf_count_guard{srf_calls_, last_srf_location_, srf_calls_, last_srf_location_};
  srf_calls_ = 0;
  SrfScope srf_default(*this, {"set-returning functions are not allowed here", false});

  if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE &&
      s->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED) {
    plan->setop = s->op == PG_QUERY__SET_OPERATION__SETOP_UNION       ? SetOp::kUnion
                  : s->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT ? SetOp::kIntersect
                                                                      : SetOp::kExcept;
    plan->setop_all = s->all;
    check_setop_locking(s);
    keep_unknown_targets_ = true;
    plan->left = bind_select(s->larg, outer);
    keep_unknown_targets_ = true;
    plan->right = bind_select(s->rarg, outer);
    const char* what = plan->setop == SetOp::kUnion       ? "UNION"
                       : plan->setop == SetOp::kIntersect ? "INTERSECT"
                                                          : "EXCEPT";
    if (plan->left->visible != plan->right->visible)
      fail(sqlstate::kSyntaxError,
           std::string("each ") + what + " query must have the same number of columns");
    plan->names = plan->left->names;
    plan->names.resize(plan->left->visible);
    plan->visible = plan->left->visible;
    for (int i = 0; i < plan->visible; ++i) {
      Oid t;
      try {
        t = types::common_type({plan->left->types[i].oid, plan->right->types[i].oid}, what);
      } catch (SqlError& err) {
        // PostgreSQL points at the right side's column.
        const SelectPlan& r = *plan->right;
        if (err.error().position == 0 && r.setop == SetOp::kNone &&
            static_cast<size_t>(i) < r.targets.size() && r.targets[i]->location >= 0)
          err.error().position = r.targets[i]->location + 1;
        throw;
      }
      // A side's untyped literal takes the common type here, so a bad one is reported at
      // its position, before anything runs.
      for (SelectPlan* side : {plan->left.get(), plan->right.get()})
        if (side->types[i].oid == type_oid::kUnknown && side->setop == SetOp::kNone &&
            static_cast<size_t>(i) < side->targets.size()) {
          side->targets[i] =
              coerce(std::move(side->targets[i]), TypeRef{t, -1}, CastContext::kImplicit);
          side->types[i] = side->targets[i]->type;
        }
      plan->types.push_back(
          TypeRef{t, t == plan->left->types[i].oid ? plan->left->types[i].typmod : -1});
      plan->origins.push_back({0, 0});
    }
    // ORDER BY over a set operation: output column names / positions only.
    Scope out;
    for (int i = 0; i < plan->visible; ++i)
      out.cols.push_back({"", plan->names[i], plan->types[i]});
    for (size_t i = 0; i < s->n_sort_clause; ++i) {
      const auto* sb = s->sort_clause[i]->sort_by;
      SortKey k;
      if (sb->node->node_case == PG_QUERY__NODE__NODE_A_CONST &&
          sb->node->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
        int pos = sb->node->a_const->ival->ival;
        if (pos < 1 || pos > plan->visible)
          fail(sqlstate::kInvalidColumnReference,
               "ORDER BY position " + std::to_string(pos) + " is not in select list",
               sb->node->a_const->location);
        k.expr = std::make_unique<Expr>();
        k.expr->kind = ExprKind::kColumn, k.expr->index = pos - 1,
        k.expr->type = plan->types[pos - 1];
      } else if (sb->node->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
                 sb->node->column_ref->n_fields == 1 &&
                 sb->node->column_ref->fields[0]->node_case == PG_QUERY__NODE__NODE_STRING) {
        // As for a plain SELECT, but every output column is a column of its own: two of one
        // name are ambiguous.
        std::string name = str_of(sb->node->column_ref->fields[0]);
        int pos = -1;
        for (int c = 0; c < plan->visible; ++c) {
          if (plan->names[c] != name) continue;
          if (pos >= 0)
            fail(sqlstate::kAmbiguousColumn, "ORDER BY \"" + name + "\" is ambiguous",
                 sb->node->column_ref->location);
          pos = c;
        }
        k.expr = bind_expr(sb->node, out, nullptr);  // 42703 when no output column has it
      } else {
        k.expr = bind_expr(sb->node, out, nullptr);
        if (k.expr->kind != ExprKind::kColumn || k.expr->level != 0) {
          Error e;
          e.sqlstate = sqlstate::kFeatureNotSupported;
          e.message = "invalid UNION/INTERSECT/EXCEPT ORDER BY clause";
          e.detail = "Only result column names can be used, not expressions or functions.";
          e.hint =
              "Add the expression/function to every SELECT, or move the UNION into a FROM "
              "clause.";
          if (int loc = leftmost_location(*k.expr); loc > 0) e.position = loc + 1;
          throw SqlError(std::move(e));
        }
      }
      set_sort_direction(*sb, k);
      plan->order_by.push_back(std::move(k));
    }
    Scope none;
    none.parent = outer;
    if (s->limit_count)
      plan->limit = coerce(bind_expr(s->limit_count, none, nullptr), {type_oid::kInt8, -1},
                           CastContext::kImplicit);
    if (s->limit_offset)
      plan->offset = coerce(bind_expr(s->limit_offset, none, nullptr), {type_oid::kInt8, -1},
                            CastContext::kImplicit);
    return plan;
  }

  Scope scope;
  scope.parent = outer;
  if (s->n_values_lists > 0) {
    if (s->n_locking_clause > 0)
      fail(sqlstate::kFeatureNotSupported,
           std::string(lock_clause_name(s->locking_clause[0]->locking_clause->strength)) +
               " cannot be applied to VALUES");
    Source src;
    src.kind = Source::Kind::kValues;
    size_t width = 0;
    for (size_t r = 0; r < s->n_values_lists; ++r) {
      const auto* l = s->values_lists[r]->list;
      if (r == 0) width = l->n_items;
      if (l->n_items != width)
        fail(sqlstate::kSyntaxError, "VALUES lists must all be the same length");
      std::vector<ExprPtr> row;
      SrfScope in_values(*this, srf_refused_in("VALUES"));
      for (size_t i = 0; i < l->n_items; ++i) row.push_back(bind_expr(l->items[i], scope, nullptr));
      src.values.push_back(std::move(row));
    }
    for (size_t c = 0; c < width; ++c) {
      std::vector<Oid> ts;
      for (auto& row : src.values) ts.push_back(row[c]->type.oid);
      Oid t = types::common_type(ts, "VALUES");
      for (auto& row : src.values)
        row[c] = coerce(std::move(row[c]), TypeRef{t, -1}, CastContext::kImplicit);
      std::string name = "column" + std::to_string(c + 1);
      plan->names.push_back(name);
      plan->types.push_back(TypeRef{t, -1});
      plan->origins.push_back({0, 0});
      auto col = std::make_unique<Expr>();
      col->kind = ExprKind::kColumn, col->index = static_cast<int>(c), col->type = TypeRef{t, -1};
      plan->targets.push_back(std::move(col));
      scope.cols.push_back({"*VALUES*", name, TypeRef{t, -1}});
    }
    src.width = static_cast<int>(width);
    plan->sources.push_back(std::move(src));
    plan->input_width = static_cast<int>(width);
    plan->visible = static_cast<int>(width);
  } else {
    for (size_t i = 0; i < s->n_from_clause; ++i) {
      sole_from_item_ = s->n_from_clause == 1;
      bind_from_item(s->from_clause[i], *plan, scope, outer);
    }
    ExprPtr view_where = std::move(pulled_up_view_where_);
    plan->input_width = static_cast<int>(scope.cols.size());
    if (s->where_clause) {
      if (contains_aggregate(s->where_clause))
        fail(sqlstate::kGroupingError, "aggregate functions are not allowed in WHERE");
      SrfScope in_where(*this, srf_refused_in("WHERE"));
      plan->where = to_bool(bind_expr(s->where_clause, scope, nullptr), "WHERE");
    }
    conjoin(plan->where, std::move(view_where));

    bool grouped = s->n_group_clause > 0 || s->having_clause != nullptr ||
                   contains_aggregate_list(s->target_list, s->n_target_list) ||
                   contains_aggregate_list(s->sort_clause, s->n_sort_clause);
    plan->grouped = grouped;
    if (s->n_group_clause > 0) check_sort_clause_ambiguity(s, scope);
    // GROUP BY: expressions, output-column positions or output-column names. PostgreSQL
    // evaluates set-returning calls there below the aggregation (a ProjectSet under the Agg).
    std::optional<SrfScope> in_group_by;
    in_group_by.emplace(
        *this, SrfPlacement{"set-returning functions in GROUP BY are not supported", false});
    for (size_t i = 0; i < s->n_group_clause; ++i) {
      const auto* gn = s->group_clause[i];
      if (gn->node_case == PG_QUERY__NODE__NODE_A_CONST &&
          gn->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
        int pos = gn->a_const->ival->ival;
        if (pos < 1 || static_cast<size_t>(pos) > s->n_target_list)
          fail(sqlstate::kInvalidColumnReference,
               "GROUP BY position " + std::to_string(pos) + " is not in select list",
               gn->a_const->location);
        plan->group_by.push_back(
            bind_expr(s->target_list[pos - 1]->res_target->val, scope, nullptr));
        continue;
      }
      if (gn->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && gn->column_ref->n_fields == 1 &&
          gn->column_ref->fields[0]->node_case == PG_QUERY__NODE__NODE_STRING) {
        // A bare name is a column of this level's FROM first, then an output column's name,
        // then an outer column (PostgreSQL's findTargetlistEntrySQL92 for GROUP BY: the
        // opposite of ORDER BY's priority).
        std::string name = str_of(gn->column_ref->fields[0]);
        bool from_column = false;
        for (const auto& sc : scope.cols)
          from_column |= (!sc.hidden && sc.name == name) || (sc.whole_row && sc.table == name);
        ExprPtr output;
        for (size_t t = 0; t < s->n_target_list && !from_column; ++t) {
          const auto* rt = s->target_list[t]->res_target;
          const auto* v = rt->val;
          if (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
              v->column_ref->fields[v->column_ref->n_fields - 1]->node_case ==
                  PG_QUERY__NODE__NODE_A_STAR)
            continue;  // a * names only FROM columns, already preferred
          if (((rt->name && *rt->name) ? std::string(rt->name) : target_name(v)) != name) continue;
          ExprPtr e = bind_expr(v, scope, nullptr);
          if (!output)
            output = std::move(e);
          else if (!same_expr(*output, *e))
            fail(sqlstate::kAmbiguousColumn, "GROUP BY \"" + name + "\" is ambiguous",
                 gn->column_ref->location);
        }
        if (output) {
          plan->group_by.push_back(std::move(output));
          continue;
        }
      }
      plan->group_by.push_back(bind_expr(gn, scope, nullptr));
    }
    in_group_by.reset();
    GroupCtx gctx;
    gctx.plan = plan.get();
    gctx.input = &scope;
    gctx.grouped = grouped;
    gctx.allow_windows = true;
    std::optional<SrfScope> in_targets;
    in_targets.emplace(*this, srf_allowed());
    // Targets.
    for (size_t i = 0; i < s->n_target_list; ++i) {
      const auto* rt = s->target_list[i]->res_target;
      const auto* v = rt->val;
      if (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
          v->column_ref->fields[v->column_ref->n_fields - 1]->node_case ==
              PG_QUERY__NODE__NODE_A_STAR) {
        std::string table = v->column_ref->n_fields > 1
                                ? str_of(v->column_ref->fields[v->column_ref->n_fields - 2])
                                : "";
        if (!table.empty() && !scope.tables.count(table))
          fail_missing_rte(&scope, table, v->column_ref->location);
        if (scope.cols.empty() && table.empty())
          fail(sqlstate::kSyntaxError, "SELECT * with no tables specified is not valid",
               v->column_ref->location);
        for (size_t c = 0; c < scope.cols.size(); ++c) {
          if (scope.cols[c].hidden) continue;
          if (!table.empty() && scope.cols[c].table != table) continue;
          ExprPtr e;
          if (grouped) {
            // bind through the grouping rules by position
            auto col = std::make_unique<Expr>();
            col->kind = ExprKind::kColumn, col->index = static_cast<int>(c),
            col->type = scope.cols[c].type;
            bool ok = false;
            for (size_t gi = 0; gi < plan->group_by.size(); ++gi)
              if (same_expr(*col, *plan->group_by[gi])) {
                col->index = static_cast<int>(gi);
                ok = true;
                break;
              }
            if (!ok)
              fail(sqlstate::kGroupingError,
                   "column \"" + scope.cols[c].table + "." + scope.cols[c].name +
                       "\" must appear in the GROUP BY clause or be used in an aggregate function");
            e = std::move(col);
          } else {
            e = std::make_unique<Expr>();
            e->kind = ExprKind::kColumn, e->index = static_cast<int>(c),
            e->type = scope.cols[c].type;
          }
          plan->targets.push_back(std::move(e));
          plan->names.push_back(scope.cols[c].name);
          plan->types.push_back(scope.cols[c].type);
          plan->origins.push_back({scope.cols[c].table_oid, scope.cols[c].attnum});
        }
        continue;
      }
      auto e = bind_expr(v, scope, &gctx);
      if (e->type.oid == type_oid::kUnknown && !keep_unknown)
        e = coerce(std::move(e), TypeRef{type_oid::kText, -1}, CastContext::kImplicit);
      plan->names.push_back((rt->name && *rt->name) ? rt->name : target_name(v));
      plan->types.push_back(e->type);
      std::pair<Oid, int16_t> origin{0, 0};
      if (e->kind == ExprKind::kColumn && e->level == 0 && !grouped &&
          static_cast<size_t>(e->index) < scope.cols.size())
        origin = {scope.cols[e->index].table_oid, scope.cols[e->index].attnum};
      plan->origins.push_back(origin);
      plan->targets.push_back(std::move(e));
    }
    plan->visible = static_cast<int>(plan->targets.size());
    if (s->having_clause) {
      SrfScope in_having(*this, srf_refused_in("HAVING"));
      plan->having = to_bool(bind_expr(s->having_clause, scope, &gctx), "HAVING");
    }
    // DISTINCT
    if (s->n_distinct_clause > 0) {
      plan->distinct = true;  // DISTINCT ON is treated as DISTINCT (approximation)
    }
    // ORDER BY: output name, position, or expression over the input (added as resjunk).
    for (size_t i = 0; i < s->n_sort_clause; ++i) {
      const auto* sb = s->sort_clause[i]->sort_by;
      SortKey k;
      const auto* node = sb->node;
      int pos = -1;
      if (node->node_case == PG_QUERY__NODE__NODE_A_CONST &&
          node->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
        pos = node->a_const->ival->ival;
        if (pos < 1 || pos > plan->visible)
          fail(sqlstate::kInvalidColumnReference,
               "ORDER BY position " + std::to_string(pos) + " is not in select list",
               node->a_const->location);
        pos -= 1;
      } else if (node->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
                 node->column_ref->n_fields == 1 &&
                 node->column_ref->fields[0]->node_case == PG_QUERY__NODE__NODE_STRING) {
        // A bare name is an output column's name first (SQL92's rule, PostgreSQL's
        // findTargetlistEntrySQL92), whatever the input has; two output columns of that name
        // that are not the same expression make it ambiguous. Else it is an input column.
        std::string name = str_of(node->column_ref->fields[0]);
        for (int t = 0; t < plan->visible; ++t) {
          if (plan->names[t] != name) continue;
          if (pos < 0)
            pos = t;
          else if (!same_expr(*plan->targets[pos], *plan->targets[t]))
            fail(sqlstate::kAmbiguousColumn, "ORDER BY \"" + name + "\" is ambiguous",
                 node->column_ref->location);
        }
      }
      if (pos >= 0) {
        k.expr = std::make_unique<Expr>();
        k.expr->kind = ExprKind::kColumn, k.expr->index = pos, k.expr->type = plan->types[pos];
      } else {
        auto e = bind_expr(node, scope, &gctx);
        int idx = -1;
        for (int t = 0; t < static_cast<int>(plan->targets.size()); ++t)
          if (same_expr(*plan->targets[t], *e)) idx = t;
        if (idx < 0) {
          if (plan->distinct)
            fail(sqlstate::kInvalidColumnReference,
                 "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
          idx = static_cast<int>(plan->targets.size());
          plan->types.push_back(e->type);
          plan->names.push_back("?resjunk?");
          plan->origins.push_back({0, 0});
          plan->targets.push_back(std::move(e));
        }
        k.expr = std::make_unique<Expr>();
        k.expr->kind = ExprKind::kColumn, k.expr->index = idx, k.expr->type = plan->types[idx];
      }
      set_sort_direction(*sb, k);
      plan->order_by.push_back(std::move(k));
    }
    in_targets.reset();
    collect_srfs(*plan);
    bind_locking(s, *plan);
  }
  Scope none;
  none.parent = outer;
  if (s->limit_count) {
    SrfScope in_limit(*this, srf_refused_in("LIMIT"));
    plan->limit = coerce(bind_expr(s->limit_count, none, nullptr), {type_oid::kInt8, -1},
                         CastContext::kImplicit);
  }
  if (s->limit_offset) {
    SrfScope in_offset(*this, srf_refused_in("OFFSET"));
    plan->offset = coerce(bind_expr(s->limit_offset, none, nullptr), {type_oid::kInt8, -1},
                          CastContext::kImplicit);
  }
  return plan;
}

// Gathers the set-returning calls of plan's target list into plan.srfs (the ProjectSet
// steps), numbering them, each with its step: 0, or one more than the deepest call in its
// arguments. Returns the deepest step of e's calls (-1: none).
void Binder::collect_srfs(SelectPlan& plan) {
  std::function<int(Expr&)> walk = [&](Expr& e) {
    runtime::check_stack_depth();
    if (e.kind == ExprKind::kSubLink) return -1;
    int deepest = -1;
    for (auto& a : e.args) deepest = std::max(deepest, walk(*a));
    if (e.kind != ExprKind::kSrf) return deepest;
    e.index = static_cast<int>(plan.srfs.size());
    plan.srfs.push_back(&e);
    plan.srf_steps.push_back(deepest + 1);
    return deepest + 1;
  };
  for (auto& t : plan.targets) walk(*t);
}

std::vector<ExprPtr> Binder::bind_returning(PgQuery__Node** list, size_t n, const Scope& scope,
                                            BoundStatement& out) {
  SrfScope in_returning(*this, srf_refused_in("RETURNING"));
  std::vector<ExprPtr> res;
  for (size_t i = 0; i < n; ++i) {
    const auto* rt = list[i]->res_target;
    const auto* v = rt->val;
    if (v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
        v->column_ref->fields[v->column_ref->n_fields - 1]->node_case ==
            PG_QUERY__NODE__NODE_A_STAR) {
      if (dml_view_) {
        // The view's columns, in its order, as the view computes them from the base row
        // (its query bound again: each use owns its expressions).
        auto again = bind_view_query(dml_view_->view);
        for (int c = 0; c < again->visible; ++c) {
          out.names.push_back(dml_view_->view->columns[c].name);
          out.types.push_back(again->targets[c]->type);
          out.origins.push_back({dml_view_->view->oid, static_cast<int16_t>(c + 1)});
          res.push_back(std::move(again->targets[c]));
        }
        continue;
      }
      // t.* is t's columns alone (UPDATE ... FROM / DELETE ... USING have other items in
      // scope); * is every item's.
      std::string table = v->column_ref->n_fields > 1
                              ? str_of(v->column_ref->fields[v->column_ref->n_fields - 2])
                              : "";
      if (!table.empty() && !scope.tables.count(table))
        fail_missing_rte(&scope, table, v->column_ref->location);
      for (size_t c = 0; c < scope.cols.size(); ++c) {
        if (!table.empty() && scope.cols[c].table != table) continue;
        auto e = std::make_unique<Expr>();
        e->kind = ExprKind::kColumn, e->index = static_cast<int>(c), e->type = scope.cols[c].type;
        out.names.push_back(scope.cols[c].name);
        out.types.push_back(scope.cols[c].type);
        out.origins.push_back({scope.cols[c].table_oid, scope.cols[c].attnum});
        res.push_back(std::move(e));
      }
      continue;
    }
    auto e = bind_expr(v, scope, nullptr);
    if (e->type.oid == type_oid::kUnknown)
      e = coerce(std::move(e), TypeRef{type_oid::kText, -1}, CastContext::kImplicit);
    out.names.push_back((rt->name && *rt->name) ? rt->name : target_name(v));
    out.types.push_back(e->type);
    std::pair<Oid, int16_t> origin{0, 0};
    if (e->kind == ExprKind::kColumn && e->level == 0)
      origin = {scope.cols[e->index].table_oid, scope.cols[e->index].attnum};
    out.origins.push_back(origin);
    res.push_back(std::move(e));
  }
  return res;
}

void Binder::checks_of(const catalog::Table& t, std::vector<ExprPtr>& out) {
  for (const auto& c : t.checks) out.push_back(bind_table_expr(cat_, t, c.expr, nullptr));
}

std::vector<int> Binder::insert_columns(const catalog::Table& t, PgQuery__Node** cols, size_t n) {
  std::vector<int> columns;
  if (n == 0) {
    if (dml_view_) {
      for (size_t i = 0; i < dml_view_->base_of.size(); ++i)
        columns.push_back(target_column(t, dml_view_->view->columns[i].name, "insert into"));
    } else {
      for (size_t i = 0; i < t.columns.size(); ++i) columns.push_back(static_cast<int>(i));
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      const auto* rt = cols[i]->res_target;
      int c = target_column(t, rt->name, "insert into");
      if (c < 0)
        fail(sqlstate::kUndefinedColumn,
             "column \"" + std::string(rt->name) + "\" of relation \"" + target_display(t) +
                 "\" does not exist",
             rt->location);
      if (std::find(columns.begin(), columns.end(), c) != columns.end())
        fail(sqlstate::kDuplicateColumn,
             "column \"" + std::string(rt->name) + "\" specified more than once", rt->location);
      columns.push_back(c);
    }
  }
  return columns;
}

BoundStatement Binder::bind_insert(const PgQuery__InsertStmt* s) {
  BoundStatement out;
  out.kind = BoundStatement::Kind::kInsert;
  out.tag = "INSERT";
  auto plan = std::make_shared<InsertPlan>();
  std::string alias;
  plan->table = dml_target(s->relation, "insert into", s->on_conflict_clause,
                           "INSERT ... ON CONFLICT on a view is not supported", &alias);
  const auto& t = *plan->table;
  plan->columns = insert_columns(t, s->cols, s->n_cols);
  Scope empty;
  if (s->select_stmt) {
    const auto* sel = s->select_stmt->select_stmt;
    bool simple_values = sel->n_values_lists > 0 && sel->n_sort_clause == 0 && !sel->limit_count &&
                         !sel->with_clause;
    if (simple_values) {
      // A single VALUES row is PostgreSQL's target list: set-returning calls may sit there.
      const bool one_row = sel->n_values_lists == 1;
      SrfScope in_values(*this, one_row ? srf_allowed() : srf_refused_in("VALUES"));
      const int srf_mark = srf_calls_;
      for (size_t r = 0; r < sel->n_values_lists; ++r) {
        const auto* l = sel->values_lists[r]->list;
        if (s->n_cols == 0 && r == 0 && l->n_items < plan->columns.size())
          plan->columns.resize(l->n_items);
        if (l->n_items > plan->columns.size())
          fail(sqlstate::kSyntaxError, "INSERT has more expressions than target columns");
        if (l->n_items < plan->columns.size())
          fail(sqlstate::kSyntaxError, "INSERT has more target columns than expressions");
        std::vector<ExprPtr> row;
        for (size_t i = 0; i < l->n_items; ++i) {
          if (l->items[i]->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT) {
            row.push_back(nullptr);
            continue;
          }
          const auto& col = t.columns[plan->columns[i]];
          row.push_back(coerce(bind_expr(l->items[i], empty, nullptr), col.type,
                               CastContext::kAssignment, col.name));
        }
        plan->rows.push_back(std::move(row));
      }
      if (srf_calls_ != srf_mark) {
        // INSERT ... SELECT of that row, run through the ProjectSet step.
        auto sp = std::make_shared<SelectPlan>();
        for (auto& e : plan->rows[0]) {
          if (!e)
            fail(sqlstate::kFeatureNotSupported,
                 "DEFAULT beside a set-returning function in INSERT ... VALUES is not supported");
          sp->names.push_back("?column?");
          sp->types.push_back(e->type);
          sp->origins.push_back({0, 0});
          sp->targets.push_back(std::move(e));
        }
        sp->visible = static_cast<int>(sp->targets.size());
        collect_srfs(*sp);
        plan->rows.clear();
        plan->select = std::move(sp);
      }
    } else {
      plan->select = bind_select(sel, nullptr);
      if (static_cast<size_t>(plan->select->visible) > plan->columns.size())
        fail(sqlstate::kSyntaxError, "INSERT has more expressions than target columns");
      plan->columns.resize(plan->select->visible);
      for (int i = 0; i < plan->select->visible; ++i) {
        const auto& col = t.columns[plan->columns[i]];
        if (plan->select->types[i].oid != col.type.oid &&
            !types::can_cast(plan->select->types[i].oid, col.type.oid, CastContext::kAssignment))
          fail(sqlstate::kDatatypeMismatch,
               "column \"" + col.name + "\" is of type " + type_display(col.type) +
                   " but expression is of type " + type_display(plan->select->types[i]),
               -1, "You will need to rewrite or cast the expression.");
      }
    }
  } else {
    plan->rows.emplace_back();  // DEFAULT VALUES
    plan->columns.clear();
  }
  for (const auto& c : t.columns) {
    const std::string def = catalog::column_default(c);
    plan->defaults.push_back(def.empty() ? nullptr : bind_table_expr(cat_, t, def, &c.type));
  }
  checks_of(t, plan->checks);
  add_check_option(plan->checks, plan->check_option_view);
  Scope row = table_scope(t, alias);
  if (s->on_conflict_clause) {
    const auto* oc = s->on_conflict_clause;
    auto& ca = plan->conflict;
    ca.present = true;
    ca.do_update = oc->action == PG_QUERY__ON_CONFLICT_ACTION__ONCONFLICT_UPDATE;
    if (oc->infer && oc->infer->conname && *oc->infer->conname) {
      // ON CONSTRAINT name: the index of the primary key or UNIQUE constraint of that name.
      // A unique index made by CREATE UNIQUE INDEX is no constraint (PostgreSQL looks the
      // name up in pg_constraint), and a CHECK or FOREIGN KEY constraint has no index.
      const std::string name = oc->infer->conname;
      if (!t.primary_key.empty() && t.pkey_name == name) ca.index_pos = -1;
      for (size_t i = 0; i < t.indexes.size() && ca.index_pos == -2; ++i)
        if (t.indexes[i].constraint && t.indexes[i].name == name)
          ca.index_pos = static_cast<int>(i);
      if (ca.index_pos == -2) {
        bool indexless = false;
        for (const auto& c : t.checks) indexless |= c.name == name;
        for (const auto& fk : t.foreign_keys) indexless |= fk.name == name;
        if (indexless)
          fail(sqlstate::kWrongObjectType,
               "constraint in ON CONFLICT clause has no associated index");
        fail(sqlstate::kUndefinedObject,
             "constraint \"" + name + "\" for table \"" + t.name + "\" does not exist");
      }
    } else if (oc->infer) {
      // Inference elements: columns, or expressions matched with an expression index's
      // key by their deparsed text (-1 in target_columns, the text in target_exprs).
      std::vector<std::string> target_exprs;
      for (size_t i = 0; i < oc->infer->n_index_elems; ++i) {
        const auto* ie = oc->infer->index_elems[i]->index_elem;
        if (!ie->name || !*ie->name) {
          bind_expr(ie->expr, row, nullptr);  // names must resolve (42703 otherwise)
          ca.target_columns.push_back(-1);
          target_exprs.push_back(parse::deparse_expr(ie->expr));
          continue;
        }
        int c = t.find_column(ie->name);
        if (c < 0)
          fail(sqlstate::kUndefinedColumn,
               "column \"" + std::string(ie->name) + "\" does not exist");
        ca.target_columns.push_back(c);
      }
      auto same_set = [&](const std::vector<int>& cols, const std::vector<std::string>& exprs) {
        if (cols.size() != ca.target_columns.size()) return false;
        for (int c : cols)
          if (c >= 0 && std::find(ca.target_columns.begin(), ca.target_columns.end(), c) ==
                            ca.target_columns.end())
            return false;
        std::vector<std::string> a = exprs, b = target_exprs;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        return a == b;
      };
      // ON CONFLICT (...) WHERE p: p is bound over the row (names must resolve) but, as in
      // PostgreSQL, need not be boolean: it only has to imply a partial index's predicate.
      std::vector<const Expr*> where_conjuncts;
      ExprPtr infer_where;
      if (oc->infer->where_clause) {
        infer_where = bind_expr(oc->infer->where_clause, row, nullptr);
        conjuncts(infer_where.get(), where_conjuncts);
      }
      if (!t.primary_key.empty() && same_set(t.primary_key, {})) ca.index_pos = -1;
      for (size_t i = 0; i < t.indexes.size() && ca.index_pos == -2; ++i)
        if (t.indexes[i].unique && t.indexes[i].predicate.empty() &&
            same_set(t.indexes[i].columns, t.indexes[i].exprs))
          ca.index_pos = static_cast<int>(i);
      // A partial unique index only when the WHERE implies its predicate (never without
      // one). PostgreSQL takes every matching index as an arbiter; one arbiter is kept here,
      // an index without a predicate first: its conflicts include the partial one's.
      for (size_t i = 0; i < t.indexes.size() && ca.index_pos == -2 && infer_where; ++i)
        if (t.indexes[i].unique && !t.indexes[i].predicate.empty() &&
            same_set(t.indexes[i].columns, t.indexes[i].exprs) &&
            implies_predicate(where_conjuncts, 0,
                              *bind_table_expr(cat_, t, t.indexes[i].predicate, nullptr)))
          ca.index_pos = static_cast<int>(i);
      if (ca.index_pos == -2)
        fail(sqlstate::kInvalidColumnReference,
             "there is no unique or exclusion constraint matching the ON CONFLICT specification");
    } else if (ca.do_update) {
      fail(sqlstate::kSyntaxError,
           "ON CONFLICT DO UPDATE requires inference specification or constraint name", -1,
           "For example, ON CONFLICT (column_name).");
    }
    if (ca.do_update) {
      Scope both = row;
      both.tables.insert("excluded");
      for (size_t i = 0; i < t.columns.size(); ++i)
        both.cols.push_back(
            {"excluded", t.columns[i].name, t.columns[i].type, t.oid, static_cast<int16_t>(i + 1)});
      // unqualified names resolve to the target table (excluded.* must be qualified)
      for (size_t i = t.columns.size(); i < both.cols.size(); ++i) both.cols[i].hidden = true;
      for (size_t i = 0; i < oc->n_target_list; ++i) {
        const auto* rt = oc->target_list[i]->res_target;
        if (rt->val && rt->val->node_case == PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF) {
          const auto* mar = rt->val->multi_assign_ref;
          int c = t.find_column(rt->name);
          if (c < 0)
            fail(sqlstate::kUndefinedColumn, "column \"" + std::string(rt->name) +
                                                 "\" of relation \"" + t.name +
                                                 "\" does not exist");
          const PgQuery__Node* src = mar->source;
          const PgQuery__Node* item = nullptr;
          if (src->node_case == PG_QUERY__NODE__NODE_ROW_EXPR)
            item = src->row_expr->args[mar->colno - 1];
          else
            fail(sqlstate::kFeatureNotSupported, "unsupported multi-column assignment");
          ca.sets.emplace_back(c, coerce(bind_expr_in(item, both, "UPDATE"), t.columns[c].type,
                                         CastContext::kAssignment, t.columns[c].name));
          continue;
        }
        int c = t.find_column(rt->name);
        if (c < 0)
          fail(sqlstate::kUndefinedColumn,
               "column \"" + std::string(rt->name) + "\" of relation \"" + t.name +
                   "\" does not exist",
               rt->location);
        ca.sets.emplace_back(c, coerce(bind_expr_in(rt->val, both, "UPDATE"), t.columns[c].type,
                                       CastContext::kAssignment, t.columns[c].name));
      }
      if (oc->where_clause)
        ca.where = to_bool(bind_expr_in(oc->where_clause, both, "WHERE"), "WHERE");
    }
  }
  plan->returning = bind_returning(s->returning_list, s->n_returning_list, row, out);
  out.insert = plan;
  return out;
}

bool Binder::bind_set_list(const catalog::Table& t, PgQuery__Node** list, size_t n,
                           const Scope& row, std::vector<std::pair<int, ExprPtr>>& sets) {
  bool key_change = false;
  for (size_t i = 0; i < n; ++i) {
    const auto* rt = list[i]->res_target;
    int c = target_column(t, rt->name, "update");
    if (c < 0)
      fail(sqlstate::kUndefinedColumn,
           "column \"" + std::string(rt->name) + "\" of relation \"" + target_display(t) +
               "\" does not exist",
           rt->location);
    const PgQuery__Node* v = rt->val;
    if (v->node_case == PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF) {
      const auto* mar = v->multi_assign_ref;
      if (mar->source->node_case != PG_QUERY__NODE__NODE_ROW_EXPR)
        fail(sqlstate::kFeatureNotSupported, "unsupported multi-column assignment");
      v = mar->source->row_expr->args[mar->colno - 1];
    }
    ExprPtr e;
    if (v->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT)
      e = catalog::column_default(t.columns[c]).empty()
              ? make_const(Datum::Null(), t.columns[c].type)
              : bind_table_expr(cat_, t, catalog::column_default(t.columns[c]), &t.columns[c].type);
    else
      e = coerce(bind_expr_in(v, row, "UPDATE"), t.columns[c].type, CastContext::kAssignment,
                 t.columns[c].name);
    if (std::find(t.primary_key.begin(), t.primary_key.end(), c) != t.primary_key.end())
      key_change = true;
    for (const auto& idx : t.indexes)
      if (idx.unique && idx.predicate.empty() &&
          std::find(idx.columns.begin(), idx.columns.end(), c) != idx.columns.end())
        key_change = true;
    sets.emplace_back(c, std::move(e));
  }
  return key_change;
}

BoundStatement Binder::bind_update(const PgQuery__UpdateStmt* s) {
  BoundStatement out;
  out.kind = BoundStatement::Kind::kUpdate;
  out.tag = "UPDATE";
  auto plan = std::make_shared<UpdatePlan>();
  std::string alias;
  plan->table = dml_target(s->relation, "update", s->n_from_clause,
                           "UPDATE ... FROM on a view is not supported", &alias);
  const auto& t = *plan->table;
  bind_index_predicates(t, plan->access);
  Scope row = table_scope(t, alias);
  if (s->n_from_clause)
    plan->from = bind_target_join(plan->table, alias, s->from_clause, s->n_from_clause, row);
  bool key_change = bind_set_list(t, s->target_list, s->n_target_list, row, plan->sets);
  plan->strength = key_change ? coord::LockStrength::kUpdate : coord::LockStrength::kNoKeyUpdate;
  if (s->where_clause) plan->where = to_bool(bind_expr_in(s->where_clause, row, "WHERE"), "WHERE");
  add_view_condition(plan->where);
  if (plan->from) plan->from->where = std::move(plan->where);
  checks_of(t, plan->checks);
  add_check_option(plan->checks, plan->check_option_view);
  plan->returning = bind_returning(s->returning_list, s->n_returning_list, row, out);
  out.update = plan;
  return out;
}

BoundStatement Binder::bind_delete(const PgQuery__DeleteStmt* s) {
  BoundStatement out;
  out.kind = BoundStatement::Kind::kDelete;
  out.tag = "DELETE";
  auto plan = std::make_shared<DeletePlan>();
  std::string alias;
  plan->table = dml_target(s->relation, "delete from", s->n_using_clause,
                           "DELETE ... USING on a view is not supported", &alias);
  const auto& t = *plan->table;
  bind_index_predicates(t, plan->access);
  Scope row = table_scope(t, alias);
  if (s->n_using_clause)
    plan->from = bind_target_join(plan->table, alias, s->using_clause, s->n_using_clause, row);
  if (s->where_clause) plan->where = to_bool(bind_expr_in(s->where_clause, row, "WHERE"), "WHERE");
  add_view_condition(plan->where);
  if (plan->from) plan->from->where = std::move(plan->where);
  plan->returning = bind_returning(s->returning_list, s->n_returning_list, row, out);
  out.del = plan;
  return out;
}

// Where an expression starts in the text, for the error cursor (the common cases of
// PostgreSQL's exprLocation; -1 when not known).
int node_location(const PgQuery__Node* n) {
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST:
      return n->a_const->location;
    case PG_QUERY__NODE__NODE_COLUMN_REF:
      return n->column_ref->location;
    case PG_QUERY__NODE__NODE_PARAM_REF:
      return n->param_ref->location;
    case PG_QUERY__NODE__NODE_A_EXPR:
      return n->a_expr->lexpr ? node_location(n->a_expr->lexpr) : n->a_expr->location;
    case PG_QUERY__NODE__NODE_FUNC_CALL:
      return n->func_call->location;
    case PG_QUERY__NODE__NODE_TYPE_CAST:
      return n->type_cast->arg ? node_location(n->type_cast->arg) : n->type_cast->location;
    default:
      return -1;
  }
}

// MERGE (PostgreSQL 15's transformMergeStmt): the source's FROM item(s), then the target LEFT
// JOINed on the join condition; the WHEN clauses bound over that joined row in order.
BoundStatement Binder::bind_merge(const PgQuery__MergeStmt* s) {
  BoundStatement out;
  out.kind = BoundStatement::Kind::kMerge;
  out.tag = "MERGE";
  auto plan = std::make_shared<MergePlan>();
  auto t = lookup_table(s->relation);
  if (t->is_view() || t->materialized) {
    Error e;
    e.sqlstate = sqlstate::kWrongObjectType;
    e.message = "cannot execute MERGE on relation \"" + t->name + "\"";
    e.detail = t->materialized ? "This operation is not supported for materialized views."
                               : "This operation is not supported for views.";
    throw SqlError(std::move(e));
  }
  const std::string alias = s->relation->alias ? s->relation->alias->aliasname : t->name;
  plan->table = t;
  auto join = std::make_shared<SelectPlan>();
  Scope scope;
  // The source cannot see the target (it is no LATERAL item): PostgreSQL's HINT names it.
  const MergeHiddenTarget hidden{alias, t.get()};
  {
    struct HiddenGuard {
      const MergeHiddenTarget*& slot;
      ~HiddenGuard() { slot = nullptr; }
    } guard{merge_hidden_};
    merge_hidden_ = &hidden;
    bind_from_item(s->source_relation, *join, scope, nullptr);
  }
  if (scope.tables.count(alias)) {
    Error e;
    e.sqlstate = "42712";
    e.message = "name \"" + alias + "\" specified more than once";
    e.detail = "The name is used both as MERGE target table and data source.";
    throw SqlError(std::move(e));
  }
  plan->target_source = static_cast<int>(join->sources.size());
  plan->target_offset = static_cast<int>(scope.cols.size());
  add_table_source(*join, scope, t, alias, "");
  Source& target = join->sources.back();
  target.alias = alias;
  target.join = Source::Join::kLeft;
  target.nullable = true;
  {
    SrfScope in_join(*this, srf_refused_in("JOIN conditions"));
    target.on = to_bool(bind_expr(s->join_condition, scope, nullptr), "JOIN/ON");
  }
  join->input_width = static_cast<int>(scope.cols.size());
  plan->join = join;

  // WHEN NOT MATCHED sees the source alone: the target's columns stay in place, hidden.
  Scope source_only = scope;
  source_only.tables.erase(alias);
  for (size_t i = plan->target_offset; i < source_only.cols.size(); ++i) {
    source_only.cols[i].table.clear();
    source_only.cols[i].hidden = true;
  }

  bool unconditional[2] = {false, false};  // per NOT MATCHED / MATCHED
  bool key_change = false;
  for (size_t w = 0; w < s->n_merge_when_clauses; ++w) {
    const auto* wc = s->merge_when_clauses[w]->merge_when_clause;
    if (unconditional[wc->matched])
      fail(sqlstate::kSyntaxError,
           "unreachable WHEN clause specified after unconditional WHEN clause");
    if (!wc->condition) unconditional[wc->matched] = true;
    const Scope& sc = wc->matched ? scope : source_only;
    struct HiddenGuard {
      const MergeHiddenTarget*& slot;
      ~HiddenGuard() { slot = nullptr; }
    } guard{merge_hidden_};
    if (!wc->matched) merge_hidden_ = &hidden;
    MergeAction a;
    a.matched = wc->matched;
    if (wc->condition)
      a.condition = to_bool(bind_expr_in(wc->condition, sc, "MERGE WHEN conditions"), "WHEN");
    switch (wc->command_type) {
      case PG_QUERY__CMD_TYPE__CMD_UPDATE:
        a.kind = MergeAction::Kind::kUpdate;
        key_change |= bind_set_list(*t, wc->target_list, wc->n_target_list, sc, a.sets);
        break;
      case PG_QUERY__CMD_TYPE__CMD_DELETE:
        a.kind = MergeAction::Kind::kDelete;
        break;
      case PG_QUERY__CMD_TYPE__CMD_INSERT: {
        a.kind = MergeAction::Kind::kInsert;
        if (wc->n_values == 0 && wc->n_target_list == 0) break;  // DEFAULT VALUES
        a.columns = insert_columns(*t, wc->target_list, wc->n_target_list);
        if (wc->n_target_list == 0 && wc->n_values < a.columns.size())
          a.columns.resize(wc->n_values);
        if (wc->n_values > a.columns.size())
          fail(sqlstate::kSyntaxError, "INSERT has more expressions than target columns",
               node_location(wc->values[a.columns.size()]));
        if (wc->n_values < a.columns.size())
          fail(sqlstate::kSyntaxError, "INSERT has more target columns than expressions",
               wc->target_list[wc->n_values]->res_target->location);
        SrfScope in_values(*this, srf_refused_in("VALUES"));
        for (size_t i = 0; i < wc->n_values; ++i) {
          if (wc->values[i]->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT) {
            a.values.push_back(nullptr);
            continue;
          }
          const auto& col = t->columns[a.columns[i]];
          a.values.push_back(coerce(bind_expr(wc->values[i], sc, nullptr), col.type,
                                    CastContext::kAssignment, col.name));
        }
        break;
      }
      default:
        a.kind = MergeAction::Kind::kNothing;
        break;
    }
    plan->actions.push_back(std::move(a));
  }
  plan->update_strength =
      key_change ? coord::LockStrength::kUpdate : coord::LockStrength::kNoKeyUpdate;
  plan->insert = std::make_shared<InsertPlan>();
  plan->insert->table = t;
  for (const auto& c : t->columns)
    plan->insert->defaults.push_back(
        c.default_expr.empty() ? nullptr : bind_table_expr(cat_, *t, c.default_expr, &c.type));
  checks_of(*t, plan->insert->checks);
  out.merge = plan;
  return out;
}

void Binder::fail_hidden_merge_target(const std::string& table, const std::string& col,
                                      int location) {
  if (!table.empty())
    fail(sqlstate::kUndefinedTable,
         "invalid reference to FROM-clause entry for table \"" + table + "\"", location,
         "There is an entry for table \"" + table +
             "\", but it cannot be referenced from this part of the query.");
  fail(sqlstate::kUndefinedColumn, "column \"" + col + "\" does not exist", location,
       "There is a column named \"" + col + "\" in table \"" + merge_hidden_->alias +
           "\", but it cannot be referenced from this part of the query.");
}

// COPY's options, checked as PostgreSQL's ProcessCopyOptions checks them (same messages and
// SQLSTATEs, the first failing check wins).
void bind_copy_options(const PgQuery__CopyStmt* s, bool is_from, BoundStatement& out,
                       std::vector<std::string>& force_quote,
                       std::vector<std::string>& force_not_null,
                       std::vector<std::string>& force_null) {
  // A boolean option (PostgreSQL's defGetBoolean): bare, a boolean, 0/1, or a word.
  auto flag = [](const PgQuery__DefElem* d, const std::string& v) -> bool {
    if (!d->arg) return true;
    if (d->arg->node_case == PG_QUERY__NODE__NODE_INTEGER) return d->arg->integer->ival != 0;
    if (d->arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN) return d->arg->boolean->boolval;
    return v == "true" || v == "on" || v == "t" || v == "yes" || v == "1";
  };
  auto names_of = [](const PgQuery__DefElem* d, std::vector<std::string>& into) {
    if (!d->arg || d->arg->node_case != PG_QUERY__NODE__NODE_LIST)
      fail(sqlstate::kInvalidParameterValue,
           "argument to option \"" + std::string(d->defname) + "\" must be a list of column names",
           d->location);
    for (size_t i = 0; i < d->arg->list->n_items; ++i)
      into.push_back(str_of(d->arg->list->items[i]));
  };
  bool format_seen = false, freeze_seen = false, header_seen = false, encoding_seen = false;
  std::optional<std::string> delim, null, quote, escape;
  bool binary = false, force_quote_seen = false, fnn_seen = false, fn_seen = false;
  auto conflicting = [](const PgQuery__DefElem* d) {
    fail(sqlstate::kSyntaxError, "conflicting or redundant options", d->location);
  };
  for (size_t i = 0; i < s->n_options; ++i) {
    const auto* d = s->options[i]->def_elem;
    std::string name = d->defname;
    std::string v;
    if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_STRING) v = d->arg->string->sval;
    if (name == "format") {
      if (format_seen) conflicting(d);
      format_seen = true;
      if (v == "csv")
        out.copy_csv = true;
      else if (v == "binary")
        binary = true;
      else if (v != "text")
        fail(sqlstate::kInvalidParameterValue, "COPY format \"" + v + "\" not recognized",
             d->location);
    } else if (name == "freeze") {
      if (freeze_seen) conflicting(d);
      freeze_seen = true;
      out.copy_freeze = flag(d, v);
    } else if (name == "delimiter") {
      if (delim) conflicting(d);
      delim = v;
    } else if (name == "null") {
      if (null) conflicting(d);
      null = v;
    } else if (name == "header") {
      if (header_seen) conflicting(d);
      header_seen = true;
      if (v == "match") {
        if (!is_from)
          fail(sqlstate::kFeatureNotSupported, "cannot use \"match\" with HEADER in COPY TO");
        out.copy_header = out.copy_header_match = true;
      } else {
        out.copy_header = flag(d, v);
      }
    } else if (name == "quote") {
      if (quote) conflicting(d);
      quote = v;
    } else if (name == "escape") {
      if (escape) conflicting(d);
      escape = v;
    } else if (name == "force_quote") {
      if (force_quote_seen) conflicting(d);
      force_quote_seen = true;
      if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_A_STAR)
        out.copy_force_quote_all = true;
      else
        names_of(d, force_quote);
    } else if (name == "force_not_null") {
      if (fnn_seen) conflicting(d);
      fnn_seen = true;
      names_of(d, force_not_null);
    } else if (name == "force_null") {
      if (fn_seen) conflicting(d);
      fn_seen = true;
      names_of(d, force_null);
    } else if (name == "encoding") {
      if (encoding_seen) conflicting(d);
      encoding_seen = true;
      std::string e;
      for (char c : v)
        if (c != '_' && c != '-') e.push_back(static_cast<char>(std::tolower(c)));
      if (e != "utf8" && e != "unicode" && e != "sqlascii")
        fail(sqlstate::kFeatureNotSupported, "COPY encoding \"" + v + "\" is not supported",
             d->location);
    } else {
      fail(sqlstate::kSyntaxError, "option \"" + name + "\" not recognized", d->location);
    }
  }
  if (binary && delim) fail(sqlstate::kSyntaxError, "cannot specify DELIMITER in BINARY mode");
  if (binary && null) fail(sqlstate::kSyntaxError, "cannot specify NULL in BINARY mode");
  out.copy_delimiter = delim ? *delim : out.copy_csv ? "," : "\t";
  out.copy_null = null ? *null : out.copy_csv ? "" : "\\N";
  if (out.copy_csv) {
    out.copy_quote = quote ? *quote : "\"";
    out.copy_escape = escape ? *escape : out.copy_quote;
  }
  if (out.copy_delimiter.size() != 1)
    fail(sqlstate::kFeatureNotSupported, "COPY delimiter must be a single one-byte character");
  if (out.copy_delimiter == "\r" || out.copy_delimiter == "\n")
    fail(sqlstate::kInvalidParameterValue, "COPY delimiter cannot be newline or carriage return");
  if (out.copy_null.find_first_of("\r\n") != std::string::npos)
    fail(sqlstate::kInvalidParameterValue,
         "COPY null representation cannot use newline or carriage return");
  if (!out.copy_csv &&
      std::string_view("\\.abcdefghijklmnopqrstuvwxyz0123456789").find(out.copy_delimiter[0]) !=
          std::string_view::npos)
    fail(sqlstate::kInvalidParameterValue,
         "COPY delimiter cannot be \"" + out.copy_delimiter + "\"");
  if (binary && out.copy_header)
    fail(sqlstate::kFeatureNotSupported, "cannot specify HEADER in BINARY mode");
  if (!out.copy_csv && quote)
    fail(sqlstate::kFeatureNotSupported, "COPY quote available only in CSV mode");
  if (out.copy_csv && out.copy_quote.size() != 1)
    fail(sqlstate::kFeatureNotSupported, "COPY quote must be a single one-byte character");
  if (out.copy_csv && out.copy_delimiter[0] == out.copy_quote[0])
    fail(sqlstate::kInvalidParameterValue, "COPY delimiter and quote must be different");
  if (!out.copy_csv && escape)
    fail(sqlstate::kFeatureNotSupported, "COPY escape available only in CSV mode");
  if (out.copy_csv && out.copy_escape.size() != 1)
    fail(sqlstate::kFeatureNotSupported, "COPY escape must be a single one-byte character");
  if (!out.copy_csv && force_quote_seen)
    fail(sqlstate::kFeatureNotSupported, "COPY force quote available only in CSV mode");
  if (force_quote_seen && is_from)
    fail(sqlstate::kFeatureNotSupported, "COPY force quote only available using COPY TO");
  if (!out.copy_csv && fnn_seen)
    fail(sqlstate::kFeatureNotSupported, "COPY force not null available only in CSV mode");
  if (fnn_seen && !is_from)
    fail(sqlstate::kFeatureNotSupported, "COPY force not null only available using COPY FROM");
  if (!out.copy_csv && fn_seen)
    fail(sqlstate::kFeatureNotSupported, "COPY force null available only in CSV mode");
  if (fn_seen && !is_from)
    fail(sqlstate::kFeatureNotSupported, "COPY force null only available using COPY FROM");
  if (out.copy_null.find(out.copy_delimiter[0]) != std::string::npos)
    fail(sqlstate::kFeatureNotSupported,
         "COPY delimiter must not appear in the NULL specification");
  if (out.copy_csv && out.copy_null.find(out.copy_quote[0]) != std::string::npos)
    fail(sqlstate::kFeatureNotSupported,
         "CSV quote character must not appear in the NULL specification");
  // Binary COPY is checked last, as the one format holdfast does not write or read.
  if (binary) fail(sqlstate::kFeatureNotSupported, "COPY format \"binary\" is not supported");
}

BoundStatement Binder::bind_copy(const PgQuery__CopyStmt* s) {
  BoundStatement out;
  out.kind = s->is_from ? BoundStatement::Kind::kCopyFrom : BoundStatement::Kind::kCopyTo;
  out.tag = "COPY";
  out.copy_program = s->is_program;  // refused when it runs (who asks decides the error)
  out.copy_to_file = s->filename && *s->filename && !s->is_program;
  if (out.copy_to_file) out.copy_filename = s->filename;
  std::vector<std::string> force_quote, force_not_null, force_null;
  if (!s->relation) {
    // COPY (query) TO: the query's rows, as a SELECT of them would return them.
    if (s->query->node_case == PG_QUERY__NODE__NODE_MERGE_STMT)
      fail(sqlstate::kFeatureNotSupported, "MERGE not supported in COPY");
    auto inner = std::make_shared<BoundStatement>(bind(s->query));
    if (inner->kind == BoundStatement::Kind::kUtility)
      fail(sqlstate::kFeatureNotSupported, "COPY (SELECT INTO) is not supported");
    if (inner->kind != BoundStatement::Kind::kSelect && inner->names.empty())
      fail(sqlstate::kFeatureNotSupported, "COPY query must have a RETURNING clause");
    out.copy_names = inner->names;
    out.copy_query = std::move(inner);
    bind_copy_options(s, false, out, force_quote, force_not_null, force_null);
    for (const auto& n : force_quote) {
      auto it = std::find(out.copy_names.begin(), out.copy_names.end(), n);
      if (it == out.copy_names.end())
        fail(sqlstate::kInvalidColumnReference,
             "FORCE_QUOTE column \"" + n + "\" not referenced by COPY");
      out.copy_force_quote.push_back(static_cast<int>(it - out.copy_names.begin()));
    }
    return out;
  }
  out.copy_table = lookup_table(s->relation);
  const auto& t = *out.copy_table;
  if (s->is_from && t.is_view())
    fail(sqlstate::kWrongObjectType, "cannot copy to view \"" + t.name + "\"", -1,
         "To enable copying to a view, provide an INSTEAD OF INSERT trigger.");
  if (s->is_from && t.materialized)
    fail(sqlstate::kWrongObjectType, "cannot copy to materialized view \"" + t.name + "\"");
  if (!s->is_from && (t.is_view() || t.materialized || t.is_partitioned()))
    fail(sqlstate::kWrongObjectType,
         std::string("cannot copy from ") +
             (t.is_view()      ? "view"
              : t.materialized ? "materialized view"
                               : "partitioned table") +
             " \"" + t.name + "\"",
         -1, t.materialized ? "" : "Try the COPY (SELECT ...) TO variant.");
  if (s->n_attlist == 0) {
    for (size_t i = 0; i < t.columns.size(); ++i)
      if (t.columns[i].generated_expr.empty()) out.copy_columns.push_back(static_cast<int>(i));
  } else {
    for (size_t i = 0; i < s->n_attlist; ++i) {
      std::string name = str_of(s->attlist[i]);
      int c = t.find_column(name);
      if (c < 0)
        fail(sqlstate::kUndefinedColumn,
             "column \"" + name + "\" of relation \"" + t.name + "\" does not exist");
      if (!t.columns[c].generated_expr.empty()) {
        Error e;
        e.sqlstate = sqlstate::kInvalidColumnReference;
        e.message = "column \"" + name + "\" is a generated column";
        e.detail = "Generated columns cannot be used in COPY.";
        throw SqlError(std::move(e));
      }
      if (std::find(out.copy_columns.begin(), out.copy_columns.end(), c) != out.copy_columns.end())
        fail(sqlstate::kDuplicateColumn, "column \"" + name + "\" specified more than once");
      out.copy_columns.push_back(c);
    }
  }
  for (int c : out.copy_columns) out.copy_names.push_back(t.columns[c].name);
  bind_copy_options(s, s->is_from, out, force_quote, force_not_null, force_null);
  // FORCE_QUOTE / FORCE_NOT_NULL / FORCE_NULL name columns of the COPY: positions in it.
  auto positions = [&](const std::vector<std::string>& names, const char* option,
                       std::vector<int>& into) {
    for (const auto& n : names) {
      int c = t.find_column(n);
      if (c < 0)
        fail(sqlstate::kUndefinedColumn,
             "column \"" + n + "\" of relation \"" + t.name + "\" does not exist");
      auto it = std::find(out.copy_columns.begin(), out.copy_columns.end(), c);
      if (it == out.copy_columns.end())
        fail(sqlstate::kInvalidColumnReference,
             std::string(option) + " column \"" + n + "\" not referenced by COPY");
      into.push_back(static_cast<int>(it - out.copy_columns.begin()));
    }
  };
  positions(force_quote, "FORCE_QUOTE", out.copy_force_quote);
  positions(force_not_null, "FORCE_NOT_NULL", out.copy_force_not_null);
  positions(force_null, "FORCE_NULL", out.copy_force_null);
  if (!s->is_from) {
    // COPY table TO: the rows of SELECT columns FROM table.
    std::string sql = "SELECT ";
    for (size_t i = 0; i < out.copy_names.size(); ++i)
      sql += (i ? ", " : "") + types::quote_identifier(out.copy_names[i]);
    if (out.copy_names.empty())
      sql += "FROM ";  // SELECT FROM t: rows of no columns
    else
      sql += " FROM ";
    if (s->relation->schemaname && *s->relation->schemaname)
      sql += types::quote_identifier(s->relation->schemaname) + ".";
    sql += types::quote_identifier(s->relation->relname);
    const PgQuery__Node* query = nullptr;
    auto tree = parse::parse_query(sql, &query);
    out.copy_query = std::make_shared<BoundStatement>(bind(query));
  }
  return out;
}

BoundStatement Binder::bind(const PgQuery__Node* stmt) {
  BoundStatement out;
  switch (stmt->node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT: {
      if (stmt->select_stmt->into_clause) {  // SELECT ... INTO t: exec/views.cc create_table_as
        out.kind = BoundStatement::Kind::kUtility;
        out.utility = stmt;
        out.tag = "SELECT";
        break;
      }
      out.kind = BoundStatement::Kind::kSelect;
      out.tag = "SELECT";
      out.select = bind_select(stmt->select_stmt, nullptr);
      out.names.assign(out.select->names.begin(), out.select->names.begin() + out.select->visible);
      out.types.assign(out.select->types.begin(), out.select->types.begin() + out.select->visible);
      out.origins.assign(out.select->origins.begin(),
                         out.select->origins.begin() + out.select->visible);
      break;
    }
    case PG_QUERY__NODE__NODE_INSERT_STMT:
      if (stmt->insert_stmt->with_clause) bind_with(stmt->insert_stmt->with_clause, nullptr);
      out = bind_insert(stmt->insert_stmt);
      break;
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
      if (stmt->update_stmt->with_clause) bind_with(stmt->update_stmt->with_clause, nullptr);
      out = bind_update(stmt->update_stmt);
      break;
    case PG_QUERY__NODE__NODE_DELETE_STMT:
      if (stmt->delete_stmt->with_clause) bind_with(stmt->delete_stmt->with_clause, nullptr);
      out = bind_delete(stmt->delete_stmt);
      break;
    case PG_QUERY__NODE__NODE_MERGE_STMT:
      if (stmt->merge_stmt->with_clause) bind_with(stmt->merge_stmt->with_clause, nullptr);
      out = bind_merge(stmt->merge_stmt);
      break;
    case PG_QUERY__NODE__NODE_COPY_STMT:
      out = bind_copy(stmt->copy_stmt);
      break;
    case PG_QUERY__NODE__NODE_PREPARE_STMT: {
      // PREPARE name (types) AS query: the types it names are the parameters' types.
      const auto* ps = stmt->prepare_stmt;
      if (params_.size() < ps->n_argtypes) params_.resize(ps->n_argtypes, 0);
      for (size_t i = 0; i < ps->n_argtypes; ++i)
        if (params_[i] == 0 && ps->argtypes[i]->node_case == PG_QUERY__NODE__NODE_TYPE_NAME)
          params_[i] = resolve_type_name(ps->argtypes[i]->type_name, path_.schemas).oid;
      return bind(ps->query);
    }
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT: {
      out = bind(stmt->explain_stmt->query);
      out.kind = BoundStatement::Kind::kExplain;
      out.tag = "EXPLAIN";
      out.names = {"QUERY PLAN"};
      out.types = {TypeRef{type_oid::kText, -1}};
      out.origins = {{0, 0}};
      break;
    }
    case PG_QUERY__NODE__NODE_CREATE_STMT:
    case PG_QUERY__NODE__NODE_VIEW_STMT:  // exec/views.cc
    case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
    case PG_QUERY__NODE__NODE_DROP_STMT:
    case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
    case PG_QUERY__NODE__NODE_INDEX_STMT:
    case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
    case PG_QUERY__NODE__NODE_VACUUM_STMT:
    case PG_QUERY__NODE__NODE_CHECK_POINT_STMT:
    case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
    case PG_QUERY__NODE__NODE_ALTER_SEQ_STMT:  // exec/ddl.cc alter_sequence
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
    case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:  // exec/enum_stmts.h
    case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
    case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
    case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:  // exec/domain_stmts.h
    case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT:
    case PG_QUERY__NODE__NODE_COMMENT_STMT:  // exec/ddl.cc comment_on
    // User functions (exec/routines.h).
    case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
    case PG_QUERY__NODE__NODE_DO_STMT:
    case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
    // Roles and privileges (exec/role_stmts.cc).
    case PG_QUERY__NODE__NODE_CREATE_ROLE_STMT:
    case PG_QUERY__NODE__NODE_ALTER_ROLE_STMT:
    case PG_QUERY__NODE__NODE_ALTER_ROLE_SET_STMT:
    case PG_QUERY__NODE__NODE_ALTER_DATABASE_SET_STMT:
    case PG_QUERY__NODE__NODE_DROP_ROLE_STMT:
    case PG_QUERY__NODE__NODE_GRANT_STMT:
    case PG_QUERY__NODE__NODE_GRANT_ROLE_STMT:
    case PG_QUERY__NODE__NODE_RENAME_STMT:
      out.kind = BoundStatement::Kind::kUtility;
      out.utility = stmt;
      out.tag = parse::utility_tag(stmt);
      break;
    case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:  // exec/views.cc
      out.kind = BoundStatement::Kind::kUtility;
      out.utility = stmt;
      out.tag = parse::utility_tag(stmt);
      break;
    case PG_QUERY__NODE__NODE_LOCK_STMT:  // exec/lock_table_stmt.cc
      out.kind = BoundStatement::Kind::kUtility;
      out.utility = stmt;
      out.tag = "LOCK TABLE";
      break;
    case PG_QUERY__NODE__NODE_CONSTRAINTS_SET_STMT:  // exec/deferred_constraints.h
      out.kind = BoundStatement::Kind::kUtility;
      out.utility = stmt;
      out.tag = "SET CONSTRAINTS";
      break;
    case PG_QUERY__NODE__NODE_SEC_LABEL_STMT: {
      // No security label provider is ever loaded here (PostgreSQL has one only with sepgsql
      // or a test module loaded), so SECURITY LABEL fails as it does there without one.
      const char* provider = stmt->sec_label_stmt->provider;
      if (provider != nullptr && *provider != '\0')
        fail(sqlstate::kInvalidParameterValue,
             "security label provider \"" + std::string(provider) + "\" is not loaded");
      fail(sqlstate::kInvalidParameterValue, "no security label providers have been loaded");
    }
    default:
      fail(sqlstate::kFeatureNotSupported, parse::statement_kind(stmt) + " is not supported");
  }
  finish_params();
  out.param_types = params_;
  if (!dml_ctes_.empty()) out.dml_ctes = std::move(dml_ctes_);
  out.relations.assign(relations_.begin(), relations_.end());
  return out;
}

}  // namespace

std::string type_name_of(const PgQuery__TypeName* tn) {
  std::string n = tn->n_names ? str_of(tn->names[tn->n_names - 1]) : "";
  return n;
}

std::vector<std::string> qualified_name_list(const std::string& text) {
  auto bad = [] { fail(sqlstate::kInvalidName, "invalid name syntax"); };
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  std::vector<std::string> parts;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n && space(text[i])) ++i;
  if (i == n) bad();  // no name at all
  for (;;) {
    std::string part;
    if (text[i] == '"') {
      for (++i;; ++i) {
        if (i == n) bad();  // unterminated quote
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            part += '"';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        part += text[i];
      }
      if (part.empty()) bad();  // "" is an empty identifier
    } else {
      while (i < n && text[i] != '.' && !space(text[i])) {
        char c = text[i++];
        part += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      }
      if (part.empty()) bad();
    }
    parts.push_back(std::move(part));
    while (i < n && space(text[i])) ++i;
    if (i == n) break;
    if (text[i] != '.') bad();
    ++i;
    while (i < n && space(text[i])) ++i;
    if (i == n) bad();  // a trailing dot
  }
  return parts;
}

Oid relation_oid_by_name(const catalog::Catalog& cat, const std::string& text,
                         const catalog::SearchPath& path) {
  auto parts = qualified_name_list(text);
  if (parts.size() > 3) {
    std::string joined;
    for (const auto& p : parts) joined += (joined.empty() ? "" : ".") + p;
    fail(sqlstate::kSyntaxError, "improper relation name (too many dotted names): " + joined);
  }
  if (parts.size() == 3) {
    if (parts[0] != "postgres")
      fail(sqlstate::kFeatureNotSupported, "cross-database references are not implemented: \"" +
                                               parts[0] + "." + parts[1] + "." + parts[2] + "\"");
    parts.erase(parts.begin());
  }
  const std::string schema = parts.size() == 2 ? parts[0] : "";
  const std::string& rel = parts.back();
  if (auto tab = cat.find_table(schema, rel, path)) return tab->oid;
  if (auto s = cat.find_sequence(schema, rel, path)) return s->oid;
  if (auto ti = cat.table_by_index_name(schema, rel, path))
    return ti->pkey_name == rel ? ti->pkey_oid : ti->find_index(rel)->oid;
  if (schema.empty() || schema == "pg_catalog") return system_catalog_oid(rel);
  return 0;
}

TypeRef resolve_type_name(const PgQuery__TypeName* tn, const std::vector<Oid>& search_schemas) {
  std::string name = type_name_of(tn);
  std::string schema = tn->n_names >= 2 ? str_of(tn->names[tn->n_names - 2]) : "";
  std::vector<int32_t> mods;
  for (size_t i = 0; i < tn->n_typmods; ++i) {
    const auto* m = tn->typmods[i];
    if (m->node_case == PG_QUERY__NODE__NODE_A_CONST &&
        m->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
      mods.push_back(m->a_const->ival->ival);
  }
  if (name == "interval") mods.clear();  // INTERVAL's field and precision modifiers: not kept
  // SQL's CHAR arrives as pg_catalog.bpchar: a type node named char is the internal "char".
  if (name == "char") name = "\"char\"";
  return type_for_name(name, mods, tn->n_array_bounds > 0, tn->location, schema, search_schemas);
}

std::shared_ptr<SelectPlan> bind_view(catalog::Catalog& catalog, const catalog::Table& view) {
  std::vector<Oid> params;
  Binder b(catalog, params);
  return b.bind_view_query(std::make_shared<const catalog::Table>(view));
}

std::string view_update_refusal(catalog::Catalog& catalog, const catalog::Table& view) {
  const PgQuery__Node* query = nullptr;
  auto tree = parse::parse_query(view.view_query, &query);
  if (const char* r = parse_update_refusal(query->select_stmt)) return r;
  std::vector<Oid> params;
  Binder b(catalog, params);
  try {
    auto sub = b.bind_view_query(std::make_shared<const catalog::Table>(view));
    if (const char* r = plan_update_refusal(*sub)) return r;
  } catch (const SqlError&) {
    return "The view's query no longer binds.";
  }
  return "";
}

BoundStatement bind_statement(catalog::Catalog& catalog, const PgQuery__Node* stmt,
                              std::vector<Oid>& params, uint64_t temp_namespace,
                              const ParamNames* param_names) {
  return bind_statement(catalog, stmt, params, catalog::SearchPath{temp_namespace}, param_names);
}

BoundStatement bind_statement(catalog::Catalog& catalog, const PgQuery__Node* stmt,
                              std::vector<Oid>& params, const catalog::SearchPath& path,
                              const ParamNames* param_names) {
  Binder b(catalog, params);
  b.set_search_path(path);
  b.set_param_names(param_names);
  return b.bind(stmt);
}

namespace {

Scope table_row_scope(const catalog::Table& table) {
  Scope s;
  s.tables.insert(table.name);
  for (size_t i = 0; i < table.columns.size(); ++i)
    s.cols.push_back({table.name, table.columns[i].name, table.columns[i].type, table.oid,
                      static_cast<int16_t>(i + 1)});
  return s;
}

}  // namespace

ExprPtr bind_table_expr(catalog::Catalog& catalog, const catalog::Table& table,
                        const std::string& text, const TypeRef* target) {
  const PgQuery__Node* node = nullptr;
  auto tree = parse::parse_expression(text, &node);
  std::vector<Oid> params;
  Binder b(catalog, params);
  auto e = b.bind_expr(node, table_row_scope(table), nullptr);
  if (target) e = b.coerce(std::move(e), *target, CastContext::kAssignment);
  return e;
}

void conjuncts(const Expr* e, std::vector<const Expr*>& out) {
  runtime::check_stack_depth();
  if (e == nullptr) return;
  if (e->kind == ExprKind::kAnd) {
    for (const auto& a : e->args) conjuncts(a.get(), out);
    return;
  }
  out.push_back(e);
}

bool implies_predicate(const std::vector<const Expr*>& cs, int offset, const Expr& predicate) {
  std::function<bool(const Expr&, const Expr&)> same = [&](const Expr& p, const Expr& w) {
    runtime::check_stack_depth();
    if (p.kind != w.kind || p.type.oid != w.type.oid || p.name != w.name || p.op != w.op ||
        p.fn != w.fn || p.negate != w.negate || p.args.size() != w.args.size())
      return false;
    switch (p.kind) {
      case ExprKind::kColumn:
        if (p.level != 0 || w.level != 0 || w.index != p.index + offset) return false;
        break;
      case ExprKind::kConst:
        if (p.value.is_null() != w.value.is_null() ||
            (!p.value.is_null() && !(p.value.v == w.value.v)))
          return false;
        break;
      case ExprKind::kCast:
      case ExprKind::kOp:
      case ExprKind::kFunc:
      case ExprKind::kAnd:
      case ExprKind::kOr:
      case ExprKind::kNot:
      case ExprKind::kIsNull:
      case ExprKind::kIsNotNull:
      case ExprKind::kIsTrue:
      case ExprKind::kIsFalse:
      case ExprKind::kInList:
      case ExprKind::kDistinctFrom:
        break;
      default:
        return false;
    }
    for (size_t i = 0; i < p.args.size(); ++i)
      if (!same(*p.args[i], *w.args[i])) return false;
    return true;
  };
  std::vector<const Expr*> needed;
  conjuncts(&predicate, needed);
  for (const Expr* n : needed) {
    bool found = false;
    for (const Expr* c : cs) found = found || same(*n, *c);
    if (!found) return false;
  }
  return true;
}

ExprPtr bind_index_predicate(catalog::Catalog& catalog, const catalog::Table& table,
                             const PgQuery__Node* predicate) {
  std::vector<Oid> params;
  Binder b(catalog, params);
  Binder::SrfScope in_predicate(b, srf_refused_in("index predicates"));
  ExprPtr e;
  try {
    e = b.bind_expr(predicate, table_row_scope(table), nullptr);
  } catch (SqlError& err) {
    // An aggregate call outside a grouped SELECT: named as PostgreSQL names the clause.
    if (err.error().sqlstate == sqlstate::kGroupingError &&
        err.error().message == "aggregate functions are not allowed here")
      err.error().message = "aggregate functions are not allowed in index predicates";
    throw;
  }
  return b.to_bool(std::move(e), "WHERE");
}

}  // namespace hf::sql::bind
