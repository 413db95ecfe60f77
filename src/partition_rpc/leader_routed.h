// partition_rpc/leader_routed.h — a replicated partition as a coordinator sees it (doc/cluster.md
// §8 C, step 3): one partition whose Raft group has a replica on this node and on each peer,
// reached at its group's *current leader*, as this node's replica knows it. The coordinator is
// given one LeaderRoutedPartition per partition and does not know where the partition lives
// (C1): every call goes to this node's own (gated) LocalPartition when this node's replica
// leads, otherwise to the RemotePartition of the leader's node.
//
// What it owns: the set of transactions (and lock owners) that have sent this partition a call
// that may leave state at the leader (a lock, a write, a load, a prepare, an object lock), so
// that it knows when a refused call may go to another node. It owns neither partition.
//
// Promises:
//   LR1. Every call goes to the partition of the node `leader()` names (this node's `local`, or
//        `remote[node]`), read once per attempt. No leader known (0, or a node with no
//        RemotePartition here): the attempt is refused like a follower's (40001, G1).
//   LR2. An attempt refused because the target does not serve the partition — a follower's or
//        a replica not yet taken over (LocalPartition G1), a write the group refused because
//        its replica is not the leader (RaftLog L1), a lost connection to the target's node
//        (08006) — is made again, after a pause of 50 ms, at whatever node `leader()` then
//        names, for at most `retry_for`, ONLY when that is safe:
//          * reads (get, scan before its first row, latest, siread_holders, lock_view,
//            blockers) of no transaction, or of a transaction that has left no state here;
//          * the first state-leaving call of a transaction (or lock owner) here: lock,
//            lock_batch, write, load, lock_object, prepare, write_commit_record,
//            rollback_subtransactions, commit_one_phase — nothing of it can be held at the
//            previous leader, and anything it did there before being refused is fenced at the
//            new one (G2: the new leader refuses every transaction minted before it took over);
//          * the transaction's end (commit, abort, release_owner, release_siread,
//            drop_keyspaces): idempotent, and each runs at a fenced or new leader (G1/G2 let
//            commit and abort through), so the resolution or the release reaches whoever holds
//            the partition's state now.
//        Otherwise the refusal is the caller's: the transaction fails (40001 or 08006), as the
//        fence rule requires (its locks or buffered writes at the previous leader may be lost;
//        C4: never a second holder while it commits).
//   LR3. A call refused by the fence (G2: "began before this replica took over") is never
//        retried; `fenced()` is called first, so the coordinator's next transactions take
//        TxnIds above the fence (TxnManager::renew_txn_ids).
//   LR5. A transaction is pinned to the node where its first state-leaving call here went:
//        every later call of it here (reads included) goes to that node or is refused with
//        40001 without being made ("its group's leader is now node N"), but its end (commit,
//        abort), which goes to the current leader. Without it a transaction minted after a
//        new leader's fence could leave a write at a deposed or dead leader (a pipelined
//        write returns once queued) and then prepare or commit at the new one, which never
//        saw that write: an acknowledged commit missing a row. Session lock owners are not
//        pinned (their locks at an old leader are lost: doc/cluster.md §4 (e)).
//   LR4. commit_group() is 0: a transaction writing two partitions commits in two phases (each
//        partition is its own group; RaftLog refuses a write spanning groups). in_process() is
//        false: the coordinator releases a one-phase commit's locks from its own fiber.
//   LR6. leader_only() is true: a lock taken through it lives at a leader that may be deposed
//        or die, so the coordinator confirms every partition where its transaction only
//        locked before the commit point (partition/local_partition.h G5) — at the current
//        leader, whose fence refuses the transaction (40001) if it took over after the lock.
// Thread-safe. MAY SUSPEND as the target's calls do, plus the retry pauses (a fiber parks).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

#include "partition_api/partition.h"

namespace hf::partition_rpc {

class LeaderRoutedPartition final : public partition_api::Partition {
 public:
  struct Options {
    partition_api::PartitionId id = 0;
    uint32_t self = 0;                                     // this node's id
    partition_api::Partition* local = nullptr;             // this node's replica's (gated)
    std::map<uint32_t, partition_api::Partition*> remote;  // a peer's node id → its partition
    std::function<uint32_t()> leader;  // the leader's node id as this node's replica knows it
    std::function<void()> fenced;      // LR3 (may be empty)
    std::chrono::milliseconds retry_for{10000};
  };
  explicit LeaderRoutedPartition(Options o);

  // What the retries did (for logs and tests).
  uint64_t retries() const;

  partition_api::PartitionId id() const override { return o_.id; }
  std::optional<partition_api::RowVersion> get(const partition_api::KeySpace& space,
                                               const std::string& key,
                                               const partition_api::ReadView& view) override;
  std::unique_ptr<partition_api::RowCursor> scan(const partition_api::ScanRequest& req) override;
  partition_api::LatestState latest(const partition_api::KeySpace& space, const std::string& key,
                                    partition_api::TxnId own = 0) override;
  partition_api::LockResult lock(const partition_api::LockRequest& req) override;
  std::vector<partition_api::LockResult> lock_batch(
      const std::vector<partition_api::LockRequest>& reqs) override;
  bool row_lock_taken(const partition_api::LockRequest& req) override;
  void unlock_batch(const std::vector<partition_api::LockRequest>& reqs) override;
  void write(partition_api::TxnId txn, partition_api::SubId sub, partition_api::CommandId cid,
             const partition_api::KeySpace& space, const std::string& key,
             const std::optional<std::string>& value, bool publish = false, bool new_key = false,
             bool unlocked = false) override;
  bool load(partition_api::TxnId txn, partition_api::SubId sub,
            const partition_api::KeySpace& space,
            const std::vector<std::pair<std::string, std::string>>& rows) override;
  void finish_loads(partition_api::TxnId txn) override;
  void drop_keyspaces(uint32_t table_id) override;
  void rollback_subtransactions(partition_api::TxnId txn,
                                partition_api::SubId first_aborted) override;
  void prepare(partition_api::TxnId txn) override;
  void write_commit_record(partition_api::TxnId txn,
                           const std::vector<partition_api::PartitionId>& participants) override;
  void commit(partition_api::TxnId txn, partition_api::Timestamp commit_ts) override;
  void abort(partition_api::TxnId txn) override;
  void commit_one_phase(partition_api::TxnId txn, partition_api::Timestamp commit_ts,
                        const std::vector<partition_api::PartitionId>& with = {}) override;
  void commit_one_phase_then(partition_api::TxnId txn, partition_api::Timestamp commit_ts,
                             const std::vector<partition_api::PartitionId>& with,
                             const std::function<void()>& on_durable) override;
  bool in_process() const override { return false; }
  uint64_t commit_group() const override { return 0; }
  bool leader_only() const override { return true; }  // LR6
  partition_api::ObjectLockResult lock_object(const partition_api::ObjectLockRequest& req) override;
  bool unlock_object(const partition_api::ObjectTag& tag, uint64_t owner, uint8_t mode) override;
  void release_owner(uint64_t owner) override;
  std::vector<partition_api::LockEntry> lock_view() override;
  std::vector<partition_api::Blocker> blockers(uint64_t owner) override;
  void link_waits(uint64_t holder, uint64_t actor, bool add) override;
  partition_api::NodeWaits node_waits() override;
  bool reorder_waits(const partition_api::WaitOrder& order) override;
  std::vector<partition_api::TxnId> siread_holders(const partition_api::KeySpace& space,
                                                   const std::string& key,
                                                   partition_api::TxnId writer,
                                                   bool replaces = true) override;
  void release_siread(partition_api::TxnId txn) override;

  // How a call may be retried (LR2).
  enum class Retry {
    kNever,   // not retried
    kRead,    // a read: retried unless its transaction left state here
    kFirst,   // leaves state: retried only when it is its transaction's first such call here
    kAlways,  // a transaction's end or a release: always retried
  };
  // Runs fn at the current leader's partition, retried as `retry` allows for `owner` (a TxnId
  // or a lock owner; 0: none). Public for the scan cursor.
  template <class F>
  auto routed(uint64_t owner, Retry retry, F&& fn)
      -> decltype(fn(std::declval<partition_api::Partition&>()));

 private:
  partition_api::Partition& target(uint32_t& node);
  bool retryable(uint64_t owner, Retry retry, bool first) const;
  // LR5: a transaction's first state-leaving call pins it to the node it went to; a later
  // call (but its end) that the leader map would send elsewhere is refused (40001).
  void pin(uint64_t owner, uint32_t node, Retry retry, bool first);
  // Marks owner as having left state here; whether it had not before.
  bool mark(uint64_t owner);
  bool marked(uint64_t owner) const;
  void forget(uint64_t owner);
  void pause();

  const Options o_;
  mutable std::mutex mu_;
  // Owners that left state here, each with the node its transaction is pinned to (0: none;
  // LR5). Guarded by mu_.
  std::unordered_map<uint64_t, uint32_t> touched_;
  uint64_t retries_ = 0;  // guarded by mu_
};

}  // namespace hf::partition_rpc
