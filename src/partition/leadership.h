// partition/leadership.h — leader-only serving (doc/cluster.md §4 (e), milestone C step 2):
// a node's partitions, each a Raft group of which this node holds one replica, are served
// here only while this replica leads the group, and a replica that starts to lead takes the
// partition over first (LocalNode::take_over: caches dropped, lock table rebuilt from the
// intents, a fence against the transactions that ran at the previous leader).
//
// What it owns: one watcher thread. It polls info() of this node's replica of every
// partition's group (libraft 0.15 has no callback for a change of role) every `poll`:
//   W1. A replica found leading in term T while its partition does not serve in T: the
//       watcher commits a barrier (ReplicaGroup::barrier: every entry committed before is
//       then applied here, and this replica was still leader when it committed), checks the
//       replica still leads in T, takes a fence from `fence()` (the registry: a TxnId above
//       every one minted so far and a timestamp at or above every commit timestamp handed
//       out) and calls LocalNode::take_over(p, T, fence): only then does the partition serve.
//       A barrier that fails (leadership lost meanwhile) leaves it not serving; the next
//       poll tries again.
//   W2. A replica found not leading (or leading in another term) while its partition serves:
//       LocalNode::stop_serving(p) at once: every later call is refused (40001).
// Between a real loss of leadership and the next poll (at most `poll` plus an info() round
// trip), the deposed leader still serves reads and locks: libraft 0.15 has no leader lease,
// so a replica cut off from its group learns it no longer leads only when its election
// timeout passes. Its writes cannot commit (RaftLog: its proposals fail, 40001 or 08007),
// so no write is lost; what is not guaranteed in that window: a read is linearizable (needs
// a lease or a barrier per read batch; not built). Whatever the cause of a change of leader
// (this window, or a leader killed), a transaction whose writes are all in other partitions
// and that only locked rows here (FOR UPDATE without a write here) is not stopped from
// committing: the coordinator asks such a participant nothing before its commit point, so
// the fence never sees it (doc/cluster.md §4 (e); not built).
//
// Wiring (tests; main.cc not yet):
//   node->gate();  // every partition refuses until taken over
//   Leadership lead(*node, {{0, group0}, {1, group1}}, [&] { return registry_fence(); });
//   lead.start();  ...  lead.stop();  // before the groups stop
// Thread-safe: serving_term() from any thread; start()/stop() by the owner.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "partition_api/partition.h"

namespace hf::replication {
class ReplicaGroup;
}

namespace hf::partition {

class LocalNode;

class Leadership {
 public:
  using PartitionId = partition_api::PartitionId;
  struct Fence {
    partition_api::TxnId txn = 0;     // above every TxnId minted so far
    partition_api::Timestamp ts = 0;  // at or above every commit timestamp handed out
  };
  // groups[p]: this node's replica of partition p's group (outlives the Leadership). The
  // partitions named must have been gated (LocalNode::gate).
  Leadership(LocalNode& node, std::unordered_map<PartitionId, replication::ReplicaGroup*> groups,
             std::function<Fence()> fence,
             std::chrono::milliseconds poll = std::chrono::milliseconds(20));
  ~Leadership();  // stop()s
  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  void start();
  // Joins the watcher (a barrier in progress completes first: libraft bounds it). Partitions
  // keep their state; stop the groups after this.
  void stop();

  // Takeovers done (W1) and serving stops (W2), for tests and logs.
  uint64_t takeovers() const;
  uint64_t stops() const;

 private:
  void run();
  void check(PartitionId p, replication::ReplicaGroup& g);

  LocalNode& node_;
  const std::unordered_map<PartitionId, replication::ReplicaGroup*> groups_;
  const std::function<Fence()> fence_;
  const std::chrono::milliseconds poll_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;   // guarded by mu_
  uint64_t takeovers_ = 0;  // guarded by mu_
  uint64_t stops_ = 0;      // guarded by mu_
};

}  // namespace hf::partition
