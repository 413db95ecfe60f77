// partition/locks/lock_table.cc — see lock_table.h for the contract and README.md for the
// numbered rules this file implements (G1.. grant, Q1.. queue, W1.. wake, D1.. deadlock).
#include "partition/locks/lock_table.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>

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
  OwnerId vertex() const { return group ? group : owner; }
};

struct LockObject {
  LockTag tag;
  std::vector<Hold> holds;     // granted holds, any order; (owner, sub, mode) unique
  std::vector<Waiter*> queue;  // waiters in PostgreSQL wait-queue order
};

namespace {
bool same_vertex(OwnerId owner, OwnerId group, const Hold& h) {
  return h.owner == owner || (group != 0 && h.group == group);
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// LockTable.

LockTable::LockTable(WaitGraph* graph, size_t max_locks, WaitClock* clock)
    : graph_(graph), max_locks_(max_locks), clock_(clock ? clock : real_clock()) {
  if (!graph_) {
    own_graph_ = std::make_unique<WaitGraph>();
    graph_ = own_graph_.get();
  }
  graph_->add(this);
}

LockTable::~LockTable() {
  graph_->remove(this);
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
void LockTable::wake_waiters_locked(LockObject& obj) {
  LockKind kind = obj.tag.kind;
  std::vector<Mode> ahead;
  for (size_t i = 0; i < obj.queue.size();) {
    Waiter* w = obj.queue[i];
    bool blocked_ahead = false;
    for (Mode m : ahead) {
      if (conflicts(kind, m, w->mode)) {
        blocked_ahead = true;
        break;
      }
    }
    if (!blocked_ahead && grantable_locked(obj, w->owner, w->group, w->mode)) {
      grant_locked(obj, w->owner, w->group, w->sub, w->mode);
      w->granted = true;
      obj.queue.erase(obj.queue.begin() + static_cast<long>(i));
      waiting_.erase(w->owner);
      w->ev->complete(WakeReason::kSignalled);
      continue;
    }
    ahead.push_back(w->mode);
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
  if (it != objects_.end() && it->second->holds.empty() && it->second->queue.empty())
    objects_.erase(it);
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

AcquireResult LockTable::acquire(const AcquireRequest& req) {
  if (!valid_mode(req.tag.kind, req.mode)) throw std::invalid_argument("invalid lock mode");
  WaitNotice notice{req.observer};
  std::unique_lock lk(mu_);
  auto it = objects_.find(req.tag);
  if (it == objects_.end()) {
    // M1: a new lock object needs room under max_locks.
    if (objects_.size() >= max_locks_) return AcquireResult::kMemoryExceeded;
    auto obj = std::make_unique<LockObject>();
    obj->tag = req.tag;
    LockObject& o = *obj;
    objects_.emplace(req.tag, std::move(obj));
    grant_locked(o, req.owner, req.group, req.sub, req.mode);
    return AcquireResult::kGranted;
  }
  LockObject& obj = *it->second;
  LockKind kind = req.tag.kind;
  // G0: a mode the owner already holds is granted again at once, whatever waits (PostgreSQL
  // finds it in its local lock table and never looks at the shared one).
  for (const Hold& h : obj.holds) {
    if (h.owner == req.owner && h.mode == req.mode) {
      grant_locked(obj, req.owner, req.group, req.sub, req.mode);
      return AcquireResult::kGranted;
    }
  }
  // G2 (PostgreSQL's waitMask): any waiter wanting a conflicting mode makes us wait too.
  bool waiter_conflict = std::any_of(obj.queue.begin(), obj.queue.end(),
                                     [&](Waiter* w) { return conflicts(kind, w->mode, req.mode); });
  if ((!waiter_conflict || req.overtake_compatible) &&
      grantable_locked(obj, req.owner, req.group, req.mode)) {
    grant_locked(obj, req.owner, req.group, req.sub, req.mode);
    return AcquireResult::kGranted;
  }
  // G3: NOWAIT and SKIP LOCKED fail before any queue jumping (as LockAcquire's dontWait).
  if (req.policy != WaitPolicy::kBlock) return AcquireResult::kWouldBlock;

  // Q1-Q3 (PostgreSQL's ProcSleep): a requester holding modes on this object goes ahead of
  // the first waiter whose request conflicts with what it holds.
  OwnerId my_vertex = req.group ? req.group : req.owner;
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
          if (same_vertex(w->owner, w->group, h) && h.vertex() != my_vertex &&
              conflicts(kind, h.mode, req.mode)) {
            deadlock_reports_[req.owner] = {DeadlockEdge{my_vertex, req.tag, req.mode, w->vertex()},
                                            DeadlockEdge{w->vertex(), req.tag, w->mode, my_vertex}};
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
  me.obj = &obj;
  me.ev = Event::create();
  me.wait_start = clock_->now();
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
  auto it = objects_.find(tag);
  if (it == objects_.end()) return false;
  LockObject& obj = *it->second;
  if (!drop_hold_locked(obj, owner, mode)) return false;
  wake_waiters_locked(obj);
  maybe_free_locked(tag);
  return true;
}

void LockTable::release_all(OwnerId owner) {
  std::lock_guard lk(mu_);
  auto bit = by_owner_.find(owner);
  if (bit == by_owner_.end()) return;
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

void LockTable::release_subtransactions(OwnerId owner, SubId first) {
  std::lock_guard lk(mu_);
  auto bit = by_owner_.find(owner);
  if (bit == by_owner_.end()) return;
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

void LockTable::reassign_subtransaction(OwnerId owner, SubId from, SubId to) {
  std::lock_guard lk(mu_);
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
  for (const auto& [tag, obj] : objects_) {
    for (const Hold& h : obj->holds)
      out.push_back(LockInfo{tag, h.owner, h.mode, true, {}, h.sub, h.group, false});
    for (const Waiter* w : obj->queue)
      out.push_back(LockInfo{tag, w->owner, w->mode, false, w->wait_start, w->sub, w->group,
                             w == obj->queue.front()});
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
  if (it == waiting_.end()) return out;
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
  auto it = objects_.find(tag);
  if (it == objects_.end()) return false;
  for (const Hold& h : it->second->holds)
    if (h.owner == owner && at_least_as_strong(tag.kind, h.mode, at_least)) return true;
  return false;
}

size_t LockTable::size() const {
  std::lock_guard lk(mu_);
  return objects_.size();
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
  for (const auto& [tag, obj] : objects_) {
    LockKind kind = tag.kind;
    if (obj->holds.empty() && obj->queue.empty()) return to_string(tag) + ": empty object kept";
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

namespace {

// A snapshot of every wait queue of the node, as plain values. Remote edges would be added
// here as further Locks/Procs (that is the seam for a distributed graph).
struct Snapshot {
  struct Lock {
    LockTable* table;
    LockObject* obj;
    LockKind kind;
    std::vector<int> queue;                       // proc indices, queue order
    std::vector<std::pair<OwnerId, Mode>> holds;  // (vertex, mode)
  };
  struct Proc {
    OwnerId vertex;
    int lock;
    Mode mode;
    Waiter* waiter;
  };
  std::vector<Lock> locks;
  std::vector<Proc> procs;
  std::unordered_map<OwnerId, int> proc_of;  // vertex -> its waiting proc
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
    return details_;
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
    soft.clear();
    return find_cycle_recurse(start, soft);
  }

  bool find_cycle_recurse(OwnerId v, std::vector<Edge>& soft) {
    for (size_t i = 0; i < visited_.size(); ++i)
      if (visited_[i] == v) return i == 0;  // back at the start: a cycle through it
    visited_.push_back(v);
    auto pit = s_.proc_of.find(v);
    if (pit == s_.proc_of.end()) return false;  // not waiting: no outgoing edges
    int pi = pit->second;
    const Snapshot::Proc& p = s_.procs[pi];
    const Snapshot::Lock& l = s_.locks[p.lock];
    // Hard edges: holders of conflicting modes.
    for (const auto& [hv, hm] : l.holds) {
      if (hv != v && conflicts(l.kind, hm, p.mode) && find_cycle_recurse(hv, soft)) {
        record(v, l, p.mode, hv);
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

  void record(OwnerId waiter, const Snapshot::Lock& l, Mode mode, OwnerId blocker) {
    if (recording_) details_.push_back(DeadlockEdge{waiter, l.obj->tag, mode, blocker});
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
  std::vector<OwnerId> visited_;
  int budget_ = 0;
  bool recording_ = false;
  std::vector<DeadlockEdge> details_;
};

}  // namespace

DeadlockState WaitGraph::check(OwnerId vertex) {
  std::lock_guard g(mu_);
  // D2: every table mutex, in registration order (tables_ is kept in that order).
  std::vector<std::unique_lock<std::mutex>> held;
  held.reserve(tables_.size());
  for (LockTable* t : tables_) held.emplace_back(t->mu_);

  Snapshot s;
  for (LockTable* t : tables_) {
    for (auto& [tag, obj] : t->objects_) {
      if (obj->queue.empty()) continue;
      Snapshot::Lock l{t, obj.get(), tag.kind, {}, {}};
      for (const Hold& h : obj->holds) l.holds.emplace_back(h.vertex(), h.mode);
      int li = static_cast<int>(s.locks.size());
      for (Waiter* w : obj->queue) {
        int pi = static_cast<int>(s.procs.size());
        s.procs.push_back(Snapshot::Proc{w->vertex(), li, w->mode, w});
        s.proc_of.emplace(w->vertex(), pi);
        l.queue.push_back(pi);
      }
      s.locks.push_back(std::move(l));
    }
  }
  auto start = s.proc_of.find(vertex);
  if (start == s.proc_of.end()) return DeadlockState::kNotWaiting;

  DeadlockChecker checker(s);
  if (checker.check(vertex)) {
    // D4: hard deadlock: the asking waiter is the victim. Take it out of its queue now
    // (letting those behind it proceed) and wake it.
    Waiter* w = s.procs[start->second].waiter;
    LockTable* t = s.locks[s.procs[start->second].lock].table;
    t->deadlock_reports_[w->owner] = checker.report(vertex);
    w->victim = true;
    t->remove_waiter_locked(*w->obj, w);
    w->ev->complete(WakeReason::kSignalled);
    return DeadlockState::kHardDeadlock;
  }
  if (checker.orders().empty()) return DeadlockState::kNoDeadlock;
  // D3: soft deadlock: install the new queue orders and grant whoever can now proceed.
  for (const auto& [li, order] : checker.orders()) {
    const Snapshot::Lock& l = s.locks[li];
    std::vector<Waiter*> q;
    for (int pi : order) q.push_back(s.procs[pi].waiter);
    l.obj->queue = std::move(q);
    l.table->wake_waiters_locked(*l.obj);
  }
  return DeadlockState::kSoftDeadlock;
}

}  // namespace hf::locks
