// coord/optimistic.h — optimistic transactions (holdfast.concurrency = 'optimistic', BEGIN
// OPTIMISTIC): what they record while they run and how COMMIT validates it.
//
// Owns: OptimisticSet, the rows an optimistic transaction wrote or locked (its write set and
// lock set), each with the strength it needs at COMMIT and the version it saw, and the rule
// that decides whether a row changed under the transaction (changed()). The coordinator
// (txn_manager.cc) runs the protocol below with it; nothing here touches a partition.
//
// The protocol. While it runs, an optimistic transaction reads at its snapshot like any
// other, takes no row lock and never waits for one: Transaction::lock() only notes the row
// here and answers kGranted; Transaction::write() notes the row and leaves the intent in the
// partition's write buffer, unlocked (Partition::write, unlocked: seen only by the
// transaction's own reads, never in storage). Table and advisory locks are taken as in the
// pessimistic mode: the mode is about rows. COMMIT then:
//   1. takes, partition by partition in partition-id order, the row lock of every noted row
//      at its noted strength with NOWAIT (Partition::lock_batch / lock), and under each lock
//      compares the newest committed version with what the transaction saw (changed());
//   2. if any lock is refused (someone holds a conflicting lock: a pessimistic transaction,
//      or another optimistic transaction inside its own COMMIT) or any row changed, aborts
//      everything (locks and buffered intents go; nothing was ever in storage) and fails with
//      40001 "change conflicts with another transaction, please retry: (OC000)";
//   3. otherwise holds every lock and commits as a pessimistic transaction would (one-phase
//      or two-phase, through the partition interface): the buffered intents are now locked
//      writes. The locks go at commit().
// Validation is only lock calls and the ordinary commit protocol, so it works unchanged when
// the partitions live on other nodes, and it is atomic: no partition makes anything visible
// before every partition granted every lock.
//
// Reads. With SERIALIZABLE, or holdfast.occ_validate_reads = on at any level, the transaction
// runs at one snapshot with PostgreSQL's SSI (coord/ssi.h): its reads take SIREAD locks and
// report the writes they skip, its writes are checked against other transactions' SIREAD
// locks when they are noted and again once they are in storage at COMMIT (after step 1), and
// the SSI pre-commit check runs. So what it read is validated too, rows and ranges, and the
// rw-conflicts between optimistic and pessimistic serializable transactions are the same
// edges in the same graph.
//
// Invariants (each pinned by a scenario in tests/scenarios/specs/occ-*.spec):
//   O1. An optimistic transaction never blocks on a row lock and holds none until COMMIT.
//   O2. COMMIT of an optimistic transaction whose written or locked row was changed by a
//       transaction that committed after it saw the row fails with 40001 (OC000), and
//       nothing of it becomes visible. KEY SHARE rows conflict only with a deletion (a key
//       change deletes the old key), as FOR KEY SHARE conflicts only with those.
//   O3. An optimistic COMMIT never writes under a row lock another transaction holds in a
//       conflicting strength: it fails with 40001 (OC000) instead (NOWAIT in step 1).
//   O4. A pessimistic reader that locks, or a writer, meeting an optimistic COMMIT in
//       progress waits for its outcome as for any writer (the COMMIT holds real row locks
//       from step 1 until its versions are visible), then sees the committed versions.
//   O5. A read-only optimistic transaction (no locking clause, no write) at READ COMMITTED or
//       REPEATABLE READ never fails at COMMIT.
//   O6. With SERIALIZABLE or occ_validate_reads, no serialization anomaly commits (SSI).
//
// Not thread-safe: an OptimisticSet belongs to its transaction's fiber.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "partition_api/partition.h"

namespace hf::coord {

// The error of a failed optimistic COMMIT (SQLSTATE 40001), seed 003's wording.
inline constexpr const char* kOptimisticConflictMessage =
    "change conflicts with another transaction, please retry: (OC000)";

class OptimisticSet {
 public:
  struct Row {
    partition_api::KeySpace space;
    std::string key;
    uint32_t partition = 0;
    partition_api::LockStrength strength = partition_api::LockStrength::kKeyShare;
    partition_api::SubId sub = 0;  // the oldest subtransaction that noted the row
    bool wrote = false;
    // What the transaction saw: the version it read (exact check), or else only that it
    // looked at a snapshot with read_ts `since` (nothing may have committed after it).
    std::optional<partition_api::Version> expected;
    partition_api::Timestamp since = 0;
  };

  // Notes a lock (wrote false) or a write of a row. A row noted again keeps the strongest
  // strength, its first expected version, the oldest `since` and subtransaction.
  void note(const partition_api::KeySpace& space, const std::string& key, uint32_t partition,
            partition_api::LockStrength strength, partition_api::SubId sub, bool wrote,
            const std::optional<partition_api::Version>& expected, partition_api::Timestamp since);
  // ROLLBACK TO: forgets rows first noted in subtransaction `first` or later.
  void rollback(partition_api::SubId first);

  bool empty() const { return rows_.empty(); }
  size_t size() const { return rows_.size(); }
  // Rows by partition id, each partition's rows in the order noted.
  std::vector<std::vector<const Row*>> by_partition(size_t partitions) const;

  // Whether the row changed under the transaction, given the newest committed version read
  // under its COMMIT lock (O2).
  static bool changed(const Row& row, const partition_api::Version& newest);

 private:
  static std::string id(const partition_api::KeySpace& space, const std::string& key);
  std::vector<Row> rows_;
  std::unordered_map<std::string, size_t> index_;  // id(space, key) -> rows_ index
};

}  // namespace hf::coord
