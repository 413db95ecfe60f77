// storage/engine.cc — RocksDB options and the write/read wrappers (see engine.h).
#include "storage/engine.h"

#include <rocksdb/utilities/table_properties_collectors.h>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <cstdlib>

#include <rocksdb/compaction_filter.h>
#include <rocksdb/experimental.h>
#include <rocksdb/sst_file_writer.h>

#include "common/error.h"
#include "common/wait_stats.h"
#include "storage/keys.h"
#include "storage/memtable.h"
#include "storage/zero_filled_wal.h"

namespace hf::storage {

namespace {
[[noreturn]] void fail(const rocksdb::Status& s, const char* what) {
  throw SqlError(sqlstate::kInternalError, std::string("storage ") + what + ": " + s.ToString());
}

// Mirrors RocksDB's write-stall state into Engine::write_stalled().
class StallListener final : public rocksdb::EventListener {
 public:
  explicit StallListener(std::atomic<bool>* stalled) : stalled_(stalled) {}
  void OnStallConditionsChanged(const rocksdb::WriteStallInfo& info) override {
    stalled_->store(info.condition.cur != rocksdb::WriteStallCondition::kNormal,
                    std::memory_order_release);
  }

 private:
  std::atomic<bool>* stalled_;
};
}  // namespace

// drop_table()'s table ids, sorted, replaced whole on change (a compaction takes the list
// current when it starts and keeps it). Thousands of dropped tables cost a few KB.
struct DroppedTables {
  using List = std::vector<uint32_t>;
  mutable std::mutex mu;
  std::shared_ptr<const List> list = std::make_shared<const List>();
  std::shared_ptr<const List> get() const {
    std::lock_guard g(mu);
    return list;
  }
  bool add(uint32_t table) {
    std::lock_guard g(mu);
    auto at = std::lower_bound(list->begin(), list->end(), table);
    if (at != list->end() && *at == table) return false;
    auto next = std::make_shared<List>(*list);
    next->insert(next->begin() + (at - list->begin()), table);
    list = std::move(next);
    return true;
  }
};

namespace {
constexpr std::string_view kDroppedMeta = "dropped/";

// Whether key is a row, history or load-marker key (storage/keys.h) of a dropped table.
bool in_dropped(const DroppedTables::List& l, std::string_view key) {
  if (key.size() < 7) return false;
  if (key[0] != kRowPrefix && key[0] != kHistoryPrefix && key[0] != kLoadMarkerPrefix) return false;
  return std::binary_search(l.begin(), l.end(), get_u32(key, 3));
}

class DroppedTablesFilter final : public rocksdb::CompactionFilter {
 public:
  explicit DroppedTablesFilter(std::shared_ptr<const DroppedTables::List> l) : l_(std::move(l)) {}
  // kRemove: RocksDB writes a tombstone in the key's place, so an older version of the key in
  // a level below this compaction stays hidden.
  Decision FilterV2(int, const rocksdb::Slice& key, ValueType type, const rocksdb::Slice&,
                    std::string*, std::string*) const override {
    if (type != ValueType::kValue) return Decision::kKeep;
    return in_dropped(*l_, std::string_view(key.data(), key.size())) ? Decision::kRemove
                                                                     : Decision::kKeep;
  }
  const char* Name() const override { return "holdfast.DroppedTables"; }

 private:
  std::shared_ptr<const DroppedTables::List> l_;
};

class DroppedTablesFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  explicit DroppedTablesFilterFactory(std::shared_ptr<DroppedTables> d) : d_(std::move(d)) {}
  bool ShouldFilterTableFileCreation(rocksdb::TableFileCreationReason reason) const override {
    return reason == rocksdb::TableFileCreationReason::kFlush ||
           reason == rocksdb::TableFileCreationReason::kCompaction;
  }
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context&) override {
    auto l = d_->get();
    if (l->empty()) return nullptr;
    return std::make_unique<DroppedTablesFilter>(std::move(l));
  }
  const char* Name() const override { return "holdfast.DroppedTablesFactory"; }

 private:
  std::shared_ptr<DroppedTables> d_;
};
}  // namespace

std::unique_ptr<Engine> Engine::open(const std::string& dir, const EngineOptions& opts) {
  std::unique_ptr<Engine> e(new Engine());
  rocksdb::Options o;
  o.create_if_missing = opts.create_if_missing;
  // WAL files are written into zeros already on disk: a commit's fdatasync then writes the
  // commit's bytes only, not the file's grown size too (zero_filled_wal.h).
  e->group_wait_ = opts.group_wait;
  if (const char* w = std::getenv("HF_GROUP_WAIT_US")) {  // EngineOptions::group_wait
    if (std::string_view(w) == "auto") {
      e->group_wait_.reset();
    } else {
      e->group_wait_ = std::chrono::microseconds(std::strtoll(w, nullptr, 10));
    }
  }
  e->env_ = make_zero_filled_wal_env(opts.env != nullptr ? opts.env : rocksdb::Env::Default());
  o.env = e->env_.get();
  o.IncreaseParallelism(2);
  // RocksDB's informational LOG lines are formatted on hot paths (every WAL sync): keep
  // warnings and errors only.
  o.info_log_level = rocksdb::WARN_LEVEL;
  o.write_buffer_size = opts.write_buffer_bytes;
  o.max_write_buffer_number = 3;
  // Row keys of one keyspace share an 11-byte prefix: bloom filters per prefix for scans,
  // whole-key filters for point gets.
  o.prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(kKeySpacePrefixLen));
  o.memtable_prefix_bloom_size_ratio = 0.05;
  o.memtable_whole_key_filtering = true;
  // The memtable (storage/memtable.h): our skip list, whose key order is inlined, instead of
  // the library's, which this librocksdb build runs with its assertions (about three times the
  // key comparisons, each through two virtual calls and a thread-local check). It takes one
  // writer at a time: a write group's leader inserts every batch of the group.
  o.allow_concurrent_memtable_write = false;
  if (opts.own_memtable && std::getenv("HF_ROCKSDB_MEMTABLE") == nullptr) {
    o.memtable_factory.reset(new_bytewise_skiplist_factory());
  } else {
    // Batches (a commit, a bulk load) insert many keys of one keyspace in key order: with a
    // per-prefix insert hint the library's memtable skips most of its skiplist search for
    // them (it ignores the hint under concurrent memtable writes).
    o.memtable_insert_with_hint_prefix_extractor.reset(
        rocksdb::NewCappedPrefixTransform(kKeySpacePrefixLen));
  }
  // Queue tables are inserted at one end and deleted (then pruned) at the other: an SST whose
  // entries are mostly deletions is compacted soon, so the tombstones go and scans stop
  // stepping over them (deletion-triggered compaction: 1,024 deletions among any 4,096
  // consecutive entries, or half the file).
  o.table_properties_collector_factories.emplace_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(4096, 1024, 0.5));
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(opts.block_cache_bytes);
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  t.whole_key_filtering = true;
  // Index and filter blocks live in the block cache (memory stays bounded as data grows),
  // partitioned into 4 KB pieces under a pinned top level. A whole-file filter is ~1.25 bytes
  // per key: for a 50 MB file several MB, more than one shard of a 256 MB cache (64 shards),
  // so every other block read evicted it and every point read — each INSERT's uniqueness
  // check — re-read and re-parsed it from the file (a 1M-row COPY went from 8 s to 500 s as
  // the files grew). A partition is one small block like any other.
  t.cache_index_and_filter_blocks = true;
  t.cache_index_and_filter_blocks_with_high_priority = true;
  t.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  t.partition_filters = true;
  t.metadata_block_size = 4096;
  t.pin_top_level_index_and_filter = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.format_version = 5;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  // LZ4 for the upper levels when compiled in; the bottom level too (cheap, good ratio).
  auto supported = rocksdb::GetSupportedCompressions();
  bool lz4 = false;
  for (auto c : supported) lz4 |= (c == rocksdb::kLZ4Compression);
  o.compression = lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
  // The WAL is the only durability mechanism (no 2PC in RocksDB, no per-write sync).
  // manual_wal_flush off: every Write() hands its WAL record to the OS before it returns,
  // which group_sync() relies on.
  o.manual_wal_flush = false;
  // (recycle_log_file_num would reuse WAL files in place, but RocksDB switches it off under
  // the default kPointInTimeRecovery: zero_filled_wal.h does that job.)
  o.avoid_flush_during_shutdown = false;

  // The engine outlives the database (~Engine closes it first), so the listener's pointer
  // stays valid for every callback.
  o.listeners.push_back(std::make_shared<StallListener>(&e->stalled_));
  e->dropped_ = std::make_shared<DroppedTables>();
  o.compaction_filter_factory = std::make_shared<DroppedTablesFilterFactory>(e->dropped_);

  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(o, dir, &raw);
  if (!s.ok()) fail(s, "open");
  e->db_.reset(raw);
  e->dir_ = dir;
  e->options_ = o;
  // The tables dropped before this boot (compactions that started before this simply keep
  // their keys for a later one).
  std::string lo = meta_key(kDroppedMeta);
  auto it = e->iterate(lo, prefix_successor(lo), /*total_order=*/true);
  for (it->first(); (*it)->Valid(); (*it)->Next()) {
    std::string_view k((*it)->key().data(), (*it)->key().size());
    if (k.size() == lo.size() + 4) e->dropped_->add(get_u32(k, lo.size()));
  }
  return e;
}

void Engine::drop_table(uint32_t table_id) {
  if (!dropped_->add(table_id)) return;
  std::string k = meta_key(kDroppedMeta);
  put_u32(k, table_id);
  put(k, "", Durability::kWal);  // lost: the keys stay, unreachable
}

bool Engine::compact_soon(const std::string& lo, const std::string& hi, uint64_t min_bytes) {
  // A small range is left to the compactions that come anyway: marking the files around it
  // would rewrite far more than it frees (every DROP of a temporary table would).
  if (file_bytes(lo, hi) < min_bytes) return false;
  rocksdb::Slice b(lo), e(hi);
  rocksdb::experimental::SuggestCompactRange(db_.get(), &b, &e).PermitUncheckedError();
  return true;
}

uint64_t Engine::file_bytes(const std::string& lo, const std::string& hi) {
  rocksdb::Range r(lo, hi);
  uint64_t size = 0;
  rocksdb::SizeApproximationOptions so;
  so.include_files = true;
  so.include_memtables = false;
  if (!db_->GetApproximateSizes(so, db_->DefaultColumnFamily(), &r, 1, &size).ok()) return 0;
  return size;
}

size_t Engine::dropped_tables() const {
  return dropped_->get()->size();
}

std::unique_ptr<Engine::FileLoad> Engine::begin_file_load() {
  std::unique_ptr<FileLoad> f(new FileLoad());
  f->engine_ = this;
  // In the database's directory (one file system: ingestion moves the file, no copy). A
  // crash leaves at most such a file behind, which a later FileLoad of that name overwrites;
  // RocksDB ignores files it does not know.
  f->path_ = dir_ + "/hf-load-" + std::to_string(next_file_load_.fetch_add(1)) + ".sst";
  f->writer_ = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(options_), options_);
  auto s = f->writer_->Open(f->path_);
  if (!s.ok()) fail(s, "file load open");
  return f;
}

void Engine::FileLoad::put(std::string_view key, std::string_view value) {
  auto s = writer_->Put(rocksdb::Slice(key.data(), key.size()),
                        rocksdb::Slice(value.data(), value.size()));
  if (!s.ok()) fail(s, "file load put");
  ++entries_;
}

void Engine::FileLoad::finish() {
  if (!writer_) return;
  if (entries_ == 0) {
    writer_.reset();
    std::remove(path_.c_str());
    return;
  }
  auto s = writer_->Finish();
  writer_.reset();
  if (!s.ok()) {
    std::remove(path_.c_str());
    fail(s, "file load finish");
  }
  rocksdb::IngestExternalFileOptions io;
  io.move_files = true;
  s = engine_->db_->IngestExternalFile({path_}, io);
  if (!s.ok()) {
    std::remove(path_.c_str());
    fail(s, "file load ingest");
  }
  entries_ = 0;
}

Engine::FileLoad::~FileLoad() {
  if (writer_) {
    writer_.reset();
    std::remove(path_.c_str());
  }
}

Engine::~Engine() {
  {
    std::lock_guard g(sync_mu_);
    sync_thread_stop_ = true;
  }
  sync_thread_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  if (db_) {
    db_->FlushWAL(true).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }
}

namespace {
// RocksDB counts per-thread perf statistics unless told not to (its default level counts):
// every key comparison of a memtable insert or lookup then reaches its thread-local
// PerfContext through __tls_get_addr (librocksdb is a shared library): ~6% of a pgbench
// TPC-B transaction's instructions (bench/engine/statement_bench.cc). Nothing reads those
// counters outside tests, so each thread turns them off on its first call (a test that
// reads them sets the level it needs after that).
void perf_counters_off() {
  thread_local const bool off = (rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable), true);
  (void)off;
}
}  // namespace

bool Engine::get(std::string_view key, std::string* value) {
  perf_counters_off();
  rocksdb::ReadOptions ro;
  ro.verify_checksums = false;
  rocksdb::PinnableSlice ps;
  auto s = db_->Get(ro, db_->DefaultColumnFamily(), rocksdb::Slice(key.data(), key.size()), &ps);
  if (s.IsNotFound()) return false;
  if (!s.ok()) fail(s, "get");
  value->assign(ps.data(), ps.size());
  return true;
}

namespace {
struct InFlight {  // counts a synced write or sync() as under way until it returns or throws
  explicit InFlight(std::atomic<int>* n) : n(n) {
    if (n) n->fetch_add(1, std::memory_order_acq_rel);
  }
  ~InFlight() {
    if (n) n->fetch_sub(1, std::memory_order_acq_rel);
  }
  std::atomic<int>* n;
};
}  // namespace

void Engine::write(rocksdb::WriteBatch& batch, Durability d) {
  // Never WriteOptions::sync: RocksDB would fsync inside its write group, and every write
  // queued behind that group, synced or not, would wait for the fsync. A synced write is an
  // unsynced one (the WAL append) followed by group_sync() (the fsync, outside the queue).
  const bool synced = d == Durability::kSynced;
  InFlight mark(synced ? &syncing_ : nullptr);
  append(batch, d);
  if (synced) group_sync();
}

void Engine::append(rocksdb::WriteBatch& batch, Durability d) {
  perf_counters_off();
  rocksdb::WriteOptions wo;
  wo.disableWAL = d == Durability::kNoWal;
  writes_.fetch_add(1, std::memory_order_relaxed);
  if (d == Durability::kSynced) synced_writes_.fetch_add(1, std::memory_order_relaxed);
  auto s = db_->Write(wo, &batch);
  if (!s.ok()) fail(s, "write");
}

void Engine::sync() {
  InFlight mark(&syncing_);
  group_sync();
}

void Engine::group_sync() {
  // Why this is enough (checked against RocksDB 7.8): with manual_wal_flush off, Write()
  // hands its WAL record to the OS (log::Writer::AddRecord flushes the file writer) before
  // it returns. FlushWAL(true) is then SyncWAL(): under the log mutex it picks every live
  // WAL up to the current one, fdatasyncs them without blocking writers
  // (WritableFileWriter::SyncWithoutFlush; PosixWritableFile is sync-thread-safe), and
  // fsyncs the WAL directory if a WAL was created since the last sync. A WAL that left
  // the live list earlier was fully synced or its memtable is flushed to synced SSTs. So
  // a WAL sync started after a write returned covers that write.
  std::unique_lock g(sync_mu_);
  // Every sync numbered above syncs_started_ starts after this point, hence after the
  // caller's writes returned: the next one is the one this caller needs.
  const uint64_t need = syncs_started_ + 1;
  while (syncs_done_ < need && sync_failed_at_ == 0) {
    if (sync_leading_) {
      sync_cv_.wait(g);
      continue;
    }
    lead_sync(g);
  }
  check_sync(need);
}

void Engine::lead_sync(std::unique_lock<std::mutex>& g) {
  if (syncing_.load(std::memory_order_acquire) > 1) {  // others wait for WAL syncs too
    contended_until_ = std::chrono::steady_clock::now() + kContendedFor;
  }
  sync_leading_ = true;
  const uint64_t n = ++syncs_started_;
  g.unlock();
  const auto started = std::chrono::steady_clock::now();
  rocksdb::Status s = db_->FlushWAL(true);
  const auto took = std::chrono::steady_clock::now() - started;
  add_wait(wait_stats().fsync_us, wait_stats().fsync_n, started);
  // The group wait's default bound follows the device: an average over the last ~8 syncs.
  const auto ns = static_cast<uint64_t>(std::chrono::nanoseconds(took).count());
  const uint64_t avg = fsync_avg_ns_.load(std::memory_order_relaxed);
  fsync_avg_ns_.store(avg == 0 ? ns : avg - avg / 8 + ns / 8, std::memory_order_relaxed);
  wal_syncs_.fetch_add(1, std::memory_order_relaxed);
  g.lock();
  sync_leading_ = false;
  if (!s.ok() && sync_failed_at_ == 0) {
    sync_failed_at_ = n;
    sync_error_ = s.ToString();
  }
  syncs_done_ = n;
  sync_cv_.notify_all();
  if (!sync_waiters_.empty()) sync_thread_cv_.notify_one();
}

void Engine::sync_then(std::function<void(std::exception_ptr)> done) {
  {
    std::lock_guard g(sync_mu_);
    if (!sync_thread_stop_) {
      if (!sync_thread_.joinable()) sync_thread_ = std::thread([this] { sync_loop(); });
      // As in group_sync: the first sync started after this point covers the caller's writes.
      sync_waiters_.push_back({syncs_started_ + 1, std::move(done)});
      syncing_.fetch_add(1, std::memory_order_acq_rel);  // until done is called (sync_loop)
      sync_thread_cv_.notify_one();
      return;
    }
  }
  // The engine is closing: its sync thread has answered its last callback.
  done(std::make_exception_ptr(
      SqlError(sqlstate::kInternalError, "storage closed before the WAL sync")));
}

void Engine::sync_loop() {
  std::unique_lock g(sync_mu_);
  for (;;) {
    // Hand every callback whose sync has finished (or failed) its answer, outside the mutex.
    std::vector<std::pair<SyncWaiter, std::exception_ptr>> ready;
    while (!sync_waiters_.empty() &&
           (sync_waiters_.front().need <= syncs_done_ || sync_failed_at_ != 0)) {
      std::exception_ptr failure;
      try {
        check_sync(sync_waiters_.front().need);
      } catch (...) {
        failure = std::current_exception();
      }
      ready.emplace_back(std::move(sync_waiters_.front()), failure);
      sync_waiters_.pop_front();
    }
    if (!ready.empty()) {
      g.unlock();
      const auto answering = std::chrono::steady_clock::now();
      for (auto& [waiter, failure] : ready) {
        waiter.done(failure);
        syncing_.fetch_sub(1, std::memory_order_acq_rel);
      }
      add_wait(wait_stats().answer_us, wait_stats().answer_n, answering);
      g.lock();
      continue;
    }
    // Closing: every callback still waiting gets its sync first (below), then the thread ends.
    if (sync_thread_stop_ && sync_waiters_.empty()) return;
    if (sync_waiters_.empty() || sync_leading_) {
      // Nothing to sync for, or another caller's sync is under way (its end notifies).
      sync_thread_cv_.wait(g);
      continue;
    }
    wait_for_group(g);
    // A sync() caller may have led one meanwhile (it covers some of the waiters): look again.
    if (sync_leading_ || sync_waiters_.front().need <= syncs_done_) continue;
    lead_sync(g);
  }
}

void Engine::wait_for_group(std::unique_lock<std::mutex>& g) {
  if (open_writers_.load(std::memory_order_acquire) <= 0 || sync_thread_stop_) return;
  const std::chrono::nanoseconds bound =
      group_wait_ ? std::chrono::nanoseconds(*group_wait_)
                  : std::min<std::chrono::nanoseconds>(
                        std::chrono::nanoseconds(fsync_avg_ns_.load(std::memory_order_relaxed) / 2),
                        std::chrono::milliseconds(1));
  if (bound <= std::chrono::nanoseconds::zero()) return;
  const auto deadline = std::chrono::steady_clock::now() + bound;
  group_waiting_.store(true, std::memory_order_seq_cst);
  // Woken by each sync_then() arrival and by the last open writer closing (writer_closed).
  while (open_writers_.load(std::memory_order_seq_cst) > 0 && !sync_thread_stop_ &&
         sync_thread_cv_.wait_until(g, deadline) != std::cv_status::timeout) {
  }
  group_waiting_.store(false, std::memory_order_relaxed);
}

void Engine::writer_closed() {
  // seq_cst with wait_for_group's store/load: either it sees no writer open, or this sees
  // it waiting and wakes it.
  if (open_writers_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
      group_waiting_.load(std::memory_order_seq_cst)) {
    std::lock_guard lk(sync_mu_);
    sync_thread_cv_.notify_all();
  }
}

void Engine::check_sync(uint64_t need) const {
  // A failure after the sync this caller needed (which succeeded) does not concern it.
  if (sync_failed_at_ != 0 && sync_failed_at_ <= need) {
    throw SqlError(sqlstate::kInternalError, "storage WAL sync: " + sync_error_);
  }
}

bool Engine::write_and_sync_if_idle(rocksdb::WriteBatch& batch) {
  InFlight mark(&syncing_);
  append(batch, Durability::kSynced);
  std::unique_lock g(sync_mu_);
  // A sync under way may have started before this write returned: this caller needs the
  // next one, which it must not wait for here (the caller's thread may be an executor).
  if (sync_leading_ || std::chrono::steady_clock::now() < contended_until_) return false;
  lead_sync(g);  // number syncs_started_ + 1: started after the write returned
  check_sync(syncs_started_);
  return true;
}

void Engine::compact_all() {
  rocksdb::FlushOptions fo;
  auto s = db_->Flush(fo);
  if (!s.ok()) fail(s, "flush");
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  // Twice: files a background compaction (deletion-triggered, say) was working on when the
  // first pass started can come out of that pass still holding deletions.
  for (int pass = 0; pass < 2; ++pass) {
    s = db_->CompactRange(co, nullptr, nullptr);
    if (!s.ok()) fail(s, "compact");
  }
}

void Engine::put(std::string_view key, std::string_view value, Durability d) {
  rocksdb::WriteBatch b;
  b.Put(rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()));
  write(b, d);
}

void Engine::del(std::string_view key, Durability d) {
  rocksdb::WriteBatch b;
  b.Delete(rocksdb::Slice(key.data(), key.size()));
  write(b, d);
}

std::unique_ptr<Iter> Engine::iterate(std::string lower, std::string upper, bool total_order,
                                      bool fill_cache) {
  perf_counters_off();
  auto it = std::make_unique<Iter>();
  it->lower_ = std::move(lower);
  it->upper_ = std::move(upper);
  rocksdb::ReadOptions ro;
  ro.verify_checksums = false;
  ro.fill_cache = fill_cache;
  it->lower_slice_ = rocksdb::Slice(it->lower_);
  ro.iterate_lower_bound = &it->lower_slice_;
  if (!it->upper_.empty()) {
    it->upper_slice_ = rocksdb::Slice(it->upper_);
    ro.iterate_upper_bound = &it->upper_slice_;
  }
  if (total_order) {
    ro.total_order_seek = true;
  } else {
    ro.prefix_same_as_start = true;
  }
  it->it_.reset(db_->NewIterator(ro));
  return it;
}

}  // namespace hf::storage
