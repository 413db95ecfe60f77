// replication/replica_group.h — one replica of one Raft group on this node: libraft 0.15
// (Debian's libraft-dev, the engine under dqlite) on its libuv backend, driving a
// StateMachine the caller implements.
//
// What a ReplicaGroup is. A Raft group is a replicated log plus the deterministic state
// machine it drives; each of its (normally 3) replicas lives on a different node, and one of
// them is the leader. A ReplicaGroup is this node's replica: it owns the libraft instance,
// its data directory (libraft's segments, metadata and snapshots: the durable log), the TCP
// endpoint libraft's transport listens on, and a dedicated thread running the libuv loop
// everything libraft does happens on. It does not own the StateMachine (the caller does;
// it must outlive the group).
//
// How the cluster will use it (issue 12; doc/cluster.md is the lead's). Each partition is a
// group of 3 replicas; the system group holds the catalog, the partition map and the
// transaction status records. A partition's leader is its group's Raft leader:
//   - writes (intents, commit/abort records of a transaction on this partition) are
//     encoded as entries and propose()d; propose() returns once the entry is committed on a
//     majority and applied to the leader's StateMachine, so the leader answers the client
//     from applied state. An Outcome::kUnknown (leadership lost before commit) must be
//     resolved by the coordinator (the transaction status record in the system group is the
//     single source of truth for whether a transaction committed).
//   - reads are served by the leader. Since libraft 0.15 has no leader lease, a read that
//     must be linearizable first calls barrier() (one round trip and fsync), or the
//     partition batches many reads behind one barrier.
//   - the lock table is NOT replicated: it is volatile leader state. A new leader first
//     commits a barrier() (until then it may not have applied every entry the old leader
//     committed: Raft commits a previous term's entries only with one of the new term),
//     then rebuilds the lock table from replicated state (the intents applied on it, whose
//     holders are the transactions still pending) and only then serves; waiters that
//     queued on the old leader see their RPC fail and retry against the new one. libraft
//     0.15 has no callback for a change of role: the partition learns it leads from
//     info() or from kNotLeader answers.
// What one proposal costs (3 voters, fsync on). libraft's uv backend keeps the log in
// segment files opened with O_DSYNC and writes them with kernel AIO (O_DIRECT where the
// filesystem allows), so an append is durable when its write completes. The leader writes
// the entry to its own log while sending AppendEntries to both followers (one message
// each, on a TCP connection kept open); each follower writes and then replies. The entry
// commits when the leader and one follower have it on disk: on the critical path one
// network round trip plus one durable write (the leader's write overlaps the followers'),
// three durable writes in all. The leader applies at once and answers the proposer;
// followers learn the commit index with the next AppendEntries or heartbeat, which costs
// the proposer nothing. Appends issued while a write is in flight go out together in the
// next write, so concurrent proposers share writes. Measure with
// `hf_replication_test --gtest_also_run_disabled_tests --gtest_filter='*Throughput'`.
//
// Invariants it promises (Raft's, as provided by libraft, plus this layer's):
//   R1. An entry propose() reported kOk is applied, at the same index and in the same
//       order, on every replica that is or later becomes leader, before that replica
//       applies anything after it (Raft's leader completeness + state machine safety).
//   R2. On each replica, per life (start() to stop()), the StateMachine sees at most one
//       restore() at start (when its directory holds a snapshot), then apply() in log order
//       exactly once per committed command entry, interleaved only with restore()s of newer
//       snapshots the leader installs (state_machine.h, A1-A4).
//   R3. kNotLeader, kRejected and kShuttingDown mean the entry was never appended: it will
//       never be applied anywhere. kUnknown means it may or may not be (raft_requests.h).
//   R4. A replica restarted from its data directory rejoins with its log, term and vote
//       intact (libraft writes them with fsync before acting on them), rebuilds its
//       StateMachine from the newest snapshot plus log, and catches up from the leader.
//   R5. After stop() returns, no StateMachine call is running or will run, every pending
//       request has been completed, and the thread is joined.
//
// Thread safety and waiting: every public method may be called from any thread and from
// several at once. All libraft calls run on the loop thread; requests reach it through a
// mutex-guarded queue and a uv_async_t, and their Outcome comes back through a one-shot
// completion. A caller inside a runtime fiber (runtime/fiber.h) is parked on an Event
// (its executor thread keeps running other fibers); a caller on a plain thread blocks on a
// condition variable. StateMachine calls run on the loop thread, so a StateMachine callback
// must never call this group's methods (it would wait for itself).
// start() and stop() are the owner's (one caller; stop() holds a mutex while it waits).
// MAY SUSPEND (park the calling fiber, or block a plain thread): start, stop, propose,
// barrier, add, assign, remove, transfer, info. None has a deadline of its own: libraft
// bounds them (a leader that cannot reach a majority steps down after an election timeout,
// failing its pending requests with kUnknown).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "replication/raft_c.h"
#include "replication/raft_requests.h"
#include "replication/state_machine.h"

namespace hf::replication {

struct Member {
  ReplicaId id = 0;     // > 0, unique in the group
  std::string address;  // "host:port" libraft's TCP transport listens on / connects to
  Role role = Role::kVoter;
};

struct ReplicaGroupOptions {
  ReplicaId id = 0;
  std::string address;   // this replica's "host:port"
  std::string data_dir;  // created if missing; one directory per group per node
  // The group's first configuration. Used only when data_dir holds no Raft state yet; a
  // replica that joins an existing group later (add + assign) starts with it empty.
  std::vector<Member> bootstrap;
  unsigned election_timeout_ms = 1000;
  unsigned heartbeat_timeout_ms = 100;
  unsigned snapshot_threshold = 1024;  // applied entries between snapshots
  unsigned snapshot_trailing = 128;    // entries kept in the log after a snapshot
  bool pre_vote = true;  // a partitioned replica does not disrupt the leader when it returns
};

// A replica's view of its group (info()).
struct ReplicaInfo {
  enum State { kUnavailable, kFollower, kCandidate, kLeader };
  State state = kUnavailable;
  unsigned long long term = 0;
  ReplicaId leader_id = 0;
  std::string leader_address;
  LogIndex commit_index = 0;
  LogIndex last_applied = 0;
  LogIndex last_index = 0;
  std::vector<Member> configuration;
};

// Reads a raft instance's view of its group (on the thread that drives it).
ReplicaInfo read_info(raft* r);

class ReplicaGroup {
 public:
  ReplicaGroup(ReplicaGroupOptions options, StateMachine& machine);
  ~ReplicaGroup();  // stop()s if still running
  ReplicaGroup(const ReplicaGroup&) = delete;
  ReplicaGroup& operator=(const ReplicaGroup&) = delete;

  // Starts the loop thread, opens the data directory (bootstrapping it if pristine) and
  // starts libraft. Returns an empty string on success, else why not (the group is then
  // stopped). Call once.
  std::string start();
  // Closes libraft (a leader's pending requests complete with kUnknown, queued ones with
  // kShuttingDown), the transport and the loop; joins the thread. Idempotent.
  void stop();

  // Appends `entry` and returns once it is committed and applied here (kOk, with its index),
  // or why not (raft_requests.h). Only the leader accepts proposals.
  Outcome propose(std::string_view entry);
  // The same, and `on_applied` runs on the loop thread right after this replica applied the
  // entry (only for kOk; before propose() returns and before the next entry is applied):
  // whatever it publishes does not wait for the proposer's turn to run again. It must be
  // short and must not call this group (it runs where StateMachine calls do).
  Outcome propose(std::string_view entry, std::function<void()> on_applied);
  // A read fence: kOk once everything committed before the call is applied here and this
  // replica was still leader when the barrier committed.
  Outcome barrier();
  // The same without waiting (a leader lease's renewals: several may be in flight, one per
  // group does not hold up another's). `done` runs on the loop thread with the outcome, the
  // term this replica was in and the steady-clock time read on the loop thread just before
  // the barrier was handed to libraft: every AppendEntries carrying it is sent after `asked`.
  // A kOk barrier committed while this replica led, continuously, in that term (libraft fails
  // a leader's pending requests when it steps down). `done` must be short and must not wait
  // for this group (it runs where StateMachine calls do). False: the group is not accepting
  // work (stopping or stopped) and `done` is not called.
  using BarrierDone = std::function<void(Outcome, unsigned long long term,
                                         std::chrono::steady_clock::time_point asked)>;
  bool barrier_async(BarrierDone done);
  // Membership (leader only): add a spare, assign a role (kVoter promotes once caught up),
  // remove a member, hand leadership to another voter (0: any).
  Outcome add(ReplicaId id, const std::string& address);
  Outcome assign(ReplicaId id, Role role);
  Outcome remove(ReplicaId id);
  Outcome transfer(ReplicaId id);
  // This replica's current view of the group (kUnavailable after stop()).
  ReplicaInfo info();

  ReplicaId id() const { return options_.id; }
  const std::string& address() const { return options_.address; }

 private:
  struct Loop;  // state owned by the loop thread (raft, io, transport, uv handles)

  // Queues fn for the loop thread; false if the group is not accepting work (stopped).
  bool post(std::function<void()> fn);
  // Runs `request` on the loop thread and waits for the Outcome it reports.
  Outcome call(std::function<void(raft*, OutcomeCallback)> request);
  // The loop thread's body; reports start()'s result through `started`.
  void run_loop(std::function<void(std::string)> started);
  std::string open_on_loop();
  void close_on_loop();
  static void close_transport(Loop* l);
  static void on_wake(uv_async_t* handle);

  ReplicaGroupOptions options_;
  FsmAdapter adapter_;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;

  std::mutex queue_mu_;
  std::deque<std::function<void()>> queue_;  // guarded by queue_mu_
  bool accepting_ = false;                   // guarded by queue_mu_

  std::mutex lifecycle_mu_;  // start/stop
  bool started_ = false;     // guarded by lifecycle_mu_
};

}  // namespace hf::replication
