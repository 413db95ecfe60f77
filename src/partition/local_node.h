// partition/local_node.h — one node's partitions: the storage engine, N LocalPartitions, the
// shared wait-for graph, and crash recovery.
//
// open_local_node() opens (or creates) the RocksDB instance at data_dir, checks the storage
// format (storage/keys.h kStorageFormat: a later one is refused, format 1 converted: its
// node-wide commit records moved into their anchor partitions' ranges), bumps the boot
// epoch (meta key, synced), runs RECOVERY and creates the partitions:
//   - every commit record ('t' keyspace, scanned partition by partition: each lies in its
//     anchor partition's range) names a transaction that passed its commit point:
//     its intents are resolved (turned into versions) at recovered_ts(), a timestamp above
//     everything the previous boots used, and the record is deleted;
//   - every other intent belongs to a transaction that never committed: it is dead, readers
//     ignore it (the status oracle answers kAborted for unknown TxnIds) and writers drop it.
// Boot epochs keep TxnIds and timestamps unique across restarts: boot e uses TxnIds and
// timestamps in [e << 40, (e + 1) << 40).
//
// A static cluster's node other than node 1 (doc/cluster.md §8 B) opens with
// Recovery::kByRegistry instead: its TxnIds and timestamps are the registry's (node 1's), not
// its boot's, so nothing is dead by epoch (dead_below 0) and nothing is resolved at open; a
// commit record is not a commit there (it is written before the registry's commit point).
// settle_by_registry() then ends every transaction whose intents or commit record it holds
// as the registry decides (the boot epoch only names the node's life).
//
// Wiring (server main):
//   auto node = partition::open_local_node(dir, 8);
//   auto c = node->clock();
//   auto txns = coord::make_txn_manager(node->partitions(),
//                                       {c.start_ts, c.first_txn_id, c.last_txn_id});
//   node->attach(&txns->status_oracle(), [m = txns.get()] { return m->oldest_snapshot(); });
// attach() must happen before the first call on a partition. The node outlives the manager's
// use of its partitions. Thread-safe after attach().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "partition/locks/lock_table.h"
#include "partition_api/partition.h"

namespace hf::storage {
class Engine;
}

namespace hf::partition {

class LocalPartition;
class PartitionLog;

// What the coordinator needs to start above everything already stored.
struct RecoveredClock {
  partition_api::Timestamp start_ts = 0;  // the published timestamp at open (recovery's ts)
  partition_api::TxnId first_txn_id = 1;  // the first TxnId this boot may hand out
  partition_api::TxnId last_txn_id = 0;   // TxnIds of this boot stay below this
};

// How open_local_node() ends the transactions a previous life left: by the boot epoch (one
// node, whose own coordinator minted every TxnId), or by the cluster's registry (see above).
enum class Recovery { kBootEpoch, kByRegistry };

class LocalNode {
 public:
  ~LocalNode();
  std::vector<partition_api::Partition*> partitions() const;
  LocalPartition& partition(uint32_t i) { return *partitions_[i]; }
  uint32_t partition_count() const { return static_cast<uint32_t>(partitions_.size()); }
  uint64_t boot_epoch() const { return epoch_; }
  RecoveredClock clock() const;
  // Connects the partitions to the coordinator's transaction table (who committed?) and
  // to the GC horizon (the oldest snapshot any transaction may still read at).
  // ssi: the coordinator's SSI conflict graph, told what serializable reads skip (may be null).
  void attach(partition_api::TxnStatusOracle* oracle,
              std::function<partition_api::Timestamp()> gc_horizon,
              partition_api::SsiConflictSink* ssi = nullptr);
  // C5 (doc/cluster.md §4): the peer nodes; a deadlock check that finds no cycle in this
  // node's graph then looks in the union with theirs, gathered from all peers at once. A peer
  // that cannot be asked, or does not answer in time, is left out of that check; a check's
  // gatherings wait at most `budget` in all (WaitGraph::check).
  // Call before serving; peers must outlive the node.
  void set_peer_waits(partition_api::PeerWaits* peers, std::chrono::milliseconds budget);
  storage::Engine& engine() { return *engine_; }
  // The log every partition's batch writes go through (partition_log.h; nullptr: each one's
  // DirectLog, the default). Call before the first call on a partition; `log` outlives the
  // node. Recovery at open writes its one batch (one part per partition) directly.
  void set_log(PartitionLog* log);
  // Leader-only serving (doc/cluster.md §4 (e); partition/leadership.h drives it): each
  // partition a Raft group whose leader serves it. gate(): from now on every partition
  // serves nothing (40001, LocalPartition G1) until take_over() names this replica its
  // group's leader; stop_serving() when it no longer is.
  void gate();
  struct TakenOver {
    size_t released = 0;  // owners whose locks of earlier terms were released
    size_t rebuilt = 0;   // row locks rebuilt from intents
  };
  // Partition p's replica leads its group in `term` and has applied every entry committed
  // before (a barrier of this term returned kOk). `fence`: a TxnId above every one minted so
  // far; `ts`: a timestamp at or above every commit timestamp handed out so far (both from
  // the cluster's registry). Before the partition serves again:
  //   T1. its store forgets what it remembered of the range (MvccStore::forget_cached(ts)):
  //       as a follower it applied entries its caches were never told of;
  //   T2. every lock in its table (of an earlier term of this replica) is released;
  //   T3. every intent in its range whose transaction is not aborted (the status oracle)
  //       becomes a FOR UPDATE row lock of that transaction again: a write lock is never
  //       lost while its intent lives, so no second writer gets the row before the first
  //       commits or aborts (C4); the intent's key, and every commit record of the range, are
  //       adopted as that transaction's (LocalPartition::adopt_stored_intent), so its
  //       resolution here resolves them;
  //   T4. it serves at `fence` (LocalPartition G2): a transaction minted before cannot
  //       continue here (40001) — its other locks and buffered writes were the old leader's
  //       — though its commit (resolution) and abort run.
  // REQUIRES: attach() was called; no call of the partition's own transactions in flight
  // matters (they are refused or fenced). Not on a group's loop thread.
  TakenOver take_over(uint32_t p, uint64_t term, partition_api::TxnId fence,
                      partition_api::Timestamp ts);
  void stop_serving(uint32_t p);
  // Every lock (held or awaited) in every partition's lock table, for pg_locks. Not in
  // partition_api yet: the lead decides whether the seam gets a lock_dump() call.
  std::vector<std::pair<uint32_t, locks::LockInfo>> lock_dump() const;
  // The node's lock memory budget (used / limit), shared by every partition's lock table.
  const locks::LockMemory& lock_memory() const { return *lock_memory_; }
  // Transactions recovery resolved at open (for tests and logs).
  size_t recovered_commits() const { return recovered_commits_; }
  // Whether open found a folder of storage format 1 (storage/keys.h) and converted it, and
  // how many commit records it moved into their anchor partition's range.
  bool converted_from_format_1() const { return converted_from_format_1_; }
  size_t converted_records() const { return converted_records_; }

  // What settle_by_registry() did.
  struct Settled {
    size_t committed = 0;  // transactions resolved at the registry's commit timestamp
    size_t aborted = 0;    // transactions whose intents were removed
    size_t records = 0;    // commit records deleted
  };
  // Recovery::kByRegistry, before the partitions serve: every transaction that has an intent
  // in one of `owned` partitions or a commit record here is ended as decide(txn) says
  // (TxnRegistry::decide: committed stays committed, anything else is aborted for good, R5):
  // committed ones resolved at the registry's commit timestamp, others' intents removed; the
  // commit records are deleted. One synced batch. Throws what decide throws (nothing written).
  Settled settle_by_registry(
      const std::function<partition_api::TxnStatus(partition_api::TxnId)>& decide,
      const std::vector<uint32_t>& owned);

 private:
  friend std::unique_ptr<LocalNode> open_local_node(const std::string&, uint32_t, size_t, Recovery);
  LocalNode() = default;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<locks::WaitGraph> wait_graph_;
  std::unique_ptr<locks::LockMemory> lock_memory_;  // shared by the partitions' lock tables
  std::vector<std::unique_ptr<LocalPartition>> partitions_;
  std::unique_ptr<std::vector<LocalPartition*>> siblings_;
  partition_api::TxnStatusOracle* oracle_ = nullptr;  // attach()'s
  uint64_t epoch_ = 0;
  size_t recovered_commits_ = 0;
  bool converted_from_format_1_ = false;
  size_t converted_records_ = 0;
};

// Opens the node's storage at data_dir (created if missing) and recovers. Throws hf::SqlError
// (XX000) when RocksDB cannot open. `partitions` must match the count the data was written
// with (keys carry the partition id; routing is hash % count).
// max_lock_memory: bytes all lock tables of the node may use for locks together (0: the
// default); a lock that needs more fails with 53200 (partition/locks/README.md M1).
std::unique_ptr<LocalNode> open_local_node(const std::string& data_dir, uint32_t partitions = 8,
                                           size_t max_lock_memory = 0,
                                           Recovery recovery = Recovery::kBootEpoch);

// The default lock memory: an eighth of physical memory, at least 64 MiB, at most 1 GiB
// (about 17 million row locks of an int4 key at the cap; README "Limits and costs").
size_t default_max_lock_memory();

}  // namespace hf::partition
