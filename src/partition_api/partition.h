// partition_api/partition.h — the seam between the transaction coordinator and a partition.
//
// A partition owns one hash bucket of every table and index: the MVCC versions of its keys,
// its lock table with the wait queues, and its part of the wait-for graph. The coordinator
// reaches a partition only through the Partition interface below. Every call takes and
// returns plain values (no pointers into the partition, no callbacks that assume shared
// memory), so that tomorrow the same calls can travel over the network to a partition on
// another node. A lock request that has to wait is simply a call that has not returned
// yet: the calling fiber is parked (runtime/fiber.h), not a thread.
//
// Keys. A KeySpace names one table's primary rows (index_id 0) or one secondary index. A key
// is the order-preserving encoding of the primary key (or of the index key followed by the
// primary key for a non-unique index), produced by the SQL layer; the partition compares
// keys as bytes and never decodes them. Values are opaque bytes too.
//
// Versions. Every committed version has a commit timestamp. `Version` identifies the newest
// committed version of a key: {commit_ts, deleted}. Lock requests pass the version the
// caller saw; the partition answers with the newest version when it differs (seed 002).
//
// Transactions. The coordinator gives each transaction a TxnId and tells partitions about
// its savepoints by subtransaction id (SubId, 0 = top level) and its statements by command
// id (CommandId). A partition's uncommitted writes are intents tied to the TxnId; the
// coordinator decides commit or abort (see coord/transaction.h for the commit protocol) and
// then calls commit() or abort() on each partition the transaction touched.
//
// Thread safety: every method may be called concurrently from any fiber or thread.
// Methods marked MAY SUSPEND park the calling fiber.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/fiber.h"

namespace hf::partition_api {

using TxnId = uint64_t;
using Timestamp = uint64_t;  // commit timestamps; 0 = none
using SubId = uint32_t;      // subtransaction (savepoint) id, 0 = top level
using CommandId = uint32_t;  // statement number inside a transaction
using PartitionId = uint32_t;

inline constexpr Timestamp kMaxTimestamp = ~Timestamp{0};
// The commit timestamp of bulk-loaded rows (Partition::load): below every snapshot's read
// timestamp (a node's timestamps start at its boot epoch << 40), so every reader sees them.
inline constexpr Timestamp kFrozenTimestamp = 1;
// What an optimistic transaction may write in one partition before COMMIT (Partition::write,
// unlocked): its writes stay in memory until then.
inline constexpr size_t kOptimisticBufferLimit = size_t{256} << 20;

struct KeySpace {
  uint32_t table_id = 0;
  uint32_t index_id = 0;  // 0: the table's rows
  friend bool operator==(const KeySpace&, const KeySpace&) = default;
};

// The newest committed version of a key.
struct Version {
  Timestamp commit_ts = 0;  // 0: no committed version exists
  bool deleted = false;     // the newest committed version is a deletion
  friend bool operator==(const Version&, const Version&) = default;
};

// What a transaction sees of itself: writes of commands < cid are visible, writes of
// subtransactions that were rolled back never are.
struct ReadView {
  Timestamp read_ts = 0;  // committed versions with commit_ts <= read_ts are visible
  TxnId txn = 0;          // 0: a read outside any transaction's own writes
  CommandId cid = 0;
  // SERIALIZABLE (SSI): the read takes SIREAD locks for `txn` in the partition (a point lock
  // for get(), a key-range lock for scan(), the whole keyspace for an unbounded scan) and
  // reports to the partition's SsiConflictSink every write it skips that the snapshot cannot
  // see: another transaction's pending intent or a version committed after read_ts (the
  // rw-antidependency "conflict out" of PostgreSQL's SSI).
  bool serializable = false;
};

// One row as a read returns it.
struct RowVersion {
  std::string key;
  std::string value;
  Version newest;            // the newest committed version of the key (for locking)
  Timestamp visible_ts = 0;  // commit_ts of the version returned; 0 if it is our own write
  bool own_write = false;    // the value is this transaction's uncommitted write
};

// ---- row locks ----

// What a lock is on (the same values as locks::LockKind).
enum class LockKind : uint8_t {
  kRow = 0,
  kTable = 1,
  kAdvisory = 2,
  kTransaction = 3,
  kResource = 4
};

// Told when a lock call parks its fiber and when the wait ends (pg_stat_activity's
// wait_event, wait metrics). In-process only: called on the waiting fiber, outside every
// lock-table mutex; a remote call would send these as progress messages.
class LockWaitObserver {
 public:
  virtual ~LockWaitObserver() = default;
  // first_in_queue: nobody waits ahead (PostgreSQL then waits on the holder's transaction).
  virtual void wait_started(LockKind kind, bool first_in_queue) = 0;
  virtual void wait_ended() = 0;
};

// PostgreSQL's four row-lock strengths, weakest first. Conflicts (X = conflict):
//                  KeyShare Share NoKeyUpdate Update
//   KeyShare                                     X
//   Share                          X             X
//   NoKeyUpdate             X      X             X
//   Update         X        X      X             X
enum class LockStrength : uint8_t { kKeyShare = 0, kShare = 1, kNoKeyUpdate = 2, kUpdate = 3 };

enum class WaitPolicy : uint8_t {
  kBlock,       // wait (until the deadline)
  kNoWait,      // fail at once with kWouldBlock
  kSkipLocked,  // fail at once with kWouldBlock; the caller skips the row
};

enum class LockOutcome : uint8_t {
  kGranted,          // held now (or already held at this strength or stronger)
  kWouldBlock,       // NOWAIT / SKIP LOCKED and a conflicting holder or waiter exists
  kVersionMismatch,  // granted, but the newest committed version differs from `expected`;
                     // the lock is held and LockResult.newest tells the newest version
  kTimeout,          // the deadline passed while waiting (lock_timeout / WAIT n)
  kDeadlock,         // this waiter was chosen as a deadlock victim
  kCancelled,        // the statement was cancelled while waiting
  kMemoryExceeded,   // the lock table is full (53200)
};

struct LockRequest {
  KeySpace space;
  std::string key;
  TxnId txn = 0;
  SubId sub = 0;
  LockStrength strength = LockStrength::kUpdate;
  WaitPolicy policy = WaitPolicy::kBlock;
  std::optional<Version> expected;  // the version the caller saw; nullopt: don't check
  // Added (issue 8): `expected` came from a read at a snapshot with this read timestamp
  // (0: unknown). lock_batch may then skip reading the row again (mvcc/store.h,
  // last_resolved_commit()).
  Timestamp seen_at = 0;
  runtime::Deadline deadline = runtime::Deadline::max();
  runtime::CancelToken* cancel = nullptr;  // in-process only; a remote call carries an id
  // Added (issue 4): the session (backend) the transaction belongs to, 0 = none: one vertex
  // of the node's waits-for graph with the session's advisory locks (PostgreSQL's PGPROC).
  uint64_t group = 0;
  std::chrono::milliseconds deadlock_timeout{1000};  // the session's deadlock_timeout
  LockWaitObserver* observer = nullptr;              // in-process only, like cancel
  // PostgreSQL's row behaviour: a request compatible with every current holder is granted
  // even if a conflicting request waits (heap_lock_tuple never queues it). false: strict
  // FIFO per row (partition/locks/README.md G2).
  bool overtake_compatible = false;
  // Added (issue 8): the caller reads only the outcome (a writer's key lock, `expected`
  // unset): the partition may leave LockResult::newest unset and skip reading the row (a
  // point read per lock). Not carried by the partition RPC: a remote partition reads it.
  bool outcome_only = false;
};

// One edge of a deadlock cycle (40P01 DETAIL): `waiter` waits for `mode` on `what`, blocked
// by `blocker`. Waiter and blocker are vertices: the group (session) if set, else the owner;
// a lock-service wait is its session's (ObjectLockRequest::waiter), and a wait for a service
// owner's hold names the session acting for the owner in the cycle (link_waits).
struct DeadlockEdge {
  uint64_t waiter = 0;
  LockKind kind = LockKind::kRow;
  uint32_t a = 0, b = 0;
  std::string key;
  uint8_t mode = 0;  // kRow: a LockStrength; else a table lock mode 1..8
  uint64_t blocker = 0;
  // The owner of the blocker's conflicting hold (its TxnId for a transaction's lock), 0 when
  // the blocker is a waiter ahead: the row DETAIL's "transaction %u" when the blocker is
  // another node's session (whose transaction this node cannot look up).
  uint64_t blocker_owner = 0;
};

struct LockResult {
  LockOutcome outcome = LockOutcome::kGranted;
  Version newest;                      // the newest committed version when the call returned
                                       // (unset for LockRequest::outcome_only)
  std::optional<std::string> value;    // its value, when kVersionMismatch and not deleted
  std::vector<TxnId> blockers;         // for kWouldBlock: who holds or waits ahead
  std::vector<DeadlockEdge> deadlock;  // for kDeadlock: the cycle, this waiter's edge first
};

// ---- object locks (issue 4): table, advisory and transaction locks ----
//
// They travel through the seam like row locks, so a cluster needs no other path: the
// coordinator routes an object lock to partition hash(tag) % N (coord/txn_manager.h), and
// every partition's lock table shares the node's waits-for graph, so one detector sees
// cycles across partitions and kinds (a table lock waiting for an advisory lock ...).
//
// Modes are PostgreSQL's table lock modes 1..8 (AccessShare=1 .. AccessExclusive=8);
// advisory shared = Share (5), exclusive = Exclusive (7); PostgreSQL's conflict table.
// Owners: a transaction's locks are owned by its TxnId; session-level advisory locks by the
// session's owner id (SessionContext::session_lock_owner()). `group` is the session's owner
// id for both, so a backend never conflicts with itself (PostgreSQL's rule).
struct ObjectTag {
  LockKind kind = LockKind::kTable;  // never kRow
  uint32_t a = 0;                    // kTable: table oid
  uint32_t b = 0;                    // kAdvisory: 1 = one int8 key, 2 = two int4 keys
  std::string key;                   // kAdvisory: 8-byte big-endian key; kTransaction: txn id
  friend bool operator==(const ObjectTag&, const ObjectTag&) = default;
};
inline std::string be64_key(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}
inline ObjectTag table_object(uint32_t table_oid) {
  return ObjectTag{LockKind::kTable, table_oid, 0, {}};
}
inline ObjectTag advisory_object(int64_t key) {  // pg_advisory_lock(bigint)
  return ObjectTag{LockKind::kAdvisory, 0, 1, be64_key(static_cast<uint64_t>(key))};
}
inline ObjectTag advisory_object(int32_t key1, int32_t key2) {  // pg_advisory_lock(int, int)
  return ObjectTag{
      LockKind::kAdvisory, 0, 2,
      be64_key(uint64_t{static_cast<uint32_t>(key1)} << 32 | static_cast<uint32_t>(key2))};
}
// A lock-service resource (issue 11, locksvc/lock_service.h): READ = Share (5), WRITE =
// Exclusive (7), owned by the service owner's id rather than a transaction or a session.
inline ObjectTag resource_object(const std::string& name) {
  return ObjectTag{LockKind::kResource, 0, 0, name};
}
// The routing key of an object tag (the coordinator hashes it to choose the partition):
// kind, a, b and key, so a table lock routes by table id and an advisory lock by its key.
inline std::string routing_key(const ObjectTag& tag) {
  std::string s(1, static_cast<char>(tag.kind));
  s += be64_key(uint64_t{tag.a} << 32 | tag.b);
  s += tag.key;
  return s;
}

struct ObjectLockRequest {
  ObjectTag tag;
  uint8_t mode = 0;
  uint64_t owner = 0;
  uint64_t group = 0;
  SubId sub = 0;
  WaitPolicy policy = WaitPolicy::kBlock;
  runtime::Deadline deadline = runtime::Deadline::max();
  runtime::CancelToken* cancel = nullptr;  // in-process only
  std::chrono::milliseconds deadlock_timeout{1000};
  LockWaitObserver* observer = nullptr;  // in-process only
  bool overtake_compatible = false;      // added (issue 11): as LockRequest's
  // Added (issue 11): the vertex that waits when it is not the holder (a lock-service call:
  // the hold is the service owner's, owner = group; the waiter is the calling session's
  // vertex). 0: group, else owner, as for every other lock.
  uint64_t waiter = 0;
};

struct ObjectLockResult {
  LockOutcome outcome = LockOutcome::kGranted;  // never kVersionMismatch
  std::vector<DeadlockEdge> deadlock;           // for kDeadlock
};

// One lock held or awaited, for pg_locks.
struct LockEntry {
  LockKind kind = LockKind::kRow;
  uint32_t a = 0, b = 0;
  std::string key;
  uint64_t owner = 0;
  uint64_t group = 0;
  uint8_t mode = 0;
  bool granted = false;
  bool first_waiter = false;                // !granted and first in its queue
  runtime::Clock::time_point wait_start{};  // when !granted
  bool fastpath = false;  // a coordinator's fast-path table lock (never a partition's)
};

// Who blocks a waiting owner: holders of conflicting modes and conflicting waiters ahead.
struct Blocker {
  uint64_t owner = 0;
  uint64_t group = 0;
};

// The waits of a partition's node (doc/cluster.md §4 "Deadlocks (C5)"): every lock somebody
// waits for there, with its holds and its queue, and the node's links (link_waits). A node's
// deadlock check reads its peers' to find cycles whose edges sit on several nodes. Modes
// are the lock table's numbers (partition/locks/lock_table.h), as is every kind.
struct NodeWaits {
  struct Queued {
    uint64_t vertex = 0;       // who waits
    uint64_t hold_vertex = 0;  // whose holds it never waits for (its own)
    uint8_t mode = 0;
    uint64_t wait_id = 0;  // this wait on that node; a later wait of the vertex has another
  };
  struct Lock {
    ObjectTag tag;  // of any kind here, kRow too (a = table, b = index, key = the row's)
    struct Held {
      uint64_t vertex = 0;  // the holder's group, else its owner
      uint64_t owner = 0;
      uint8_t mode = 0;
    };
    std::vector<Held> holds;
    std::vector<Queued> queue;  // queue order
  };
  std::vector<Lock> locks;
  std::vector<std::pair<uint64_t, uint64_t>> links;  // holder -> actor
};

// A soft deadlock's rearrangement of one wait queue of a partition's node (C5): the lock and
// its waits (vertex, wait_id) in the new order.
struct WaitOrder {
  ObjectTag tag;  // as NodeWaits::Lock's
  std::vector<std::pair<uint64_t, uint64_t>> waits;
};

// The other nodes of a cluster as a deadlock check sees them (C5): a node's check gathers its
// peers' waits in one step and sends a rearrangement to the peer whose queue it is. Peers are
// numbered 0..peers()-1 by the implementation (partition_rpc::ClusterWaits).
class PeerWaits {
 public:
  virtual ~PeerWaits() = default;
  virtual size_t peers() const = 0;
  // One gathering: every peer i with ask[i] (every peer when ask is empty) is asked at once,
  // and the answers are awaited together until `deadline`, never later: out[i] is peer i's
  // waits, or nullopt when it was not asked, is gone, or has not answered by then (a stopped
  // node). MAY SUSPEND. Never throws for a peer.
  virtual std::vector<std::optional<NodeWaits>> gather(runtime::Deadline deadline,
                                                       const std::vector<bool>& ask) = 0;
  // Sends a rearrangement of one of peer i's queues (Partition::reorder_waits); a peer that
  // is gone keeps its queues. MAY SUSPEND.
  virtual void reorder(size_t peer, const WaitOrder& order) = 0;
};

// ---- scans ----

struct ScanRequest {
  KeySpace space;
  std::string start;  // inclusive; empty: from the first key of the keyspace
  std::string end;    // exclusive; empty: to the last key
  ReadView view;
  bool reverse = false;
  size_t limit = 0;  // 0: no limit (a hint: the cursor may stop early)
  // Added (issue 13): the name of a row filter the caller applies to every row it reads, ""
  // for none. The same name in the same keyspace MUST mean the same predicate over a row's
  // value alone (no parameters, time or settings), so its answer for a version never changes.
  // The caller reports the rows that fail it (RowCursor::reject); a partition may then
  // remember ranges where no row passes it and let later scans with the same filter skip them
  // (mvcc/store.h, filtered ranges). Not carried by the partition RPC (a hint).
  std::string filter;
  // Added (issue 8): a read of a whole keyspace that a bulk operation makes once (a table
  // rewrite): the blocks it reads from storage are not kept in the block cache, where they
  // would push out what the workload reads again. Set only by such callers (never by a scan's
  // size: a queue's claim scans are small and hot). Not carried by the partition RPC (a hint).
  bool bulk = false;
};

// Rows in key order (reverse order if asked), visible to the view. A cursor is owned by one
// fiber and is not thread-safe. It reads a consistent picture as of the view.
class RowCursor {
 public:
  virtual ~RowCursor() = default;
  // The next visible row, or nullopt at the end.
  virtual std::optional<RowVersion> next() = 0;
  // Added (issue 13): the row next() returned last fails the scan's filter
  // (ScanRequest::filter). Call it before the next next(); the default ignores it.
  virtual void reject() {}
};

// The partition's answer about one key's newest state, including intents.
struct LatestState {
  Version newest;                    // newest committed version
  std::optional<std::string> value;  // its value if it exists and is not deleted
  TxnId intent_txn = 0;              // an uncommitted write by this transaction, if any
};

// Whether a transaction committed: partitions ask when they meet another transaction's
// intent. Implemented by the coordinator's transaction table (in-process) and, in a
// cluster, by an RPC to the transaction's coordinator.
enum class TxnState : uint8_t { kPending, kCommitted, kAborted };
struct TxnStatus {
  TxnState state = TxnState::kAborted;
  Timestamp commit_ts = 0;  // when kCommitted
};
class TxnStatusOracle {
 public:
  virtual ~TxnStatusOracle() = default;
  // An unknown TxnId is a transaction that never committed (it died with a crash): kAborted.
  virtual TxnStatus status(TxnId txn) = 0;
};

// SERIALIZABLE (SSI). The conflict graph lives with the coordinator; partitions report what
// their serializable reads skipped. In-process only today: a remote partition would send these
// as messages to the reader's coordinator. Called outside every partition mutex; never suspends.
class SsiConflictSink {
 public:
  virtual ~SsiConflictSink() = default;
  // A serializable read by `reader` skipped a pending intent of `writer`.
  virtual void read_skipped_intent(TxnId reader, TxnId writer) = 0;
  // A serializable read by `reader` skipped a version committed at `commit_ts` (> its snapshot).
  virtual void read_skipped_commit(TxnId reader, Timestamp commit_ts) = 0;
};

class Partition {
 public:
  virtual ~Partition() = default;
  virtual PartitionId id() const = 0;

  // Reads at a view. get() returns the visible version of one key, if any.
  virtual std::optional<RowVersion> get(const KeySpace& space, const std::string& key,
                                        const ReadView& view) = 0;
  virtual std::unique_ptr<RowCursor> scan(const ScanRequest& req) = 0;
  // The newest committed state of a key, ignoring any snapshot (EvalPlanQual reads this).
  // own: the asking transaction (0: none); LatestState::intent_txn reports its own
  // uncommitted write of the key, wherever the partition keeps it.
  virtual LatestState latest(const KeySpace& space, const std::string& key, TxnId own = 0) = 0;

  // Row locks. MAY SUSPEND. See LockOutcome for the answers.
  virtual LockResult lock(const LockRequest& req) = 0;

  // Added (issue 8): many row locks of one statement in one call. Never suspends. Answers
  // reqs[0], reqs[1], ... in order, each as lock() would without waiting, and stops BEFORE
  // the first kBlock request that would have to wait (the caller sends that one to lock(),
  // then the rest again) and AFTER a kVersionMismatch, a kWouldBlock of a kNoWait request or
  // a kMemoryExceeded (the caller acts on those before any later row is locked, as
  // PostgreSQL's LockRows does). Returns the answers (a prefix of reqs, possibly empty).
  // REQUIRES: every request has the same txn, sub, group and overtake_compatible.
  // The default answers nothing: the caller then locks one row at a time with lock().
  virtual std::vector<LockResult> lock_batch(const std::vector<LockRequest>& reqs) {
    (void)reqs;
    return {};
  }

  // Added (issue 8): true when lock(req) with kSkipLocked would answer kWouldBlock now because
  // another transaction holds a conflicting lock on the row (locks::LockTable::
  // row_held_by_other); false says nothing. Never suspends, takes nothing. The default (a
  // partition that cannot tell without a round trip) says nothing.
  virtual bool row_lock_taken(const LockRequest& req) {
    (void)req;
    return false;
  }
  // Added (issue 8): takes back grants of lock_batch() the caller will not use (rows after
  // the place where another partition's batch stopped): one take of reqs[i].strength by
  // reqs[i].txn in its latest subtransaction each, as if never asked. Never suspends.
  virtual void unlock_batch(const std::vector<LockRequest>& reqs) { (void)reqs; }

  // Writes an intent: value, or a deletion when value is nullopt. REQUIRES: txn holds a
  // NoKeyUpdate or Update lock on (space, key) in this partition, or no other transaction can
  // reach the key until txn ends (a fresh row id from a sequence; a keyspace a table rewrite
  // fills under ACCESS EXCLUSIVE). The partition may keep the
  // intent where only txn's own reads see it until prepare() / write_commit_record() (no
  // other transaction may write the key meanwhile, and readers skip uncommitted writes);
  // publish: make it visible to every reader's conflict checks at once (SERIALIZABLE: a
  // concurrent serializable reader must notice the write it skips).
  // new_key: the caller knows no version of the key was ever stored (a keyspace its
  // transaction created), so the partition need not read for one.
  // unlocked (added, issue 10): an optimistic transaction writes before it holds any lock. The
  // partition keeps the intent where only txn's own reads see it and never moves it to
  // storage (no spill) until prepare() / write_commit_record() / commit_one_phase(), which the
  // coordinator calls only after it took the key's lock at COMMIT. Throws SqlError 53200
  // when txn's unlocked writes in this partition pass kOptimisticBufferLimit bytes.
  virtual void write(TxnId txn, SubId sub, CommandId cid, const KeySpace& space,
                     const std::string& key, const std::optional<std::string>& value,
                     bool publish = false, bool new_key = false, bool unlocked = false) = 0;

  // Added (issue 8): bulk loading. Stores rows of a keyspace that nobody but txn can reach
  // until it ends (a table txn created, truncated or rewrote in its current subtransaction,
  // under ACCESS EXCLUSIVE) as committed versions that every snapshot sees (commit ts
  // kFrozenTimestamp), as PostgreSQL's COPY FREEZE stores frozen tuples: no lock, intent,
  // write buffer or resolution per row. Written at once and unsynced; txn's commit point (the
  // synced write of write_commit_record() or commit_one_phase(), on the log these rows are in)
  // makes them durable, so a participant that loaded takes part in the commit even when it
  // wrote nothing else. abort(), and rollback_subtransactions() of sub or an ancestor,
  // delete the keyspace's rows in this partition (they would be unreachable garbage anyway:
  // the catalog never gives a keyspace's table id to another table).
  // REQUIRES: no version of any of the keys was ever stored in `space`; no other transaction
  // reads or writes `space` before txn ends. Returns false when the partition cannot load (a
  // partition on another node today): the caller writes intents instead. The rows may be
  // readable only after finish_loads().
  virtual bool load(TxnId txn, SubId sub, const KeySpace& space,
                    const std::vector<std::pair<std::string, std::string>>& rows) {
    (void)txn, (void)sub, (void)space, (void)rows;
    return false;
  }
  // Makes every row txn load()ed here so far readable (the partition may hold rows back until
  // then: in a file it adds to storage whole). REQUIRES: called before txn reads a keyspace it
  // loaded and before its commit point. MAY SUSPEND (a file's fsync).
  virtual void finish_loads(TxnId txn) { (void)txn; }

  // Added (issue 8): the keyspaces {table_id, *} are garbage: no transaction will read or
  // write them again (the catalog dropped or replaced the table's storage, and that is
  // final: committed, or the creation rolled back). The partition frees their storage in
  // the background. Never suspends. The default keeps them.
  virtual void drop_keyspaces(uint32_t table_id) { (void)table_id; }

  // Savepoints: undo the intents and release the locks of subtransactions >= first_aborted.
  virtual void rollback_subtransactions(TxnId txn, SubId first_aborted) = 0;

  // Commit protocol (coord/transaction.h). prepare() makes the intents durable where they
  // are not already; commit() turns them into versions at commit_ts and releases the locks;
  // abort() drops them and releases the locks. commit() and abort() are idempotent.
  virtual void prepare(TxnId txn) = 0;
  // The commit point: writes the transaction's commit record durably (synced WAL, shared
  // with concurrent commits), with this partition's own intents (its prepare()). MAY
  // SUSPEND. Called on one partition per transaction.
  virtual void write_commit_record(TxnId txn, const std::vector<PartitionId>& participants) = 0;
  virtual void commit(TxnId txn, Timestamp commit_ts) = 0;
  virtual void abort(TxnId txn) = 0;
  // The commit point of a transaction whose writes are all in this partition and in `with`:
  // they become versions at commit_ts in one synced write (no commit record: the write is
  // atomic, so recovery has nothing to redo). MAY SUSPEND. Its locks stay held:
  // commit(txn, commit_ts) on each partition releases them, once the coordinator has
  // published commit_ts. Throws when the write fails (the coordinator then aborts).
  // REQUIRES: every partition in `with` has this partition's commit_group() (a partition that
  // can write theirs atomically with its own); no other partition holds writes of txn.
  virtual void commit_one_phase(TxnId txn, Timestamp commit_ts,
                                const std::vector<PartitionId>& with = {}) = 0;
  // Added (issue 8): commit_one_phase(), calling on_durable() once the write is durable and
  // the rows are readable by a snapshot at commit_ts, on whatever thread learns it (a local
  // partition: the WAL sync thread), before this returns. The coordinator publishes commit_ts
  // there, so the commits reserved after this one need not wait for this fiber to be
  // scheduled again before they are visible and unlock (under load a fiber waits milliseconds
  // in its executor's run queue). Called exactly once when this returns normally, never when
  // it throws. on_durable MUST NOT suspend or throw. When on_durable runs, txn's writes in
  // this partition and in `with` are resolved: commit(txn, commit_ts) called from it (or
  // after it) on them only releases locks. The default calls it after commit_one_phase()
  // returns.
  virtual void commit_one_phase_then(TxnId txn, Timestamp commit_ts,
                                     const std::vector<PartitionId>& with,
                                     const std::function<void()>& on_durable) {
    commit_one_phase(txn, commit_ts, with);
    on_durable();
  }
  // Added (issue 8): the partition lives in this process, and commit() of a transaction whose
  // writes here are all resolved (commit_one_phase_then's on_durable has run, or the
  // transaction only locked here) only releases its locks: it never suspends, never throws
  // but for memory, and may be called from any thread (the thread that publishes a one-phase
  // commit releases its locks there, coord/txn_manager.cc). False (the default): a partition
  // behind a network call.
  virtual bool in_process() const { return false; }
  // Partitions with the same non-zero commit group can commit a transaction together in one
  // atomic write (commit_one_phase with `with`): they share a node and its log. 0: none.
  // A transaction that wrote across groups commits in two phases.
  virtual uint64_t commit_group() const { return 0; }
  // Added (issue 12 item 6): locks granted here may be lost to a change of leader (a
  // replicated partition, served only by its Raft group's leader: LocalPartition G1-G5).
  // The coordinator then calls prepare() of a transaction that only locked here before its
  // commit point: it fails with 40001 once the locks may have been lost. False (the
  // default): locks live as long as the partition's process (one node; no call needed).
  virtual bool leader_only() const { return false; }

  // ---- object locks (issue 4) ----
  // MAY SUSPEND (kBlock). Granted, kWouldBlock (NOWAIT), kTimeout, kCancelled, kDeadlock
  // (with the cycle), kMemoryExceeded. A transaction's object locks go with commit()/
  // abort()/rollback_subtransactions() like its row locks.
  virtual ObjectLockResult lock_object(const ObjectLockRequest& req) = 0;
  // Drops one hold of `mode` (the latest subtransaction's); false if none is held.
  virtual bool unlock_object(const ObjectTag& tag, uint64_t owner, uint8_t mode) = 0;
  // Drops every lock of `owner` (a session's advisory locks at session end / unlock_all).
  virtual void release_owner(uint64_t owner) = 0;
  // Every lock held or awaited in this partition (row holds included), for pg_locks.
  virtual std::vector<LockEntry> lock_view() = 0;
  // If `owner` waits in this partition: who blocks it (pg_blocking_pids).
  virtual std::vector<Blocker> blockers(uint64_t owner) = 0;
  // Added (issue 11): adds (add) or removes one link holder -> actor in the node's waits-for
  // graph (partition/locks/lock_table.h, WaitGraph::link): the holds of `holder` (a
  // lock-service owner) cannot go until `actor` (a session vertex) proceeds. Never suspends.
  virtual void link_waits(uint64_t holder, uint64_t actor, bool add) {
    (void)holder, (void)actor, (void)add;
  }
  // Added (issue 12, C5): every wait of this partition's node (its partitions share one
  // waits-for graph), as plain values. Never waits for a lock; a remote call is one round trip.
  virtual NodeWaits node_waits() { return {}; }
  // Added (C5): installs a peer's rearrangement of one of the node's wait queues if that
  // queue still holds exactly those waits (and grants whoever can then proceed); whether it
  // did. Never waits for a lock.
  virtual bool reorder_waits(const WaitOrder& order) {
    (void)order;
    return false;
  }

  // ---- SERIALIZABLE (SSI) SIREAD locks ----
  // SIREAD locks are taken by serializable reads (ReadView::serializable) and belong to the
  // partition that owns the keys. The transactions other than `writer` whose SIREAD locks
  // cover (space, key) (a point lock on the key, a range holding it, the whole keyspace): the
  // writer's coordinator flags rw-conflicts reader -> writer ("conflict in"). replaces: the
  // write replaces the key's live version, and a key lock taken on an older version (already
  // overwritten by another writer) does not count, as PostgreSQL's tuple lock is on the
  // version read; false for a uniqueness check (PostgreSQL checks the index page).
  virtual std::vector<TxnId> siread_holders(const KeySpace& space, const std::string& key,
                                            TxnId writer, bool replaces = true) {
    (void)space, (void)key, (void)writer, (void)replaces;
    return {};
  }
  // Drops every SIREAD lock of txn (when no concurrent transaction can need them any more).
  virtual void release_siread(TxnId txn) { (void)txn; }
};

}  // namespace hf::partition_api
