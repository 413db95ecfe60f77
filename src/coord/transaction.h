// coord/transaction.h — the transaction coordinator, as the SQL executor sees it.
//
// One Transaction object per SQL transaction, owned by the session and used only from the
// session's fiber (not thread-safe). It holds the snapshot, the command id, the
// subtransaction stack, and the set of partitions it touched. It reaches partitions only
// through partition_api::Partition, routing each key by the hash of a routing key that the
// SQL layer supplies (the encoded primary key for rows, the encoded index key for index
// entries), so it never depends on where a partition lives.
//
// Snapshots. READ COMMITTED takes a new snapshot at each start_statement(); REPEATABLE READ
// and SERIALIZABLE take one at the first statement.
//
// SERIALIZABLE adds Serializable Snapshot Isolation (coord/ssi.h): reads take SIREAD locks in
// the partitions (ReadView::serializable), writes ask the partition which concurrent readers
// hold SIREAD locks on the key, and the coordinator's conflict graph fails a transaction with
// 40001 "could not serialize access due to read/write dependencies among transactions" when
// a dangerous structure appears (at a read, a write or commit, as PostgreSQL does). A snapshot is
// the published commit timestamp: every commit at or below it is durable and visible, none above it
// is.
//
// Commit protocol (one node today, many later):
//   1. prepare() on every participant partition but the anchor (partitions keep a
//      transaction's intents in memory until then: its buffered writes go to the WAL);
//   2. write_commit_record() on the anchor partition: the synced commit point, with the
//      anchor's own intents in the same write (a single-partition transaction commits with
//      one synced write and one resolution write, whatever it wrote);
//   3. the timestamp oracle assigns commit_ts and publishes it, and the transaction table
//      marks the transaction committed at that timestamp (both under one mutex, so a
//      snapshot never sees half a commit);
//   4. commit(txn, ts) on every participant: intents become versions, locks are released.
// A read-only transaction skips all four. Abort calls abort() on every participant.
//
// Object locks (issue 4). Table, advisory and transaction locks travel through the
// partition seam like row locks: an object lock goes to partition hash(routing_key(tag)) % N
// (a table lock by table oid, an advisory lock by its key), and all partitions' lock tables
// share the node's waits-for graph, so one detector finds cycles across partitions and kinds.
// Owners: the transaction's own locks (row, table, pg_advisory_xact_lock) are owned by its
// TxnId and released at commit/abort and by ROLLBACK TO; session-level advisory locks are
// owned by the session's owner id (LockSession::lock_group()) and survive transactions until
// unlocked, pg_advisory_unlock_all() or the session's end (TxnManager::release_owner). Every
// request carries group = the session's owner id, so a backend never conflicts with itself.
// Table locks are cached per (table, mode) in the Transaction: a statement that finds its
// lock already taken in this transaction costs one hash lookup, no lock-table round trip.
//
// Errors end the statement as hf::SqlError (PostgreSQL's SQLSTATE and text); a deadlock
// victim gets 40P01 "deadlock detected" with PostgreSQL's DETAIL ("Process 12345 waits for
// ShareLock on transaction 678; blocked by process 12346." one line per edge) and HINT.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "partition_api/partition.h"

namespace hf::coord {

using partition_api::CommandId;
using partition_api::KeySpace;
using partition_api::LatestState;
using partition_api::LockOutcome;
using partition_api::LockResult;
using partition_api::LockStrength;
using partition_api::ReadView;
using partition_api::RowCursor;
using partition_api::RowVersion;
using partition_api::SubId;
using partition_api::Timestamp;
using partition_api::TxnId;
using partition_api::Version;
using partition_api::WaitPolicy;

using partition_api::Blocker;
using partition_api::DeadlockEdge;
using partition_api::LockEntry;
using partition_api::LockKind;
using partition_api::ObjectTag;

enum class Isolation : uint8_t { kReadCommitted, kRepeatableRead, kSerializable };

// PostgreSQL's table lock modes (pg_locks.mode spelling in table_mode_name()).
namespace table_mode {
inline constexpr uint8_t kAccessShare = 1;
inline constexpr uint8_t kRowShare = 2;
inline constexpr uint8_t kRowExclusive = 3;
inline constexpr uint8_t kShareUpdateExclusive = 4;
inline constexpr uint8_t kShare = 5;
inline constexpr uint8_t kShareRowExclusive = 6;
inline constexpr uint8_t kExclusive = 7;
inline constexpr uint8_t kAccessExclusive = 8;
}  // namespace table_mode
// "AccessShareLock" ... "AccessExclusiveLock"; kRow strengths as PostgreSQL's tuple lock
// modes (KeyShare "AccessShareLock", Share "RowShareLock", NoKeyUpdate "ExclusiveLock",
// Update "AccessExclusiveLock").
const char* lock_mode_name(LockKind kind, uint8_t mode);

// What a transaction needs from the session that runs it, for locks. Implemented by the
// session; called only from the session's fiber (wait_observer()'s calls too).
class LockSession {
 public:
  virtual ~LockSession() = default;
  // The session's owner id: group of every lock of the session, owner of its session-level
  // advisory locks. Never a TxnId (TxnIds stay below 1 << 62).
  virtual uint64_t lock_group() const = 0;
  virtual std::chrono::milliseconds deadlock_timeout() = 0;      // the current setting
  virtual partition_api::LockWaitObserver* wait_observer() = 0;  // may be null
  // A request ended without its lock (metrics): kWouldBlock under NOWAIT / SKIP LOCKED,
  // kTimeout, kDeadlock, kCancelled.
  virtual void lock_failed(LockOutcome outcome, WaitPolicy policy) = 0;
  // For the 40P01 DETAIL: the backend pid of a waits-for vertex (a group or an owner), and
  // the transaction it runs (0: none).
  virtual int32_t pid_of(uint64_t vertex) = 0;
  virtual uint64_t txn_of(uint64_t vertex) = 0;
  // The session's cancel token, for waits outside the lock table (a SERIALIZABLE READ ONLY
  // DEFERRABLE transaction waiting for a safe snapshot). Added for SSI; may be null.
  virtual runtime::CancelToken* wait_cancel() { return nullptr; }
};

// How to wait for a row lock.
struct LockWait {
  WaitPolicy policy = WaitPolicy::kBlock;
  runtime::Deadline deadline = runtime::Deadline::max();
  runtime::CancelToken* cancel = nullptr;
};

// One row of Transaction::lock_rows() (added, issue 8): lock()'s arguments.
struct RowLockRequest {
  KeySpace space;
  std::string routing;
  std::string key;
  LockStrength strength = LockStrength::kUpdate;
  LockWait wait;
  std::optional<Version> expected;
  Timestamp seen_at = 0;  // expected was read at a snapshot of this read_ts (0: unknown)
};

class TxnManager;

class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual TxnId id() const = 0;
  virtual Isolation isolation() const = 0;
  virtual bool read_only() const = 0;
  // SET TRANSACTION READ ONLY once the transaction has begun (PostgreSQL allows it at any
  // point; a savepoint's ROLLBACK TO undoes it): statements refuse to write from then on, while
  // what the transaction wrote before stays and commits. read_only() above is the mode it began
  // in, which the commit protocol and SSI go by.
  void set_sql_read_only(bool on) { sql_read_only_ = on; }
  bool sql_read_only() const { return sql_read_only_ || read_only(); }
  // Added (issue 10): an optimistic transaction (coord/optimistic.h).
  virtual bool optimistic() const { return false; }

  // Statement boundary: a new command id; READ COMMITTED also takes a new snapshot.
  virtual void start_statement() = 0;
  // Added (issue 12): the boundary of a statement the session is about to bind and run. It is
  // start_statement(), and the statement's next start_statement() (the executor's, after
  // binding) keeps the snapshot taken here instead of taking another: one snapshot per
  // statement, as PostgreSQL takes its portal's snapshot once. Returns the catalog version read
  // with that snapshot (TxnRegistry::take_statement_snapshot) when this call took one, so the
  // catalog needs no round trip of its own to know whether to read itself again; nullopt when
  // it took none (REPEATABLE READ after its first statement, SERIALIZABLE).
  virtual std::optional<uint64_t> begin_statement() {
    start_statement();
    return std::nullopt;
  }
  // The statement begun by begin_statement() ended: its snapshot is no longer kept for the
  // next start_statement() (a statement that never reached the executor).
  virtual void end_statement() {}
  virtual ReadView view() const = 0;

  // Reads at the statement's view.
  virtual std::optional<RowVersion> get(const KeySpace& space, const std::string& routing,
                                        const std::string& key) = 0;
  // get() without SERIALIZABLE's SIREAD lock and conflict-out check: the uniqueness checks
  // of a write, which PostgreSQL makes with a dirty snapshot that leaves no predicate lock.
  // Added for SSI; the default reads with get().
  virtual std::optional<RowVersion> probe(const KeySpace& space, const std::string& routing,
                                          const std::string& key) {
    return get(space, routing, key);
  }
  // Rows with start <= key < end (empty: unbounded), merged across partitions in key order.
  // With `routing` set, only the partition that routing key hashes to is read.
  virtual std::unique_ptr<RowCursor> scan(const KeySpace& space, const std::string& start,
                                          const std::string& end, bool reverse = false,
                                          const std::optional<std::string>& routing = {}) = 0;
  // Added (issue 13): scan() for a caller that applies a row filter named `filter` to every
  // row and reports the rows failing it with RowCursor::reject() (partition_api::ScanRequest::
  // filter says what the name must promise). The default ignores the filter.
  virtual std::unique_ptr<RowCursor> scan_filtered(const KeySpace& space, const std::string& start,
                                                   const std::string& end, bool reverse,
                                                   const std::optional<std::string>& routing,
                                                   const std::string& filter) {
    (void)filter;
    return scan(space, start, end, reverse, routing);
  }
  // Rows as a snapshot taken now sees them, with this transaction's own writes of every
  // command so far, the current one included: PostgreSQL's foreign-key checks read so (a
  // fresh snapshot after CommandCounterIncrement). Merged across partitions in key order.
  // Added for the referenced-row check of DELETE / UPDATE on a parent table; the default
  // (test doubles) reads at the statement's view.
  virtual std::unique_ptr<RowCursor> scan_latest(const KeySpace& space, const std::string& start,
                                                 const std::string& end) {
    return scan(space, start, end);
  }
  // One key as scan_latest() sees it: a snapshot taken now, with this transaction's own
  // writes of every command so far. A point read of the one partition `routing` names. Added
  // for the lock service's rows, read after their row lock; the default scans.
  virtual std::optional<RowVersion> get_latest(const KeySpace& space, const std::string& routing,
                                               const std::string& key) {
    (void)routing;
    auto c = scan_latest(space, key, key + std::string(1, '\0'));
    auto row = c->next();
    if (row && row->key == key) return row;
    return std::nullopt;
  }
  // The newest committed state of a key, whatever the snapshot (for EvalPlanQual).
  virtual LatestState latest(const KeySpace& space, const std::string& routing,
                             const std::string& key) = 0;

  // Row lock. MAY SUSPEND. `expected` is the version the caller read (nullopt: no check).
  virtual LockResult lock(const KeySpace& space, const std::string& routing, const std::string& key,
                          LockStrength strength, const LockWait& wait,
                          std::optional<Version> expected) = 0;

  // Added (issue 8): lock() at kUpdate without `expected` for a caller that uses only the
  // outcome (a writer locking a key it then writes): LockResult::newest may be unset, and the
  // partition need not read the row. MAY SUSPEND; throws as lock() does.
  virtual LockResult lock_outcome(const KeySpace& space, const std::string& routing,
                                  const std::string& key, const LockWait& wait) {
    return lock(space, routing, key, LockStrength::kUpdate, wait, std::nullopt);
  }

  // Added (issue 8): locks rows[first], rows[first + 1], ... in order, as lock() on each
  // would, sending many at once to each partition (Partition::lock_batch). Returns the
  // answers of a prefix, at least one; it stops after a kVersionMismatch or a kWouldBlock of
  // a NOWAIT row (the caller acts on it before any later row is locked, as PostgreSQL's
  // LockRows does) and after a row that had to wait. Rows not answered are not locked.
  // MAY SUSPEND; throws as lock() does. The default locks rows[first] with lock().
  virtual std::vector<LockResult> lock_rows(const std::vector<RowLockRequest>& rows, size_t first) {
    const RowLockRequest& r = rows.at(first);
    std::vector<LockResult> out;
    out.push_back(lock(r.space, r.routing, r.key, r.strength, r.wait, r.expected));
    return out;
  }

  // Added (issue 8): true when a SKIP LOCKED lock of the row at `strength` would be refused at
  // once now, another transaction holding a conflicting lock (Partition::row_lock_taken); the
  // session counts it as a skipped row then. false says nothing (the default; optimistic
  // transactions, which lock at COMMIT, always). Never suspends, locks nothing.
  virtual bool row_lock_taken(const KeySpace& space, const std::string& routing,
                              const std::string& key, LockStrength strength) {
    (void)space, (void)routing, (void)key, (void)strength;
    return false;
  }

  // Writes (value) or deletes (nullopt) a key. REQUIRES: the caller locked it at
  // kNoKeyUpdate or kUpdate in this transaction.
  // new_key: the key never existed (a keyspace this transaction created: a table rewrite), so
  // the partition need not look for an older version (Partition::write).
  virtual void write(const KeySpace& space, const std::string& routing, const std::string& key,
                     const std::optional<std::string>& value, bool new_key = false) = 0;

  // ---- bulk loading (added, issue 8) ----
  // A keyspace table id (catalog storage id) that this transaction just created: a table it
  // created, truncated or rewrote, held under ACCESS EXCLUSIVE until it ends. While the
  // transaction is still in the subtransaction that created it (or in the parent a RELEASE
  // merged it into), may_load() says so: a ROLLBACK TO then drops the keyspace as a whole,
  // so rows loaded into it need no undo of their own (PostgreSQL's COPY FREEZE conditions).
  virtual void note_new_keyspace(uint32_t table_id) { (void)table_id; }
  virtual bool may_load(uint32_t table_id) const {
    (void)table_id;
    return false;
  }
  // Stores a row of a keyspace for which may_load() holds (Partition::load: a committed
  // version every snapshot sees, no lock or intent). Rows are batched per partition and
  // reach storage at flush_loads(), which the caller runs before anything reads the keyspace
  // (the end of the statement); a batch may also go earlier, when it is large, and commit()
  // sends what is left. A failed statement's unflushed rows are dropped by the rollback_to()
  // or abort() that must follow it. REQUIRES: the key was never written in `space`. The
  // default writes an intent.
  virtual void load(const KeySpace& space, const std::string& routing, std::string key,
                    std::string value) {
    write(space, routing, key, value, /*new_key=*/true);
  }
  virtual void flush_loads() {}
  // While on, this transaction's scans are bulk reads (partition_api::ScanRequest::bulk): a
  // table rewrite reads its old keyspace once, without filling the storage's block cache.
  // The default ignores it.
  virtual void set_bulk_reads(bool on) { (void)on; }

  // Savepoints: a subtransaction per SAVEPOINT. rollback_to(s) undoes s and everything after
  // it, then continues in a new subtransaction; release(s) merges s into its parent.
  virtual SubId begin_subtransaction() = 0;
  virtual void rollback_to(SubId sub) = 0;
  virtual void release(SubId sub) = 0;

  // SERIALIZABLE: the rw-conflict check of a write of (space, key) without writing it.
  // PostgreSQL runs it before reporting a unique violation, so that a key this transaction's
  // concurrent readers depended on fails with 40001 rather than 23505. Throws 40001. Added for
  // SSI; the default (test doubles, other isolation levels) does nothing.
  virtual void check_write_conflict(const KeySpace& space, const std::string& routing,
                                    const std::string& key) {
    (void)space, (void)routing, (void)key;
  }

  // MAY SUSPEND (durable commit). Throws SqlError when the commit fails (then aborted).
  virtual void commit() = 0;
  virtual void abort() = 0;
  // Once commit() returned: the commit timestamp the oracle assigned, which orders this commit
  // among all others (LISTEN/NOTIFY deliver in this order). 0 when the transaction wrote
  // nothing (no timestamp is assigned then) or has not committed. Added for NOTIFY.
  virtual Timestamp commit_timestamp() const { return 0; }

  // Work that undoes an effect made outside this transaction's writes on its behalf (the
  // catalog's autonomous DDL commits): run, newest first, by abort() and by rollback_to(s) for
  // the undos registered in s or later; dropped by commit(). An undo MAY SUSPEND (it commits
  // catalog rows), so abort()/rollback_to() may suspend when there are any; an undo that
  // throws is skipped (the others still run). Added for transactional DDL (class-B specs);
  // the default keeps test doubles that never run DDL compiling.
  virtual void on_rollback(std::function<void()> undo) { (void)undo; }

  // ---- object locks (issue 4); see the top of this file ----
  // Table lock in one of PostgreSQL's modes. MAY SUSPEND. True when held (at once if this
  // transaction took that mode already); false only under NOWAIT / SKIP LOCKED when it is
  // not available (the caller words the error). Throws 55P03 lock timeout, 57014 cancel /
  // statement timeout, 40P01 deadlock, 53200 out of shared memory.
  virtual bool lock_table(uint32_t table_oid, uint8_t mode, const LockWait& wait) = 0;
  // Advisory lock (tag from partition_api::advisory_object). session_level: owned by the
  // session, kept across transactions; else by this transaction. MAY SUSPEND. Same answers.
  virtual bool lock_advisory(const ObjectTag& tag, bool shared, const LockWait& wait,
                             bool session_level) = 0;
  // Releases one session-level hold (pg_advisory_unlock); false if the session holds none.
  virtual bool unlock_advisory(const ObjectTag& tag, bool shared) = 0;
  // Releases every session-level advisory lock of the session (pg_advisory_unlock_all).
  virtual void unlock_all_advisory() = 0;
  // The manager that started this transaction (for pg_locks / pg_blocking_pids).
  virtual TxnManager& manager() = 0;

  // ---- the lock service (issue 11, locksvc/lock_service.h) ----
  // A resource lock (partition_api::resource_object) in `mode` (table_mode::kShare = READ,
  // kExclusive = WRITE) owned by `owner`, a lock-service owner id: the hold is not the
  // transaction's and outlives it (the service undoes it through on_rollback when the
  // transaction aborts). owner is also the request's group, so one owner never conflicts with
  // itself; while it waits, the waiter is the session (see act_for). overtake: granted at once when
  // compatible with every holder, even past a queued waiter (a downgrade). MAY SUSPEND. True when
  // granted; false under NOWAIT when it is not available; throws as lock_table() does (55P03
  // timeout, 40P01 with the cycle, 57014, 53200).
  virtual bool lock_resource(const ObjectTag& tag, uint8_t mode, const LockWait& wait,
                             uint64_t owner, bool overtake = false) {
    (void)tag, (void)mode, (void)wait, (void)owner, (void)overtake;
    return false;
  }
  // The session running this transaction acts for lock-service owner `owner` (an owner id)
  // until the transaction ends: the node's waits-for graph links owner -> the session
  // (partition/locks WaitGraph::link), so whoever waits for the owner's holds waits for this
  // session, and a cycle through it is a deadlock (40P01). A lock-service wait itself is the
  // session's (its vertex is the session, the hold it gets is the owner's). Once per owner per
  // transaction; no-op without a session. Never suspends.
  virtual void act_for(uint64_t owner) { (void)owner; }
  // Drops one hold of `mode` by `owner`; false if it holds none.
  virtual bool unlock_resource(const ObjectTag& tag, uint64_t owner, uint8_t mode) {
    (void)tag, (void)owner, (void)mode;
    return false;
  }
  // Work to run once the transaction committed (never when it aborts): the lock service
  // releases in-memory holds only when their release is durable. Run in order, after the
  // commit is visible; a callback that throws is skipped.
  virtual void on_commit(std::function<void()> fn) { (void)fn; }
  // Work to run inside this transaction at the start of commit(), before its commit point:
  // it may write, and what it writes commits atomically with the rest. The catalog records
  // there that the transaction's DDL committed (catalog.h, "Durability"). Run in order; one
  // that throws aborts the transaction and commit() rethrows. Added for DDL durability; the
  // default (test doubles) drops it.
  virtual void before_commit(std::function<void()> fn) { (void)fn; }

 private:
  bool sql_read_only_ = false;
};

struct BeginOptions {
  Isolation isolation = Isolation::kReadCommitted;
  bool read_only = false;
  // SERIALIZABLE READ ONLY DEFERRABLE: the first statement waits for a safe snapshot (one no
  // serializable read-write transaction can make part of an anomaly), then runs without SSI.
  bool deferrable = false;
  LockSession* session = nullptr;  // added (issue 4); outlives the transaction; may be null
  // Added (issue 10): an optimistic transaction (coord/optimistic.h): no row lock until
  // COMMIT, which validates. validate_reads (holdfast.occ_validate_reads): also what it read,
  // through SSI at one snapshot, whatever the isolation level.
  bool optimistic = false;
  bool validate_reads = false;
};

// Starts transactions; one per server. Thread-safe.
class TxnManager {
 public:
  virtual ~TxnManager() = default;
  virtual std::unique_ptr<Transaction> begin(const BeginOptions& opts) = 0;
  // The published timestamp: a snapshot taken now sees exactly the commits at or below it.
  virtual Timestamp published() const = 0;
  virtual uint32_t partition_count() const = 0;
  // Added (issue 8): the keyspaces {table_id, *} are garbage in every partition
  // (Partition::drop_keyspaces): a dropped table's storage once its DROP committed, the
  // storage a TRUNCATE or rewrite replaced, the new storage of one rolled back. The default
  // keeps them.
  virtual void drop_keyspaces(uint32_t table_id) { (void)table_id; }
  // Added (issue 12): the catalog's version shared by every coordinator over the same
  // partitions (partition_api::TxnRegistry::catalog_version); the defaults: one coordinator.
  virtual uint64_t catalog_version() { return 0; }
  virtual uint64_t bump_catalog_version() { return 0; }
  // True when other coordinators may share the partitions (the registry is on another node):
  // state cached here (a sequence's values) would then be seen out of order elsewhere.
  virtual bool shares_partitions() const { return false; }

  // ---- locks of the whole node (issue 4) ----
  // Drops every lock owned by `owner` in every partition (a session's advisory locks at
  // session end).
  virtual void release_owner(uint64_t owner) = 0;
  // Every lock held or awaited in every partition (pg_locks).
  virtual std::vector<LockEntry> lock_view() = 0;
  // Who blocks any of `owners` (a session's transaction and its session owner id), in
  // every partition: conflicting holders and conflicting waiters ahead (pg_blocking_pids).
  virtual std::vector<Blocker> blockers(const std::vector<uint64_t>& owners) = 0;
  // While the transaction of lock group `group` (a session: LockSession::lock_group) waits
  // for a safe snapshot (SERIALIZABLE READ ONLY DEFERRABLE): the lock groups of the read-write
  // serializable transactions it waits for (pg_safe_snapshot_blocking_pids), wherever their
  // sessions run. Added for SSI; by group since issue 12.
  virtual std::vector<uint64_t> safe_snapshot_blocking_groups(uint64_t group) {
    (void)group;
    return {};
  }
};

}  // namespace hf::coord
