// replication/raft_requests.h — requests to one raft instance (propose an entry, barrier,
// membership change, leadership transfer) and what became of them, as plain outcomes.
//
// These functions are the only code that calls raft_apply/raft_barrier/raft_add/
// raft_assign/raft_remove/raft_transfer and maps libraft's status codes to an Outcome.
// ReplicaGroup calls them on its libuv loop thread; the raft_fixture tests call them on the
// test thread against fixture servers, so the mapping is tested deterministically.
//
// Contract:
//   - Each submit_* calls `done` exactly once: synchronously (inside submit_*) when libraft
//     refuses the request at once, otherwise later from a libraft callback on the thread
//     that drives the raft instance. After raft_close every pending request has been
//     completed (libraft fails them when the instance leaves the leader state).
//   - Outcome::kOk for a proposal means the entry is committed AND was applied to this
//     replica's StateMachine before `done` ran (libraft completes a leader's request from
//     inside its apply loop); `index` is the entry's log index.
//   - kNotLeader and kRejected mean the entry / change was NOT appended to the log: it will
//     never take effect, and retrying elsewhere is safe.
//   - kUnknown means it WAS appended, then this replica lost leadership (or closed) before
//     it committed: a later leader may still commit it or may drop it. Callers must
//     resolve its fate by other means (e.g. reading the state a unique id would leave).
//   - kShuttingDown (produced by ReplicaGroup, not here) means the request never reached
//     libraft.
// Thread safety: call only on the thread that drives `r` (its loop thread, or the fixture's
// test thread). Nothing here blocks or suspends.
#pragma once

#include "replication/raft_c.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "replication/state_machine.h"

namespace hf::replication {

using ReplicaId = std::uint64_t;

struct Outcome {
  enum Status {
    kOk,            // committed and applied locally (proposal, barrier), or change done
    kNotLeader,     // refused: this replica is not the leader (leader_* says who, if known)
    kRejected,      // refused by libraft for another reason (message says why); no effect
    kUnknown,       // appended, then leadership lost or group closed before commit
    kShuttingDown,  // the group is closing or closed; the request never reached libraft
  };
  Status status = kOk;
  LogIndex index = 0;          // kOk proposal / barrier: the entry's index
  ReplicaId leader_id = 0;     // kNotLeader, kUnknown: the leader this replica knows, or 0
  std::string leader_address;  // likewise
  std::string message;         // kRejected, kUnknown: libraft's words

  bool ok() const { return status == kOk; }
};

const char* outcome_status_name(Outcome::Status s);

// Roles a member of a group's configuration can have (libraft's RAFT_VOTER etc.).
enum class Role { kVoter = RAFT_VOTER, kStandby = RAFT_STANDBY, kSpare = RAFT_SPARE };

using OutcomeCallback = std::function<void(Outcome)>;

// Appends `entry` as a command; kOk once committed and applied here.
void submit_proposal(raft* r, std::string_view entry, OutcomeCallback done);
// Appends a barrier: kOk once every entry before it is applied here and the barrier
// committed in this leader's term (a linearizable read fence).
void submit_barrier(raft* r, OutcomeCallback done);
// Adds `id` as a spare (raft_add); assign it a role afterwards to make it replicate/vote.
void submit_add(raft* r, ReplicaId id, const std::string& address, OutcomeCallback done);
// Gives `id` a new role (raft_assign); promoting to voter waits until it caught up.
void submit_assign(raft* r, ReplicaId id, Role role, OutcomeCallback done);
// Removes `id` from the configuration (raft_remove).
void submit_remove(raft* r, ReplicaId id, OutcomeCallback done);
// Hands leadership to `id` (0: libraft picks a voter). kOk when this replica is no longer
// leader afterwards (leader_* then says who is, if known); kUnknown if it still is.
// `slot` must live as long as `r` (until raft_close completes): libraft's transport may
// still touch the TimeoutNow send inside it after the transfer's callback. One per raft
// instance is enough (libraft allows one transfer at a time).
void submit_transfer(raft* r, struct raft_transfer* slot, ReplicaId id, OutcomeCallback done);

}  // namespace hf::replication
