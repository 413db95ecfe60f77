// replication/partition_machine.h — one partition's storage state as a Raft state machine:
// the StateMachine (state_machine.h) whose state is every key of ONE partition in a node's
// shared storage::Engine, and whose commands are RocksDB write batches of that partition.
//
// What it owns. A PartitionMachine owns nothing but a durable meta key, the partition's
// applied index (applied_index_key()); it writes the partition's keys in the node's Engine
// (which the node owns and which must outlive it) and reads nothing else. The partition's
// keys ("its range") are the keyspaces that carry the partition id (storage/keys.h,
// partition_of_key): row records 'r', history 'h', load markers 'l' and the commit records
// 't' of the transactions it anchors, each [prefix][partition u16]... . Node meta 'm' has no
// partition id: an entry cannot write it (the applied index below is the machine's own).
//
// Entries (encode_entry()): [kind u8 = kWriteBatch][rocksdb::WriteBatch::Data()]. The batch
// may hold only Put and Delete of keys in the partition's range, in the default column
// family. check_entry() says why an entry is not such a batch (empty when it is); proposers
// check before they propose, and apply() checks again because a replica must never trust
// what it is told to apply.
//
// Its promises (on top of the StateMachine contract, A1-A4 of state_machine.h):
//   M1. apply(index, entry) writes the entry's batch and the applied index in ONE RocksDB
//       WriteBatch: after a crash the partition's keys are exactly the effect of the entries
//       up to the recovered applied index, never part of an entry.
//   M2. An entry at or below the applied index (read from the engine when the machine is
//       constructed, then kept) is skipped: a replica restarted from its directory re-applies
//       the log after its newest Raft snapshot (state_machine.h) and nothing is applied twice.
//   M3. An invalid entry (malformed, a foreign key, another operation, an unknown kind) is
//       refused identically on every replica: only the applied index is written (the index is
//       used up deterministically), nothing of the batch; refused() counts it and
//       last_refusal() says at which index and why. Never half an entry.
//   M4. snapshot() is the partition's whole range as a WriteBatch of Puts in key order (the
//       same bytes on every replica whose range is the same; range() gives them to any thread).
//       restore(index, s) replaces the whole range by s's keys and sets the applied index, in
//       one WriteBatch; when index is at or below the applied index it does nothing (M5).
//       Keys of other partitions on the same engine are never read or written.
//   M5. Why restore() at or below the applied index may do nothing: every applied entry is
//       committed, and committed entries are the same on every replica, so the durable state
//       at applied index A is the snapshot state at S <= A followed by entries S+1..A, which
//       is what libraft is about to make of it (it restores S, then re-applies the log after
//       S, which M2 skips up to A). This spares a restarted replica rewriting its partition.
//       It holds while the applied index belongs to this group's log: a replica removed from
//       its group must clear() its range before it joins any group again.
//       While libraft replays entries this machine skips, the engine holds a LATER state than
//       the index libraft believes applied, so snapshot() refuses (throws; FsmAdapter reports
//       the failure and libraft tries again after a later apply) rather than label that state
//       with an earlier index (A4).
//
// Durability (what is fsynced when). Raft's log is the durable record: libraft's uv backend
// writes each entry with O_DSYNC on every replica before acknowledging it, a leader applies
// an entry only once a majority holds it, and libraft writes an installed snapshot durably
// (snapshot_put) before it calls restore(). So apply() and restore() write with
// Durability::kWal — appended to RocksDB's WAL, handed to the OS, NOT fsynced (no fsync on
// the apply path; the fsync per proposal is the Raft log's). A kill -9 loses nothing (the OS
// has the bytes). A power loss may lose the tail of unsynced RocksDB writes: RocksDB recovers
// a prefix of its WAL (point-in-time recovery), and by M1 that prefix is a consistent state at
// some applied index A' <= A. On restart libraft restores its newest snapshot S (durable in its
// own directory) and re-applies the log after S: if A' < S the range is replaced by snapshot S
// (M4), then entries S+1.. are applied; if A' >= S, entries S+1..A' are skipped (M2) and the
// rest applied. Either way nothing is missing, because libraft removes log entries only up to
// a snapshot it has written durably, and takes each snapshot from this machine's state as of
// its last apply (RocksDB reads include unsynced writes). Every other synced write on the node's
// engine (a commit record, sync()) also makes the applies before it durable, so in practice A' is
// close to A.
// kNoWal would be correct by the same argument, which never needs the WAL: with it the durable
// state is the last flushed memtable's (a batch lies wholly in one memtable, memtables flush in
// order), again a prefix consistent at some A' <= A, so a kill -9 too may take the engine back
// to A' and restart replays more of the Raft log. It requires that nothing else writes the
// partition's range on this engine with the WAL in between (with partition::RaftLog as the
// partition's log only open/recovery, loaded files and drop_keyspaces still do: §4 of
// doc/cluster.md) and gives up the "a synced write makes earlier applies durable" shortcut.
// kWal is kept until a measurement says the WAL append matters.
//
// Thread safety: apply/snapshot/restore run on the thread that drives the raft instance
// (state_machine.h). Other threads may read the partition's keys in the Engine at any time
// (RocksDB reads are point-in-time consistent; each apply is one atomic write) and may call
// range(), applied_index() and the counters. Nothing here suspends. apply()
// and restore() block only when RocksDB stalls writes (Engine::write_stalled()), which holds
// up the group's heartbeats as any slow apply does.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <rocksdb/write_batch.h>

#include "replication/state_machine.h"
#include "storage/engine.h"

namespace hf::replication {

using PartitionNumber = std::uint16_t;  // the partition id in storage keys (storage/keys.h)

class PartitionMachine : public StateMachine {
 public:
  // The kinds of entry (the first byte). Only write batches so far; an unknown kind is
  // refused (M3), so a replica running older code never applies half of a newer entry.
  static constexpr std::uint8_t kWriteBatch = 1;

  // Reads the partition's durable applied index from `engine` (0 when there is none).
  PartitionMachine(storage::Engine& engine, PartitionNumber partition);

  void apply(LogIndex index, std::string_view entry) override;
  std::string snapshot() override;
  void restore(LogIndex index, std::string_view snapshot) override;

  // The entry for `batch` (its bytes are copied).
  static std::string encode_entry(const rocksdb::WriteBatch& batch);
  // Why `entry` is not a valid entry of `partition` (empty string: it is valid).
  static std::string check_entry(std::string_view entry, PartitionNumber partition);
  // The partition's range as snapshot() gives it, without snapshot()'s check: for any thread
  // (tests compare replicas with it; a RocksDB iterator reads one consistent state).
  std::string range() const;
  // Whether `key` is in `partition`'s range.
  static bool owns_key(std::string_view key, PartitionNumber partition);
  // The meta key holding `partition`'s applied index (8 bytes, big-endian).
  static std::string applied_index_key(PartitionNumber partition);

  // Deletes the partition's range and its applied index (one WriteBatch, synced): for a
  // replica leaving its group (M5). REQUIRES: no raft instance drives this machine.
  void clear();

  PartitionNumber partition() const { return partition_; }
  // The index of the last entry applied or snapshot restored (durable or not).
  LogIndex applied_index() const { return applied_.load(std::memory_order_acquire); }
  // Entries refused (M3) and entries skipped because they were at or below the applied
  // index (M2), in this machine's life.
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  std::uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }
  std::uint64_t applied_entries() const { return applied_entries_.load(std::memory_order_relaxed); }
  // Restores that replaced the range, and restores skipped by M5.
  std::uint64_t restores() const { return restores_.load(std::memory_order_relaxed); }
  std::uint64_t skipped_restores() const {
    return skipped_restores_.load(std::memory_order_relaxed);
  }
  struct Refusal {
    LogIndex index = 0;
    std::string reason;
  };
  Refusal last_refusal() const;

 private:
  // Adds a Delete of every key of the partition's range to `batch`.
  void delete_range(rocksdb::WriteBatch& batch);

  storage::Engine& engine_;
  const PartitionNumber partition_;
  const std::string applied_key_;
  std::atomic<LogIndex> applied_{0};
  // The last index apply()/restore() was called with, or the applied index at construction
  // (driving thread only).
  LogIndex seen_ = 0;
  std::atomic<std::uint64_t> refused_{0}, skipped_{0}, applied_entries_{0};
  std::atomic<std::uint64_t> restores_{0}, skipped_restores_{0};
  mutable std::mutex refusal_mu_;
  Refusal last_refusal_;  // guarded by refusal_mu_
};

}  // namespace hf::replication
