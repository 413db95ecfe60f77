// storage/engine.h — one RocksDB instance per node, shared by all its partitions.
//
// The engine is a thin, tuned wrapper: it knows nothing about versions or transactions
// (MVCC lives in partition/mvcc and reads without RocksDB snapshots). It promises:
//   - write(batch, kSynced) returns after the batch is in the WAL and the WAL is fsynced.
//     It BLOCKS the calling thread: callers on a fiber MUST wrap it in runtime::run_blocking
//     (hf_storage does not depend on the runtime). It is an unsynced RocksDB write followed
//     by sync(); sync() is holdfast's group commit (below), nothing else batches commits.
//   - sync() makes every write that returned before sync() was called durable (including
//     kWal writes of other threads), and blocks until then. Group commit: one caller at a
//     time (the leader) runs rocksdb::DB::FlushWAL(true) — a WAL fsync outside RocksDB's
//     write queue — for itself and every caller that arrived before that fsync started;
//     callers that arrive during an fsync wait for it, then one of them leads the next one.
//     A failed WAL sync is sticky: that sync() and every later one throw (after a failed
//     fsync the kernel may have dropped the dirty pages, so a later fsync proves nothing).
//   - write(batch, kWal) appends to the WAL without fsync (the bytes reach the OS before it
//     returns: manual_wal_flush is off); a later sync() or synced write makes it durable
//     too. It never waits for a sync in progress: the fsync runs outside RocksDB's write
//     queue. So it is a memtable insert plus a WAL append (microseconds) and may run inline
//     on a fiber, except while write_stalled().
//   - write_and_sync_if_idle(batch) is write(batch, kWal) and then, only when no WAL sync is
//     under way, that sync on the calling thread (it leads a group of one): true when the
//     batch is durable on return; false when a sync was under way, or one started in the
//     last 10 ms while other callers waited for syncs too (commits are concurrent: the group
//     commit of the sync thread serves them better) — the caller must then sync() or
//     sync_then() (the next group). A commit that nobody else is syncing with pays no thread
//     hand-off; one that arrives while the WAL is being synced joins the next group without
//     blocking its thread on the cv.
//   - sync_then(done) (added, issue 8) is sync() without blocking anyone: done(nullptr) is
//     called, on the engine's WAL-sync thread, once every write that returned before the
//     call is durable (done(the sticky failure) if the sync it needed failed). The sync
//     thread leads the group syncs for every sync_then waiting: under concurrent commits a
//     commit costs no thread hand-off at all (its fiber appends with append_synced() on its
//     own thread, then parks until done; the sync thread wakes once per group, not once per
//     commit). Closing the engine syncs for the callbacks still waiting and answers them; a
//     sync_then() after that is answered at once, with an error, on the caller's thread.
//   - Group wait (added, issue 8 hot row / group commit): transactions that hold uncommitted
//     writes are counted (writer_opened()/writer_closed(); partition/mvcc counts its write
//     buffers), as commits that may still come. Before the sync thread leads a WAL sync for
//     the sync_then() callbacks waiting, it waits while such writers are open (they may join
//     this sync instead of paying one of their own), at most EngineOptions::group_wait ("auto":
//     half the average WAL sync, at most 1 ms): the latency a commit may gain is
//     bounded by half an fsync, and a lone committer (one hot row's holder: the others wait for
//     its lock and hold no writes) never waits. PostgreSQL's commit_delay / commit_siblings
//     do this with a fixed delay and a count of active backends. Off unless asked for
//     (EngineOptions::group_wait, HF_GROUP_WAIT_US). Only the sync thread waits:
//     sync(), synced write() and write_and_sync_if_idle() are unchanged.
//   - write(batch, kNoWal) skips the WAL (lost on crash unless flushed).
//   - write_stalled(): whether RocksDB is delaying or stopping writes (too many memtables or
//     L0 files); any write may then block for long, so a fiber should hand it to the
//     blocking pool. sync_in_flight(): whether a synced write or sync() is under way
//     (diagnostics; unsynced writes do not wait for it).
//   - drop_table(table) (added, issue 8): every row, history and load-marker key of that
//     table id (storage/keys.h), in every partition, is garbage (a dropped table's keyspace):
//     every later flush and compaction leaves them out (a compaction filter; RocksDB turns each
//     into a tombstone that the bottom level drops), and the id is kept durably (meta keys
//     "dropped/") so that this goes on after a restart. compact_soon(lo, hi, n) marks the
//     files holding a range for compaction when they hold at least n bytes of it. RocksDB's
//     DeleteRange is not used: its tombstones do not mix with the memtable insert hints below in
//     RocksDB 7 (an assertion in the skiplist insert).
//   - get() is one point lookup (whole-key bloom filter + block cache).
//   - iterators use the prefix bloom filter over the first kKeySpacePrefixLen bytes
//     (one table/index of one partition) unless total_order is asked for.
// Thread-safe: every method may be called from any thread concurrently. Never suspends.
// Errors from RocksDB are thrown as hf::SqlError XX000.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

namespace hf::storage {

enum class Durability : uint8_t { kSynced, kWal, kNoWal };

struct EngineOptions {
  size_t block_cache_bytes = 256 << 20;
  size_t write_buffer_bytes = 64 << 20;
  bool create_if_missing = true;
  // The memtable: storage/memtable.h's skip list (true) or RocksDB's own (for comparison:
  // HF_ROCKSDB_MEMTABLE=1 in the server's environment).
  bool own_memtable = true;
  // Test seam: a RocksDB Env (e.g. a fault-injecting one). nullptr: the default Env.
  rocksdb::Env* env = nullptr;
  // The longest the sync thread waits for open writers before a WAL sync (the header
  // comment's group wait). Unset: half the average of the recent WAL syncs, at most 1 ms.
  // Zero: never waits. Off by default: on this 2-core shared machine it raised the commits
  // per WAL sync (8 clients: 2.45 -> 3.17, 32: 6.47 -> 12.44) but the throughput of 8
  // latency-bound clients was lower in 3 of 4 paired runs (bench/results/hotrow-locks-20261207.md).
  // The server's environment turns it on: HF_GROUP_WAIT_US=N (N microseconds) or
  // HF_GROUP_WAIT_US=auto (unset above).
  std::optional<std::chrono::microseconds> group_wait = std::chrono::microseconds(0);
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

struct DroppedTables;  // engine.cc

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
  // Group commit: returns once every write that returned before this call is durable.
  // BLOCKS (see the header comment).
  void sync();
  // See the header comment. BLOCKS for one WAL fsync when it returns true.
  bool write_and_sync_if_idle(rocksdb::WriteBatch& batch);
  // The WAL append of a synced write (counted as one), without the fsync: follow it with
  // sync() or sync_then(). Microseconds unless write_stalled().
  void append_synced(rocksdb::WriteBatch& batch) { append(batch, Durability::kSynced); }
  // See the header comment. Never blocks; done must not block for long (it runs on the
  // sync thread, ahead of the next group's fsync).
  void sync_then(std::function<void(std::exception_ptr)> done);
  // Flushes the memtables and compacts every level now (tests, and an operator's lever after
  // mass deletions): deleted entries are gone afterwards. BLOCKS.
  void compact_all();
  // Added (issue 8): entries written into a new file that the database then takes whole
  // (RocksDB's SST ingestion): no WAL, no memtable, and no compaction when the file's key range
  // is new (it goes straight to the bottom level). put() REQUIRES keys strictly increasing.
  // finish() BLOCKS (the file's fsync and the ingestion's manifest write): afterwards the
  // entries are durable and visible; a finish() of no entries does nothing. Destroying an
  // unfinished FileLoad deletes its file. Used by one thread at a time.
  class FileLoad {
   public:
    ~FileLoad();
    void put(std::string_view key, std::string_view value);
    size_t entries() const { return entries_; }
    void finish();

   private:
    friend class Engine;
    FileLoad() = default;
    Engine* engine_ = nullptr;
    std::string path_;
    std::unique_ptr<rocksdb::SstFileWriter> writer_;
    size_t entries_ = 0;
  };
  std::unique_ptr<FileLoad> begin_file_load();
  // See the header comment. REQUIRES: nobody reads or writes the table's keys again.
  void drop_table(uint32_t table_id);
  // See the header comment: only when the files hold min_bytes or more of the range (true
  // then). Never blocks for the compaction it asks for.
  bool compact_soon(const std::string& lo, const std::string& hi, uint64_t min_bytes);
  // The dropped table ids (tests).
  size_t dropped_tables() const;
  // RocksDB's estimate of the bytes its files hold in [lo, hi) (from the files' indexes, a
  // few block lookups; memtables not counted).
  uint64_t file_bytes(const std::string& lo, const std::string& hi);

  // An iterator over [lower, upper) (empty upper: unbounded). total_order: keys may span
  // several keyspace prefixes (recovery, whole-partition scans) or the scan runs backwards;
  // otherwise the prefix bloom filter is used, the range must stay within one keyspace
  // prefix, and iteration starts with Iter::first().
  // fill_cache false: blocks read from files are not added to the block cache (a bulk read).
  std::unique_ptr<Iter> iterate(std::string lower, std::string upper, bool total_order = false,
                                bool fill_cache = true);

  // A transaction began to hold uncommitted writes / no longer does (committed, rolled back,
  // or its writes handed to a commit's write): see the header comment's group wait. Cheap
  // (one atomic add; writer_closed() takes the sync mutex only while the sync thread waits).
  // Only while the group wait is on (counts_writers(), fixed at open): off, nothing waits for
  // the count, and a write transaction pays no shared atomics for it.
  bool counts_writers() const { return !group_wait_ || group_wait_->count() > 0; }
  void writer_opened() { open_writers_.fetch_add(1, std::memory_order_acq_rel); }
  void writer_closed();
  int64_t open_writers() const { return open_writers_.load(std::memory_order_acquire); }

  // Counters for tests and benchmarks.
  uint64_t synced_writes() const { return synced_writes_.load(std::memory_order_relaxed); }
  uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }
  // WAL fsyncs done by sync() (group commits): synced_writes() / wal_syncs() is the group size.
  uint64_t wal_syncs() const { return wal_syncs_.load(std::memory_order_relaxed); }
  bool sync_in_flight() const { return syncing_.load(std::memory_order_acquire) > 0; }
  bool write_stalled() const { return stalled_.load(std::memory_order_acquire); }
  rocksdb::DB* db() { return db_.get(); }

 private:
  Engine() = default;
  void group_sync();  // sync() without the counters
  // The RocksDB write of write() (counted; kSynced counts as a synced write), no fsync.
  void append(rocksdb::WriteBatch& batch, Durability d);
  // Runs WAL sync number ++syncs_started_ as the leader: REQUIRES g holds sync_mu_ and no
  // sync is leading. Returns with g held, the sync done (or its failure recorded).
  void lead_sync(std::unique_lock<std::mutex>& g);
  // Throws the sticky sync failure if the sync a caller needed (number `need`) failed.
  void check_sync(uint64_t need) const;
  // The WAL-sync thread of sync_then(): leads a sync while callbacks wait for one, calls
  // those whose sync is done.
  void sync_loop();
  // The group wait before the sync thread leads a sync: REQUIRES g holds sync_mu_. Returns
  // with g held once no writer is open, the bound has passed, or the engine is closing.
  void wait_for_group(std::unique_lock<std::mutex>& g);
  std::unique_ptr<rocksdb::Env> env_;  // zero_filled_wal.h; outlives db_
  std::string dir_;
  rocksdb::Options options_;  // as opened (FileLoad writes files with them)
  std::atomic<uint64_t> next_file_load_{0};
  // drop_table()'s ids, shared with the compaction filter factory (engine.cc).
  std::shared_ptr<DroppedTables> dropped_;
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> synced_writes_{0};
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> wal_syncs_{0};
  std::atomic<int> syncing_{0};             // synced writes and sync() calls under way
  std::atomic<bool> stalled_{false};        // RocksDB's write controller delays/stops writes
  std::atomic<int64_t> open_writers_{0};    // writer_opened() - writer_closed()
  std::atomic<bool> group_waiting_{false};  // the sync thread is in wait_for_group()
  std::optional<std::chrono::microseconds> group_wait_;  // EngineOptions::group_wait
  std::atomic<uint64_t> fsync_avg_ns_{0};  // moving average of the WAL syncs' durations

  // Group commit state, guarded by sync_mu_. WAL syncs are numbered from 1 in the order they
  // start; a caller of sync() needs the first sync that starts after it arrived.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  uint64_t syncs_started_ = 0;  // the number of the latest WAL sync started
  uint64_t syncs_done_ = 0;     // every sync up to this number has finished
  bool sync_leading_ = false;   // a caller is running a WAL sync now
  // Until then write_and_sync_if_idle does not lead: a sync started recently while others
  // waited for one too, so commits are concurrent and group commit serves them better.
  static constexpr std::chrono::milliseconds kContendedFor{10};
  std::chrono::steady_clock::time_point contended_until_{};
  uint64_t sync_failed_at_ = 0;  // the number of the first failed WAL sync (0: none)
  std::string sync_error_;       // its status
  // sync_then()'s callbacks, each with the number of the sync it needs (in arrival order, so
  // in increasing need), and the thread that serves them (started by the first one).
  struct SyncWaiter {
    uint64_t need;
    std::function<void(std::exception_ptr)> done;
  };
  std::deque<SyncWaiter> sync_waiters_;
  std::condition_variable sync_thread_cv_;  // sync_waiters_ grew, a sync ended, or closing
  bool sync_thread_stop_ = false;
  std::thread sync_thread_;
};

}  // namespace hf::storage
