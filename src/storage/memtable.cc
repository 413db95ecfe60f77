// storage/memtable.cc — a skip list memtable with an inlined internal-key order (memtable.h).
#include "storage/memtable.h"

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <new>
#include <random>

namespace hf::storage {
namespace {

// A length-prefixed slice (RocksDB's varint32 length, then the bytes).
inline const char* decode_prefixed(const char* p, uint32_t* len) {
  uint32_t b = static_cast<unsigned char>(*p);
  if (b < 128) {
    *len = b;
    return p + 1;
  }
  uint32_t v = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    b = static_cast<unsigned char>(*p++);
    v |= (b & 127) << shift;
    if (b < 128) break;
  }
  *len = v;
  return p;
}

inline uint64_t load_fixed64_le(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// RocksDB's internal key order over bytewise user keys: user key ascending, then the trailer
// (sequence << 8 | type) descending. Internal keys are at least 8 bytes (the trailer).
inline int compare_internal(const char* a, size_t alen, const char* b, size_t blen) {
  const size_t au = alen - 8, bu = blen - 8;
  const size_t n = au < bu ? au : bu;
  int r = n == 0 ? 0 : std::memcmp(a, b, n);
  if (r != 0) return r;
  if (au != bu) return au < bu ? -1 : 1;
  const uint64_t at = load_fixed64_le(a + au), bt = load_fixed64_le(b + bu);
  return at > bt ? -1 : at < bt ? 1 : 0;
}

// The internal key of a memtable entry (varint32 length, internal key, value ...).
struct IKey {
  const char* data;
  size_t size;
};
inline IKey entry_key(const char* entry) {
  uint32_t len;
  const char* p = decode_prefixed(entry, &len);
  return {p, len};
}
// The internal key a point read looks for. RocksDB's LookupKey (db/lookup_key.h, which the
// library does not install) begins with `const char* start_`, its memtable key: a
// varint32-prefixed internal key, the format of an entry (7.8.3, as in every version since
// LevelDB). Memtable.DatabaseReadsMatchAMap reads through it.
inline IKey lookup_internal_key(const rocksdb::LookupKey& k) {
  const char* start;
  std::memcpy(&start, static_cast<const void*>(&k), sizeof start);
  return entry_key(start);
}
inline int compare(const char* entry, const IKey& k) {
  IKey e = entry_key(entry);
  return compare_internal(e.data, e.size, k.data, k.size);
}

constexpr int kMaxHeight = 12;
constexpr uint32_t kBranching = 4;

struct Node {
  const char* key;  // the memtable entry, written by RocksDB after Allocate()
  // Links of levels 0 .. height-1 (allocated past the struct's one).
  std::atomic<Node*> next_[1];

  Node* next(int level) { return next_[level].load(std::memory_order_acquire); }
  void set_next(int level, Node* n) { next_[level].store(n, std::memory_order_release); }
  Node* next_relaxed(int level) { return next_[level].load(std::memory_order_relaxed); }
  void set_next_relaxed(int level, Node* n) { next_[level].store(n, std::memory_order_relaxed); }
};

class BytewiseSkipList final : public rocksdb::MemTableRep {
 public:
  explicit BytewiseSkipList(rocksdb::Allocator* allocator)
      : rocksdb::MemTableRep(allocator), rnd_(0xdeadbeef) {
    head_ = new_node(kMaxHeight, nullptr);
    for (int i = 0; i < kMaxHeight; ++i) {
      head_->set_next_relaxed(i, nullptr);
      prev_[i] = head_;
    }
  }

  // The node and the entry in one arena allocation; the node's height is chosen now and kept
  // in the byte before the entry's node pointer is needed (Insert finds it from the handle).
  rocksdb::KeyHandle Allocate(const size_t len, char** buf) override {
    const int height = random_height();
    const size_t links = sizeof(Node) + sizeof(std::atomic<Node*>) * (height - 1);
    char* mem = allocator_->AllocateAligned(links + 1 + len);
    Node* n = new (mem) Node;
    for (int i = 0; i < height; ++i) new (&n->next_[i]) std::atomic<Node*>(nullptr);
    mem[links] = static_cast<char>(height);
    *buf = mem + links + 1;
    n->key = *buf;
    return n;
  }

  void Insert(rocksdb::KeyHandle handle) override { insert(static_cast<Node*>(handle)); }
  bool InsertKey(rocksdb::KeyHandle handle) override { return insert(static_cast<Node*>(handle)); }
  // No hints: a hint's lookup costs more than the search it saves here.
  void InsertWithHint(rocksdb::KeyHandle handle, void**) override {
    insert(static_cast<Node*>(handle));
  }
  bool InsertKeyWithHint(rocksdb::KeyHandle handle, void**) override {
    return insert(static_cast<Node*>(handle));
  }

  bool Contains(const char* entry) const override {
    IKey k = entry_key(entry);
    Node* x = find_greater_or_equal(k);
    return x != nullptr && compare(x->key, k) == 0;
  }

  size_t ApproximateMemoryUsage() override { return 0; }  // all of it is the arena's

  class Iterator final : public rocksdb::MemTableRep::Iterator {
   public:
    explicit Iterator(const BytewiseSkipList* list) : list_(list) {}
    bool Valid() const override { return node_ != nullptr; }
    const char* key() const override { return node_->key; }
    void Next() override { node_ = node_->next(0); }
    void Prev() override {
      node_ = list_->find_less_than(entry_key(node_->key));
      if (node_ == list_->head_) node_ = nullptr;
    }
    void Seek(const rocksdb::Slice& internal_key, const char*) override {
      node_ = list_->find_greater_or_equal(IKey{internal_key.data(), internal_key.size()});
    }
    void SeekForPrev(const rocksdb::Slice& internal_key, const char*) override {
      // The last entry at or before the key.
      IKey k{internal_key.data(), internal_key.size()};
      Node* x = list_->find_greater_or_equal(k);
      if (x != nullptr && compare(x->key, k) == 0) {
        node_ = x;
        return;
      }
      node_ = list_->find_less_than(k);
      if (node_ == list_->head_) node_ = nullptr;
    }
    void SeekToFirst() override { node_ = list_->head_->next(0); }
    void SeekToLast() override {
      node_ = list_->find_last();
      if (node_ == list_->head_) node_ = nullptr;
    }

   private:
    const BytewiseSkipList* list_;
    Node* node_ = nullptr;
  };

  // A point read. RocksDB 7.8.3's default MemTableRep::Get takes an iterator from
  // GetDynamicPrefixIterator() and never deletes it (its own representations all override
  // Get): without this, every point read leaked an Iterator (LeakSanitizer found it).
  void Get(const rocksdb::LookupKey& k, void* callback_args,
           bool (*callback_func)(void* arg, const char* entry)) override {
    const IKey key = lookup_internal_key(k);
    for (Node* x = find_greater_or_equal(key); x != nullptr && callback_func(callback_args, x->key);
         x = x->next(0)) {
    }
  }

  rocksdb::MemTableRep::Iterator* GetIterator(rocksdb::Arena* arena) override {
    if (arena == nullptr) return new Iterator(this);
    // The caller only destroys an arena iterator (the arena frees the memory).
    void* mem = reinterpret_cast<rocksdb::Allocator*>(arena)->AllocateAligned(sizeof(Iterator));
    return new (mem) Iterator(this);
  }

 private:
  Node* new_node(int height, const char* key) {
    const size_t links = sizeof(Node) + sizeof(std::atomic<Node*>) * (height - 1);
    char* mem = allocator_->AllocateAligned(links);
    Node* n = new (mem) Node;
    for (int i = 0; i < height; ++i) new (&n->next_[i]) std::atomic<Node*>(nullptr);
    n->key = key;
    return n;
  }
  static int height_of(Node* n) {
    // Allocate() kept it in the byte before the entry.
    return static_cast<unsigned char>(n->key[-1]);
  }
  int random_height() {
    int h = 1;
    while (h < kMaxHeight && rnd_() % kBranching == 0) ++h;
    return h;
  }
  int max_height() const { return max_height_.load(std::memory_order_relaxed); }

  Node* find_greater_or_equal(const IKey& k) const {
    Node* x = head_;
    int level = max_height() - 1;
    Node* last_bigger = nullptr;  // known >= k: not compared again on the level below
    while (true) {
      Node* next = x->next(level);
      if (next != nullptr && next != last_bigger && compare(next->key, k) < 0) {
        x = next;
        continue;
      }
      if (level == 0) return next;
      last_bigger = next;
      --level;
    }
  }
  // The last node before k (head_ if none).
  Node* find_less_than(const IKey& k) const {
    Node* x = head_;
    int level = max_height() - 1;
    Node* last_bigger = nullptr;
    while (true) {
      Node* next = x->next(level);
      if (next != nullptr && next != last_bigger && compare(next->key, k) < 0) {
        x = next;
        continue;
      }
      if (level == 0) return x;
      last_bigger = next;
      --level;
    }
  }
  Node* find_last() const {
    Node* x = head_;
    int level = max_height() - 1;
    while (true) {
      Node* next = x->next(level);
      if (next != nullptr) {
        x = next;
        continue;
      }
      if (level == 0) return x;
      --level;
    }
  }

  // The single writer. prev_[i]: the node after which the last insert went at level i, kept
  // for the next insert: an entry that sorts right after the last one (a batch in key order,
  // a load) reuses them without a search.
  bool insert(Node* x) {
    const IKey k = entry_key(x->key);
    const int height = height_of(x);
    const int max = max_height();
    Node* after_last = prev_[0]->next_relaxed(0);
    const bool follows_last = (prev_[0] == head_ || compare(prev_[0]->key, k) < 0) &&
                              (after_last == nullptr || compare(after_last->key, k) > 0);
    if (!follows_last) {
      // A full search, keeping each level's predecessor.
      Node* p = head_;
      Node* last_bigger = nullptr;
      for (int level = max - 1; level >= 0;) {
        Node* next = p->next_relaxed(level);
        if (next != nullptr && next != last_bigger && compare(next->key, k) < 0) {
          p = next;
          continue;
        }
        prev_[level] = p;
        last_bigger = next;
        --level;
      }
      Node* at = prev_[0]->next_relaxed(0);
      if (at != nullptr && compare(at->key, k) == 0) return false;  // the same internal key
    }
    if (height > max) {
      for (int i = max; i < height; ++i) prev_[i] = head_;
      // Readers that see the new height before the links find nullptr at the head: fine.
      max_height_.store(height, std::memory_order_relaxed);
    }
    for (int i = 0; i < height; ++i) {
      x->set_next_relaxed(i, prev_[i]->next_relaxed(i));
      prev_[i]->set_next(i, x);  // publishes x with its links and entry
      prev_[i] = x;
    }
    return true;
  }

  Node* head_;
  std::atomic<int> max_height_{1};
  Node* prev_[kMaxHeight];
  std::minstd_rand rnd_;
};

class BytewiseSkipListFactory final : public rocksdb::MemTableRepFactory {
 public:
  using rocksdb::MemTableRepFactory::CreateMemTableRep;
  rocksdb::MemTableRep* CreateMemTableRep(const rocksdb::MemTableRep::KeyComparator&,
                                          rocksdb::Allocator* allocator,
                                          const rocksdb::SliceTransform*,
                                          rocksdb::Logger*) override {
    return new BytewiseSkipList(allocator);
  }
  const char* Name() const override { return "holdfast.BytewiseSkipList"; }
  bool IsInsertConcurrentlySupported() const override { return false; }
  bool CanHandleDuplicatedKey() const override { return true; }
};

}  // namespace

rocksdb::MemTableRepFactory* new_bytewise_skiplist_factory() {
  return new BytewiseSkipListFactory();
}

}  // namespace hf::storage
