// partition/mvcc/store.h — one partition's MVCC rows on the shared storage::Engine.
//
// MvccStore reads rows at a ReadView (record.h's visibility rule; no RocksDB snapshots),
// and turns a transaction's writes into intents and intents into versions. It does NOT
// lock: the caller (LocalPartition) guarantees that only the transaction holding a row's
// write lock modifies that row's record, so each read-modify-write is race-free. Readers
// may run concurrently with anything: every record write is one atomic RocksDB Put.
//
// Durability choices (doc/storage-format.md §Durability):
//   - intents and savepoint rollbacks: kWal, unsynced. The commit record's synced write
//     later flushes the WAL up to it, so a committed transaction's intents are durable.
//     kNoWal would lose a committed transaction's values on a crash (recovery resolves
//     intents; it needs them in the WAL).
//   - resolution at commit: kWal (the commit record is the durable truth; recovery redoes it).
//   - abort: kNoWal — a lost abort leaves a dead intent of a transaction without commit
//     record, which every reader ignores and the next writer drops.
//   - pruning: kWal (a lost prune only brings back a dead record, pruned again later).
//
// Pruning of dead records (PostgreSQL's on-access heap pruning / index kill bits): a record
// is DEAD when its newest committed version is a deletion with commit_ts <= the GC horizon
// and it has no live intent. Every view at or above the horizon (every present and future
// reader) sees nothing there, exactly as if the record were absent, and no snapshot below
// the horizon exists; so the record and its history keys can go. Scan cursors note the dead
// records they step over and hand them, in batches, to the prune sink (LocalPartition, which
// excludes lock holders with a try-lock in its lock table) when the cursor is destroyed or
// has collected kPruneBatch keys. prune() re-reads the record and deletes it only if it is
// still dead, under a per-key stripe mutex that write_intent() also takes for its
// read-modify-write: a record without intent changes only through write_intent(), so the
// re-check stays true until the delete is written, whichever writer (locked or not) comes.
//
// Known-empty ranges: pruning leaves RocksDB tombstones that every iterator still steps over
// until compaction, so a queue drained from its front would still be scanned from its start.
// A forward scan that pruned every record from its start key up to some key K records
// [start, K) as holding no record; later scans starting inside that range seek to K. Only
// write_intent() creates records (recovery runs before any scan), and it reports a record it
// creates to the registry, which (a) shrinks any known-empty range around it and (b) marks
// dirty every scan watching that key; a scan registers its watch BEFORE it opens its
// iterator and claims a range only if its watch stayed clean, so a record created after the
// iterator's snapshot (which the scan could not see) never ends up inside a claimed range.
// Thread-safe (see above). Never suspends.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <rocksdb/write_batch.h>

#include "partition/mvcc/record.h"
#include "partition_api/partition.h"
#include "storage/engine.h"

namespace hf::mvcc {

using partition_api::KeySpace;
using partition_api::LatestState;
using partition_api::RowCursor;
using partition_api::RowVersion;
using partition_api::ScanRequest;

// A cursor reports the dead records it steps over in batches of at most this many.
inline constexpr size_t kPruneBatch = 128;

// True when `r` is dead at GC horizon h (see the top of this file). Intents of earlier boots
// (TxnId < dead_below) are dead and do not count.
bool prunable(const Record& r, Timestamp h, TxnId dead_below);

class MvccStore {
 public:
  // Receives row keys of records a scan found dead at its own view (the sink re-checks
  // against the GC horizon, via prune()) and sets (*pruned)[i] when rks[i] was removed.
  // Called on the scanning thread.
  using PruneSink =
      std::function<void(const std::vector<std::string>& rks, std::vector<bool>* pruned)>;
  // A scan's registration in the known-empty range registry (see the top of this file).
  struct ScanWatch {
    std::string lo, hi;  // the scan's row key range [lo, hi) (hi "": unbounded)
    bool dirty = false;  // a record was created in it since the watch began
  };

  // dead_below: TxnIds below it belong to earlier boots (never asked about; dead).
  MvccStore(storage::Engine* engine, uint16_t partition, TxnId dead_below);

  void set_oracle(TxnStatusOracle* oracle) { oracle_ = oracle; }
  void set_gc_horizon(std::function<Timestamp()> f) { gc_horizon_ = std::move(f); }
  void set_prune_sink(PruneSink f) { prune_sink_ = std::move(f); }
  // The GC horizon: the oldest read timestamp anybody may still read at (0: unknown, no GC).
  Timestamp horizon() const { return gc_horizon_ ? gc_horizon_() : 0; }
  // SERIALIZABLE: reads with ReadView::serializable report the writes they skip here.
  void set_ssi_sink(partition_api::SsiConflictSink* sink) { ssi_sink_ = sink; }

  std::string row_key(const KeySpace& space, std::string_view key) const;

  std::optional<RowVersion> get(const KeySpace& space, const std::string& key,
                                const ReadView& view);
  std::unique_ptr<RowCursor> scan(const ScanRequest& req);
  LatestState latest(const KeySpace& space, const std::string& key);

  // Writes an intent of txn on row key rk (a row_key()). REQUIRES: txn holds the row's
  // write lock. Drops a dead intent of another transaction found there.
  void write_intent(TxnId txn, SubId sub, CommandId cid, const std::string& rk,
                    const std::optional<std::string>& value);
  // Adds to `batch` the resolution of txn's intents on the given row keys at commit_ts
  // (the previous committed version moves to history; history no snapshot needs is
  // deleted). Keys without an intent of txn are skipped (idempotent).
  void resolve_commit(TxnId txn, Timestamp commit_ts, const std::vector<std::string>& rks,
                      rocksdb::WriteBatch& batch);
  // Adds to `batch` the removal of txn's intents on the keys.
  void resolve_abort(TxnId txn, const std::vector<std::string>& rks, rocksdb::WriteBatch& batch);
  // Removes intent entries of subtransactions >= first on the keys; writes kWal.
  void rollback(TxnId txn, SubId first, const std::vector<std::string>& rks);

  // Shared by get/scan: decodes `buf` (the record at rk) and fills `out` if visible.
  // `buf` may be re-read (a reported-aborted intent is re-checked once). When nothing is
  // visible and `dead_ts` is given, it is set to the commit ts of the record's deletion if
  // the record is a pruning candidate (newest committed version a deletion at or below the
  // view's read ts, no live intent), else 0.
  bool read_visible(const std::string& rk, std::string& buf, const ReadView& view, RowVersion* out,
                    Timestamp* dead_ts = nullptr);

  // Removes the record at rk and its history keys if it is dead at horizon h (re-read here).
  // REQUIRES: h is at most the GC horizon; the caller excludes the row's lock holders (a
  // lock holder may have acted on the record's state). Returns false if the record is not
  // dead, is gone, or a writer of a key in the same stripe is busy (skipped, not waited for).
  bool prune(const std::string& rk, Timestamp h);
  // Hands `rks` to the prune sink, if any; (*pruned)[i]: rks[i] was removed.
  void report_dead(const std::vector<std::string>& rks, std::vector<bool>* pruned);

  // Registers w (its lo, hi set) and returns the key a forward scan should seek to: w->lo,
  // or the end of a known-empty range holding w->lo. REQUIRES: called before the scan's
  // iterator is opened; end_watch() later.
  std::string begin_watch(ScanWatch* w, bool forward);
  // Unregisters w; if claim_hi > claim_lo and no record was created in w's range since
  // begin_watch(), records [claim_lo, claim_hi) as known-empty. REQUIRES: the scan saw, from
  // claim_lo on, only records it then removed, up to claim_hi.
  void end_watch(ScanWatch* w, const std::string& claim_lo, const std::string& claim_hi);
  // The known-empty ranges (tests).
  std::map<std::string, std::string> empty_ranges() const;

  storage::Engine& engine() { return *engine_; }
  uint16_t partition() const { return partition_; }
  TxnId dead_below() const { return dead_below_; }

 private:
  // Serializes write_intent() and prune() on one record (keys hashed to stripes).
  std::mutex& stripe(const std::string& rk) {
    return stripes_[std::hash<std::string>{}(rk) % stripes_.size()];
  }

  // write_intent() created the record at rk (see known-empty ranges).
  void note_created(const std::string& rk);
  void report_skipped(const Record& r, const Visibility& v, const ReadView& view, bool intent_dead);

  storage::Engine* engine_;
  uint16_t partition_;
  TxnId dead_below_;
  TxnStatusOracle* oracle_ = nullptr;
  std::function<Timestamp()> gc_horizon_;
  PruneSink prune_sink_;
  std::array<std::mutex, 64> stripes_;
  mutable std::mutex ranges_mu_;              // guards empty_ and watches_
  std::map<std::string, std::string> empty_;  // lo -> hi: no record in [lo, hi); disjoint
  std::vector<ScanWatch*> watches_;           // scans under way
  partition_api::SsiConflictSink* ssi_sink_ = nullptr;
};

}  // namespace hf::mvcc
