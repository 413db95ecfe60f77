// storage/engine_test.cc — durability flags reach the WAL (a counting Env is the fault seam).
#include "storage/engine.h"

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "storage/keys.h"

namespace hf::storage {
namespace {

std::atomic<int> wal_syncs{0};
std::atomic<bool> hold_wal_sync{false};  // while set, a WAL sync waits (sync_in_flight test)

// Counts Sync/Fsync calls on WAL files (*.log).
class CountingFile : public rocksdb::WritableFileWrapper {
 public:
  CountingFile(std::unique_ptr<rocksdb::WritableFile> f, bool wal)
      : rocksdb::WritableFileWrapper(f.get()), own_(std::move(f)), wal_(wal) {}
  rocksdb::Status Sync() override {
    if (wal_) ++wal_syncs;
    while (wal_ && hold_wal_sync.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return rocksdb::WritableFileWrapper::Sync();
  }
  rocksdb::Status Fsync() override {
    if (wal_) ++wal_syncs;
    return rocksdb::WritableFileWrapper::Fsync();
  }

 private:
  std::unique_ptr<rocksdb::WritableFile> own_;
  bool wal_;
};

class CountingEnv : public rocksdb::EnvWrapper {
 public:
  CountingEnv() : rocksdb::EnvWrapper(rocksdb::Env::Default()) {}
  const char* Name() const override { return "CountingEnv"; }
  rocksdb::Status NewWritableFile(const std::string& f, std::unique_ptr<rocksdb::WritableFile>* r,
                                  const rocksdb::EnvOptions& o) override {
    std::unique_ptr<rocksdb::WritableFile> inner;
    auto s = target()->NewWritableFile(f, &inner, o);
    if (!s.ok()) return s;
    bool wal = f.size() > 4 && f.substr(f.size() - 4) == ".log";
    *r = std::make_unique<CountingFile>(std::move(inner), wal);
    return s;
  }
  rocksdb::Status ReopenWritableFile(const std::string& f,
                                     std::unique_ptr<rocksdb::WritableFile>* r,
                                     const rocksdb::EnvOptions& o) override {
    return NewWritableFile(f, r, o);
  }
};

std::string temp_dir(const char* name);

TEST(Engine, SyncInFlightWhileASyncedWriteWaitsForItsFsync) {
  CountingEnv env;
  auto dir = temp_dir("inflight");
  {
    EngineOptions o;
    o.env = &env;
    auto e = Engine::open(dir, o);
    EXPECT_FALSE(e->sync_in_flight());
    e->put("a", "1", Durability::kWal);
    EXPECT_FALSE(e->sync_in_flight()) << "an unsynced write is never in flight as a sync";
    hold_wal_sync = true;
    std::thread t([&] { e->put(commit_record_key(9), "c", Durability::kSynced); });
    bool seen = false;
    for (int i = 0; i < 5000 && !seen; ++i) {
      seen = e->sync_in_flight();
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(seen);
    hold_wal_sync = false;
    t.join();
    EXPECT_FALSE(e->sync_in_flight());
  }
  std::filesystem::remove_all(dir);
}

std::string temp_dir(const char* name) {
  auto p = std::filesystem::temp_directory_path() /
           (std::string("hf_storage_") + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

TEST(Engine, SyncedWritesSyncTheWalOthersDoNot) {
  CountingEnv env;
  auto dir = temp_dir("sync");
  {
    EngineOptions o;
    o.env = &env;
    auto e = Engine::open(dir, o);
    int base = wal_syncs.load();
    e->put("a", "1", Durability::kWal);
    e->put("b", "2", Durability::kNoWal);
    EXPECT_EQ(wal_syncs.load(), base) << "unsynced writes must not fsync";
    e->put(commit_record_key(7), "c", Durability::kSynced);
    EXPECT_GT(wal_syncs.load(), base) << "the commit record must fsync the WAL";
    EXPECT_EQ(e->synced_writes(), 1u);
    std::string v;
    ASSERT_TRUE(e->get("a", &v));
    EXPECT_EQ(v, "1");
    ASSERT_TRUE(e->get("b", &v));
    EXPECT_FALSE(e->get("zz", &v));
  }
  std::filesystem::remove_all(dir);
}

TEST(Engine, WalWritesSurviveReopen) {
  auto dir = temp_dir("reopen");
  {
    auto e = Engine::open(dir);
    e->put(row_key(1, 2, 0, "k"), "v", Durability::kWal);
    e->put(commit_record_key(1), "r", Durability::kSynced);
  }
  {
    auto e = Engine::open(dir);
    std::string v;
    ASSERT_TRUE(e->get(row_key(1, 2, 0, "k"), &v));
    EXPECT_EQ(v, "v");
  }
  std::filesystem::remove_all(dir);
}

TEST(Engine, PrefixIteratorStaysInKeySpace) {
  auto dir = temp_dir("iter");
  auto e = Engine::open(dir);
  for (int t = 1; t <= 3; ++t) {
    for (char c : std::string("abc"))
      e->put(row_key(0, t, 0, std::string(1, c)), "x", Durability::kNoWal);
  }
  std::string p = keyspace_prefix(kRowPrefix, 0, 2, 0);
  auto it = e->iterate(p, prefix_successor(p));
  std::string seen;
  for (it->first(); (*it)->Valid(); (*it)->Next()) seen += (*it)->key().ToString().back();
  EXPECT_EQ(seen, "abc");
  auto rit = e->iterate(p + "b", prefix_successor(p), true);
  seen.clear();
  for (rit->last(); (*rit)->Valid(); (*rit)->Prev()) seen += (*rit)->key().ToString().back();
  EXPECT_EQ(seen, "cb");
  it.reset();
  rit.reset();
  e.reset();
  std::filesystem::remove_all(dir);
}

TEST(Keys, HistoryKeysSortNewestFirst) {
  std::string rk = row_key(3, 4, 5, "key");
  EXPECT_LT(history_key(rk, 20), history_key(rk, 10));
  EXPECT_EQ(history_key(rk, 1)[0], kHistoryPrefix);
  EXPECT_EQ(get_u16(rk, 1), 3);
  EXPECT_EQ(prefix_successor(std::string("a\xff", 2)), "b");
}

}  // namespace
}  // namespace hf::storage
