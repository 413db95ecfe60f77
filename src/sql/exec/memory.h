// sql/exec/memory.h — the memory bounds of one statement.
//
// Owns: the per-statement budget every in-memory materialisation of the executor charges
// (rows of FROM items and joins, hash join tables, hash aggregation groups, DISTINCT and set
// operation hash sets, projected results), and reading work_mem.
// Promises: a statement whose materialisations would hold more than the server's
// --statement-memory cap fails with PostgreSQL's 53200 "out of memory" (DETAIL: "Failed on
// request of size N in memory context \"...\".") before it allocates that much, instead of
// the process being killed. Accounting is approximate and conservative: row sizes are
// estimated (row_bytes) and a run_select()'s charges are held until it returns (a scope,
// MemoryScope), so intermediate vectors already freed may still count. ORDER BY does not
// charge the budget for what it sorts: it spills past work_mem (exec/external_sort.h).
// Thread safety: a MemoryBudget belongs to one statement's fiber. Nothing here suspends.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/datum.h"
#include "sql/engine.h"

namespace hf::sql::exec {

// Bytes a row takes in memory, estimated: the vector, its Datums, out-of-line strings and
// arrays (recursively).
size_t row_bytes(const Row& row);

// work_mem of the session in bytes (PostgreSQL's default, 4MB, when the setting is unknown).
int64_t work_mem_bytes(SessionContext& session);

// ExecutionLimits::statement_memory_bytes as last set: every statement reads it as it starts,
// so it is one atomic load, not execution_limits()'s lock and copy of the whole struct.
int64_t statement_memory_limit();

// 53200 as PostgreSQL's palloc() reports it.
[[noreturn]] void throw_out_of_memory(size_t request, std::string_view context);

class MemoryBudget {
 public:
  explicit MemoryBudget(int64_t limit_bytes) : limit_(limit_bytes) {}
  // Counts `bytes` more as held; throws 53200 (nothing counted) when that passes the limit.
  void charge(size_t bytes, std::string_view context) {
    if (static_cast<int64_t>(bytes) > limit_ - used_) throw_out_of_memory(bytes, context);
    used_ += static_cast<int64_t>(bytes);
  }
  void charge_row(const Row& row, std::string_view context) { charge(row_bytes(row), context); }
  int64_t used() const { return used_; }
  int64_t limit() const { return limit_; }
  // Forgets every charge made since used() was `mark`.
  void release_to(int64_t mark) { used_ = std::min(used_, mark); }

 private:
  int64_t limit_;
  int64_t used_ = 0;
};

// Charges made while it lives are released when it goes (the materialisations of one
// run_select() call die with it or are re-charged by its caller).
class MemoryScope {
 public:
  explicit MemoryScope(MemoryBudget& b) : budget_(b), mark_(b.used()) {}
  ~MemoryScope() { budget_.release_to(mark_); }
  MemoryScope(const MemoryScope&) = delete;
  MemoryScope& operator=(const MemoryScope&) = delete;

 private:
  MemoryBudget& budget_;
  int64_t mark_;
};

// PostgreSQL's memory context names, as 53200's DETAIL shows them.
inline constexpr std::string_view kExecutorContext = "ExecutorState";
inline constexpr std::string_view kHashJoinContext = "HashTableContext";
inline constexpr std::string_view kHashAggContext = "HashAgg table context";
inline constexpr std::string_view kSetOpContext = "SetOp hash table";

}  // namespace hf::sql::exec
