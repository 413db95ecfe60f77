// storage/engine.h — one RocksDB instance per node, shared by all its partitions.
//
// The engine is a thin, tuned wrapper: it knows nothing about versions or transactions
// (MVCC lives in partition/mvcc and reads without RocksDB snapshots). It promises:
//   - write(batch, kSynced) returns after the WAL is fsynced. It BLOCKS the calling thread:
//     callers on a fiber MUST wrap it in runtime::run_blocking (hf_storage does not depend
//     on the runtime). RocksDB groups concurrent synced writers into one fsync — that is
//     holdfast's group commit; nothing else batches commits.
//   - write(batch, kWal) appends to the WAL without fsync; since the WAL is one sequential
//     file, a later synced write makes every earlier kWal write durable too.
//   - write(batch, kNoWal) skips the WAL (lost on crash unless flushed).
//   - sync_in_flight() / write_stalled(): whether a synced write is under way right now, and
//     whether RocksDB is delaying or stopping writes (too many memtables or L0 files). An
//     unsynced write that arrives meanwhile queues behind the fsync or the stall, so a fiber
//     should then hand it to the blocking pool; otherwise it is a memtable insert plus a
//     buffered WAL append (microseconds) and may run inline.
//   - get() is one point lookup (whole-key bloom filter + block cache).
//   - iterators use the prefix bloom filter over the first kKeySpacePrefixLen bytes
//     (one table/index of one partition) unless total_order is asked for.
// Thread-safe: every method may be called from any thread concurrently. Never suspends.
// Errors from RocksDB are thrown as hf::SqlError XX000.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

namespace hf::storage {

enum class Durability : uint8_t { kSynced, kWal, kNoWal };

struct EngineOptions {
  size_t block_cache_bytes = 256 << 20;
  size_t write_buffer_bytes = 64 << 20;
  bool create_if_missing = true;
  // Test seam: a RocksDB Env (e.g. a fault-injecting one). nullptr: the default Env.
  rocksdb::Env* env = nullptr;
};

// An iterator with its bounds kept alive alongside it.
class Iter {
 public:
  rocksdb::Iterator* operator->() { return it_.get(); }
  rocksdb::Iterator& operator*() { return *it_; }
  // Positions at the first key >= lower (works in prefix mode too).
  void first() { it_->Seek(lower_slice_); }
  // Positions at the last key < upper. REQUIRES: opened with total_order (RocksDB's prefix
  // mode does not support SeekToLast).
  void last() { it_->SeekToLast(); }

 private:
  friend class Engine;
  std::string lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

class Engine {
 public:
  // Opens (creating if asked) the database in dir. Throws SqlError on failure.
  static std::unique_ptr<Engine> open(const std::string& dir, const EngineOptions& opts = {});
  ~Engine();

  // One point read. Returns false when the key does not exist.
  bool get(std::string_view key, std::string* value);
  void write(rocksdb::WriteBatch& batch, Durability d);
  void put(std::string_view key, std::string_view value, Durability d);
  void del(std::string_view key, Durability d);

  // An iterator over [lower, upper) (empty upper: unbounded). total_order: keys may span
  // several keyspace prefixes (recovery, whole-partition scans) or the scan runs backwards;
  // otherwise the prefix bloom filter is used, the range must stay within one keyspace
  // prefix, and iteration starts with Iter::first().
  std::unique_ptr<Iter> iterate(std::string lower, std::string upper, bool total_order = false);

  // Counters for tests and benchmarks.
  uint64_t synced_writes() const { return synced_writes_.load(std::memory_order_relaxed); }
  uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }
  bool sync_in_flight() const { return syncing_.load(std::memory_order_acquire) > 0; }
  bool write_stalled() const { return stalled_.load(std::memory_order_acquire); }
  rocksdb::DB* db() { return db_.get(); }

 private:
  Engine() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> synced_writes_{0};
  std::atomic<uint64_t> writes_{0};
  std::atomic<int> syncing_{0};       // synced writes under way
  std::atomic<bool> stalled_{false};  // RocksDB's write controller delays/stops writes
};

}  // namespace hf::storage
