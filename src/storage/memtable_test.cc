// storage/memtable_test.cc — the skip list memtable (memtable.h) keeps RocksDB's internal key
// order: directly (entries as RocksDB encodes them, a duplicate refused, readers beside the
// writer) and under a database (random writes, snapshots, every seek, before and after a flush,
// against a std::map).
#include "storage/memtable.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace hf::storage {
namespace {

// Heap memory freed with the allocator (as the memtable's arena does).
class TestAllocator final : public rocksdb::Allocator {
 public:
  char* Allocate(size_t bytes) override { return AllocateAligned(bytes, 0, nullptr); }
  char* AllocateAligned(size_t bytes, size_t, rocksdb::Logger*) override {
    blocks_.emplace_back(new uint64_t[(bytes + 7) / 8]);
    return reinterpret_cast<char*>(blocks_.back().get());
  }
  size_t BlockSize() const override { return 4096; }

 private:
  std::vector<std::unique_ptr<uint64_t[]>> blocks_;
};

void put_varint32(std::string& s, uint32_t v) {
  while (v >= 128) {
    s.push_back(static_cast<char>(v | 128));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
}
std::string internal_key(const std::string& user_key, uint64_t seq, uint8_t type = 1) {
  std::string k = user_key;
  uint64_t trailer = seq << 8 | type;
  char b[8];
  std::memcpy(b, &trailer, 8);  // little-endian (x86, as RocksDB's EncodeFixed64)
  k.append(b, 8);
  return k;
}
// A memtable entry as MemTable::Add writes it.
std::string entry(const std::string& user_key, uint64_t seq, const std::string& value) {
  std::string ik = internal_key(user_key, seq), e;
  put_varint32(e, static_cast<uint32_t>(ik.size()));
  e += ik;
  put_varint32(e, static_cast<uint32_t>(value.size()));
  e += value;
  return e;
}
std::string user_key_of(const char* e) {
  uint32_t len = 0;
  int shift = 0;
  while (true) {
    auto b = static_cast<unsigned char>(*e++);
    len |= (b & 127u) << shift;
    if (b < 128) break;
    shift += 7;
  }
  return std::string(e, len - 8);
}
uint64_t seq_of(const char* e) {
  uint32_t len = 0;
  int shift = 0;
  while (true) {
    auto b = static_cast<unsigned char>(*e++);
    len |= (b & 127u) << shift;
    if (b < 128) break;
    shift += 7;
  }
  uint64_t t;
  std::memcpy(&t, e + len - 8, 8);
  return t >> 8;
}

struct Rep {
  TestAllocator alloc;
  std::unique_ptr<rocksdb::MemTableRepFactory> factory{new_bytewise_skiplist_factory()};
  std::unique_ptr<rocksdb::MemTableRep> rep;
  Rep() {
    struct NoCmp : rocksdb::MemTableRep::KeyComparator {  // the list orders keys itself
      int operator()(const char*, const char*) const override { return 0; }
      int operator()(const char*, const rocksdb::Slice&) const override { return 0; }
    };
    static NoCmp cmp;
    rep.reset(factory->CreateMemTableRep(cmp, &alloc, nullptr, nullptr));
  }
  bool insert(const std::string& e) {
    char* buf = nullptr;
    auto h = rep->Allocate(e.size(), &buf);
    std::memcpy(buf, e.data(), e.size());
    return rep->InsertKey(h);
  }
};

TEST(Memtable, OrdersUserKeysBytewiseThenNewestFirst) {
  Rep r;
  // Sequential (the fast path after the last insert), then at the front and in between; a key
  // that is a prefix of another, keys with bytes >= 0x80, and a user key over 127 bytes (a
  // two-byte length).
  std::vector<std::pair<std::string, uint64_t>> in = {
      {"b", 5},     {"c", 6},      {"d", 7}, {"a", 8}, {"b", 9},
      {"bb", 10},   {"b\xff", 11}, {"", 12}, {"b", 3}, {std::string(200, 'z'), 13},
      {"\x80", 14}, {"ba", 2}};
  for (auto& [k, s] : in) ASSERT_TRUE(r.insert(entry(k, s, "v")));
  std::vector<std::pair<std::string, uint64_t>> want = in;
  std::sort(want.begin(), want.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first < y.first : x.second > y.second;
  });
  std::unique_ptr<rocksdb::MemTableRep::Iterator> it(r.rep->GetIterator(nullptr));
  std::vector<std::pair<std::string, uint64_t>> got;
  for (it->SeekToFirst(); it->Valid(); it->Next())
    got.emplace_back(user_key_of(it->key()), seq_of(it->key()));
  EXPECT_EQ(got, want);
  got.clear();
  for (it->SeekToLast(); it->Valid(); it->Prev())
    got.emplace_back(user_key_of(it->key()), seq_of(it->key()));
  std::reverse(got.begin(), got.end());
  EXPECT_EQ(got, want);
  // Seek: the first entry at or after (user key, seq) in internal order.
  it->Seek(internal_key("b", 6), nullptr);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(user_key_of(it->key()), "b");
  EXPECT_EQ(seq_of(it->key()), 5u);
  it->SeekForPrev(internal_key("b", 6), nullptr);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(seq_of(it->key()), 9u);
  it->SeekForPrev(internal_key("b", 5), nullptr);  // an exact match
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(seq_of(it->key()), 5u);
  it->Seek(internal_key("\xff\xff", 1), nullptr);  // after every key
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(internal_key("", 100), nullptr);  // before everything
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(r.rep->Contains(entry("bb", 10, "").c_str()));
  EXPECT_FALSE(r.rep->Contains(entry("bb", 11, "").c_str()));
}

TEST(Memtable, RefusesADuplicateInternalKey) {
  Rep r;
  ASSERT_TRUE(r.insert(entry("a", 1, "x")));
  ASSERT_TRUE(r.insert(entry("b", 1, "x")));
  EXPECT_FALSE(r.insert(entry("a", 1, "y")));  // after a search
  EXPECT_FALSE(r.insert(entry("b", 1, "y")));  // right after the last insert
  EXPECT_TRUE(r.insert(entry("b", 2, "y")));
  std::unique_ptr<rocksdb::MemTableRep::Iterator> it(r.rep->GetIterator(nullptr));
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(n, 3);
}

TEST(Memtable, ReadersBesideTheWriterSeeOrderedEntries) {
  Rep r;
  std::atomic<bool> done{false};
  std::atomic<long> checked{0};
  auto reader = [&](unsigned seed) {
    std::mt19937 rnd(seed);
    std::unique_ptr<rocksdb::MemTableRep::Iterator> it(r.rep->GetIterator(nullptr));
    while (!done.load()) {
      std::string target = std::to_string(rnd() % 100000);
      it->Seek(internal_key(target, ~uint64_t{0} >> 8), nullptr);
      std::string prev;
      uint64_t prev_seq = 0;
      for (int i = 0; i < 50 && it->Valid(); ++i, it->Next()) {
        std::string k = user_key_of(it->key());
        uint64_t seq = seq_of(it->key());
        ASSERT_GE(k, target);
        // A key written twice: the newer first.
        ASSERT_TRUE(i == 0 || prev < k || (prev == k && prev_seq > seq)) << prev << " then " << k;
        prev = k;
        prev_seq = seq;
        checked.fetch_add(1);
      }
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);
  std::mt19937 rnd(3);
  for (uint64_t s = 1; s <= 100000; ++s)
    ASSERT_TRUE(r.insert(entry(std::to_string(rnd() % 1000000), s, "v")));
  done = true;
  r1.join();
  r2.join();
  EXPECT_GT(checked.load(), 0);
}

// Through RocksDB: every operation of a random workload reads as a std::map says, with a
// snapshot's view kept, in the memtable and after a flush.
TEST(Memtable, DatabaseReadsMatchAMap) {
  auto dir = std::filesystem::temp_directory_path() / ("hf-memtable-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  rocksdb::Options o;
  o.create_if_missing = true;
  o.memtable_factory.reset(new_bytewise_skiplist_factory());
  o.allow_concurrent_memtable_write = false;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, dir.string(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::map<std::string, std::string> now, at_snap;
  std::mt19937 rnd(7);
  auto key = [&] {
    std::string k = std::to_string(rnd() % 3000);
    if (rnd() % 10 == 0) k += std::string(130, 'k');  // long keys: two-byte lengths
    return k;
  };
  const rocksdb::Snapshot* snap = nullptr;
  for (int i = 0; i < 20000; ++i) {
    std::string k = key();
    if (rnd() % 4 == 0) {
      ASSERT_TRUE(db->Delete({}, k).ok());
      now.erase(k);
    } else {
      std::string v = std::to_string(i);
      ASSERT_TRUE(db->Put({}, k, v).ok());
      now[k] = v;
    }
    if (i == 10000) {
      snap = db->GetSnapshot();
      at_snap = now;
    }
  }
  auto check = [&](const rocksdb::Snapshot* s, const std::map<std::string, std::string>& want) {
    rocksdb::ReadOptions ro;
    ro.snapshot = s;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
    auto m = want.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      ASSERT_NE(m, want.end());
      ASSERT_EQ(it->key().ToString(), m->first);
      ASSERT_EQ(it->value().ToString(), m->second);
    }
    ASSERT_EQ(m, want.end());
    auto r = want.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
      ASSERT_NE(r, want.rend());
      ASSERT_EQ(it->key().ToString(), r->first);
    }
    ASSERT_EQ(r, want.rend());
    for (int i = 0; i < 2000; ++i) {
      std::string t = key();
      it->Seek(t);
      auto lb = want.lower_bound(t);
      ASSERT_EQ(it->Valid(), lb != want.end()) << t;
      if (lb != want.end()) {
        ASSERT_EQ(it->key().ToString(), lb->first);
      }
      it->SeekForPrev(t);
      auto ub = want.upper_bound(t);
      ASSERT_EQ(it->Valid(), ub != want.begin()) << t;
      if (ub != want.begin()) {
        ASSERT_EQ(it->key().ToString(), std::prev(ub)->first);
      }
      std::string v;
      auto st = db->Get(ro, t, &v);
      auto f = want.find(t);
      ASSERT_EQ(st.ok(), f != want.end()) << t;
      if (f != want.end()) {
        ASSERT_EQ(v, f->second);
      }
    }
  };
  check(nullptr, now);
  check(snap, at_snap);
  ASSERT_TRUE(db->Flush({}).ok());
  check(nullptr, now);
  check(snap, at_snap);
  db->ReleaseSnapshot(snap);
  db.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hf::storage
