// sql/exec/partitions.h — partitioned tables (catalog.h "Partitioned tables") at run time.
//
// Owns: which partition a row written through a partitioned table goes to (routing, with
// PostgreSQL's 23514 when none takes it), which leaf partitions a read of the parent visits
// (scan_table reads them in turn), the bound of a new partition from its FOR VALUES clause
// with PostgreSQL's checks (42P17 for a bound that overlaps a sibling's or is empty), and
// the text PostgreSQL prints for partition keys and bounds (pg_get_partkeydef,
// pg_get_expr(relpartbound)).
//
// Promises: the partitions of a parent are looked up once per statement (ExecContext's
// cache), so one statement sees one set of partitions. Partitions have their parent's
// columns in its order, so a row of the parent is a row of each partition as it is.
// Strategies: LIST, RANGE and HASH over plain columns (HASH places a row as PostgreSQL does,
// by its hash support functions: sql/types/hashing.h); expression keys, and HASH over a type
// without a hash function here, are refused at CREATE TABLE (0A000).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sql/exec/exec_internal.h"

namespace hf::sql::exec {

// The leaf partitions under a partitioned table (partitions of partitions flattened), in
// PostgreSQL's order: each level's partitions by oid.
const std::vector<catalog::TablePtr>& leaf_partitions(const catalog::Table& parent,
                                                      ExecContext& cx);

// The leaf partitions that can hold rows whose partition key is `key` (every key column's
// value, in key order): those under the one partition that takes it; none when a value is
// NULL (an equality fixed it) or no partition takes it.
std::vector<catalog::TablePtr> partitions_for_key(const catalog::Table& parent,
                                                  const std::vector<Datum>& key, ExecContext& cx);

// The leaf partition a row written through `parent` goes to. Throws 23514 "no partition of
// relation ... found for row" (naming the partitioned table where routing stopped).
const catalog::Table& route_row(const catalog::Table& parent, const Row& row, ExecContext& cx);

// Whether `row` belongs in partition `part` of `parent` (a DEFAULT partition: no sibling
// takes it). ATTACH PARTITION's check of existing rows.
bool row_fits_partition(const catalog::Table& parent, const catalog::Table& part, const Row& row,
                        ExecContext& cx);

// Whether `row` belongs in partition `part` and in each of its ancestors that is itself a
// partition (PostgreSQL's partition constraint of `part`).
bool row_in_partition(const catalog::Table& part, const Row& row, ExecContext& cx);

// The bound of a new partition `part_name` of `parent` from its FOR VALUES clause, checked as
// PostgreSQL checks it: the strategy matches the parent's, values convert to the key columns'
// types, a range is not empty, and no existing partition overlaps it (42P17).
catalog::PartitionBound make_partition_bound(const catalog::Table& parent,
                                             const PgQuery__PartitionBoundSpec* spec,
                                             const std::string& part_name, ExecContext& cx);

// A new partition `part` (its bound set) of `parent` may not take rows that are in the
// parent's DEFAULT partition: 23514 "updated partition constraint for default partition ...
// would be violated by some row".
void check_default_partition(const catalog::Table& parent, const catalog::Table& part,
                             ExecContext& cx);

// "LIST (name)", as pg_get_partkeydef prints it.
std::string partition_key_text(const catalog::Table& t);
// "FOR VALUES IN ('a', 'b')", "FOR VALUES FROM (1) TO (MAXVALUE)", "DEFAULT": as
// pg_get_expr(relpartbound, oid) prints a partition's bound.
std::string partition_bound_text(const catalog::Table& parent, const catalog::PartitionBound& b);

// A partition's constraint as pg_get_partition_constraintdef prints it, for one level of
// LIST partitioning and single-column RANGE partitioning; nullopt for the forms it does not
// print yet (multi-column ranges, DEFAULT partitions, partitions of partitions).
std::optional<std::string> partition_constraint_text(const catalog::Table& parent,
                                                     const catalog::Table& part);

}  // namespace hf::sql::exec
