// sql/exec/ddl.cc — CREATE/DROP/ALTER TABLE, CREATE/DROP INDEX, TRUNCATE, sequences and the
// maintenance statements accepted as no-ops (VACUUM, ANALYZE, CHECKPOINT). Partitioned tables
// (catalog.h): CREATE TABLE ... PARTITION BY / PARTITION OF, ALTER TABLE ... ATTACH / DETACH
// PARTITION, ADD COLUMN and ADD PRIMARY KEY on a parent, DROP and TRUNCATE of a parent
// reaching its partitions (bounds and their checks live in exec/partitions.h). CREATE TABLE ...
// (LIKE t [INCLUDING DEFAULTS | CONSTRAINTS]).
#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_set>

#include "common/error.h"
#include "runtime/stack.h"
#include "sql/bind/binder.h"
#include "sql/exec/domain_stmts.h"
#include "sql/exec/enum_stmts.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/locking.h"
#include "sql/exec/partitions.h"
#include "sql/exec/placement.h"
#include "sql/exec/privileges.h"
#include "sql/exec/schemas.h"
#include "sql/parse/parser.h"
#include "sql/types/cast.h"
#include "sql/types/functions.h"
#include "sql/types/hashing.h"
#include "sql/types/key_codec.h"
#include "sql/types/row_codec.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {

namespace {

std::string str_of(const PgQuery__Node* n) {
  if (n && n->node_case == PG_QUERY__NODE__NODE_STRING) return n->string->sval;
  return "";
}

void notice(ExecContext& cx, const std::string& state, const std::string& msg) {
  Error e;
  e.severity = "NOTICE";
  e.sqlstate = state;
  e.message = msg;
  cx.session.notice(e);
}

constexpr const char* kInvalidTableDefinition = "42P16";

[[noreturn]] void fail(const char* state, const std::string& msg) {
  throw SqlError(state, msg);
}

std::vector<int> column_list(const catalog::Table& t, PgQuery__Node** keys, size_t n) {
  std::vector<int> out;
  for (size_t i = 0; i < n; ++i) {
    std::string name = keys[i]->node_case == PG_QUERY__NODE__NODE_INDEX_ELEM
                           ? keys[i]->index_elem->name
                           : str_of(keys[i]);
    int c = t.find_column(name);
    if (c < 0)
      fail(sqlstate::kUndefinedColumn, "column \"" + name + "\" named in key does not exist");
    out.push_back(c);
  }
  return out;
}

// pending: the table the name is for (its schema: a temporary table's names are its session's).
std::string unique_relation_name(ExecContext& cx, const std::string& base,
                                 const catalog::Table* pending = nullptr) {
  auto taken = [&](const std::string& n) {
    const uint64_t temp_ns = pending ? pending->temp_namespace : 0;
    const Oid ns = pending ? pending->namespace_oid : catalog::kPublicNamespaceId;
    // Another transaction's uncommitted relation takes the name too (catalog.h).
    if (cx.catalog.relation_exists(n, temp_ns, ns) ||
        cx.catalog.uncommitted_relation(n, temp_ns, ns))
      return true;
    if (pending) {
      if (pending->pkey_name == n) return true;
      for (const auto& i : pending->indexes)
        if (i.name == n) return true;
    }
    return false;
  };
  if (!taken(base)) return base;
  for (int i = 1;; ++i)
    if (!taken(base + std::to_string(i))) return base + std::to_string(i);
}

// The DEFAULT of a serial or identity column of t: nextval of its sequence, named with t's
// schema unless that is public (as PostgreSQL shows it with the default search path).
std::string serial_default(ExecContext& cx, const catalog::Table& t, const std::string& seq) {
  const std::string qualifier =
      t.namespace_oid == catalog::kPublicNamespaceId || t.temp_namespace != 0
          ? ""
          : types::quote_identifier(cx.catalog.schema_name(t.namespace_oid)) + ".";
  std::string literal;  // the regclass text inside a string literal: quotes doubled
  for (char c : qualifier + types::quote_identifier(seq))
    literal += c == '\'' ? "''" : std::string(1, c);
  return "nextval('" + literal + "'::regclass)";
}

std::string cols_name(const catalog::Table& t, const std::vector<int>& cols) {
  std::string s;
  for (size_t i = 0; i < cols.size(); ++i) s += (i ? "_" : "") + t.columns[cols[i]].name;
  return s;
}

void first_column_ref(const PgQuery__Node* n, std::string& out);
void first_column_ref_list(PgQuery__Node** l, size_t k, std::string& out) {
  for (size_t i = 0; i < k && out.empty(); ++i) first_column_ref(l[i], out);
}
void first_column_ref(const PgQuery__Node* n, std::string& out) {
  runtime::check_stack_depth();
  if (!n || !out.empty()) return;
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF:
      out = str_of(n->column_ref->fields[n->column_ref->n_fields - 1]);
      return;
    case PG_QUERY__NODE__NODE_A_EXPR:
      first_column_ref(n->a_expr->lexpr, out), first_column_ref(n->a_expr->rexpr, out);
      return;
    case PG_QUERY__NODE__NODE_BOOL_EXPR:
      first_column_ref_list(n->bool_expr->args, n->bool_expr->n_args, out);
      return;
    case PG_QUERY__NODE__NODE_FUNC_CALL:
      first_column_ref_list(n->func_call->args, n->func_call->n_args, out);
      return;
    case PG_QUERY__NODE__NODE_TYPE_CAST:
      first_column_ref(n->type_cast->arg, out);
      return;
    case PG_QUERY__NODE__NODE_NULL_TEST:
      first_column_ref(n->null_test->arg, out);
      return;
    case PG_QUERY__NODE__NODE_LIST:
      first_column_ref_list(n->list->items, n->list->n_items, out);
      return;
    default:
      return;
  }
}

// A column's constraint list carries DEFERRABLE / NOT DEFERRABLE / INITIALLY ... as separate
// attribute entries after the constraint they qualify (a table constraint has them set by the
// grammar): folds them into that constraint, with PostgreSQL's transformConstraintAttrs
// errors (42601).
void fold_constraint_attributes(PgQuery__Node* const* constraints, size_t n) {
  PgQuery__Constraint* last = nullptr;  // the last constraint that takes attributes
  bool saw_deferrability = false, saw_initially = false;
  for (size_t k = 0; k < n; ++k) {
    PgQuery__Constraint* c = constraints[k]->constraint;
    auto syntax_error = [&](const std::string& msg) {
      Error e;
      e.sqlstate = sqlstate::kSyntaxError;
      e.message = msg;
      e.position = c->location + 1;
      throw SqlError(std::move(e));
    };
    auto need_last = [&](const char* clause) {
      if (!last) syntax_error(std::string("misplaced ") + clause + " clause");
    };
    switch (c->contype) {
      case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRABLE:
      case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_NOT_DEFERRABLE: {
        const bool deferrable = c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRABLE;
        need_last(deferrable ? "DEFERRABLE" : "NOT DEFERRABLE");
        if (saw_deferrability)
          syntax_error("multiple DEFERRABLE/NOT DEFERRABLE clauses not allowed");
        saw_deferrability = true;
        last->deferrable = deferrable;
        if (!deferrable && saw_initially && last->initdeferred)
          syntax_error("constraint declared INITIALLY DEFERRED must be DEFERRABLE");
        break;
      }
      case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRED:
      case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_IMMEDIATE: {
        const bool deferred = c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRED;
        need_last(deferred ? "INITIALLY DEFERRED" : "INITIALLY IMMEDIATE");
        if (saw_initially)
          syntax_error("multiple INITIALLY IMMEDIATE/DEFERRED clauses not allowed");
        saw_initially = true;
        last->initdeferred = deferred;
        if (deferred && !saw_deferrability)
          last->deferrable = true;  // INITIALLY DEFERRED implies DEFERRABLE
        else if (deferred && !last->deferrable)
          syntax_error("constraint declared INITIALLY DEFERRED must be DEFERRABLE");
        break;
      }
      case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
      case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
      case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION:
      case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
        last = c;
        saw_deferrability = saw_initially = false;
        break;
      default:
        last = nullptr;
        break;
    }
  }
}

// Adds a constraint (table-level or column-level for column `col`) to t.
void add_constraint(ExecContext& cx, catalog::Table& t, const PgQuery__Constraint* c, int col,
                    std::vector<std::pair<std::string, std::vector<int>>>* unique_out) {
  if (c->deferrable && (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY ||
                        c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE))
    fail(sqlstate::kFeatureNotSupported,
         "DEFERRABLE primary key and unique constraints are not supported");
  switch (c->contype) {
    case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
      t.columns[col].not_null = true;
      return;
    case PG_QUERY__CONSTR_TYPE__CONSTR_NULL:
      return;
    case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
      t.columns[col].default_expr = parse::deparse_expr(c->raw_expr);
      return;
    case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED:  // GENERATED ALWAYS AS (expr) STORED
      t.columns[col].generated_expr = parse::deparse_expr(c->raw_expr);
      return;
    case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY: {
      catalog::Sequence s;
      s.name = unique_relation_name(cx, t.name + "_" + t.columns[col].name + "_seq", &t);
      s.owner_table = t.oid;
      s.owner = t.owner;
      s.namespace_oid = t.namespace_oid;
      Oid so = cx.catalog.create_sequence(s, &cx.txn);
      t.columns[col].sequence = so;
      t.columns[col].not_null = true;
      t.columns[col].identity_always = c->generated_when && std::string(c->generated_when) == "a";
      t.columns[col].default_expr = serial_default(cx, t, s.name);
      return;
    }
    case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK: {
      std::string name;
      if (c->conname && *c->conname)
        name = c->conname;
      else {
        std::string first = col >= 0 ? t.columns[col].name : "";
        if (first.empty()) first_column_ref(c->raw_expr, first);
        name = t.name + "_" + (first.empty() ? "" : first + "_") + "check";
      }
      t.checks.push_back({name, parse::deparse_expr(c->raw_expr), cx.catalog.allocate_oid()});
      return;
    }
    case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY: {
      if (!t.primary_key.empty())
        fail("42P16", "multiple primary keys for table \"" + t.name + "\" are not allowed");
      t.primary_key = col >= 0 ? std::vector<int>{col} : column_list(t, c->keys, c->n_keys);
      for (int k : t.primary_key) t.columns[k].not_null = true;
      t.pkey_name = (c->conname && *c->conname) ? std::string(c->conname)
                                                : unique_relation_name(cx, t.name + "_pkey", &t);
      t.pkey_oid = cx.catalog.allocate_oid();
      return;
    }
    case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE: {
      std::vector<int> cols = col >= 0 ? std::vector<int>{col} : column_list(t, c->keys, c->n_keys);
      std::string name =
          (c->conname && *c->conname)
              ? std::string(c->conname)
              : unique_relation_name(cx, t.name + "_" + cols_name(t, cols) + "_key", &t);
      if (unique_out) {
        unique_out->emplace_back(name, cols);
        return;
      }
      catalog::Index idx;
      idx.id = t.next_index_id++;
      idx.oid = cx.catalog.allocate_oid();
      idx.name = name;
      idx.unique = true;
      idx.constraint = true;
      idx.columns = cols;
      if (c->n_including) idx.include = column_list(t, c->including, c->n_including);
      t.indexes.push_back(idx);
      return;
    }
    case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN: {
      catalog::ForeignKey fk;
      fk.columns = col >= 0 ? std::vector<int>{col} : column_list(t, c->fk_attrs, c->n_fk_attrs);
      auto parent = c->pktable->relname == t.name ? nullptr : utility_table(cx, c->pktable);
      const catalog::Table* pt =
          parent ? parent.get() : (std::string(c->pktable->relname) == t.name ? &t : nullptr);
      if (!pt)
        fail(sqlstate::kUndefinedTable,
             "relation \"" + std::string(c->pktable->relname) + "\" does not exist");
      if (pt->is_partitioned())
        fail(sqlstate::kFeatureNotSupported,
             "foreign keys referencing partitioned tables are not supported");
      if (pt->relkind() != 'r')
        fail(sqlstate::kWrongObjectType,
             "referenced relation \"" + std::string(c->pktable->relname) + "\" is not a table");
      if ((t.temp_namespace != 0) != (pt->temp_namespace != 0))
        fail(kInvalidTableDefinition,
             t.temp_namespace != 0
                 ? "constraints on temporary tables may reference only temporary tables"
                 : "constraints on permanent tables may reference only permanent tables");
      fk.ref_table = pt->oid;
      if (c->n_pk_attrs)
        fk.ref_columns = column_list(*pt, c->pk_attrs, c->n_pk_attrs);
      else
        fk.ref_columns = pt->primary_key;
      // PostgreSQL: the referenced columns are the primary key or match a unique index
      // without expressions (any column order); then the counts must agree.
      if (fk.ref_columns.empty())
        fail("42830", "there is no primary key for referenced table \"" + pt->name + "\"");
      if (!fk_target(*pt, fk.ref_columns))
        fail("42830", "there is no unique constraint matching given keys for referenced table \"" +
                          pt->name + "\"");
      if (fk.ref_columns.size() != fk.columns.size())
        fail("42830", "number of referencing and referenced columns for foreign key disagree");
      fk.name = (c->conname && *c->conname) ? std::string(c->conname)
                                            : t.name + "_" + cols_name(t, fk.columns) + "_fkey";
      // As PostgreSQL: the referenced column's equality must apply, either across types of one
      // operator family (int8 = int4) or after an implicit cast of the referencing value
      // (int to numeric); numeric referencing integer has neither.
      for (size_t k = 0; k < fk.columns.size(); ++k) {
        const TypeRef& ft = t.columns[fk.columns[k]].type;
        const TypeRef& pt_type = pt->columns[fk.ref_columns[k]].type;
        if (!fk_comparable(ft.oid, pt_type.oid))
          throw SqlError(Error{sqlstate::kDatatypeMismatch,
                               "foreign key constraint \"" + fk.name + "\" cannot be implemented",
                               "Key columns \"" + t.columns[fk.columns[k]].name + "\" and \"" +
                                   pt->columns[fk.ref_columns[k]].name +
                                   "\" are of incompatible types: " + types::format_type(ft) +
                                   " and " + types::format_type(pt_type) + "."});
      }
      auto action = [](const char* a) { return a && *a ? *a : catalog::ForeignKey::kNoAction; };
      fk.on_delete = action(c->fk_del_action);
      fk.on_update = action(c->fk_upd_action);
      fk.deferrable = c->deferrable;
      fk.initially_deferred = c->initdeferred;
      fk.oid = cx.catalog.allocate_oid();
      if (c->n_fk_del_set_cols)
        fail(sqlstate::kFeatureNotSupported,
             "ON DELETE SET NULL/SET DEFAULT with a column list is not supported");
      t.foreign_keys.push_back(fk);
      return;
    }
    default:
      return;  // deferrable attributes etc.
  }
}

// The storage parameters of CREATE TABLE / CREATE INDEX ... WITH (...). PostgreSQL's own
// (fillfactor, autovacuum_*, toast.*, ...) are accepted and have no effect here;
// holdfast.partition_key names the leading key columns that place a row or an index entry
// (catalog.h, doc/placement.md) and sets *partition_columns. `key` holds the key's column
// positions (the primary key, or the index's columns; -1 for an expression), `key_what`
// says what it is in messages.
void apply_storage_parameters(PgQuery__Node** options, size_t n, const catalog::Table& t,
                              const std::vector<int>& key, const std::string& key_what,
                              bool is_index, uint32_t* partition_columns) {
  static const char* const kTableParams[] = {
      "fillfactor",      "parallel_workers",     "toast_tuple_target",         "user_catalog_table",
      "vacuum_truncate", "vacuum_index_cleanup", "log_autovacuum_min_duration"};
  static const char* const kIndexParams[] = {"fillfactor", "deduplicate_items"};
  for (size_t i = 0; i < n; ++i) {
    if (!options[i] || options[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) continue;
    const auto* d = options[i]->def_elem;
    std::string ns = d->defnamespace ? d->defnamespace : "";
    std::string name = d->defname ? d->defname : "";
    if (ns == "holdfast" && name == "partition_key") {
      // 'a, b' as a string, or a single bare column name (the grammar reads it as a type).
      std::string text;
      if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_STRING)
        text = d->arg->string->sval;
      else if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_TYPE_NAME &&
               d->arg->type_name->n_names == 1)
        text = str_of(d->arg->type_name->names[0]);
      else
        fail(sqlstate::kInvalidParameterValue,
             "invalid value for parameter \"holdfast.partition_key\"");
      std::vector<std::string> names;
      std::string cur;
      for (char ch : text + ",") {
        if (ch == ',') {
          size_t a = cur.find_first_not_of(" \t\n"), b = cur.find_last_not_of(" \t\n");
          if (a == std::string::npos)
            fail(sqlstate::kInvalidParameterValue,
                 "invalid value for parameter \"holdfast.partition_key\": \"" + text + "\"");
          names.push_back(cur.substr(a, b - a + 1));
          cur.clear();
        } else {
          cur.push_back(ch);
        }
      }
      if (key.empty())
        fail(sqlstate::kInvalidParameterValue,
             "holdfast.partition_key requires a primary key on table \"" + t.name + "\"");
      std::string key_text;
      for (size_t k = 0; k < key.size(); ++k)
        key_text += (k ? ", " : "") + (key[k] >= 0 ? t.columns[key[k]].name : "expression");
      for (size_t k = 0; k < names.size(); ++k) {
        int c = t.find_column(names[k]);
        if (c < 0)
          fail(sqlstate::kUndefinedColumn,
               "column \"" + names[k] + "\" named in holdfast.partition_key does not exist");
        if (k >= key.size() || key[k] != c) {
          Error e;
          e.sqlstate = sqlstate::kInvalidParameterValue;
          e.message = "holdfast.partition_key must be a leading prefix of the " + key_what;
          e.detail = "The " + key_what + " is (" + key_text + ").";
          throw SqlError(std::move(e));
        }
      }
      *partition_columns = static_cast<uint32_t>(names.size());
      continue;
    }
    if (!ns.empty() && ns != "toast")
      fail(sqlstate::kInvalidParameterValue, "unrecognized parameter namespace \"" + ns + "\"");
    bool known = ns == "toast" || (!is_index && name.rfind("autovacuum_", 0) == 0);
    for (const char* p : kTableParams) known |= !is_index && name == p;
    for (const char* p : kIndexParams) known |= is_index && name == p;
    if (!known) fail(sqlstate::kInvalidParameterValue, "unrecognized parameter \"" + name + "\"");
  }
}

catalog::Column column_from_def(ExecContext& cx, catalog::Table& t, const PgQuery__ColumnDef* cd,
                                bool* serial, std::string* serial_kind) {
  catalog::Column col;
  col.name = cd->colname;
  if (cd->type_name == nullptr)
    fail(sqlstate::kFeatureNotSupported,
         "column \"" + col.name + "\" without a data type is not supported");
  std::string tn = bind::type_name_of(cd->type_name);
  *serial = false;
  if ((tn == "serial" || tn == "bigserial" || tn == "smallserial" || tn == "serial4" ||
       tn == "serial8" || tn == "serial2") &&
      cd->type_name->n_names == 1) {
    *serial = true;
    *serial_kind = tn;
    col.type = TypeRef{tn == "bigserial" || tn == "serial8"     ? type_oid::kInt8
                       : tn == "smallserial" || tn == "serial2" ? type_oid::kInt2
                                                                : type_oid::kInt4,
                       -1};
  } else {
    const auto path = session_search_path(cx.catalog, cx.session).schemas;
    col.type = bind::resolve_type_name(cd->type_name, path);
    refuse_composite_column(col.type, col.name);
    if (auto d = bind::domain_of_type_name(cd->type_name, path)) col.domain = d->oid;
  }
  col.not_null = cd->is_not_null;
  (void)cx;
  (void)t;
  return col;
}

// The table a PARTITION OF / ATTACH / DETACH names (42P01 when there is none).
catalog::TablePtr named_partition(ExecContext& cx, const PgQuery__RangeVar* rv) {
  auto t = utility_table(cx, rv);
  if (!t)
    fail(sqlstate::kUndefinedTable, "relation \"" + std::string(rv->relname) + "\" does not exist");
  return t;
}

// A partitioned table's primary key must hold every partition-key column (each partition
// then enforces it alone), as PostgreSQL requires.
void require_partition_columns(const catalog::Table& t) {
  for (int c : t.partition_key)
    if (std::find(t.primary_key.begin(), t.primary_key.end(), c) == t.primary_key.end())
      throw SqlError(Error{sqlstate::kFeatureNotSupported,
                           "unique constraint on partitioned table must include all partitioning "
                           "columns",
                           "PRIMARY KEY constraint on table \"" + t.name + "\" lacks column \"" +
                               t.columns[c].name + "\" which is part of the partition key."});
}

// CREATE TABLE ... PARTITION BY: the strategy and key columns (catalog.h "Partitioned
// tables"), with PostgreSQL's checks. REQUIRES: t's columns are known.
void set_partition_key(catalog::Table& t, const PgQuery__PartitionSpec* spec) {
  const std::string strategy = spec->strategy ? spec->strategy : "";
  t.partition_strategy = strategy.empty() ? 0 : strategy[0];
  if (t.partition_strategy != 'l' && t.partition_strategy != 'r' && t.partition_strategy != 'h')
    fail(sqlstate::kFeatureNotSupported,
         "partition strategy \"" + strategy + "\" is not supported");
  if (t.partition_strategy == 'l' && spec->n_part_params != 1) {
    Error e;
    e.sqlstate = "42P17";
    e.message = "cannot use \"list\" partition strategy with more than one column";
    throw SqlError(std::move(e));
  }
  for (size_t i = 0; i < spec->n_part_params; ++i) {
    const auto* elem = spec->part_params[i]->partition_elem;
    if (!elem->name || !*elem->name)
      fail(sqlstate::kFeatureNotSupported, "partition keys on expressions are not supported");
    int col = t.find_column(elem->name);
    if (col < 0) {
      Error e;
      e.sqlstate = sqlstate::kUndefinedColumn;
      e.message =
          "column \"" + std::string(elem->name) + "\" named in partition key does not exist";
      e.position = elem->location + 1;
      throw SqlError(std::move(e));
    }
    // A hash key's rows are placed by PostgreSQL's hash of each value (sql/types/hashing.h).
    if (t.partition_strategy == 'h' && !types::has_extended_hash(t.columns[col].type.oid))
      fail(sqlstate::kFeatureNotSupported, "hash partitioning on a column of type " +
                                               types::format_type(t.columns[col].type) +
                                               " is not supported");
    t.partition_key.push_back(col);
  }
}

// PostgreSQL's CREATE TABLE ... LIKE options (TableLikeOption bits).
constexpr uint32_t kLikeComments = 1u << 0, kLikeConstraints = 1u << 2, kLikeDefaults = 1u << 3,
                   kLikeGenerated = 1u << 4, kLikeIdentity = 1u << 5, kLikeIndexes = 1u << 6;

// One LIKE clause of a CREATE TABLE: its source and where its columns start in the new table.
struct LikeSource {
  catalog::TablePtr src;
  const PgQuery__TableLikeClause* like = nullptr;
  int first_column = 0;
};

// CREATE TABLE ... (LIKE source [INCLUDING ...]), first part (PostgreSQL's
// transformTableLikeClause): source's columns with their types and NOT NULL, and as asked
// their defaults, generated expressions, identity (a sequence of the new table's own, with
// the source sequence's bounds) and comments. CHECK constraints and indexes come after the
// table's own constraints (add_like_constraints), as PostgreSQL adds them once the table exists.
LikeSource add_like_columns(ExecContext& cx, catalog::Table& t,
                            const PgQuery__TableLikeClause* like) {
  auto src = utility_table(cx, like->relation);
  if (!src) {
    Error e;
    e.sqlstate = sqlstate::kUndefinedTable;
    e.message = "relation \"" + std::string(like->relation->relname) + "\" does not exist";
    e.position = like->relation->location + 1;
    throw SqlError(std::move(e));
  }
  LikeSource out{src, like, static_cast<int>(t.columns.size())};
  for (const auto& c : src->columns) {
    if (t.find_column(c.name) >= 0)
      fail(sqlstate::kDuplicateColumn, "column \"" + c.name + "\" specified more than once");
    catalog::Column col;
    col.name = c.name;
    col.type = c.type;
    col.not_null = c.not_null;
    if (like->options & kLikeComments) col.comment = c.comment;
    // An identity column's default is its sequence (copied only with INCLUDING IDENTITY); a
    // serial column's nextval default is an ordinary default and names the source's sequence.
    const bool identity = c.sequence != 0 && c.identity_always;
    if ((like->options & kLikeDefaults) && !identity && c.generated_expr.empty())
      col.default_expr = c.default_expr;
    if ((like->options & kLikeGenerated) && !c.generated_expr.empty())
      col.generated_expr = c.generated_expr;
    t.columns.push_back(std::move(col));
    if ((like->options & kLikeIdentity) && identity) {
      catalog::Column& nc = t.columns.back();
      catalog::Sequence sq;
      if (auto old = cx.catalog.sequence_by_oid(c.sequence)) sq = *old;
      sq.oid = 0;
      sq.acl.reset();
      sq.name = unique_relation_name(cx, t.name + "_" + nc.name + "_seq", &t);
      sq.owner_table = t.oid;
      sq.owner = t.owner;
      sq.namespace_oid = t.namespace_oid;
      nc.sequence = cx.catalog.create_sequence(sq, &cx.txn);
      nc.identity_always = true;
      nc.default_expr = serial_default(cx, t, sq.name);
    }
  }
  return out;
}

// The column name PostgreSQL's FigureIndexColname gives an index expression: a function's
// name, a column's, through casts; "expr" for anything else.
std::string index_expr_name(const std::string& expr) {
  const PgQuery__Node* n = nullptr;
  auto tree = parse::parse_expression(expr, &n);
  while (n && n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST) n = n->type_cast->arg;
  if (n && n->node_case == PG_QUERY__NODE__NODE_FUNC_CALL)
    return str_of(n->func_call->funcname[n->func_call->n_funcname - 1]);
  if (n && n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
      n->column_ref->fields[n->column_ref->n_fields - 1]->node_case == PG_QUERY__NODE__NODE_STRING)
    return str_of(n->column_ref->fields[n->column_ref->n_fields - 1]);
  return "expr";
}

// CREATE TABLE ... (LIKE source INCLUDING CONSTRAINTS / INDEXES), second part (PostgreSQL's
// expandTableLikeClause): the source's CHECK constraints under their own names, and its
// primary key, unique constraints and indexes under names chosen for the new table.
void add_like_constraints(ExecContext& cx, catalog::Table& t, const LikeSource& ls) {
  const catalog::Table& src = *ls.src;
  const uint32_t options = ls.like->options;
  if (options & kLikeConstraints)
    for (const auto& c : src.checks)
      t.checks.push_back({c.name, c.expr, cx.catalog.allocate_oid()});
  if (!(options & kLikeIndexes)) return;
  auto moved = [&](const std::vector<int>& cols) {
    std::vector<int> out;
    for (int c : cols) out.push_back(c < 0 ? c : c + ls.first_column);
    return out;
  };
  if (!src.primary_key.empty()) {
    if (!t.primary_key.empty())
      fail("42P16", "multiple primary keys for table \"" + t.name + "\" are not allowed");
    t.primary_key = moved(src.primary_key);
    t.partition_columns = src.partition_columns;
    t.pkey_name = unique_relation_name(cx, t.name + "_pkey", &t);
    t.pkey_oid = cx.catalog.allocate_oid();
  }
  for (const auto& si : src.indexes) {
    catalog::Index idx = si;
    idx.columns = moved(si.columns);
    idx.include = moved(si.include);
    std::string name_part;
    size_t e = 0;
    for (int c : si.columns)
      name_part += (name_part.empty() ? "" : "_") +
                   (c >= 0 ? src.columns[c].name : index_expr_name(si.exprs[e++]));
    for (int c : si.include) name_part += (name_part.empty() ? "" : "_") + src.columns[c].name;
    idx.name =
        unique_relation_name(cx, t.name + "_" + name_part + (si.constraint ? "_key" : "_idx"), &t);
    idx.id = t.next_index_id++;
    idx.oid = cx.catalog.allocate_oid();
    t.indexes.push_back(std::move(idx));
  }
}

}  // namespace

std::optional<catalog::Table> new_table(ExecContext& cx, const PgQuery__RangeVar* rv,
                                        PgQuery__OnCommitAction oncommit, bool if_not_exists) {
  std::string name = rv->relname;
  const std::string schema = rv->schemaname ? rv->schemaname : "";
  // CREATE TEMP TABLE, or CREATE TABLE pg_temp.x (PostgreSQL makes that temporary too).
  const bool temp =
      (rv->relpersistence && std::string(rv->relpersistence) == "t") || schema == "pg_temp";
  const bool on_commit_given = oncommit != PG_QUERY__ON_COMMIT_ACTION__ONCOMMIT_NOOP &&
                               oncommit != PG_QUERY__ON_COMMIT_ACTION__ON_COMMIT_ACTION_UNDEFINED;
  if (on_commit_given && !temp)
    fail(kInvalidTableDefinition, "ON COMMIT can only be used on temporary tables");
  if (temp && !schema.empty() && schema != "pg_temp") {
    Error e;
    e.sqlstate = kInvalidTableDefinition;
    e.message = "cannot create temporary relation in non-temporary schema";
    e.position = rv->location + 1;
    throw SqlError(std::move(e));
  }
  const Oid ns = temp ? catalog::kPublicNamespaceId : creation_schema(cx, rv);
  if (!temp) wait_for_uncommitted_create(cx, NewObject::kTable, name, 0, ns);
  if (cx.catalog.relation_exists(name, temp ? cx.session.temp_namespace() : 0, ns)) {
    if (if_not_exists) {
      notice(cx, sqlstate::kDuplicateTable, "relation \"" + name + "\" already exists, skipping");
      return std::nullopt;
    }
    fail(sqlstate::kDuplicateTable, "relation \"" + name + "\" already exists");
  }
  if (!temp) refuse_row_type_clash(cx, ns, name);
  catalog::Table t;
  t.name = name;
  t.oid = cx.catalog.allocate_oid();
  t.owner = current_user(cx);
  t.namespace_oid = ns;
  if (temp) {
    t.temp_namespace = cx.session.temp_namespace();
    if (t.temp_namespace == 0)
      fail(sqlstate::kFeatureNotSupported, "temporary tables are not supported here");
    if (oncommit == PG_QUERY__ON_COMMIT_ACTION__ONCOMMIT_DELETE_ROWS)
      t.on_commit = catalog::Table::kDeleteRows;
    else if (oncommit == PG_QUERY__ON_COMMIT_ACTION__ONCOMMIT_DROP)
      t.on_commit = catalog::Table::kDrop;
  }
  return t;
}

namespace {

// Sequences: the options of CREATE SEQUENCE and ALTER SEQUENCE, checked as PostgreSQL 15's
// init_params (sequence.c) checks them, with its messages. What a sequence's data type is
// (holdfast stores none) is read back from its bounds, as pg_sequences does.
std::string sequence_type_of(const catalog::Sequence& sq) {
  if (sq.max_value == INT16_MAX || sq.min_value == INT16_MIN) return "smallint";
  if (sq.max_value == INT32_MAX || sq.min_value == INT32_MIN) return "integer";
  return "bigint";
}

int64_t sequence_option_value(const PgQuery__DefElem* d) {
  if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_INTEGER) return d->arg->integer->ival;
  if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_FLOAT) {
    // A literal past int4 (or with a fraction) comes as a Float: read as bigint, as PostgreSQL.
    const std::string text = d->arg->float_->fval;
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc::result_out_of_range)
      fail("22003", "value \"" + text + "\" is out of range for type bigint");
    if (ec != std::errc() || end != text.data() + text.size())
      fail("22P02", "invalid input syntax for type bigint: \"" + text + "\"");
    return v;
  }
  return 0;
}

// Applies CREATE SEQUENCE's (alter false: sq is a new sequence) or ALTER SEQUENCE's options
// to sq. Returns the RESTART value (ALTER only; RESTART without WITH: the start value).
// OWNED BY is apply_sequence_owned_by's.
std::optional<int64_t> apply_sequence_options(catalog::Sequence& sq, PgQuery__Node* const* options,
                                              size_t n, bool alter) {
  const PgQuery__DefElem *as = nullptr, *start = nullptr, *restart = nullptr, *inc = nullptr,
                         *minv = nullptr, *maxv = nullptr, *cache = nullptr;
  for (size_t i = 0; i < n; ++i) {
    const auto* d = options[i]->def_elem;
    const std::string opt = d->defname;
    const PgQuery__DefElem** slot = opt == "as"          ? &as
                                    : opt == "start"     ? &start
                                    : opt == "restart"   ? &restart
                                    : opt == "increment" ? &inc
                                    : opt == "minvalue"  ? &minv
                                    : opt == "maxvalue"  ? &maxv
                                    : opt == "cache"     ? &cache
                                                         : nullptr;
    if (opt == "cycle") {
      // holdfast's sequences do not wrap: NO CYCLE is what they do, CYCLE is refused.
      if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN && d->arg->boolean->boolval)
        fail(sqlstate::kFeatureNotSupported, "CYCLE sequences are not supported");
      continue;
    }
    if (!slot) continue;  // OWNED BY, sequence_name: the caller's
    if (*slot) fail(sqlstate::kSyntaxError, "conflicting or redundant options");
    *slot = d;
  }
  const std::string old_type = alter ? sequence_type_of(sq) : "bigint";
  std::string type = old_type;
  if (as) {
    const std::string t = as->arg && as->arg->node_case == PG_QUERY__NODE__NODE_TYPE_NAME
                              ? bind::type_name_of(as->arg->type_name)
                              : "";
    if (t != "int2" && t != "int4" && t != "int8")
      fail(sqlstate::kInvalidParameterValue, "sequence type must be smallint, integer, or bigint");
    type = t == "int2" ? "smallint" : t == "int4" ? "integer" : "bigint";
  }
  auto type_max = [](const std::string& t) -> int64_t {
    return t == "smallint" ? INT16_MAX : t == "integer" ? INT32_MAX : INT64_MAX;
  };
  auto type_min = [](const std::string& t) -> int64_t {
    return t == "smallint" ? INT16_MIN : t == "integer" ? INT32_MIN : INT64_MIN;
  };
  if (inc) {
    sq.increment = sequence_option_value(inc);
    if (sq.increment == 0) fail(sqlstate::kInvalidParameterValue, "INCREMENT must not be zero");
  }
  // A bound changes when given; at creation or NO MAXVALUE / NO MINVALUE it takes the default;
  // AS resets one that was the old type's limit.
  const bool reset_max = alter && as && sq.max_value == type_max(old_type);
  const bool reset_min = alter && as && sq.min_value == type_min(old_type);
  if (maxv && maxv->arg)
    sq.max_value = sequence_option_value(maxv);
  else if (!alter || maxv || reset_max)
    sq.max_value = sq.increment > 0 || reset_max ? type_max(type) : -1;
  if (minv && minv->arg)
    sq.min_value = sequence_option_value(minv);
  else if (!alter || minv || reset_min)
    sq.min_value = sq.increment < 0 || reset_min ? type_min(type) : 1;
  if (sq.max_value < type_min(type) || sq.max_value > type_max(type))
    fail(sqlstate::kInvalidParameterValue, "MAXVALUE (" + std::to_string(sq.max_value) +
                                               ") is out of range for sequence data type " + type);
  if (sq.min_value < type_min(type) || sq.min_value > type_max(type))
    fail(sqlstate::kInvalidParameterValue, "MINVALUE (" + std::to_string(sq.min_value) +
                                               ") is out of range for sequence data type " + type);
  if (sq.min_value >= sq.max_value)
    fail(sqlstate::kInvalidParameterValue, "MINVALUE (" + std::to_string(sq.min_value) +
                                               ") must be less than MAXVALUE (" +
                                               std::to_string(sq.max_value) + ")");
  if (start)
    sq.start = sequence_option_value(start);
  else if (!alter)
    sq.start = sq.increment > 0 ? sq.min_value : sq.max_value;
  auto check_bounds = [&](const char* what, int64_t v) {
    if (v < sq.min_value)
      fail(sqlstate::kInvalidParameterValue, std::string(what) + " value (" + std::to_string(v) +
                                                 ") cannot be less than MINVALUE (" +
                                                 std::to_string(sq.min_value) + ")");
    if (v > sq.max_value)
      fail(sqlstate::kInvalidParameterValue, std::string(what) + " value (" + std::to_string(v) +
                                                 ") cannot be greater than MAXVALUE (" +
                                                 std::to_string(sq.max_value) + ")");
  };
  check_bounds("START", sq.start);
  std::optional<int64_t> restart_value;
  if (restart) {
    restart_value = restart->arg ? sequence_option_value(restart) : sq.start;
    check_bounds("RESTART", *restart_value);
  }
  if (cache && sequence_option_value(cache) <= 0)
    fail(sqlstate::kInvalidParameterValue,
         "CACHE (" + std::to_string(sequence_option_value(cache)) + ") must be greater than zero");
  return restart_value;
}

// OWNED BY t.c | NONE of CREATE SEQUENCE and ALTER SEQUENCE: the table whose drop drops sq.
void apply_sequence_owned_by(ExecContext& cx, catalog::Sequence& sq, PgQuery__Node* const* options,
                             size_t n) {
  const auto path = session_search_path(cx.catalog, cx.session);
  for (size_t i = 0; i < n; ++i) {
    const auto* d = options[i]->def_elem;
    if (std::string(d->defname) != "owned_by") continue;
    if (!d->arg || d->arg->node_case != PG_QUERY__NODE__NODE_LIST) continue;
    const auto* l = d->arg->list;
    std::vector<std::string> parts;
    for (size_t j = 0; j < l->n_items; ++j)
      if (l->items[j]->node_case == PG_QUERY__NODE__NODE_STRING)
        parts.push_back(l->items[j]->string->sval);
    if (parts.size() == 1 && parts[0] == "none") {
      sq.owner_table = 0;
      continue;
    }
    if (parts.size() < 2)
      throw SqlError(sqlstate::kInvalidParameterValue, "invalid OWNED BY option", "",
                     "Specify OWNED BY table.column or OWNED BY NONE.");
    const std::string col = parts.back();
    const std::string tname = parts[parts.size() - 2];
    const std::string tschema = parts.size() > 2 ? parts[parts.size() - 3] : "";
    auto t = cx.catalog.find_table(tschema, tname, path);
    if (!t) fail(sqlstate::kUndefinedTable, "relation \"" + tname + "\" does not exist");
    if (t->find_column(col) < 0)
      fail(sqlstate::kUndefinedColumn,
           "column \"" + col + "\" of relation \"" + tname + "\" does not exist");
    if (t->namespace_oid != sq.namespace_oid)
      fail("55000", "sequence must be in same schema as table it is linked to");
    sq.owner_table = t->oid;
  }
}

// ALTER SEQUENCE [IF EXISTS] name options. The definition changes for the transaction (a
// rollback puts the old one back); RESTART sets the value as setval(n, false) does. Inside a
// transaction block only OWNED BY is taken (see below).
std::string alter_sequence(const PgQuery__AlterSeqStmt* s, ExecContext& cx) {
  const std::string name = s->sequence->relname;
  const std::string schema = s->sequence->schemaname ? s->sequence->schemaname : "";
  const auto path = session_search_path(cx.catalog, cx.session);
  auto sq = cx.catalog.find_sequence(schema, name, path);
  if (!sq) {
    const bool other = static_cast<bool>(cx.catalog.find_table(schema, name, path));
    if (other) fail(sqlstate::kWrongObjectType, "\"" + name + "\" is not a sequence");
    if (s->missing_ok) {
      notice(cx, "00000", "relation \"" + name + "\" does not exist, skipping");
      return "ALTER SEQUENCE";
    }
    fail(sqlstate::kUndefinedTable, "relation \"" + name + "\" does not exist");
  }
  require_owner(cx, sq->owner, "sequence", name);
  catalog::Sequence next = *sq;
  const auto restart = apply_sequence_options(next, s->options, s->n_options, true);
  apply_sequence_owned_by(cx, next, s->options, s->n_options);
  // In a transaction block PostgreSQL 15 gives the sequence new storage for every option but
  // OWNED BY: a rollback undoes the values handed out after it as well, and other sessions'
  // nextval waits for the commit. holdfast's values are never rolled back and the definition
  // is seen at once, so those options are refused there (they work outside a block).
  if (cx.session.in_transaction_block()) {
    for (size_t i = 0; i < s->n_options; ++i) {
      const auto* d = s->options[i]->def_elem;
      std::string opt = d->defname;
      if (opt == "owned_by") continue;
      if (opt == "cycle")
        opt =
            d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN && d->arg->boolean->boolval
                ? "CYCLE"
                : "NO CYCLE";
      else if ((opt == "minvalue" || opt == "maxvalue") && !d->arg)
        opt = "NO " + opt;
      std::transform(opt.begin(), opt.end(), opt.begin(), ::toupper);
      fail(sqlstate::kFeatureNotSupported,
           "ALTER SEQUENCE ... " + opt + " inside a transaction block is not supported");
    }
  }
  cx.catalog.replace_sequence(next, &cx.txn);
  if (restart) cx.catalog.setval(next.oid, *restart, false);
  return "ALTER SEQUENCE";
}

}  // namespace

void give_rowid_sequence(ExecContext& cx, catalog::Table& t) {
  catalog::Sequence sq;
  sq.name = "hf_rowid_" + std::to_string(t.oid);
  sq.owner_table = t.oid;
  sq.owner = t.owner;
  sq.namespace_oid = t.namespace_oid;
  t.rowid_sequence = cx.catalog.create_sequence(sq, &cx.txn);
}

namespace {

std::string create_table(const PgQuery__CreateStmt* s, ExecContext& cx) {
  // Forms whose columns come from elsewhere: their column definitions carry no type.
  if (s->of_typename)
    fail(sqlstate::kFeatureNotSupported, "CREATE TABLE ... OF type is not supported");
  if (s->n_inh_relations > 0 && !s->partbound)
    fail(sqlstate::kFeatureNotSupported, "CREATE TABLE ... INHERITS is not supported");
  // CREATE TABLE ... PARTITION OF parent: the parent's columns, defaults and CHECK constraints.
  catalog::TablePtr partition_parent;
  if (s->partbound) {
    partition_parent = named_partition(cx, s->inh_relations[0]->range_var);
    if (!partition_parent->is_partitioned())
      fail(sqlstate::kWrongObjectType, "\"" + partition_parent->name + "\" is not partitioned");
  }
  auto shell = new_table(cx, s->relation, s->oncommit, s->if_not_exists);
  if (!shell) return "CREATE TABLE";
  catalog::Table& t = *shell;
  const bool temp = t.temp_namespace != 0;
  if (partition_parent) {
    for (const auto& c : partition_parent->columns) {
      catalog::Column col;
      col.name = c.name;
      col.type = c.type;
      col.not_null = c.not_null;
      col.default_expr = c.default_expr;
      t.columns.push_back(std::move(col));
    }
    for (const auto& c : partition_parent->checks)
      t.checks.push_back({c.name, c.expr, cx.catalog.allocate_oid()});
  }
  std::vector<std::pair<const PgQuery__Constraint*, int>> deferred;
  std::vector<LikeSource> likes;
  for (size_t i = 0; i < s->n_table_elts; ++i) {
    const auto* e = s->table_elts[i];
    if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF && partition_parent) {
      fail(sqlstate::kFeatureNotSupported,
           "column options in CREATE TABLE ... PARTITION OF are not supported");
    } else if (e->node_case == PG_QUERY__NODE__NODE_TABLE_LIKE_CLAUSE) {
      likes.push_back(add_like_columns(cx, t, e->table_like_clause));
    } else if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
      const auto* cd = e->column_def;
      if (t.find_column(cd->colname) >= 0)
        fail(sqlstate::kDuplicateColumn,
             "column \"" + std::string(cd->colname) + "\" specified more than once");
      bool serial = false;
      std::string kind;
      t.columns.push_back(column_from_def(cx, t, cd, &serial, &kind));
      int col = static_cast<int>(t.columns.size()) - 1;
      if (serial) {
        catalog::Sequence sq;
        sq.name = unique_relation_name(cx, t.name + "_" + cd->colname + "_seq", &t);
        sq.owner_table = t.oid;
        sq.owner = t.owner;
        sq.namespace_oid = t.namespace_oid;
        if (t.columns[col].type.oid == type_oid::kInt4) sq.max_value = INT32_MAX;
        if (t.columns[col].type.oid == type_oid::kInt2) sq.max_value = INT16_MAX;
        t.columns[col].sequence = cx.catalog.create_sequence(sq, &cx.txn);
        t.columns[col].default_expr = serial_default(cx, t, sq.name);
        t.columns[col].not_null = true;
      }
      fold_constraint_attributes(cd->constraints, cd->n_constraints);
      for (size_t k = 0; k < cd->n_constraints; ++k)
        deferred.emplace_back(cd->constraints[k]->constraint, col);
    } else if (e->node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
      deferred.emplace_back(e->constraint, -1);
    } else {
      fail(sqlstate::kFeatureNotSupported, "unsupported table element");
    }
  }
  // Primary key first (names of unique constraints avoid it), then the rest in order.
  for (auto& [c, col] : deferred)
    if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY) add_constraint(cx, t, c, col, nullptr);
  for (auto& [c, col] : deferred)
    if (c->contype != PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY) add_constraint(cx, t, c, col, nullptr);
  for (const auto& like : likes) add_like_constraints(cx, t, like);
  apply_storage_parameters(s->options, s->n_options, t, t.primary_key, "primary key", false,
                           &t.partition_columns);
  if (s->partspec) {
    set_partition_key(t, s->partspec);
    // The parent holds no rows, so no keys or indexes of its own (PostgreSQL would put one
    // on each partition).
    if (!t.indexes.empty())
      fail(sqlstate::kFeatureNotSupported,
           "unique constraints on partitioned tables are not supported");
    if (!t.primary_key.empty()) require_partition_columns(t);
    if (!t.foreign_keys.empty())
      fail(sqlstate::kFeatureNotSupported, "foreign keys on partitioned tables are not supported");
  }
  if (partition_parent) {
    if (temp != (partition_parent->temp_namespace != 0))
      fail(sqlstate::kWrongObjectType,
           std::string(temp ? "cannot create a temporary relation as partition of permanent "
                            : "cannot create a permanent relation as partition of temporary ") +
               "relation \"" + partition_parent->name + "\"");
    require_owner(cx, partition_parent->owner, "table", partition_parent->name);
    lock_relation(cx, *partition_parent, coord::table_mode::kAccessExclusive);
    t.partition_parent = partition_parent->oid;
    t.partition_bound = make_partition_bound(*partition_parent, s->partbound, t.name, cx);
    check_default_partition(*partition_parent, t, cx);
    // The parent's primary key is each partition's (PostgreSQL builds its index on each).
    if (!partition_parent->primary_key.empty()) {
      if (!t.primary_key.empty() && t.primary_key != partition_parent->primary_key)
        fail(sqlstate::kFeatureNotSupported,
             "a partition whose primary key differs from its parent's is not supported");
      if (t.primary_key.empty()) {
        t.primary_key = partition_parent->primary_key;
        for (int k : t.primary_key) t.columns[k].not_null = true;
        t.pkey_name = unique_relation_name(cx, t.name + "_pkey", &t);
        t.pkey_oid = cx.catalog.allocate_oid();
      }
    }
  }
  if (t.primary_key.empty() && !t.is_partitioned()) give_rowid_sequence(cx, t);
  // validate stored expressions now (types, names)
  for (const auto& c : t.columns)
    if (!c.default_expr.empty()) bind::bind_table_expr(cx.catalog, t, c.default_expr, &c.type);
  for (const auto& c : t.checks) bind::bind_table_expr(cx.catalog, t, c.expr, nullptr);
  cx.catalog.create_table(std::move(t), &cx.txn);
  return "CREATE TABLE";
}

// Rewrites every row of `from` into table `to` (new storage, new key layout), building its
// indexes. Rows are moved inside the caller's transaction.
void rewrite_table(const catalog::Table& from, const catalog::Table& to, ExecContext& cx,
                   const std::function<Row(const Row&)>& transform) {
  // The old rows are read once: through the block cache they would evict what the workload
  // reads (pgbench -i's primary-key rewrite: 2.0 -> 1.45 s of CPU without).
  struct BulkReads {
    coord::Transaction& txn;
    explicit BulkReads(coord::Transaction& t) : txn(t) { txn.set_bulk_reads(true); }
    ~BulkReads() { txn.set_bulk_reads(false); }
  } bulk_reads(cx.txn);
  // Rows stream from the old keyspace into the new one (never all in memory): `to` has its own
  // storage id, and our writes are invisible to this statement's scan anyway.
  Writer w(to, cx);
  std::vector<bind::ExprPtr> no_checks;
  auto next_row = [&](StoredRow& r) {
    Row nr = transform ? transform(r.row) : std::move(r.row);
    nr.resize(to.columns.size());
    w.check_row(nr, no_checks);
    return nr;
  };
  if (!to.indexes.empty() || !to.foreign_keys.empty()) {
    scan_table(from, bind::TableAccess{}, Row{}, cx, [&](StoredRow& r) {
      w.insert(next_row(r), -3, nullptr);
      return true;
    });
    return;
  }
  // Bulk path (ALTER TABLE ... ADD PRIMARY KEY on pgbench's tables): `to` lives in a new
  // keyspace nobody else can reach (ALTER holds the table's AccessExclusiveLock), so a key is
  // taken only if this rewrite loaded it already (LoadedKeys: nothing to remember while keys
  // come in order), and its rows are loaded (coord::Transaction::load: no row lock, intent
  // or resolution; a ROLLBACK drops the keyspace whole); existing rows passed their foreign
  // keys already (there are none).
  cx.txn.note_new_keyspace(to.storage_id);  // made by this statement, before replace_table
  auto space = row_space(to);
  auto col_types = column_types(to);
  LoadedKeys loaded(/*empty=*/true);
  scan_table(from, bind::TableAccess{}, Row{}, cx, [&](StoredRow& r) {
    Row nr = next_row(r);
    std::string key = new_row_key(to, nr, cx);
    std::string routing = row_routing(to, key);
    if (!to.primary_key.empty() && loaded.taken(space, routing, key, cx)) {
      // PostgreSQL's index build error (not the insert-time "violates unique constraint").
      Error e;
      e.sqlstate = sqlstate::kUniqueViolation;
      e.message = "could not create unique index \"" + to.pkey_name + "\"";
      std::string names, vals;
      for (size_t i = 0; i < to.primary_key.size(); ++i) {
        int c = to.primary_key[i];
        names += (i ? ", " : "") + to.columns[c].name;
        vals += i ? ", " : "";
        vals += nr[c].is_null() ? "null" : types::to_text(nr[c], to.columns[c].type, cx.fctx.zone);
      }
      e.detail = "Key (" + names + ")=(" + vals + ") is duplicated.";
      throw SqlError(std::move(e));
    }
    cx.txn.load(space, routing, std::move(key), types::encode_row(nr, col_types));
    return true;
  });
  cx.txn.flush_loads();
}

std::string drop(const PgQuery__DropStmt* s, ExecContext& cx) {
  if (s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA) return drop_schemas(s, cx);
  if (s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE) return drop_types(s, cx);
  if (s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN) return drop_domains(s, cx);
  bool cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
  for (size_t i = 0; i < s->n_objects; ++i) {
    const auto* obj = s->objects[i];
    std::string name, schema;
    if (obj->node_case == PG_QUERY__NODE__NODE_LIST) {
      name = str_of(obj->list->items[obj->list->n_items - 1]);
      if (obj->list->n_items >= 2) schema = str_of(obj->list->items[obj->list->n_items - 2]);
    } else {
      name = str_of(obj);
    }
    // A schema named that does not exist: 3F000, or a notice with IF EXISTS.
    if (!schema.empty() && schema != "pg_temp" && !cx.catalog.find_schema(schema)) {
      if (s->missing_ok) {
        notice(cx, "00000", "schema \"" + schema + "\" does not exist, skipping");
        continue;
      }
      fail(sqlstate::kInvalidSchemaName, "schema \"" + schema + "\" does not exist");
    }
    const auto path = session_search_path(cx.catalog, cx.session);
    switch (s->remove_type) {
      case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
      case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
      case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW: {
        const char relkind = s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW      ? 'v'
                             : s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW ? 'm'
                                                                                       : 'r';
        const std::string kind = relkind == 'v'   ? "view"
                                 : relkind == 'm' ? "materialized view"
                                                  : "table";
        // s.x: the relation in schema s even when a temporary x shadows it; pg_temp.x: only
        // the temporary one; x: the first along the search path.
        auto t = cx.catalog.find_table(schema, name, path);
        if (!t) {
          if (s->missing_ok) {
            notice(cx, "00000", kind + " \"" + name + "\" does not exist, skipping");
            continue;
          }
          fail(sqlstate::kUndefinedTable, kind + " \"" + name + "\" does not exist");
        }
        if ((t->relkind() == 'p' ? 'r' : t->relkind()) != relkind) {
          Error e;
          e.sqlstate = sqlstate::kWrongObjectType;
          e.message = "\"" + name + "\" is not a " + kind;
          e.hint = t->relkind() == 'v' ? "Use DROP VIEW to remove a view."
                   : t->relkind() == 'm'
                       ? "Use DROP MATERIALIZED VIEW to remove a materialized view."
                       : "Use DROP TABLE to remove a table.";
          throw SqlError(std::move(e));
        }
        require_owner(cx, t->owner, kind.c_str(), name);
        // Objects dropped by the same statement do not block (DROP TABLE a, b).
        std::set<std::string> in_statement;
        for (size_t j = 0; j < s->n_objects; ++j) {
          const auto* o = s->objects[j];
          in_statement.insert(o->node_case == PG_QUERY__NODE__NODE_LIST
                                  ? str_of(o->list->items[o->list->n_items - 1])
                                  : str_of(o));
        }
        // What depends on it (foreign keys, views), in the order PostgreSQL lists it: the
        // direct dependents as they were made, each view followed by the views on it.
        struct Dependent {
          Oid group;
          std::string detail, cascade;
        };
        std::vector<Dependent> found;
        std::vector<catalog::TablePtr> referencing;
        for (const auto& other : cx.catalog.tables()) {
          if (other->oid == t->oid) continue;
          for (const auto& fk : other->foreign_keys) {
            if (fk.ref_table != t->oid) continue;
            referencing.push_back(other);
            if (!in_statement.count(other->name))
              found.push_back(
                  {fk.oid,
                   "constraint " + fk.name + " on table " + other->name + " depends on " + kind +
                       " " + name,
                   "drop cascades to constraint " + fk.name + " on table " + other->name});
            break;
          }
        }
        std::vector<catalog::TablePtr> views;
        for (const auto& d : dependent_views(cx, *t)) {
          if (in_statement.count(d.view->name)) continue;
          views.push_back(d.view);
          found.push_back(
              {d.group, d.detail,
               "drop cascades to " + std::string(d.view->kind_name()) + " " + d.view->name});
        }
        // Functions that take or return its row type (sql/types/composite_types.h).
        std::vector<Oid> functions;
        for (const auto& f : cx.catalog.functions().all()) {
          bool uses = f->result.oid == t->oid;
          for (const auto& a : f->args) uses = uses || a.type.oid == t->oid;
          if (!uses) continue;
          // Shown with its schema unless the search path finds it (format_procedure).
          const bool visible = std::find(path.schemas.begin(), path.schemas.end(),
                                         f->namespace_oid) != path.schemas.end();
          const std::string shown =
              "function " +
              function_signature(
                  (visible ? "" : cx.catalog.schema_name(f->namespace_oid) + ".") + f->name,
                  f->input_types(), true);
          functions.push_back(f->oid);
          found.push_back({f->oid, shown + " depends on type " + types::format_type({t->oid, -1}),
                           "drop cascades to " + shown});
        }
        std::stable_sort(found.begin(), found.end(),
                         [](const Dependent& a, const Dependent& b) { return a.group < b.group; });
        std::vector<std::string> depends, cascades;
        for (auto& d : found) {
          depends.push_back(std::move(d.detail));
          cascades.push_back(std::move(d.cascade));
        }
        if (!depends.empty() && !cascade) {
          Error e;
          e.sqlstate = "2BP01";
          e.message = "cannot drop " + kind + " " + name + " because other objects depend on it";
          for (const auto& d : depends) e.detail += (e.detail.empty() ? "" : "\n") + d;
          e.hint = "Use DROP ... CASCADE to drop the dependent objects too.";
          throw SqlError(std::move(e));
        }
        if (cascades.size() == 1) {
          notice(cx, "00000", cascades[0]);
        } else if (cascades.size() > 1) {
          Error e;
          e.severity = "NOTICE";
          e.sqlstate = "00000";
          e.message = "drop cascades to " + std::to_string(cascades.size()) + " other objects";
          for (const auto& c : cascades) e.detail += (e.detail.empty() ? "" : "\n") + c;
          cx.session.notice(e);
        }
        for (const auto& other : referencing) {
          catalog::Table copy = *cx.catalog.table_by_oid(other->oid);
          std::erase_if(copy.foreign_keys,
                        [&](const catalog::ForeignKey& f) { return f.ref_table == t->oid; });
          cx.catalog.replace_table(std::move(copy), &cx.txn);
        }
        for (const auto& v : views) cx.catalog.drop_table(v->oid, &cx.txn);
        // A partitioned table's partitions go with it (PostgreSQL's pg_depend 'a' entries).
        std::function<void(Oid)> drop_partitions = [&](Oid parent) {
          for (const auto& part : cx.catalog.partitions_of(parent)) {
            drop_partitions(part->oid);
            cx.catalog.drop_table(part->oid, &cx.txn);
          }
        };
        drop_partitions(t->oid);
        for (Oid f : functions) cx.catalog.functions().drop(f, &cx.txn);
        cx.catalog.drop_table(t->oid, &cx.txn);
        break;
      }
      case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: {
        auto t = cx.catalog.table_by_index_name(schema, name, path);
        if (!t) {
          if (s->missing_ok) {
            notice(cx, "00000", "index \"" + name + "\" does not exist, skipping");
            continue;
          }
          fail(sqlstate::kUndefinedObject, "index \"" + name + "\" does not exist");
        }
        require_owner(cx, t->owner, "index", name);
        const catalog::Index* idx = t->find_index(name);
        if (!idx || idx->constraint) {
          Error e;
          e.sqlstate = "2BP01";
          e.message = "cannot drop index " + name + " because constraint " + name + " on table " +
                      t->name + " requires it";
          e.hint = "You can drop constraint " + name + " on table " + t->name + " instead.";
          throw SqlError(std::move(e));
        }
        // A foreign key whose referenced unique key is this index depends on it.
        const int pos = static_cast<int>(idx - t->indexes.data());
        for (const auto& other : cx.catalog.tables()) {
          std::vector<std::string> dependent;
          for (const auto& fk : other->foreign_keys) {
            if (fk.ref_table != t->oid) continue;
            auto target = fk_target(*t, fk.ref_columns);
            if (target && target->index_pos == pos) dependent.push_back(fk.name);
          }
          if (dependent.empty()) continue;
          if (!cascade) {
            Error e;
            e.sqlstate = "2BP01";
            e.message = "cannot drop index " + name + " because other objects depend on it";
            e.detail = "constraint " + dependent.front() + " on table " + other->name +
                       " depends on index " + name;
            e.hint = "Use DROP ... CASCADE to drop the dependent objects too.";
            throw SqlError(std::move(e));
          }
          catalog::Table copy = *other;
          for (const auto& d : dependent) {
            notice(cx, "00000", "drop cascades to constraint " + d + " on table " + other->name);
            std::erase_if(copy.foreign_keys,
                          [&](const catalog::ForeignKey& f) { return f.name == d; });
          }
          cx.catalog.replace_table(std::move(copy), &cx.txn);
          if (other->oid == t->oid) t = cx.catalog.table_by_oid(t->oid);
        }
        catalog::Table copy = *t;
        copy.indexes.erase(std::remove_if(copy.indexes.begin(), copy.indexes.end(),
                                          [&](const catalog::Index& i) { return i.name == name; }),
                           copy.indexes.end());
        cx.catalog.replace_table(std::move(copy), &cx.txn);
        break;
      }
      case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE: {
        auto sq = cx.catalog.find_sequence(schema, name, path);
        if (sq) {  // a concurrent drop: waited for, and then it is gone if it committed
          lock_object_for_change(cx, sq->oid, name);
          sq = cx.catalog.find_sequence(schema, name, path);
        }
        if (!sq) {
          if (s->missing_ok) {
            notice(cx, "00000", "sequence \"" + name + "\" does not exist, skipping");
            continue;
          }
          fail(sqlstate::kUndefinedTable, "sequence \"" + name + "\" does not exist");
        }
        require_owner(cx, sq->owner, "sequence", name);
        cx.catalog.drop_sequence(sq->oid, &cx.txn);
        break;
      }
      default:
        fail(sqlstate::kFeatureNotSupported, "DROP of this object type is not supported");
    }
  }
  return "";
}

void build_index(const catalog::Table& t, size_t index_pos, ExecContext& cx) {
  const auto& idx = t.indexes[index_pos];
  Writer w(t, cx);
  coord::KeySpace ispace{t.storage_id, idx.id};
  // Unique keys this build wrote: its own writes are not visible to its reads (one command).
  std::unordered_set<std::string> built;
  scan_table(t, bind::TableAccess{}, Row{}, cx, [&](StoredRow& r) {
    if (!w.indexes_row(index_pos, r.row)) return true;
    bool has_null = false;
    std::string routing;
    std::string ik = w.index_key(index_pos, r.row, &has_null, &routing);
    std::string full = idx.unique && !has_null ? ik : ik + r.key;
    auto lk = cx.txn.lock(ispace, routing, full, coord::LockStrength::kUpdate, lock_wait(cx),
                          std::nullopt);
    if (lk.outcome != coord::LockOutcome::kGranted &&
        lk.outcome != coord::LockOutcome::kVersionMismatch)
      throw_lock_failure(lk.outcome, t, cx);
    if (idx.unique && !has_null && (!built.insert(ik).second || cx.txn.get(ispace, routing, ik))) {
      Error e;
      e.sqlstate = sqlstate::kUniqueViolation;
      e.message = "could not create unique index \"" + idx.name + "\"";
      if (idx.exprs.empty()) {
        std::string names, vals;
        for (size_t i = 0; i < idx.columns.size(); ++i) {
          names += (i ? ", " : "") + t.columns[idx.columns[i]].name;
          vals += (i ? ", " : "") +
                  (r.row[idx.columns[i]].is_null()
                       ? std::string("null")
                       : types::to_text(r.row[idx.columns[i]], t.columns[idx.columns[i]].type,
                                        cx.fctx.zone));
        }
        e.detail = "Key (" + names + ")=(" + vals + ") is duplicated.";
      }
      throw SqlError(std::move(e));
    }
    cx.txn.write(ispace, routing, full, idx.unique && !has_null ? r.key : std::string());
    return true;
  });
}

std::string create_index(const PgQuery__IndexStmt* s, ExecContext& cx) {
  auto tp = utility_table(cx, s->relation);
  if (!tp)
    fail(sqlstate::kUndefinedTable,
         "relation \"" + std::string(s->relation->relname) + "\" does not exist");
  if (tp->is_view()) {
    Error e;
    e.sqlstate = sqlstate::kWrongObjectType;
    e.message = "cannot create index on relation \"" + tp->name + "\"";
    e.detail = "This operation is not supported for views.";
    throw SqlError(std::move(e));
  }
  // PostgreSQL would create a matching index on each partition (and on those attached later).
  if (tp->is_partitioned())
    fail(sqlstate::kFeatureNotSupported, "indexes on partitioned tables are not supported");
  require_owner(cx, tp->owner, "table", tp->name);
  catalog::Table t = *tp;
  catalog::Index idx;
  idx.unique = s->unique;
  std::string name_part;
  for (size_t i = 0; i < s->n_index_params; ++i) {
    const auto* ie = s->index_params[i]->index_elem;
    // DESC and NULLS FIRST / LAST as pg_index.indoption records them (DESC puts NULLs first
    // unless told otherwise).
    const bool desc = ie->ordering == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
    const bool nulls_first =
        ie->nulls_ordering == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
        (desc && ie->nulls_ordering != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST);
    const int option =
        (desc ? catalog::Index::kDescending : 0) | (nulls_first ? catalog::Index::kNullsFirst : 0);
    if (option != 0) {
      idx.options.resize(i, 0);
      idx.options.push_back(option);
    } else if (!idx.options.empty()) {
      idx.options.push_back(0);
    }
    if (ie->name && *ie->name) {
      int c = t.find_column(ie->name);
      if (c < 0)
        fail(sqlstate::kUndefinedColumn, "column \"" + std::string(ie->name) + "\" does not exist");
      idx.columns.push_back(c);
      name_part += (name_part.empty() ? "" : "_") + std::string(ie->name);
    } else {
      idx.columns.push_back(-1);
      idx.exprs.push_back(parse::deparse_expr(ie->expr));
      std::string fn =
          ie->expr->node_case == PG_QUERY__NODE__NODE_FUNC_CALL
              ? str_of(ie->expr->func_call->funcname[ie->expr->func_call->n_funcname - 1])
              : "expr";
      name_part += (name_part.empty() ? "" : "_") + fn;
      bind::bind_table_expr(cx.catalog, t, idx.exprs.back(), nullptr);
    }
  }
  if (s->n_index_including_params) {
    idx.include = column_list(t, s->index_including_params, s->n_index_including_params);
    // PostgreSQL's ChooseIndexColumnNames names INCLUDE columns too.
    for (int c : idx.include) name_part += (name_part.empty() ? "" : "_") + t.columns[c].name;
  }
  if (s->idxname && *s->idxname) {
    idx.name = s->idxname;
    wait_for_uncommitted_create(cx, NewObject::kRelation, idx.name, t.temp_namespace,
                                t.namespace_oid);
    if (cx.catalog.relation_exists(idx.name, t.temp_namespace, t.namespace_oid)) {
      if (s->if_not_exists) {
        notice(cx, sqlstate::kDuplicateTable,
               "relation \"" + idx.name + "\" already exists, skipping");
        return "CREATE INDEX";
      }
      fail(sqlstate::kDuplicateTable, "relation \"" + idx.name + "\" already exists");
    }
  } else {
    idx.name =
        unique_relation_name(cx, t.name + "_" + name_part + (s->unique ? "_key" : "_idx"), &t);
    if (s->unique) idx.name = unique_relation_name(cx, t.name + "_" + name_part + "_idx", &t);
  }
  apply_storage_parameters(s->options, s->n_options, t, idx.columns, "index key", true,
                           &idx.partition_columns);
  if (s->where_clause) {
    bind::bind_index_predicate(cx.catalog, t, s->where_clause);
    idx.predicate = parse::deparse_expr(s->where_clause);
  }
  idx.id = t.next_index_id++;
  idx.oid = cx.catalog.allocate_oid();
  t.indexes.push_back(idx);
  build_index(t, t.indexes.size() - 1, cx);
  cx.catalog.replace_table(std::move(t), &cx.txn);
  return "CREATE INDEX";
}

// Gives partition `part` (and, partitioned, its partitions) its parent's primary key, as
// PostgreSQL builds the parent's key index on each partition: nothing when it has that key
// already; a table without one is rewritten under it (its rows keyed by it).
void give_partition_primary_key(ExecContext& cx, const catalog::Table& part,
                                const std::vector<int>& key) {
  if (part.primary_key == key) return;
  if (!part.primary_key.empty())
    fail(sqlstate::kFeatureNotSupported,
         "a partition whose primary key differs from its parent's is not supported");
  catalog::Table nt = part;
  nt.primary_key = key;
  for (int k : key) nt.columns[k].not_null = true;
  nt.pkey_name = unique_relation_name(cx, part.name + "_pkey", &nt);
  nt.pkey_oid = cx.catalog.allocate_oid();
  if (part.is_partitioned()) {
    for (const auto& child : cx.catalog.partitions_of(part.oid))
      give_partition_primary_key(cx, *child, key);
  } else {
    nt.storage_id = cx.catalog.allocate_storage_id();
    nt.rowid_sequence = 0;
    rewrite_table(part, nt, cx, nullptr);
  }
  cx.catalog.replace_table(std::move(nt), &cx.txn);
}

[[noreturn]] void fail_datatype(const std::string& msg, const std::string& detail = {}) {
  throw SqlError(Error{sqlstate::kDatatypeMismatch, msg, detail});
}

// ALTER TABLE parent ATTACH PARTITION child FOR VALUES ...: child's columns must be the
// parent's (same order here), it must have the parent's CHECK constraints, and its rows must
// satisfy the bound (23514), as PostgreSQL checks them.
void attach_partition(const catalog::Table& parent, const PgQuery__PartitionCmd* pc,
                      ExecContext& cx) {
  auto child = named_partition(cx, pc->name);
  require_owner(cx, child->owner, "table", child->name);
  if (child->relkind() != 'r' && child->relkind() != 'p')
    fail(sqlstate::kWrongObjectType, "\"" + child->name + "\" is not a table");
  if (child->partition_parent != 0) fail("42P17", "\"" + child->name + "\" is already a partition");
  // No cycles: the parent may be neither the table attached nor under it (PostgreSQL's check;
  // a cycle made DROP recurse without end).
  for (Oid up = parent.oid; up != 0;) {
    if (up == child->oid) {
      Error e;
      e.sqlstate = sqlstate::kDuplicateTable;
      e.message = "circular inheritance not allowed";
      e.detail = "\"" + parent.name + "\" is already a child of \"" + child->name + "\".";
      throw SqlError(std::move(e));
    }
    auto above = cx.catalog.table_by_oid(up);
    up = above ? above->partition_parent : 0;
  }
  if ((child->temp_namespace != 0) != (parent.temp_namespace != 0))
    fail(sqlstate::kWrongObjectType,
         child->temp_namespace != 0
             ? "cannot attach a temporary relation as partition of permanent relation \"" +
                   parent.name + "\""
             : "cannot attach a permanent relation as partition of temporary relation \"" +
                   parent.name + "\"");
  for (const auto& c : child->columns)
    if (parent.find_column(c.name) < 0)
      fail_datatype("table \"" + child->name + "\" contains column \"" + c.name +
                        "\" not found in parent \"" + parent.name + "\"",
                    "The new partition may contain only the columns present in parent.");
  for (size_t i = 0; i < parent.columns.size(); ++i) {
    const auto& pcol = parent.columns[i];
    int k = child->find_column(pcol.name);
    if (k < 0) fail_datatype("child table is missing column \"" + pcol.name + "\"");
    const auto& ccol = child->columns[k];
    if (!(ccol.type == pcol.type))
      fail_datatype("child table \"" + child->name + "\" has different type for column \"" +
                    pcol.name + "\"");
    if (pcol.not_null && !ccol.not_null)
      fail_datatype("column \"" + pcol.name + "\" in child table must be marked NOT NULL");
    if (static_cast<size_t>(k) != i)
      fail(sqlstate::kFeatureNotSupported,
           "ATTACH PARTITION of a table whose columns are not in its parent's order is not "
           "supported");
  }
  for (const auto& pcheck : parent.checks) {
    bool found = false;
    for (const auto& c : child->checks) found = found || c.name == pcheck.name;
    if (!found) fail_datatype("child table is missing constraint \"" + pcheck.name + "\"");
  }
  lock_relation(cx, *child, coord::table_mode::kAccessExclusive);
  catalog::Table nt = *child;
  nt.partition_parent = parent.oid;
  nt.partition_bound = make_partition_bound(parent, pc->bound, child->name, cx);
  scan_table(*child, bind::TableAccess{}, Row{}, cx, [&](StoredRow& r) {
    if (!row_fits_partition(parent, nt, r.row, cx))
      throw SqlError(sqlstate::kCheckViolation, "partition constraint of relation \"" +
                                                    child->name + "\" is violated by some row");
    return true;
  });
  check_default_partition(parent, nt, cx);
  cx.catalog.replace_table(std::move(nt), &cx.txn);
  if (!parent.primary_key.empty())
    give_partition_primary_key(cx, *cx.catalog.table_by_oid(child->oid), parent.primary_key);
}

void detach_partition(const catalog::Table& parent, const PgQuery__PartitionCmd* pc,
                      ExecContext& cx) {
  if (pc->concurrent)
    fail(sqlstate::kFeatureNotSupported, "DETACH PARTITION CONCURRENTLY is not supported");
  auto child = named_partition(cx, pc->name);
  if (child->partition_parent != parent.oid)
    fail(sqlstate::kUndefinedTable,
         "relation \"" + child->name + "\" is not a partition of relation \"" + parent.name + "\"");
  lock_relation(cx, *child, coord::table_mode::kAccessExclusive);
  catalog::Table nt = *child;
  nt.partition_parent = 0;
  nt.partition_bound = catalog::PartitionBound{};
  cx.catalog.replace_table(std::move(nt), &cx.txn);
}

namespace {

// The table an ALTER TABLE [IF EXISTS] (or its RENAME) names, its owner checked; nullptr
// when IF EXISTS skips a missing one (with PostgreSQL's notice).
catalog::TablePtr table_to_alter(ExecContext& cx, const PgQuery__RangeVar* relation,
                                 bool missing_ok) {
  auto tp = utility_table(cx, relation);
  if (!tp) {
    if (missing_ok) {
      notice(cx, "00000",
             "relation \"" + std::string(relation->relname) + "\" does not exist, skipping");
      return nullptr;
    }
    fail(sqlstate::kUndefinedTable,
         "relation \"" + std::string(relation->relname) + "\" does not exist");
  }
  require_owner(cx, tp->owner, tp->is_view() ? "view" : "table", tp->name);
  return tp;
}

// ALTER SEQUENCE s OWNER TO r, or ALTER TABLE s OWNER TO r of a sequence (the parser makes
// both an ALTER TABLE): nullopt when the statement names no sequence. Other actions on a
// sequence are refused; one owned by a table column changes owner with the table only.
std::optional<std::string> alter_sequence_owner(const PgQuery__AlterTableStmt* s, ExecContext& cx) {
  const bool seq_kind = s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE;
  if (!seq_kind && s->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) return std::nullopt;
  const auto* rv = s->relation;
  const std::string name = rv->relname;
  if (!seq_kind && utility_table(cx, rv)) return std::nullopt;
  auto sq = cx.catalog.find_sequence(rv->schemaname ? rv->schemaname : "", name,
                                     session_search_path(cx.catalog, cx.session));
  if (sq && sq->name.rfind("hf_rowid_", 0) == 0) sq.reset();  // the hidden row ids
  if (!sq) {
    if (seq_kind && utility_table(cx, rv))
      fail(sqlstate::kWrongObjectType, "\"" + name + "\" is not a sequence");
    return std::nullopt;  // ALTER TABLE's own "does not exist" (or IF EXISTS notice)
  }
  const std::string tag = seq_kind ? "ALTER SEQUENCE" : "ALTER TABLE";
  for (size_t i = 0; i < s->n_cmds; ++i)
    if (s->cmds[i]->alter_table_cmd->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_ChangeOwner)
      fail(sqlstate::kFeatureNotSupported,
           seq_kind ? "this ALTER SEQUENCE action is not supported"
                    : "this ALTER TABLE action on a sequence is not supported");
  // PostgreSQL's ALTER SEQUENCE ... OWNER TO takes ACCESS EXCLUSIVE: nextval() waits for it.
  lock_object_for_change(cx, sq->oid, name);
  for (size_t i = 0; i < s->n_cmds; ++i) {
    auto cur = cx.catalog.sequence_by_oid(sq->oid);
    if (!cur) fail(sqlstate::kUndefinedTable, "relation \"" + name + "\" does not exist");
    if (cur->owner_table) {
      auto t = cx.catalog.table_by_oid(cur->owner_table);
      Error e;
      e.sqlstate = sqlstate::kFeatureNotSupported;
      e.message = "cannot change owner of sequence \"" + name + "\"";
      e.detail = "Sequence \"" + name + "\" is linked to table \"" + (t ? t->name : "") + "\".";
      throw SqlError(std::move(e));
    }
    cx.catalog.replace_sequence(with_new_owner(*cur, s->cmds[i]->alter_table_cmd->newowner, cx),
                                &cx.txn);
  }
  return tag;
}

}  // namespace

std::string alter_table(const PgQuery__AlterTableStmt* s, ExecContext& cx) {
  if (s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE) return alter_composite_type(s, cx);
  if (auto tag = alter_sequence_owner(s, cx)) return *tag;
  auto tp = table_to_alter(cx, s->relation, s->missing_ok);
  if (!tp) return "ALTER TABLE";
  for (size_t i = 0; i < s->n_cmds; ++i) {
    const auto* cmd = s->cmds[i]->alter_table_cmd;
    const bool partition_cmd = cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition ||
                               cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition;
    if (partition_cmd && !tp->is_partitioned())
      fail(sqlstate::kWrongObjectType, "table \"" + tp->name + "\" is not partitioned");
    const bool adds_primary_key =
        cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint &&
        cmd->def->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY;
    if (tp->is_partitioned() && !partition_cmd && !adds_primary_key &&
        cmd->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn &&
        cmd->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_ChangeOwner &&
        cmd->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault)
      fail(sqlstate::kFeatureNotSupported,
           "this ALTER TABLE action on a partitioned table is not supported");
    // Each command sees the rows the one before it rewrote (a new command id).
    if (i > 0) cx.txn.start_statement();
    if (tp->relkind() != 'r' && tp->relkind() != 'p' &&
        cmd->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_ChangeOwner) {
      const char* action = cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn ? "ADD COLUMN"
                           : cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint
                               ? "ADD CONSTRAINT"
                               : nullptr;
      if (!action)
        fail(sqlstate::kFeatureNotSupported, "this ALTER TABLE action on a view is not supported");
      Error e;
      e.sqlstate = sqlstate::kWrongObjectType;
      e.message = std::string("ALTER action ") + action + " cannot be performed on relation \"" +
                  tp->name + "\"";
      e.detail = std::string("This operation is not supported for ") + tp->kind_name() + "s.";
      throw SqlError(std::move(e));
    }
    auto cur = cx.catalog.table_by_oid(tp->oid);
    catalog::Table t = *cur;
    switch (cmd->subtype) {
      case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn: {
        const auto* cd = cmd->def->column_def;
        if (t.find_column(cd->colname) >= 0) {
          if (cmd->missing_ok) {
            notice(cx, sqlstate::kDuplicateColumn,
                   "column \"" + std::string(cd->colname) + "\" of relation \"" + t.name +
                       "\" already exists, skipping");
            continue;
          }
          fail(sqlstate::kDuplicateColumn, "column \"" + std::string(cd->colname) +
                                               "\" of relation \"" + t.name + "\" already exists");
        }
        bool serial = false;
        std::string kind;
        t.columns.push_back(column_from_def(cx, t, cd, &serial, &kind));
        int col = static_cast<int>(t.columns.size()) - 1;
        if (serial && t.is_partitioned())
          fail(sqlstate::kFeatureNotSupported,
               "adding a serial column to a partitioned table is not supported");
        if (serial) {
          catalog::Sequence sq;
          sq.name = unique_relation_name(cx, t.name + "_" + cd->colname + "_seq", &t);
          sq.owner_table = t.oid;
          sq.owner = t.owner;
          sq.namespace_oid = t.namespace_oid;
          t.columns[col].sequence = cx.catalog.create_sequence(sq, &cx.txn);
          t.columns[col].default_expr = serial_default(cx, t, sq.name);
          t.columns[col].not_null = true;
        }
        const size_t checks_before = t.checks.size();
        fold_constraint_attributes(cd->constraints, cd->n_constraints);
        for (size_t k = 0; k < cd->n_constraints; ++k)
          add_constraint(cx, t, cd->constraints[k]->constraint, col, nullptr);
        // Existing rows get the default (evaluated per row, as PostgreSQL's rewrite does).
        auto fill_existing_rows = [&](catalog::Table& target, const catalog::Table& stored) {
          if (target.columns[col].default_expr.empty() && !target.columns[col].not_null) return;
          bind::ExprPtr d =
              target.columns[col].default_expr.empty()
                  ? nullptr
                  : bind::bind_table_expr(cx.catalog, target, target.columns[col].default_expr,
                                          &target.columns[col].type);
          catalog::Table nt = target;
          nt.storage_id = cx.catalog.allocate_storage_id();
          rewrite_table(stored, nt, cx, [&](const Row& r) {
            Row nr = r;
            nr.resize(nt.columns.size());
            if (d) nr[col] = eval(*d, nr, cx);
            return nr;
          });
          target = nt;
        };
        if (t.is_partitioned()) {
          // The parent has no rows; every partition below it gets the column (and its CHECK
          // constraints) at the same position, as PostgreSQL's recursion does.
          std::function<void(Oid)> add_to_partitions = [&](Oid parent) {
            for (const auto& part : cx.catalog.partitions_of(parent)) {
              catalog::Table pt = *part;
              if (pt.columns.size() != static_cast<size_t>(col))
                fail(sqlstate::kFeatureNotSupported,
                     "ADD COLUMN on a partitioned table whose partition \"" + pt.name +
                         "\" has other columns is not supported");
              pt.columns.push_back(t.columns[col]);
              for (size_t k = checks_before; k < t.checks.size(); ++k)
                pt.checks.push_back(
                    {t.checks[k].name, t.checks[k].expr, cx.catalog.allocate_oid()});
              if (pt.is_partitioned())
                add_to_partitions(pt.oid);
              else
                fill_existing_rows(pt, *part);
              cx.catalog.replace_table(std::move(pt), &cx.txn);
            }
          };
          add_to_partitions(t.oid);
        } else {
          fill_existing_rows(t, *cur);
        }
        cx.catalog.replace_table(std::move(t), &cx.txn);
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint: {
        const auto* c = cmd->def->constraint;
        if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY) {
          if (!t.primary_key.empty())
            fail("42P16", "multiple primary keys for table \"" + t.name + "\" are not allowed");
          catalog::Table nt = t;
          add_constraint(cx, nt, c, -1, nullptr);
          if (nt.is_partitioned()) {
            // The parent has no rows: its key is its partitions'.
            require_partition_columns(nt);
            for (const auto& part : cx.catalog.partitions_of(nt.oid))
              give_partition_primary_key(cx, *part, nt.primary_key);
            cx.catalog.replace_table(std::move(nt), &cx.txn);
            break;
          }
          for (int k : nt.primary_key) {
            // existing NULLs violate the implied NOT NULL
            (void)k;
          }
          nt.storage_id = cx.catalog.allocate_storage_id();
          nt.rowid_sequence = 0;
          rewrite_table(*cur, nt, cx, nullptr);
          cx.catalog.replace_table(std::move(nt), &cx.txn);
        } else if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE) {
          add_constraint(cx, t, c, -1, nullptr);
          build_index(t, t.indexes.size() - 1, cx);
          cx.catalog.replace_table(std::move(t), &cx.txn);
        } else if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK) {
          add_constraint(cx, t, c, -1, nullptr);
          auto e = bind::bind_table_expr(cx.catalog, t, t.checks.back().expr, nullptr);
          scan_table(t, bind::TableAccess{}, Row{}, cx, [&](StoredRow& r) {
            Datum v = eval(*e, r.row, cx);
            if (!v.is_null() && !v.as_bool())
              throw SqlError(sqlstate::kCheckViolation,
                             "check constraint \"" + t.checks.back().name + "\" of relation \"" +
                                 t.name + "\" is violated by some row");
            return true;
          });
          cx.catalog.replace_table(std::move(t), &cx.txn);
        } else if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
          add_constraint(cx, t, c, -1, nullptr);
          // validate existing rows
          Writer w(t, cx);
          catalog::Table only_new = t;
          only_new.foreign_keys = {t.foreign_keys.back()};
          Writer check(only_new, cx);
          scan_table(t, bind::TableAccess{}, Row{}, cx, [&](StoredRow& r) {
            check.check_foreign_keys(r.row, nullptr);
            return true;
          });
          cx.catalog.replace_table(std::move(t), &cx.txn);
        } else {
          fail(sqlstate::kFeatureNotSupported, "unsupported ALTER TABLE constraint");
        }
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault: {
        int col = t.find_column(cmd->name);
        if (col < 0)
          fail(sqlstate::kUndefinedColumn, "column \"" + std::string(cmd->name) +
                                               "\" of relation \"" + t.name + "\" does not exist");
        t.columns[col].default_expr = cmd->def ? parse::deparse_expr(cmd->def) : "";
        cx.catalog.replace_table(std::move(t), &cx.txn);
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_ChangeOwner:  // exec/role_stmts.cc
        cx.catalog.replace_table(with_new_owner(t, cmd->newowner, cx), &cx.txn);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition:
        attach_partition(t, cmd->def->partition_cmd, cx);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition:
        detach_partition(t, cmd->def->partition_cmd, cx);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType: {
        int col = t.find_column(cmd->name);
        if (col < 0)
          fail(sqlstate::kUndefinedColumn, "column \"" + std::string(cmd->name) +
                                               "\" of relation \"" + t.name + "\" does not exist");
        const auto* cd = cmd->def->column_def;
        if (cd->raw_default != nullptr)
          fail(sqlstate::kFeatureNotSupported, "ALTER COLUMN ... TYPE ... USING is not supported");
        TypeRef from = t.columns[col].type;
        const auto path = session_search_path(cx.catalog, cx.session).schemas;
        TypeRef to = bind::resolve_type_name(cd->type_name, path);
        // A domain's rows are rewritten (and so checked against it) like a new type's.
        const auto to_domain = bind::domain_of_type_name(cd->type_name, path);
        const Oid new_domain = to_domain ? to_domain->oid : 0;
        if (from == to && t.columns[col].domain == new_domain) break;
        refuse_composite_column(to, t.columns[col].name);
        if (from.oid != to.oid &&
            !types::can_cast(from.oid, to.oid, types::CastContext::kAssignment)) {
          Error e;
          e.sqlstate = sqlstate::kDatatypeMismatch;
          e.message = "column \"" + t.columns[col].name +
                      "\" cannot be cast automatically to type " + types::format_type(to);
          e.hint = "You might need to specify \"USING " + t.columns[col].name +
                   "::" + types::format_type(to) + "\".";
          throw SqlError(std::move(e));
        }
        // Every row is rewritten with the value cast (PostgreSQL's table rewrite), indexes too.
        catalog::Table nt = t;
        nt.columns[col].type = to;
        nt.columns[col].domain = new_domain;
        nt.storage_id = cx.catalog.allocate_storage_id();
        rewrite_table(*cur, nt, cx, [&](const Row& r) {
          Row nr = r;
          if (!nr[col].is_null())
            nr[col] = types::cast(nr[col], from, to, types::CastContext::kAssignment, cx.fctx.zone);
          return nr;
        });
        cx.catalog.replace_table(std::move(nt), &cx.txn);
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
      case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull: {
        int col = t.find_column(cmd->name);
        if (col < 0)
          fail(sqlstate::kUndefinedColumn, "column \"" + std::string(cmd->name) +
                                               "\" of relation \"" + t.name + "\" does not exist");
        const bool set = cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull;
        if (!set &&
            std::find(t.primary_key.begin(), t.primary_key.end(), col) != t.primary_key.end())
          fail("42P16", "column \"" + t.columns[col].name + "\" is in a primary key");
        if (set && !t.columns[col].not_null)
          scan_table(t, bind::TableAccess{}, Row{}, cx, [&](StoredRow& r) {
            if (r.row[col].is_null())
              throw SqlError(sqlstate::kNotNullViolation, "column \"" + t.columns[col].name +
                                                              "\" of relation \"" + t.name +
                                                              "\" contains null values");
            return true;
          });
        t.columns[col].not_null = set;
        cx.catalog.replace_table(std::move(t), &cx.txn);
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableRowSecurity:
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableRowSecurity:
        t.row_security = cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_EnableRowSecurity;
        cx.catalog.replace_table(std::move(t), &cx.txn);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_ForceRowSecurity:
      case PG_QUERY__ALTER_TABLE_TYPE__AT_NoForceRowSecurity:
        t.force_row_security = cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_ForceRowSecurity;
        cx.catalog.replace_table(std::move(t), &cx.txn);
        break;
      default:
        fail(sqlstate::kFeatureNotSupported, "unsupported ALTER TABLE command");
    }
  }
  return "ALTER TABLE";
}

// ALTER TABLE [IF EXISTS] t RENAME TO n: the table and its row type take the new name; its
// indexes, sequences and constraints keep theirs (as in PostgreSQL).
std::string rename_table(const PgQuery__RenameStmt* s, ExecContext& cx) {
  auto tp = table_to_alter(cx, s->relation, s->missing_ok);
  if (!tp) return "ALTER TABLE";
  const std::string name = s->newname;
  wait_for_uncommitted_create(cx, NewObject::kTable, name, tp->temp_namespace, tp->namespace_oid);
  if (cx.catalog.relation_exists(name, tp->temp_namespace, tp->namespace_oid))
    fail("42P07", "relation \"" + name + "\" already exists");
  catalog::Table t = *tp;
  t.name = name;
  cx.catalog.replace_table(std::move(t), &cx.txn);
  return "ALTER TABLE";
}

// COMMENT ON TABLE | VIEW | MATERIALIZED VIEW | COLUMN ... IS 'text' | NULL: kept in the
// catalog for obj_description / col_description (psql's \d+ and \dt+). Other objects: 0A000.
std::string comment_on(const PgQuery__CommentStmt* s, ExecContext& cx) {
  using OT = PgQuery__ObjectType;
  const OT kind = s->objtype;
  const bool column = kind == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN;
  const char* what = kind == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE     ? "table"
                     : kind == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW    ? "view"
                     : kind == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW ? "materialized view"
                     : column                                        ? "column"
                                                                     : nullptr;
  if (!what || !s->object || s->object->node_case != PG_QUERY__NODE__NODE_LIST)
    fail(sqlstate::kFeatureNotSupported, "COMMENT on this kind of object is not supported");
  std::vector<std::string> names;
  for (size_t i = 0; i < s->object->list->n_items; ++i)
    if (s->object->list->items[i]->node_case == PG_QUERY__NODE__NODE_STRING)
      names.push_back(s->object->list->items[i]->string->sval);
  std::string col_name;
  if (column) {
    if (names.size() < 2) fail(sqlstate::kSyntaxError, "column name must be qualified");
    col_name = names.back();
    names.pop_back();
  }
  if (names.empty() || names.size() > 2)
    fail(sqlstate::kFeatureNotSupported, "COMMENT on this name is not supported");
  PgQuery__RangeVar rv = PG_QUERY__RANGE_VAR__INIT;
  rv.relname = names.back().data();
  if (names.size() == 2) rv.schemaname = names[0].data();
  auto tp = table_to_alter(cx, &rv, false);
  const OT actual = tp->materialized ? PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW
                    : tp->is_view()  ? PG_QUERY__OBJECT_TYPE__OBJECT_VIEW
                                     : PG_QUERY__OBJECT_TYPE__OBJECT_TABLE;
  if (!column && actual != kind)
    fail(sqlstate::kWrongObjectType, "\"" + tp->name + "\" is not a " + what);
  catalog::Table t = *tp;
  const std::string text = s->comment ? s->comment : "";
  if (column) {
    const int c = t.find_column(col_name);
    if (c < 0)
      fail(sqlstate::kUndefinedColumn,
           "column \"" + col_name + "\" of relation \"" + t.name + "\" does not exist");
    t.columns[c].comment = text;
  } else {
    t.comment = text;
  }
  cx.catalog.replace_table(std::move(t), &cx.txn);
  return "COMMENT";
}

std::string truncate(const PgQuery__TruncateStmt* s, ExecContext& cx) {
  for (size_t i = 0; i < s->n_relations; ++i) {
    const auto* rv = s->relations[i]->range_var;
    auto t = utility_table(cx, rv);
    if (!t)
      fail(sqlstate::kUndefinedTable,
           "relation \"" + std::string(rv->relname) + "\" does not exist");
    if (t->relkind() != 'r' && t->relkind() != 'p')
      fail(sqlstate::kWrongObjectType, "\"" + t->name + "\" is not a table");
    require_table_privileges(cx, *t, catalog::acl::kTruncate);
    // A partitioned table's rows are its partitions'.
    std::vector<catalog::TablePtr> targets{t};
    if (t->is_partitioned()) targets = leaf_partitions(*t, cx);
    for (const auto& target : targets) {
      catalog::Table nt = *target;
      nt.storage_id = cx.catalog.allocate_storage_id();
      cx.catalog.replace_table(std::move(nt), &cx.txn);
    }
  }
  return "TRUNCATE TABLE";
}

}  // namespace

// PostgreSQL's rule for utility statements in a READ ONLY transaction (its
// ClassifyUtilityCommandAsReadOnly): what changes no database state, or only session state, runs;
// every CREATE, ALTER, DROP, TRUNCATE, COMMENT, GRANT and REFRESH is refused before it looks at
// its objects (25006, named by its command tag), temporary objects included.
static bool allowed_in_read_only(const PgQuery__Node* node) {
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_VACUUM_STMT:
    case PG_QUERY__NODE__NODE_CHECK_POINT_STMT:
    case PG_QUERY__NODE__NODE_LOCK_STMT:  // any mode: only a standby refuses the strong ones
    case PG_QUERY__NODE__NODE_CONSTRAINTS_SET_STMT:
    case PG_QUERY__NODE__NODE_DO_STMT:  // its statements are checked as they run
    case PG_QUERY__NODE__NODE_CALL_STMT:
    case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT:
    case PG_QUERY__NODE__NODE_DISCARD_STMT:
    case PG_QUERY__NODE__NODE_LOAD_STMT:
    case PG_QUERY__NODE__NODE_CLUSTER_STMT:
    case PG_QUERY__NODE__NODE_REINDEX_STMT:
      return true;
    default:
      return false;
  }
}

std::string run_utility(const PgQuery__Node* node, ExecContext& cx) {
  if (cx.txn.sql_read_only() && !allowed_in_read_only(node))
    fail(sqlstate::kReadOnlySqlTransaction,
         "cannot execute " + parse::statement_kind(node) + " in a read-only transaction");
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_CREATE_STMT:
      return create_table(node->create_stmt, cx);
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
      return create_schema(node->create_schema_stmt, cx);
    case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:  // exec/enum_stmts.h
      return create_enum(node->create_enum_stmt, cx);
    case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
      return create_composite_type(node->composite_type_stmt, cx);
    case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
      return alter_enum(node->alter_enum_stmt, cx);
    case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:  // exec/domain_stmts.h
      return create_domain(node->create_domain_stmt, cx);
    case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT:
      return alter_domain(node->alter_domain_stmt, cx);
    case PG_QUERY__NODE__NODE_COMMENT_STMT:
      return comment_on(node->comment_stmt, cx);
    case PG_QUERY__NODE__NODE_RENAME_STMT:
      if (node->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE)
        return rename_enum(node->rename_stmt, cx);
      if (node->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
        return rename_table(node->rename_stmt, cx);
      return run_role_statement(node, cx);
    case PG_QUERY__NODE__NODE_VIEW_STMT:
      return create_view(node->view_stmt, cx);
    case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
      if (node->create_table_as_stmt->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW)
        return create_materialized_view(node->create_table_as_stmt, cx);
      return create_table_as(node->create_table_as_stmt->into, node->create_table_as_stmt->query,
                             node->create_table_as_stmt->if_not_exists, cx);
    case PG_QUERY__NODE__NODE_SELECT_STMT: {  // SELECT ... INTO t: CREATE TABLE t AS SELECT
      PgQuery__SelectStmt without_into = *node->select_stmt;
      without_into.into_clause = nullptr;
      PgQuery__Node query = *node;
      query.select_stmt = &without_into;
      return create_table_as(node->select_stmt->into_clause, &query, false, cx);
    }
    case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
      return refresh_materialized_view(node->refresh_mat_view_stmt, cx);
    case PG_QUERY__NODE__NODE_DROP_STMT:
      if (node->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION)
        return drop_function(node->drop_stmt, cx);  // exec/routines.h
      if (node->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER)
        return drop_trigger(node->drop_stmt, cx);
      drop(node->drop_stmt, cx);
      return parse::utility_tag(node);
    case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
      return truncate(node->truncate_stmt, cx);
    case PG_QUERY__NODE__NODE_INDEX_STMT:
      return create_index(node->index_stmt, cx);
    case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
      return alter_table(node->alter_table_stmt, cx);
    case PG_QUERY__NODE__NODE_VACUUM_STMT:
    case PG_QUERY__NODE__NODE_CHECK_POINT_STMT:
      return parse::utility_tag(node);
    case PG_QUERY__NODE__NODE_LOCK_STMT:
      return run_lock_table(node->lock_stmt, cx);
    case PG_QUERY__NODE__NODE_CONSTRAINTS_SET_STMT:
      return set_constraints(node->constraints_set_stmt, cx);
    case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:  // exec/routines.h
      return create_function(node->create_function_stmt, cx);
    case PG_QUERY__NODE__NODE_DO_STMT:
      return run_do(node->do_stmt, cx);
    case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
      return create_trigger(node->create_trig_stmt, cx);
    case PG_QUERY__NODE__NODE_ALTER_SEQ_STMT:
      return alter_sequence(node->alter_seq_stmt, cx);
    case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT: {
      const auto* s = node->create_seq_stmt;
      std::string name = s->sequence->relname;
      const Oid ns = creation_schema(cx, s->sequence);
      wait_for_uncommitted_create(cx, NewObject::kRelation, name, 0, ns);
      if (cx.catalog.relation_exists(name, 0, ns)) {
        if (s->if_not_exists) {
          notice(cx, sqlstate::kDuplicateTable,
                 "relation \"" + name + "\" already exists, skipping");
          return "CREATE SEQUENCE";
        }
        fail(sqlstate::kDuplicateTable, "relation \"" + name + "\" already exists");
      }
      catalog::Sequence sq;
      sq.name = name;
      sq.owner = current_user(cx);
      sq.namespace_oid = ns;
      apply_sequence_options(sq, s->options, s->n_options, /*alter=*/false);
      apply_sequence_owned_by(cx, sq, s->options, s->n_options);
      cx.catalog.create_sequence(sq, &cx.txn);
      return "CREATE SEQUENCE";
    }
    default:
      // Roles and privileges (exec/role_stmts.cc), which refuses anything else with 0A000.
      return run_role_statement(node, cx);
  }
}

}  // namespace hf::sql::exec
