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
//   W3. The lease (election_timeout given): a partition serves only while its replica has
//       heard from a majority of its group recently. Each barrier committed for it (W1's,
//       and the renewals below) was appended at a time s read before it was handed to
//       libraft; once it commits, a majority of voters received an AppendEntries
//       sent after s, and each of them restarted its election timer then. libraft 0.15
//       (src/recv_request_vote.c) refuses every vote, pre-vote included, while it knows a
//       leader: a follower forgets its leader only when its own election timer, at least
//       election_timeout, runs out. Two majorities share a voter, so no other replica can be
//       elected before s + election_timeout on that voter's clock; the partition is leased
//       until s + lease, lease = election_timeout * 3/4 (LocalPartition G4: no call of G1
//       served from then on until a renewal extends it). The quarter left covers the clocks' rate
//       difference over one election timeout (up to 25%). Renewals (W5) cost one barrier entry (one
//       Raft round and a durable write on each replica) per lease/3 per led group while they commit
//       within lease/6, more while they are slower (libraft writes appends that queue behind
//       a write in flight together in the next one).
//       What the bound assumes (doc/cluster.md §4 (e)): a voter that restarts keeps no memory
//       of its leader, so one that crashed and came back within election_timeout may vote at
//       once; leadership transfers go through transfer() below, which stops serving first
//       (libraft's TimeoutNow lets the target be elected at once).
//   W4. transfer(p, to): the partition stops serving (W2) before libraft's transfer starts,
//       and W1 does not take it over again in that term while it is handed off.
//   W5. Renewals (the lease's second thread, `renewer`): every `poll` it asks, for each
//       partition serving here in term T, a barrier without waiting for it
//       (ReplicaGroup::barrier_async) when lease/3 passed since the last one was asked, or
//       lease/6 while earlier ones are still in flight (at most kMaxRenewalsInFlight): a
//       slow barrier (a durable write on a loaded machine) does not hold up the next, and
//       one group's does not hold up another's, nor do W1's takeovers (a barrier, the
//       registry's fence, the lock table's rebuild) hold up any renewal. s is read on the
//       group's loop thread just before libraft appends the barrier; one that commits in T
//       while the lease is for T extends it to s + lease (never shortens it). So the lease
//       lapses only while no barrier asked in the last lease - lease/6 committed. (Before:
//       the watcher renewed each group in turn, blocking on each barrier, asked the next one
//       only lease/3 after the last had been asked and once it had committed, and read s
//       before queueing it: a barrier slower than lease - lease/3, or several groups'
//       barriers in a row adding up to that, let a lease lapse. In the conformance specs on
//       a loaded 2-core machine a multi-MB entry ahead of the barriers — a 1,000,000-row
//       transaction's prepare — let the leases of several groups of a node lapse together,
//       and their calls failed with 40001.) A lapse is logged ("leader lease ran out") and counted;
//       meanwhile the partition's calls wait for a renewal (LocalPartition G4, up to
//       kLeaseWaits leases) instead of failing at once.
// With the lease, a deposed or cut-off leader stops serving reads and granting locks at the
// latest when its lease runs out, before another replica can be elected; without it
// (election_timeout 0), only at the watcher's next poll after libraft steps it down, an
// election timeout or two after it lost its majority. Its writes cannot commit either way
// (RaftLog: its proposals fail, 40001 or 08007). A transaction that only locked rows here
// is checked at its commit: the coordinator calls prepare() here before its commit point
// (LocalPartition G5), which the fence and the lease refuse once this replica may have
// lost the locks. What is left (doc/cluster.md §4 (e)): that check and the commit point
// are not atomic; a check that passes proves no successor for another quarter election
// timeout, so a commit point reached later than that after it may follow a grant of the
// row at a new leader.
// Wiring (tests; main.cc not yet):
//   node->gate();  // every partition refuses until taken over
//   Leadership lead(*node, {{0, group0}, {1, group1}}, [&] { return registry_fence(); },
//                   20ms, election_timeout);  // the groups' ReplicaGroupOptions value
//   lead.start();  ...  lead.stop();  // before the groups stop
// Thread-safe: the accessors from any thread; start()/stop()/transfer() by the owner.
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
  // partitions named must have been gated (LocalNode::gate). election_timeout: the groups'
  // (ReplicaGroupOptions::election_timeout_ms), for the lease (W3); 0: no lease.
  Leadership(LocalNode& node, std::unordered_map<PartitionId, replication::ReplicaGroup*> groups,
             std::function<Fence()> fence,
             std::chrono::milliseconds poll = std::chrono::milliseconds(20),
             std::chrono::milliseconds election_timeout = std::chrono::milliseconds(0));
  ~Leadership();  // stop()s
  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  void start();
  // Joins the watcher and the renewer and waits for the renewals in flight (a barrier in
  // progress completes first: libraft bounds it). Partitions keep their state; stop the
  // groups after this.
  void stop();

  // W4: hands partition p's leadership to replica `to` (0: any) after p stopped serving
  // here; whether libraft's transfer succeeded. MAY BLOCK (a check in progress, the
  // transfer). Leadership changes on purpose go through here, never the group's transfer().
  bool transfer(PartitionId p, uint64_t to);

  // Takeovers done (W1), serving stops (W2), lease renewals that committed (W5) and leases
  // that ran out while their partition served (W3), for tests and logs.
  uint64_t takeovers() const;
  uint64_t stops() const;
  uint64_t renewals() const;
  uint64_t lapses() const;

  static constexpr unsigned kMaxRenewalsInFlight = 8;  // per partition (W5)
  // G4: a call meeting a lease that ran out waits up to this many leases for a renewal.
  static constexpr unsigned kLeaseWaits = 8;

 private:
  using Clock = std::chrono::steady_clock;
  // W3/W5: one partition's lease, guarded by lease_mu_.
  struct Lease {
    uint64_t term = 0;            // the term `until` and the renewals are for
    Clock::time_point until{};    // leased until (what set_lease holds for `term`)
    Clock::time_point asked{};    // when the newest renewal was asked (renewer's clock)
    unsigned in_flight = 0;       // renewals asked and not answered (any term)
    bool lapse_reported = false;  // this `until` ran out and was counted
  };
  void run();
  void renew();  // the renewer thread's body (W5)
  void renew_pass(Clock::time_point now);
  void check(PartitionId p, replication::ReplicaGroup& g);
  // W3: a barrier asked for at `asked` committed in `term` while this replica led p.
  void lease_from(PartitionId p, uint64_t term, Clock::time_point asked);
  bool stopping() const;

  LocalNode& node_;
  const std::unordered_map<PartitionId, replication::ReplicaGroup*> groups_;
  const std::function<Fence()> fence_;
  const std::chrono::milliseconds poll_;
  const Clock::duration lease_;  // 0: no lease
  std::thread thread_;
  std::thread renewer_;
  // Held through a check() and through transfer()'s stop: a takeover decided before a
  // transfer began never completes after it.
  std::mutex act_mu_;
  // Guarded by act_mu_ (the watcher's and transfer()'s):
  std::unordered_map<PartitionId, uint64_t> handed_off_;  // W4: the term given away
  // W3/W5, taken by the watcher, the renewer and the groups' loop threads (renewals'
  // answers); never held while waiting for a group.
  mutable std::mutex lease_mu_;
  std::condition_variable renewals_done_;          // a renewal answered (stop() waits for all)
  std::unordered_map<PartitionId, Lease> leases_;  // guarded by lease_mu_
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;   // guarded by mu_
  uint64_t takeovers_ = 0;  // guarded by mu_
  uint64_t stops_ = 0;      // guarded by mu_
  uint64_t renewals_ = 0;   // guarded by lease_mu_
  uint64_t lapses_ = 0;     // guarded by lease_mu_
};

}  // namespace hf::partition
