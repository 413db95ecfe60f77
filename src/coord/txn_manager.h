// coord/txn_manager.h — the in-process transaction coordinator behind coord::TxnManager.
//
// LocalTxnManager owns the transactions of this node's sessions and routing: partition =
// fnv1a64(routing key) % partition_count (part of the on-disk format: keys carry their
// partition id). What all coordinators over the same partitions must share lives in a
// TxnRegistry (partition_api/txn_registry.h), in this process or on the partitions' node:
//   - the timestamp oracle (a counter): commit timestamps and the published timestamp;
//   - the transaction table: live transactions' state, answering partitions' "did txn X
//     commit?" (TxnStatusOracle; unknown TxnId = aborted), and the oldest snapshot still in
//     use (the GC horizon);
//   - the SSI conflict graph of serializable transactions (coord/ssi.h).
// make_txn_registry builds the in-process one (over the partitions it frees dropped keyspaces
// and SIREAD locks in); the manager takes TxnIds from it in blocks.
// Thread-safe. Transactions it hands out are used by one fiber each.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "coord/transaction.h"
#include "partition_api/txn_registry.h"

namespace hf::coord {

struct TxnManagerOptions {
  Timestamp start_ts = 0;  // published timestamp at start (above everything stored)
  TxnId first_txn_id = 1;  // TxnIds are handed out from here, increasing
  TxnId last_txn_id = ~TxnId{0};
};

// The in-process registry: the one a node that holds partitions serves (doc/cluster.md §8 A).
class LocalTxnRegistry : public partition_api::TxnRegistry {
 public:
  // Where the partitions report what serializable reads skip.
  virtual partition_api::SsiConflictSink& ssi_sink() = 0;
  // complete_commit(txn, ts, true), then once_published() as soon as ts is published: before
  // this returns when no earlier reservation is open, else on the thread whose
  // complete_commit() (or complete_commit_then()) closes the last earlier one, before that
  // call returns. Callbacks run outside the registry's mutex, after published() passed their
  // ts, in timestamp order within one call. once_published MUST NOT suspend or throw. (Issue
  // 8: a one-phase commit releases its locks there, from the WAL sync thread.)
  virtual void complete_commit_then(TxnId txn, Timestamp ts,
                                    std::function<void()> once_published) = 0;
};

// `partitions`: where dropped keyspaces and released SIREAD locks are sent (a node's own).
std::unique_ptr<LocalTxnRegistry> make_txn_registry(
    std::vector<partition_api::Partition*> partitions, const TxnManagerOptions& opts = {});

class LocalTxnManager : public TxnManager {
 public:
  // Partitions ask this whether another transaction's intent committed.
  virtual partition_api::TxnStatusOracle& status_oracle() = 0;
  // The oldest read timestamp any live transaction may still read at (or published() when
  // none): history versions older than what this needs can be collected.
  virtual Timestamp oldest_snapshot() const = 0;
  // The partition a routing key lives in.
  virtual uint32_t route(std::string_view routing) const = 0;
  // The SSI conflict graph (coord/ssi.h): partitions report what serializable reads skip.
  // Only when the registry is in this process (throws otherwise).
  virtual partition_api::SsiConflictSink& ssi_sink() = 0;
  // Serializable transactions the SSI graph still tracks (tests, memory).
  virtual size_t ssi_tracked() const = 0;
  // PostgreSQL's fast path for weak table locks (AccessShare, RowShare, RowExclusive: kept in
  // the transaction, moved to the lock table when a strong locker comes; txn_manager.cc
  // FastPathSlot). Only for a manager that is the only coordinator of its partitions: a strong
  // locker of another coordinator would not see this one's fast-path locks. Off by default;
  // set before the first transaction.
  virtual void set_fast_path_locks(bool on) = 0;
  // The next transaction takes a new block of TxnIds from the registry instead of the rest of
  // the current one. A static cluster calls it when a restarted peer is reached again: the peer
  // refuses TxnIds handed out before its life (partition_server.h S7), so new transactions
  // must not keep using an older block. Any thread.
  virtual void renew_txn_ids() = 0;
};

// The stable routing hash (FNV-1a, 64 bit). Part of the on-disk format.
uint64_t routing_hash(std::string_view routing);

// `partitions[i]->id()` must be i. They must outlive the manager. This one makes and owns an
// in-process registry over the same partitions.
std::unique_ptr<LocalTxnManager> make_txn_manager(std::vector<partition_api::Partition*> partitions,
                                                  const TxnManagerOptions& opts = {});
// A coordinator that shares `registry` with others (issue 12): in-process or remote.
std::unique_ptr<LocalTxnManager> make_txn_manager(
    std::vector<partition_api::Partition*> partitions,
    std::shared_ptr<partition_api::TxnRegistry> registry);

}  // namespace hf::coord
