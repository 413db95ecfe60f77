// coord/txn_manager.cc — timestamp oracle, transaction table, routing, and the Transaction
// implementation (see txn_manager.h and transaction.h).
#include "coord/txn_manager.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/crash_point.h"
#include "common/error.h"
#include "common/wait_stats.h"
#include "coord/optimistic.h"
#include "coord/ssi.h"

namespace hf::coord {

using partition_api::Partition;
using partition_api::PartitionId;
using partition_api::TxnState;
using partition_api::TxnStatus;

uint64_t routing_hash(std::string_view routing) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : routing) {
    h ^= c;
    h *= 1099511628211ull;  // FNV-1a 64 prime
  }
  return h;
}

const char* lock_mode_name(LockKind kind, uint8_t mode) {
  static const char* const kNames[] = {"INVALID",
                                       "AccessShareLock",
                                       "RowShareLock",
                                       "RowExclusiveLock",
                                       "ShareUpdateExclusiveLock",
                                       "ShareLock",
                                       "ShareRowExclusiveLock",
                                       "ExclusiveLock",
                                       "AccessExclusiveLock"};
  static const uint8_t kRowToTuple[] = {1, 2, 7, 8};  // heapam.c tupleLockExtraInfo
  if (kind == LockKind::kRow) return mode < 4 ? kNames[kRowToTuple[mode]] : "INVALID";
  return mode >= 1 && mode <= 8 ? kNames[mode] : "INVALID";
}

namespace {

constexpr uint32_t kDatabaseOid = 5;  // "postgres", as pg_stat_activity shows it

// PostgreSQL's DescribeLockTag wording, for the 40P01 DETAIL.
std::string describe_wait(const DeadlockEdge& e, LockSession* s) {
  auto u64 = [](const std::string& k) {
    uint64_t v = 0;
    for (unsigned char c : k) v = (v << 8) | c;
    return v;
  };
  std::string mode = lock_mode_name(e.kind, e.mode);
  switch (e.kind) {
    case LockKind::kRow: {
      // PostgreSQL's row waiter waits for the holder's transaction: the hold's owner when
      // the edge names it (a blocker on another node is no session of this one), else the
      // blocker's current transaction.
      uint64_t txn = e.blocker_owner && e.blocker_owner < (uint64_t{1} << 62) ? e.blocker_owner : 0;
      if (txn == 0 && s) txn = s->txn_of(e.blocker);
      if (txn == 0 && e.blocker < (uint64_t{1} << 62)) txn = e.blocker;
      return "ShareLock on transaction " + std::to_string(txn);
    }
    case LockKind::kTable:
      return mode + " on relation " + std::to_string(e.a) + " of database " +
             std::to_string(kDatabaseOid);
    case LockKind::kAdvisory: {
      uint64_t v = u64(e.key);
      return mode + " on advisory lock [" + std::to_string(kDatabaseOid) + "," +
             std::to_string(v >> 32) + "," + std::to_string(v & 0xffffffffu) + "," +
             std::to_string(e.b) + "]";
    }
    case LockKind::kTransaction:
      return mode + " on transaction " + std::to_string(u64(e.key));
    case LockKind::kResource:
      return mode + " on holdfast resource \"" + e.key + "\"";
  }
  return mode;
}

[[noreturn]] void throw_deadlock(const std::vector<DeadlockEdge>& edges, LockSession* s) {
  std::string detail;
  for (const auto& e : edges) {
    if (!detail.empty()) detail += "\n";
    int32_t w = s ? s->pid_of(e.waiter) : static_cast<int32_t>(e.waiter);
    int32_t b = s ? s->pid_of(e.blocker) : static_cast<int32_t>(e.blocker);
    detail += "Process " + std::to_string(w) + " waits for " + describe_wait(e, s) +
              "; blocked by process " + std::to_string(b) + ".";
  }
  throw SqlError(sqlstate::kDeadlockDetected, "deadlock detected", detail,
                 "See server log for query details.");
}

// The answer to a lock request that did not get its lock and will not (except kWouldBlock,
// which the caller handles): PostgreSQL's errors.
[[noreturn]] void throw_lock_outcome(LockOutcome o, const LockWait& wait,
                                     const std::vector<DeadlockEdge>& edges, LockSession* s) {
  switch (o) {
    case LockOutcome::kTimeout:
      if (wait.cancel && wait.cancel->pending() == runtime::CancelToken::kStatementTimeout)
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
      throw SqlError(sqlstate::kLockNotAvailable, "canceling statement due to lock timeout");
    case LockOutcome::kDeadlock:
      throw_deadlock(edges, s);
    case LockOutcome::kMemoryExceeded:
      throw SqlError(sqlstate::kOutOfMemory, "out of shared memory", "",
                     "You might need to increase holdfast's --max-lock-memory.");
    default: {
      auto kind = wait.cancel ? wait.cancel->pending() : runtime::CancelToken::kUserRequest;
      if (kind == runtime::CancelToken::kStatementTimeout) {
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
      }
      if (kind == runtime::CancelToken::kTerminate) {
        throw FatalError(sqlstate::kAdminShutdown,
                         "terminating connection due to administrator command");
      }
      throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
    }
  }
}

// ---- the merge of several partitions' cursors in key order ----
class MergeCursor final : public RowCursor {
 public:
  MergeCursor(std::vector<std::unique_ptr<RowCursor>> cursors, bool reverse)
      : cursors_(std::move(cursors)), heads_(cursors_.size()), cmp_{&heads_, reverse} {}

  std::optional<RowVersion> next() override {
    if (!primed_) {
      primed_ = true;
      for (size_t i = 0; i < cursors_.size(); ++i) pull(i);
    }
    if (has_last_) {
      has_last_ = false;
      pull(last_);
    }
    if (heap_.empty()) return std::nullopt;
    std::pop_heap(heap_.begin(), heap_.end(), cmp_);
    const size_t src = heap_.back();
    heap_.pop_back();
    RowVersion out = std::move(heads_[src]);
    // The source is pulled ahead only when the caller asks for the next row, so that a
    // reject() of this row reaches its source before the source reads on.
    last_ = src;
    has_last_ = true;
    return out;
  }
  void reject() override {
    if (has_last_) cursors_[last_]->reject();
  }

 private:
  // The heap holds source numbers; each source's current row stays in heads_, so reordering
  // the heap moves no row (a million-row scan would move each row's strings ~log2(N) times).
  struct Cmp {
    const std::vector<RowVersion>* heads;
    bool reverse;
    // A max-heap pops the "largest": invert for ascending order.
    bool operator()(size_t a, size_t b) const {
      const std::string& ka = (*heads)[a].key;
      const std::string& kb = (*heads)[b].key;
      return reverse ? ka < kb : ka > kb;
    }
  };
  void pull(size_t i) {
    if (auto r = cursors_[i]->next()) {
      heads_[i] = std::move(*r);
      heap_.push_back(i);
      std::push_heap(heap_.begin(), heap_.end(), cmp_);
    }
  }
  std::vector<std::unique_ptr<RowCursor>> cursors_;
  std::vector<RowVersion> heads_;  // per source: its row in the heap, if the source is there
  Cmp cmp_;
  std::vector<size_t> heap_;
  bool primed_ = false;
  size_t last_ = 0;        // the source of the row returned last,
  bool has_last_ = false;  // not pulled again yet
};

// A serializable transaction's cursor: raises the 40001 a read found (a conflict out to a
// prepared pivot, or being doomed) at the row that found it, as PostgreSQL does.
class SsiCursor final : public RowCursor {
 public:
  SsiCursor(std::unique_ptr<RowCursor> in, partition_api::TxnRegistry* g, TxnId txn)
      : in_(std::move(in)), g_(g), txn_(txn) {}
  std::optional<RowVersion> next() override {
    auto r = in_->next();
    g_->ssi_after_read(txn_, r.has_value());
    return r;
  }
  void reject() override { in_->reject(); }

 private:
  std::unique_ptr<RowCursor> in_;
  partition_api::TxnRegistry* g_;
  TxnId txn_;
};

class ManagerImpl;

// ---- Fast-path table locks ----
//
// PostgreSQL's fast path for weak relation locks (src/backend/storage/lmgr/README "Fast Path
// Locking", lock.c): AccessShare, RowShare and RowExclusive on a table -- what every SELECT
// and DML statement takes -- are recorded in the transaction's own slot instead of the lock
// table of the table's partition, as long as no transaction holds or asks for a mode that
// conflicts with them (Share and stronger) on a table of the same bucket. They cost one
// uncontended mutex, no partition call to take them and none to release them.
//
// A strong locker (Share .. AccessExclusive) first raises its bucket's count, so that no new
// weak lock on a table of the bucket takes the fast path, then moves every fast-path lock on
// its table into the partition's lock table (held there by their owners, as if they had taken
// them there), and only then asks for its own lock: it waits for them, conflicts with them and
// finds deadlocks through them as through any other hold. The count goes down at the strong
// locker's end (commit, abort), after the partitions released its locks.
//
// Why it is correct (PostgreSQL's argument): a weak locker reads the count under its slot's
// mutex and records its lock under the same mutex; a strong locker raises the count before it
// takes each slot's mutex. Either the weak locker read the count after the raise (and goes to
// the lock table), or the strong locker finds the entry when it visits the slot. A move
// happens under the slot's mutex and the manager's slot list mutex, so a second strong locker
// that finds the slot empty finds the moved lock in the lock table.
//
// pg_locks shows fast-path locks with fastpath = true; at most kFastPathTables tables per
// transaction (PostgreSQL's FP_LOCK_SLOTS_PER_BACKEND), the rest go to the lock table.
// Only for a manager that is the only coordinator of its partitions (set_fast_path_locks):
// another coordinator's strong locker could not see this one's slots.
struct FastPathSlot {
  struct Entry {
    uint32_t oid = 0;
    uint8_t mode = 0;
    SubId sub = 0;
  };
  std::mutex mu;
  TxnId owner = 0;                 // set before registration
  uint64_t group = 0;              // the owner's lock group (session)
  std::vector<Entry> entries;      // mu
  std::vector<uint32_t> moved_to;  // mu: partitions that hold locks moved out of this slot
  // The owner's fiber, or the thread that publishes its one-phase commit while the fiber waits
  // (TransactionImpl::release_after_publication).
  bool registered = false;
};
inline constexpr size_t kFastPathTables = 16;
inline constexpr size_t kStrongLockBuckets = 1024;
// Modes that conflict with no weak mode may take the fast path; modes above
// ShareUpdateExclusive conflict with one of them (PostgreSQL's ConflictsWithRelationFastPath).
inline bool fast_path_mode(uint8_t mode) {
  return mode >= table_mode::kAccessShare && mode <= table_mode::kRowExclusive;
}
inline bool strong_table_mode(uint8_t mode) {
  return mode > table_mode::kShareUpdateExclusive;
}

class TransactionImpl final : public Transaction {
 public:
  TransactionImpl(ManagerImpl* m, TxnId id, const BeginOptions& opts, size_t partitions)
      : m_(m), id_(id), opts_(opts), touched_(partitions, 0) {}
  ~TransactionImpl() override;

  TxnId id() const override { return id_; }
  Isolation isolation() const override { return opts_.isolation; }
  bool read_only() const override { return opts_.read_only; }
  bool optimistic() const override { return opts_.optimistic; }
  void start_statement() override;
  std::optional<uint64_t> begin_statement() override;
  void end_statement() override { keep_next_snapshot_ = false; }
  ReadView view() const override { return ReadView{read_ts_, id_, cid_, ssi_}; }
  std::optional<RowVersion> get(const KeySpace& space, const std::string& routing,
                                const std::string& key) override;
  std::optional<RowVersion> probe(const KeySpace& space, const std::string& routing,
                                  const std::string& key) override {
    ensure_snapshot();
    ReadView v = view();
    v.serializable = false;
    return part(routing).get(space, key, v);
  }
  std::unique_ptr<RowCursor> scan(const KeySpace& space, const std::string& start,
                                  const std::string& end, bool reverse,
                                  const std::optional<std::string>& routing) override {
    return scan_filtered(space, start, end, reverse, routing, {});
  }
  std::unique_ptr<RowCursor> scan_filtered(const KeySpace& space, const std::string& start,
                                           const std::string& end, bool reverse,
                                           const std::optional<std::string>& routing,
                                           const std::string& filter) override;
  std::unique_ptr<RowCursor> scan_latest(const KeySpace& space, const std::string& start,
                                         const std::string& end) override;
  std::optional<RowVersion> get_latest(const KeySpace& space, const std::string& routing,
                                       const std::string& key) override;
  LatestState latest(const KeySpace& space, const std::string& routing,
                     const std::string& key) override;
  LockResult lock(const KeySpace& space, const std::string& routing, const std::string& key,
                  LockStrength strength, const LockWait& wait,
                  std::optional<Version> expected) override {
    return lock_row(space, routing, key, strength, wait, expected, false);
  }
  LockResult lock_outcome(const KeySpace& space, const std::string& routing, const std::string& key,
                          const LockWait& wait) override {
    return lock_row(space, routing, key, LockStrength::kUpdate, wait, std::nullopt, true);
  }
  std::vector<LockResult> lock_rows(const std::vector<RowLockRequest>& rows, size_t first) override;
  bool row_lock_taken(const KeySpace& space, const std::string& routing, const std::string& key,
                      LockStrength strength) override;
  void write(const KeySpace& space, const std::string& routing, const std::string& key,
             const std::optional<std::string>& value, bool new_key) override;
  void check_write_conflict(const KeySpace& space, const std::string& routing,
                            const std::string& key) override;
  void note_new_keyspace(uint32_t table_id) override { new_keyspaces_[table_id] = current_sub(); }
  bool may_load(uint32_t table_id) const override {
    auto it = new_keyspaces_.find(table_id);
    return it != new_keyspaces_.end() && it->second == current_sub() && !opts_.read_only;
  }
  void load(const KeySpace& space, const std::string& routing, std::string key,
            std::string value) override;
  void flush_loads() override;
  void set_bulk_reads(bool on) override { bulk_reads_ = on; }
  SubId begin_subtransaction() override;
  void rollback_to(SubId sub) override;
  void release(SubId sub) override;
  void commit() override;
  void abort() override;
  Timestamp commit_timestamp() const override { return commit_ts_; }
  void commit_one_phase(const std::vector<PartitionId>& writers);
  // Whether a one-phase commit's locks can be released by the thread that publishes it
  // (release_after_publication there): every partition it touched is in this process, no
  // catalog hook or strong table lock waits for the release, and it runs on a fiber.
  bool unlocks_where_published() const;
  // A one-phase commit, once ts is published, on the publishing thread (the WAL sync thread)
  // while this transaction's fiber waits: the fast-path slot closes and every touched
  // partition releases the locks (commit()); sets released_ when done. Never suspends: when
  // a touched partition is not in_process() it leaves the partitions to the fiber.
  void release_after_publication(Timestamp ts,
                                 std::chrono::steady_clock::time_point durable_at) noexcept;
  // Whether the writers can commit in one atomic write (Partition::commit_group).
  bool one_commit_group(const std::vector<PartitionId>& writers) const;
  void on_rollback(std::function<void()> undo) override {
    undo_.emplace_back(current_sub(), std::move(undo));
  }
  bool lock_table(uint32_t table_oid, uint8_t mode, const LockWait& wait) override;
  bool lock_advisory(const ObjectTag& tag, bool shared, const LockWait& wait,
                     bool session_level) override;
  bool unlock_advisory(const ObjectTag& tag, bool shared) override;
  void unlock_all_advisory() override;
  TxnManager& manager() override;
  bool lock_resource(const ObjectTag& tag, uint8_t mode, const LockWait& wait, uint64_t owner,
                     bool overtake) override;
  bool unlock_resource(const ObjectTag& tag, uint64_t owner, uint8_t mode) override;
  void act_for(uint64_t owner) override;
  void on_commit(std::function<void()> fn) override { on_commit_.push_back(std::move(fn)); }
  void before_commit(std::function<void()> fn) override { before_commit_.push_back(std::move(fn)); }

 private:
  // Runs the on_commit callbacks once the commit is visible.
  void run_on_commit();
  // Removes the waits-for links act_for() added (the transaction ended).
  void drop_links();
  enum : uint8_t { kLocked = 1, kWrote = 2 };
  // lock() and lock_outcome() (outcome_only: LockRequest::outcome_only).
  partition_api::LockRequest row_request(const KeySpace& space, const std::string& key,
                                         LockStrength strength, WaitPolicy policy);
  LockResult lock_row(const KeySpace& space, const std::string& routing, const std::string& key,
                      LockStrength strength, const LockWait& wait, std::optional<Version> expected,
                      bool outcome_only);
  // Sends an object lock to its partition; true when granted, false on kWouldBlock, throws
  // otherwise. group: the request's group (0: the session's).
  // waited (optional): set when the request waited before it was granted.
  bool lock_object(const ObjectTag& tag, uint8_t mode, const LockWait& wait, uint64_t owner,
                   SubId sub, uint64_t group = 0, bool overtake = false, bool* waited = nullptr);
  uint64_t group() const { return opts_.session ? opts_.session->lock_group() : 0; }
  void ensure_snapshot();
  // READ COMMITTED (without SSI): a new statement snapshot, and the catalog version read with
  // it; nullopt, and no snapshot, under the other isolations (theirs is the transaction's).
  std::optional<uint64_t> take_read_committed_snapshot();
  // Reads run with SSI at one snapshot: SERIALIZABLE, or an optimistic transaction that
  // validates its reads (coord/optimistic.h).
  bool ssi_reads() const {
    return opts_.isolation == Isolation::kSerializable ||
           (opts_.optimistic && opts_.validate_reads);
  }
  // An optimistic transaction's COMMIT, steps 1-2 (coord/optimistic.h): locks every noted
  // row NOWAIT and checks it did not change; throws 40001 (OC000) otherwise.
  void validate_optimistic();
  [[noreturn]] void optimistic_conflict();
  // Before the commit point: each partition where it only locked still holds its locks
  // (throws 40001 otherwise; see the definition).
  void confirm_lock_only_partitions();
  SubId current_sub() const { return subs_.empty() ? 0 : subs_.back(); }
  Partition& part(const std::string& routing, uint32_t* idx = nullptr);
  void finish();
  // Partition::abort on every partition it touched (its locks released, its intents dropped).
  // A partition whose node is gone (08006) is passed over: that node ends the transaction
  // itself (partition_server.h S6, or its restart's recovery), and stopping at it would keep
  // the locks of every partition after it. Another error is thrown once all were asked.
  void abort_partitions();
  // Runs (newest first) and drops the undos registered in subtransaction `from` or later.
  void run_undo(SubId from);

  ManagerImpl* m_;
  TxnId id_;
  BeginOptions opts_;
  Timestamp read_ts_ = 0;
  bool have_snapshot_ = false;
  // begin_statement() took the statement's snapshot: the next start_statement() keeps it.
  bool keep_next_snapshot_ = false;
  // The catalog version read with the snapshot the last start_statement() took (none when it
  // took none).
  std::optional<uint64_t> statement_catalog_version_;
  CommandId cid_ = 0;
  std::vector<SubId> subs_;  // open subtransactions, innermost last
  // Bulk loading: keyspaces created, each with its subtransaction (note_new_keyspace), and
  // the rows load() has not sent yet, per partition.
  std::unordered_map<uint32_t, SubId> new_keyspaces_;
  struct PendingLoad {
    KeySpace space;
    std::vector<std::pair<std::string, std::string>> rows;
    size_t bytes = 0;
    bool sent = false;  // rows went to the partition since its last finish_loads()
  };
  std::vector<PendingLoad> pending_loads_;  // per partition (sized on first use)
  // Sends partition idx's pending rows (Partition::load, or intents where it cannot).
  void send_loads(uint32_t idx);
  SubId next_sub_ = 1;
  std::vector<uint8_t> touched_;  // per partition: kLocked | kWrote
  // Table locks taken: (oid << 8 | mode) -> the subtransaction that took it (ROLLBACK TO
  // forgets those of rolled-back subtransactions, as the partitions release them).
  std::unordered_map<uint64_t, SubId> table_locks_;
  bool done_ = false;
  bool committed_ = false;
  bool bulk_reads_ = false;  // set_bulk_reads: scans are ScanRequest::bulk
  bool released_ = false;    // a one-phase commit's locks are released (release_after_publication)
  Timestamp commit_ts_ = 0;  // see commit_timestamp()
  // SERIALIZABLE: ssi_ while the SSI graph tracks this transaction (reads take SIREAD locks);
  // ssi_known_ once it was registered there (commit/abort must tell it).
  bool ssi_ = false;
  bool ssi_known_ = false;
  std::vector<std::pair<SubId, std::function<void()>>> undo_;  // see on_rollback()
  OptimisticSet occ_;                             // optimistic: the rows written or locked so far
  std::vector<std::function<void()>> on_commit_;  // see on_commit()
  std::vector<std::function<void()>> before_commit_;  // see before_commit()
  std::vector<uint64_t> acting_for_;                  // lock-service owners linked (act_for)
  // Fast-path table locks (see FastPathSlot): this transaction's slot, and the tables whose
  // bucket count it raised (lowered at its end).
  FastPathSlot fp_;
  std::vector<uint32_t> strong_oids_;
  // Records a weak table lock in the slot; false when it must go to the lock table.
  bool fast_path_lock(uint32_t table_oid, uint8_t mode);
  // Partitions that hold locks a strong locker moved out of the slot are released like
  // touched ones.
  void merge_moved_locks();
  // Before the partitions release the transaction's locks: the slot's locks end (they are
  // released now) and the slot leaves the manager's list.
  void close_fast_path();
  // After the partitions released the transaction's locks: the bucket counts it raised go
  // down.
  void lower_strong_counts();
};

class ManagerImpl final : public LocalTxnManager {
 public:
  ManagerImpl(std::vector<Partition*> parts, std::shared_ptr<partition_api::TxnRegistry> registry,
              LocalTxnRegistry* local)
      : parts_(std::move(parts)), registry_(std::move(registry)), local_(local) {
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (parts_[i]->id() != i) {
        throw SqlError(sqlstate::kInternalError, "partition ids must be 0..n-1 in order");
      }
    }
  }

  std::unique_ptr<Transaction> begin(const BeginOptions& opts) override {
    TxnId id = next_txn_id();
    registry_->begin(id, opts.session ? opts.session->lock_group() : 0);
    return std::make_unique<TransactionImpl>(this, id, opts, parts_.size());
  }
  Timestamp published() const override { return registry_->published(); }
  uint32_t partition_count() const override { return static_cast<uint32_t>(parts_.size()); }
  partition_api::TxnStatusOracle& status_oracle() override { return *registry_; }
  Timestamp oldest_snapshot() const override { return registry_->oldest_snapshot(); }
  partition_api::SsiConflictSink& ssi_sink() override {
    if (!local_) throw SqlError(sqlstate::kInternalError, "the SSI graph is on another node");
    return local_->ssi_sink();
  }
  size_t ssi_tracked() const override { return registry_->ssi_tracked(); }
  partition_api::TxnRegistry& registry() { return *registry_; }
  // registry() when it is in this process (its calls never suspend), else nullptr.
  LocalTxnRegistry* local_registry() { return local_; }
  std::vector<uint64_t> safe_snapshot_blocking_groups(uint64_t group) override {
    return registry_->ssi_safe_snapshot_blocking_groups(group);
  }
  uint32_t route(std::string_view routing) const override {
    return static_cast<uint32_t>(routing_hash(routing) % parts_.size());
  }

  Partition& partition(uint32_t i) { return *parts_[i]; }
  size_t size() const { return parts_.size(); }

  void release_owner(uint64_t owner) override {
    // Every partition, even when one fails: a partition whose node is gone (08006) has lost
    // the owner's locks with it, and the others' must not stay held because of it.
    std::exception_ptr failed;
    for (Partition* p : parts_) {
      try {
        p->release_owner(owner);
      } catch (...) {
        if (!failed) failed = std::current_exception();
      }
    }
    if (failed) std::rethrow_exception(failed);
  }
  void drop_keyspaces(uint32_t table_id) override { registry_->drop_keyspaces(table_id); }
  uint64_t catalog_version() override { return registry_->catalog_version(); }
  bool shares_partitions() const override { return local_ == nullptr; }
  uint64_t bump_catalog_version() override { return registry_->bump_catalog_version(); }
  std::vector<LockEntry> lock_view() override {
    std::vector<LockEntry> out;
    {
      std::lock_guard g(fp_mu_);
      for (FastPathSlot* s : fp_slots_) {
        std::lock_guard sg(s->mu);
        for (const auto& e : s->entries) {
          LockEntry le;
          le.kind = LockKind::kTable;
          le.a = e.oid;
          le.owner = s->owner;
          le.group = s->group;
          le.mode = e.mode;
          le.granted = true;
          le.fastpath = true;
          out.push_back(std::move(le));
        }
      }
    }
    for (Partition* p : parts_) {
      auto v = p->lock_view();
      out.insert(out.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
    }
    return out;
  }

  // Fast-path table locks (FastPathSlot).
  void set_fast_path_locks(bool on) override { fast_path_ = on; }
  void renew_txn_ids() override {
    std::lock_guard g(ids_mu_);
    next_id_ = block_end_;
  }
  bool fast_path_locks() const { return fast_path_; }
  std::atomic<uint32_t>& strong_count(uint32_t table_oid) {
    return strong_counts_[table_oid % kStrongLockBuckets];
  }
  void register_slot(FastPathSlot* s) {
    std::lock_guard g(fp_mu_);
    fp_slots_.insert(s);
  }
  void unregister_slot(FastPathSlot* s) {
    std::lock_guard g(fp_mu_);
    fp_slots_.erase(s);
  }
  // Moves every fast-path lock on the table into its partition's lock table, held by its
  // owner in its subtransaction. REQUIRES: the table's bucket count raised by the caller.
  void move_fast_path_locks(uint32_t table_oid) {
    ObjectTag tag = partition_api::table_object(table_oid);
    uint32_t idx = route(partition_api::routing_key(tag));
    std::lock_guard g(fp_mu_);
    for (FastPathSlot* s : fp_slots_) {
      std::lock_guard sg(s->mu);
      for (auto it = s->entries.begin(); it != s->entries.end();) {
        if (it->oid != table_oid) {
          ++it;
          continue;
        }
        partition_api::ObjectLockRequest req;
        req.tag = tag;
        req.mode = it->mode;
        req.owner = s->owner;
        req.group = s->group;
        req.sub = it->sub;
        // Already held: granted past any queue (no conflicting hold can exist while the
        // entry does, see FastPathSlot), never waits.
        req.policy = WaitPolicy::kNoWait;
        req.overtake_compatible = true;
        auto r = parts_[idx]->lock_object(req);
        if (r.outcome == LockOutcome::kMemoryExceeded)
          throw_lock_outcome(r.outcome, LockWait{}, {}, nullptr);
        if (r.outcome != LockOutcome::kGranted)
          throw SqlError(sqlstate::kInternalError,
                         "a fast-path table lock could not be moved to its lock table");
        if (std::find(s->moved_to.begin(), s->moved_to.end(), idx) == s->moved_to.end())
          s->moved_to.push_back(idx);
        it = s->entries.erase(it);
      }
    }
  }
  std::vector<Blocker> blockers(const std::vector<uint64_t>& owners) override {
    std::vector<Blocker> out;
    for (uint64_t o : owners) {
      if (o == 0) continue;
      for (Partition* p : parts_) {
        for (const Blocker& b : p->blockers(o)) {
          // A session's transaction and its lock group may both be asked for: one answer each.
          if (std::none_of(out.begin(), out.end(), [&](const Blocker& x) {
                return x.owner == b.owner && x.group == b.group;
              }))
            out.push_back(b);
        }
      }
    }
    return out;
  }

 private:
  // TxnIds come from the registry in blocks (one claim per kTxnIdBlock transactions, so a
  // remote registry costs no round trip per BEGIN); ids increase within this manager.
  static constexpr uint64_t kTxnIdBlock = 1024;
  TxnId next_txn_id() {
    std::lock_guard g(ids_mu_);
    if (next_id_ == block_end_) {
      auto b = registry_->claim_txn_ids(kTxnIdBlock);
      next_id_ = b.first;
      block_end_ = b.end;
    }
    return next_id_++;
  }

  std::vector<Partition*> parts_;
  std::shared_ptr<partition_api::TxnRegistry> registry_;
  LocalTxnRegistry* local_;  // registry_ when it is in-process, else nullptr
  std::mutex ids_mu_;
  TxnId next_id_ = 0, block_end_ = 0;  // ids_mu_
  bool fast_path_ = false;             // set before the first transaction
  std::array<std::atomic<uint32_t>, kStrongLockBuckets> strong_counts_{};
  std::mutex fp_mu_;                            // guards fp_slots_; taken before a slot's mu
  std::unordered_set<FastPathSlot*> fp_slots_;  // slots of transactions with fast-path locks
};

// ---- TransactionImpl ----

TransactionImpl::~TransactionImpl() {
  if (!done_) {
    try {
      abort();
    } catch (...) {
    }
  }
  // Whatever ended it: the slot leaves the manager's list, the counts go down.
  close_fast_path();
  lower_strong_counts();
}

void TransactionImpl::ensure_snapshot() {
  if (have_snapshot_) return;
  if (ssi_reads()) {
    // Registered with the SSI graph atomically with reading the published timestamp.
    runtime::CancelToken* cancel = opts_.session ? opts_.session->wait_cancel() : nullptr;
    auto snap = m_->registry().ssi_begin(id_, opts_.read_only, opts_.deferrable, cancel);
    if (snap.cancelled) {
      LockWait w;
      w.cancel = cancel;
      throw_lock_outcome(LockOutcome::kCancelled, w, {}, opts_.session);
    }
    read_ts_ = snap.read_ts;
    ssi_ = ssi_known_ = snap.tracked;
  } else {
    read_ts_ = m_->registry().take_snapshot(id_);
  }
  have_snapshot_ = true;
}

void TransactionImpl::start_statement() {
  ++cid_;
  statement_catalog_version_.reset();
  if (keep_next_snapshot_) {
    // The statement's snapshot, taken by begin_statement() before it was bound: nothing of
    // this transaction ran since, so it is the snapshot a new one would be, minus the time
    // the binding took.
    keep_next_snapshot_ = false;
    return;
  }
  statement_catalog_version_ = take_read_committed_snapshot();
  ensure_snapshot();
  // A read-only transaction whose snapshot became safe stops taking SIREAD locks.
  if (ssi_) ssi_ = m_->registry().ssi_tracking(id_);
}

std::optional<uint64_t> TransactionImpl::take_read_committed_snapshot() {
  if (opts_.isolation != Isolation::kReadCommitted || ssi_reads()) return std::nullopt;
  auto s = m_->registry().take_statement_snapshot(id_);
  read_ts_ = s.ts;
  have_snapshot_ = true;
  return s.catalog_version;
}

std::optional<uint64_t> TransactionImpl::begin_statement() {
  keep_next_snapshot_ = false;  // a statement that never reached the executor leaves it set
  start_statement();
  keep_next_snapshot_ = true;
  return statement_catalog_version_;
}

Partition& TransactionImpl::part(const std::string& routing, uint32_t* idx) {
  uint32_t i = m_->route(routing);
  if (idx) *idx = i;
  return m_->partition(i);
}

std::optional<RowVersion> TransactionImpl::get(const KeySpace& space, const std::string& routing,
                                               const std::string& key) {
  ensure_snapshot();
  auto r = part(routing).get(space, key, view());
  if (ssi_) m_->registry().ssi_after_read(id_, r.has_value());
  return r;
}

std::unique_ptr<RowCursor> TransactionImpl::scan_filtered(const KeySpace& space,
                                                          const std::string& start,
                                                          const std::string& end, bool reverse,
                                                          const std::optional<std::string>& routing,
                                                          const std::string& filter) {
  ensure_snapshot();
  partition_api::ScanRequest req;
  req.space = space;
  req.start = start;
  req.end = end;
  req.view = view();
  req.reverse = reverse;
  req.filter = filter;
  req.bulk = bulk_reads_;
  std::unique_ptr<RowCursor> c;
  if (routing) {
    c = part(*routing).scan(req);
  } else if (m_->size() == 1) {
    c = m_->partition(0).scan(req);
  } else {
    std::vector<std::unique_ptr<RowCursor>> cursors;
    cursors.reserve(m_->size());
    for (size_t i = 0; i < m_->size(); ++i) cursors.push_back(m_->partition(i).scan(req));
    c = std::make_unique<MergeCursor>(std::move(cursors), reverse);
  }
  if (ssi_) c = std::make_unique<SsiCursor>(std::move(c), &m_->registry(), id_);
  return c;
}

std::unique_ptr<RowCursor> TransactionImpl::scan_latest(const KeySpace& space,
                                                        const std::string& start,
                                                        const std::string& end) {
  // The transaction's registered snapshot keeps the GC horizon at or below it, so versions
  // visible at the newer published timestamp stay readable while this scan runs.
  ensure_snapshot();
  partition_api::ScanRequest req;
  req.space = space;
  req.start = start;
  req.end = end;
  req.view = ReadView{m_->published(), id_, cid_ + 1};
  if (m_->size() == 1) return m_->partition(0).scan(req);
  std::vector<std::unique_ptr<RowCursor>> cursors;
  cursors.reserve(m_->size());
  for (size_t i = 0; i < m_->size(); ++i) cursors.push_back(m_->partition(i).scan(req));
  return std::make_unique<MergeCursor>(std::move(cursors), false);
}

std::optional<RowVersion> TransactionImpl::get_latest(const KeySpace& space,
                                                      const std::string& routing,
                                                      const std::string& key) {
  ensure_snapshot();  // as scan_latest: the registered snapshot holds the GC horizon
  return part(routing).get(space, key, ReadView{m_->published(), id_, cid_ + 1});
}

LatestState TransactionImpl::latest(const KeySpace& space, const std::string& routing,
                                    const std::string& key) {
  return part(routing).latest(space, key, id_);
}

// A row lock request of this transaction (its subtransaction and its session's lock group).
partition_api::LockRequest TransactionImpl::row_request(const KeySpace& space,
                                                        const std::string& key,
                                                        LockStrength strength, WaitPolicy policy) {
  partition_api::LockRequest req;
  req.space = space;
  req.key = key;
  req.txn = id_;
  req.sub = current_sub();
  req.strength = strength;
  req.policy = policy;
  if (opts_.session) req.group = opts_.session->lock_group();
  return req;
}

LockResult TransactionImpl::lock_row(const KeySpace& space, const std::string& routing,
                                     const std::string& key, LockStrength strength,
                                     const LockWait& wait, std::optional<Version> expected,
                                     bool outcome_only) {
  uint32_t idx = 0;
  Partition& p = part(routing, &idx);
  if (opts_.optimistic) {
    // O1: no lock now; COMMIT takes it and checks the row against what was seen.
    ensure_snapshot();
    occ_.note(space, key, idx, strength, current_sub(), false, expected, read_ts_);
    LockResult r;
    if (expected) r.newest = *expected;
    return r;
  }
  touched_[idx] |= kLocked;
  partition_api::LockRequest req = row_request(space, key, strength, wait.policy);
  req.expected = expected;
  req.deadline = wait.deadline;
  req.cancel = wait.cancel;
  LockSession* s = opts_.session;
  if (s) {
    req.deadlock_timeout = s->deadlock_timeout();
    req.observer = s->wait_observer();
  }
  // Row locks behave as PostgreSQL's: a strength compatible with every current holder is
  // granted at once, even past a queued conflicting waiter (spec tuplelock-upgrade-no-deadlock).
  req.overtake_compatible = true;
  req.outcome_only = outcome_only;
  LockResult r = p.lock(req);
  switch (r.outcome) {
    case LockOutcome::kGranted:
    case LockOutcome::kVersionMismatch:
      return r;
    case LockOutcome::kWouldBlock:
      if (s) s->lock_failed(r.outcome, wait.policy);
      return r;
    default:
      if (s) s->lock_failed(r.outcome, wait.policy);
      throw_lock_outcome(r.outcome, wait, r.deadlock, s);
  }
}

bool TransactionImpl::row_lock_taken(const KeySpace& space, const std::string& routing,
                                     const std::string& key, LockStrength strength) {
  if (opts_.optimistic) return false;  // its locks are taken at COMMIT
  if (!part(routing).row_lock_taken(row_request(space, key, strength, WaitPolicy::kSkipLocked)))
    return false;
  LockSession* s = opts_.session;
  // Counted as the lock's kWouldBlock would have been.
  if (s) s->lock_failed(LockOutcome::kWouldBlock, WaitPolicy::kSkipLocked);
  return true;
}

std::vector<LockResult> TransactionImpl::lock_rows(const std::vector<RowLockRequest>& rows,
                                                   size_t first) {
  if (opts_.optimistic) {
    std::vector<LockResult> out;
    out.reserve(rows.size() - first);
    for (size_t i = first; i < rows.size(); ++i) {
      const RowLockRequest& r = rows[i];
      out.push_back(lock(r.space, r.routing, r.key, r.strength, r.wait, r.expected));
    }
    return out;
  }
  // Each partition gets its rows (in order) in one lock_batch call and answers up to its
  // first row that would wait (or its first mismatch / NOWAIT failure). The answered prefix
  // is the rows before the earliest such row over all partitions; a partition asked before
  // that row was known may have granted rows after it, which are taken back (unlock_batch),
  // so no row is held that PostgreSQL's LockRows would not hold yet.
  struct Batch {
    uint32_t part = 0;
    std::vector<partition_api::LockRequest> reqs;
    std::vector<size_t> row;  // reqs[k] is rows[row[k]]
  };
  std::vector<Batch> batches;
  std::vector<int> batch_of(touched_.size(), -1);
  LockSession* s = opts_.session;
  const uint64_t lock_group = s ? s->lock_group() : 0;
  const auto deadlock_timeout = s ? s->deadlock_timeout() : std::chrono::milliseconds(1000);
  for (size_t i = first; i < rows.size(); ++i) {
    const RowLockRequest& r = rows[i];
    uint32_t idx = m_->route(r.routing);
    if (batch_of[idx] < 0) {
      batch_of[idx] = static_cast<int>(batches.size());
      batches.push_back(Batch{idx, {}, {}});
    }
    Batch& b = batches[batch_of[idx]];
    partition_api::LockRequest& req = b.reqs.emplace_back();
    req.space = r.space;
    req.key = r.key;
    req.txn = id_;
    req.sub = current_sub();
    req.strength = r.strength;
    req.policy = r.wait.policy;
    req.expected = r.expected;
    req.seen_at = r.seen_at;
    req.deadline = r.wait.deadline;
    req.cancel = r.wait.cancel;
    req.group = lock_group;
    req.deadlock_timeout = deadlock_timeout;
    req.overtake_compatible = true;  // as lock()
    b.row.push_back(i);
  }
  auto ends_answers = [](const partition_api::LockRequest& q, const LockResult& r) {
    return r.outcome == LockOutcome::kVersionMismatch ||
           r.outcome == LockOutcome::kMemoryExceeded ||
           (r.outcome == LockOutcome::kWouldBlock && q.policy == WaitPolicy::kNoWait);
  };
  std::vector<LockResult> got(rows.size() - first);
  size_t stop = rows.size();  // rows at or after stop are not answered
  std::vector<size_t> answered(batches.size(), 0);
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    Batch& b = batches[bi];
    size_t n = 0;
    while (n < b.row.size() && b.row[n] < stop) ++n;
    if (n == 0) continue;
    b.reqs.resize(n);
    b.row.resize(n);
    touched_[b.part] |= kLocked;
    std::vector<LockResult> ans = m_->partition(b.part).lock_batch(b.reqs);
    answered[bi] = ans.size();
    if (ans.size() < n) {
      stop = std::min(stop, b.row[ans.size()]);
    } else if (!ans.empty() && ends_answers(b.reqs[ans.size() - 1], ans.back())) {
      stop = std::min(stop, b.row[ans.size() - 1] + 1);
    }
    for (size_t k = 0; k < ans.size(); ++k) got[b.row[k] - first] = std::move(ans[k]);
  }
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    Batch& b = batches[bi];
    std::vector<partition_api::LockRequest> back;
    for (size_t k = 0; k < answered[bi]; ++k) {
      LockOutcome o = got[b.row[k] - first].outcome;
      if (b.row[k] >= stop && (o == LockOutcome::kGranted || o == LockOutcome::kVersionMismatch))
        back.push_back(std::move(b.reqs[k]));
    }
    if (!back.empty()) m_->partition(b.part).unlock_batch(back);
  }
  if (stop == first) {
    // The first row has to wait: the usual way, one row.
    const RowLockRequest& r = rows[first];
    std::vector<LockResult> out;
    out.push_back(lock(r.space, r.routing, r.key, r.strength, r.wait, r.expected));
    return out;
  }
  got.resize(stop - first);
  for (size_t i = 0; i < got.size(); ++i) {
    LockOutcome o = got[i].outcome;
    if (o == LockOutcome::kGranted || o == LockOutcome::kVersionMismatch) continue;
    if (s) s->lock_failed(o, rows[first + i].wait.policy);
    if (o != LockOutcome::kWouldBlock)
      throw_lock_outcome(o, rows[first + i].wait, got[i].deadlock, s);
  }
  return got;
}

namespace {
// Passes a wait's start and end on to the session's observer and notes that it waited.
struct WaitNoter final : partition_api::LockWaitObserver {
  partition_api::LockWaitObserver* inner = nullptr;
  bool* waited = nullptr;
  void wait_started(partition_api::LockKind kind, bool first_in_queue) override {
    *waited = true;
    if (inner) inner->wait_started(kind, first_in_queue);
  }
  void wait_ended() override {
    if (inner) inner->wait_ended();
  }
};
}  // namespace

bool TransactionImpl::lock_object(const ObjectTag& tag, uint8_t mode, const LockWait& wait,
                                  uint64_t owner, SubId sub, uint64_t group, bool overtake,
                                  bool* waited) {
  uint32_t idx = m_->route(partition_api::routing_key(tag));
  partition_api::ObjectLockRequest req;
  req.tag = tag;
  req.mode = mode;
  req.owner = owner;
  req.sub = sub;
  req.policy = wait.policy;
  req.deadline = wait.deadline;
  req.cancel = wait.cancel;
  LockSession* s = opts_.session;
  if (s) {
    req.group = s->lock_group();
    req.deadlock_timeout = s->deadlock_timeout();
    req.observer = s->wait_observer();
  }
  if (group != 0) {
    // A lock-service hold: the owner holds it, the session (if any) is who waits for it.
    req.waiter = req.group;
    req.group = group;
  }
  req.overtake_compatible = overtake;
  WaitNoter noter;
  if (waited) {
    noter.inner = req.observer;
    noter.waited = waited;
    req.observer = &noter;
  }
  // Marked before the call: a lock granted and then interrupted is still released at end.
  if (owner == id_) touched_[idx] |= kLocked;
  auto r = m_->partition(idx).lock_object(req);
  if (r.outcome == LockOutcome::kGranted) return true;
  if (s) s->lock_failed(r.outcome, wait.policy);
  if (r.outcome == LockOutcome::kWouldBlock) return false;
  throw_lock_outcome(r.outcome, wait, r.deadlock, s);
}

bool TransactionImpl::fast_path_lock(uint32_t table_oid, uint8_t mode) {
  if (!fp_.registered) {
    // Listed before the first entry is recorded: a strong locker that raises the count after
    // the check below finds the slot.
    fp_.owner = id_;
    fp_.group = group();
    m_->register_slot(&fp_);
    fp_.registered = true;
  }
  std::lock_guard g(fp_.mu);
  if (m_->strong_count(table_oid).load() != 0) return false;
  bool listed = false;
  size_t tables = 0;
  for (const auto& e : fp_.entries) {
    if (e.oid == table_oid) listed = true;
    bool first = true;
    for (const auto& f : fp_.entries) {
      if (&f == &e) break;
      if (f.oid == e.oid) first = false;
    }
    tables += first;
  }
  if (!listed && tables >= kFastPathTables) return false;
  fp_.entries.push_back({table_oid, mode, current_sub()});
  return true;
}

void TransactionImpl::merge_moved_locks() {
  if (!fp_.registered) return;
  std::lock_guard g(fp_.mu);
  for (uint32_t idx : fp_.moved_to) touched_[idx] |= kLocked;
  fp_.moved_to.clear();
}

void TransactionImpl::close_fast_path() {
  if (!fp_.registered) return;
  {
    std::lock_guard g(fp_.mu);
    fp_.entries.clear();
    for (uint32_t idx : fp_.moved_to) touched_[idx] |= kLocked;
    fp_.moved_to.clear();
  }
  m_->unregister_slot(&fp_);
  fp_.registered = false;
}

void TransactionImpl::lower_strong_counts() {
  for (uint32_t oid : strong_oids_) m_->strong_count(oid).fetch_sub(1);
  strong_oids_.clear();
}

bool TransactionImpl::lock_table(uint32_t table_oid, uint8_t mode, const LockWait& wait) {
  uint64_t key = uint64_t{table_oid} << 8 | mode;
  if (table_locks_.count(key)) return true;
  if (m_->fast_path_locks()) {
    if (fast_path_mode(mode)) {
      if (fast_path_lock(table_oid, mode)) {
        table_locks_.emplace(key, current_sub());
        return true;
      }
    } else if (strong_table_mode(mode)) {
      // Kept raised until the transaction ends, even if this request fails or a ROLLBACK TO
      // releases the lock: weak lockers of the bucket then only take the slower path.
      m_->strong_count(table_oid).fetch_add(1);
      strong_oids_.push_back(table_oid);
      m_->move_fast_path_locks(table_oid);
      merge_moved_locks();  // this transaction's own weak locks may have moved
    }
  }
  bool waited = false;
  if (!lock_object(partition_api::table_object(table_oid), mode, wait, id_, current_sub(), 0, false,
                   &waited))
    return false;
  table_locks_.emplace(key, current_sub());
  // PostgreSQL takes a READ COMMITTED statement's snapshot after parse analysis has locked its
  // tables: a statement that waited for a table lock reads what the holder committed (rows,
  // a table rewritten by ALTER). Table locks come before the statement's reads, so its
  // snapshot is simply taken again.
  if (waited) take_read_committed_snapshot();
  return true;
}

bool TransactionImpl::lock_advisory(const ObjectTag& tag, bool shared, const LockWait& wait,
                                    bool session_level) {
  uint8_t mode = shared ? table_mode::kShare : table_mode::kExclusive;
  if (session_level) {
    if (group() == 0)
      throw SqlError(sqlstate::kInternalError, "session-level lock without a session");
    return lock_object(tag, mode, wait, group(), 0);
  }
  return lock_object(tag, mode, wait, id_, current_sub());
}

bool TransactionImpl::unlock_advisory(const ObjectTag& tag, bool shared) {
  if (group() == 0) return false;
  uint32_t idx = m_->route(partition_api::routing_key(tag));
  return m_->partition(idx).unlock_object(tag, group(),
                                          shared ? table_mode::kShare : table_mode::kExclusive);
}

void TransactionImpl::unlock_all_advisory() {
  if (group() != 0) m_->release_owner(group());
}

TxnManager& TransactionImpl::manager() {
  return *m_;
}

bool TransactionImpl::lock_resource(const ObjectTag& tag, uint8_t mode, const LockWait& wait,
                                    uint64_t owner, bool overtake) {
  return lock_object(tag, mode, wait, owner, 0, /*group=*/owner, overtake);
}

bool TransactionImpl::unlock_resource(const ObjectTag& tag, uint64_t owner, uint8_t mode) {
  return m_->partition(m_->route(partition_api::routing_key(tag))).unlock_object(tag, owner, mode);
}

void TransactionImpl::run_on_commit() {
  auto fns = std::move(on_commit_);
  on_commit_.clear();
  // Tests: a crash past the commit point, before what waits for it (tests/e2e/ddl_crash.sh).
  if (!fns.empty()) crash_point("after-commit");
  for (auto& fn : fns) {
    try {
      fn();
    } catch (...) {
    }
  }
  drop_links();
}

// The link lives in the partition the owner's id routes to; every partition of a node
// shares its waits-for graph.
void TransactionImpl::act_for(uint64_t owner) {
  uint64_t session = group();
  if (session == 0 || std::find(acting_for_.begin(), acting_for_.end(), owner) != acting_for_.end())
    return;
  m_->partition(m_->route(partition_api::be64_key(owner))).link_waits(owner, session, true);
  acting_for_.push_back(owner);
}

void TransactionImpl::drop_links() {
  uint64_t session = group();
  for (uint64_t owner : acting_for_)
    m_->partition(m_->route(partition_api::be64_key(owner))).link_waits(owner, session, false);
  acting_for_.clear();
}

void TransactionImpl::write(const KeySpace& space, const std::string& routing,
                            const std::string& key, const std::optional<std::string>& value,
                            bool new_key) {
  if (opts_.read_only) {
    throw SqlError("25006", "cannot execute write in a read-only transaction");
  }
  uint32_t idx = 0;
  Partition& p = part(routing, &idx);
  touched_[idx] |= kWrote | kLocked;
  // SSI "conflict in", before the write as PostgreSQL checks it.
  if (ssi_known_) m_->registry().ssi_write_conflicts(id_, p.siread_holders(space, key, id_));
  if (opts_.optimistic) {
    // Buffered in the partition, unlocked, until COMMIT locks and validates it.
    ensure_snapshot();
    occ_.note(space, key, idx, LockStrength::kNoKeyUpdate, current_sub(), true, std::nullopt,
              read_ts_);
    p.write(id_, current_sub(), cid_, space, key, value, /*publish=*/false, new_key,
            /*unlocked=*/true);
    return;
  }
  // A serializable transaction's intent must be visible to concurrent serializable readers
  // at once (they report the rw-conflict when they skip it); others may stay buffered in the
  // partition until commit.
  p.write(id_, current_sub(), cid_, space, key, value,
          /*publish=*/opts_.isolation == Isolation::kSerializable, new_key);
}

void TransactionImpl::check_write_conflict(const KeySpace& space, const std::string& routing,
                                           const std::string& key) {
  if (!ssi_known_) return;
  m_->registry().ssi_write_conflicts(id_, part(routing).siread_holders(space, key, id_, false));
}

// A partition's batch goes to storage once it holds this many bytes: large enough that the
// per-write costs vanish, small enough that the rows of every partition's batch are still in
// the CPU cache when they are copied into the write (measured on pgbench -i: 1 MB batches
// cost ~10% more, in memcpy cache misses).
constexpr size_t kLoadBatchBytes = size_t{128} << 10;

void TransactionImpl::load(const KeySpace& space, const std::string& routing, std::string key,
                           std::string value) {
  uint32_t idx = 0;
  part(routing, &idx);
  if (pending_loads_.empty()) pending_loads_.resize(touched_.size());
  PendingLoad& pl = pending_loads_[idx];
  if (!pl.rows.empty() && !(pl.space == space)) send_loads(idx);
  pl.space = space;
  pl.bytes += key.size() + value.size();
  pl.rows.emplace_back(std::move(key), std::move(value));
  if (pl.bytes >= kLoadBatchBytes) send_loads(idx);
}

void TransactionImpl::send_loads(uint32_t idx) {
  PendingLoad& pl = pending_loads_[idx];
  if (pl.rows.empty()) return;
  touched_[idx] |= kWrote;  // commit makes the rows durable; abort deletes them
  Partition& p = m_->partition(idx);
  if (p.load(id_, current_sub(), pl.space, pl.rows)) {
    pl.sent = true;
  } else {
    touched_[idx] |= kLocked;
    for (const auto& [key, value] : pl.rows)
      p.write(id_, current_sub(), cid_, pl.space, key, value, /*publish=*/false, /*new_key=*/true);
  }
  pl.rows.clear();
  pl.bytes = 0;
}

void TransactionImpl::flush_loads() {
  for (size_t i = 0; i < pending_loads_.size(); ++i) {
    send_loads(static_cast<uint32_t>(i));
    if (pending_loads_[i].sent) {
      m_->partition(static_cast<uint32_t>(i)).finish_loads(id_);
      pending_loads_[i].sent = false;
    }
  }
}

SubId TransactionImpl::begin_subtransaction() {
  SubId s = next_sub_++;
  subs_.push_back(s);
  return s;
}

void TransactionImpl::rollback_to(SubId sub) {
  // The undos (catalog changes put back) run while the subtransaction's locks are held, as
  // PostgreSQL's catalog rows are restored before its locks go: a statement that waited for
  // such a lock finds the catalog as it was.
  run_undo(sub);
  if (fp_.registered) {
    std::lock_guard g(fp_.mu);
    std::erase_if(fp_.entries, [&](const FastPathSlot::Entry& e) { return e.sub >= sub; });
  }
  merge_moved_locks();
  for (size_t i = 0; i < touched_.size(); ++i) {
    if (touched_[i]) m_->partition(static_cast<uint32_t>(i)).rollback_subtransactions(id_, sub);
  }
  std::erase_if(table_locks_, [&](const auto& kv) { return kv.second >= sub; });
  std::erase_if(new_keyspaces_, [&](const auto& kv) { return kv.second >= sub; });
  pending_loads_.clear();
  occ_.rollback(sub);
  // Drop `sub` and everything opened after it (ids only grow), continue in a fresh one.
  while (!subs_.empty() && subs_.back() >= sub) subs_.pop_back();
  subs_.push_back(next_sub_++);
}

void TransactionImpl::release(SubId sub) {
  // Nothing to tell partitions: their rollback removes every sub >= first, so a released
  // child's writes and locks go with its parent (see partition/local_partition.h).
  while (!subs_.empty() && subs_.back() >= sub) subs_.pop_back();
  // Keyspaces the released subtransactions created are the parent's now (its ROLLBACK TO
  // drops them whole).
  for (auto& [id, s] : new_keyspaces_)
    if (s >= sub) s = current_sub();
}

void TransactionImpl::finish() {
  done_ = true;
  m_->registry().forget(id_);
}

void TransactionImpl::run_undo(SubId from) {
  while (!undo_.empty() && undo_.back().first >= from) {
    auto fn = std::move(undo_.back().second);
    undo_.pop_back();
    try {
      fn();
    } catch (...) {
      // An undo that fails leaves its change in place; the others still run.
    }
  }
}

void TransactionImpl::optimistic_conflict() {
  throw SqlError(sqlstate::kSerializationFailure, kOptimisticConflictMessage);
}

void TransactionImpl::validate_optimistic() {
  auto by_part = occ_.by_partition(m_->size());
  LockSession* s = opts_.session;
  LockWait nowait;
  nowait.policy = WaitPolicy::kNoWait;
  for (size_t pi = 0; pi < by_part.size(); ++pi) {
    const auto& rows = by_part[pi];
    if (rows.empty()) continue;
    touched_[pi] |= kLocked;
    std::vector<partition_api::LockRequest> reqs;
    reqs.reserve(rows.size());
    for (const OptimisticSet::Row* r : rows) {
      partition_api::LockRequest& q = reqs.emplace_back();
      q.space = r->space;
      q.key = r->key;
      q.txn = id_;
      q.sub = current_sub();
      q.strength = r->strength;
      q.policy = WaitPolicy::kNoWait;
      q.group = group();
      q.overtake_compatible = true;
    }
    Partition& p = m_->partition(static_cast<uint32_t>(pi));
    size_t done = 0;
    while (done < reqs.size()) {
      std::vector<LockResult> ans;
      if (done == 0) {
        ans = p.lock_batch(reqs);
      } else {
        ans =
            p.lock_batch(std::vector<partition_api::LockRequest>(reqs.begin() + done, reqs.end()));
      }
      if (ans.empty()) ans.push_back(p.lock(reqs[done]));
      for (const LockResult& a : ans) {
        switch (a.outcome) {
          case LockOutcome::kGranted:
          case LockOutcome::kVersionMismatch:
            if (OptimisticSet::changed(*rows[done], a.newest)) optimistic_conflict();  // O2
            break;
          case LockOutcome::kWouldBlock:
            if (s) s->lock_failed(a.outcome, WaitPolicy::kNoWait);
            optimistic_conflict();  // O3
          default:
            throw_lock_outcome(a.outcome, nowait, a.deadlock, s);
        }
        ++done;
      }
    }
  }
  if (!ssi_known_) return;
  // O6: the writes reach storage now (under their locks), where serializable readers see
  // them; readers that took their SIREAD locks before that are found here.
  for (size_t pi = 0; pi < by_part.size(); ++pi) {
    if (!(touched_[pi] & kWrote)) continue;
    Partition& p = m_->partition(static_cast<uint32_t>(pi));
    p.prepare(id_);
    for (const OptimisticSet::Row* r : by_part[pi])
      if (r->wrote)
        m_->registry().ssi_write_conflicts(id_, p.siread_holders(r->space, r->key, id_));
  }
}

// Issue 12 item 6: a partition where this transaction locked rows or objects but wrote
// nothing is asked nothing else before the commit point, and its locks may have lived only
// in the memory of a leader that has since been deposed: a new leader may have granted them
// to another transaction. Partition::prepare() of a transaction with nothing to prepare
// there is the check (partition/local_partition.h, G5): a replica that took the partition
// over after this transaction began (the fence) or that is no longer sure to lead it (not
// serving, or its lease ran out) refuses it with 40001, and the transaction aborts. Only
// partitions that say their locks can be lost so (Partition::leader_only) are asked: one
// node's are not, a cluster's cost one round trip each. Writers need no check: their
// prepare(), write_commit_record() or commit_one_phase() is fenced the same way.
void TransactionImpl::confirm_lock_only_partitions() {
  for (size_t i = 0; i < touched_.size(); ++i) {
    if (touched_[i] != kLocked) continue;
    Partition& p = m_->partition(static_cast<uint32_t>(i));
    if (p.leader_only()) p.prepare(id_);
  }
}

void TransactionImpl::commit() {
  if (done_) return;
  try {
    // A hook may add hooks (and writes); each runs once.
    for (size_t i = 0; i < before_commit_.size(); ++i) {
      auto fn = std::move(before_commit_[i]);
      fn();
    }
    before_commit_.clear();
    flush_loads();
  } catch (...) {
    abort();
    throw;
  }
  if (opts_.optimistic && !occ_.empty()) {
    try {
      validate_optimistic();
    } catch (...) {
      abort();
      throw;
    }
  }
  try {
    confirm_lock_only_partitions();
  } catch (...) {
    abort();
    throw;
  }
  std::vector<PartitionId> writers;
  for (size_t i = 0; i < touched_.size(); ++i) {
    if (touched_[i] & kWrote) writers.push_back(static_cast<PartitionId>(i));
  }
  if (ssi_known_) {
    try {
      m_->registry().ssi_precommit(id_);  // 40001 when committing would allow an anomaly
    } catch (...) {
      abort();
      throw;
    }
  }
  if (writers.empty()) {
    // Nothing to make durable: just release the locks (FOR UPDATE without writes).
    close_fast_path();
    abort_partitions();
    lower_strong_counts();
    if (ssi_known_) m_->registry().ssi_commit(id_, false);
    undo_.clear();
    finish();
    run_on_commit();
    return;
  }
  if (!ssi_known_ && one_commit_group(writers)) {
    commit_one_phase(writers);
    return;
  }
  try {
    // The anchor holds the commit record; it is committed last so that deleting the
    // record follows every resolution in WAL order. Its own intents go with the record.
    PartitionId anchor = writers.front();
    for (auto p : writers)
      if (p != anchor) m_->partition(p).prepare(id_);
    m_->partition(anchor).write_commit_record(id_, writers);
  } catch (...) {
    abort();
    throw;
  }
  Timestamp ts = 0;
  if (ssi_known_) {
    ts = m_->registry().ssi_commit(id_, true);
  } else {
    ts = m_->registry().assign_commit(id_);
  }
  committed_ = true;  // past the commit point: never abort from here on
  commit_ts_ = ts;
  undo_.clear();
  PartitionId anchor = writers.front();
  std::exception_ptr failed;
  bool only_lost = true;  // every failure so far is a partition whose node is gone (08006)
  auto resolve = [&](size_t i) {
    try {
      m_->partition(static_cast<uint32_t>(i)).commit(id_, ts);
    } catch (const SqlError& e) {
      if (!failed) failed = std::current_exception();
      if (e.error().sqlstate != "08006") only_lost = false;
    } catch (...) {
      if (!failed) failed = std::current_exception();
      only_lost = false;
    }
  };
  close_fast_path();
  for (size_t i = 0; i < touched_.size(); ++i) {
    if (touched_[i] && i != anchor) resolve(i);
  }
  // Its batch deletes the commit record: only after all others. Unless the ones that failed
  // are on a node that is gone (a cluster's peer: 08006): that node ends the transaction as
  // the registry decides (S6, or its restart's recovery), never from this commit record, and
  // leaving the anchor unresolved would hold its locks until this node restarts.
  if (!failed || only_lost) resolve(anchor);
  lower_strong_counts();
  done_ = true;
  m_->registry().wait_published(
      ts);  // an earlier one-phase commit may still be making itself durable
  // A partition that failed to resolve keeps the intents; the transaction stays "committed"
  // in the table so readers resolve them, and recovery redoes it from the commit record.
  run_on_commit();
  if (failed) std::rethrow_exception(failed);
  m_->registry().forget(id_);
}

bool TransactionImpl::one_commit_group(const std::vector<PartitionId>& writers) const {
  if (writers.size() == 1) return true;
  uint64_t g = m_->partition(writers.front()).commit_group();
  if (g == 0) return false;
  for (PartitionId p : writers)
    if (m_->partition(p).commit_group() != g) return false;
  return true;
}

// A transaction whose writes are in one partition, or in partitions of one commit group (one
// node's log), commits in one synced write of its final versions
// (Partition::commit_one_phase): no commit record, no intents in storage. Its timestamp is
// reserved first (the records carry it) and published once the write is durable; the
// partitions release its locks only after that, so nobody locks a row whose new version is
// not yet visible. SERIALIZABLE transactions keep the two-phase path (the SSI graph assigns
// their timestamp at its commit check).
// With the registry in this process the reservation is completed where durability is learnt
// (Partition::commit_one_phase_then: the WAL sync thread's callback), not when this fiber
// runs again: published() stays below the first open reservation, so a commit reserved later
// waited for this fiber's turn in its executor's run queue before it was visible and could
// release its locks (~3.5 ms a commit at 64 Temporal clients,
// bench/results/temporal-scale-20261206.md). Visibility order is unchanged: the reservation
// still closes only once the write is durable and readable.
// The locks go there too, right after publication (release_after_publication): a waiter for
// one of its rows (Temporal's shard row, an execution row) no longer waits for this fiber's
// turn either (2-4 ms at 64 clients). As PostgreSQL: the new versions are visible before the
// locks go (a waiter's EvalPlanQual reads them), never after.
void TransactionImpl::commit_one_phase(const std::vector<PartitionId>& writers) {
  Timestamp ts = m_->registry().reserve_commit();
  LocalTxnRegistry* local = m_->local_registry();
  auto& stats = wait_stats();
  // When durability was learnt (on_durable's thread writes it before the fiber is woken).
  std::chrono::steady_clock::time_point durable_at;
  // Completed by release_after_publication, on the thread that publishes ts.
  std::shared_ptr<runtime::Event> released;
  if (local && unlocks_where_published()) released = runtime::Event::create();
  try {
    std::vector<PartitionId> with(writers.begin() + 1, writers.end());
    const auto durable_from = std::chrono::steady_clock::now();
    m_->partition(writers.front()).commit_one_phase_then(id_, ts, with, [&] {
      durable_at = std::chrono::steady_clock::now();
      if (released) {
        local->complete_commit_then(id_, ts, [this, ts, &durable_at, released] {
          release_after_publication(ts, durable_at);
          // Urgent, as the durability answer (partition::DirectLog): the commit is done.
          released->complete(runtime::WakeReason::kSignalled, runtime::Fiber::Priority::kUrgent);
        });
      } else if (local) {
        local->complete_commit(id_, ts, true);
      }
    });
    add_wait(stats.durable_us, stats.durable_n, durable_from);
  } catch (...) {
    m_->registry().complete_commit(id_, ts, false);  // on_durable did not run
    abort();
    throw;
  }
  if (!local) m_->registry().complete_commit(id_, ts, true);  // a round trip: may suspend
  const auto publish_from = std::chrono::steady_clock::now();
  if (released) {
    // Nothing of this transaction's state is touched until the callback is done with it.
    while (released->wait() != runtime::WakeReason::kSignalled) {
    }
  } else {
    m_->registry().wait_published(ts);
  }
  add_wait(stats.publish_us, stats.publish_n, publish_from);
  committed_ = true;  // past the commit point: never abort from here on
  commit_ts_ = ts;
  undo_.clear();
  if (!released_) {
    close_fast_path();
    for (size_t i = 0; i < touched_.size(); ++i) {
      if (touched_[i]) m_->partition(static_cast<uint32_t>(i)).commit(id_, ts);
    }
    add_wait(stats.unlock_us, stats.unlock_n, durable_at);
  }
  lower_strong_counts();
  done_ = true;
  m_->registry().forget(id_);
  run_on_commit();
}

bool TransactionImpl::unlocks_where_published() const {
  // The hooks of a catalog change run after the locks go in this fiber today (a waiter for the
  // table must find the new catalog); the counts of a strong table lock go down after them.
  if (!on_commit_.empty() || !strong_oids_.empty()) return false;
  if (runtime::Fiber::current() == nullptr) return false;  // a plain thread: synced in place
  for (size_t i = 0; i < touched_.size(); ++i)
    if (touched_[i] && !m_->partition(static_cast<uint32_t>(i)).in_process()) return false;
  return true;
}

void TransactionImpl::release_after_publication(
    Timestamp ts, std::chrono::steady_clock::time_point durable_at) noexcept {
  // The slot first (close_fast_path): a strong locker could otherwise move a fast-path lock
  // into a partition after that partition released the transaction's locks. It may add the
  // partitions moved locks went to; one on another node leaves the release to the fiber.
  close_fast_path();
  for (size_t i = 0; i < touched_.size(); ++i)
    if (touched_[i] && !m_->partition(static_cast<uint32_t>(i)).in_process()) return;
  try {
    for (size_t i = 0; i < touched_.size(); ++i)
      if (touched_[i]) m_->partition(static_cast<uint32_t>(i)).commit(id_, ts);
  } catch (...) {
    return;  // out of memory: the fiber tries again (commit() is idempotent)
  }
  released_ = true;
  add_wait(wait_stats().unlock_us, wait_stats().unlock_n, durable_at);
}

void TransactionImpl::abort_partitions() {
  std::exception_ptr failed;
  for (size_t i = 0; i < touched_.size(); ++i) {
    if (!touched_[i]) continue;
    try {
      m_->partition(static_cast<uint32_t>(i)).abort(id_);
    } catch (const SqlError& e) {
      if (e.error().sqlstate != "08006" && !failed) failed = std::current_exception();
    }
  }
  if (failed) std::rethrow_exception(failed);
}

void TransactionImpl::abort() {
  if (done_ || committed_) return;
  pending_loads_.clear();
  m_->registry().mark_aborted(id_);
  // The undos run before the partitions (or the fast path) release the locks (see
  // rollback_to): on every coordinator, a statement that waited for this transaction's DDL
  // lock reads the catalog as it was.
  run_undo(0);
  close_fast_path();
  abort_partitions();
  lower_strong_counts();
  if (ssi_known_) m_->registry().ssi_aborted(id_);
  finish();
  drop_links();
}

}  // namespace

std::unique_ptr<LocalTxnManager> make_txn_manager(std::vector<Partition*> partitions,
                                                  const TxnManagerOptions& opts) {
  if (partitions.empty()) throw SqlError(sqlstate::kInternalError, "no partitions");
  std::shared_ptr<LocalTxnRegistry> registry = make_txn_registry(partitions, opts);
  LocalTxnRegistry* local = registry.get();
  return std::make_unique<ManagerImpl>(std::move(partitions), std::move(registry), local);
}

std::unique_ptr<LocalTxnManager> make_txn_manager(
    std::vector<Partition*> partitions, std::shared_ptr<partition_api::TxnRegistry> registry) {
  if (partitions.empty()) throw SqlError(sqlstate::kInternalError, "no partitions");
  auto* local = dynamic_cast<LocalTxnRegistry*>(registry.get());
  return std::make_unique<ManagerImpl>(std::move(partitions), std::move(registry), local);
}

}  // namespace hf::coord
