// storage/engine.cc — RocksDB options and the write/read wrappers (see engine.h).
#include "storage/engine.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include "common/error.h"
#include "storage/keys.h"

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

std::unique_ptr<Engine> Engine::open(const std::string& dir, const EngineOptions& opts) {
  rocksdb::Options o;
  o.create_if_missing = opts.create_if_missing;
  if (opts.env != nullptr) o.env = opts.env;
  o.IncreaseParallelism(2);
  o.write_buffer_size = opts.write_buffer_bytes;
  o.max_write_buffer_number = 3;
  // Row keys of one keyspace share an 11-byte prefix: bloom filters per prefix for scans,
  // whole-key filters for point gets.
  o.prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(kKeySpacePrefixLen));
  o.memtable_prefix_bloom_size_ratio = 0.05;
  o.memtable_whole_key_filtering = true;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(opts.block_cache_bytes);
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  t.whole_key_filtering = true;
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.format_version = 5;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  // LZ4 for the upper levels when compiled in; the bottom level too (cheap, good ratio).
  auto supported = rocksdb::GetSupportedCompressions();
  bool lz4 = false;
  for (auto c : supported) lz4 |= (c == rocksdb::kLZ4Compression);
  o.compression = lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
  // The WAL is the only durability mechanism (no 2PC in RocksDB, no per-write sync).
  o.manual_wal_flush = false;
  o.avoid_flush_during_shutdown = false;

  std::unique_ptr<Engine> e(new Engine());
  // The engine outlives the database (~Engine closes it first), so the listener's pointer
  // stays valid for every callback.
  o.listeners.push_back(std::make_shared<StallListener>(&e->stalled_));

  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(o, dir, &raw);
  if (!s.ok()) fail(s, "open");
  e->db_.reset(raw);
  return e;
}

Engine::~Engine() {
  if (db_) {
    db_->FlushWAL(true).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }
}

bool Engine::get(std::string_view key, std::string* value) {
  rocksdb::ReadOptions ro;
  ro.verify_checksums = false;
  rocksdb::PinnableSlice ps;
  auto s = db_->Get(ro, db_->DefaultColumnFamily(), rocksdb::Slice(key.data(), key.size()), &ps);
  if (s.IsNotFound()) return false;
  if (!s.ok()) fail(s, "get");
  value->assign(ps.data(), ps.size());
  return true;
}

void Engine::write(rocksdb::WriteBatch& batch, Durability d) {
  rocksdb::WriteOptions wo;
  wo.sync = d == Durability::kSynced;
  wo.disableWAL = d == Durability::kNoWal;
  writes_.fetch_add(1, std::memory_order_relaxed);
  if (wo.sync) synced_writes_.fetch_add(1, std::memory_order_relaxed);
  struct SyncMark {  // counts this synced write as in flight until it returns or throws
    std::atomic<int>* n;
    ~SyncMark() {
      if (n) n->fetch_sub(1, std::memory_order_acq_rel);
    }
  } mark{wo.sync ? &syncing_ : nullptr};
  if (wo.sync) syncing_.fetch_add(1, std::memory_order_acq_rel);
  auto s = db_->Write(wo, &batch);
  if (!s.ok()) fail(s, "write");
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

std::unique_ptr<Iter> Engine::iterate(std::string lower, std::string upper, bool total_order) {
  auto it = std::make_unique<Iter>();
  it->lower_ = std::move(lower);
  it->upper_ = std::move(upper);
  rocksdb::ReadOptions ro;
  ro.verify_checksums = false;
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
