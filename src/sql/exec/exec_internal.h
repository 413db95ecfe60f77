// sql/exec/exec_internal.h — shared between the executor's files (not a public contract).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "catalog/catalog.h"
#include "sql/bind/bound.h"
#include "sql/engine.h"
#include "sql/exec/deferred_constraints.h"
#include "sql/exec/executor.h"
#include "sql/exec/memory.h"
#include "sql/exec/routines.h"
#include "sql/types/functions.h"

namespace hf::sql::exec {

struct PartitionCache;  // exec/partitions.cc
class KeyBuilder;       // exec/placement.h

struct ExecContext {
  catalog::Catalog& catalog;
  SessionContext& session;
  coord::Transaction& txn;
  const std::vector<Datum>& params;
  types::FuncContext fctx;
  std::vector<const Row*> outer;  // enclosing rows of correlated subqueries; back() = parent
  const std::vector<Datum>* window_values = nullptr;  // current row's window results
  // ProjectSet: the values of the target list's set-returning calls for the row being built.
  const std::vector<Datum>* srf_values = nullptr;
  // Keys this statement wrote (true) or deleted (false): its own writes are invisible to its
  // reads (same command id), yet uniqueness must see them.
  std::unordered_map<std::string, bool> stmt_keys;
  // `WAIT n`: row-lock waits of this statement end by this time (55P03 lock timeout).
  runtime::Deadline wait_deadline = runtime::Deadline::max();
  // RETURNING rows of the statement's data-modifying WITH queries, by index.
  std::vector<std::vector<Row>> cte_results;
  // Rows of uncorrelated subqueries in expressions, computed once per statement (PostgreSQL's
  // InitPlans): a `WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1)` runs its subquery,
  // and takes its locks, once. nullopt: the subquery is correlated.
  std::map<const bind::SelectPlan*, std::optional<std::vector<Row>>> sublink_rows;
  // What the statement's materialisations hold (exec/memory.h): 53200 past the cap.
  MemoryBudget memory{statement_memory_limit()};
  // The partitions of the partitioned tables the statement touched, read once (partitions.h).
  std::shared_ptr<PartitionCache> partitions;
  uint32_t interrupt_tick = 0;  // calls of check_for_interrupts() (it looks every 1024th)
  // When the statement last let the other sessions of its executor thread run (below).
  runtime::Clock::time_point slice_start = runtime::Clock::now();
};

// PostgreSQL's CHECK_FOR_INTERRUPTS for loops over rows: a cancel request, a terminate or a
// passed statement_timeout ends the statement with PostgreSQL's error. Called once per row
// by scans, set-returning functions and join loops; it looks at the token and the clock on
// every 1024th call only.
// It is also where a long statement shares its executor thread: once it has run
// kStatementSlice since it last did, it yields (runtime::Fiber::yield), so the sessions
// pinned to the same thread — a job queue's claims beside a report's million-row scan — wait
// at most a slice, not the whole statement. A scan tolerates the suspension as it tolerates
// a row-lock wait in the middle of it.
void check_for_interrupts(ExecContext& cx);
inline constexpr std::chrono::milliseconds kStatementSlice{10};

// Sends a NOTICE (SQLSTATE 00000) with an optional DETAIL to the session's client.
void send_notice(ExecContext& cx, const std::string& message, const std::string& detail = {});

Datum eval(const bind::Expr& e, const Row& row, ExecContext& cx);
// Throws PostgreSQL's 23502 / 23514 when v breaks domain d's NOT NULL or a CHECK of it.
void check_domain_value(const bind::DomainConstraints& d, const Datum& v, ExecContext& cx);
// A domain CHECK's stored text as PostgreSQL deparses it: VALUE in capitals.
std::string domain_check_text(const std::string& expr);
bool eval_bool(const bind::Expr& e, const Row& row, ExecContext& cx);  // NULL → false
std::vector<Row> run_select(const bind::SelectPlan& p, ExecContext& cx);
// Sort -> [Filter] -> one FROM item, run through an ExternalSorter (spilling past work_mem)
// instead of materialising the input: the sorted rows, read lazily (after OFFSET, up to
// LIMIT, hidden sort columns dropped). nullptr: p has another shape (run run_select()).
std::unique_ptr<RowStream> run_sorted_select(const bind::SelectPlan& p, ExecContext& cx);
Datum session_function(const bind::Expr& e, const std::vector<Datum>& args, ExecContext& cx);

// One stored row as read.
struct StoredRow {
  Row row;
  std::string key;
  coord::Version newest;
  // The version this read returned, as lock() expects it (nullopt: our own write).
  std::optional<coord::Version> seen;
  // The table the row is stored in: the one scanned, or the leaf partition a read of a
  // partitioned table found it in (valid for the statement: partitions.h's cache holds it).
  const catalog::Table* table = nullptr;
};
// Reads a base table through an access path; cb returns false to stop. First takes the table
// lock a read takes: ACCESS SHARE, or ROW SHARE when a locking clause covers the table (as
// PostgreSQL's parser opens it), so that LOCK TABLE ... EXCLUSIVE blocks SELECT FOR UPDATE.
// A partitioned table is read as its leaf partitions in turn (each fully; the parent has no
// access paths of its own), each StoredRow naming the partition it came from.
// skip_row (issue 8): asked with a row's primary key before an index scan reads the row; true
// leaves the row out unread (SKIP LOCKED: stream_lock_rows in select.cc says why that is the
// outcome the read and the lock would have had).
// filter (issue 13): a condition on the row alone; rows failing it are left out before cb.
// A primary-key scan names it to the partitions when it can (ScanRequest::filter), so runs of
// rows that failed it need not be read again by the next scan with the same filter.
void scan_table(const catalog::Table& t, const bind::TableAccess& acc, const Row& ctx_row,
                ExecContext& cx, const std::function<bool(StoredRow&)>& cb,
                uint8_t relation_mode = coord::table_mode::kAccessShare,
                const std::function<bool(const std::string& pk)>* skip_row = nullptr,
                const bind::Expr* filter = nullptr);

// UPDATE ... FROM / DELETE ... USING: the joined rows of p (target table = source 0), each
// with the target row's key and version; a target row joined several times comes once.
std::vector<StoredRow> join_candidates(const bind::SelectPlan& p, ExecContext& cx);
// MERGE: every joined row of p, in join order, with the identity of source `target`'s row in
// it (matched false: that source was NULL-extended, no target row).
struct MergeRow {
  StoredRow stored;
  bool matched = false;
};
std::vector<MergeRow> merge_join_rows(const bind::SelectPlan& p, size_t target, ExecContext& cx);
// Locks a row of an UPDATE / DELETE / MERGE target, read at version `seen` (of a snapshot at
// seen_at), in `stored` (its table or leaf partition). kAsRead: locked, the version read is
// the newest (or our own). kNewer (READ COMMITTED): a transaction committed a newer version
// since: it is locked and in *value, and key is where it lives now (a key-changing UPDATE
// moved it); the caller re-checks its conditions on it (EvalPlanQual). kGone: deleted since.
// Above READ COMMITTED a newer version is 40001. Other lock failures throw.
enum class TargetRowLock : uint8_t { kAsRead, kNewer, kGone };
TargetRowLock lock_target_row(const catalog::Table& stored, std::string& key,
                              const std::optional<coord::Version>& seen, coord::Timestamp seen_at,
                              coord::LockStrength strength, ExecContext& cx, std::string* value);
// INSERT's new row: vals at cols (is_default[i]: DEFAULT), the other columns their defaults.
Row complete_row(const bind::InsertPlan& p, const std::vector<int>& cols,
                 const std::vector<Datum>& vals, const std::vector<bool>& is_default,
                 ExecContext& cx);
// Whether an UPDATE's new row changes a key column (primary key or a unique index column):
// then it locks FOR UPDATE, else FOR NO KEY UPDATE (PostgreSQL's HeapDetermineColumnsInfo).
bool changes_key(const catalog::Table& t, const Row& old_row, const Row& new_row);
// Runs a bound MERGE (exec/merge.cc): the number of rows it inserted, updated or deleted.
int64_t run_merge(const bind::MergePlan& p, ExecContext& cx);
// EvalPlanQual over a joined row whose locked parts were replaced by their newest versions:
// the join conditions and WHERE again (a LEFT JOIN whose condition now fails null-extends).
bool epq_recheck(const bind::SelectPlan& p, Row& row, ExecContext& cx);

// Keys and row encodings.
coord::KeySpace row_space(const catalog::Table& t);
// PostgreSQL's update chain across a primary-key change. An UPDATE that changes a row's key
// deletes the old key and writes the new one; it also records old key -> new key in the
// table's forwarding keyspace (index id kForwardIndexId, routed by the old key, written
// under the old key's row lock, so no lock of its own). A reader that finds the old key
// deleted follows the entry only when it committed with that deletion (same timestamp).
inline constexpr uint32_t kForwardIndexId = 0xffffffffu;
coord::KeySpace forward_space(const catalog::Table& t);
// EvalPlanQual's walk after `key` was found deleted at `deleted_ts`: follows the forwarding
// entries, locking each newer key at `strength`, to the newest live version.
struct ChainEnd {
  enum State { kGone, kLive, kWouldBlock } state = kGone;
  std::string key;    // kLive: the row's key now
  std::string value;  // kLive: its newest committed value (locked)
};
ChainEnd follow_moved_row(const catalog::Table& t, std::string key, coord::Timestamp deleted_ts,
                          coord::LockStrength strength, const coord::LockWait& wait,
                          ExecContext& cx);
std::string encode_pk(const catalog::Table& t, const Row& row);
// The storage key of a new row: its primary key, or a fresh row id from the table's sequence.
std::string new_row_key(const catalog::Table& t, const Row& row, ExecContext& cx);
std::vector<TypeRef> column_types(const catalog::Table& t);
[[noreturn]] void throw_lock_failure(coord::LockOutcome o, const catalog::Table& t,
                                     ExecContext& cx);
coord::LockWait lock_wait(ExecContext& cx, coord::WaitPolicy p = coord::WaitPolicy::kBlock);

// The unique key a foreign key's referenced columns match (PostgreSQL: the primary key or a
// unique index without expressions, same columns in any order): index_pos -1 for the primary
// key; order[k] = the position in ref_columns of the key's k-th column. nullopt: none.
struct FkTarget {
  int index_pos = -1;
  std::vector<int> order;
};
std::optional<FkTarget> fk_target(const catalog::Table& parent,
                                  const std::vector<int>& ref_columns);
// Whether a referencing column of type fk can reference one of type pk (PostgreSQL: one
// btree operator family holds both, or fk casts implicitly to pk), and the referencing value
// as the referenced key's type (fk_key_value), which is what its key is built from.
bool fk_comparable(Oid fk, Oid pk);
Datum fk_key_value(const Datum& v, Oid fk, Oid pk);

// Duplicate keys among rows loaded into a keyspace (coord::Transaction::load), without the
// lock and the two storage reads of insert()'s check and without remembering every key:
// while keys arrive in increasing order into a keyspace that was empty (a rewrite in key
// order, a sorted COPY), none can be a duplicate. The first key at or below the largest so far
// sends the loads (everything loaded is then in storage) and from then on keys are
// remembered until the next send, up to kLoadedKeysBatch; a key at or below the largest is
// looked for there and in storage (probe).
class LoadedKeys {
 public:
  static constexpr size_t kLoadedKeysBatch = 65536;
  // empty: the keyspace held no row when loading began (else every key is looked for).
  explicit LoadedKeys(bool empty) : was_empty_(empty), ordered_(empty) {}
  // True when key is taken: loaded before, or stored. Otherwise notes it as loaded.
  bool taken(const coord::KeySpace& space, const std::string& routing, const std::string& key,
             ExecContext& cx);

 private:
  bool was_empty_;
  bool ordered_;     // every key so far was above the one before, into an empty keyspace
  std::string max_;  // the largest key so far ("" before the first: keys are never empty)
  std::unordered_set<std::string> unsent_;  // keys loaded since the last send (!ordered_)
};
// Whether a keyspace holds no row this transaction can see (one scan step).
bool keyspace_empty(const coord::KeySpace& space, ExecContext& cx);

// Write path (exec/modify.cc).
// 23514 "new row for relation ... violates partition constraint" unless `row` belongs in
// partition `table` (and its ancestors); nothing for a table that is not a partition.
void check_partition_constraint(const catalog::Table& table, const Row& row, ExecContext& cx);

struct Writer {
  const catalog::Table& table;
  ExecContext& cx;
  std::vector<bind::ExprPtr> index_exprs;       // flattened expression keys of expression indexes
  std::vector<bind::ExprPtr> index_predicates;  // per index: a partial index's WHERE, or null
  std::vector<bind::ExprPtr> generated;         // per column: its GENERATED expression, or null
  // Per column of a domain: a kDomainCheck of the column's value (else null), evaluated
  // before the table's own constraints, as PostgreSQL checks a domain when the value is made.
  std::vector<bind::ExprPtr> domain_checks;
  std::vector<TypeRef> col_types;  // column_types(table), for every row's encoding
  // Its rows were routed here from a partitioned table (which checks the bounds it routes
  // by): check_row leaves out the partition constraint, a per-row walk of the ancestors.
  bool routed = false;
  explicit Writer(const catalog::Table& t, ExecContext& c);
  // Index key of row for index i; *has_null: a key column is NULL (a unique index then keeps
  // the entry apart per row). *routing (if given): the entry's routing key (placement.h).
  std::string index_key(size_t i, const Row& row, bool* has_null, std::string* routing = nullptr);
  // "Key (a, lower(b))=(1, x)": index i's key of row, for a unique violation's DETAIL.
  std::string index_key_text(size_t i, const Row& row);
  // Whether index i has an entry for row: always, or when a partial index's predicate is true.
  bool indexes_row(size_t i, const Row& row);
  // Inserts a new row. Returns false (and fills conflict_key) when a unique key exists and
  // `on_conflict_index` names that constraint (-1 PK, >=0 index, -2 any, -3 none); an index
  // named there is checked before the row's other keys (PostgreSQL's arbiters go first).
  bool insert(const Row& row, int on_conflict_index, std::string* conflict_key);
  // Added (issue 8): whether rows may be bulk-loaded into the table instead of insert()ed
  // (COPY): this transaction created its keyspace in the current subtransaction
  // (coord::Transaction::may_load), and no index, foreign key, partitioning or row-security
  // policy needs a row's own work. load() then stores a checked row (check_row) as insert()
  // would, without row lock or intent; a duplicate primary key is still 23505.
  bool loadable() const;
  void load(const Row& row);
  void update(const Row& old_row, const std::string& old_key, const Row& new_row);
  void remove(const Row& old_row, const std::string& key);
  // Computes the row's stored generated columns, then checks it: NOT NULL, the table's
  // CHECK constraints, then (check_option_view set) a view's WITH CHECK OPTION condition,
  // then, for a partition written to directly (not `routed`), its partition constraint.
  void check_row(Row& row, const std::vector<bind::ExprPtr>& checks,
                 const std::string& check_option_view = {});
  // The row's foreign keys whose columns are new or changed: each checked now, or, when the
  // constraint is deferred and row_key (the row's storage key) is given, queued for COMMIT
  // (exec/deferred_constraints.h).
  void check_foreign_keys(const Row& row, const Row* old_row, const std::string* row_key = nullptr);
  // One foreign key of row: the referenced row must exist (locked FOR KEY SHARE), else 23503.
  void check_foreign_key(const catalog::ForeignKey& fk, const Row& row);
  // A deferred check: re-reads the row at row_key (the newest version this transaction sees)
  // and, if it is still there, checks fk.
  void check_deferred_foreign_key(const catalog::ForeignKey& fk, const std::string& row_key);
  // A deferred NO ACTION check of this (referenced) table's row old_row, gone or with its
  // key changed: unless a row with that key exists again, no row of child may reference it.
  void check_deferred_referenced_key(const catalog::Table& child, const catalog::ForeignKey& fk,
                                     const Row& old_row);
  // Foreign keys that reference this table: a row removed, or updated so that referenced
  // columns change, is dealt with at the end of the statement (check_referencing_rows(), when
  // PostgreSQL's RI triggers run). NO ACTION / RESTRICT: no committed or own row may still
  // reference it (23503). CASCADE / SET NULL / SET DEFAULT: the referencing rows are deleted
  // or updated as a DELETE or UPDATE of the child would (row locks, waits, EvalPlanQual),
  // and their own referencing rows in turn.
  void note_key_gone(const Row& old_row, const Row* new_row);
  void check_referencing_rows();

 private:
  struct Referencing {
    catalog::TablePtr child;
    catalog::ForeignKey fk;
  };
  struct Gone {
    size_t fk = 0;  // index in referencing_
    Row old_row;
    std::optional<Row> new_row;  // nullopt: the row was deleted
  };
  // Applies fk's ON DELETE / ON UPDATE action to the child rows referencing g.old_row.
  // no_action: check as NO ACTION whatever fk says (SET DEFAULT's second look).
  void act_on_referencing_rows(const Referencing& r, const Gone& g, bool no_action);
  // Whether the row of parent with the key kb (of its primary key, index_pos -1, or of its
  // unique index index_pos) exists, locked FOR KEY SHARE as PostgreSQL's RI check does.
  bool referenced_row_present(const catalog::Table& parent, int index_pos, const KeyBuilder& kb);
  std::optional<std::vector<Referencing>> referencing_;
  std::vector<Gone> gone_;
  bool has_unique_index_ = false;
  std::optional<LoadedKeys> loaded_keys_;  // load() of a table with a primary key
};

// The row writes of one INSERT / UPDATE / DELETE target, a partitioned one included
// (exec/modify.cc): each new row checked (NOT NULL, CHECK, a view's CHECK OPTION) and, for a
// partitioned table, routed to its leaf partition; an updated row that belongs in another
// partition moves there. `stored` is the table a row was read from (StoredRow::table: its leaf
// partition; ignored for a table that is not partitioned).
class TableWrites {
 public:
  TableWrites(const catalog::Table& t, const std::vector<bind::ExprPtr>& checks,
              const std::string& check_option_view, ExecContext& cx);
  ~TableWrites();
  void insert(Row& row);  // 23505 on any unique conflict
  void update(const catalog::Table* stored, const Row& old, const std::string& key, Row& nr);
  void remove(const catalog::Table* stored, const Row& old, const std::string& key);
  // At the end of the statement: foreign keys that reference the rows changed (Writer's).
  void check_referencing_rows();

 private:
  struct Parts;
  const catalog::Table& table_;
  const std::vector<bind::ExprPtr>& checks_;
  const std::string& check_option_view_;
  ExecContext& cx_;
  Writer writer_;
  std::unique_ptr<Parts> parts_;
};

// COPY TO (exec/copy_out.cc): writes the rows of s.copy_query (already run) to the client or
// the file; returns how many. The file checks, also for COPY FROM 'file' (exec/modify.cc):
// who may read (from) or write server files, and the error for a file that does not open.
int64_t copy_out(const bind::BoundStatement& s, Result& rows, ExecContext& cx);
void check_copy_file_privilege(ExecContext& cx, bool from);
// COPY ... PROGRAM: PostgreSQL's 42501 for those who may not, 0A000 for those who may.
[[noreturn]] void refuse_copy_program(ExecContext& cx);
[[noreturn]] void copy_file_error(const std::string& path, bool from, int err);

// DDL (exec/ddl.cc).
std::string run_utility(const PgQuery__Node* node, ExecContext& cx);
// Views (exec/views.cc). CREATE [OR REPLACE] [TEMP] VIEW; returns the command tag.
std::string create_view(const PgQuery__ViewStmt* s, ExecContext& cx);
// CREATE MATERIALIZED VIEW (a CreateTableAsStmt of objtype MATVIEW) and REFRESH
// MATERIALIZED VIEW; return the command tag ("SELECT n" when rows were stored).
std::string create_materialized_view(const PgQuery__CreateTableAsStmt* s, ExecContext& cx);
// CREATE [TEMP] TABLE ... AS query [WITH [NO] DATA] and SELECT ... INTO: a table with the
// query's columns (names, types) and its rows, no keys (a hidden row id places them).
std::string create_table_as(const PgQuery__IntoClause* into, const PgQuery__Node* query,
                            bool if_not_exists, ExecContext& cx);
// The catalog entry CREATE TABLE and CREATE TABLE AS start from: name, schema, owner, oid,
// and for a temporary table (CREATE TEMP TABLE, or a table in pg_temp) its session and ON
// COMMIT action, with PostgreSQL's checks. nullopt: IF NOT EXISTS found the name taken (the
// notice is sent).
std::optional<catalog::Table> new_table(ExecContext& cx, const PgQuery__RangeVar* rv,
                                        PgQuery__OnCommitAction oncommit, bool if_not_exists);
// A table without a primary key is placed by a hidden row id from its own sequence.
void give_rowid_sequence(ExecContext& cx, catalog::Table& t);
std::string refresh_materialized_view(const PgQuery__RefreshMatViewStmt* s, ExecContext& cx);
// A view that depends on a relation, directly or through other views, with the DETAIL line
// PostgreSQL gives it ("view v depends on table t"), in PostgreSQL's order.
struct DependentView {
  catalog::TablePtr view;
  std::string detail;
  // The oid of the direct dependent it is listed under (PostgreSQL lists the direct
  // dependents, foreign keys among them, in the order they were made).
  Oid group = 0;
};
std::vector<DependentView> dependent_views(ExecContext& cx, const catalog::Table& rel);
// pg_get_viewdef(v, pretty) / pg_views.definition (see views.cc for what matches PostgreSQL's
// deparse).
std::string view_definition(catalog::Catalog& catalog, const catalog::Table& view, bool pretty);
// A table's stored expression (a CHECK constraint's) as PostgreSQL deparses it: fully
// parenthesised, or pretty; the stored text when the deparser does not know its shape.
std::string expression_definition(catalog::Catalog& catalog, const catalog::Table& table,
                                  const std::string& text, bool pretty);
// pg_get_indexdef(index, column, pretty) / pg_indexes.indexdef: the CREATE INDEX statement of
// the index with that oid (the primary key's included), or with column > 0 that key column's
// text alone; nullopt when no index has the oid (exec/system_views.cc). Pretty with a
// session: the table qualified only when that session's search path would not find it.
std::optional<std::string> index_definition(catalog::Catalog& catalog, Oid index, int column,
                                            bool pretty, SessionContext* session = nullptr);
// pg_get_triggerdef(trigger, pretty): the CREATE TRIGGER statement of the trigger with that
// oid, its table qualified (pretty: only when the session's search path would not find it);
// nullopt when there is none (exec/system_views.cc).
std::optional<std::string> trigger_definition(catalog::Catalog& catalog, Oid trigger, bool pretty,
                                              SessionContext& session);
// A column default as pg_get_expr(adbin, adrelid) prints it (pg_attrdef.adbin,
// information_schema.columns.column_default).
std::string column_default_text(const catalog::Column& c);
// A sequence's type (pg_sequence.seqtypid, information_schema.sequences.data_type).
Oid sequence_type(const catalog::Sequence& sq);
// The rows of the information_schema views information_schema.cc fills; nullopt for others.
std::optional<std::vector<Row>> information_schema_rows(const std::string& view, ExecContext& cx);
// pg_catalog views (exec/system_views.cc).
std::vector<Row> system_view_rows(const std::string& name, ExecContext& cx);

}  // namespace hf::sql::exec
