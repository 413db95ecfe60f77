// catalog/catalog.h — tables, indexes, constraints and sequences: definitions and storage.
//
// Owns: the schema. Definitions are rows in system keyspaces (table_id < 1000): table 1
// ('hf_tables', one JSON document per table with its columns, indexes and constraints) and
// table 2 ('hf_sequences', the high-water mark of each sequence). They are written through a
// coord::Transaction, so they survive restart, and read back by load() at startup into an
// in-memory cache of immutable snapshots (shared_ptr<const Table>); version() grows with every
// DDL so prepared statements notice they are stale.
//
// DDL commits in its own short transaction at the moment it runs (autonomous, like a
// sequence). Each DDL call may name the SQL transaction it runs for (`owner`): the catalog then
// registers the compensating change with owner->on_rollback(), so a statement that fails later
// in the same implicit or explicit transaction, a ROLLBACK, or a ROLLBACK TO a savepoint taken
// before the DDL undoes it (PostgreSQL's DDL is transactional).
//
// Uncommitted creations (issue 13). A table, view, materialized view, sequence or schema
// created for an owner is marked "created by transaction X of node N, not committed"
// (pending_, stored in its definition row as "pending"): every lookup by name or oid and every
// listing (so pg_class, information_schema, psql's \d) skips it unless the asking fiber runs
// X (viewers_: the transaction each fiber last ran DDL for), so other sessions see it only from
// X's commit on; X's on_commit() hook clears the mark (stored again without it, and the
// version bumped). Rolled back, it never was visible. load() at startup drops the marked
// creations of its own node: a crash or a restart before the commit keeps none (as the
// temporary tables). The creator holds ACCESS EXCLUSIVE on the new oid until it ends: a
// second CREATE of that name (sql/exec/locking.h, wait_for_uncommitted_create) waits on it,
// as PostgreSQL's waits on its catalog's unique index, then fails with that index's
// duplicate-key error if the first committed, or goes on if it rolled back.
//
// Uncommitted changes of committed tables (DROP, ALTER, CREATE INDEX, COMMENT, TRUNCATE...).
// A committed permanent table (or view) changed or dropped for an owner keeps its committed
// definition for every other session until the change commits (changed_): the stored row
// carries it ("changed": who, the lock mode it held, and the committed definition; a dropped
// one's row stays as a tombstone that holds it), so other coordinators show it too, and
// load() at startup puts the committed definition back for the changes of its own node (a
// crash before the commit keeps none). The commit stores the new definition without it (or
// deletes the tombstone); a rollback's undo puts the committed one back. As PostgreSQL's
// parse analysis, sql/engine.cc locks the relations a statement names once bound: one whose
// lock conflicts with the change's (a reader with DROP or ALTER's ACCESS EXCLUSIVE, a writer
// with CREATE INDEX's SHARE) waits, then waits for the change to settle (wait_settled) and
// binds again when the catalog changed: "does not exist" after a DROP's commit, the new
// columns or indexes after an ALTER's, the table as it was after a rollback. A statement whose
// lock does not conflict (a reader during CREATE INDEX) binds the committed definition.
//
// Uncommitted drops of sequences, schemas and types (DROP SEQUENCE, DROP SCHEMA, the
// sequences a dropped table owned, DROP TYPE, DROP DOMAIN). The object stays in the catalog
// (a type also in its registry), and stored, for every other session until the drop commits
// (dropping_); the dropper no longer sees it (a type: not by name). The drop holds ACCESS
// EXCLUSIVE on the oid: nextval() of the sequence waits for it (sql/exec/locking.h,
// wait_for_sequence_change), so does a second DROP (lock_object_for_change), which then finds
// the object gone. Its rows are deleted by the dropping transaction itself (before_commit), so
// they go atomically with its commit; the object leaves the catalog in its on_commit hook; a
// rollback (or ROLLBACK TO before the drop) forgets the drop.
//
// Uncommitted changes kept aside (catalog/kept_aside.h, one mechanism for all of them): ALTER
// DOMAIN of a committed domain (store_domain with an owner; mirrored into
// sql/types/uncommitted_domains.h for the registry), a sequence's new owner or ACL (ALTER
// SEQUENCE ... OWNER TO, GRANT / REVOKE: seq_ownership_), function and trigger changes
// (catalog/functions.h) and role changes (catalog/roles.h) are kept beside the committed
// definition for the changing transaction only, their rows written by that transaction, and
// published at its commit.
//
// What differs from PostgreSQL: ALTER TYPE (but ADD VALUE's labels, see enum_types.h) is seen
// by everybody at once, and a crash before its commit keeps it (doc/transactional-ddl.md);
// two CREATE INDEX of one table run one after the other (the second asks SHARE ROW EXCLUSIVE
// and so waits for the first's SHARE as a lock wait, sql/exec/lock_table_stmt.cc; PostgreSQL
// builds both at once). A changed relation's row type is published at once, but a statement
// that casts to it locks the relation (sql/bind), so it waits for the change's lock as
// PostgreSQL's type cache does; a new one's is found by name by its creator only.
//
// Durability of a transaction's DDL. Its creations and changes become visible by commits of
// their own just after the transaction's (settle_created, forget_change). So that a crash
// between the two never undoes the DDL of a transaction that committed, the transaction writes
// a row of its own into system keyspace 6 ('hf_ddl_commits', key 'c' + node u32 + txn u64)
// just before its commit point (Transaction::before_commit): the row commits atomically with
// the transaction or not at all. load() at startup settles this node's marked creations and
// changes as committed when their transaction's row is there, as rolled back when it is not,
// then deletes the rows. A row is needed only until its transaction's marks are settled; the
// next DDL transaction's commit deletes those of the ones settled since (settled_markers_), so
// no commit of its own is spent on it.
//
// Storage mapping (used by the executor): a table's rows live in keyspace {storage_id, 0}
// keyed by the order-preserving encoding of the primary key (or of a hidden int8 row id,
// from the table's row-id sequence, when it has none); secondary index i lives in
// {storage_id, i}. TRUNCATE and rewrites switch to a new storage_id.
//
// Placement (doc/placement.md): a row goes to the partition its partition key hashes to. The
// partition key is a leading prefix of the primary key, Table::partition_columns columns long
// (1 unless CREATE TABLE ... WITH (holdfast.partition_key = 'a, b') says otherwise), so the
// rows that share it (one Temporal shard's tasks, one workflow's map rows) live together and a
// read that fixes it visits one partition. An index entry goes where its first
// Index::partition_columns key columns hash to. 0 in either field is the placement of data
// written before partition keys existed: the whole key (rows) or every index column (entries).
//
// Temporary tables (issue 13). CREATE TEMP TABLE stores a table like any other, marked with
// the creating session's temp namespace (Table::temp_namespace): name lookups find it only for
// that session, before a permanent table of the same name (PostgreSQL's pg_temp schema comes
// first in the search path), and other sessions may create their own of the same name. The
// session drops them when it ends (session/session.cc), and load() drops any that a crash or
// a restart left behind, so a restarted server never shows them. What differs from
// PostgreSQL: their rows go through the same storage as every table (not session-local
// buffers), and the names of their sequences (serial) share one namespace with the permanent
// ones (t_id_seq1 when a permanent t_id_seq exists).
//
// Schemas (issue 13). Every table and sequence belongs to a schema (Table::namespace_oid,
// Sequence::namespace_oid): public (oid 2200, the only one before schemas existed, and what a
// definition without the field means) or one made by CREATE SCHEMA, stored as a row of system
// keyspace 5 ('hf_namespaces', one JSON document per schema, key = big-endian oid). Table and
// index names are unique within their schema; an unqualified name is looked up along a
// SearchPath (the session's temporary schema, then the schemas of its search_path that
// exist). What differs from PostgreSQL: sequence names still share one namespace across
// schemas (a serial column's sequence takes a free name there), and there are no schema
// privileges beyond those of public (owners and superusers may do everything).
//
// Views (issue 13). A view is a Table whose view_query is set: its columns are the view's
// (names and types fixed at CREATE VIEW, as PostgreSQL's pg_attribute rows for it), it has no
// rows, indexes or constraints of its own, and it shares the relation namespace with tables
// (pg_class relkind 'v'). view_query is the defining SELECT as libpg_query's deparser prints
// it; sql/bind re-parses and binds it where the view is read (see binder.cc). view_depends
// lists the relations it reads, so DROP TABLE refuses (or with CASCADE, drops the view) as
// PostgreSQL's pg_depend does. A materialized view is a Table with rows of its own (a hidden
// row id, like a table without a primary key), materialized set and view_query kept for
// REFRESH; reads see its rows, not its query.
//
// Enum types (issue 13). CREATE TYPE ... AS ENUM stores one JSON document per type in system
// keyspace 8 ('hf_types', key = big-endian oid): its schema, name, owner, the oid of its array
// type and its labels with their oids and sort orders (pg_enum). The catalog mirrors every
// definition into sql/types' process-wide EnumRegistry (sql/types/enum_types.h), which is how
// the type layer turns the type's oid into its labels; a type name is looked up along the
// SearchPath like a table's. What differs from PostgreSQL: type names have their own namespace
// per schema (a table and a type may share a name; PostgreSQL's pg_type would clash with the
// table's row type).
//
// Domains (issue 13). CREATE DOMAIN stores one JSON document with "kind": "d" per domain in
// hf_types beside the enums: its base type, default, NOT NULL and CHECK constraints (with
// their pg_constraint oids). The catalog mirrors every definition into sql/types'
// DomainRegistry (sql/types/domain_types.h). A column of a domain has its base type as `type`
// and the domain's oid as `domain`; its rows are checked against the domain when written.
// Like enums, a definition is undone when its transaction rolls back.
//
// New types (CREATE DOMAIN, CREATE TYPE ... AS ENUM / AS (...)) are uncommitted creations like
// tables (pending_, the "pending" mark in their hf_types row, load() settling leftovers): the
// registries find them by name for their creator only (sql/types/composite_visibility.h)
// until the commit, and pg_type lists them for it alone. A second CREATE of the name waits for
// the first (sql/exec/locking.h, NewObject::kType), as PostgreSQL's waits on pg_type's index.
//
// Partitioned tables (PostgreSQL's declarative partitioning; nothing to do with the placement
// partitions above). CREATE TABLE ... PARTITION BY LIST | RANGE | HASH (cols) makes a Table with
// partition_strategy set (pg_class relkind 'p'): it has columns, defaults and CHECK
// constraints but no rows, indexes or keys of its own. Its partitions are ordinary tables (or
// partitioned ones in turn) whose partition_parent is its oid and whose partition_bound says
// which rows they take; partitions_of() lists them. sql/exec routes rows written through the
// parent to a partition and reads the parent as the union of its partitions
// (sql/exec/partitions.h). A partition's columns are the parent's, same names, types and
// order (CREATE TABLE ... PARTITION OF copies them; ATTACH PARTITION requires it).
// Row types (composite types). Every table and view has a row type of its name whose oid is
// the relation's oid; the catalog publishes it into sql/types' CompositeRegistry
// (sql/types/composite_types.h) at load() and whenever the relation is created, altered or
// dropped, so `returns s.jobs`, a PL/pgSQL variable `v s.jobs` and format_type() find it.
// CREATE TYPE ... AS (f type, ...) stores a standalone composite type (with an array type) in
// hf_types, one JSON document with "kind": "c" (enums have none), published the same way.
//
// Thread safety: all methods are thread-safe. DDL and nextval() MAY SUSPEND (a commit).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "catalog/acl.h"
#include "catalog/kept_aside.h"
#include "common/datum.h"
#include "coord/transaction.h"
#include "runtime/fiber.h"
#include "sql/types/composite_types.h"
#include "sql/types/domain_types.h"
#include "sql/types/enum_types.h"

namespace hf::catalog {

inline constexpr uint32_t kTablesSpace = 1;      // hf_tables
inline constexpr uint32_t kSequencesSpace = 2;   // hf_sequences
inline constexpr uint32_t kNamespacesSpace = 5;  // hf_namespaces
inline constexpr uint32_t kDdlCommitsSpace = 6;  // hf_ddl_commits (see "Durability")
inline constexpr uint32_t kTypesSpace = 8;       // hf_types (enum types)
inline constexpr Oid kFirstUserOid = 16384;

// An uncommitted change of a committed sequence's owner or ACL (ALTER SEQUENCE ... OWNER TO,
// GRANT / REVOKE on it), kept aside until its commit (Catalog::seq_ownership_).
struct SequenceOwnership {
  Oid owner = 0;
  std::optional<Acl> acl;
  bool new_owner = false;  // OWNER TO: its transaction holds ACCESS EXCLUSIVE on the sequence
};

// A schema made by CREATE SCHEMA (public is built in and has no row).
struct Schema {
  Oid oid = 0;
  std::string name;
  Oid owner = kBootstrapSuperuserId;
};

// Where an unqualified table name is looked up, in order: the session's temporary tables
// (temp_namespace; 0: none), then each schema of `schemas` (oids of existing schemas, as the
// session's search_path resolved them). The first of `schemas` is where unqualified CREATE
// puts a new table; empty: nowhere ("no schema has been selected to create in").
struct SearchPath {
  uint64_t temp_namespace = 0;
  std::vector<Oid> schemas{kPublicNamespaceId};
  bool operator==(const SearchPath&) const = default;
};

// The schema names of a search_path setting ('"$user", public'), in order: split at commas
// outside double quotes, surrounding blanks dropped, quotes removed ("" inside quotes is one
// "), unquoted names lower-cased, as PostgreSQL's SplitIdentifierString reads it.
std::vector<std::string> parse_search_path(std::string_view setting);

struct Column {
  std::string name;
  TypeRef type;
  bool not_null = false;
  std::string default_expr;  // SQL text; empty: NULL
  Oid sequence = 0;          // serial/identity: the sequence behind the default
  bool identity_always = false;
  // GENERATED ALWAYS AS (expr) STORED: SQL text over the row's other columns, computed into
  // the column whenever a row is written (after BEFORE triggers, as PostgreSQL); empty: none.
  std::string generated_expr;
  // COMMENT ON COLUMN (col_description); empty: none.
  std::string comment;
  // A column declared of a domain (see "Domains" above): the domain's oid, `type` being its
  // base type; 0: none.
  Oid domain = 0;
};

// The default a column's rows get: its own, else its domain's (empty: NULL).
inline std::string column_default(const Column& c) {
  if (!c.default_expr.empty() || c.domain == 0) return c.default_expr;
  auto d = sql::types::domain_types().find(c.domain);
  return d ? d->default_expr : std::string();
}

struct Index {
  uint32_t id = 0;  // keyspace index_id (>= 1)
  Oid oid = 0;      // for pg_class
  std::string name;
  bool unique = false;
  bool primary = false;      // the primary key's index (stored in the row keyspace, not apart)
  bool constraint = false;   // created by a UNIQUE / PRIMARY KEY constraint
  std::vector<int> columns;  // column positions; -1: expression (see exprs)
  std::vector<std::string> exprs;  // SQL text of each expression key, in order
  std::vector<int> include;        // INCLUDE columns
  // Per key column, PostgreSQL's pg_index.indoption bits as CREATE INDEX wrote them: 1 DESC,
  // 2 NULLS FIRST (empty: all 0). Described (pg_index, pg_get_indexdef) only: entries are
  // kept in ascending order whatever they say, and a scan reads them either way.
  static constexpr int kDescending = 1, kNullsFirst = 2;
  std::vector<int> options;
  int option(size_t key) const { return key < options.size() ? options[key] : 0; }
  // A partial index's predicate (CREATE INDEX ... WHERE), SQL text over the table's columns:
  // only rows for which it is true have entries, and a unique one is unique among those
  // rows only. Empty: every row.
  std::string predicate;
  // Leading key columns that place an entry (see the top of this file); 0: all of `columns`.
  uint32_t partition_columns = 1;
  // How many of the key's leading columns choose the partition (never more than it has).
  size_t placement_width() const {
    return partition_columns == 0 ? columns.size()
                                  : std::min<size_t>(partition_columns, columns.size());
  }
};

struct Check {
  std::string name;
  std::string expr;  // SQL text
  Oid oid = 0;       // pg_constraint's; 0 in catalogs written before constraints had one
};

struct ForeignKey {
  std::string name;
  Oid oid = 0;  // pg_constraint's; 0 in catalogs written before constraints had one
  std::vector<int> columns;
  Oid ref_table = 0;
  // The parent's primary key or the columns of one of its unique indexes without expressions,
  // in any order (PostgreSQL's rule; sql/exec resolves which at each check).
  std::vector<int> ref_columns;
  // What deleting a referenced row, or changing its key, does to the referencing rows:
  // PostgreSQL's confdeltype/confupdtype letters.
  static constexpr char kNoAction = 'a', kRestrict = 'r', kCascade = 'c', kSetNull = 'n',
                        kSetDefault = 'd';
  char on_delete = kNoAction;
  char on_update = kNoAction;
  // An action as SQL names it: "NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT".
  static const char* action_name(char action) {
    switch (action) {
      case kRestrict:
        return "RESTRICT";
      case kCascade:
        return "CASCADE";
      case kSetNull:
        return "SET NULL";
      case kSetDefault:
        return "SET DEFAULT";
      default:
        return "NO ACTION";
    }
  }
  // DEFERRABLE / INITIALLY DEFERRED (pg_constraint's condeferrable / condeferred): a deferred
  // constraint's check of the referencing row runs at COMMIT (sql/exec/deferred_constraints.h).
  bool deferrable = false;
  bool initially_deferred = false;
};

// Which rows a partition takes (PostgreSQL's relpartbound).
struct PartitionBound {
  static constexpr char kList = 'l', kRange = 'r', kHash = 'h', kDefault = 'd';
  char kind = 0;  // 0: not a partition
  // kList: the values, each as its text in the key column's type (nullopt: NULL).
  std::vector<std::optional<std::string>> values;
  // kRange: per key column, the inclusive lower (from) and exclusive upper (to) bound.
  struct RangeDatum {
    static constexpr char kValue = 'v', kMinValue = '-', kMaxValue = '+';
    char kind = kValue;
    std::string text;  // kValue: the value's text in the key column's type
  };
  std::vector<RangeDatum> from, to;
  // kHash: the rows whose partition hash (sql/types/hashing.h) is remainder modulo modulus.
  int32_t modulus = 0, remainder = 0;
};

struct Table {
  Oid oid = 0;
  uint32_t storage_id = 0;  // keyspace table_id of the rows
  std::string name;
  std::vector<Column> columns;
  std::vector<int> primary_key;  // column positions; empty: hidden row id
  // Leading primary-key columns that place a row (see the top of this file); 0: the whole
  // primary key. A table without a primary key is placed by its hidden row id.
  uint32_t partition_columns = 1;
  std::string pkey_name;  // "t_pkey"
  Oid pkey_oid = 0;
  std::vector<Index> indexes;  // secondary indexes (not the primary key)
  std::vector<Check> checks;
  std::vector<ForeignKey> foreign_keys;
  Oid rowid_sequence = 0;  // for tables without a primary key
  uint32_t next_index_id = 1;
  // Added (issue 9): the owning role and the ACL (nullopt: the default, all to the owner).
  Oid owner = kBootstrapSuperuserId;
  std::optional<Acl> acl;
  // Added (issue 13): a temporary table belongs to one session's temp namespace (see
  // "Temporary tables" above); 0: a permanent table. on_commit: what each commit of that
  // session does to it (CREATE TEMP TABLE ... ON COMMIT PRESERVE ROWS / DELETE ROWS / DROP).
  uint64_t temp_namespace = 0;
  Oid namespace_oid = kPublicNamespaceId;  // its schema (a temporary table: unused)
  static constexpr char kPreserveRows = 'p', kDeleteRows = 'd', kDrop = 'D';
  char on_commit = kPreserveRows;
  // Added (issue 13): a view's defining query and the relations it reads (see "Views" above).
  std::string view_query;
  std::vector<Oid> view_depends;
  // A materialized view (CREATE MATERIALIZED VIEW): a table whose rows are its view_query's
  // result as of the last REFRESH (none and refused to readers until then: populated).
  bool materialized = false;
  bool populated = true;
  // COMMENT ON TABLE / VIEW / MATERIALIZED VIEW (obj_description); empty: none.
  std::string comment;
  // A view's WITH [CASCADED | LOCAL] CHECK OPTION: 'c', 'l'; 0: none. Rows written through
  // the view must satisfy its WHERE.
  char check_option = 0;
  // A partitioned table (see "Partitioned tables" above): PostgreSQL's partstrat, 'l' LIST,
  // 'r' RANGE or 'h' HASH (0: not partitioned), and the key's column positions (partattrs).
  char partition_strategy = 0;
  std::vector<int> partition_key;
  // A partition: its parent's oid (0: none) and its bound.
  Oid partition_parent = 0;
  PartitionBound partition_bound;
  // ALTER TABLE ... ENABLE / FORCE ROW LEVEL SECURITY (pg_class.relrowsecurity,
  // relforcerowsecurity). With it on and no policies (holdfast has none), roles other than
  // the owner, superusers and BYPASSRLS roles see no rows and may write none, as PostgreSQL's
  // default deny (sql/exec/privileges.h); FORCE makes the owner subject to it too.
  bool row_security = false;
  bool force_row_security = false;
  bool is_view() const { return !view_query.empty() && !materialized; }
  bool is_partitioned() const { return partition_strategy != 0; }
  // pg_class.relkind: 'r' table, 'p' partitioned table, 'v' view, 'm' materialized view.
  char relkind() const {
    return materialized ? 'm' : is_view() ? 'v' : is_partitioned() ? 'p' : 'r';
  }
  // The kind as PostgreSQL's messages name it.
  const char* kind_name() const {
    return materialized       ? "materialized view"
           : is_view()        ? "view"
           : is_partitioned() ? "partitioned table"
                              : "table";
  }

  int find_column(std::string_view name) const;
  const Index* find_index(std::string_view name) const;
  // How many leading key columns of a row key choose its partition (1 for the hidden row id).
  size_t placement_width() const {
    if (primary_key.empty()) return 1;
    return partition_columns == 0 ? primary_key.size()
                                  : std::min<size_t>(partition_columns, primary_key.size());
  }
};

struct Sequence {
  Oid oid = 0;
  std::string name;
  int64_t start = 1;
  int64_t increment = 1;
  int64_t min_value = 1;
  int64_t max_value = INT64_MAX;
  Oid owner_table = 0;                     // serial: dropped with its table
  Oid owner = kBootstrapSuperuserId;       // added (issue 9): the owning role and the ACL
  std::optional<Acl> acl;                  // (nullopt: the default, all to the owner)
  Oid namespace_oid = kPublicNamespaceId;  // its schema (pg_class.relnamespace)
};

using TablePtr = std::shared_ptr<const Table>;

class Roles;      // catalog/roles.h
class Functions;  // catalog/functions.h

class Catalog {
 public:
  Catalog(coord::TxnManager& txns, uint32_t partitions);
  ~Catalog();

  // Reads every definition from storage. Call once before use. MAY SUSPEND.
  void load();
  // Several coordinators over one node's partitions (issue 12, doc/cluster.md §8 A): reads
  // every definition again when another coordinator changed the catalog since this one read
  // it (TxnManager::catalog_version). Sessions call it before a statement binds. MAY SUSPEND.
  // `known`: the shared version as read after the statement started (the one its snapshot
  // came with: Transaction::begin_statement), which spares asking for it.
  void sync(std::optional<uint64_t> known = std::nullopt);
  // This coordinator's node id (0-511): temporary namespaces it hands out carry it, so they
  // are unique among coordinators and load() drops only its own node's leftovers.
  void set_node(uint32_t node_id);
  // Roles, memberships and the schema ACL (catalog/roles.h), loaded by load().
  Roles& roles() { return *roles_; }
  const Roles& roles() const { return *roles_; }
  // User-defined functions (catalog/functions.h), loaded by load(). Added (issue 13).
  Functions& functions() { return *functions_; }
  const Functions& functions() const { return *functions_; }
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // By name, as PostgreSQL's search path "pg_temp, public" finds it: the temporary table of
  // that name in temp_namespace if there is one, else the permanent table. Other sessions'
  // temporary tables are never found.
  TablePtr find_table(std::string_view name, uint64_t temp_namespace = 0) const;
  // By name along a search path: its temporary tables, then each schema in order.
  TablePtr find_table(std::string_view name, const SearchPath& path) const;
  // The permanent table of that name in schema `ns`.
  TablePtr find_table_in(Oid ns, std::string_view name) const;
  // A table named [schema.]name: no schema searches `path`, "pg_temp" the temporary tables,
  // any other the schema of that name. nullptr: no such table, or no such schema.
  TablePtr find_table(std::string_view schema, std::string_view name, const SearchPath& path) const;
  // Only the temporary table of that name in temp_namespace (the schema pg_temp).
  TablePtr find_temp_table(std::string_view name, uint64_t temp_namespace) const;
  std::vector<TablePtr> temp_tables(uint64_t temp_namespace) const;
  // A fresh namespace for a session's temporary tables, never handed out twice by this
  // process (a restart drops every temporary table, so numbers may start again).
  uint64_t new_temp_namespace() { return next_temp_namespace_.fetch_add(1); }
  TablePtr table_by_oid(Oid oid) const;
  // The table with an index of that name, searched as find_table() searches.
  TablePtr table_by_index_name(std::string_view index_name, uint64_t temp_namespace = 0) const;
  // The table with an index of that name: [schema.]index_name as find_table(schema, ...).
  TablePtr table_by_index_name(std::string_view schema, std::string_view index_name,
                               const SearchPath& path) const;
  std::vector<TablePtr> tables() const;
  // The partitions of a partitioned table, in oid order (PostgreSQL's pg_inherits order).
  std::vector<TablePtr> partitions_of(Oid parent) const;
  // A sequence by name: in schema ns; or the first along the search path.
  std::optional<Sequence> find_sequence_in(Oid ns, std::string_view name) const;
  std::optional<Sequence> find_sequence(std::string_view schema, std::string_view name,
                                        const SearchPath& path) const;
  std::optional<Sequence> sequence_by_oid(Oid oid) const;
  std::vector<Sequence> sequences() const;
  // Whether a new table or index of that name would clash: in temp_namespace's schema (0: the
  // permanent tables' schema ns), with a table, an index or a sequence.
  bool relation_exists(std::string_view name, uint64_t temp_namespace = 0,
                       Oid ns = kPublicNamespaceId) const;

  // Schemas: by name (public included), by oid, and all of them by oid (public first).
  std::optional<Schema> find_schema(std::string_view name) const;
  std::optional<Schema> schema_by_oid(Oid oid) const;
  std::vector<Schema> schemas() const;
  // A schema's name ("public" for 2200; its oid as text when there is none).
  std::string schema_name(Oid ns) const;
  // The tables and sequences in schema ns (hidden row-id sequences and those a table owns
  // are not listed: they go with their table), in oid order.
  std::vector<TablePtr> tables_in(Oid ns) const;
  std::vector<Sequence> sequences_in(Oid ns) const;
  // The schemas of a search_path setting that exist, in order ("$user": the schema named as
  // `user` if there is one), with the session's temporary namespace.
  SearchPath resolve_search_path(std::string_view setting, std::string_view user,
                                 uint64_t temp_namespace) const;

  // DDL (each commits on its own; see above). REQUIRES: names not taken (callers check).
  // `owner`: the transaction whose rollback undoes the change (nullptr: never undone).
  Oid allocate_oid();
  // Uncommitted creations of other transactions (see above): the oid of the relation (table,
  // view, index of a table, sequence) named `name` in schema ns (temp_namespace's, when not 0)
  // or of the schema named `name`, that a transaction other than the caller's created and has
  // not committed, or (a relation) the committed table whose uncommitted change (RENAME,
  // CREATE INDEX) by such a transaction gives it that name; 0: none.
  Oid uncommitted_relation(std::string_view name, uint64_t temp_namespace, Oid ns) const;
  Oid uncommitted_schema(std::string_view name) const;
  // The oid of the type (domain, enum, standalone composite) named `name` in schema ns that a
  // transaction other than the caller's created and has not committed; 0: none.
  Oid uncommitted_type(std::string_view name, Oid ns) const;
  // `owner` holds table lock `mode` on relation oid (a DROP, ALTER, TRUNCATE, CREATE
  // INDEX...): until the commit hooks of its catalog changes have run (after its locks are
  // released), in_flight() tells a statement that waited for that lock to wait a little more
  // before it compares catalog versions (sql/engine.cc). Never suspends.
  void note_lock(Oid oid, uint8_t mode, coord::Transaction& owner);
  // Whether a transaction other than `txn` holds (or held until just now) a lock on oid that
  // conflicts with `mode`, or has an unsettled creation or change of oid whose lock does.
  bool in_flight(Oid oid, uint64_t txn, uint8_t mode) const;
  // Parks the calling fiber while in_flight(oid, txn, mode), reading the catalog again
  // (sync) while the change is another coordinator's. Woken when a creation or change
  // settles on this coordinator. False: cancelled.
  bool wait_settled(Oid oid, uint64_t txn, uint8_t mode, runtime::CancelToken* cancel);
  uint32_t allocate_storage_id();
  // Stores a new table (t.oid, t.storage_id assigned when 0) and returns it.
  TablePtr create_table(Table t, coord::Transaction* owner = nullptr);
  // Replaces an existing table's definition (same oid).
  TablePtr replace_table(Table t, coord::Transaction* owner = nullptr);
  // Drops a table and the sequences it owns. Its rows stay in storage (an undo restores them).
  void drop_table(Oid oid, coord::Transaction* owner = nullptr);
  Oid create_sequence(Sequence s, coord::Transaction* owner = nullptr);
  void drop_sequence(Oid oid, coord::Transaction* owner = nullptr);
  // Replaces a sequence's definition (owner, ACL); its values are untouched.
  void replace_sequence(Sequence s, coord::Transaction* owner = nullptr);
  // Stores a new schema (s.oid assigned when 0) and returns its oid.
  Oid create_schema(Schema s, coord::Transaction* owner = nullptr);
  // Drops a schema. REQUIRES: nothing is left in it (callers drop or refuse first).
  void drop_schema(Oid oid, coord::Transaction* owner = nullptr);

  // Enum types (see "Enum types" above). By [schema.]name along `path` (nullptr if none), by
  // oid, all of them, and those in schema ns.
  sql::types::EnumTypePtr find_enum(std::string_view schema, std::string_view name,
                                    const SearchPath& path) const;
  sql::types::EnumTypePtr enum_by_oid(Oid oid) const;
  std::vector<sql::types::EnumTypePtr> enums() const;
  std::vector<sql::types::EnumTypePtr> enums_in(Oid ns) const;
  // Stores a new enum type (oid, array_oid and label oids assigned when 0) or replaces the
  // one with its oid (ALTER TYPE ... ADD VALUE); returns it.
  sql::types::EnumTypePtr store_enum(sql::types::EnumType t, coord::Transaction* owner = nullptr);
  // ALTER TYPE: applies `change` to the current definition of enum `oid` under the DDL lock and
  // stores the result, so concurrent ALTER TYPEs do not lose each other's labels. change may
  // throw (nothing is stored) or return false (nothing to store). nullptr: nothing stored, or
  // no such type.
  sql::types::EnumTypePtr update_enum(Oid oid,
                                      const std::function<bool(sql::types::EnumType&)>& change,
                                      coord::Transaction* owner = nullptr);
  void drop_enum(Oid oid, coord::Transaction* owner = nullptr);
  // Domains (see "Domains" above): stores a new domain (oid, array_oid and constraint oids
  // assigned when 0) or replaces one (ALTER DOMAIN), undone when owner rolls back; drops one.
  sql::types::DomainTypePtr store_domain(sql::types::DomainType t,
                                         coord::Transaction* owner = nullptr);
  void drop_domain(Oid oid, coord::Transaction* owner = nullptr);
  // The transaction `txn` committed: the labels its ALTER TYPE ... ADD VALUE added to enum
  // `oid` become usable (EnumLabel::pending_txn cleared; nothing stored, as the field is not).
  // Never suspends.
  void settle_enum_labels(Oid oid, uint64_t txn);

  // Composite types of CREATE TYPE ... AS (...) (see "Row types" above): stored in hf_types
  // beside the enums (kind "c") and published into the CompositeRegistry. store_composite
  // assigns the oid and array oid when 0. By [schema.]name along `path`: nullptr if none.
  sql::types::CompositeTypePtr store_composite(sql::types::CompositeType t,
                                               coord::Transaction* owner = nullptr);
  void drop_composite(Oid oid, coord::Transaction* owner = nullptr);
  sql::types::CompositeTypePtr find_composite(std::string_view schema, std::string_view name,
                                              const SearchPath& path) const;
  std::vector<sql::types::CompositeTypePtr> standalone_composites() const;

  // Sequences: autonomous, never rolled back. Values are allocated from storage 32 at a
  // time. Throws 2200H when the sequence is exhausted.
  int64_t nextval(Oid seq);
  void setval(Oid seq, int64_t value, bool is_called);

 private:
  friend class Roles;          // stores its rows with write_system_row() through txns_
  friend class Functions;      // the same, and bump()s the version
  friend class KeptAsideBase;  // viewers, versions and wake-ups of kept-aside changes
  struct SeqState {
    int64_t next = 0;   // next value to hand out
    int64_t limit = 0;  // values < limit (increment > 0) are reserved in storage
    // The reservation this coordinator last wrote (or read at load): a stored one that differs
    // was written by another coordinator sharing the catalog, whose values start past it.
    std::optional<int64_t> stored;
    bool loaded = false;
    std::mutex mu;
  };
  // Uncommitted creations (see the top of this file). The creating transaction (its id and
  // this coordinator's node); which transaction each fiber (or plain thread) last ran DDL for.
  struct Creator {
    uint64_t txn = 0;
    uint32_t node = 0;
  };
  std::map<Oid, Creator> pending_;  // mu_
  mutable std::mutex viewers_mu_;
  std::map<const void*, uint64_t> viewers_;  // viewers_mu_
  // Committed permanent tables a transaction changed or dropped and has not committed (see
  // the top of this file): the definition every other session sees meanwhile, and the table
  // lock the changer held (what a statement must conflict with to wait for it).
  struct Changed {
    Creator by;
    TablePtr committed;
    uint8_t mode = 0;
  };
  std::map<Oid, Changed> changed_;  // mu_
  // Sequences and schemas a transaction dropped and has not committed: still there for every
  // other session (and stored) until the drop commits; gone for the dropper (visible_locked).
  std::map<Oid, Creator> dropping_;  // mu_
  // A drop of sequence or schema oid for `owner`, deferred as above: its rows are deleted by
  // the transaction itself (before_commit, atomically with it), the object leaves the
  // catalog at its commit, and a rollback (or ROLLBACK TO) forgets the drop. False: there is
  // no owner, or the object is the owner's own uncommitted creation (dropped at once).
  // keys: the object's rows in system keyspace `space`.
  bool defer_drop(Oid oid, coord::Transaction* owner, uint32_t space,
                  std::vector<std::string> keys);
  struct Held {
    Creator by;
    uint8_t mode = 0;
  };
  std::map<Oid, std::vector<Held>> held_;  // mu_: see note_lock
  // in_flight(); remote (optional): set when what is in flight is another coordinator's.
  bool conflicting_change(Oid oid, uint64_t txn, uint8_t mode, bool* remote) const;
  // Wakes the fibers parked in wait_settled (a creation, change or lock settled).
  void wake_settled();
  std::mutex settle_mu_;
  std::vector<std::shared_ptr<runtime::Event>> settle_waiters_;  // settle_mu_
  template <typename Fn>
  bool scan_tables_locked(Fn&& fn) const;  // REQUIRES: mu_ held
  // Forgets txn's viewer once it has no mark or drop left. REQUIRES: mu_ held (unique).
  void forget_viewer_locked(uint64_t txn);
  // The change of oid committed or was undone: the others see the table as it is now (stored
  // again without the mark, or its tombstone deleted).
  // (Only txn's change: a later one is another's.) MAY SUSPEND.
  void forget_change(Oid oid, uint64_t txn);
  // What a change of committed table oid by `owner` needs before it is stored: its entry in
  // changed_ (committed: the definition before it), the viewer, the commit hook and the undo
  // that ends it. Nothing for a temporary or uncommitted table, or one owner already
  // changed. REQUIRES: ddl_mu_ held.
  void track_change(Oid oid, const TablePtr& committed, coord::Transaction& owner);
  // The transaction the calling fiber runs DDL for, if any.
  std::optional<uint64_t> viewer() const;
  // Whether the object with that oid is visible to `viewer`. REQUIRES: mu_ held.
  bool visible_locked(Oid oid, const std::optional<uint64_t>& viewer) const;
  // The viewer to pass to visible_locked (none looked up while nothing is pending).
  // REQUIRES: mu_ held.
  std::optional<uint64_t> viewer_locked() const {
    return pending_.empty() && changed_.empty() && dropping_.empty() ? std::nullopt : viewer();
  }
  // `owner` runs DDL that leaves marks: its commit writes its hf_ddl_commits row (see
  // "Durability"; once per transaction). REQUIRES: ddl_mu_ held.
  void note_ddl(coord::Transaction& owner);
  std::mutex markers_mu_;
  std::set<uint64_t> marker_hooked_;          // markers_mu_: transactions note_ddl saw
  std::vector<std::string> settled_markers_;  // markers_mu_: rows no longer needed
  // Marks a creation for `owner` (lock, mark, commit and rollback hooks). REQUIRES: ddl_mu_
  // held, and nothing stored for oid yet. MAY SUSPEND.
  void mark_created(Oid oid, coord::Transaction& owner);
  // The creator `txn` committed (clear the mark and store the object without it) or rolled
  // back (drop what is left of it). MAY SUSPEND.
  void settle_created(Oid oid, uint64_t txn, bool committed);
  // oid's mark, stored with its definition row ("pending").
  std::optional<Creator> creator_of(Oid oid) const;
  TablePtr current_table(Oid oid) const;  // whatever its mark (the catalog's own use)
  std::optional<Sequence> current_sequence(Oid oid) const;
  void persist_table(const Table& t, bool deleted);
  void persist_sequence_def(const Sequence& s, bool deleted);
  void persist_schema(const Schema& s, bool deleted);
  // Puts back a dropped sequence with its stored high-water mark (an undo).
  // Reads the enum types (load(), with the schemas it read); returns the highest oid they
  // use. MAY SUSPEND.
  // The marks of uncommitted creations among them go into `pending`.
  Oid load_enums(const std::map<Oid, Schema>& schemas, std::map<Oid, Creator>& pending);
  // One domain's stored JSON into domains_ and the registry; returns its highest oid.
  Oid load_domain(const std::string& stored, const std::map<Oid, Schema>& schemas);
  // A type's name is found only by who may see it (composite_visibility.h): its creator
  // while it is not committed, everybody once it is.
  void hide_name_until_committed(Oid oid);
  // A new type (domain, enum, composite) created for `owner`: marked (mark_created) and hidden
  // by name from the others. REQUIRES: ddl_mu_ held, nothing stored yet.
  void mark_type_created(Oid oid, coord::Transaction& owner);
  // Stores the type (domain, enum or standalone composite) with that oid again, with its
  // mark if it still has one; nothing if oid is no type. REQUIRES: ddl_mu_ held. MAY SUSPEND.
  void persist_type_row(Oid oid);
  // The same for a domain; false: oid is no domain.
  bool persist_domain_row(Oid oid);
  void put_enum(sql::types::EnumTypePtr t);  // into enums_ and the registry
  // A relation's row type into the composite registry (sql/types/composite_types.h), and out.
  void publish_row_type(const TablePtr& t);
  void retract_row_type(Oid oid);
  void publish_composite(sql::types::CompositeTypePtr t);  // a standalone one, as stored
  // Assigns missing oids, writes and publishes t. REQUIRES: ddl_mu_ held. MAY SUSPEND.
  sql::types::EnumTypePtr persist_enum_locked(sql::types::EnumType t);
  void restore_sequence(const Sequence& s, const std::optional<std::string>& mark);
  // A table's keyspace is no longer its: garbage once `owner` commits (coord::TxnManager::
  // drop_keyspaces), at once without an owner (an autonomous change, or an undo).
  void release_storage(uint32_t storage_id, coord::Transaction* owner);
  void write_system_row(uint32_t space, const std::string& key,
                        const std::optional<std::string>& value);
  // The catalog changed here: other coordinators read it again (TxnManager::catalog_version).
  void announce_change();
  std::optional<std::string> read_system_row(uint32_t space, const std::string& key);
  void bump();

  coord::TxnManager& txns_;
  uint32_t partitions_;
  mutable std::shared_mutex mu_;
  std::map<Oid, TablePtr> tables_;
  std::map<Oid, Sequence> sequences_;
  std::map<Oid, Schema> schemas_;  // made by CREATE SCHEMA (not public)
  std::map<Oid, sql::types::EnumTypePtr> enums_;
  std::map<Oid, sql::types::DomainTypePtr> domains_;  // under mu_
  // The row types this catalog published (so its destructor takes out only its own).
  mutable std::mutex row_types_mu_;
  std::map<Oid, std::shared_ptr<const sql::types::CompositeType>> row_types_;
  std::map<Oid, std::unique_ptr<SeqState>> seq_state_;
  std::atomic<uint64_t> version_{1};
  // The shared catalog version (TxnManager::catalog_version) the definitions here are as new
  // as; see sync().
  std::atomic<uint64_t> synced_{0};
  runtime::FiberMutex sync_mu_;
  void read_definitions(bool boot);
  static constexpr int kTempNamespaceNodeShift = 40;
  uint32_t node_id_ = 0;
  bool temp_namespace_is_ours(uint64_t ns) const;
  std::atomic<uint32_t> next_storage_id_{kFirstUserOid};
  std::atomic<uint64_t> next_temp_namespace_{1};
  // Oids (and storage ids, which share the counter) are never handed out twice, even after
  // the newest object was dropped and the server restarted: its rows may still be in storage
  // (a drop does not delete them), and a new table reusing its storage id would see them.
  // The counter is claimed durably in blocks (key "o" of hf_sequences); see allocate_oid.
  // Both are held across write_system_row, whose commit may park the fiber: fiber mutexes.
  runtime::FiberMutex reserve_mu_;
  Oid next_oid_ = kFirstUserOid;  // reserve_mu_: the next id of the claimed block
  Oid reserved_ = 0;              // reserve_mu_: the claimed block ends here
  runtime::FiberMutex ddl_mu_;
  // Uncommitted changes kept aside until their commit (catalog/kept_aside.h): a committed
  // sequence's new owner and ACL (ALTER SEQUENCE ... OWNER TO, GRANT / REVOKE), and a committed
  // domain's ALTER DOMAIN (mirrored into sql/types/uncommitted_domains.h for the registry).
  KeptAside<SequenceOwnership> seq_ownership_;
  KeptAside<sql::types::DomainTypePtr> domain_changes_;
  KeptAside<sql::types::DomainTypePtr>::Hooks domain_change_hooks();
  std::function<void(Oid, const Aside<sql::types::DomainTypePtr>*)> mirror_domain_change();
  std::unique_ptr<Roles> roles_;
  std::unique_ptr<Functions> functions_;
};

}  // namespace hf::catalog
