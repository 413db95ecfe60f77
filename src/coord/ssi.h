// coord/ssi.h — the conflict graph of SERIALIZABLE transactions (Serializable Snapshot
// Isolation as PostgreSQL implements it: Cahill, Ports & Grittner; README-SSI).
//
// What it owns: one record per serializable transaction (its flags, commit-order sequence
// numbers and rw-antidependency edges), kept after commit until no overlapping transaction
// can still need it. SIREAD locks are NOT here: they belong to the partitions that own the
// keys (partition_api::Partition::siread_holders / release_siread); this graph only tells
// the partitions, through `release_locks`, when a transaction's locks may go.
//
// The rules are PostgreSQL's, so that the transaction chosen to fail and the moment it fails
// match: a rw-conflict reader -> writer is flagged when a write meets a SIREAD lock ("conflict
// in", write_conflicts()) or a serializable read skips a write its snapshot cannot see
// ("conflict out", the SsiConflictSink calls); each new edge is checked for a dangerous
// structure T0 -rw-> T1 -rw-> T2 where T2 commits first (OnConflict rules), and commit runs
// the pre-commit check that dooms a pivot. A doomed transaction fails at its next read,
// write or commit with 40001 "could not serialize access due to read/write dependencies
// among transactions". READ ONLY optimisations: a read-only transaction whose snapshot has no
// concurrent read-write serializable transaction needs no tracking ("safe snapshot"); one
// becomes safe when they all commit without a conflict out to an earlier commit; READ ONLY
// DEFERRABLE waits for a safe snapshot.
//
// Node-local today: one graph per coordinator process. In a cluster the graph would be
// partitioned by coordinator and the edges exchanged as messages; the seam already carries
// plain TxnIds and timestamps.
//
// Thread-safe (one mutex). begin() MAY SUSPEND (DEFERRABLE); the others never suspend.
// Methods that detect a failure of the calling transaction throw SqlError 40001.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "partition_api/partition.h"
#include "runtime/fiber.h"

namespace hf::coord {

class SsiGraph final : public partition_api::SsiConflictSink {
 public:
  using TxnId = partition_api::TxnId;
  using Timestamp = partition_api::Timestamp;

  // release_locks(txn): drop txn's SIREAD locks in every partition. Called without the
  // graph's mutex.
  explicit SsiGraph(std::function<void(TxnId)> release_locks);
  ~SsiGraph() override;

  struct Snapshot {
    Timestamp read_ts = 0;
    bool tracked = false;    // false: a safe read-only snapshot, no SSI needed
    bool cancelled = false;  // a DEFERRABLE wait ended by `cancel` (no snapshot then)
  };
  // The snapshot of a serializable transaction: `take` reads the published timestamp under
  // the graph's mutex (so commits and snapshots are ordered alike here and in the timestamp
  // oracle). DEFERRABLE (with read_only) waits until the snapshot is safe: MAY SUSPEND.
  // `release_snapshot` undoes a take() (a DEFERRABLE retry).
  // `cancel` (may be null) ends a DEFERRABLE wait (Snapshot::cancelled).
  Snapshot begin(TxnId txn, bool read_only, bool deferrable, const std::function<Timestamp()>& take,
                 const std::function<void()>& release_snapshot = {},
                 runtime::CancelToken* cancel = nullptr);

  // True while txn still needs SIREAD locks and conflict checks. A read-only transaction that
  // became safe is released here (its locks dropped) and answers false from then on.
  bool tracking(TxnId txn);

  // After a serializable read: throws 40001 if the read made this transaction fail (a
  // conflict out to a prepared pivot) or, when `visited`, if it was doomed meanwhile.
  void after_read(TxnId txn, bool visited);

  // Before a write of a key whose SIREAD holders are `readers` (Partition::siread_holders):
  // flags reader -> txn for each concurrent one. Throws 40001 when txn must fail now.
  void write_conflicts(TxnId txn, const std::vector<TxnId>& readers);

  // Commit: precommit() throws 40001 if txn must not commit (then abort it); `assign` is the
  // commit point (assigns and publishes commit_ts; 0 for a transaction that wrote nothing)
  // and runs under the graph's mutex. committed() may release locks of old transactions.
  void precommit(TxnId txn);
  void commit(TxnId txn, bool wrote, const std::function<Timestamp()>& assign);
  void aborted(TxnId txn);

  // SsiConflictSink (partitions, during a serializable read by `reader`).
  void read_skipped_intent(TxnId reader, TxnId writer) override;
  void read_skipped_commit(TxnId reader, Timestamp commit_ts) override;

  // The read-write transactions a waiting READ ONLY DEFERRABLE txn waits for.
  std::vector<TxnId> safe_snapshot_blockers(TxnId txn) const;

  size_t size() const;  // transactions tracked (tests, memory)

  struct Sxact;

 private:
  void read_conflict(Sxact* me, Sxact* writer);
  // PostgreSQL's FlagRWConflict with OnConflict_CheckForSerializationFailure; `me` is the
  // calling transaction. Returns a failure reason for `me` ("" = none).
  std::string flag_rw(Sxact* reader, Sxact* writer, Sxact* me);
  void unlink_all(Sxact* s, bool out_too);
  void finish_possible_unsafe(Sxact* me, bool commit);
  // Drops transactions no active one overlaps; appends whose locks to release.
  void clear_old(std::vector<TxnId>* release);
  void remove(Sxact* s, std::vector<TxnId>* release);
  // A read-only transaction that needs no more SSI (safe snapshot, or done waiting for one)
  // leaves the graph: ends its unsafe links, is removed, and old ones are cleared.
  void drop_read_only(Sxact* s, std::vector<TxnId>* release);
  void release_all(const std::vector<TxnId>& ids);
  Sxact* find(TxnId txn);

  std::function<void(TxnId)> release_locks_;
  mutable std::mutex mu_;
  std::unordered_map<TxnId, std::unique_ptr<Sxact>> sxacts_;
  std::unordered_map<Timestamp, Sxact*> by_commit_ts_;
  uint64_t last_seq_ = 1;  // PostgreSQL's LastSxactCommitSeqNo
  uint64_t writable_ = 0;  // active read-write serializable transactions
  uint64_t can_partial_clear_through_ = 0;
};

}  // namespace hf::coord
