// partition/raft_log.h — the replicated PartitionLog (doc/cluster.md §4, milestone C step 2):
// each write is proposed to its partition's Raft group, and write() returns only once the
// entry is committed in the group (on a majority of its replicas' Raft logs) and applied to
// this replica's engine. A LocalPartition whose log is a RaftLog has every write replicated
// before a commit is acknowledged (C3).
//
// What it owns: nothing but counters. It holds, per partition, this node's replica of that
// partition's group (replication::ReplicaGroup, owned by the node, outliving the log), whose
// StateMachine is a replication::PartitionMachine of that partition on the same engine the
// node's LocalPartitions read. That engine is then written by the group's loop thread (the
// apply), never by this log.
//
// Layering: partition → replication (hf_partition links hf_replication); replication
// includes no partition header. The entry format and its check are PartitionMachine's.
//
// What it promises, in terms of PartitionLog's contract (partition_log.h):
//   L1. write(parts, d): the non-empty parts must all belong to ONE partition, i.e. one
//       group (a group is one partition: PartitionMachine). That part becomes one entry
//       (PartitionMachine::encode_entry), checked before it is proposed with the check every
//       replica's apply() makes (PartitionMachine::check_entry): a part apply() would refuse
//       is refused here, so a kOk is never an entry applied as a no-op (M3). On return the
//       entry is committed and applied here: every later read on this node sees it. Else it
//       throws SqlError and — except for 08007 below — nothing of it is applied anywhere.
//         * parts of two or more partitions: SqlError XX000, nothing proposed. Such a write
//           is no longer atomic once its parts go to different groups; the callers that make
//           it (a one-phase commit of sibling partitions, the commit record's write carrying
//           other participants' load-marker Deletes, recovery's resolutions) must become
//           two-phase across groups (§4's table, sites 3, 5, 12). The log never splits a write.
//         * a partition with no group here, or a part apply() would refuse: XX000.
//         * kNotLeader (this replica is not the group's leader) and kShuttingDown (the group
//           is closing): SqlError 40001, the entry was never appended and never will be
//           applied (replica_group.h R3): the coordinator aborts the transaction and the
//           client may retry (against the leader, once the partition map says who it is).
//         * kRejected (libraft refused it for another reason): XX000, never appended.
//         * kUnknown (appended, then this replica lost leadership or closed before the
//           entry was applied here): SqlError 08007 (transaction_resolution_unknown). The
//           entry MAY still be committed by the next leader and applied on every replica,
//           this one included. Never reported as success; but the coordinator today aborts
//           on it like on any error, which is wrong if the entry commits: resolving it needs
//           the replicated transaction status (§4 atomic commit; not built).
//   L2. Every write with operations MAY SUSPEND, whatever its durability: it is a waited
//       proposal (one network round trip to a follower plus one O_DSYNC append of the Raft
//       log on the critical path; concurrent proposals share appends). A fiber parks on an
//       Event and is woken from the group's loop thread; its executor keeps running other
//       fibers. A plain thread blocks. kWal and kNoWal writes are not pipelined yet (that
//       needs the overlay of proposed-not-applied records, §4 site 1), so they cost a
//       proposal each too. REQUIRES: not called on a group's loop thread (from a
//       StateMachine callback or an on_applied hook): it would wait for itself.
//   L3. Hooks: readable and on_durable both run once the entry is applied here — the write
//       is readable and durable at the same moment (durable = in a majority's Raft logs
//       with O_DSYNC) — readable first, on the group's loop thread, right after the apply
//       and before the proposer is woken (so what on_durable publishes does not wait for
//       the proposer's turn to run), and before write() returns. So, unlike DirectLog's,
//       readable does NOT run before the caller parks. They must be short and must not
//       write through this log (they run where the group's StateMachine calls run). Neither
//       runs when write() throws. An empty write (no operations) proposes nothing, succeeds
//       at once and runs both on the caller's thread.
// Durability: `d` does not change what is done — kSynced, kWal and kNoWal all get the Raft
// log's fsync on a majority, which replaces the RocksDB WAL's fsync (a commit's kSynced is
// satisfied by it). The applied batch is written to the engine with PartitionMachine's
// durability (kWal: to the OS, no fsync); PartitionMachine's durability argument (its header)
// shows kNoWal would be correct too: it never relies on the WAL, only on index and batch being
// one write and on libraft keeping its log after its newest durable snapshot; with kNoWal a
// kill -9 (not only a power loss) takes the engine back to its last flush, and restart replays
// more of the Raft log. Changing it is a measured choice left open.
// Wired into a static cluster behind `holdfast --replicas 3` (server/main.cc, doc/cluster.md §8 C
// step 3: commit groups per partition, no sibling partitions, leader-only serving, routing to
// the leader). What is still missing (doc/cluster.md §8 C):
//   - commit groups per Raft group: done by the wiring (commit group 0, no siblings: a
//     transaction writing two partitions commits in two phases); the commit record's write
//     (site 3) then carries only the anchor's own load markers; bulk loads (COPY) over several
//     replicated partitions are not tested; recovery's resolutions (site 12) are not run on a
//     replicated node.
//   - only the leader's partition serves: built (partition/leadership.h, LocalNode::gate and
//     take_over: a gated partition refuses every call unless its replica leads and took it
//     over — barrier, store caches dropped, lock table rebuilt from the intents, a fence
//     against the previous leader's transactions). Not built: the partition map routing to
//     the leader (a follower answers 40001, not "ask node N"), a lease (a deposed leader
//     serves reads and locks until its watcher notices).
//   - MvccStore::write_intent (site 1: an intent published at once, or a spilled buffer)
//     writes while it holds its key's stripe, so its fiber parks holding it for a Raft round:
//     the stripes are fiber mutexes (a fiber taking a held one parks; std::mutexes blocked
//     whole executors and hung a replicated cluster's SKIP LOCKED queue), but a write to a
//     key of that stripe still waits one round. The pipelined proposal with an overlay would
//     release it before the round.
//   - 08007 resolved through the replicated transaction status, not turned into an abort.
//   - loaded files (SST ingestion) and drop_keyspaces bypass every log (followers would not
//     get them): entry kinds of their own; open and recovery write directly.
//   - a write is one entry, held whole in memory by libraft (a large COPY batch or one-phase
//     commit is one large entry).
// Thread-safe: the partition → group map is fixed at construction.
#pragma once

#include <atomic>
#include <cstdint>
#include <unordered_map>

#include "partition/partition_log.h"

namespace hf::replication {
class ReplicaGroup;
}

namespace hf::partition {

class RaftLog final : public PartitionLog {
 public:
  using PartitionId = partition_api::PartitionId;
  // groups[p]: this node's replica of partition p's group (not null; outlives the log).
  explicit RaftLog(std::unordered_map<PartitionId, replication::ReplicaGroup*> groups);

  using PartitionLog::write;
  void write(PartitionBatches& parts, storage::Durability d, const WriteHooks& hooks) override;

  // Entries proposed and applied here (kOk), and writes that failed after being proposed.
  uint64_t applied() const { return applied_.load(std::memory_order_relaxed); }
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  const std::unordered_map<PartitionId, replication::ReplicaGroup*> groups_;
  std::atomic<uint64_t> applied_{0}, failed_{0};
};

}  // namespace hf::partition
