// partition/mvcc/store_test.cc — pruning of dead records and known-empty ranges at the store
// level (no lock table): prune()'s re-check and its exclusion of write_intent().
#include "partition/mvcc/store.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>

#include "runtime/fiber.h"
#include "storage/keys.h"

namespace hf::mvcc {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("hf_store_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    engine_ = storage::Engine::open(dir_);
    store_ = std::make_unique<MvccStore>(engine_.get(), 0, 0);
    store_->set_gc_horizon([this] { return horizon_.load(); });
    store_->set_prune_sink([this](const std::vector<std::string>& rks,
                                  const MvccStore::SeenRecords& seen, std::vector<bool>* out) {
      if (!use_seen_) {
        for (size_t i = 0; i < rks.size(); ++i) (*out)[i] = store_->prune(rks[i], horizon_.load());
        return;
      }
      store_->prune(rks, horizon_.load(), out, seen);
    });
  }
  void TearDown() override {
    store_.reset();
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string rk(const std::string& key) { return store_->row_key(kSpace, key); }
  // One committed write (no locks: the store does not lock).
  Timestamp put(const std::string& key, std::optional<std::string> value) {
    TxnId t = next_txn_++;
    store_->write_intent(t, 0, 1, rk(key), value);
    rocksdb::WriteBatch b;
    Timestamp ts = ++ts_;
    store_->resolve_commit(t, ts, {rk(key)}, b);
    engine_->write(b, storage::Durability::kWal);
    return ts;
  }
  // Rows "a".."last" and "z", then "a".."last" deleted: a queue drained from its front.
  // Returns the last deletion's timestamp.
  Timestamp dead_front(char last) {
    for (char c = 'a'; c <= last; ++c) put(std::string(1, c), "v");
    put("z", "live");
    Timestamp del = 0;
    for (char c = 'a'; c <= last; ++c) del = put(std::string(1, c), std::nullopt);
    return del;
  }
  std::string scan(Timestamp at, const std::string& start = "") {
    ScanRequest req;
    req.space = kSpace;
    req.start = start;
    req.view = ReadView{at, 0, 0};
    std::string seen;
    auto c = store_->scan(req);
    while (auto r = c->next()) seen += r->key;
    return seen;
  }
  bool stored(const std::string& key) {
    std::string v;
    return engine_->get(rk(key), &v);
  }

  const KeySpace kSpace{2001, 0};
  std::string dir_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<MvccStore> store_;
  std::atomic<Timestamp> horizon_{0};
  Timestamp ts_ = 100;
  TxnId next_txn_ = 1;
  bool use_seen_ = false;  // the prune sink passes on what the scan read
};

// The write-after-read record (store.h): a buffered first write of a key this transaction
// just read resolves from the bytes the read returned, without reading the record again —
// unless a commit in the key's keyspace came between the read's snapshot and the write, when
// those bytes may be stale and resolution must read the stored record.
class WriteAfterReadTest : public StoreTest {
 protected:
  // txn reads key at `at`, then writes `value` (buffered, "under its lock") and commits at
  // `commit_ts`, with `between` run after the read. Returns the memtable/SST lookups the
  // commit's resolution made.
  uint64_t read_then_write(TxnId txn, Timestamp at, const std::string& key,
                           const std::string& value, Timestamp commit_ts,
                           const std::function<void()>& between = {}) {
    if (by_scan_) {
      // A scan's first rows are remembered as a get's row is (a queue's claim: an index scan,
      // then the entry found is rewritten).
      ScanRequest req;
      req.space = kSpace;
      req.start = key;
      req.view = ReadView{at, txn, 1};
      auto c = store_->scan(req);
      auto row = c->next();
      EXPECT_TRUE(row && row->key == key);
    } else {
      EXPECT_TRUE(store_->get(kSpace, key, ReadView{at, txn, 1}).has_value());
    }
    if (between) between();
    EXPECT_EQ(store_->buffer_intent(txn, 0, 2, rk(key), value), MvccStore::BufferResult::kBuffered);
    rocksdb::WriteBatch b;
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
    rocksdb::get_perf_context()->Reset();
    store_->resolve_commit(txn, commit_ts, {}, b);
    const uint64_t reads = rocksdb::get_perf_context()->get_from_memtable_count;
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    engine_->write(b, storage::Durability::kWal);
    return reads;
  }
  std::string at(const std::string& key, Timestamp ts) {
    auto r = store_->get(kSpace, key, ReadView{ts, 0, 0});
    return r ? r->value : "(none)";
  }
  bool by_scan_ = false;  // read_then_write reads by a scan starting at the key
};

TEST_F(WriteAfterReadTest, ResolutionReusesTheRecordTheTransactionRead) {
  Timestamp t1 = put("k", "v1");
  EXPECT_EQ(read_then_write(500, t1, "k", "v2", t1 + 1), 0u);
  EXPECT_EQ(at("k", t1), "v1");
  EXPECT_EQ(at("k", t1 + 1), "v2");
}

TEST_F(WriteAfterReadTest, ACommitAfterTheReadMakesResolutionReadTheRecord) {
  Timestamp t1 = put("k", "v1");
  Timestamp t2 = 0;
  // Another transaction's commit lands between the read (snapshot t1) and the write: the
  // bytes read lack its version, which must stay in the history.
  EXPECT_GE(read_then_write(500, t1, "k", "mine", t1 + 2, [&] { t2 = put("k", "v2"); }), 1u);
  ASSERT_EQ(t2, t1 + 1);
  EXPECT_EQ(at("k", t1), "v1");
  EXPECT_EQ(at("k", t2), "v2");
  EXPECT_EQ(at("k", t1 + 2), "mine");
}

// Only a resolution in the key's own slot counts (key_resolved_at()): a queue commits in the
// same keyspace all the time.
TEST_F(WriteAfterReadTest, ACommitOfAnotherKeyKeepsTheRecordRead) {
  Timestamp t1 = put("k", "v1");
  EXPECT_EQ(read_then_write(500, t1, "k", "mine", t1 + 2, [&] { put("other", "x"); }), 0u);
  EXPECT_EQ(at("k", t1), "v1");
  EXPECT_EQ(at("k", t1 + 2), "mine");
}

TEST_F(WriteAfterReadTest, ResolutionReusesTheRecordAScanReturned) {
  by_scan_ = true;
  Timestamp t1 = put("k", "v1");
  EXPECT_EQ(read_then_write(500, t1, "k", "v2", t1 + 1), 0u);
  EXPECT_EQ(at("k", t1), "v1");
  EXPECT_EQ(at("k", t1 + 1), "v2");
}

TEST_F(WriteAfterReadTest, ACommitAfterTheScanMakesResolutionReadTheRecord) {
  by_scan_ = true;
  Timestamp t1 = put("k", "v1");
  Timestamp t2 = 0;
  EXPECT_GE(read_then_write(500, t1, "k", "mine", t1 + 2, [&] { t2 = put("k", "v2"); }), 1u);
  ASSERT_EQ(t2, t1 + 1);
  EXPECT_EQ(at("k", t1), "v1");
  EXPECT_EQ(at("k", t2), "v2");
  EXPECT_EQ(at("k", t1 + 2), "mine");
}

// A second get of a key at the same snapshot by the same transaction reuses the bytes the
// first read (recall_read) ...
TEST_F(WriteAfterReadTest, ASecondGetAtTheSameSnapshotReadsNothing) {
  Timestamp t1 = put("k", "v1");
  const ReadView view{t1, 500, 1};
  ASSERT_TRUE(store_->get(kSpace, "k", view).has_value());
  Timestamp t2 = put("k", "v2");  // after the snapshot: invisible to it either way
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  auto again = store_->get(kSpace, "k", view);
  const uint64_t reads = rocksdb::get_perf_context()->get_from_memtable_count;
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  EXPECT_EQ(reads, 0u);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->value, "v1");
  EXPECT_EQ(at("k", t2), "v2");
  // Another snapshot reads.
  EXPECT_EQ(store_->get(kSpace, "k", ReadView{t2, 500, 1})->value, "v2");
}

// ... but not once the transaction has an intent in storage there: the bytes lack it.
TEST_F(WriteAfterReadTest, AnOwnIntentInStorageMakesTheSecondGetRead) {
  Timestamp t1 = put("k", "v1");
  ASSERT_EQ(store_->get(kSpace, "k", ReadView{t1, 500, 1})->value, "v1");
  store_->write_intent(500, 0, 1, rk("k"), "mine");  // unbuffered (a SERIALIZABLE write, a spill)
  auto again = store_->get(kSpace, "k", ReadView{t1, 500, 2});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->value, "mine");
  EXPECT_TRUE(again->own_write);
}

TEST(PrunableTest, OnlyDeletionsAtOrBelowTheHorizonWithoutLiveIntent) {
  Record r;
  r.has_committed = true;
  r.commit_ts = 10;
  r.deleted = true;
  EXPECT_TRUE(prunable(r, 10, 0));
  EXPECT_FALSE(prunable(r, 9, 0)) << "a snapshot below the deletion may read older versions";
  r.intent_txn = 50;
  r.entries.push_back(IntentEntry{0, 1, false, "v"});
  EXPECT_FALSE(prunable(r, 10, 0)) << "a live intent";
  EXPECT_TRUE(prunable(r, 10, 51)) << "an intent of an earlier boot is dead";
  r.clear_intent();
  r.deleted = false;
  EXPECT_FALSE(prunable(r, 10, 0)) << "live value";
  r.has_committed = false;
  EXPECT_FALSE(prunable(r, 10, 0));
}

// A transaction's write buffer counts as an open writer in the engine (its commit may join a
// group commit, storage/engine.h) from its first buffered write until its resolution hands its
// writes to the commit's batch, or its rollback drops them.
TEST_F(StoreTest, AWriteBufferIsCountedAsAWriterOnlyWhileTheGroupWaitIsOn) {
  ASSERT_FALSE(engine_->counts_writers()) << "the group wait is off by default";
  EXPECT_EQ(store_->buffer_intent(7, 0, 1, rk("a"), std::string("1")),
            MvccStore::BufferResult::kBuffered);
  EXPECT_EQ(engine_->open_writers(), 0) << "nothing waits for the count";
  store_->drop_buffer(7);
  EXPECT_EQ(engine_->open_writers(), 0);
}

TEST_F(StoreTest, AWriteBufferIsAnOpenWriterUntilResolvedOrDropped) {
  // This test's engine with the group wait on (the fixture's has it off, the default).
  store_.reset();
  engine_.reset();
  storage::EngineOptions waits;
  waits.group_wait = std::chrono::microseconds(500);
  engine_ = storage::Engine::open(dir_, waits);
  store_ = std::make_unique<MvccStore>(engine_.get(), 0, 0);
  ASSERT_TRUE(engine_->counts_writers());
  EXPECT_EQ(engine_->open_writers(), 0);
  EXPECT_EQ(store_->buffer_intent(7, 0, 1, rk("a"), std::string("1")),
            MvccStore::BufferResult::kBuffered);
  EXPECT_EQ(store_->buffer_intent(7, 0, 1, rk("b"), std::string("1")),
            MvccStore::BufferResult::kBuffered);
  EXPECT_EQ(store_->buffer_intent(8, 0, 1, rk("c"), std::string("1")),
            MvccStore::BufferResult::kBuffered);
  EXPECT_EQ(engine_->open_writers(), 2) << "one per transaction, not per row";
  rocksdb::WriteBatch b;
  store_->resolve_commit(7, ++ts_, {}, b);
  EXPECT_EQ(engine_->open_writers(), 1) << "resolved: its writes are in the commit's batch";
  store_->drop_buffer(8);
  EXPECT_EQ(engine_->open_writers(), 0);
  EXPECT_EQ(store_->buffer_intent(9, 0, 1, rk("d"), std::string("1")),
            MvccStore::BufferResult::kBuffered);
  store_.reset();
  EXPECT_EQ(engine_->open_writers(), 0) << "a store going away closes its buffers' writers";
}

TEST_F(StoreTest, PruneRechecksTheRecord) {
  put("a", "v");
  Timestamp del = put("a", std::nullopt);
  EXPECT_FALSE(store_->prune(rk("a"), del - 1));
  EXPECT_FALSE(store_->prune(rk("zz"), del)) << "absent";
  EXPECT_TRUE(store_->prune(rk("a"), del));
  EXPECT_FALSE(stored("a"));
  EXPECT_FALSE(store_->prune(rk("a"), del)) << "already gone";
}

TEST_F(StoreTest, ScanClaimsThePrunedPrefixAndLaterScansSkipIt) {
  Timestamp del = dead_front('j');
  horizon_ = del;
  EXPECT_EQ(scan(del), "z");
  auto ranges = store_->empty_ranges();
  ASSERT_EQ(ranges.size(), 1u);
  std::string prefix = rk("");
  EXPECT_EQ(ranges.begin()->first, prefix);
  EXPECT_EQ(ranges.begin()->second, rk("z"));
  EXPECT_EQ(scan(del), "z");
  EXPECT_EQ(scan(del, "c"), "z");
  // A record created inside the range splits it and is seen.
  Timestamp t = put("e", "back");
  EXPECT_EQ(scan(t), "ez");
  EXPECT_EQ(scan(t, "b"), "ez");
  EXPECT_EQ(scan(t, "f"), "z");
  ranges = store_->empty_ranges();
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges.begin()->second, rk("e"));
  EXPECT_EQ(std::next(ranges.begin())->first, rk("e") + '\0');
  // Created in front of the range.
  t = put("0", "front");
  EXPECT_EQ(scan(t), "0ez");
}

// A scan's dead records are pruned from what it read (MvccStore::prune with SeenRecords):
// no point read each, and the claim as before.
TEST_F(StoreTest, PruneDecidesFromWhatTheScanRead) {
  use_seen_ = true;
  Timestamp del = dead_front('j');
  horizon_ = del;
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  EXPECT_EQ(scan(del), "z");
  const uint64_t reads = rocksdb::get_perf_context()->get_from_memtable_count;
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  EXPECT_EQ(reads, 0u);
  for (char c = 'a'; c <= 'j'; ++c) EXPECT_FALSE(stored(std::string(1, c))) << c;
  ASSERT_EQ(store_->empty_ranges().size(), 1u);
  EXPECT_EQ(store_->empty_ranges().begin()->second, rk("z"));
}

// The guard: a commit on a dead record after the scan read it (here it comes back to life)
// raises its keyspace slot above the scan's snapshot, so the prune reads the record again
// and keeps it. Deciding from the scan's bytes would delete a live row.
TEST_F(StoreTest, ACommitAfterTheScanMakesPruneReadTheRecord) {
  use_seen_ = true;
  Timestamp del = dead_front('c');
  horizon_ = del;
  {
    ScanRequest req;
    req.space = kSpace;
    req.view = ReadView{del, 0, 0};
    auto c = store_->scan(req);
    auto row = c->next();  // steps over the dead a..c
    ASSERT_TRUE(row);
    EXPECT_EQ(row->key, "z");
    Timestamp back = put("b", "back");  // committed after the scan's snapshot
    horizon_ = back;
  }  // the cursor prunes here
  EXPECT_FALSE(stored("a"));
  EXPECT_TRUE(stored("b"));
  EXPECT_FALSE(stored("c"));
  EXPECT_EQ(scan(horizon_), "bz");
}

// Bulk-loaded records (issue 8) land inside a known-empty range: the range is forgotten and
// the loaded rows are scanned, at any snapshot (kFrozenTimestamp).
TEST_F(StoreTest, LoadedRecordsEndTheKnownEmptyRangesTheyFallIn) {
  Timestamp del = dead_front('j');
  horizon_ = del;
  EXPECT_EQ(scan(del), "z");
  ASSERT_EQ(store_->empty_ranges().size(), 1u);
  rocksdb::WriteBatch batch;
  std::string first, last;
  store_->load(
      kSpace, {{"c", "x"}, {"f", "y"}},
      [&](const std::string& rk, const std::string& rec) { batch.Put(rk, rec); }, &first, &last);
  EXPECT_EQ(first, rk("c"));
  EXPECT_EQ(last, rk("f"));
  store_->engine().write(batch, storage::Durability::kWal);
  store_->note_created_range(first, last);
  EXPECT_TRUE(store_->empty_ranges().empty());
  EXPECT_EQ(scan(del), "cfz");
  EXPECT_EQ(scan(1), "cf") << "a snapshot older than every commit sees only the loaded rows";
}

TEST_F(StoreTest, RecordCreatedDuringAScanStopsItsClaim) {
  Timestamp del = dead_front('j');
  horizon_ = del;
  ScanRequest req;
  req.space = kSpace;
  req.view = ReadView{del, 0, 0};
  auto c = store_->scan(req);
  auto r = c->next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->key, "z");
  // Created after the cursor's iterator took its snapshot: the cursor cannot see "m", so
  // it must not claim [start, "z") as empty.
  Timestamp t = put("m", "new");
  c.reset();
  EXPECT_TRUE(store_->empty_ranges().empty());
  EXPECT_EQ(scan(t), "mz");
}

TEST_F(StoreTest, ClaimStopsAtTheFirstRecordNotPruned) {
  Timestamp del = dead_front('e');
  // "c" was deleted later than the horizon: it must stay, and so must the claim's end.
  horizon_ = del;
  Timestamp late = put("c", "again");
  Timestamp del_c = put("c", std::nullopt);
  EXPECT_GT(del_c, late);
  EXPECT_EQ(scan(del_c), "z");
  EXPECT_TRUE(stored("c"));
  EXPECT_FALSE(stored("d")) << "pruned, though after the claim's end";
  auto ranges = store_->empty_ranges();
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges.begin()->second, rk("c"));
  EXPECT_EQ(scan(late), "cz") << "a snapshot at `late` still reads c";
  horizon_ = del_c;
  EXPECT_EQ(scan(del_c), "z");
  ranges = store_->empty_ranges();
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges.begin()->second, rk("z")) << "merged with the earlier claim";
}

// prune() and write_intent() on the same key from two threads: an intent is never lost
// (without the stripe mutex, prune's delete could land between write_intent's read and put,
// or after it, erasing the new intent).
TEST_F(StoreTest, PruneNeverErasesAConcurrentIntent) {
  horizon_ = partition_api::kMaxTimestamp - 1;
  put("k", "v0");
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> pruned{0};
  std::thread pruner([&] {
    while (!stop.load()) {
      if (store_->prune(rk("k"), horizon_.load())) ++pruned;
    }
  });
  int lost = 0;
  // Until the pruner has won often enough (it needs the scheduler's help on a loaded box).
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0;
       (i < 4000 || pruned.load() < 20) && lost == 0 && std::chrono::steady_clock::now() < until;
       ++i) {
    TxnId t = next_txn_++;
    std::optional<std::string> value;
    if (i % 2 == 0) value = "v" + std::to_string(i);
    store_->write_intent(t, 0, 1, rk("k"), value);
    std::string buf;
    Record r;
    if (!engine_->get(rk("k"), &buf) || !decode_record(buf, &r) || r.intent_txn != t) ++lost;
    rocksdb::WriteBatch b;
    store_->resolve_commit(t, ++ts_, {rk("k")}, b);
    engine_->write(b, storage::Durability::kWal);
    if (!value) std::this_thread::yield();  // dead now: give the pruner a chance
  }
  stop = true;
  pruner.join();
  EXPECT_EQ(lost, 0);
  EXPECT_GT(pruned.load(), 0u) << "the race was exercised";
}

// On a replicated partition the batch writer parks the writing fiber until its Raft group
// commits the write, while write_intent() holds the key's stripe. Another fiber of the same
// executor writing a key of the same stripe must park too, not block the thread the holder
// needs to resume on: the executor runs one thread here, so a blocking stripe deadlocks it.
TEST_F(StoreTest, AWriterParkedInsideItsStripeLetsItsExecutorRunTheHolder) {
  std::atomic<bool> first{true}, holder_parked{false}, second_started{false};
  std::shared_ptr<runtime::Event> parked;
  std::mutex parked_mu;
  store_->set_batch_writer([&](rocksdb::WriteBatch& batch, storage::Durability d) {
    if (first.exchange(false)) {
      auto ev = runtime::Event::create();
      {
        std::lock_guard g(parked_mu);
        parked = ev;
      }
      holder_parked = true;
      ev->wait();  // a Raft commit in flight
    }
    engine_->write(batch, d);
  });
  const std::string a = rk("a");
  std::string b;
  const auto stripe_of = [](const std::string& k) { return std::hash<std::string>{}(k) % 64; };
  for (int i = 0; b.empty(); ++i)
    if (std::string k = rk("b" + std::to_string(i)); stripe_of(k) == stripe_of(a)) b = k;
  runtime::asio::io_context io;
  auto busy = runtime::asio::make_work_guard(io);  // run() waits for the parked fibers
  std::atomic<int> done{0};
  runtime::Fiber::spawn(io, [&] {
    store_->write_intent(1, 0, 1, a, "va");
    ++done;
  });
  runtime::Fiber::spawn(io, [&] {
    while (!holder_parked) runtime::Fiber::yield();
    second_started = true;
    store_->write_intent(2, 0, 1, b, "vb");
    ++done;
  });
  std::thread executor([&] { io.run(); });
  while (!second_started) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the second reaches the stripe
  {
    std::lock_guard g(parked_mu);
    parked->complete(runtime::WakeReason::kSignalled);  // the group committed the first write
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (done < 2 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (done < 2) {
    // The executor thread is blocked for good on the stripe: nothing can end this process
    // cleanly, so report and leave.
    ADD_FAILURE() << "the second writer blocked the executor the parked holder needs";
    std::fflush(stdout);
    std::_Exit(1);
  }
  busy.reset();
  executor.join();
  std::string buf;
  EXPECT_TRUE(engine_->get(a, &buf));
  EXPECT_TRUE(engine_->get(b, &buf));
}

// A hot row written while an old snapshot holds the horizon back: the record lists only the
// newest versions (each write stays O(1)), old snapshots still read theirs by seeking, and
// when the horizon moves on the unlisted versions are collected too.
TEST_F(StoreTest, HistoryBeyondTheListIsReadAndCollected) {
  auto history_keys = [&](const std::string& key) {
    std::string lo = storage::history_key(rk(key), ~uint64_t{0});
    std::string prefix = lo.substr(0, rk(key).size());
    auto it = engine_->iterate(prefix, storage::prefix_successor(prefix), true);
    int n = 0;
    for (it->first(); (*it)->Valid(); (*it)->Next())
      if ((*it)->key().size() == rk(key).size() + 8) ++n;
    return n;
  };
  horizon_ = 50;  // an old snapshot
  const std::string longer = std::string("k") + "\xff\xff\xff\xff\xff\xff\xff";
  std::vector<Timestamp> ts;
  for (int i = 0; i < 100; ++i) {
    ts.push_back(put("k", "v" + std::to_string(i)));
    if (i % 10 == 0) put(longer, "other" + std::to_string(i));  // interleaved history keys
  }
  std::string buf;
  Record r;
  ASSERT_TRUE(engine_->get(rk("k"), &buf));
  ASSERT_TRUE(decode_record(buf, &r));
  EXPECT_EQ(r.history.size(), kMaxListedHistory);
  EXPECT_TRUE(r.history_more);
  EXPECT_LT(buf.size(), 400u) << "the record does not grow with every write";
  EXPECT_EQ(history_keys("k"), 99);
  for (int i : {0, 5, 40, 66, 67, 68, 98, 99}) {
    auto v = store_->get(kSpace, "k", ReadView{ts[static_cast<size_t>(i)], 0, 0});
    ASSERT_TRUE(v.has_value()) << i;
    EXPECT_EQ(v->value, "v" + std::to_string(i)) << i;
    EXPECT_EQ(v->visible_ts, ts[static_cast<size_t>(i)]) << i;
  }
  EXPECT_FALSE(store_->get(kSpace, "k", ReadView{ts[0] - 1, 0, 0}).has_value());
  auto other = store_->get(kSpace, longer, ReadView{ts[1], 0, 0});
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->value, "other0");

  // The old snapshot ended; the oldest one left reads at ts[40]: unlisted versions below the
  // newest at or below it go, by one bounded scan, and later reads are unchanged.
  horizon_ = ts[40];
  put("k", "next");
  EXPECT_EQ(history_keys("k"), 60) << "v0..v39 collected, v40..v99 kept";
  ASSERT_TRUE(engine_->get(rk("k"), &buf));
  ASSERT_TRUE(decode_record(buf, &r));
  EXPECT_TRUE(r.history_more);
  EXPECT_EQ(r.history_floor, ts[40]);
  for (int i : {40, 41, 66, 67, 99}) {
    auto v = store_->get(kSpace, "k", ReadView{ts[static_cast<size_t>(i)], 0, 0});
    ASSERT_TRUE(v.has_value()) << i;
    EXPECT_EQ(v->value, "v" + std::to_string(i)) << i;
  }

  horizon_ = ts.back() + 1;  // every snapshot sees the newest version
  put("k", "last");
  EXPECT_EQ(history_keys("k"), 1) << "only the newest version at or below the horizon stays";
  ASSERT_TRUE(engine_->get(rk("k"), &buf));
  ASSERT_TRUE(decode_record(buf, &r));
  EXPECT_EQ(r.history.size(), 1u);
  EXPECT_FALSE(r.history_more);
  EXPECT_EQ(history_keys(longer), 9) << "another row's history is not touched";
}

// SSI: a serializable read at an old snapshot reports every commit after it, listed or not.
TEST_F(StoreTest, SerializableReadReportsUnlistedSkippedCommits) {
  struct Sink : partition_api::SsiConflictSink {
    std::vector<Timestamp> commits;
    void read_skipped_intent(TxnId, TxnId) override {}
    void read_skipped_commit(TxnId, Timestamp ts) override { commits.push_back(ts); }
  } sink;
  store_->set_ssi_sink(&sink);
  horizon_ = 50;
  std::vector<Timestamp> ts;
  for (int i = 0; i < 80; ++i) ts.push_back(put("k", "v" + std::to_string(i)));
  ReadView view{ts[9], 777, 0};
  view.serializable = true;
  auto v = store_->get(kSpace, "k", view);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->value, "v9");
  std::sort(sink.commits.begin(), sink.commits.end());
  sink.commits.erase(std::unique(sink.commits.begin(), sink.commits.end()), sink.commits.end());
  EXPECT_EQ(sink.commits, std::vector<Timestamp>(ts.begin() + 10, ts.end()));
}

// Filtered ranges (store.h): a queue's claim rejects the done rows in front of the first
// queued one; the next claim with the same filter starts after them instead of reading them
// again (issue 13: every claim read every done row, so a queue of n jobs cost n^2 reads).
class FilteredTest : public StoreTest {
 protected:
  // Rows returned by a scan with filter "f" at `at` that pass it (value "q": queued), until
  // `want` of them passed; every row returned is added to *returned. own: the view's txn.
  std::string claim(Timestamp at, size_t want = 1, std::string* returned = nullptr, TxnId own = 0) {
    ScanRequest req;
    req.space = kSpace;
    req.view = ReadView{at, own, 2};  // sees its own writes of command 1
    req.filter = "f";
    auto c = store_->scan(req);
    std::string passed;
    while (auto r = c->next()) {
      if (returned) *returned += r->key;
      if (r->value != "q") {
        c->reject();
        continue;
      }
      passed += r->key;
      if (passed.size() == want) break;
    }
    return passed;
  }
  // Rows a..j, a..e done.
  Timestamp done_front() {
    for (char c = 'a'; c <= 'j'; ++c) put(std::string(1, c), "q");
    Timestamp t = 0;
    for (char c = 'a'; c <= 'e'; ++c) t = put(std::string(1, c), "done");
    return t;
  }
};

TEST_F(FilteredTest, AClaimSkipsTheRowsTheLastClaimRejected) {
  Timestamp t = done_front();
  std::string returned;
  EXPECT_EQ(claim(t, 1, &returned), "f");
  EXPECT_EQ(returned, "abcdef");
  auto ranges = store_->filtered_ranges("f");
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges.begin()->first, rk(""));
  EXPECT_EQ(ranges.begin()->second.first, rk("f"));  // up to the row that passed
  EXPECT_EQ(ranges.begin()->second.second, t);
  returned.clear();
  EXPECT_EQ(claim(t, 1, &returned), "f");
  EXPECT_EQ(returned, "f");  // a..e not read again
  // Another filter does not use them.
  ScanRequest req;
  req.space = kSpace;
  req.view = ReadView{t, 0, 0};
  req.filter = "g";
  auto c = store_->scan(req);
  auto r = c->next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->key, "a");
  // Neither does a scan without a filter.
  EXPECT_EQ(scan(t), "abcdefghij");
}

TEST_F(FilteredTest, AWriteInsideARangeSplitsItAndIsSeen) {
  Timestamp t = done_front();
  EXPECT_EQ(claim(t), "f");
  // "c" queued again (a retry): the range is cut around it.
  Timestamp t2 = put("c", "q");
  std::string returned;
  EXPECT_EQ(claim(t2, 1, &returned), "c");
  EXPECT_EQ(returned, "c");
  auto ranges = store_->filtered_ranges("f");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges.begin()->second.first, rk("c"));
  EXPECT_EQ(std::next(ranges.begin())->first, rk("c") + '\0');
}

TEST_F(FilteredTest, AnOlderSnapshotDoesNotUseARangeOfNewerVersions) {
  for (char c = 'a'; c <= 'j'; ++c) put(std::string(1, c), "q");
  Timestamp queued = ts_;
  Timestamp t = 0;
  for (char c = 'a'; c <= 'e'; ++c) t = put(std::string(1, c), "done");
  EXPECT_EQ(claim(t), "f");
  // A snapshot from before the rows were done sees "a" queued.
  std::string returned;
  EXPECT_EQ(claim(queued, 1, &returned), "a");
  EXPECT_EQ(returned, "a");
}

TEST_F(FilteredTest, AWriteDuringTheScanStopsItsRangeThere) {
  Timestamp t = done_front();
  ScanRequest req;
  req.space = kSpace;
  req.view = ReadView{t, 0, 0};
  req.filter = "f";
  auto c = store_->scan(req);
  for (int i = 0; i < 2; ++i) {
    auto r = c->next();
    ASSERT_TRUE(r);
    c->reject();  // "a", "b"
  }
  // Written after the cursor's iterator took its snapshot: the cursor cannot see it.
  Timestamp t2 = put("d", "q");
  while (auto r = c->next()) {
    if (r->value == "q") break;
    c->reject();
  }
  c.reset();
  auto ranges = store_->filtered_ranges("f");
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges.begin()->second.first, rk("d"));
  std::string returned;
  EXPECT_EQ(claim(t2, 1, &returned), "d");
  EXPECT_EQ(returned, "d");  // a..c stay skipped
}

TEST_F(FilteredTest, RowsAnotherTransactionIsWritingEndTheRange) {
  Timestamp t = done_front();
  // "b" has a pending intent of transaction 500 (written to storage, as a spilled buffer).
  store_->write_intent(500, 0, 1, rk("b"), std::string("q"));
  std::string returned;
  EXPECT_EQ(claim(t, 1, &returned), "f");
  auto ranges = store_->filtered_ranges("f");
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges.begin()->second.first, rk("b"));  // the range stops before it
  rocksdb::WriteBatch b;
  std::vector<std::string> written;
  store_->resolve_commit(500, ++ts_, {rk("b")}, b, nullptr, &written);
  engine_->write(b, storage::Durability::kWal);
  store_->note_written(written);
  EXPECT_EQ(claim(ts_), "b");
}

TEST_F(FilteredTest, AViewWithBufferedIntentsOfItsOwnReadsEveryRow) {
  Timestamp t = done_front();
  EXPECT_EQ(claim(t), "f");
  // Transaction 600 queues "c" again in its buffer: its own scan must see it.
  ASSERT_EQ(store_->buffer_intent(600, 0, 1, rk("c"), std::string("q")),
            MvccStore::BufferResult::kBuffered);
  EXPECT_EQ(claim(t, 1, nullptr, 600), "c");
  EXPECT_EQ(claim(t), "f");  // the others still skip
  store_->drop_buffer(600);
}

// A resolution straight from the buffer (a one-phase commit) reports the rows it writes.
TEST_F(FilteredTest, AOnePhaseCommitFromTheBufferCutsTheRange) {
  Timestamp t = done_front();
  EXPECT_EQ(claim(t), "f");
  ASSERT_EQ(store_->buffer_intent(700, 0, 1, rk("b"), std::string("q")),
            MvccStore::BufferResult::kBuffered);
  rocksdb::WriteBatch b;
  std::vector<std::string> created, written;
  store_->resolve_commit(700, ++ts_, {}, b, &created, &written);
  engine_->write(b, storage::Durability::kWal);
  store_->note_written(written);
  EXPECT_EQ(written, std::vector<std::string>{rk("b")});
  EXPECT_EQ(claim(ts_), "b");
}

// Review (issue 13): adversarial cases for filtered ranges.

// A new row inserted from a buffer (no record before: a one-phase commit's insert) into the
// middle of a range is seen by the next claim.
TEST_F(FilteredTest, AnInsertFromTheBufferIntoARangeIsSeen) {
  Timestamp t = done_front();
  EXPECT_EQ(claim(t), "f");
  ASSERT_EQ(store_->buffer_intent(710, 0, 1, rk("cc"), std::string("q"), /*new_key=*/true),
            MvccStore::BufferResult::kBuffered);
  rocksdb::WriteBatch b;
  std::vector<std::string> created, written;
  store_->resolve_commit(710, ++ts_, {}, b, &created, &written);
  engine_->write(b, storage::Durability::kWal);
  store_->note_created(created);
  store_->note_written(written);
  EXPECT_EQ(written, std::vector<std::string>{rk("cc")});
  EXPECT_EQ(claim(ts_, 2), "cc");  // want: characters of keys
}

// A write cuts the ranges of every filter, not only of the one that made them.
TEST_F(FilteredTest, AWriteCutsTheRangesOfEveryFilter) {
  Timestamp t = done_front();
  auto claim_as = [&](const std::string& filter, Timestamp at) {
    ScanRequest req;
    req.space = kSpace;
    req.view = ReadView{at, 0, 0};
    req.filter = filter;
    auto c = store_->scan(req);
    while (auto r = c->next()) {
      if (r->value == "q") return r->key;
      c->reject();
    }
    return std::string();
  };
  EXPECT_EQ(claim_as("f", t), "f");
  EXPECT_EQ(claim_as("g", t), "f");
  Timestamp t2 = put("b", "q");
  EXPECT_EQ(claim_as("f", t2), "b");
  EXPECT_EQ(claim_as("g", t2), "b");
}

// A replica that starts to lead its partition's group (MvccStore::forget_cached, doc/cluster.md
// §4 (e) T1): the filtered ranges go, a scan under way claims nothing when it ends, and the
// resolution watermarks stand at the given timestamp.
TEST_F(FilteredTest, ForgettingWhatTheStoreKnewDropsRangesAndScansUnderWayClaimNothing) {
  Timestamp t = done_front();
  EXPECT_EQ(claim(t), "f");
  ASSERT_FALSE(store_->filtered_ranges("f").empty());
  store_->forget_cached(t + 5);
  EXPECT_TRUE(store_->filtered_ranges("f").empty());
  EXPECT_GE(store_->last_resolved_commit(kSpace), t + 5);
  // A scan that began before and ends after: it stepped over a..e, rejected, but claims none.
  {
    ScanRequest req;
    req.space = kSpace;
    req.view = ReadView{t, 0, 0};
    req.filter = "f";
    auto c = store_->scan(req);
    std::string passed;
    while (auto r = c->next()) {
      if (r->value != "q") {
        c->reject();
        continue;
      }
      passed = r->key;
      break;
    }
    EXPECT_EQ(passed, "f");
    store_->forget_cached(t + 5);
  }
  EXPECT_TRUE(store_->filtered_ranges("f").empty()) << "a watch from before claimed a range";
  EXPECT_EQ(claim(t), "f");  // a scan that begins afterwards learns again
  EXPECT_FALSE(store_->filtered_ranges("f").empty());
}

// A bulk load's rows (note_created_range) inside a range are seen.
TEST_F(FilteredTest, ALoadInsideARangeIsSeen) {
  Timestamp t = done_front();
  EXPECT_EQ(claim(t), "f");
  std::string first, last;
  rocksdb::WriteBatch b;
  store_->load(
      kSpace, {{"bb", "q"}, {"cc", "q"}},
      [&](const std::string& k, const std::string& rec) { b.Put(k, rec); }, &first, &last);
  engine_->write(b, storage::Durability::kWal);
  store_->note_created_range(first, last);
  EXPECT_TRUE(store_->filtered_ranges("f").empty());
  EXPECT_EQ(claim(t, 2), "bb");
}

// A transaction queues "b" again (its buffer) while a claim is under way and has already
// stepped over "b"; it commits (one phase, from the buffer) before the claim ends. The claim's
// range must stop below "b": the next claim, at the commit's timestamp, returns "b".
TEST_F(FilteredTest, ACommitFromTheBufferBehindARunningScanIsSeenNext) {
  Timestamp t = done_front();
  ScanRequest req;
  req.space = kSpace;
  req.view = ReadView{t, 0, 0};
  req.filter = "f";
  auto c = store_->scan(req);
  for (int i = 0; i < 3; ++i) {  // a, b, c rejected
    auto r = c->next();
    ASSERT_TRUE(r);
    c->reject();
  }
  ASSERT_EQ(store_->buffer_intent(720, 0, 1, rk("b"), std::string("q")),
            MvccStore::BufferResult::kBuffered);
  rocksdb::WriteBatch b;
  std::vector<std::string> created, written;
  store_->resolve_commit(720, ++ts_, {}, b, &created, &written);
  engine_->write(b, storage::Durability::kWal);
  store_->note_written(written);
  while (auto r = c->next()) {
    if (r->value == "q") break;
    c->reject();
  }
  c.reset();
  EXPECT_EQ(claim(ts_), "b");
  EXPECT_EQ(claim(t), "f");  // the old snapshot still sees b done
}

// A savepoint rollback of a stored intent in a range leaves the committed row: the claims
// that follow see what a scan without a filter sees.
TEST_F(FilteredTest, ARolledBackIntentLeavesTheCommittedRow) {
  Timestamp t = done_front();
  store_->write_intent(730, 1, 1, rk("c"), std::string("q"));
  EXPECT_EQ(claim(t), "f");
  store_->rollback(730, 1, {rk("c")});
  EXPECT_EQ(claim(t), "f");
  EXPECT_EQ(claim(t), "f");
  Timestamp t2 = put("c", "q");
  EXPECT_EQ(claim(t2), "c");
}

// Rows deleted in front: a snapshot from before the deletions sees them queued even though a
// later claim recorded the range.
TEST_F(FilteredTest, DeletedRowsStaySeenByAnOlderSnapshot) {
  for (char c = 'a'; c <= 'j'; ++c) put(std::string(1, c), "q");
  Timestamp queued = ts_;
  Timestamp del = 0;
  for (char c = 'a'; c <= 'e'; ++c) del = put(std::string(1, c), std::nullopt);
  EXPECT_EQ(claim(del), "f");
  EXPECT_EQ(claim(del), "f");
  EXPECT_EQ(claim(queued), "a");
  // Re-inserted inside the range.
  Timestamp t2 = put("d", "q");
  EXPECT_EQ(claim(t2), "d");
}

// The dead rows in front are pruned by the claim (known-empty) and the rest rejected
// (filtered); a row re-created in either kind of range is seen.
TEST_F(FilteredTest, KnownEmptyAndFilteredRangesTogether) {
  Timestamp del = dead_front('e');  // a..e deleted, z live ("live" fails the filter)
  horizon_ = del + 1;
  for (char c = 'f'; c <= 'h'; ++c) put(std::string(1, c), "done");
  Timestamp t = put("y", "q");
  EXPECT_EQ(claim(t), "y");
  EXPECT_EQ(claim(t), "y");
  Timestamp t2 = put("b", "q");
  EXPECT_EQ(claim(t2), "b");
  Timestamp t3 = put("b", "done");
  EXPECT_EQ(claim(t3), "y");
  Timestamp t4 = put("g", "q");
  EXPECT_EQ(claim(t4), "g");
}

// reject() with no row returned or twice for one row changes nothing.
TEST_F(FilteredTest, ExtraRejectsAreIgnored) {
  Timestamp t = done_front();
  ScanRequest req;
  req.space = kSpace;
  req.view = ReadView{t, 0, 0};
  req.filter = "f";
  {
    auto c = store_->scan(req);
    c->reject();  // nothing returned yet
    auto r = c->next();
    ASSERT_TRUE(r);  // "a", passed (not rejected)
  }
  for (const auto& [lo, r] : store_->filtered_ranges("f")) EXPECT_LE(r.first, rk("a"));
  {
    auto c = store_->scan(req);
    auto r = c->next();  // a
    c->reject();
    c->reject();
    r = c->next();  // b: passed
    ASSERT_TRUE(r);
    EXPECT_EQ(r->key, "b");
  }
  auto ranges = store_->filtered_ranges("f");
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges.begin()->second.first, rk("b"));
}

// Claims racing with writes: one writer queues and finishes random jobs (stored intents, then
// resolution; some one-phase from the buffer), published in timestamp order; claimers at the
// newest published timestamp must find the same first queued job as a scan without a filter
// at that timestamp.
TEST_F(FilteredTest, ClaimsRacingWritesFindWhatAPlainScanFinds) {
  constexpr int kKeys = 120;
  auto key = [](int i) {
    char b[16];  // room for any int: -Wformat-truncation at -O1
    std::snprintf(b, sizeof b, "k%03d", i);
    return std::string(b);
  };
  for (int i = 0; i < kKeys; ++i) put(key(i), i % 17 == 16 ? "q" : "done");
  std::atomic<Timestamp> published{ts_};
  std::atomic<bool> stop{false};
  std::atomic<int> mismatches{0}, claims{0};
  std::atomic<long> plain_rows{0}, filtered_rows{0};  // rows each kind of scan returned
  std::thread writer([&] {
    uint32_t x = 12345;
    Timestamp ts = published.load();
    TxnId txn = 100000;
    for (int n = 0; n < 3000; ++n) {
      x = x * 1103515245 + 12345;
      const std::string k = key(static_cast<int>((x >> 8) % kKeys));
      const std::string v = (x >> 20) % 3 == 0 ? "q" : "done";
      ++txn;
      rocksdb::WriteBatch b;
      std::vector<std::string> created, written;
      if ((x >> 4) % 2 == 0) {
        store_->write_intent(txn, 0, 1, rk(k), v);
        store_->resolve_commit(txn, ++ts, {rk(k)}, b, &created, &written);
      } else {
        if (store_->buffer_intent(txn, 0, 1, rk(k), v) != MvccStore::BufferResult::kBuffered)
          continue;
        store_->resolve_commit(txn, ++ts, {}, b, &created, &written);
      }
      engine_->write(b, storage::Durability::kWal);
      store_->note_created(created);
      store_->note_written(written);
      published.store(ts);
    }
    stop = true;
  });
  auto claimer = [&] {
    while (!stop) {
      const Timestamp at = published.load();
      ScanRequest req;
      req.space = kSpace;
      req.view = ReadView{at, 0, 0};
      std::string want;
      {
        auto c = store_->scan(req);
        while (auto r = c->next()) {
          ++plain_rows;
          if (r->value == "q") {
            want = r->key;
            break;
          }
        }
      }
      req.filter = "f";
      std::string got;
      {
        auto c = store_->scan(req);
        while (auto r = c->next()) {
          ++filtered_rows;
          if (r->value == "q") {
            got = r->key;
            break;
          }
          c->reject();
        }
      }
      ++claims;
      if (got != want) ++mismatches;
    }
  };
  std::thread c1(claimer), c2(claimer);
  writer.join();
  c1.join();
  c2.join();
  EXPECT_GT(claims.load(), 10);
  EXPECT_LT(filtered_rows.load(), plain_rows.load());  // the ranges were used
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace hf::mvcc
