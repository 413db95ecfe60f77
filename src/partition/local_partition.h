// partition/local_partition.h — an in-process partition: MVCC rows (mvcc::MvccStore) plus
// the partition's row lock table (locks::LockTable), implementing partition_api::Partition.
//
// What it owns: the lock table, and in memory, per live transaction, the row keys it wrote
// in this partition (for commit, abort and savepoint rollback) and whether this partition
// holds its commit record. Row data lives in the node's shared storage::Engine.
// Every batch write (an intent written at once, prepare, spill, the commit record, commit,
// one-phase commit, abort, savepoint rollback, pruning, load markers and loaded rows through
// the memtable, an aborted load's deletions; mvcc::MvccStore's own through its batch writer)
// goes through a PartitionLog (partition_log.h) as PartitionBatches, one part per partition,
// each part in that partition's range. Not through it (doc/cluster.md §4): loaded files (SST
// ingestion, not a batch) and drop_keyspaces (a node-wide meta key and a compaction filter).
//
// Protocol details (coord/transaction.h has the overview):
//   - lock(): acquire in the lock table (MAY SUSPEND), then compare the newest committed
//     version with `expected` → kGranted or kVersionMismatch (lock held either way).
//     outcome_only without `expected` (a writer's key lock): no read of the row.
//   - lock_batch(): LockTable::acquire_rows (one mutex acquisition for the rows it can grant
//     at once), then the version check of each granted row in order; after the first
//     kVersionMismatch the later grants are taken back (release) and not answered.
//     unlock_batch(): LockTable::release of each.
//   - write(): REQUIRES the row's NoKeyUpdate/Update lock. The intent goes to the
//     transaction's write buffer in memory (mvcc/store.h), seen only by its own reads; with
//     `publish` (SERIALIZABLE), or once the buffer spilled, it is a read-modify-write of the
//     record at once (kWal, unsynced). Unsynced writes (spills, prepare, commit, abort) run
//     inline on the caller's thread (they never wait for a group commit's fsync) unless
//     RocksDB stalls writes (storage::Engine::write_stalled()): then they go through
//     runtime::run_blocking.
//   - prepare(): the buffered intents in one kWal batch; the commit record's synced write
//     then makes everything before it durable (one WAL, in order).
//   - write_commit_record(): ['t'][this partition][txn] → {participants, row keys of local
//     participants if at most kMaxListedKeys}, in one synced write with this partition's
//     buffered intents (so the anchor needs no prepare()) and, each in its own part, the
//     load-marker Deletes of the other participants of this node (MAY SUSPEND: the fiber parks
//     until the WAL is synced; concurrent commits share one fsync).
//   - commit(): one kWal batch resolving every intent (from the buffer's copy of the records
//     written at prepare, without reading them again), then release_all in the lock table.
//   - commit_one_phase(): one synced write with the transaction's final versions (buffered
//     intents resolved directly, intents already in storage resolved too) in this partition
//     and in the sibling partitions named, one part per partition (one RocksDB, one WAL: the
//     write is atomic across them, one fsync); the later commit() only releases the locks.
//     The partition holding the commit record deletes it in the same batch: the coordinator
//     commits that partition LAST, so the deletion follows every resolution in WAL order.
//   - load() (issue 8): the rows as frozen committed records (mvcc::MvccStore::load). While
//     a keyspace's rows arrive in key order (row ids, a rewrite in key order, a sorted COPY)
//     in batches of kFileLoadMinBytes or more, they go into a file (storage::Engine::FileLoad)
//     that finish_loads() adds to storage whole: no WAL, no memtable, no compaction;
//     otherwise in kWal batches. The first load of
//     a keyspace first writes its load marker (storage/keys.h 'l'), synced, so no file can be
//     in storage without it. The commit point deletes the markers in its own synced batch
//     (commit_one_phase(), or write_commit_record() for every sibling participant), so a marker
//     outlives a crash only when its transaction did not commit: recovery
//     (drop_interrupted_loads()) deletes those rows, which every snapshot would otherwise see.
//     abort() and rollback_subtransactions() delete the keyspace's rows and marker (kNoWal, key by
//     key: a lost deletion leaves the marker, so recovery deletes them again).
//   - drop_keyspaces() (issue 8): the table id becomes a dropped table of the engine
//     (storage::Engine::drop_table, node-wide) and this partition's rows of it are marked for
//     compaction.
//   - abort(): drops the buffer; intents already in storage go in one kNoWal batch (a lost
//     abort leaves a dead intent), then release_all.
//   - rollback_subtransactions(): drops intent entries of subs >= first (kWal: a lost
//     rollback followed by a commit would resurrect them), release_subtransactions.
//   - lock_object() / unlock_object() / release_owner() (issue 4): table, advisory and
//     transaction locks in the same lock table (and so the same waits-for graph) as row
//     locks; a transaction's object locks go with commit/abort/rollback_subtransactions.
//   - lock_view() / blockers(): the lock table's dump and blockers, as plain values.
//   - prune_dead(): scans report the dead records they stepped over (mvcc/store.h, pruning);
//     each is removed under a NOWAIT row lock of owner kPruneOwner, skipped if anybody holds
//     or awaits the row's lock. Runs on the scanning thread when its cursor is destroyed (or
//     every mvcc::kPruneBatch dead keys); one pruner per partition at a time, others skip.
//     Under those locks a record is decided from the scan's bytes when nothing of its
//     keyspace was resolved since the scan's snapshot (mvcc::MvccStore::prune).
//   - SERIALIZABLE: get()/scan() with ReadView::serializable take SIREAD locks (siread_locks.h)
//     and report skipped writes to the SsiConflictSink; siread_holders() answers a writer.
//   - RELEASE SAVEPOINT needs no partition call: SubIds increase and rollback_subtransactions
//     removes every sub >= first, so a released child's writes and locks (ids above its
//     parent's) go exactly when its parent or an ancestor is rolled back.
// Thread-safe; lock() and write_commit_record() MAY SUSPEND.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "partition/locks/lock_table.h"
#include "partition/mvcc/store.h"
#include "partition/partition_log.h"
#include "partition/siread_locks.h"
#include "partition_api/partition.h"

namespace hf::partition {

using namespace partition_api;  // NOLINT: the interface's vocabulary

inline constexpr size_t kMaxListedKeys = 256;
// load(): a keyspace's rows go into a file only from a batch this large on (a small load goes
// through the memtable: a file per partition per statement would pile up tiny files).
inline constexpr size_t kFileLoadMinBytes = 64 << 10;
// The lock owner of pruning: neither a TxnId (< 1 << 62) nor a session owner (1 << 62 | pid).
inline constexpr uint64_t kPruneOwner = uint64_t{1} << 63;

// The node's waits (C5) between the lock table's plain values and the seam's, unchanged.
NodeWaits to_api(const locks::NodeWaits& w);
locks::NodeWaits from_api(const NodeWaits& w);
WaitOrder to_api(const locks::WaitOrder& o);

class LocalPartition final : public Partition {
 public:
  // lock_memory: the node's budget for locks (nullptr: unlimited).
  LocalPartition(PartitionId id, storage::Engine* engine, locks::WaitGraph* graph, TxnId dead_below,
                 locks::LockMemory* lock_memory = nullptr);
  ~LocalPartition() override;

  // The node's partitions, indexed by id (for collecting the written keys of local
  // participants into a commit record). Set once by LocalNode.
  void set_siblings(const std::vector<LocalPartition*>* siblings) { siblings_ = siblings; }
  void set_oracle(TxnStatusOracle* oracle) { store_.set_oracle(oracle); }
  void set_gc_horizon(std::function<Timestamp()> f) { store_.set_gc_horizon(std::move(f)); }
  void set_ssi_sink(SsiConflictSink* sink) { store_.set_ssi_sink(sink); }
  // The log its batch writes go through (partition_log.h; nullptr: its DirectLog on the
  // node's engine, the default). Set before the first call; the log outlives the partition.
  void set_log(PartitionLog* log);

  // Leader-only serving (doc/cluster.md §4 (e); LocalNode::take_over drives it). Ungated (the
  // default, one node) a partition serves every call. gate(): from now on it serves only
  // while begin_serving() holds: its replica leads the partition's Raft group in that term.
  //   G1. Not serving: every call that reads, locks or writes (get, scan, latest, lock,
  //       lock_batch, row_lock_taken, write, load, finish_loads, rollback_subtransactions,
  //       prepare, write_commit_record, commit_one_phase*, lock_object, siread_holders) fails
  //       with 40001 and does nothing; commit (resolution after the commit point), abort and
  //       the releases (unlock_*, release_owner, release_siread) and lock views still run.
  //   G2. Serving at `fence`: the same calls of a transaction below the fence (minted before
  //       this replica took over) fail with 40001: locks it held and writes it buffered at the
  //       previous leader are gone, so it must never commit (C4). Its commit and abort run.
  //   G3. A lock granted after a wait that spans a change of term is refused (40001).
  //   G4. Leased (set_lease; partition/leadership.h, the lease): from `until` on, no call of
  //       G1 is served until the lease is extended. Such a call waits (parks its fiber) up
  //       to set_lease_wait()'s time for a renewal in flight to commit, and is served once
  //       one has (in the same term); it fails with 40001 when the partition stops serving
  //       meanwhile (as G1) or the wait ends first (0, the default: at once). A leader cut
  //       off from its group serves nothing after its lease ends, before another replica
  //       can be elected; a leader whose renewals are only slow (a loaded machine, a large
  //       entry ahead of them in the log) keeps its callers waiting instead of failing them.
  //   G5. prepare() of a transaction that only locked here (no write) is the check that its
  //       locks are still held here: it fails with 40001 unless G1, G2 and G4 let it through
  //       (the coordinator calls it before the commit point; coord/txn_manager.cc).
  void gate();
  void begin_serving(uint64_t term, TxnId fence);
  void stop_serving();
  // G4: serve only before `until` (steady clock); time_point::max(): no lease (the default).
  void set_lease(std::chrono::steady_clock::time_point until) {
    lease_until_.store(until.time_since_epoch().count(), std::memory_order_release);
  }
  // G4: how long a call waits for a lease that ran out to be extended (0: not at all).
  void set_lease_wait(std::chrono::steady_clock::duration wait) {
    lease_wait_.store(wait.count(), std::memory_order_release);
  }
  // The term it serves in (0: not serving, or ungated).
  uint64_t serving_term() const { return term_.load(std::memory_order_acquire); }
  // A takeover (LocalNode::take_over T3): txn's intent at row key `rk` and its commit record,
  // which the previous leader stored (this replica applied them as entries), become txn's
  // here, so that its commit (the resolution after its commit point) resolves them and
  // deletes the record, as at the leader that wrote them. Without it the resolution at a new
  // leader did nothing: the intents stayed, and once the registry forgot the transaction they
  // read as aborted (a committed write lost). REQUIRES: the partition does not serve yet.
  void adopt_stored_intent(TxnId txn, const std::string& rk);
  void adopt_commit_record(TxnId txn);

  PartitionId id() const override { return id_; }
  std::optional<RowVersion> get(const KeySpace& space, const std::string& key,
                                const ReadView& view) override;
  std::unique_ptr<RowCursor> scan(const ScanRequest& req) override;
  LatestState latest(const KeySpace& space, const std::string& key, TxnId own = 0) override;
  LockResult lock(const LockRequest& req) override;
  std::vector<LockResult> lock_batch(const std::vector<LockRequest>& reqs) override;
  bool row_lock_taken(const LockRequest& req) override;  // LockTable::row_held_by_other
  void unlock_batch(const std::vector<LockRequest>& reqs) override;
  void write(TxnId txn, SubId sub, CommandId cid, const KeySpace& space, const std::string& key,
             const std::optional<std::string>& value, bool publish = false, bool new_key = false,
             bool unlocked = false) override;
  bool load(TxnId txn, SubId sub, const KeySpace& space,
            const std::vector<std::pair<std::string, std::string>>& rows) override;
  void finish_loads(TxnId txn) override;
  void drop_keyspaces(uint32_t table_id) override;
  void rollback_subtransactions(TxnId txn, SubId first_aborted) override;
  void prepare(TxnId txn) override;
  void write_commit_record(TxnId txn, const std::vector<PartitionId>& participants) override;
  void commit(TxnId txn, Timestamp commit_ts) override;
  void abort(TxnId txn) override;
  void commit_one_phase(TxnId txn, Timestamp commit_ts,
                        const std::vector<PartitionId>& with = {}) override;
  void commit_one_phase_then(TxnId txn, Timestamp commit_ts, const std::vector<PartitionId>& with,
                             const std::function<void()>& on_durable) override;
  // The node's partitions share one RocksDB and its WAL: one group per node.
  uint64_t commit_group() const override { return siblings_ ? 1 : 0; }
  bool in_process() const override { return true; }
  bool leader_only() const override { return gated_.load(std::memory_order_acquire); }
  ObjectLockResult lock_object(const ObjectLockRequest& req) override;
  void link_waits(uint64_t holder, uint64_t actor, bool add) override;
  NodeWaits node_waits() override;                      // the node's WaitGraph::export_waits()
  bool reorder_waits(const WaitOrder& order) override;  // the node's WaitGraph::reorder()
  bool unlock_object(const ObjectTag& tag, uint64_t owner, uint8_t mode) override;
  void release_owner(uint64_t owner) override;
  std::vector<LockEntry> lock_view() override;
  std::vector<Blocker> blockers(uint64_t owner) override;
  std::vector<TxnId> siread_holders(const KeySpace& space, const std::string& key, TxnId writer,
                                    bool replaces = true) override;
  void release_siread(TxnId txn) override;
  SireadLocks& siread_locks() { return siread_; }

  // Removes those of the records at `rks` (storage 'r' keys) that are dead at the GC horizon
  // and whose row lock is free; returns how many, and sets (*pruned)[i] for each removed
  // rks[i]. Skips all if another thread is pruning this partition or RocksDB stalls writes
  // (a later scan reports them again). seen: the records as the reporting scan read them
  // (mvcc::MvccStore::prune).
  size_t prune_dead(const std::vector<std::string>& rks, std::vector<bool>* pruned = nullptr,
                    const mvcc::MvccStore::SeenRecords& seen = {});

  // Recovery (LocalNode, before any transaction): deletes the rows of every load that a
  // crash interrupted (a load marker is left only by a transaction that never committed).
  // Returns how many keyspaces.
  size_t drop_interrupted_loads();

  // The row keys (storage 'r' keys) txn wrote here: stored_keys() and the buffered ones.
  std::vector<std::string> written_keys(TxnId txn);
  // The row keys txn wrote here whose intents are in storage (not buffered), in key order.
  std::vector<std::string> stored_keys(TxnId txn) const;
  locks::LockTable& lock_table() { return locks_; }
  mvcc::MvccStore& store() { return store_; }

  // Commit record value encoding (shared with recovery).
  static std::string encode_commit_record(const std::vector<PartitionId>& participants,
                                          const std::vector<std::string>* keys);
  // keys_listed=false: too many keys, recovery scans the participants for intents.
  static bool decode_commit_record(std::string_view buf, std::vector<PartitionId>* participants,
                                   bool* keys_listed, std::vector<std::string>* keys);

 private:
  struct TxnWrites {
    // Row key -> newest sub that wrote it, for intents in storage (unbuffered, spilled); the
    // buffered ones are the store's (mvcc/store.h, write buffer).
    std::unordered_map<std::string, SubId> keys;
    bool has_commit_record = false;
    // Keyspaces txn bulk-loaded here (load()): abort and rollback_subtransactions delete
    // their rows.
    struct Load {
      KeySpace space;
      SubId sub = 0;  // the subtransaction that loaded it first
      // Rows so far came in increasing key order: they go into `file`, which finish_loads()
      // adds to storage whole. Once not, rows go through the memtable (write batches).
      bool in_order = true;
      std::string last_key;                             // the largest key loaded
      std::unique_ptr<storage::Engine::FileLoad> file;  // unfinished rows, or null
      std::string file_first_rk, file_last_rk;          // its row-key range
    };
    std::vector<Load> loaded;
  };
  // Adds l's file to storage (BLOCKS: on the blocking pool) and reports its rows created.
  void finish_file(TxnWrites::Load& l);
  // Deletes the rows, history and load markers of the keyspaces in this partition (an
  // aborted load).
  void delete_loaded(const std::vector<KeySpace>& spaces);
  // Adds to `batch` the deletion of txn's load markers here (its commit point).
  void delete_load_markers(TxnId txn, rocksdb::WriteBatch& batch);
  bool has_load_markers(TxnId txn) const;
  // Removes and returns txn's bookkeeping.
  TxnWrites take(TxnId txn);

  // Runs an unsynced RocksDB write: inline, or on the blocking pool during a RocksDB write
  // stall, since it would wait for the stall to end.
  void unsynced_write(const std::function<void()>& fn);
  // Writes txn's buffered intents to storage (kWal); keep: for resolution (prepare), else
  // a spill (mvcc/store.h, write buffer).
  void flush_intents(TxnId txn, bool keep);

  // G1-G3: throws 40001 unless ungated, or serving (in `term`, if not 0) and txn not fenced;
  // returns the term served (0 when ungated).
  uint64_t admit(TxnId txn, uint64_t term = 0) const;
  // G4: waits (MAY SUSPEND) until the lease covers the present while serving in `term`;
  // throws 40001 when it stops serving in `term` or the lease wait ends first.
  void await_lease(uint64_t term) const;

  PartitionId id_;
  std::atomic<bool> gated_{false};
  std::atomic<uint64_t> term_{0};  // 0: not serving
  std::atomic<TxnId> fence_{0};
  // G4: steady_clock ticks; max: no lease.
  std::atomic<std::chrono::steady_clock::rep> lease_until_{
      std::chrono::steady_clock::time_point::max().time_since_epoch().count()};
  std::atomic<std::chrono::steady_clock::rep> lease_wait_{0};  // G4: steady_clock ticks
  mvcc::MvccStore store_;
  locks::LockTable locks_;
  SireadLocks siread_;
  const std::vector<LocalPartition*>* siblings_ = nullptr;
  std::unique_ptr<PartitionLog> direct_log_;
  PartitionLog* log_;      // direct_log_, or the one set_log() gave
  mutable std::mutex mu_;  // guards txns_
  std::unordered_map<TxnId, TxnWrites> txns_;
  std::mutex prune_mu_;  // one pruner at a time (kPruneOwner's locks are not shared)
};

}  // namespace hf::partition
