// partition/locks/lock_table.cc — see lock_table.h for the contract and README.md for the
// numbered rules this file implements (G1.. grant, Q1.. queue, W1.. wake, D1.. deadlock).
#include "partition/locks/lock_table.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <functional>
#include <map>
#include <new>
#include <stdexcept>
#include <unordered_set>

namespace hf::locks {

using runtime::Clock;
using runtime::Event;
using runtime::WakeReason;

// ---------------------------------------------------------------------------------------------
// Conflict tables. One row per requested mode; a row lists the held modes it conflicts with.
// The tables are symmetric, as PostgreSQL's are.

namespace {

constexpr uint16_t bit(Mode m) {
  return static_cast<uint16_t>(1u << m);
}

// Row lock strengths (PostgreSQL's LockTupleMode; heapam.c's MultiXactStatus conflicts).
constexpr uint16_t kRowConflicts[row_mode::kCount] = {
    /* 0 KeyShare    (FOR KEY SHARE)     */ bit(3),
    /* 1 Share       (FOR SHARE)         */ bit(2) | bit(3),
    /* 2 NoKeyUpdate (FOR NO KEY UPDATE) */ bit(1) | bit(2) | bit(3),
    /* 3 Update      (FOR UPDATE)        */ bit(0) | bit(1) | bit(2) | bit(3),
};

// Table lock modes 1..8 (PostgreSQL's lock.c LockConflicts; index 0 unused = NoLock).
constexpr uint16_t kTableConflicts[table_mode::kMax + 1] = {
    /* 0 NoLock                 */ 0,
    /* 1 AccessShare            */ bit(8),
    /* 2 RowShare               */ bit(7) | bit(8),
    /* 3 RowExclusive           */ bit(5) | bit(6) | bit(7) | bit(8),
    /* 4 ShareUpdateExclusive   */ bit(4) | bit(5) | bit(6) | bit(7) | bit(8),
    /* 5 Share                  */ bit(3) | bit(4) | bit(6) | bit(7) | bit(8),
    /* 6 ShareRowExclusive      */ bit(3) | bit(4) | bit(5) | bit(6) | bit(7) | bit(8),
    /* 7 Exclusive              */ bit(2) | bit(3) | bit(4) | bit(5) | bit(6) | bit(7) | bit(8),
    /* 8 AccessExclusive        */ bit(1) | bit(2) | bit(3) | bit(4) | bit(5) | bit(6) | bit(7) |
        bit(8),
};

constexpr const char* kTableModeNames[table_mode::kMax + 1] = {
    "INVALID",  // 0 (NoLock never appears in pg_locks)
    "AccessShareLock", "RowShareLock",          "RowExclusiveLock", "ShareUpdateExclusiveLock",
    "ShareLock",       "ShareRowExclusiveLock", "ExclusiveLock",    "AccessExclusiveLock",
};

// pg_locks shows, for a row, the heavyweight tuple lock mode (heapam.c tupleLockExtraInfo).
constexpr Mode kRowToTupleLock[row_mode::kCount] = {
    /* KeyShare    */ table_mode::kAccessShare,
    /* Share       */ table_mode::kRowShare,
    /* NoKeyUpdate */ table_mode::kExclusive,
    /* Update      */ table_mode::kAccessExclusive,
};

constexpr const char* kRowStrengthNames[row_mode::kCount] = {"For Key Share", "For Share",
                                                             "For No Key Update", "For Update"};

uint16_t conflict_mask(LockKind kind, Mode m) {
  if (!valid_mode(kind, m)) return 0xffff;
  return kind == LockKind::kRow ? kRowConflicts[m] : kTableConflicts[m];
}

// Whether a waiter of any valid mode of `kind` conflicts with one of the modes in `modes`
// (a mask of bit(mode)).
bool blocks_every_mode(LockKind kind, uint16_t modes) {
  for (Mode m = 0; m < 16; ++m)
    if (valid_mode(kind, m) && (conflict_mask(kind, m) & modes) == 0) return false;
  return true;
}

std::string be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}

uint64_t from_be64(const std::string& s) {
  uint64_t v = 0;
  for (unsigned char c : s) v = (v << 8) | c;
  return v;
}

}  // namespace

bool valid_mode(LockKind kind, Mode m) {
  if (kind == LockKind::kRow) return m < row_mode::kCount;
  return m >= 1 && m <= table_mode::kMax;
}

bool conflicts(LockKind kind, Mode held, Mode requested) {
  return (conflict_mask(kind, requested) & bit(held & 15)) != 0 || !valid_mode(kind, held);
}

bool at_least_as_strong(LockKind kind, Mode held, Mode wanted) {
  if (held == wanted) return true;
  uint16_t h = conflict_mask(kind, held), w = conflict_mask(kind, wanted);
  return (h & w) == w;
}

const char* mode_name(LockKind kind, Mode m) {
  if (!valid_mode(kind, m)) return "INVALID";
  if (kind == LockKind::kRow) return kTableModeNames[kRowToTupleLock[m]];
  return kTableModeNames[m];
}

const char* row_strength_name(Mode m) {
  return m < row_mode::kCount ? kRowStrengthNames[m] : "INVALID";
}

const char* to_string(AcquireResult r) {
  switch (r) {
    case AcquireResult::kGranted:
      return "granted";
    case AcquireResult::kWouldBlock:
      return "would-block";
    case AcquireResult::kTimeout:
      return "timeout";
    case AcquireResult::kDeadlock:
      return "deadlock";
    case AcquireResult::kCancelled:
      return "cancelled";
    case AcquireResult::kMemoryExceeded:
      return "memory-exceeded";
  }
  return "?";
}

const char* to_string(DeadlockState s) {
  switch (s) {
    case DeadlockState::kNoDeadlock:
      return "no deadlock";
    case DeadlockState::kSoftDeadlock:
      return "soft deadlock";
    case DeadlockState::kHardDeadlock:
      return "hard deadlock";
    case DeadlockState::kNotWaiting:
      return "not waiting";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Tags.

bool LockTag::operator<(const LockTag& o) const {
  if (kind != o.kind) return kind < o.kind;
  if (a != o.a) return a < o.a;
  if (b != o.b) return b < o.b;
  return key < o.key;
}

size_t LockTagHash::operator()(const LockTag& t) const {
  size_t h = std::hash<std::string>()(t.key);
  uint64_t x = (static_cast<uint64_t>(t.a) << 32 | t.b) * 0x9E3779B97F4A7C15ull;
  return h ^ (x + static_cast<size_t>(t.kind) * 0x85EBCA6Bu + (h << 6) + (h >> 2));
}

LockTag row_tag(uint32_t table_id, uint32_t index_id, std::string key) {
  return LockTag{LockKind::kRow, table_id, index_id, std::move(key)};
}
LockTag table_tag(uint32_t table_id) {
  return LockTag{LockKind::kTable, table_id, 0, {}};
}
LockTag advisory_tag(int64_t key) {
  return LockTag{LockKind::kAdvisory, 0, 1, be64(static_cast<uint64_t>(key))};
}
LockTag advisory_tag(int32_t key1, int32_t key2) {
  uint64_t v =
      (static_cast<uint64_t>(static_cast<uint32_t>(key1)) << 32) | static_cast<uint32_t>(key2);
  return LockTag{LockKind::kAdvisory, 0, 2, be64(v)};
}
LockTag transaction_tag(uint64_t txn_id) {
  return LockTag{LockKind::kTransaction, 0, 0, be64(txn_id)};
}

std::string to_string(const LockTag& t) {
  auto printable = [](const std::string& k) {
    for (unsigned char c : k)
      if (c < 0x21 || c > 0x7e) return false;
    return !k.empty();
  };
  auto hex = [](const std::string& k) {
    static const char* d = "0123456789abcdef";
    std::string s = "x";
    for (unsigned char c : k) {
      s += d[c >> 4];
      s += d[c & 15];
    }
    return s;
  };
  switch (t.kind) {
    case LockKind::kRow:
      return "row:" + std::to_string(t.a) + "/" + std::to_string(t.b) + "/" +
             (printable(t.key) ? t.key : hex(t.key));
    case LockKind::kTable:
      return "table:" + std::to_string(t.a);
    case LockKind::kAdvisory:
      if (t.key.size() == 8) {
        uint64_t v = from_be64(t.key);
        if (t.b == 2)
          return "advisory:" + std::to_string(static_cast<int32_t>(v >> 32)) + "," +
                 std::to_string(static_cast<int32_t>(v & 0xffffffffu));
        return "advisory:" + std::to_string(static_cast<int64_t>(v));
      }
      return "advisory:" + hex(t.key);
    case LockKind::kTransaction:
      if (t.key.size() == 8) return "txn:" + std::to_string(from_be64(t.key));
      return "txn:" + hex(t.key);
    case LockKind::kResource:
      return "resource:" + (printable(t.key) ? t.key : hex(t.key));
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Clocks.

namespace {
class RealClock final : public WaitClock {
 public:
  Clock::time_point now() const override { return Clock::now(); }
  WakeReason wait(const std::shared_ptr<Event>& ev, runtime::Deadline until) override {
    return ev->wait(until);
  }
};
}  // namespace

WaitClock* real_clock() {
  static RealClock clock;
  return &clock;
}

// ---------------------------------------------------------------------------------------------
// Structures (all guarded by the owning LockTable's mu_).

struct Hold {
  OwnerId owner;
  OwnerId group;
  SubId sub;
  Mode mode;
  uint32_t count;  // re-entrant holds (advisory locks taken twice need two unlocks)
  OwnerId vertex() const { return group ? group : owner; }
};

struct Waiter {
  OwnerId owner = 0;
  OwnerId group = 0;
  SubId sub = 0;
  Mode mode = 0;
  LockObject* obj = nullptr;
  std::shared_ptr<Event> ev;  // replaced by the waiter after each timer wake-up
  bool granted = false;       // set by whoever granted it (hand-off)
  bool victim = false;        // set by the deadlock check (already removed from the queue)
  Clock::time_point wait_start;
  OwnerId waiter = 0;    // AcquireRequest::waiter: the vertex that waits, if not the holder's
  uint64_t wait_id = 0;  // unique on this node: a peer's check tells this wait from a later one
  OwnerId hold_vertex() const { return group ? group : owner; }
  OwnerId vertex() const { return waiter ? waiter : hold_vertex(); }
};

struct LockObject {
  LockTag tag;
  std::vector<Hold> holds;     // granted holds, any order; (owner, sub, mode) unique
  std::vector<Waiter*> queue;  // waiters in PostgreSQL wait-queue order
  uint32_t row_hash = 0;       // kRow: row_hash() of the tag (its slot in the row index)
};

// A row lock in compact form (README "Row locks: compact and full"): one hold, of `owner`,
// nobody else holding or waiting. Lives in the owner's arena (OwnerRows), key bytes right
// after the record; found through the RowIndex.
struct CompactRow {
  OwnerId owner;
  uint32_t hash;  // row_hash(a, b, key)
  uint32_t a;     // table id
  uint32_t b;     // index id
  SubId sub;
  uint16_t count;    // re-entrant takes (G0); at kMaxCount the row is promoted instead
  uint16_t key_len;  // keys longer than kMaxKey take the full form
  Mode mode;
  bool live;  // false: dropped (its bytes stay in the arena until the owner's arena goes)
  static constexpr uint16_t kMaxCount = 0xffff;
  static constexpr size_t kMaxKey = 0xffff;
  std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), key_len}; }
  // Bytes the record takes in its arena: header and key, rounded up to 8.
  static size_t footprint(size_t key_len) {
    return (sizeof(CompactRow) + key_len + 7) & ~size_t{7};
  }
  size_t footprint() const { return footprint(key_len); }
};
static_assert(sizeof(CompactRow) == 32);

// One owner's compact rows: records appended to chunks (512 bytes first, doubling to 64 KiB),
// never moved except by compact_arena_locked(). Dropped records stay until the arena is
// rebuilt or freed; release_all frees it whole.
struct OwnerRows {
  struct Chunk {
    std::unique_ptr<std::byte[]> mem;
    size_t size = 0;
    size_t used = 0;
  };
  static constexpr size_t kFirstChunk = 512;
  static constexpr size_t kMaxChunk = 64 * 1024;
  std::vector<Chunk> chunks;
  OwnerId group = 0;      // every compact row of the owner has this group
  size_t live = 0;        // live records
  size_t bytes = 0;       // sum of chunk sizes (charged)
  size_t live_bytes = 0;  // footprints of live records

  // Room for a record of n bytes at the end; nullptr if a new chunk is needed.
  void* room(size_t n) {
    if (chunks.empty() || chunks.back().size - chunks.back().used < n) return nullptr;
    return chunks.back().mem.get() + chunks.back().used;
  }
  size_t next_chunk_size(size_t n) const {
    size_t sz = chunks.empty() ? kFirstChunk : std::min(chunks.back().size * 2, kMaxChunk);
    return std::max(sz, n);
  }
  template <typename Fn>
  void for_each(Fn fn) {
    for (Chunk& c : chunks) {
      for (size_t at = 0; at < c.used;) {
        auto* r = reinterpret_cast<CompactRow*>(c.mem.get() + at);
        at += r->footprint();
        fn(r);
      }
    }
  }
};

namespace {
uint32_t row_hash(uint32_t a, uint32_t b, std::string_view key) {
  uint64_t h = std::hash<std::string_view>()(key);
  h ^= (static_cast<uint64_t>(a) << 32 | b) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return static_cast<uint32_t>(h);
}
}  // namespace

// The table's rows by (a, b, key): open addressing with linear probing, power-of-two capacity,
// load at most 3/4 (grown by the table, which charges the array to its LockMemory), deletion
// by backward shift (no tombstones). An entry is a CompactRow* or a LockObject* with bit 0
// set (a row in full form), and in its top 16 bits (unused by x86-64 and AArch64 user-space
// addresses) the top 16 bits of the row's hash: a probe reads the record only when those
// match, so a lookup costs one cache miss in the array and about one in the records.
class RowIndex {
 public:
  using Entry = uint64_t;
  static constexpr Entry kPointer = (Entry{1} << 48) - 2;
  static Entry tag_of(uint32_t hash) { return static_cast<Entry>(hash >> 16) << 48; }
  static Entry of(CompactRow* r) { return reinterpret_cast<uintptr_t>(r) | tag_of(r->hash); }
  static Entry of(LockObject* o) {
    return reinterpret_cast<uintptr_t>(o) | 1 | tag_of(o->row_hash);
  }
  static bool is_full(Entry e) { return e & 1; }
  static CompactRow* compact(Entry e) { return reinterpret_cast<CompactRow*>(e & kPointer); }
  static LockObject* full(Entry e) { return reinterpret_cast<LockObject*>(e & kPointer); }

  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }
  static size_t bytes(size_t capacity) { return capacity * sizeof(Entry); }
  bool needs_grow() const { return (size_ + 1) * 4 > slots_.size() * 3; }
  // The capacity that fits n entries at load <= 3/8 (after a shrink) and at least 64.
  static size_t fitting(size_t n) {
    size_t cap = 64;
    while (cap * 3 < n * 8) cap *= 2;
    return cap;
  }

  Entry find(uint32_t hash, uint32_t a, uint32_t b, std::string_view key) const {
    if (slots_.empty()) return 0;
    size_t mask = slots_.size() - 1;
    const Entry tag = tag_of(hash);
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Entry e = slots_[i];
      if (e == 0) return 0;
      if ((e & ~(kPointer | 1)) == tag && matches(e, hash, a, b, key)) return e;
    }
  }
  // A hint: the slot a lookup of hash starts at is about to be read.
  void prefetch(uint32_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }
  // REQUIRES: not present, !needs_grow().
  void insert(uint32_t hash, Entry e) {
    size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = e;
    ++size_;
  }
  // Replaces the entry `was` (present) by `now`; both hash to `hash`.
  void replace(uint32_t hash, Entry was, Entry now) { slots_[slot_of(hash, was)] = now; }
  void erase(uint32_t hash, Entry e) {
    size_t mask = slots_.size() - 1;
    size_t hole = slot_of(hash, e);
    // Backward shift: move up every later entry of the run that may live at the hole.
    for (size_t j = (hole + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
      size_t home = hash_of(slots_[j]) & mask;
      bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = 0;
    --size_;
  }
  void rehash(size_t capacity) {
    std::vector<Entry> old(capacity, 0);
    old.swap(slots_);
    size_ = 0;
    for (Entry e : old)
      if (e != 0) insert(hash_of(e), e);
  }

 private:
  static uint32_t hash_of(Entry e) { return is_full(e) ? full(e)->row_hash : compact(e)->hash; }
  static bool matches(Entry e, uint32_t hash, uint32_t a, uint32_t b, std::string_view key) {
    if (is_full(e)) {
      const LockObject* o = full(e);
      return o->row_hash == hash && o->tag.a == a && o->tag.b == b && o->tag.key == key;
    }
    const CompactRow* r = compact(e);
    return r->hash == hash && r->a == a && r->b == b && r->key() == key;
  }
  size_t slot_of(uint32_t hash, Entry e) const {
    size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (slots_[i] != e) i = (i + 1) & mask;
    return i;
  }
  std::vector<Entry> slots_;
  size_t size_ = 0;
};

// One lock request as the grant rules see it (from acquire() or acquire_rows()).
struct LockTable::Ask {
  LockKind kind;
  uint32_t a;
  uint32_t b;
  std::string_view key;
  const LockTag* tag;  // the same as a tag, or nullptr (then built when needed)
  Mode mode;
  OwnerId owner;
  OwnerId group;
  SubId sub;
  WaitPolicy policy;
  bool overtake;
  uint32_t hash = 0;  // kRow: row_hash(a, b, key) when the caller has it, else 0
  LockTag make_tag() const { return tag ? *tag : LockTag{kind, a, b, std::string(key)}; }
};

bool LockMemory::try_charge(size_t n) {
  size_t cur = used_.load(std::memory_order_relaxed);
  do {
    if (limit_ != 0 && cur + n > limit_) return false;
  } while (!used_.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
  return true;
}

namespace {
bool same_vertex(OwnerId owner, OwnerId group, const Hold& h) {
  return h.owner == owner || (group != 0 && h.group == group);
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// LockTable.

LockTable::LockTable(WaitGraph* graph, size_t max_locks, WaitClock* clock, LockMemory* memory)
    : graph_(graph),
      max_locks_(max_locks),
      memory_(memory),
      clock_(clock ? clock : real_clock()),
      rows_(std::make_unique<RowIndex>()) {
  if (!graph_) {
    own_graph_ = std::make_unique<WaitGraph>();
    graph_ = own_graph_.get();
  }
  if (!memory_) {
    own_memory_ = std::make_unique<LockMemory>();
    memory_ = own_memory_.get();
  }
  graph_->add(this);
}

LockTable::~LockTable() {
  graph_->remove(this);
  memory_->uncharge(charged_);
}

bool LockTable::charge_locked(size_t n, bool force) {
  if (force) {
    memory_->charge(n);
  } else if (!memory_->try_charge(n)) {
    return false;
  }
  charged_ += n;
  return true;
}

void LockTable::uncharge_locked(size_t n) {
  memory_->uncharge(n);
  charged_ -= n;
}

void LockTable::find_row_locked(uint32_t hash, uint32_t a, uint32_t b, std::string_view key,
                                CompactRow** compact, LockObject** full) const {
  *compact = nullptr;
  *full = nullptr;
  RowIndex::Entry e = rows_->find(hash, a, b, key);
  if (e == 0) return;
  if (RowIndex::is_full(e)) {
    *full = RowIndex::full(e);
  } else {
    *compact = RowIndex::compact(e);
  }
}

bool LockTable::grow_index_locked() {
  if (!rows_->needs_grow()) return true;
  size_t old_cap = rows_->capacity();
  size_t cap = std::max<size_t>(64, old_cap * 2);
  if (!charge_locked(RowIndex::bytes(cap))) return false;
  rows_->rehash(cap);
  uncharge_locked(RowIndex::bytes(old_cap));
  return true;
}

void LockTable::shrink_index_locked() {
  size_t cap = rows_->capacity();
  if (cap <= 64 || rows_->size() * 8 >= cap) return;
  size_t fit = rows_->size() == 0 ? 0 : RowIndex::fitting(rows_->size());
  rows_->rehash(fit);
  uncharge_locked(RowIndex::bytes(cap));
  charge_locked(RowIndex::bytes(fit), /*force=*/true);
}

bool LockTable::add_compact_locked(uint32_t hash, const Ask& ask) {
  if (objects_.size() + compact_count_ >= max_locks_) return false;  // M1
  if (!grow_index_locked()) return false;
  auto& slot = row_owners_[ask.owner];
  if (!slot) {
    slot = std::make_unique<OwnerRows>();
    slot->group = ask.group;
  }
  OwnerRows& rows = *slot;
  size_t n = CompactRow::footprint(ask.key.size());
  void* at = rows.room(n);
  if (!at) {
    size_t sz = rows.next_chunk_size(n);
    if (!charge_locked(sz)) {
      if (rows.live == 0) row_owners_.erase(ask.owner);
      return false;
    }
    rows.chunks.push_back(OwnerRows::Chunk{std::make_unique<std::byte[]>(sz), sz, 0});
    rows.bytes += sz;
    at = rows.chunks.back().mem.get();
  }
  auto* r = new (at)
      CompactRow{ask.owner, hash, ask.a, ask.b, ask.sub, 1, static_cast<uint16_t>(ask.key.size()),
                 ask.mode,  true};
  std::memcpy(r + 1, ask.key.data(), ask.key.size());
  rows.chunks.back().used += n;
  ++rows.live;
  rows.live_bytes += n;
  rows_->insert(hash, RowIndex::of(r));
  ++compact_count_;
  return true;
}

void LockTable::drop_compact_locked(CompactRow* r) {
  rows_->erase(r->hash, RowIndex::of(r));
  r->live = false;
  --compact_count_;
  OwnerRows& rows = *row_owners_.at(r->owner);
  --rows.live;
  rows.live_bytes -= r->footprint();
}

void LockTable::trim_owner_locked(OwnerId owner) {
  auto it = row_owners_.find(owner);
  if (it == row_owners_.end()) return;
  OwnerRows& rows = *it->second;
  if (rows.live == 0) {
    uncharge_locked(rows.bytes);
    row_owners_.erase(it);
    return;
  }
  // Mostly dropped records (savepoints rolled back over and over): copy the live ones into a
  // fresh arena so that the dropped ones do not keep their memory until the owner ends.
  if (rows.bytes <= OwnerRows::kMaxChunk || rows.live_bytes * 2 > rows.bytes) return;
  auto fresh = std::make_unique<OwnerRows>();
  fresh->group = rows.group;
  size_t sz = std::max(rows.live_bytes, OwnerRows::kFirstChunk);
  fresh->chunks.push_back(OwnerRows::Chunk{std::make_unique<std::byte[]>(sz), sz, 0});
  fresh->bytes = sz;
  rows.for_each([&](CompactRow* r) {
    if (!r->live) return;
    size_t n = r->footprint();
    auto* copy = reinterpret_cast<CompactRow*>(fresh->room(n));
    std::memcpy(static_cast<void*>(copy), r, n);
    fresh->chunks.back().used += n;
    ++fresh->live;
    fresh->live_bytes += n;
    rows_->replace(r->hash, RowIndex::of(r), RowIndex::of(copy));
  });
  charge_locked(fresh->bytes, /*force=*/true);
  uncharge_locked(rows.bytes);
  it->second = std::move(fresh);
}

LockObject* LockTable::new_object_locked(const LockTag& tag, uint32_t hash) {
  if (objects_.size() + compact_count_ >= max_locks_) return nullptr;  // M1
  bool row = tag.kind == LockKind::kRow;
  if (row && !grow_index_locked()) return nullptr;
  if (!charge_locked(kFullObjectBytes + tag.key.size())) return nullptr;
  auto obj = std::make_unique<LockObject>();
  obj->tag = tag;
  obj->row_hash = hash;
  LockObject* o = obj.get();
  objects_.emplace(tag, std::move(obj));
  if (row) rows_->insert(hash, RowIndex::of(o));
  return o;
}

LockObject* LockTable::promote_locked(CompactRow* r, bool force) {
  if (!charge_locked(kFullObjectBytes + r->key_len, force)) return nullptr;
  LockTag tag{LockKind::kRow, r->a, r->b, std::string(r->key())};
  auto obj = std::make_unique<LockObject>();
  obj->tag = tag;
  obj->row_hash = r->hash;
  OwnerRows& rows = *row_owners_.at(r->owner);
  obj->holds.push_back(Hold{r->owner, rows.group, r->sub, r->mode, r->count});
  by_owner_[r->owner].insert(tag);
  LockObject* o = obj.get();
  objects_.emplace(std::move(tag), std::move(obj));
  // The slot now names the object; the record is dropped without touching the index.
  rows_->replace(r->hash, RowIndex::of(r), RowIndex::of(o));
  r->live = false;
  --compact_count_;
  --rows.live;
  rows.live_bytes -= r->footprint();
  trim_owner_locked(r->owner);
  return o;
}

// G1: nothing held by another vertex conflicts. (Own holds never conflict.)
bool LockTable::grantable_locked(const LockObject& obj, OwnerId owner, OwnerId group,
                                 Mode mode) const {
  LockKind kind = obj.tag.kind;
  for (const Hold& h : obj.holds) {
    if (!same_vertex(owner, group, h) && conflicts(kind, h.mode, mode)) return false;
  }
  return true;
}

void LockTable::grant_locked(LockObject& obj, OwnerId owner, OwnerId group, SubId sub, Mode mode) {
  for (Hold& h : obj.holds) {
    if (h.owner == owner && h.sub == sub && h.mode == mode) {
      ++h.count;
      return;
    }
  }
  obj.holds.push_back(Hold{owner, group, sub, mode, 1});
  by_owner_[owner].insert(obj.tag);
}

// W1-W3: scan the queue in order; grant every waiter that conflicts neither with a hold of
// another vertex nor with the request of any waiter still ahead of it; wake only those.
// The modes still waiting ahead are kept as a set (a mask of mode bits): once it conflicts
// with every mode of the kind (a FOR UPDATE waiter ahead, one hot row's whole queue), nobody
// further back can be granted and the scan stops. Before, each hand-off compared every waiter
// with every one ahead of it: at 128 waiters for one row, ~8,000 checks under this table's
// mutex per commit, on the path from one holder's release to the next holder's wake-up.
void LockTable::wake_waiters_locked(LockObject& obj) {
  LockKind kind = obj.tag.kind;
  uint16_t ahead = 0;          // bit(mode) of every waiter left in the queue so far
  bool invalid_ahead = false;  // an invalid mode conflicts with everything (conflicts())
  for (size_t i = 0; i < obj.queue.size();) {
    Waiter* w = obj.queue[i];
    ++waiters_examined_;
    const bool blocked_ahead = invalid_ahead || (conflict_mask(kind, w->mode) & ahead) != 0;
    if (!blocked_ahead && grantable_locked(obj, w->owner, w->group, w->mode)) {
      grant_locked(obj, w->owner, w->group, w->sub, w->mode);
      w->granted = true;
      obj.queue.erase(obj.queue.begin() + static_cast<long>(i));
      waiting_.erase(w->owner);
      w->ev->complete(WakeReason::kSignalled);
      continue;
    }
    const uint16_t before = ahead;
    if (valid_mode(kind, w->mode)) {
      ahead |= bit(w->mode);
    } else {
      invalid_ahead = true;
    }
    if (invalid_ahead || (ahead != before && blocks_every_mode(kind, ahead))) return;
    ++i;
  }
}

void LockTable::remove_waiter_locked(LockObject& obj, Waiter* w) {
  auto it = std::find(obj.queue.begin(), obj.queue.end(), w);
  if (it != obj.queue.end()) obj.queue.erase(it);
  auto wit = waiting_.find(w->owner);
  if (wit != waiting_.end() && wit->second == w) waiting_.erase(wit);
  // Leaving the queue can unblock those behind (PostgreSQL: RemoveFromWaitQueue + wakeup).
  wake_waiters_locked(obj);
}

bool LockTable::drop_hold_locked(LockObject& obj, OwnerId owner, Mode mode) {
  // The hold from the latest subtransaction goes first.
  Hold* best = nullptr;
  for (Hold& h : obj.holds) {
    if (h.owner == owner && h.mode == mode && (!best || h.sub > best->sub)) best = &h;
  }
  if (!best) return false;
  if (--best->count == 0) {
    obj.holds.erase(obj.holds.begin() + (best - obj.holds.data()));
    bool still = std::any_of(obj.holds.begin(), obj.holds.end(),
                             [&](const Hold& h) { return h.owner == owner; });
    if (!still) {
      auto it = by_owner_.find(owner);
      if (it != by_owner_.end()) {
        it->second.erase(obj.tag);
        if (it->second.empty()) by_owner_.erase(it);
      }
    }
  }
  return true;
}

void LockTable::maybe_free_locked(const LockTag& tag) {
  auto it = objects_.find(tag);
  if (it == objects_.end() || !it->second->holds.empty() || !it->second->queue.empty()) return;
  LockObject* o = it->second.get();
  if (tag.kind == LockKind::kRow) rows_->erase(o->row_hash, RowIndex::of(o));
  uncharge_locked(kFullObjectBytes + tag.key.size());
  objects_.erase(it);
}

std::optional<AcquireResult> LockTable::try_grant_locked(const Ask& q, bool may_queue,
                                                         LockObject** objp) {
  LockObject* obj = nullptr;
  uint32_t hash = 0;
  if (q.kind == LockKind::kRow) {
    hash = q.hash ? q.hash : row_hash(q.a, q.b, q.key);
    CompactRow* c = nullptr;
    find_row_locked(hash, q.a, q.b, q.key, &c, &obj);
    if (c) {
      // G0 on the compact hold itself: one more count.
      if (c->owner == q.owner && c->mode == q.mode && c->sub == q.sub &&
          c->count < CompactRow::kMaxCount) {
        ++c->count;
        return AcquireResult::kGranted;
      }
      OwnerId holder_group = row_owners_.at(c->owner)->group;
      bool same = c->owner == q.owner || (q.group != 0 && holder_group == q.group);
      if (same || !conflicts(LockKind::kRow, c->mode, q.mode)) {
        // G0/G1 with nobody waiting: a second hold, granted at once, in full form.
        obj = promote_locked(c, /*force=*/false);
        if (!obj) return AcquireResult::kMemoryExceeded;
        grant_locked(*obj, q.owner, q.group, q.sub, q.mode);
        return AcquireResult::kGranted;
      }
      // Conflicts with the holder.
      if (q.policy != WaitPolicy::kBlock) return AcquireResult::kWouldBlock;  // G3
      if (!may_queue) return std::nullopt;
      // A waiter needs the full form; it is charged beyond the limit (M1: requests on
      // existing locks never fail for memory).
      *objp = promote_locked(c, /*force=*/true);
      return std::nullopt;
    }
    if (!obj) {
      // M1: a new lock needs room. Compact if the owner's rows are of this group.
      auto oit = row_owners_.find(q.owner);
      bool compact_ok = q.key.size() <= CompactRow::kMaxKey &&
                        (oit == row_owners_.end() || oit->second->group == q.group);
      if (compact_ok) {
        return add_compact_locked(hash, q) ? AcquireResult::kGranted
                                           : AcquireResult::kMemoryExceeded;
      }
    }
  } else {
    auto it = q.tag ? objects_.find(*q.tag) : objects_.find(q.make_tag());
    if (it != objects_.end()) obj = it->second.get();
  }
  if (!obj) {
    obj = new_object_locked(q.make_tag(), hash);
    if (!obj) return AcquireResult::kMemoryExceeded;
    grant_locked(*obj, q.owner, q.group, q.sub, q.mode);
    return AcquireResult::kGranted;
  }
  *objp = obj;
  LockKind kind = q.kind;
  // G0: a mode the owner already holds is granted again at once, whatever waits (PostgreSQL
  // finds it in its local lock table and never looks at the shared one).
  for (const Hold& h : obj->holds) {
    if (h.owner == q.owner && h.mode == q.mode) {
      grant_locked(*obj, q.owner, q.group, q.sub, q.mode);
      return AcquireResult::kGranted;
    }
  }
  // G2 (PostgreSQL's waitMask): any waiter wanting a conflicting mode makes us wait too.
  bool waiter_conflict = std::any_of(obj->queue.begin(), obj->queue.end(),
                                     [&](Waiter* w) { return conflicts(kind, w->mode, q.mode); });
  if ((!waiter_conflict || q.overtake) && grantable_locked(*obj, q.owner, q.group, q.mode)) {
    grant_locked(*obj, q.owner, q.group, q.sub, q.mode);
    return AcquireResult::kGranted;
  }
  // G3: NOWAIT and SKIP LOCKED fail before any queue jumping (as LockAcquire's dontWait).
  if (q.policy != WaitPolicy::kBlock) return AcquireResult::kWouldBlock;
  return std::nullopt;
}

size_t LockTable::acquire_rows(OwnerId owner, OwnerId group, SubId sub, bool overtake_compatible,
                               const std::vector<RowAsk>& rows, std::vector<AcquireResult>* out) {
  std::lock_guard lk(mu_);
  // The row index is the one random memory access per row: start fetching every row's slot
  // (a hash table larger than the caches costs a miss per lookup otherwise).
  constexpr size_t kAhead = 16;
  std::vector<uint32_t> hashes(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    hashes[i] = row_hash(rows[i].a, rows[i].b, rows[i].key);
    if (i < kAhead) rows_->prefetch(hashes[i]);
  }
  size_t n = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const RowAsk& r = rows[i];
    if (i + kAhead < rows.size()) rows_->prefetch(hashes[i + kAhead]);
    if (!valid_mode(LockKind::kRow, r.mode)) throw std::invalid_argument("invalid lock mode");
    Ask q{LockKind::kRow,      r.a,      r.b, r.key, nullptr, r.mode, owner, group, sub, r.policy,
          overtake_compatible, hashes[i]};
    LockObject* obj = nullptr;
    auto res = try_grant_locked(q, /*may_queue=*/false, &obj);
    if (!res) break;  // it has to queue: the caller's acquire() does that
    out->push_back(*res);
    ++n;
    if (*res == AcquireResult::kMemoryExceeded ||
        (*res == AcquireResult::kWouldBlock && r.policy == WaitPolicy::kNoWait))
      break;
  }
  return n;
}

namespace {
// Tells the request's observer that a wait ended. Declared before the table's unique_lock in
// acquire(), so it runs after the mutex is released.
struct WaitNotice {
  WaitObserver* observer = nullptr;
  bool started = false;
  ~WaitNotice() {
    if (started) observer->wait_ended();
  }
};
}  // namespace

namespace {
std::atomic<uint64_t> next_wait_id{1};  // Waiter::wait_id
}  // namespace

AcquireResult LockTable::acquire(const AcquireRequest& req) {
  if (!valid_mode(req.tag.kind, req.mode)) throw std::invalid_argument("invalid lock mode");
  WaitNotice notice{req.observer};
  std::unique_lock lk(mu_);
  Ask q{req.tag.kind,
        req.tag.a,
        req.tag.b,
        req.tag.key,
        &req.tag,
        req.mode,
        req.owner,
        req.group,
        req.sub,
        req.policy,
        req.overtake_compatible};
  LockObject* objp = nullptr;
  if (auto res = try_grant_locked(q, /*may_queue=*/true, &objp)) return *res;
  LockObject& obj = *objp;
  LockKind kind = req.tag.kind;

  // Q1-Q3 (PostgreSQL's ProcSleep): a requester holding modes on this object goes ahead of
  // the first waiter whose request conflicts with what it holds.
  const OwnerId my_hold_vertex = req.group ? req.group : req.owner;
  const OwnerId my_vertex = req.waiter ? req.waiter : my_hold_vertex;
  std::vector<Mode> my_held;
  for (const Hold& h : obj.holds)
    if (same_vertex(req.owner, req.group, h)) my_held.push_back(h.mode);
  size_t pos = obj.queue.size();
  if (!my_held.empty()) {
    std::vector<Mode> ahead;
    for (size_t i = 0; i < obj.queue.size(); ++i) {
      Waiter* w = obj.queue[i];
      bool blocks_him = std::any_of(my_held.begin(), my_held.end(),
                                    [&](Mode m) { return conflicts(kind, m, w->mode); });
      if (blocks_him) {
        // Q2: he holds something I need too: a deadlock we can report at once.
        for (const Hold& h : obj.holds) {
          if (same_vertex(w->owner, w->group, h) && h.vertex() != my_hold_vertex &&
              conflicts(kind, h.mode, req.mode)) {
            deadlock_reports_[req.owner] = {
                DeadlockEdge{my_vertex, req.tag, req.mode, w->vertex(), h.owner},
                DeadlockEdge{w->vertex(), req.tag, w->mode, my_vertex, req.owner}};
            return AcquireResult::kDeadlock;
          }
        }
        // Q3: nothing ahead of him conflicts and the holds allow it: take it now.
        bool ahead_conflict = std::any_of(ahead.begin(), ahead.end(),
                                          [&](Mode m) { return conflicts(kind, m, req.mode); });
        if (!ahead_conflict && grantable_locked(obj, req.owner, req.group, req.mode)) {
          grant_locked(obj, req.owner, req.group, req.sub, req.mode);
          return AcquireResult::kGranted;
        }
        pos = i;
        break;
      }
      ahead.push_back(w->mode);
    }
  }

  Waiter me;
  me.owner = req.owner;
  me.group = req.group;
  me.sub = req.sub;
  me.mode = req.mode;
  me.waiter = req.waiter;
  me.obj = &obj;
  me.ev = Event::create();
  me.wait_start = clock_->now();
  me.wait_id = next_wait_id.fetch_add(1, std::memory_order_relaxed);
  obj.queue.insert(obj.queue.begin() + static_cast<long>(pos), &me);
  waiting_[req.owner] = &me;

  const auto deadlock_at = me.wait_start + req.deadlock_timeout;
  bool checked = false;
  const bool first_in_queue = pos == 0;
  for (;;) {
    runtime::Deadline until = checked ? req.deadline : std::min(req.deadline, deadlock_at);
    std::shared_ptr<Event> ev = me.ev;
    lk.unlock();
    if (notice.observer && !notice.started) {
      notice.started = true;
      notice.observer->wait_started(kind, first_in_queue);
    }
    if (req.cancel) req.cancel->attach(ev);
    WakeReason r = clock_->wait(ev, until);
    if (req.cancel) req.cancel->detach();
    lk.lock();
    auto now = clock_->now();
    if (me.granted) {
      // Granted concurrently with a timeout or cancel: honour the timeout/cancel and pass
      // the lock on (W4).
      bool timed_out = r == WakeReason::kTimeout && now >= req.deadline;
      if (r == WakeReason::kCancelled || timed_out) {
        drop_hold_locked(obj, req.owner, req.mode);
        wake_waiters_locked(obj);
        maybe_free_locked(req.tag);
        return timed_out ? AcquireResult::kTimeout : AcquireResult::kCancelled;
      }
      return AcquireResult::kGranted;
    }
    if (me.victim) {  // removed from the queue by WaitGraph::check
      maybe_free_locked(req.tag);
      return AcquireResult::kDeadlock;
    }
    if (r == WakeReason::kCancelled || now >= req.deadline) {
      remove_waiter_locked(obj, &me);
      maybe_free_locked(req.tag);
      return r == WakeReason::kCancelled ? AcquireResult::kCancelled : AcquireResult::kTimeout;
    }
    me.ev = Event::create();
    if (!checked && now >= deadlock_at) {
      // D1: the waiter that has waited deadlock_timeout runs the check (once per wait, as
      // PostgreSQL). The graph takes every table mutex itself, in its fixed order.
      checked = true;
      lk.unlock();
      graph_->check(my_vertex);
      lk.lock();
    }
  }
}

bool LockTable::release(const LockTag& tag, OwnerId owner, Mode mode) {
  std::lock_guard lk(mu_);
  LockObject* obj = nullptr;
  if (tag.kind == LockKind::kRow) {
    CompactRow* c = nullptr;
    find_row_locked(row_hash(tag.a, tag.b, tag.key), tag.a, tag.b, tag.key, &c, &obj);
    if (c) {
      if (c->owner != owner || c->mode != mode) return false;
      if (--c->count == 0) {
        drop_compact_locked(c);
        trim_owner_locked(owner);
        shrink_index_locked();
      }
      return true;
    }
  } else {
    auto it = objects_.find(tag);
    if (it != objects_.end()) obj = it->second.get();
  }
  if (!obj) return false;
  if (!drop_hold_locked(*obj, owner, mode)) return false;
  wake_waiters_locked(*obj);
  maybe_free_locked(tag);
  return true;
}

void LockTable::release_all(OwnerId owner) {
  std::lock_guard lk(mu_);
  // Compact rows: nobody waits for them, so they go in any order, with their arena.
  if (auto rit = row_owners_.find(owner); rit != row_owners_.end()) {
    rit->second->for_each([&](CompactRow* r) {
      if (!r->live) return;
      rows_->erase(r->hash, RowIndex::of(r));
      --compact_count_;
    });
    uncharge_locked(rit->second->bytes);
    row_owners_.erase(rit);
  }
  auto bit = by_owner_.find(owner);
  if (bit != by_owner_.end()) {
    std::vector<LockTag> tags(bit->second.begin(), bit->second.end());
    by_owner_.erase(bit);
    std::sort(tags.begin(), tags.end());  // deterministic wake order
    for (const LockTag& tag : tags) {
      auto it = objects_.find(tag);
      if (it == objects_.end()) continue;
      LockObject& obj = *it->second;
      std::erase_if(obj.holds, [&](const Hold& h) { return h.owner == owner; });
      wake_waiters_locked(obj);
      maybe_free_locked(tag);
    }
  }
  shrink_index_locked();
}

void LockTable::release_subtransactions(OwnerId owner, SubId first) {
  std::lock_guard lk(mu_);
  if (auto rit = row_owners_.find(owner); rit != row_owners_.end()) {
    rit->second->for_each([&](CompactRow* r) {
      if (r->live && r->sub >= first) drop_compact_locked(r);
    });
    trim_owner_locked(owner);
  }
  auto bit = by_owner_.find(owner);
  if (bit != by_owner_.end()) {
    std::vector<LockTag> tags(bit->second.begin(), bit->second.end());
    std::sort(tags.begin(), tags.end());
    for (const LockTag& tag : tags) {
      auto it = objects_.find(tag);
      if (it == objects_.end()) continue;
      LockObject& obj = *it->second;
      size_t before = obj.holds.size();
      std::erase_if(obj.holds, [&](const Hold& h) { return h.owner == owner && h.sub >= first; });
      if (obj.holds.size() == before) continue;
      bool still = std::any_of(obj.holds.begin(), obj.holds.end(),
                               [&](const Hold& h) { return h.owner == owner; });
      if (!still) {
        auto oit = by_owner_.find(owner);
        if (oit != by_owner_.end()) {
          oit->second.erase(tag);
          if (oit->second.empty()) by_owner_.erase(oit);
        }
      }
      wake_waiters_locked(obj);
      maybe_free_locked(tag);
    }
  }
  shrink_index_locked();
}

void LockTable::reassign_subtransaction(OwnerId owner, SubId from, SubId to) {
  std::lock_guard lk(mu_);
  if (auto rit = row_owners_.find(owner); rit != row_owners_.end()) {
    rit->second->for_each([&](CompactRow* r) {
      if (r->live && r->sub == from) r->sub = to;
    });
  }
  auto bit = by_owner_.find(owner);
  if (bit == by_owner_.end()) return;
  for (const LockTag& tag : bit->second) {
    auto it = objects_.find(tag);
    if (it == objects_.end()) continue;
    LockObject& obj = *it->second;
    for (size_t i = 0; i < obj.holds.size(); ++i) {
      Hold& h = obj.holds[i];
      if (h.owner != owner || h.sub != from) continue;
      auto target = std::find_if(obj.holds.begin(), obj.holds.end(), [&](const Hold& o) {
        return o.owner == owner && o.sub == to && o.mode == h.mode;
      });
      if (target != obj.holds.end()) {
        target->count += h.count;
        obj.holds.erase(obj.holds.begin() + static_cast<long>(i));
        --i;
      } else {
        h.sub = to;
      }
    }
  }
}

std::vector<LockInfo> LockTable::dump() const {
  std::lock_guard lk(mu_);
  std::vector<LockInfo> out;
  for (const auto& [owner, rows] : row_owners_) {
    OwnerId group = rows->group;
    rows->for_each([&](CompactRow* r) {
      if (r->live)
        out.push_back(LockInfo{row_tag(r->a, r->b, std::string(r->key())),
                               r->owner,
                               r->mode,
                               true,
                               {},
                               r->sub,
                               group,
                               false});
    });
  }
  for (const auto& [tag, obj] : objects_) {
    for (const Hold& h : obj->holds)
      out.push_back(LockInfo{tag, h.owner, h.mode, true, {}, h.sub, h.group, false});
    for (const Waiter* w : obj->queue)
      out.push_back(LockInfo{tag, w->owner, w->mode, false, w->wait_start, w->sub,
                             w->waiter ? w->waiter : w->group, w == obj->queue.front()});
  }
  std::stable_sort(out.begin(), out.end(), [](const LockInfo& x, const LockInfo& y) {
    if (!(x.tag == y.tag)) return x.tag < y.tag;
    if (x.granted != y.granted) return x.granted;
    if (x.granted) {
      if (x.owner != y.owner) return x.owner < y.owner;
      if (x.sub != y.sub) return x.sub < y.sub;
      return x.mode < y.mode;
    }
    return false;  // waiters keep queue order
  });
  return out;
}

bool LockTable::row_held_by_other(uint32_t a, uint32_t b, std::string_view key, OwnerId owner,
                                  OwnerId group, Mode mode) const {
  std::lock_guard lk(mu_);
  CompactRow* c = nullptr;
  LockObject* obj = nullptr;
  find_row_locked(row_hash(a, b, key), a, b, key, &c, &obj);
  if (c) {
    // try_grant_locked's compact case: another vertex's conflicting hold -> kWouldBlock.
    if (c->owner == owner) return false;
    auto it = row_owners_.find(c->owner);
    if (group != 0 && it != row_owners_.end() && it->second->group == group) return false;
    return conflicts(LockKind::kRow, c->mode, mode);
  }
  if (!obj) return false;
  // Any hold of the owner's own: G0 or the overtaking rules may grant; acquire decides.
  for (const Hold& h : obj->holds)
    if (h.owner == owner) return false;
  // G1 fails (a conflicting hold of another vertex), so no rule grants: G3 -> kWouldBlock.
  for (const Hold& h : obj->holds)
    if (!same_vertex(owner, group, h) && conflicts(LockKind::kRow, h.mode, mode)) return true;
  return false;
}

std::vector<OwnerId> LockTable::blockers(OwnerId waiter) const {
  std::lock_guard lk(mu_);
  std::vector<OwnerId> out;
  auto it = waiting_.find(waiter);
  if (it == waiting_.end()) return out;
  const Waiter* w = it->second;
  const LockObject& obj = *w->obj;
  LockKind kind = obj.tag.kind;
  auto add = [&](OwnerId o) {
    if (std::find(out.begin(), out.end(), o) == out.end()) out.push_back(o);
  };
  for (const Hold& h : obj.holds)
    if (!same_vertex(w->owner, w->group, h) && conflicts(kind, h.mode, w->mode)) add(h.owner);
  for (const Waiter* o : obj.queue) {
    if (o == w) break;
    if (o->vertex() != w->vertex() && conflicts(kind, o->mode, w->mode)) add(o->owner);
  }
  return out;
}

std::vector<LockInfo> LockTable::blocking(OwnerId waiter) const {
  std::lock_guard lk(mu_);
  std::vector<LockInfo> out;
  auto it = waiting_.find(waiter);
  if (it == waiting_.end()) {
    // `waiter` may be a lock group (a session, by its pid): the waits of a session whose
    // transaction id the asker does not know (it runs on another node of the cluster).
    it = std::find_if(waiting_.begin(), waiting_.end(),
                      [&](const auto& kv) { return kv.second->group == waiter; });
    if (it == waiting_.end()) return out;
  }
  const Waiter* w = it->second;
  const LockObject& obj = *w->obj;
  LockKind kind = obj.tag.kind;
  for (const Hold& h : obj.holds)
    if (!same_vertex(w->owner, w->group, h) && conflicts(kind, h.mode, w->mode))
      out.push_back(LockInfo{obj.tag, h.owner, h.mode, true, {}, h.sub, h.group, false});
  for (const Waiter* o : obj.queue) {
    if (o == w) break;
    if (o->vertex() != w->vertex() && conflicts(kind, o->mode, w->mode))
      out.push_back(
          LockInfo{obj.tag, o->owner, o->mode, false, o->wait_start, o->sub, o->group, false});
  }
  return out;
}

bool LockTable::holds(const LockTag& tag, OwnerId owner, Mode at_least) const {
  std::lock_guard lk(mu_);
  const LockObject* obj = nullptr;
  if (tag.kind == LockKind::kRow) {
    CompactRow* c = nullptr;
    LockObject* full = nullptr;
    find_row_locked(row_hash(tag.a, tag.b, tag.key), tag.a, tag.b, tag.key, &c, &full);
    if (c) return c->owner == owner && at_least_as_strong(tag.kind, c->mode, at_least);
    obj = full;
  } else {
    auto it = objects_.find(tag);
    if (it != objects_.end()) obj = it->second.get();
  }
  if (!obj) return false;
  for (const Hold& h : obj->holds)
    if (h.owner == owner && at_least_as_strong(tag.kind, h.mode, at_least)) return true;
  return false;
}

uint64_t LockTable::waiters_examined() const {
  std::lock_guard lk(mu_);
  return waiters_examined_;
}

size_t LockTable::size() const {
  std::lock_guard lk(mu_);
  return objects_.size() + compact_count_;
}

size_t LockTable::compact_rows() const {
  std::lock_guard lk(mu_);
  return compact_count_;
}

size_t LockTable::memory_used() const {
  std::lock_guard lk(mu_);
  return charged_;
}

DeadlockState LockTable::check_deadlock(OwnerId waiter) {
  OwnerId vertex = waiter;
  {
    std::lock_guard lk(mu_);
    auto it = waiting_.find(waiter);
    if (it == waiting_.end()) return DeadlockState::kNotWaiting;
    vertex = it->second->vertex();
  }
  return graph_->check(vertex);
}

std::vector<DeadlockEdge> LockTable::take_deadlock_report(OwnerId owner) {
  std::lock_guard lk(mu_);
  auto it = deadlock_reports_.find(owner);
  if (it == deadlock_reports_.end()) return {};
  auto out = std::move(it->second);
  deadlock_reports_.erase(it);
  return out;
}

std::string LockTable::check_invariants() const {
  std::lock_guard lk(mu_);
  size_t row_objects = 0;
  for (const auto& [tag, obj] : objects_) {
    LockKind kind = tag.kind;
    if (obj->holds.empty() && obj->queue.empty()) return to_string(tag) + ": empty object kept";
    if (kind == LockKind::kRow) {
      ++row_objects;
      if (obj->row_hash != row_hash(tag.a, tag.b, tag.key) ||
          rows_->find(obj->row_hash, tag.a, tag.b, tag.key) != RowIndex::of(obj.get()))
        return to_string(tag) + ": row object missing from the row index";
    }
    for (size_t i = 0; i < obj->holds.size(); ++i) {
      const Hold& x = obj->holds[i];
      if (x.count == 0) return to_string(tag) + ": zero count hold";
      auto bit = by_owner_.find(x.owner);
      if (bit == by_owner_.end() || !bit->second.count(tag))
        return to_string(tag) + ": hold missing from by_owner_";
      for (size_t j = i + 1; j < obj->holds.size(); ++j) {
        const Hold& y = obj->holds[j];
        if (x.vertex() != y.vertex() && x.owner != y.owner && conflicts(kind, x.mode, y.mode))
          return to_string(tag) + ": conflicting holds granted to " + std::to_string(x.owner) +
                 " and " + std::to_string(y.owner);
      }
    }
    for (size_t i = 0; i < obj->queue.size(); ++i) {
      const Waiter* w = obj->queue[i];
      if (w->granted || w->victim) return to_string(tag) + ": finished waiter still queued";
      bool blocked = !grantable_locked(*obj, w->owner, w->group, w->mode);
      for (size_t j = 0; j < i && !blocked; ++j)
        blocked = conflicts(kind, obj->queue[j]->mode, w->mode);
      if (!blocked)
        return to_string(tag) + ": waiter " + std::to_string(w->owner) + " waits for nothing";
    }
  }
  // C1-C3 (README): compact rows are live in their owner's arena and in the row index; a row
  // has one form; the charges add up.
  size_t live = 0, bytes = 0;
  for (const auto& owner_rows : row_owners_) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const auto owner = owner_rows.first;
    const auto& rows = owner_rows.second;
    size_t n = 0, nb = 0;
    std::string bad;
    rows->for_each([&](CompactRow* r) {
      if (!r->live) return;
      ++n;
      nb += r->footprint();
      if (r->owner != owner || r->count == 0) bad = "compact row of the wrong owner or count 0";
      if (r->hash != row_hash(r->a, r->b, r->key()) ||
          rows_->find(r->hash, r->a, r->b, r->key()) != RowIndex::of(r))
        bad = to_string(row_tag(r->a, r->b, std::string(r->key()))) +
              ": compact row missing from the row index";
    });
    if (!bad.empty()) return bad;
    if (n != rows->live || nb != rows->live_bytes || n == 0)
      return "owner " + std::to_string(owner) + ": arena counts wrong";
    live += n;
    bytes += rows->bytes;
  }
  if (live != compact_count_) return "compact row count wrong";
  if (rows_->size() != compact_count_ + row_objects) return "row index holds other entries";
  size_t full_bytes = 0;
  for (const auto& [tag, obj] : objects_) full_bytes += kFullObjectBytes + tag.key.size();
  if (charged_ != bytes + full_bytes + RowIndex::bytes(rows_->capacity()))
    return "memory charged " + std::to_string(charged_) +
           " != " + std::to_string(bytes + full_bytes + RowIndex::bytes(rows_->capacity()));
  return "";
}

// ---------------------------------------------------------------------------------------------
// WaitGraph and the deadlock check (PostgreSQL's deadlock.c algorithm, re-derived; see
// README.md "Deadlock detection").

void WaitGraph::add(LockTable* t) {
  std::lock_guard g(mu_);
  t->graph_order_ = next_order_++;
  tables_.push_back(t);
}

void WaitGraph::remove(LockTable* t) {
  std::lock_guard g(mu_);
  std::erase(tables_, t);
}

void WaitGraph::link(OwnerId holder, OwnerId actor) {
  std::lock_guard g(mu_);
  ++links_[holder][actor];
}

void WaitGraph::unlink(OwnerId holder, OwnerId actor) {
  std::lock_guard g(mu_);
  auto it = links_.find(holder);
  if (it == links_.end()) return;
  auto a = it->second.find(actor);
  if (a == it->second.end()) return;
  if (--a->second <= 0) it->second.erase(a);
  if (it->second.empty()) links_.erase(it);
}

namespace {

// A snapshot of every wait queue of the node, as plain values. Remote edges would be added
// here as further Locks/Procs (that is the seam for a distributed graph).
struct Snapshot {
  struct Lock {
    LockTable* table;  // nullptr: a peer's lock (C5), which this node can only read
    LockObject* obj;   // nullptr for a peer's lock
    const LockTag* tag;
    LockKind kind;
    std::vector<int> queue;  // proc indices, queue order
    std::vector<HeldBy> holds;
    uint32_t from = 0;  // a peer's lock: NodeWaits::from
  };
  struct Proc {
    OwnerId vertex;       // who waits
    OwnerId hold_vertex;  // whose holds it never waits for (its own: the owner's)
    int lock;
    Mode mode;
    Waiter* waiter;        // nullptr: a peer's wait
    uint64_t wait_id = 0;  // Waiter::wait_id, on its node
  };
  std::vector<Lock> locks;
  std::vector<Proc> procs;
  std::unordered_map<OwnerId, int> proc_of;  // vertex -> its waiting proc
  // WaitGraph::link: hard edges holder -> actors (sorted, so the search is deterministic).
  std::unordered_map<OwnerId, std::vector<OwnerId>> links;
};

struct Edge {
  int waiter;   // proc index
  int blocker;  // proc index (ahead of waiter in the lock's queue)
  int lock;
};

class DeadlockChecker {
 public:
  explicit DeadlockChecker(const Snapshot& s) : s_(s) {}

  // True if start is in a deadlock no queue reordering can break. On false, orders() holds
  // the new queue orders to apply (empty: no deadlock at all).
  bool check(OwnerId start) {
    cur_.clear();
    orders_.clear();
    budget_ = 100000;
    return recurse(start);
  }
  const std::map<int, std::vector<int>>& orders() const { return orders_; }

  // The cycle through start in the unmodified queues, start's own wait first (PostgreSQL
  // reports the basic state, not a rearranged one).
  std::vector<DeadlockEdge> report(OwnerId start) {
    orders_.clear();
    details_.clear();
    recording_ = true;
    std::vector<Edge> soft;
    find_cycle(start, soft);
    recording_ = false;
    std::reverse(details_.begin(), details_.end());
    // A wait blocked by a holder that is linked to an actor is reported as blocked by the
    // actor (a process), PostgreSQL's shape: the link edges fold into the wait before them.
    std::vector<DeadlockEdge> out;
    for (const Detail& d : details_) {
      if (d.link && !out.empty() && out.back().blocker == d.edge.waiter)
        out.back().blocker = d.edge.blocker, out.back().blocker_owner = 0;
      else if (!d.link)
        out.push_back(d.edge);
    }
    return out;
  }

 private:
  // PostgreSQL's DeadLockCheckRecurse: true means "no way out".
  bool recurse(OwnerId start) {
    std::vector<Edge> soft;
    int n = test_configuration(start, soft);
    if (n < 0) return true;
    if (n == 0) return false;
    if (cur_.size() >= s_.procs.size() || --budget_ <= 0) return true;
    for (const Edge& e : soft) {
      cur_.push_back(e);
      if (!recurse(start)) return false;
      cur_.pop_back();
    }
    return true;
  }

  // -1: hard cycle under the current constraints; 0: no cycle; n: a cycle with n soft edges
  // (returned in soft).
  int test_configuration(OwnerId start, std::vector<Edge>& soft) {
    if (!expand_constraints()) return -1;
    int found = 0;
    std::vector<Edge> edges;
    auto probe = [&](OwnerId v) -> bool {
      if (!find_cycle(v, edges)) return true;
      if (edges.empty()) return false;
      found = static_cast<int>(edges.size());
      soft = edges;
      return true;
    };
    for (const Edge& c : cur_) {
      if (!probe(s_.procs[c.waiter].vertex)) return -1;
      if (!probe(s_.procs[c.blocker].vertex)) return -1;
    }
    if (!probe(start)) return -1;
    return found;
  }

  bool find_cycle(OwnerId start, std::vector<Edge>& soft) {
    visited_.clear();
    search_start_ = start;
    soft.clear();
    return find_cycle_recurse(start, soft);
  }

  // Each vertex is expanded once per search (PostgreSQL's visitedProcs): met again, it is
  // either the start (a cycle through it) or a vertex whose edges were already followed. The
  // set keeps the search O(edges): a queue of n waiters has ~n^2/2 soft edges, and a linear
  // list of visited vertices made each check O(n^3) (256 waiters on one lock: ~8M steps).
  bool find_cycle_recurse(OwnerId v, std::vector<Edge>& soft) {
    if (!visited_.insert(v).second) return v == search_start_;
    // Links: a holder's holds wait for the actors that act for it (hard edges).
    if (auto lit = s_.links.find(v); lit != s_.links.end()) {
      for (OwnerId actor : lit->second) {
        if (actor != v && find_cycle_recurse(actor, soft)) {
          record_link(v, actor);
          return true;
        }
      }
    }
    auto pit = s_.proc_of.find(v);
    if (pit == s_.proc_of.end()) return false;  // not waiting: no other outgoing edges
    int pi = pit->second;
    const Snapshot::Proc& p = s_.procs[pi];
    const Snapshot::Lock& l = s_.locks[p.lock];
    // Hard edges: holders of conflicting modes (never the waiter's own holds).
    for (const auto& [hv, howner, hm] : l.holds) {
      if (hv != v && hv != p.hold_vertex && conflicts(l.kind, hm, p.mode) &&
          find_cycle_recurse(hv, soft)) {
        record(v, l, p.mode, hv, howner);
        return true;
      }
    }
    // Soft edges: waiters ahead (in the possibly re-ordered queue) wanting conflicting modes.
    auto oit = orders_.find(p.lock);
    const std::vector<int>& queue = oit != orders_.end() ? oit->second : l.queue;
    for (int q : queue) {
      if (q == pi) break;
      const Snapshot::Proc& o = s_.procs[q];
      if (o.vertex != v && conflicts(l.kind, o.mode, p.mode) &&
          find_cycle_recurse(o.vertex, soft)) {
        soft.push_back(Edge{pi, q, p.lock});
        record(v, l, p.mode, o.vertex);
        return true;
      }
    }
    return false;
  }

  void record(OwnerId waiter, const Snapshot::Lock& l, Mode mode, OwnerId blocker,
              OwnerId blocker_owner = 0) {
    if (recording_)
      details_.push_back(Detail{DeadlockEdge{waiter, *l.tag, mode, blocker, blocker_owner}, false});
  }
  void record_link(OwnerId holder, OwnerId actor) {
    if (recording_) details_.push_back(Detail{DeadlockEdge{holder, {}, 0, actor}, true});
  }

  // PostgreSQL's ExpandConstraints: one topologically sorted order per constrained lock.
  bool expand_constraints() {
    orders_.clear();
    for (size_t i = cur_.size(); i-- > 0;) {
      int lock = cur_[i].lock;
      if (orders_.count(lock)) continue;
      std::vector<Edge> mine;
      for (size_t j = 0; j <= i; ++j)
        if (cur_[j].lock == lock) mine.push_back(cur_[j]);
      std::vector<int> order;
      if (!topo_sort(s_.locks[lock].queue, mine, order)) return false;
      orders_[lock] = std::move(order);
    }
    return true;
  }

  // Each constraint says: waiter must come before blocker. Fill the output from its end,
  // each time with the latest proc (in current queue order) that need not precede any
  // proc not yet placed; this keeps the original order wherever no constraint says otherwise.
  static bool topo_sort(const std::vector<int>& queue, const std::vector<Edge>& cons,
                        std::vector<int>& out) {
    size_t n = queue.size();
    std::vector<int> pending(n, 0);  // constraints where queue[k] must precede an unplaced proc
    auto index = [&](int proc) -> long {
      auto it = std::find(queue.begin(), queue.end(), proc);
      return it == queue.end() ? -1 : it - queue.begin();
    };
    std::vector<std::pair<long, long>> pairs;  // (before, after) indices
    for (const Edge& e : cons) {
      long w = index(e.waiter), b = index(e.blocker);
      if (w < 0 || b < 0) return false;
      pairs.emplace_back(w, b);
      ++pending[w];
    }
    std::vector<bool> placed(n, false);
    out.assign(n, -1);
    for (size_t slot = n; slot-- > 0;) {
      long j = static_cast<long>(n) - 1;
      while (j >= 0 && (placed[j] || pending[j] != 0)) --j;
      if (j < 0) return false;  // a cycle among the constraints
      placed[j] = true;
      out[slot] = queue[j];
      for (const auto& [before, after] : pairs)
        if (after == j) --pending[before];
    }
    return true;
  }

  const Snapshot& s_;
  std::vector<Edge> cur_;
  std::map<int, std::vector<int>> orders_;
  std::unordered_set<OwnerId> visited_;
  OwnerId search_start_ = 0;
  int budget_ = 0;
  bool recording_ = false;
  struct Detail {
    DeadlockEdge edge;
    bool link;  // a WaitGraph link holder -> actor, not a wait
  };
  std::vector<Detail> details_;
};

}  // namespace

void WaitGraph::set_peers(GatherWaits gather,
                          std::function<void(uint32_t from, const WaitOrder&)> reorder,
                          std::chrono::milliseconds budget) {
  std::lock_guard g(mu_);
  gather_ = std::move(gather);
  send_order_ = std::move(reorder);
  gather_budget_ = budget;
}

bool WaitGraph::reorder(const WaitOrder& order) {
  std::lock_guard g(mu_);
  for (LockTable* t : tables_) {
    std::lock_guard lk(t->mu_);
    auto it = t->objects_.find(order.tag);
    if (it == t->objects_.end()) continue;
    LockObject& obj = *it->second;
    if (obj.queue.size() != order.waits.size()) return false;
    std::vector<Waiter*> q;
    for (const auto& [vertex, wait_id] : order.waits) {
      auto w = std::find_if(obj.queue.begin(), obj.queue.end(), [&](const Waiter* x) {
        return x->vertex() == vertex && x->wait_id == wait_id;
      });
      if (w == obj.queue.end()) return false;  // the queue changed since it was read
      q.push_back(*w);
    }
    obj.queue = std::move(q);
    t->wake_waiters_locked(obj);
    return true;
  }
  return false;
}

std::vector<std::unique_lock<std::mutex>> WaitGraph::lock_tables_locked() {
  std::vector<std::unique_lock<std::mutex>> held;
  held.reserve(tables_.size());
  for (LockTable* t : tables_) held.emplace_back(t->mu_);
  return held;
}

NodeWaits WaitGraph::export_waits() {
  std::lock_guard g(mu_);
  auto held = lock_tables_locked();
  NodeWaits out;
  for (LockTable* t : tables_) {
    for (auto& [tag, obj] : t->objects_) {
      if (obj->queue.empty()) continue;
      NodeWaits::Lock l{tag, {}, {}};
      for (const Hold& h : obj->holds) l.holds.push_back(HeldBy{h.vertex(), h.owner, h.mode});
      for (Waiter* w : obj->queue)
        l.queue.push_back(NodeWaits::Queued{w->vertex(), w->hold_vertex(), w->mode, w->wait_id});
      out.locks.push_back(std::move(l));
    }
  }
  for (const auto& [holder, actors] : links_)
    for (const auto& [actor, n] : actors) out.links.emplace_back(holder, actor);
  return out;
}

DeadlockState WaitGraph::check(OwnerId vertex) {
  DeadlockState st = check_pass(vertex, Pass::kLocal, nullptr, nullptr, nullptr, nullptr);
  GatherWaits gather;
  std::function<void(uint32_t, const WaitOrder&)> send_order;
  std::chrono::milliseconds budget;
  {
    std::lock_guard g(mu_);
    gather = gather_;
    send_order = send_order_;
    budget = gather_budget_;
  }
  if (st != DeadlockState::kNoDeadlock || !gather) return st;
  // C5 (doc/cluster.md §4): the cycle may run through other nodes' waits. Gather them (no
  // mutex held: this suspends), look for a cycle in the union; a hard one is acted on only
  // when a second gathering shows every wait of it still the same wait. The two share one
  // budget: every peer is asked at once and awaited until 4/5 of it; the confirmation asks
  // only the peers that answered (a silent peer's waits are in no cycle found from this
  // union, so asking it again could only cost time) and waits the last fifth at most.
  const auto confirm_wait = budget / 5;
  std::vector<NodeWaits> first = gather(runtime::Clock::now() + (budget - confirm_wait), {});
  WaitKeys cycle;
  std::vector<std::pair<uint32_t, WaitOrder>> reorders;
  st = check_pass(vertex, Pass::kFind, &first, nullptr, &cycle, &reorders);
  if (st == DeadlockState::kHardDeadlock) {
    std::vector<bool> answered;
    for (const NodeWaits& n : first) {
      if (answered.size() <= n.from) answered.resize(n.from + 1, false);
      answered[n.from] = true;
    }
    std::vector<NodeWaits> second;
    if (!answered.empty()) second = gather(runtime::Clock::now() + confirm_wait, answered);
    st = check_pass(vertex, Pass::kDecide, &second, &cycle, nullptr, &reorders);
  }
  for (const auto& [from, order] : reorders)
    if (send_order) send_order(from, order);
  return st;
}

DeadlockState WaitGraph::check_pass(OwnerId vertex, Pass pass, const std::vector<NodeWaits>* remote,
                                    const WaitKeys* confirm, WaitKeys* found,
                                    std::vector<std::pair<uint32_t, WaitOrder>>* reorders) {
  std::lock_guard g(mu_);
  auto held = lock_tables_locked();  // D2
  Snapshot s;
  for (LockTable* t : tables_) {
    for (auto& [tag, obj] : t->objects_) {
      if (obj->queue.empty()) continue;
      Snapshot::Lock l{t, obj.get(), &obj->tag, tag.kind, {}, {}};
      for (const Hold& h : obj->holds) l.holds.push_back(HeldBy{h.vertex(), h.owner, h.mode});
      int li = static_cast<int>(s.locks.size());
      for (Waiter* w : obj->queue) {
        int pi = static_cast<int>(s.procs.size());
        s.procs.push_back(
            Snapshot::Proc{w->vertex(), w->hold_vertex(), li, w->mode, w, w->wait_id});
        s.proc_of.emplace(w->vertex(), pi);
        l.queue.push_back(pi);
      }
      s.locks.push_back(std::move(l));
    }
  }
  auto start_it = s.proc_of.find(vertex);
  if (start_it == s.proc_of.end()) return DeadlockState::kNotWaiting;
  const int start = start_it->second;  // (proc_of grows below)
  for (const auto& [holder, actors] : links_) {
    auto& out = s.links[holder];
    for (const auto& [actor, n] : actors) out.push_back(actor);
  }
  // C5: the peers' waits, after this node's own (a vertex this node sees waiting keeps its
  // wait here: a peer's answer about it can only be older).
  if (remote) {
    for (const NodeWaits& n : *remote) {
      for (const NodeWaits::Lock& rl : n.locks) {
        Snapshot::Lock l{nullptr, nullptr, &rl.tag, rl.tag.kind, {}, rl.holds, n.from};
        int li = static_cast<int>(s.locks.size());
        for (const NodeWaits::Queued& q : rl.queue) {
          int pi = static_cast<int>(s.procs.size());
          s.procs.push_back(
              Snapshot::Proc{q.vertex, q.hold_vertex, li, q.mode, nullptr, q.wait_id});
          s.proc_of.emplace(q.vertex, pi);
          l.queue.push_back(pi);
        }
        s.locks.push_back(std::move(l));
      }
      for (const auto& [holder, actor] : n.links) s.links[holder].push_back(actor);
    }
  }
  for (auto& [holder, actors] : s.links) {
    std::sort(actors.begin(), actors.end());
    actors.erase(std::unique(actors.begin(), actors.end()), actors.end());
  }

  DeadlockChecker checker(s);
  if (checker.check(vertex)) {
    std::vector<DeadlockEdge> report = checker.report(vertex);
    if (pass != Pass::kLocal) {
      // The cycle's waits, this node's and the peers': the victim is chosen only if each is
      // the very wait the finding pass saw (doc/cluster.md §4 "Deadlocks (C5)", why that
      // suffices).
      WaitKeys waits;
      for (const DeadlockEdge& e : report) {
        auto it = s.proc_of.find(e.waiter);
        if (it != s.proc_of.end()) waits.emplace(e.waiter, s.procs[it->second].wait_id);
      }
      if (pass == Pass::kFind) {
        if (found) *found = std::move(waits);
        return DeadlockState::kHardDeadlock;
      }
      for (const auto& w : waits)
        if (!confirm || !confirm->count(w)) return DeadlockState::kNoDeadlock;
    }
    // D4: hard deadlock: the asking waiter is the victim. Take it out of its queue now
    // (letting those behind it proceed) and wake it.
    Waiter* w = s.procs[start].waiter;
    LockTable* t = s.locks[s.procs[start].lock].table;
    t->deadlock_reports_[w->owner] = std::move(report);
    w->victim = true;
    t->remove_waiter_locked(*w->obj, w);
    w->ev->complete(WakeReason::kSignalled);
    return DeadlockState::kHardDeadlock;
  }
  if (checker.orders().empty()) return DeadlockState::kNoDeadlock;
  // D3: soft deadlock: install the new queue orders and grant whoever can now proceed. A
  // peer's queue (C5) is sent to it once the mutexes are released, named by its waits; the
  // peer installs it only if the queue still holds exactly those (WaitGraph::reorder).
  for (const auto& [li, order] : checker.orders()) {
    const Snapshot::Lock& l = s.locks[li];
    if (!l.table) {  // only when remote is set, and then reorders is
      WaitOrder o{*l.tag, {}};
      for (int pi : order) o.waits.emplace_back(s.procs[pi].vertex, s.procs[pi].wait_id);
      reorders->emplace_back(l.from, std::move(o));
      continue;
    }
    std::vector<Waiter*> q;
    for (int pi : order) q.push_back(s.procs[pi].waiter);
    l.obj->queue = std::move(q);
    l.table->wake_waiters_locked(*l.obj);
  }
  return DeadlockState::kSoftDeadlock;
}

}  // namespace hf::locks
