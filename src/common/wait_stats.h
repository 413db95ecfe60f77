// common/wait_stats.h — process-wide counters of where a commit waits, for measuring how the
// server scales with clients (bench/temporal_scale.sh reads them through the server's stats
// log, `holdfast --stats-log-ms N`).
//
// What it owns: one WaitStats of relaxed atomic counters; any layer may bump them from any
// thread (one relaxed fetch_add each: no ordering, no lock). Who bumps what:
//   - coord (commit_one_phase): durable_us/durable_n, the partition's one-phase commit call
//     (its synced write: the WAL append and the wait for the group commit's fsync);
//     publish_us/publish_n, the wait for every earlier reserved commit to be published (and,
//     when the publishing thread releases the locks, for that release);
//     unlock_us/unlock_n, from the moment its durability is learnt (on_durable) to its row and
//     table locks released in its partitions (what a waiter for one of its rows waits beyond
//     the fsync);
//   - partition (a synced write that joins the WAL sync thread's group): sync_us/sync_n, from
//     the WAL append to the sync thread's answer (the fsync it waited for, and the one before
//     if one was under way); wake_us/wake_n, from that answer to the committing fiber running
//     again (its place in its executor's queue).
//   - storage (Engine::lead_sync, Engine::sync_loop): fsync_us/fsync_n, each WAL sync itself
//     (RocksDB's FlushWAL(true): the fdatasync); answer_us/answer_n, the sync thread's time
//     answering one group's callbacks (on_durable and the fiber wake-ups) before it can lead
//     the next sync.
//   - runtime (Fiber::resume with kUrgent, the commit path's wake-ups): wake_slices/
//     wake_slices_n, how many other fibers' slices its executor ran between the wake-up and
//     the fiber's own slice (its place in the queue, in work rather than time: what an urgent
//     wake-up shortens; the rest of wake_us is the executor thread waiting for a CPU).
// Counters only grow; a restart starts them at zero.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace hf {

struct WaitStats {
  std::atomic<uint64_t> durable_us{0};
  std::atomic<uint64_t> durable_n{0};
  std::atomic<uint64_t> publish_us{0};
  std::atomic<uint64_t> publish_n{0};
  std::atomic<uint64_t> sync_us{0};
  std::atomic<uint64_t> sync_n{0};
  std::atomic<uint64_t> wake_us{0};
  std::atomic<uint64_t> wake_n{0};
  std::atomic<uint64_t> unlock_us{0};
  std::atomic<uint64_t> unlock_n{0};
  std::atomic<uint64_t> fsync_us{0};
  std::atomic<uint64_t> fsync_n{0};
  std::atomic<uint64_t> answer_us{0};
  std::atomic<uint64_t> answer_n{0};
  std::atomic<uint64_t> wake_slices{0};
  std::atomic<uint64_t> wake_slices_n{0};
};

inline WaitStats& wait_stats() {
  static WaitStats s;
  return s;
}

// Adds the microseconds from `start` to `end` (default: now) to `us` and one to `n`.
inline void add_wait(std::atomic<uint64_t>& us, std::atomic<uint64_t>& n,
                     std::chrono::steady_clock::time_point start,
                     std::chrono::steady_clock::time_point end = std::chrono::steady_clock::now()) {
  auto d = std::chrono::duration_cast<std::chrono::microseconds>(end - start);
  us.fetch_add(static_cast<uint64_t>(d.count()), std::memory_order_relaxed);
  n.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace hf
