// replication/state_machine.h — the replicated state machine a Raft group drives, and the
// adapter that turns libraft's raft_fsm callbacks into calls on it.
//
// A StateMachine is the caller's deterministic state (for a partition: its rows, intents and
// the commit records that rebuild its lock table). libraft calls it through FsmAdapter, the
// one bridge between `struct raft_fsm` and StateMachine. The production ReplicaGroup
// (replica_group.h) and the deterministic raft_fixture tests (fixture_test.cc) both drive
// the same FsmAdapter, so what the fixture proves about apply/snapshot/restore is what runs.
//
// What the adapter promises the StateMachine (per replica life, i.e. from the raft_start of
// one raft instance to its close):
//   A1. restore(index, bytes) replaces the whole state with a snapshot taken at `index`; it
//       is called at start when the data directory holds a snapshot, and later when the
//       leader installs a snapshot because this replica fell behind the leader's log.
//   A2. apply(index, entry) is called once for each committed command entry, in log order,
//       with strictly increasing index, and only with indexes above the last restore's.
//       Indexes have gaps: Raft's own entries (configuration changes, barriers) take
//       indexes too and are not passed on. A violation is a bug in libraft or here: the
//       adapter aborts the process rather than let replicas diverge.
//   A3. The bytes apply() sees are exactly the bytes proposed. On disk an entry is framed
//       by encode_entry(): its length (8 bytes) then the bytes, zero-padded to a multiple of
//       8, because libraft 0.15's libuv segment format silently corrupts the log (a restart
//       then fails to load it) unless every entry's length is a multiple of 8 (upstream
//       issues canonical/raft#180, #304). Snapshots are framed the same way.
//   A4. snapshot() is asked for the state as of the last apply()/restore() (libraft takes a
//       snapshot right after applying, before applying anything else). The adapter prefixes
//       its bytes with that index, which is how restore() learns the index (libraft's
//       restore callback does not pass it).
// What the StateMachine must promise:
//   - apply() is deterministic (same entries in the same order → same state on every
//     replica) and does not fail: an entry that cannot be applied must be turned into a
//     deterministic no-op or error record by the StateMachine itself. An exception from
//     apply() aborts the process (it cannot be reported to libraft without stalling the
//     group forever: libraft retries the same entry).
//   - Each replica life starts from an empty state: libraft rebuilds it from the newest
//     snapshot plus the log (a restarted replica re-applies every entry after its
//     snapshot). A StateMachine that keeps durable state of its own must make re-applying
//     an entry at or below its own durable index a no-op.
//
// Thread safety: every StateMachine call comes from the one thread that drives the raft
// instance (ReplicaGroup's loop thread; the test's thread for the fixture), never two at
// once. Calls must not block for long: they hold up heartbeats of the group. Readers on
// other threads synchronise with apply() themselves. Nothing here suspends a fiber.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replication/raft_c.h"

namespace hf::replication {

using LogIndex = std::uint64_t;

class StateMachine {
 public:
  virtual ~StateMachine() = default;
  // A committed command entry (see A2). Deterministic; must not throw.
  virtual void apply(LogIndex index, std::string_view entry) = 0;
  // The whole state as of the last apply()/restore(); restore() must accept it.
  virtual std::string snapshot() = 0;
  // Replaces the whole state with a snapshot() taken at `index` (see A1).
  virtual void restore(LogIndex index, std::string_view snapshot) = 0;
};

// Bridges one raft instance's raft_fsm callbacks to one StateMachine. Owned by whoever owns
// the raft instance; it must outlive it. Not copyable or movable (libraft keeps a pointer).
class FsmAdapter {
 public:
  explicit FsmAdapter(StateMachine& machine);
  FsmAdapter(const FsmAdapter&) = delete;
  FsmAdapter& operator=(const FsmAdapter&) = delete;

  // An entry as libraft must store it (A3), in a raft_malloc'd buffer for raft_apply;
  // base is nullptr when out of memory.
  static raft_buffer encode_entry(std::string_view entry);

  // The raft_fsm to give raft_init (or raft_fixture_grow).
  raft_fsm* fsm() { return &fsm_; }
  // The raft instance driving this adapter: apply() reads the entry's index from it
  // (libraft applies entry last_applied + 1). Call after raft_init, before raft_start.
  void bind(raft* instance) { raft_ = instance; }
  // The index of the last entry applied or snapshot restored (driving thread only).
  LogIndex last_applied() const { return last_index_; }

 private:
  static int apply_callback(raft_fsm* fsm, const raft_buffer* buf, void** result);
  static int snapshot_callback(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs);
  static int restore_callback(raft_fsm* fsm, raft_buffer* buf);

  StateMachine& machine_;
  raft* raft_ = nullptr;
  raft_fsm fsm_{};
  LogIndex last_index_ = 0;
};

}  // namespace hf::replication
