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
  runtime::Deadline deadline = runtime::Deadline::max();
  runtime::CancelToken* cancel = nullptr;  // in-process only; a remote call carries an id
};

struct LockResult {
  LockOutcome outcome = LockOutcome::kGranted;
  Version newest;                    // the newest committed version when the call returned
  std::optional<std::string> value;  // its value, when kVersionMismatch and not deleted
  std::vector<TxnId> blockers;       // for kWouldBlock: who holds or waits ahead
};

// ---- scans ----

struct ScanRequest {
  KeySpace space;
  std::string start;  // inclusive; empty: from the first key of the keyspace
  std::string end;    // exclusive; empty: to the last key
  ReadView view;
  bool reverse = false;
  size_t limit = 0;  // 0: no limit (a hint: the cursor may stop early)
};

// Rows in key order (reverse order if asked), visible to the view. A cursor is owned by one
// fiber and is not thread-safe. It reads a consistent picture as of the view.
class RowCursor {
 public:
  virtual ~RowCursor() = default;
  // The next visible row, or nullopt at the end.
  virtual std::optional<RowVersion> next() = 0;
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

class Partition {
 public:
  virtual ~Partition() = default;
  virtual PartitionId id() const = 0;

  // Reads at a view. get() returns the visible version of one key, if any.
  virtual std::optional<RowVersion> get(const KeySpace& space, const std::string& key,
                                        const ReadView& view) = 0;
  virtual std::unique_ptr<RowCursor> scan(const ScanRequest& req) = 0;
  // The newest committed state of a key, ignoring any snapshot (EvalPlanQual reads this).
  virtual LatestState latest(const KeySpace& space, const std::string& key) = 0;

  // Row locks. MAY SUSPEND. See LockOutcome for the answers.
  virtual LockResult lock(const LockRequest& req) = 0;

  // Writes an intent: value, or a deletion when value is nullopt. REQUIRES: txn holds a
  // NoKeyUpdate or Update lock on (space, key) in this partition.
  virtual void write(TxnId txn, SubId sub, CommandId cid, const KeySpace& space,
                     const std::string& key, const std::optional<std::string>& value) = 0;

  // Savepoints: undo the intents and release the locks of subtransactions >= first_aborted.
  virtual void rollback_subtransactions(TxnId txn, SubId first_aborted) = 0;

  // Commit protocol (coord/transaction.h). prepare() makes the intents durable where they
  // are not already; commit() turns them into versions at commit_ts and releases the locks;
  // abort() drops them and releases the locks. commit() and abort() are idempotent.
  virtual void prepare(TxnId txn) = 0;
  // The commit point: writes the transaction's commit record durably (synced WAL, shared
  // with concurrent commits). MAY SUSPEND. Called on one partition per transaction.
  virtual void write_commit_record(TxnId txn, const std::vector<PartitionId>& participants) = 0;
  virtual void commit(TxnId txn, Timestamp commit_ts) = 0;
  virtual void abort(TxnId txn) = 0;
};

}  // namespace hf::partition_api
