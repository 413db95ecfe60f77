// partition/locks/lock_table.h — holdfast's heavyweight lock manager: row, table, advisory and
// transaction locks with PostgreSQL's modes, queueing, wake-up and deadlock rules.
//
// What it owns and promises
// -------------------------
// A LockTable owns, for one partition, every lock object (one per LockTag that somebody holds
// or waits for), the holds on it and the FIFO queue of requests waiting for it. It promises
// PostgreSQL's observable behaviour (see README.md in this folder for the numbered rules):
//
//   * compatible modes are held by several owners at once; an owner never conflicts with
//     its own holds (FOR SHARE then FOR UPDATE by one transaction waits only for others);
//   * a request is granted at once if the owner already holds that very mode, or if no other
//     owner holds a conflicting mode AND no waiter wants a conflicting mode (fairness) --
//     except that a requester which already holds a mode that a waiter is blocked by goes
//     ahead of that waiter;
//   * a release grants, in queue order, exactly the waiters that can now proceed and wakes
//     only those (hand-off: the releaser grants under the mutex, the woken fiber does not
//     compete again);
//   * a waiter that has waited deadlock_timeout asks the node's WaitGraph for a cycle; a
//     cycle made only of queue-order ("soft") edges is broken by reordering wait queues, a
//     real ("hard") cycle makes the asking waiter the victim (kDeadlock).
//
//                      LockTable (one mutex, mu_)
//     +-----------------------------------------------------------------+
//     | objects_: LockTag -> LockObject                                  |
//     |    +-----------------------+                                     |
//     |    | tag  row:7/0/'k1'     |   holds (granted, any order)         |
//     |    | holds -----------------> [owner 1 sub 0 ForUpdate x1]       |
//     |    | queue ------+         |   [owner 1 sub 2 ForShare  x1]       |
//     |    +-------------|---------+                                     |
//     |                  v   FIFO (PostgreSQL wait queue order)          |
//     |      [r: owner 2 ForShare] -> [r: owner 3 ForKeyShare] -> ...    |
//     |           |  Event (fiber parked, no thread)                     |
//     | by_owner_: OwnerId -> tags it holds (release_all in O(own locks))|
//     +-----------------------------------------------------------------+
//            ^  add/remove                     ^ locks every table in id order,
//            |                                 | builds waits-for edges, reorders
//     +------+---------------------------------+------+
//     |  WaitGraph (one per node; later fed by peers) |
//     +-----------------------------------------------+
//
//   Who calls what: the partition (for the coordinator's locking statements, LOCK TABLE, the
//   pg_advisory_* functions and foreign-key checks) calls acquire() per lock, in the stable
//   global order the coordinator chose; the transaction's end calls release_all() on every
//   partition it touched; savepoints call release_subtransactions() /
//   reassign_subtransaction(); pg_locks and pg_blocking_pids() read dump() and blockers().
//
//      acquire ─ new object but max_locks reached ────────────────────────> kMemoryExceeded
//         │ G0-G2: grantable at once? ─ yes ────────────────────────────────> kGranted
//         │ no
//         ├─ G3: policy NoWait / SkipLocked ────────────────────────────────> kWouldBlock
//         ├─ Q2: a waiter it blocks holds what it needs ────────────────────> kDeadlock
//         ├─ Q3: may go ahead of that waiter and nothing else blocks it ────> kGranted
//         └─ enqueue, park on Event ─ granted and signalled by a releaser ──> kGranted
//                   │ deadline passes ──────────────────────────────────────> kTimeout
//                   │ CancelToken fires ────────────────────────────────────> kCancelled
//                   └ deadlock_timeout: WaitGraph::check ─ hard ────────────> kDeadlock
//                                                        └ soft: reorder queues, wait on
//
// Row locks in two forms (README.md "Row locks: compact and full"). A row that one owner
// holds in one mode and nobody else holds or awaits -- every row of a bulk FOR UPDATE, every
// key an INSERT writes -- is a CompactRow: a record of 40 bytes plus the key (rounded up to
// 8) in an arena owned by that owner, found through the table's open-addressing row index
// (8 bytes a slot, load 3/8..3/4). No heap object per lock, no copy of the key in a second
// map: release_all walks the owner's arena. About 60 bytes for a 5-byte key (an int4
// primary key); lock_table_test's MemoryPerRowLock measures it. A second owner, a waiter,
// a second mode or subtransaction of the same owner promotes the row to a full LockObject
// (the diagram above; rows keep their slot in the row index, pointing at the object), which
// the rules G/Q/W/D govern as before; a promoted row goes back to compact form when freed.
//
// Memory bound. Every table charges what it allocates for locks -- arena chunks, the row
// index, an estimate per full object (kFullObjectBytes + its key) -- to the node's
// LockMemory; a lock that needs memory beyond its limit fails with kMemoryExceeded (M1),
// which the session reports as 53200 "out of shared memory". A transaction locking millions
// of rows therefore costs ~60 bytes each and stops at the node's limit instead of growing
// the server without bound (holdfast --max-lock-memory; LocalNode).
//
// Batches. acquire_rows() answers many row requests of one owner under one acquisition of
// the mutex, in order, and stops before the first that would have to wait (the caller then
// waits for that one through acquire(), and goes on): the partition's lock_batch().
//
// Thread safety: every method may be called from any thread and any fiber concurrently.
// One mutex per table (mu_) guards objects_, by_owner_ and every LockObject/Waiter in it;
// the WaitGraph locks all registered tables in registration order (never a table's mutex
// first and then the graph's), so the deadlock check cannot deadlock itself.
//
// MAY SUSPEND: only acquire() with WaitPolicy::kBlock parks the calling fiber (through
// runtime::Event). Every other method is non-blocking apart from the short mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "runtime/fiber.h"

namespace hf::locks {

using OwnerId = uint64_t;  // a transaction's TxnId, or a session's owner id for session-level
                           // advisory locks
using SubId = uint32_t;    // subtransaction (savepoint) id, 0 = top level

enum class LockKind : uint8_t { kRow, kTable, kAdvisory, kTransaction, kResource };

// kRow: a=table_id, b=index_id, key=encoded row key. kTable: a=table_id. kAdvisory: key = 8-byte
// big-endian int8, b = 1 (one int8 key) or 2 (two int4 keys), as PostgreSQL's objsubid.
// kTransaction: key = txn id (8-byte big-endian, see transaction_tag()). kResource (issue 11):
// key = a lock-service resource name (locksvc/lock_service.h), modes Share (READ) and
// Exclusive (WRITE).
struct LockTag {
  LockKind kind = LockKind::kRow;
  uint32_t a = 0;
  uint32_t b = 0;
  std::string key;
  bool operator==(const LockTag& o) const {
    return kind == o.kind && a == o.a && b == o.b && key == o.key;
  }
  bool operator<(const LockTag& o) const;  // a total order, for stable dumps
};

struct LockTagHash {
  size_t operator()(const LockTag& t) const;
};

// Convenience constructors for the tag shapes above.
LockTag row_tag(uint32_t table_id, uint32_t index_id, std::string key);
LockTag table_tag(uint32_t table_id);
LockTag advisory_tag(int64_t key);                 // pg_advisory_lock(bigint)
LockTag advisory_tag(int32_t key1, int32_t key2);  // pg_advisory_lock(int, int)
LockTag transaction_tag(uint64_t txn_id);
std::string to_string(const LockTag& t);  // "row:1/0/6b31", "table:5", "advisory:42", "txn:7"

// Modes. kRow: 0 KeyShare, 1 Share, 2 NoKeyUpdate, 3 Update (PostgreSQL's tuple lock strengths).
// kTable/kAdvisory/kTransaction: PostgreSQL's 8 table lock modes 1..8 (AccessShare=1, RowShare=2,
// RowExclusive=3, ShareUpdateExclusive=4, Share=5, ShareRowExclusive=6, Exclusive=7,
// AccessExclusive=8); advisory shared = Share(5), advisory exclusive = Exclusive(7), as in
// PostgreSQL.
using Mode = uint8_t;

namespace row_mode {
inline constexpr Mode kKeyShare = 0;
inline constexpr Mode kShare = 1;
inline constexpr Mode kNoKeyUpdate = 2;
inline constexpr Mode kUpdate = 3;
inline constexpr Mode kCount = 4;
}  // namespace row_mode

namespace table_mode {
inline constexpr Mode kAccessShare = 1;
inline constexpr Mode kRowShare = 2;
inline constexpr Mode kRowExclusive = 3;
inline constexpr Mode kShareUpdateExclusive = 4;
inline constexpr Mode kShare = 5;
inline constexpr Mode kShareRowExclusive = 6;
inline constexpr Mode kExclusive = 7;
inline constexpr Mode kAccessExclusive = 8;
inline constexpr Mode kMax = 8;
}  // namespace table_mode

// Whether a hold of `held` by one owner blocks a request for `requested` by another
// (PostgreSQL's conflict tables; symmetric). Out-of-range modes conflict with everything.
bool conflicts(LockKind kind, Mode held, Mode requested);
// True if `m` is a valid mode for `kind`.
bool valid_mode(LockKind kind, Mode m);
// True if a hold of `held` conflicts with at least everything `wanted` conflicts with (so
// holding `held` makes a request for `wanted` redundant for conflict purposes).
bool at_least_as_strong(LockKind kind, Mode held, Mode wanted);

// The mode as pg_locks shows it. Table-like kinds: "AccessShareLock" ... "AccessExclusiveLock".
// kRow: pg_locks shows the heavyweight *tuple* lock PostgreSQL takes while it waits for a row
// (heapam.c tupleLockExtraInfo): KeyShare "AccessShareLock", Share "RowShareLock",
// NoKeyUpdate "ExclusiveLock", Update "AccessExclusiveLock".
const char* mode_name(LockKind kind, Mode m);
// Row strengths as pgrowlocks / SQL spell them: "For Key Share", "For Share",
// "For No Key Update", "For Update".
const char* row_strength_name(Mode m);

enum class WaitPolicy : uint8_t { kBlock, kNoWait, kSkipLocked };
enum class AcquireResult : uint8_t {
  kGranted,
  kWouldBlock,
  kTimeout,
  kDeadlock,
  kCancelled,
  kMemoryExceeded
};
const char* to_string(AcquireResult r);

// Told when acquire() parks the fiber and when that wait ends (pg_stat_activity's wait_event,
// wait metrics). Called on the waiting fiber with no table mutex held; at most one
// wait_started() per acquire(), always followed by wait_ended().
class WaitObserver {
 public:
  virtual ~WaitObserver() = default;
  // first_in_queue: no other request waits ahead on the object.
  virtual void wait_started(LockKind kind, bool first_in_queue) = 0;
  virtual void wait_ended() = 0;
};

struct AcquireRequest {
  LockTag tag;
  Mode mode = 0;
  OwnerId owner = 0;
  SubId sub = 0;
  WaitPolicy policy = WaitPolicy::kBlock;
  runtime::Deadline deadline =
      runtime::Deadline::max();  // lock_timeout / WAIT n / statement_timeout
  runtime::CancelToken* cancel = nullptr;
  std::chrono::milliseconds deadlock_timeout{1000};  // per session setting
  // Added: the session (backend) the owner belongs to, 0 = none. Owners of one group never
  // conflict with each other and are one vertex in the waits-for graph, because in
  // PostgreSQL one PGPROC holds both its session-level and its transaction-level locks
  // (pg_advisory_lock then pg_advisory_xact_lock on the same key does not self-block).
  OwnerId group = 0;
  // Added: PostgreSQL's row-lock behaviour instead of strict FIFO. In PostgreSQL a row locker
  // whose strength is compatible with every current locker does not sleep and never looks
  // at the tuple lock queue (heapam.c heap_lock_tuple), so it overtakes queued conflicting
  // waiters. true = do that (G2 skipped); false (default) = fair FIFO per README G2.
  bool overtake_compatible = false;
  WaitObserver* observer = nullptr;  // added (issue 4): told when the request parks
  // Added (issue 11): the vertex that waits when it is not the holder. A lock-service call
  // takes a hold for a service owner (owner = group = the owner's id, which outlives every
  // session) but the one stuck while it waits is the session running the call: the waiter is
  // that session's vertex, the hold (once granted) is the owner's. 0: the vertex of
  // group/owner, as for every other lock. The own-hold rule still goes by owner/group.
  OwnerId waiter = 0;
};

struct LockInfo {
  LockTag tag;
  OwnerId owner;
  Mode mode;
  bool granted;
  runtime::Clock::time_point wait_start;  // meaningful when !granted
  SubId sub = 0;                          // added: the subtransaction of a hold
  OwnerId group = 0;                      // added; for a waiter: its vertex (waiter, if set)
  bool first_waiter = false;              // added: !granted and first in its queue
};

// The time source and timed wait the table uses. The default is the real steady clock and
// Event::wait; tests install a virtual clock to make timeouts exact and instant.
class WaitClock {
 public:
  virtual ~WaitClock() = default;
  virtual runtime::Clock::time_point now() const = 0;
  // Parks until ev is completed or `until` passes (then completes ev with kTimeout).
  // REQUIRES: called from the fiber ev is bound to.
  virtual runtime::WakeReason wait(const std::shared_ptr<runtime::Event>& ev,
                                   runtime::Deadline until) = 0;
};
WaitClock* real_clock();

class WaitGraph;  // see below
struct LockObject;
struct Waiter;
struct CompactRow;
struct OwnerRows;
class RowIndex;

// The memory every lock table of a node may use for locks, shared by them (one per node).
// Thread-safe (atomic). limit 0 = no limit.
class LockMemory {
 public:
  explicit LockMemory(size_t limit_bytes = 0) : limit_(limit_bytes) {}
  // Adds n bytes if the total stays within the limit; false (nothing added) otherwise.
  bool try_charge(size_t n);
  // Adds n bytes whatever the limit (a waiter's promoted row: README M1).
  void charge(size_t n) { used_.fetch_add(n, std::memory_order_relaxed); }
  void uncharge(size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

// What a full lock object is charged (bytes, besides its key): the objects_ node, the
// LockObject, one Hold and the owner's by_owner_ entry, as measured for libstdc++.
inline constexpr size_t kFullObjectBytes = 320;

// One row request of acquire_rows(): the row (a = table id, b = index id, key) and mode;
// the owner, subtransaction, group and fairness come from the batch.
struct RowAsk {
  uint32_t a = 0;
  uint32_t b = 0;
  std::string_view key;
  Mode mode = 0;
  WaitPolicy policy = WaitPolicy::kBlock;
};

// One edge of a deadlock cycle, for the 40P01 DETAIL ("Process %d waits for %s on %s; blocked
// by process %d."). waiter/blocker are vertices: the request's `waiter` if set, else the group
// (session) if set, else the owner. A hold of an owner linked to the sessions acting for it
// (WaitGraph::link) is reported as blocked by the session the cycle goes through.
struct DeadlockEdge {
  OwnerId waiter = 0;
  LockTag tag;    // what the waiter waits for
  Mode mode = 0;  // in which mode
  OwnerId blocker = 0;
  // The owner of the blocker's conflicting hold (a transaction's TxnId, or a session's owner
  // id): PostgreSQL's row DETAIL names the holder's transaction, which the waiter's node
  // cannot look up when the blocker is another node's session. 0: a waiter ahead, or a link.
  OwnerId blocker_owner = 0;
};

// A hold as a deadlock check sees it.
struct HeldBy {
  OwnerId vertex = 0;  // Hold::vertex(): the group, else the owner
  OwnerId owner = 0;
  Mode mode = 0;
};

// The waits of one node as plain values: every lock somebody waits for, with its holds and
// its queue, and the node's links. A node sends it to a peer whose waiter checks for a cycle
// across nodes (doc/cluster.md §4 "Deadlocks (C5)"). Modes as this lock table numbers them.
struct NodeWaits {
  struct Queued {
    OwnerId vertex = 0;       // who waits (Waiter::vertex)
    OwnerId hold_vertex = 0;  // whose holds it never waits for
    Mode mode = 0;
    uint64_t wait_id = 0;  // names this one wait on its node: a later wait has another id
  };
  struct Lock {
    LockTag tag;
    std::vector<HeldBy> holds;
    std::vector<Queued> queue;  // queue order
  };
  std::vector<Lock> locks;
  std::vector<std::pair<OwnerId, OwnerId>> links;  // WaitGraph::link: holder -> actor
  uint32_t from = 0;  // which peer answered (set_peers' numbering), for a rearrangement
};

// A wait queue in a new order, named by its waits (vertex, wait_id): a soft deadlock's
// rearrangement of a peer's queue (C5).
struct WaitOrder {
  LockTag tag;
  std::vector<std::pair<OwnerId, uint64_t>> waits;
};

// Outcome of one deadlock check (PostgreSQL's DeadLockState, minus autovacuum).
enum class DeadlockState : uint8_t { kNoDeadlock, kSoftDeadlock, kHardDeadlock, kNotWaiting };
const char* to_string(DeadlockState s);

class LockTable {
 public:
  // max_locks: locked things (rows, tables, keys) at most (tests; M1). memory: the node's
  // budget (nullptr: the table's own, unlimited).
  explicit LockTable(WaitGraph* graph = nullptr, size_t max_locks = SIZE_MAX,
                     WaitClock* clock = nullptr, LockMemory* memory = nullptr);
  ~LockTable();
  LockTable(const LockTable&) = delete;
  LockTable& operator=(const LockTable&) = delete;

  // MAY SUSPEND (kBlock only): parks the fiber on a runtime::Event until granted, timed
  // out, cancelled or chosen as deadlock victim.
  AcquireResult acquire(const AcquireRequest& req);
  // Never suspends. Row requests of one owner, answered in order under one acquisition of the
  // mutex, each as acquire() would answer it without waiting: kGranted, kWouldBlock (NOWAIT,
  // SKIP LOCKED), kMemoryExceeded. Stops BEFORE the first kBlock request that would have to
  // queue (or that the queue rules Q2/Q3 decide) and AFTER a kWouldBlock of a kNoWait
  // request or a kMemoryExceeded. Appends the answers to *out; returns how many.
  size_t acquire_rows(OwnerId owner, OwnerId group, SubId sub, bool overtake_compatible,
                      const std::vector<RowAsk>& rows, std::vector<AcquireResult>* out);
  // Drops one hold of `mode` (the one from the latest subtransaction); false if none is held
  // (PostgreSQL then warns "you don't own a lock of type %s").
  bool release(const LockTag& tag, OwnerId owner, Mode mode);
  void release_all(OwnerId owner);                           // commit / abort / session end
  void release_subtransactions(OwnerId owner, SubId first);  // ROLLBACK TO: drop holds of
                                                             // subs >= first
  void reassign_subtransaction(OwnerId owner, SubId from, SubId to);  // RELEASE SAVEPOINT
  std::vector<LockInfo> dump() const;                                 // for pg_locks; sorted by tag
  std::vector<OwnerId> blockers(OwnerId waiter) const;                // pg_blocking_pids
  // Added (issue 8): whether a row lock of `mode` by owner (in group) would be refused at once
  // now because another vertex holds a conflicting mode on the row (the owner holding none
  // there itself, so G0 cannot grant). true promises that acquire() / acquire_rows() with
  // kNoWait / kSkipLocked would answer kWouldBlock at this instant; false says nothing. Reads
  // only (SKIP LOCKED asks before reading a row it would then skip).
  bool row_held_by_other(uint32_t a, uint32_t b, std::string_view key, OwnerId owner, OwnerId group,
                         Mode mode) const;
  // Like blockers(), with each blocker's group: the conflicting holds (granted = true) and
  // the conflicting waiters ahead (granted = false) of the owner's waiting request, or, when
  // no waiter is that owner, of the waiting request of the lock group `waiter` (a session).
  std::vector<LockInfo> blocking(OwnerId waiter) const;
  bool holds(const LockTag& tag, OwnerId owner, Mode at_least) const;
  size_t size() const;          // locked things: compact rows and full objects (M1)
  size_t compact_rows() const;  // rows in compact form (tests)
  size_t memory_used() const;   // bytes this table has charged to its LockMemory
  // Waiting requests the wake-ups (W1-W3) have looked at so far (tests: a hand-off looks at
  // the head of the queue, not at everyone behind an exclusive waiter).
  uint64_t waiters_examined() const;

  // Runs the deadlock check for `waiter` now, as its deadlock_timeout would (tests, and
  // the coordinator when a remote edge arrives). A hard deadlock wakes that waiter with
  // kDeadlock.
  DeadlockState check_deadlock(OwnerId waiter);

  // After acquire() returned kDeadlock for `owner`: the cycle, starting with the owner's own
  // wait, in PostgreSQL's DeadLockReport order. Cleared by the call.
  std::vector<DeadlockEdge> take_deadlock_report(OwnerId owner);

  // The node's waits-for graph this table belongs to (its own when constructed without one).
  WaitGraph& graph() const { return *graph_; }

  // Debug: checks the invariants (granted modes pairwise compatible across owners, no
  // waiter is blocked only by itself, bookkeeping consistent). Returns "" or a description.
  std::string check_invariants() const;

 private:
  friend class WaitGraph;
  // All private helpers REQUIRE mu_ held.
  struct Ask;  // one request as the grant rules see it (lock_table.cc)
  // G0-G3 and M1 for a request: the answer if it needs no queue, nullopt otherwise (then
  // *obj is its full object, promoted from compact form if need be; with !may_queue a
  // compact row is left as it is and *obj stays nullptr).
  std::optional<AcquireResult> try_grant_locked(const Ask& ask, bool may_queue, LockObject** obj);
  // The row's compact record or full object (both nullptr: neither).
  void find_row_locked(uint32_t hash, uint32_t a, uint32_t b, std::string_view key,
                       CompactRow** compact, LockObject** full) const;
  // A new compact hold; false when memory or max_locks does not allow it.
  bool add_compact_locked(uint32_t hash, const Ask& ask);
  // Turns a compact row into a full object (same hold, same slot in the row index).
  // force: charge its memory beyond the limit (a waiter); else nullptr when over it.
  LockObject* promote_locked(CompactRow* r, bool force);
  // Drops a compact record (index slot, owner's live count); trim_owner_locked frees or
  // rebuilds the owner's arena afterwards.
  void drop_compact_locked(CompactRow* r);
  void trim_owner_locked(OwnerId owner);
  void shrink_index_locked();
  bool grow_index_locked();
  // A new full object for tag; nullptr when memory or max_locks does not allow it.
  LockObject* new_object_locked(const LockTag& tag, uint32_t row_hash);
  bool charge_locked(size_t n, bool force = false);
  void uncharge_locked(size_t n);
  bool grantable_locked(const LockObject& obj, OwnerId owner, OwnerId group, Mode mode) const;
  void grant_locked(LockObject& obj, OwnerId owner, OwnerId group, SubId sub, Mode mode);
  void wake_waiters_locked(LockObject& obj);
  void remove_waiter_locked(LockObject& obj, Waiter* w);
  bool drop_hold_locked(LockObject& obj, OwnerId owner, Mode mode);
  void maybe_free_locked(const LockTag& tag);

  WaitGraph* graph_;
  std::unique_ptr<WaitGraph> own_graph_;  // when constructed without a graph
  const size_t max_locks_;
  LockMemory* memory_;
  std::unique_ptr<LockMemory> own_memory_;  // when constructed without one
  WaitClock* clock_;
  uint64_t graph_order_ = 0;  // set by WaitGraph::add; the fixed lock order

  mutable std::mutex mu_;  // guards everything below, and every LockObject/Waiter reachable
  std::unordered_map<LockTag, std::unique_ptr<LockObject>, LockTagHash> objects_;
  std::unordered_map<OwnerId, std::unordered_set<LockTag, LockTagHash>> by_owner_;  // tags held
  std::unordered_map<OwnerId, Waiter*> waiting_;  // owner -> its one waiting request
  std::unordered_map<OwnerId, std::vector<DeadlockEdge>> deadlock_reports_;  // until taken
  // Rows: compact records and promoted (full) row objects, by row (lock_table.cc).
  std::unique_ptr<RowIndex> rows_;
  std::unordered_map<OwnerId, std::unique_ptr<OwnerRows>> row_owners_;  // compact arenas
  size_t compact_count_ = 0;                                            // live compact rows
  size_t charged_ = 0;             // bytes charged to memory_ by this table
  uint64_t waiters_examined_ = 0;  // see waiters_examined()
};

// All lock tables of a node register with one WaitGraph; a waiter that has waited
// deadlock_timeout asks it whether it is in a cycle (edges from every table: waiter ->
// conflicting holders (hard), waiter -> conflicting earlier waiters (soft)). If the cycle
// can be broken by reordering a wait queue (soft deadlock), reorder it; otherwise the asking
// waiter is the victim (kDeadlock) — PostgreSQL's rule. Built so that edges can later come
// from other nodes (the check works on a snapshot of plain edges, see lock_table.cc).
//
// Links (issue 11). A vertex that holds but never waits itself — a lock-service owner, whose
// holds outlive sessions — gets its outgoing edges from links: link(holder, actor) says "the
// holds of `holder` cannot go until `actor` proceeds" (the session whose open transaction
// acts for that owner). A link is a hard edge holder -> actor; a holder without links has no
// outgoing edge (it is merely held: a waiter for it is not in a cycle through it). Links
// are counted: each link() is undone by one unlink().
class WaitGraph {
 public:
  void add(LockTable*);
  void remove(LockTable*);
  void link(OwnerId holder, OwnerId actor);
  void unlink(OwnerId holder, OwnerId actor);
  // Checks whether the waiting vertex (owner or group id) is in a deadlock; resolves a soft
  // one by reordering queues and waking whoever can now run; on a hard one marks the
  // waiter as victim and wakes it. Takes every table's mutex in registration order.
  //
  // C5 (doc/cluster.md §4): when the node's own graph has no cycle through the vertex and
  // peers are set, the check also gathers every peer's waits (set_peers; MAY SUSPEND then,
  // with no mutex held) and looks for a cycle in the union. A hard one is confirmed by a
  // second gathering in which every remote wait of the cycle is still the same wait, and
  // the vertex must still wait here: only then is it the victim. Both gatherings together
  // wait at most set_peers' budget: the first asks every peer and awaits them until
  // 4/5 of it, the second asks only the peers that answered the first and awaits them the
  // last fifth at most (a peer silent in the first cannot hold a wait of the cycle).
  DeadlockState check(OwnerId vertex);

  // Every wait of this node (takes every table's mutex, briefly). Never suspends.
  NodeWaits export_waits();
  // A peer's soft-deadlock rearrangement of one of this node's queues: installed (and the
  // waiters that can now proceed granted) only if the queue holds exactly those waits.
  // Returns whether it did. Never suspends.
  bool reorder(const WaitOrder& order);
  // The other nodes, for C5. gather(deadline, ask): asks every peer i with ask[i] (every
  // peer when ask is empty) at once and returns one NodeWaits per peer that answered by
  // `deadline` (never waiting longer), each with `from` set to its number; reorder: sends a
  // rearrangement to peer `from`. Both are called on the checking waiter's fiber with no
  // mutex held and may suspend. budget: how long one check's gatherings may wait in all.
  // Unset (one node): checks see this node's graph only. Set before serving.
  using GatherWaits = std::function<std::vector<NodeWaits>(runtime::Deadline deadline,
                                                           const std::vector<bool>& ask)>;
  void set_peers(GatherWaits gather, std::function<void(uint32_t from, const WaitOrder&)> reorder,
                 std::chrono::milliseconds budget);

 private:
  enum class Pass : uint8_t { kLocal, kFind, kDecide };
  // One check under every table mutex, with `remote` added to the node's own waits (kFind,
  // kDecide). kFind reports a hard cycle without acting (*found: its remote waits);
  // kDecide acts only if every remote wait of the cycle is in `confirm`.
  using WaitKeys = std::set<std::pair<OwnerId, uint64_t>>;  // (vertex, wait_id)
  // A soft deadlock whose rearrangement needs peers' queues leaves them in *reorders (sent
  // after the mutexes are released); REQUIRES reorders whenever remote is set.
  DeadlockState check_pass(OwnerId vertex, Pass pass, const std::vector<NodeWaits>* remote,
                           const WaitKeys* confirm, WaitKeys* found,
                           std::vector<std::pair<uint32_t, WaitOrder>>* reorders);

  // D2: every table's mutex, in registration order (tables_ is kept in that order).
  // REQUIRES mu_.
  std::vector<std::unique_lock<std::mutex>> lock_tables_locked();

  GatherWaits gather_;                                          // guarded by mu_
  std::function<void(uint32_t, const WaitOrder&)> send_order_;  // guarded by mu_
  std::chrono::milliseconds gather_budget_{0};                  // guarded by mu_
  std::mutex mu_;                   // guards tables_, next_order_ and links_; taken before any
                                    // table mutex
  std::vector<LockTable*> tables_;  // sorted by graph_order_
  uint64_t next_order_ = 1;
  std::unordered_map<OwnerId, std::unordered_map<OwnerId, int>> links_;  // holder -> actor -> n
};

}  // namespace hf::locks
