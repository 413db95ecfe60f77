// partition_api/txn_registry.h — the transaction state that every coordinator over the same
// partitions must share: the clock (TxnIds, commit timestamps, the published timestamp), the
// table of live transactions (whether one committed, and at which timestamp), the registered
// snapshots (the GC horizon) and the SERIALIZABLE conflict graph.
//
// Why one registry, and where (issue 12, doc/cluster.md §4 and §8 milestone A): a snapshot taken
// by any coordinator must see every commit acknowledged to any client before it (C2), and a
// partition meeting another transaction's intent must learn whether it committed below the
// reader's snapshot. With one registry both are answered under one mutex, whatever coordinator
// the transactions belong to — the timestamp oracle of §4 in its first form. The node that
// holds the partitions hosts it; a coordinator reaches it in-process (coord::make_txn_registry)
// or over the cluster port (partition_rpc::RemoteTxnRegistry) and does not know which.
//
// Promises:
//  - R1 Timestamps are published in order: published() is the highest timestamp at or below
//    which every commit is durable and visible; a snapshot is the published timestamp.
//  - R2 status() answers kCommitted with the commit timestamp from the moment the commit point
//    is passed (assign_commit, complete_commit) until forget(); kPending between begin() and
//    the transaction's end; kAborted for a TxnId it does not know (never begun, or forgotten).
//  - R3 The GC horizon (oldest_snapshot) never passes a snapshot being handed out.
//  - R4 SERIALIZABLE: the ssi_* calls are coord/ssi.h's SsiGraph, whose commit check and the
//    commit timestamp it assigns happen under the graph's mutex.
//  - R5 A transaction decide() aborted never commits: its commit calls fail with 40001.
// Thread-safe. wait_published and ssi_begin MAY SUSPEND; the others never suspend in-process
// (over the network every call that returns something parks the fiber for a round trip).
#pragma once

#include <cstdint>
#include <vector>

#include "partition_api/partition.h"
#include "runtime/fiber.h"

namespace hf::partition_api {

class TxnRegistry : public TxnStatusOracle {
 public:
  ~TxnRegistry() override = default;

  // TxnIds are taken in blocks: [first, end), at most `count` consecutive ids (fewer at the
  // end of the boot's range) that no one else gets. Throws 54000 when the range is used up.
  struct TxnIdBlock {
    TxnId first = 0, end = 0;
  };
  virtual TxnIdBlock claim_txn_ids(uint64_t count) = 0;
  // A transaction starts: status() answers kPending for it from now on. group: its session's
  // lock group (0: none), by which ssi_safe_snapshot_blocking_groups names it.
  virtual void begin(TxnId txn, uint64_t group) = 0;
  virtual Timestamp published() = 0;

  // A snapshot for txn (replacing its previous one): the published timestamp, registered
  // atomically with reading it so the GC horizon never passes it (R3).
  virtual Timestamp take_snapshot(TxnId txn) = 0;
  // take_snapshot() and then catalog_version(), in one call: a READ COMMITTED statement's
  // snapshot and the catalog version its binding must see (a change acknowledged before the
  // statement started bumped the version before this read it). Over the network, one round
  // trip instead of two (doc/cluster.md §6).
  struct StatementSnapshot {
    Timestamp ts = 0;
    uint64_t catalog_version = 0;
  };
  virtual StatementSnapshot take_statement_snapshot(TxnId txn) {
    Timestamp ts = take_snapshot(txn);
    return {ts, catalog_version()};
  }
  virtual void drop_snapshot(TxnId txn) = 0;
  // The oldest timestamp any registered snapshot may still read at (published() when none).
  virtual Timestamp oldest_snapshot() = 0;

  // Commit timestamps (R1). A two-phase commit gets its timestamp after its commit point
  // (assign_commit: committed at once). A one-phase commit reserves one before its synced
  // write, because its records carry it, and completes it (committed or not) after; published
  // stays below an open reservation.
  virtual Timestamp assign_commit(TxnId txn) = 0;
  virtual Timestamp reserve_commit() = 0;
  virtual void complete_commit(TxnId txn, Timestamp ts, bool committed) = 0;
  // Returns once ts is published. MAY SUSPEND.
  virtual void wait_published(Timestamp ts) = 0;
  virtual void mark_aborted(TxnId txn) = 0;
  // After every participant resolved or dropped txn's intents: it leaves the table.
  virtual void forget(TxnId txn) = 0;
  // A dropped table's keyspaces are freed in the partitions once no snapshot that was
  // registered when this was asked remains.
  virtual void drop_keyspaces(uint32_t table_id) = 0;

  // SERIALIZABLE (coord/ssi.h; the same calls and failures, 40001 thrown).
  struct SsiSnapshot {
    Timestamp read_ts = 0;
    bool tracked = false;    // false: a safe read-only snapshot, no SSI needed
    bool cancelled = false;  // a DEFERRABLE wait ended by `cancel`
  };
  // The snapshot of a serializable transaction (registered as take_snapshot's). MAY SUSPEND
  // (READ ONLY DEFERRABLE waits for a safe snapshot; `cancel` ends the wait).
  virtual SsiSnapshot ssi_begin(TxnId txn, bool read_only, bool deferrable,
                                runtime::CancelToken* cancel) = 0;
  virtual bool ssi_tracking(TxnId txn) = 0;
  virtual void ssi_after_read(TxnId txn, bool visited) = 0;
  virtual void ssi_write_conflicts(TxnId txn, const std::vector<TxnId>& readers) = 0;
  virtual void ssi_precommit(TxnId txn) = 0;
  // The commit point of a serializable transaction: returns its commit timestamp (0 when
  // !wrote), assigned under the graph's mutex.
  virtual Timestamp ssi_commit(TxnId txn, bool wrote) = 0;
  virtual void ssi_aborted(TxnId txn) = 0;
  // The lock groups of the transactions the DEFERRABLE wait of group's transaction waits for.
  virtual std::vector<uint64_t> ssi_safe_snapshot_blocking_groups(uint64_t group) = 0;
  virtual size_t ssi_tracked() = 0;

  // The catalog's version across coordinators: a coordinator that committed a catalog change
  // bumps it (returns the new one); one that finds it changed since it last read its catalog
  // reads it again (catalog/catalog.h, sync) before its statement binds a name.
  virtual uint64_t catalog_version() = 0;
  virtual uint64_t bump_catalog_version() = 0;

  // Cluster nodes (doc/cluster.md §8 milestone B). A partition's node that lost the coordinator
  // of txn asks what to do with its intents and locks: kCommitted (with the timestamp) when txn
  // passed its commit point; otherwise txn is aborted here, now and for good (R5: the first
  // decision wins; a later assign_commit or ssi_commit of txn throws 40001), and kAborted.
  virtual TxnStatus decide(TxnId txn) = 0;
  // A serializable read on a partition of another node than the registry's skipped a write:
  // SsiConflictSink's two calls in one (writer != 0: a pending intent of writer; writer == 0:
  // a version committed at commit_ts). Answered before the read returns, so the conflict is in
  // the graph before the reader's commit check.
  virtual void ssi_read_skipped(TxnId reader, TxnId writer, Timestamp commit_ts) = 0;
};

}  // namespace hf::partition_api
