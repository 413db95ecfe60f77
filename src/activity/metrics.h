// activity/metrics.h — the node's lock counters, shown by the SQL view holdfast_lock_stats.
//
// What it owns: one process-wide LockMetrics of relaxed atomic counters. Anyone may bump
// them from any thread (bump() is one relaxed fetch_add: no ordering, no lock); readers get
// a consistent-enough picture for monitoring, not a snapshot. Who bumps what:
//   - session/ (as the coordinator's LockSession): waits, wait_time_us (when a lock request
//     parks and when it resumes), timeouts, nowait_failures, skipped (a row refused under
//     SKIP LOCKED), deadlocks, cancelled;
//   - sql/exec (the locking clauses, EvalPlanQual): epq_rechecks (a row re-checked against
//     the WHERE clause after its newest version changed while waiting) and epq_rescans (a
//     statement that started its scan again); bump them where they happen.
// Counters only grow; a server restart starts them at zero.
#pragma once

#include <atomic>
#include <cstdint>

namespace hf::activity {

struct LockMetrics {
  std::atomic<uint64_t> waits{0};            // lock requests that parked
  std::atomic<uint64_t> wait_time_us{0};     // total time parked, microseconds
  std::atomic<uint64_t> timeouts{0};         // lock_timeout / WAIT n expired while waiting
  std::atomic<uint64_t> nowait_failures{0};  // NOWAIT requests refused
  std::atomic<uint64_t> skipped{0};          // rows skipped by SKIP LOCKED
  std::atomic<uint64_t> deadlocks{0};        // 40P01 victims
  std::atomic<uint64_t> cancelled{0};        // waits ended by cancel / statement_timeout
  std::atomic<uint64_t> epq_rechecks{0};     // EvalPlanQual re-checks (sql/exec bumps)
  std::atomic<uint64_t> epq_rescans{0};      // rescans after a version mismatch (sql/exec)
};

// The process-wide counters.
inline LockMetrics& lock_metrics() {
  static LockMetrics m;
  return m;
}

// One relaxed increment: lock-free and cheap enough for any path.
inline void bump(std::atomic<uint64_t>& counter, uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace hf::activity
