// sql/bind/bound.h — statements bound against the catalog: typed expressions and the
// logical shape of SELECT / INSERT / UPDATE / DELETE / utility statements.
//
// Owns: the bound representation the planner refines and the executor runs. Column
// references are resolved to positions in the row their operator sees; functions and
// operators to types:: definitions with explicit casts inserted; parameters to $n slots
// whose types were inferred from context. Immutable after binding and planning, so a
// prepared statement is shared freely between executions (and sessions).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pg_query/pg_query.pb-c.h>

#include "catalog/catalog.h"
#include "catalog/functions.h"
#include "common/datum.h"
#include "coord/transaction.h"
#include "sql/types/domain_types.h"
#include "sql/types/functions.h"

namespace hf::sql::bind {

struct SelectPlan;

enum class ExprKind : uint8_t {
  kConst,
  kColumn,       // index into the current row (level 0) or an outer row (level > 0)
  kParam,        // index = $n - 1
  kOp,           // op(args)
  kFunc,         // fn(args)
  kSessionFunc,  // name: needs the session (now(), current_setting(), nextval(), ...)
  kAnd,
  kOr,
  kNot,
  kIsNull,
  kIsNotNull,
  kIsTrue,
  kIsFalse,
  kCast,  // args[0] cast from arg_types[0] to type
  kCase,  // args: [operand?] when1, then1, ..., [else]; has_operand / has_else
  kCoalesce,
  kNullIf,
  kGreatest,
  kLeast,
  kInList,        // args[0] IN (args[1..]); op = the '=' operator; negate for NOT IN
  kDistinctFrom,  // IS [NOT] DISTINCT FROM (negate: NOT DISTINCT)
  kRowCompare,    // (a, b) op (c, d): args = left..., right...; name = op
  kArray,         // ARRAY[...]
  kAnyOp,         // args[0] op ANY (args[1] array); negate: ALL
  kSubLink,       // subquery: name = "exists" | "scalar" | "any" | "all" | "array"
                  // (any/all: args[0] the left side, op over arg_types[0..1]; arg_types[2] is
                  // the subquery column's own type, cast to arg_types[1] when they differ)
  kAggRef,        // index into the aggregate results (post-aggregation row)
  kWindowRef,     // index into the window results
  // A set-returning function call (generate_series, unnest): in FROM, a Source's function;
  // in a SELECT's target list, index = its slot in SelectPlan::srfs, and evaluating it yields
  // the value the ProjectSet step put in that slot for the output row being built.
  kSrf,
  // A call of a user-defined function (CREATE FUNCTION): routine is its definition as bound,
  // args its input arguments (defaults filled in), each coerced to the declared type. Its body
  // is parsed and run when the call is evaluated (sql/exec/routines.h). A set-returning one
  // is a FROM item's function, or in a target list a kSrf with `routine` set.
  kUserFunc,
  // ROW(a, b) / (a, b, c): a composite value of args (sql/types/composite_types.h); its type
  // is record, or the composite type a cast or an assignment gave it (args coerced to the
  // fields' types).
  kRow,
  // (x).f: field `index` of the composite args[0] (NULL when it is NULL).
  kFieldSelect,
  // args[0] (a value of the domain's base type) checked against `domain`'s NOT NULL and
  // CHECK constraints (a cast to a domain; a write to a column of one), then returned.
  kDomainCheck,
};

struct DomainConstraints;

struct Expr {
  ExprKind kind = ExprKind::kConst;
  TypeRef type;
  Datum value;
  int index = 0;
  int level = 0;
  std::string name;
  const types::OperatorDef* op = nullptr;
  const types::FunctionDef* fn = nullptr;
  std::vector<std::unique_ptr<Expr>> args;
  std::vector<TypeRef> arg_types;
  bool negate = false;
  bool has_operand = false;
  bool has_else = false;
  std::shared_ptr<SelectPlan> subquery;
  int location = 0;
  catalog::FunctionPtr routine;                     // kUserFunc
  std::shared_ptr<const DomainConstraints> domain;  // kDomainCheck
};
using ExprPtr = std::unique_ptr<Expr>;

// A domain's constraints as a kDomainCheck evaluates them: each CHECK bound over a row of
// one column, VALUE (of the base type). Apart from the Expr's args because they read another
// row than args[0] does.
struct DomainConstraints {
  types::DomainTypePtr domain;
  std::vector<ExprPtr> checks;  // per domain->checks
};

struct SortKey {
  ExprPtr expr;
  bool descending = false;
  bool nulls_first = false;
};

// An aggregate call of a grouped SELECT.
struct AggCall {
  const types::AggregateDef* def = nullptr;
  std::vector<ExprPtr> args;  // over the input row
  bool star = false;
  bool distinct = false;
  ExprPtr filter;
  // ORDER BY inside the call (string_agg(x, ',' ORDER BY y)): the group's inputs are fed to
  // the aggregate in this order, ties in input order. Keys read the input row.
  std::vector<SortKey> order_by;
  TypeRef type;
};

// A window function: evaluated over the input row after WHERE/GROUP BY.
struct WindowCall {
  std::string name;  // row_number, rank, dense_rank, lead, lag, or aggregate
  const types::AggregateDef* agg = nullptr;
  std::vector<ExprPtr> args;
  std::vector<ExprPtr> partition_by;
  std::vector<SortKey> order_by;
  bool star = false;
  TypeRef type;
};

// How a base table is read (chosen by the planner).
enum class AccessKind : uint8_t {
  kFullScan,    // every row, merged across partitions in key order
  kPointGet,    // all primary-key columns bound by equality (the last may be an IN list):
                // one get() per key
  kPkRange,     // a primary-key prefix bound (key), optionally a range (lo/hi) on the next
                // primary-key column: one scan merged across partitions in key order
  kIndexEq,     // equality on every column of a secondary index (one partition)
  kIndexRange,  // equality on a prefix of a secondary index's columns (key), optionally a
                // range on the next column: the index scanned merged across partitions in
                // index order, each entry's row fetched by its primary key
};

struct TableAccess {
  AccessKind kind = AccessKind::kFullScan;
  std::vector<ExprPtr> key;  // values of the PK (prefix) / index columns, in key order
  int index_pos = -1;        // position in table->indexes for kIndexEq / kIndexRange
  // kPkRange / kIndexRange: bounds on the key column after the equality prefix (null: none).
  ExprPtr lo, hi;
  bool lo_inclusive = true, hi_inclusive = true;
  bool reverse = false;  // scan in descending key order (ORDER BY ... DESC from the scan)
  // kPointGet / kPkRange: the primary-key column after `key` equals one of these values (an
  // IN list). The access reads one key (kPointGet) or key prefix (kPkRange) per distinct
  // value, in key order; lo/hi are unset. Empty: no list.
  std::vector<ExprPtr> in_values;
  // in_values holds one array-valued expression whose elements are the values (a
  // "col = ANY($1)" conjunct, as job queues complete a batch of ids).
  bool in_array = false;
  // Set by the binder, kept by the planner: per entry of the table's indexes, a partial
  // index's predicate bound over the table's own columns (null: not partial). The planner
  // reads through a partial index only when the WHERE clause implies its predicate. Empty:
  // the table has no partial index.
  std::vector<ExprPtr> index_predicates;
  // A partitioned table (set by the binder: each leaf partition with its own
  // index_predicates; the planner then chooses each leaf's path from the same conditions over
  // that leaf's primary key and indexes, as PostgreSQL plans each partition's scan apart).
  // Used only by a full scan of the partitioned table (kind kFullScan): the leaves it reads
  // go through their own path, a leaf not listed (attached since) is read whole.
  struct Leaf {
    catalog::TablePtr table;
    std::shared_ptr<TableAccess> access;
  };
  std::vector<Leaf> leaves;
};

// One item of FROM.
struct Source {
  enum class Kind : uint8_t { kTable, kSubquery, kFunction, kValues } kind = Kind::kTable;
  catalog::TablePtr table;
  std::string virtual_table;  // pg_catalog view name when table is virtual
  // Read through this view (catalog.h "Views"): a kSubquery of its query, or the kTable of
  // its base table when the binder pulled a simple view up into its reader.
  catalog::TablePtr view;
  TableAccess access;
  std::shared_ptr<SelectPlan> subquery;
  ExprPtr function;  // set-returning function call (generate_series)
  std::vector<std::vector<ExprPtr>> values;
  int width = 0;  // number of columns it contributes
  // A function whose values are composites (unnest of a composite array): each value's
  // fields are the source's `width` columns.
  bool expand_composite = false;
  // WITH ORDINALITY: the last of the `width` columns is the row's number (int8, from 1).
  bool ordinality = false;
  int offset = 0;  // first column position in the combined row
  // How it joins to what comes before it.
  enum class Join : uint8_t { kInner, kLeft, kRight, kFull, kCross } join = Join::kCross;
  ExprPtr on;  // over the combined row so far (including this source)
  // Set by the planner for an item of a join: the WHERE conjuncts that read only this item's
  // columns, over its own row, applied as its rows are read (PostgreSQL's restriction clauses
  // at the scan); WHERE is still applied in full after the joins. Null: none.
  ExprPtr filter;
  std::vector<std::pair<int, int>> hash_keys;  // equi-join keys (left pos, right pos) for hash join
  std::vector<Oid> hash_key_types;
  std::string alias;      // the name FOR UPDATE OF matches (alias, else the relation's name)
  bool is_cte = false;    // a kSubquery that reads a WITH query (never locked by FOR UPDATE)
  bool nullable = false;  // on the nullable side of an outer join
  int cte_result = -1;    // reads the RETURNING rows of data-modifying WITH query n
  // A WITH query read from a query nested this many levels below the one whose WITH defines
  // it: its references to enclosing rows skip that many of the reader's enclosing rows.
  int cte_levels_up = 0;
  // LATERAL subquery or function in FROM: bound one level below the row of the FROM items
  // before it (its level-1 columns are that row's), so it is read with that row as its
  // enclosing row; lateral_refs (set by the planner): it reads that row, so it is read again
  // for each row of the items before it.
  bool lateral = false;
  bool lateral_refs = false;
  // Row locking of a base table by the statement's locking clauses (LockRows).
  bool lock = false;
  coord::LockStrength lock_strength = coord::LockStrength::kKeyShare;
  coord::WaitPolicy lock_wait = coord::WaitPolicy::kBlock;
};

enum class SetOp : uint8_t { kNone, kUnion, kIntersect, kExcept };

// A bound SELECT (or VALUES, or a set operation).
struct SelectPlan {
  SetOp setop = SetOp::kNone;
  bool setop_all = false;
  // A WITH query that is an INSERT/UPDATE/DELETE: only its result shape lives here; its rows
  // are BoundStatement::dml_ctes[dml_cte]'s RETURNING rows (no_returning: it has none).
  int dml_cte = -1;
  bool no_returning = false;
  std::shared_ptr<SelectPlan> left, right;

  std::vector<Source> sources;  // empty: one row with no columns
  int input_width = 0;
  ExprPtr where;
  bool grouped = false;
  std::vector<ExprPtr> group_by;  // over the input row
  std::vector<AggCall> aggs;
  ExprPtr having;  // over the grouped row (group values then aggregates)
  std::vector<WindowCall> windows;
  std::vector<ExprPtr> targets;  // over the grouped row (or input row) + window results
  // The set-returning function calls in targets (PostgreSQL's ProjectSet): each input row
  // becomes as many output rows as the longest of them returns, the calls advancing in
  // lockstep and a call that has run out giving NULL. Pointers into targets' trees; their
  // arguments are over the same row as targets. Empty: one output row per input row. A call
  // with calls in its arguments runs in a later step (srf_steps: 0, 1, ...), once per row of
  // the steps before it, as PostgreSQL stacks ProjectSet nodes.
  std::vector<const Expr*> srfs;
  std::vector<int> srf_steps;
  std::vector<std::string> names;
  std::vector<TypeRef> types;
  std::vector<std::pair<Oid, int16_t>> origins;  // table oid, attnum per target
  int visible = 0;                               // targets beyond this are sort-only (resjunk)
  bool distinct = false;
  std::vector<SortKey> order_by;  // over the output row (targets incl. resjunk)
  // The single table's access path delivers rows in order_by's order (the planner dropped
  // the Sort): rows are used in scan order, and with LIMIT the scan stops early.
  bool scan_ordered = false;
  // UPDATE ... FROM / DELETE ... USING over two items whose join keys bind the target's whole
  // primary key: a nested loop with sources[1] outer, sources[0] read per outer row through
  // its access (a point get whose key columns refer to the outer row), not a full scan.
  bool lookup_first_source = false;
  ExprPtr limit, offset;
  // SELECT ... FOR UPDATE/SHARE: lock_rows when a source of this level has `lock` set (a
  // LockRows step between Sort and Limit, as PostgreSQL plans it). lock_strength is the
  // strongest strength of any clause of this level (the table lock ROW SHARE is taken for
  // every locked table whatever the strength); lock_wait the policy of the first clause.
  bool lock_rows = false;
  bool has_locking_clause = false;  // the statement text has FOR ... (even if nothing to lock)
  coord::LockStrength lock_strength = coord::LockStrength::kUpdate;
  coord::WaitPolicy lock_wait = coord::WaitPolicy::kBlock;
};

// The conjuncts of e (its AND operands, flattened; e itself when it is no AND), appended.
void conjuncts(const Expr* e, std::vector<const Expr*>& out);
// Whether the conjuncts cs (over a row where the table's columns start at offset) imply a
// partial index's predicate (over the table's columns alone): each of the predicate's
// conjuncts is one of cs. PostgreSQL proves more (predtest.c); this is its simple case.
bool implies_predicate(const std::vector<const Expr*>& cs, int offset, const Expr& predicate);

struct ConflictAction {
  bool present = false;
  bool do_update = false;
  std::vector<int> target_columns;  // inference columns
  // The arbiter, inferred from the columns or named by ON CONSTRAINT: -1 the primary key,
  // >= 0 table->indexes[pos]; -2 any unique key (DO NOTHING without a conflict target).
  int index_pos = -2;
  std::vector<std::pair<int, ExprPtr>> sets;  // over existing row ++ excluded row
  ExprPtr where;
};

struct InsertPlan {
  catalog::TablePtr table;
  std::vector<int> columns;                // target column positions
  std::vector<std::vector<ExprPtr>> rows;  // VALUES (nullptr: DEFAULT)
  std::shared_ptr<SelectPlan> select;      // INSERT ... SELECT
  std::vector<ExprPtr> defaults;           // per table column (nullptr: NULL)
  std::vector<ExprPtr> checks;             // over the new row
  ConflictAction conflict;
  std::vector<ExprPtr> returning;  // over the new row
  // Written through a view WITH CHECK OPTION: its name, and checks past the table's own
  // CHECK constraints are the view's WHERE (a row failing it, or NULL, is refused: 44000).
  std::string check_option_view;
};

struct UpdatePlan {
  catalog::TablePtr table;
  TableAccess access;
  // UPDATE ... FROM: the target table is from->sources[0] (columns at offset 0) joined with
  // the FROM items; from->where is the WHERE clause, and sets / returning are over the
  // joined row. nullptr without FROM.
  std::shared_ptr<SelectPlan> from;
  ExprPtr where;                              // over the old row
  std::vector<std::pair<int, ExprPtr>> sets;  // over the old row
  std::vector<ExprPtr> checks;
  std::vector<ExprPtr> returning;  // over the new row
  std::string check_option_view;   // as InsertPlan's
  coord::LockStrength strength = coord::LockStrength::kNoKeyUpdate;
};

struct DeletePlan {
  catalog::TablePtr table;
  TableAccess access;
  std::shared_ptr<SelectPlan> from;  // DELETE ... USING, as UpdatePlan::from
  ExprPtr where;
  std::vector<ExprPtr> returning;  // over the old row
};

// One WHEN clause of MERGE (PostgreSQL 15's MergeAction). Its expressions are over the
// joined row of MergePlan::join (the source's columns, then the target's at target_offset;
// the target's are NULL for a NOT MATCHED clause, which cannot name them).
struct MergeAction {
  enum class Kind : uint8_t { kUpdate, kDelete, kInsert, kNothing } kind = Kind::kNothing;
  bool matched = true;                        // WHEN MATCHED (else WHEN NOT MATCHED)
  ExprPtr condition;                          // AND ... (null: always)
  std::vector<std::pair<int, ExprPtr>> sets;  // kUpdate: target column, new value
  // kInsert: target column positions and their values (nullptr: DEFAULT); INSERT DEFAULT
  // VALUES has none. Missing columns take InsertPlan defaults (MergePlan::insert).
  std::vector<int> columns;
  std::vector<ExprPtr> values;
};

// MERGE INTO target USING source ON cond WHEN ... (PostgreSQL 15). join reads the source's
// FROM item(s) LEFT JOINed to the target (its last source, ON = cond), as PostgreSQL plans
// it: each source row once, with the target row it matches or NULLs.
struct MergePlan {
  catalog::TablePtr table;
  std::shared_ptr<SelectPlan> join;
  int target_source = 0;  // index of the target in join->sources
  int target_offset = 0;  // its first column in the joined row
  std::vector<MergeAction> actions;
  // The target's column defaults and CHECK constraints for the INSERT and UPDATE actions
  // (insert->table is table; its rows / select are unused).
  std::shared_ptr<InsertPlan> insert;
  // Row lock of a matched row an UPDATE action changes: FOR UPDATE when some UPDATE action
  // sets a key column, else FOR NO KEY UPDATE (DELETE: always FOR UPDATE).
  coord::LockStrength update_strength = coord::LockStrength::kNoKeyUpdate;
};

// A bound statement.
struct BoundStatement {
  enum class Kind : uint8_t {
    kSelect,
    kInsert,
    kUpdate,
    kDelete,
    kUtility,
    kCopyFrom,
    kCopyTo,
    kExplain,
    kMerge
  };
  Kind kind = Kind::kSelect;
  std::shared_ptr<SelectPlan> select;
  std::shared_ptr<InsertPlan> insert;
  std::shared_ptr<UpdatePlan> update;
  std::shared_ptr<DeletePlan> del;
  std::shared_ptr<MergePlan> merge;
  const PgQuery__Node* utility = nullptr;  // DDL etc.: executed from the parse tree
  std::string tag;                         // command tag stem
  // Result shape.
  std::vector<std::string> names;
  std::vector<TypeRef> types;
  std::vector<std::pair<Oid, int16_t>> origins;
  std::vector<Oid> param_types;
  // COPY FROM: target table and columns. COPY TO: the table (none for COPY (query) TO), its
  // columns, and copy_query, the statement whose rows are written.
  catalog::TablePtr copy_table;
  std::vector<int> copy_columns;
  std::vector<std::string> copy_names;  // the copied columns' names (HEADER)
  std::shared_ptr<BoundStatement> copy_query;
  // COPY ... FROM 'file' / TO 'file' (checked and opened when it runs); else STDIN/STDOUT.
  bool copy_to_file = false;
  std::string copy_filename;
  bool copy_program = false;  // COPY ... PROGRAM: never run (0A000, or 42501 for non-superusers)
  bool copy_csv = false;
  std::string copy_delimiter = "\t";
  std::string copy_null = "\\N";
  std::string copy_quote = "\"";  // CSV only
  std::string copy_escape = "\"";
  bool copy_header = false;
  bool copy_header_match = false;  // HEADER MATCH (COPY FROM): names checked
  bool copy_freeze = false;        // FREEZE: the table must be new in this subtransaction
  // CSV: FORCE_QUOTE (COPY TO), FORCE_NOT_NULL and FORCE_NULL (COPY FROM): positions among
  // the copied columns.
  bool copy_force_quote_all = false;
  std::vector<int> copy_force_quote;
  std::vector<int> copy_force_not_null;
  std::vector<int> copy_force_null;
  std::string explain_text;
  // Data-modifying WITH queries, run once each, in order, before the statement itself.
  std::vector<std::shared_ptr<BoundStatement>> dml_ctes;
  // Every relation (table or view) a name in the statement found, views' own queries
  // included: what a view made of it depends on.
  std::vector<Oid> relations;
  // `FOR UPDATE ... WAIT n`: the statement's row-lock waits end after this many seconds.
  std::optional<double> lock_wait_seconds;
};

}  // namespace hf::sql::bind
