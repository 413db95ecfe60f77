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
// and SERIALIZABLE take one at the first statement. A snapshot is the published commit
// timestamp: every commit at or below it is durable and visible, none above it is.
//
// Commit protocol (one node today, many later):
//   1. prepare() on every participant partition (intents durable where needed);
//   2. write_commit_record() on the anchor partition: the synced commit point;
//   3. the timestamp oracle assigns commit_ts and publishes it, and the transaction table
//      marks the transaction committed at that timestamp (both under one mutex, so a
//      snapshot never sees half a commit);
//   4. commit(txn, ts) on every participant: intents become versions, locks are released.
// A read-only transaction skips all four. Abort calls abort() on every participant.
//
// Errors end the statement as hf::SqlError (PostgreSQL's SQLSTATE and text).
#pragma once

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

enum class Isolation : uint8_t { kReadCommitted, kRepeatableRead, kSerializable };

// How to wait for a row lock.
struct LockWait {
  WaitPolicy policy = WaitPolicy::kBlock;
  runtime::Deadline deadline = runtime::Deadline::max();
  runtime::CancelToken* cancel = nullptr;
};

class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual TxnId id() const = 0;
  virtual Isolation isolation() const = 0;
  virtual bool read_only() const = 0;

  // Statement boundary: a new command id; READ COMMITTED also takes a new snapshot.
  virtual void start_statement() = 0;
  virtual ReadView view() const = 0;

  // Reads at the statement's view.
  virtual std::optional<RowVersion> get(const KeySpace& space, const std::string& routing,
                                        const std::string& key) = 0;
  // Rows with start <= key < end (empty: unbounded), merged across partitions in key order.
  // With `routing` set, only the partition that routing key hashes to is read.
  virtual std::unique_ptr<RowCursor> scan(const KeySpace& space, const std::string& start,
                                          const std::string& end, bool reverse = false,
                                          const std::optional<std::string>& routing = {}) = 0;
  // The newest committed state of a key, whatever the snapshot (for EvalPlanQual).
  virtual LatestState latest(const KeySpace& space, const std::string& routing,
                             const std::string& key) = 0;

  // Row lock. MAY SUSPEND. `expected` is the version the caller read (nullopt: no check).
  virtual LockResult lock(const KeySpace& space, const std::string& routing, const std::string& key,
                          LockStrength strength, const LockWait& wait,
                          std::optional<Version> expected) = 0;

  // Writes (value) or deletes (nullopt) a key. REQUIRES: the caller locked it at
  // kNoKeyUpdate or kUpdate in this transaction.
  virtual void write(const KeySpace& space, const std::string& routing, const std::string& key,
                     const std::optional<std::string>& value) = 0;

  // Savepoints: a subtransaction per SAVEPOINT. rollback_to(s) undoes s and everything after
  // it, then continues in a new subtransaction; release(s) merges s into its parent.
  virtual SubId begin_subtransaction() = 0;
  virtual void rollback_to(SubId sub) = 0;
  virtual void release(SubId sub) = 0;

  // MAY SUSPEND (durable commit). Throws SqlError when the commit fails (then aborted).
  virtual void commit() = 0;
  virtual void abort() = 0;
};

struct BeginOptions {
  Isolation isolation = Isolation::kReadCommitted;
  bool read_only = false;
};

// Starts transactions; one per server. Thread-safe.
class TxnManager {
 public:
  virtual ~TxnManager() = default;
  virtual std::unique_ptr<Transaction> begin(const BeginOptions& opts) = 0;
  // The published timestamp: a snapshot taken now sees exactly the commits at or below it.
  virtual Timestamp published() const = 0;
  virtual uint32_t partition_count() const = 0;
};

}  // namespace hf::coord
