// partition/partition_log.h — the seam through which a node's partitions write their storage:
// a write as one sub-batch per partition (PartitionBatches), and the log that makes it durable
// (PartitionLog; DirectLog writes it to the node's RocksDB, as a single node does).
//
// Why per partition. In a cluster each partition is its own Raft group (doc/cluster.md §4,
// milestone C), so a write that spans partitions — a one-phase commit of several
// participants on one node, the commit record's batch with the other participants'
// load-marker Deletes, recovery's resolutions — must be proposable part by part, each part
// to its partition's group. On one node the parts are still ONE RocksDB write (one WAL
// record): atomic across the partitions, and one fsync when synced, as before.
//
// PartitionBatches promises:
//   B1. of(p) is partition p's sub-batch, created on first use; parts keep the order in which
//       they were first named, each its operations in the order they were added. References
//       returned by of() stay valid while more parts are added.
//   B2. Every key a caller adds to of(p) must be in p's range (storage::partition_of_key):
//       check() says which part breaks that (empty when none), so a test or a proposer can
//       refuse it before a replica does (replication/partition_machine.h M3).
//   B3. combined() is one WriteBatch with every part's operations, parts in order: writing it
//       has the effect of writing the parts one after the other, atomically. With one part it
//       IS that part (no copy); with several, the parts' bytes are concatenated once (RocksDB's
//       batch format: a 12-byte header, then the records; the header's count is the sum).
//       REQUIRES: no of() after combined().
//
// PartitionLog promises (every implementation):
//   L1. write(parts, d) makes all of `parts` durable to level d (at least) atomically, or
//       throws and writes nothing; on return every later read sees it. Atomic across parts
//       only where the parts go to one log: DirectLog writes any parts as one RocksDB write;
//       RaftLog (raft_log.h) takes the parts of ONE partition only (each partition is its own
//       Raft group) and refuses a write with operations in two partitions (SqlError XX000,
//       nothing written): a caller that needs atomicity across groups commits in two phases,
//       and no log ever splits a write. RaftLog's failures after proposing are 40001 (never
//       applied: not the leader) or 08007 (leadership lost in flight: it may still apply).
//   L2. kSynced MAY SUSPEND (the fiber parks until the write is durable; concurrent commits
//       share one fsync). DirectLog: kWal and kNoWal never wait for another write's fsync.
//       RaftLog: every write with operations MAY SUSPEND (a waited proposal), whatever d.
//   L3. hooks (WriteHooks), when set, run only if the write succeeds: readable once every
//       later read sees it; on_durable once it is durable, on the thread that learns it,
//       before the parked fiber is woken (what on_durable publishes does not wait for the
//       fiber's turn to run), and before write() returns. Each runs once, readable first; an
//       empty write (no operations) succeeds at once and runs both on the caller's thread.
//       DirectLog runs readable before the caller may park, on_durable on the engine's sync
//       thread (or the caller's, when it synced itself). RaftLog runs both together on the
//       group's loop thread once the entry is applied (readable and durable coincide), so
//       readable does not run before the caller parks there. Hooks are short and must not
//       write through the log.
// Every batch write of a LocalPartition goes through its log (local_partition.h says which
// writes do not: SST ingestion and drop_keyspaces; doc/cluster.md §4's table). The node's
// open and recovery write directly. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/write_batch.h>

#include "partition_api/partition.h"
#include "storage/engine.h"

namespace hf::partition {

class PartitionBatches {
 public:
  using PartitionId = partition_api::PartitionId;

  PartitionBatches() = default;
  PartitionBatches(const PartitionBatches&) = delete;  // of()'s references point into it
  PartitionBatches& operator=(const PartitionBatches&) = delete;

  rocksdb::WriteBatch& of(PartitionId p);
  size_t parts() const { return has_first_ ? 1 + more_.size() : 0; }
  // The i-th part: its partition and its batch.
  PartitionId partition(size_t i) const { return i == 0 ? first_id_ : more_[i - 1].first; }
  const rocksdb::WriteBatch& part(size_t i) const { return i == 0 ? first_ : *more_[i - 1].second; }
  // Operations in all parts.
  uint32_t count() const;
  // B2: why a part holds a key outside its partition's range ("" when none does).
  std::string check() const;
  // B3.
  rocksdb::WriteBatch& combined();
  // Empties it (no parts).
  void clear() {
    has_first_ = false;
    first_.Clear();
    more_.clear();
    combined_.Clear();
  }

 private:
  // The first part lives here (most writes are one partition's: no allocation), the others
  // on the heap (their addresses stay put as more are added).
  bool has_first_ = false;
  PartitionId first_id_ = 0;
  rocksdb::WriteBatch first_;
  std::vector<std::pair<PartitionId, std::unique_ptr<rocksdb::WriteBatch>>> more_;
  rocksdb::WriteBatch combined_;
};

// L3: what a committer runs as its write becomes readable and durable (a one-phase commit
// publishes its timestamp from on_durable).
struct WriteHooks {
  std::function<void()> readable;
  std::function<void()> on_durable;
};

class PartitionLog {
 public:
  virtual ~PartitionLog() = default;
  // L1, L2.
  void write(PartitionBatches& parts, storage::Durability d) { write(parts, d, WriteHooks{}); }
  // L1, L2, L3.
  virtual void write(PartitionBatches& parts, storage::Durability d, const WriteHooks& hooks) = 0;
};

// The direct log: one RocksDB write of parts.combined() on the node's engine.
//   - kWal / kNoWal: a memtable insert plus (kWal) a WAL append, inline on the caller's
//     thread; during a RocksDB write stall on the blocking pool instead, since it would wait
//     for the stall to end, which must park a fiber, not its executor.
//   - kSynced on a plain thread (recovery, tests): Engine::write, which blocks.
//   - kSynced on a fiber: when no other fiber is ready and no WAL sync is under way or
//     recently shared, the fsync runs right here (Engine::write_and_sync_if_idle: no hand-off
//     to another thread and back, the latency of a lone commit); otherwise the batch is
//     appended here and the fiber parks until the engine's sync thread has synced the WAL
//     (Engine::sync_then: one wake-up per group commit, not per commit).
class DirectLog final : public PartitionLog {
 public:
  explicit DirectLog(storage::Engine& engine) : engine_(engine) {}
  using PartitionLog::write;
  void write(PartitionBatches& parts, storage::Durability d, const WriteHooks& hooks) override;

 private:
  void synced(rocksdb::WriteBatch& batch, const WriteHooks& hooks);
  storage::Engine& engine_;
};

}  // namespace hf::partition
