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
// Thread-safe (see above). Never suspends.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
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

class MvccStore {
 public:
  // dead_below: TxnIds below it belong to earlier boots (never asked about; dead).
  MvccStore(storage::Engine* engine, uint16_t partition, TxnId dead_below);

  void set_oracle(TxnStatusOracle* oracle) { oracle_ = oracle; }
  void set_gc_horizon(std::function<Timestamp()> f) { gc_horizon_ = std::move(f); }
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
  // `buf` may be re-read (a reported-aborted intent is re-checked once).
  bool read_visible(const std::string& rk, std::string& buf, const ReadView& view, RowVersion* out);

  storage::Engine& engine() { return *engine_; }
  uint16_t partition() const { return partition_; }
  TxnId dead_below() const { return dead_below_; }

 private:
  Timestamp horizon() const { return gc_horizon_ ? gc_horizon_() : 0; }
  void report_skipped(const Record& r, const Visibility& v, const ReadView& view, bool intent_dead);

  storage::Engine* engine_;
  uint16_t partition_;
  TxnId dead_below_;
  TxnStatusOracle* oracle_ = nullptr;
  std::function<Timestamp()> gc_horizon_;
  partition_api::SsiConflictSink* ssi_sink_ = nullptr;
};

}  // namespace hf::mvcc
