// replication/raft_counts.h — process-wide counters of what this node's Raft replicas ask of
// the disk and the network, for counted (not timed) figures per transaction (doc/cluster.md §6,
// bench/cluster_counts.sh reads them through the server's stats log, `holdfast
// --stats-log-ms N`).
//
// What it owns: one RaftCounts of relaxed atomic counters (one fetch_add each, no ordering, no
// lock), bumped by ReplicaGroup (replica_group.cc) on its loop thread or its callers' threads:
//   - proposals / barriers: propose() and barrier() calls on this node (a replica that does
//     not lead refuses them; they are counted all the same, as asked);
//   - log_appends / log_entries: libraft's raft_io append requests (the leader's own entries
//     and every AppendEntries a follower stores) and the entries in them. libraft's uv backend
//     writes each request to an O_DSYNC segment file (durable when the write completes: the
//     fsync of a Raft log); requests that arrive while a write is in flight are written
//     together in the next one, so the writes themselves are at most log_appends;
//   - metadata_writes: set_term and set_vote (a metadata file written and fsynced: elections);
//   - snapshot_writes: snapshot_put (a snapshot file and its fsyncs, every snapshot_threshold
//     applied entries);
//   - sent_entries / sent_heartbeats / sent_results / sent_other: messages libraft sends:
//     AppendEntries carrying entries, AppendEntries carrying none (heartbeats and commit-index
//     updates), AppendEntries results, and the rest (votes, snapshots, TimeoutNow).
// Counters only grow; a restart starts them at zero.
#pragma once

#include <atomic>
#include <cstdint>

namespace hf::replication {

struct RaftCounts {
  std::atomic<uint64_t> proposals{0};
  std::atomic<uint64_t> barriers{0};
  std::atomic<uint64_t> log_appends{0};
  std::atomic<uint64_t> log_entries{0};
  std::atomic<uint64_t> metadata_writes{0};
  std::atomic<uint64_t> snapshot_writes{0};
  std::atomic<uint64_t> sent_entries{0};
  std::atomic<uint64_t> sent_heartbeats{0};
  std::atomic<uint64_t> sent_results{0};
  std::atomic<uint64_t> sent_other{0};
};

inline RaftCounts& raft_counts() {
  static RaftCounts c;
  return c;
}

}  // namespace hf::replication
