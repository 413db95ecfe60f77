// activity/registry.h — every live session, by backend pid: for CancelRequest,
// pg_cancel_backend, pg_terminate_backend, pg_stat_activity and (issue 4) pg_locks and
// pg_blocking_pids. Thread-safe. It sits below the SQL layer, which reads it, and is filled
// in by the session layer above. In a cluster (issue 12 item 7) it also reaches the other
// nodes' registries through PeerSessions: cluster_snapshot() and signal_in_cluster().
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/fiber.h"

namespace hf::activity {

// What pg_stat_activity shows of a session; updated by the session's own fiber.
struct SessionInfo {
  int32_t pid = 0;
  std::string user;
  std::string database;
  std::string application_name;
  std::string state = "idle";  // active, idle, idle in transaction, idle in transaction (aborted)
  std::string query;
  std::string wait_event_type;  // "Lock" while waiting for a lock
  std::string wait_event;       // "tuple", "transactionid", "relation", "advisory"
  int64_t backend_start_us = 0;
  int64_t xact_start_us = 0;  // 0: none
  int64_t query_start_us = 0;
  uint64_t txn_id = 0;      // the coordinator's TxnId while a transaction runs, else 0
  bool optimistic = false;  // the running transaction's mode (issue 10), when txn_id != 0
  // The lock-service owner id (locksvc::LockService::owner_id) this session last acted for
  // (issue 11), 0 = none: pg_blocking_pids maps a service owner's waits and holds to it.
  uint64_t service_owner = 0;
};

// The sessions of the cluster's other nodes (issue 12 item 7; partition_rpc/cluster_node.h
// implements it over the partition RPC). Thread-safe; calls may suspend a fiber.
class PeerSessions {
 public:
  virtual ~PeerSessions() = default;
  // Every reachable peer's sessions. A peer that does not answer in time is left out (a
  // bounded wait: pg_stat_activity never hangs on a stopped node).
  virtual std::vector<SessionInfo> sessions() = 0;
  // Signals `pid` on the node its id names; whether that node had such a session (false
  // when the node is not a peer or does not answer in time).
  virtual bool signal(int32_t pid, runtime::CancelToken::Kind kind) = 0;
};

class SessionRegistry {
 public:
  struct Entry {
    int32_t secret = 0;
    runtime::CancelToken* cancel = nullptr;
    SessionInfo info;
  };
  // Pids unique in a cluster (issue 12): node n hands out pids in [n * 2^22 + 10000,
  // n * 2^22 + 4000000], so the pid names its node and every lock owner derived from it
  // (the session's lock group) is unique wherever its locks are held. Node 0 (one node) keeps
  // 10000-4000000. Call before the first add(); n < 512 (pids stay positive int32).
  void set_node(uint32_t node_id);
  static constexpr int kNodeShift = 22;
  // Allocates a pid and a secret key for a new session.
  std::pair<int32_t, int32_t> add(runtime::CancelToken* cancel, SessionInfo info);
  void remove(int32_t pid);
  void update(int32_t pid, const SessionInfo& info);
  // Cheaper than update() for what changes inside a statement: the transaction id (so
  // pg_locks / deadlock reports map a TxnId to its pid at once) and the wait event.
  void set_txn(int32_t pid, uint64_t txn_id, bool optimistic = false);
  void set_wait(int32_t pid, const char* wait_event_type, const char* wait_event);
  // CancelRequest: cancels only when the secret matches. Returns whether it did.
  bool cancel(int32_t pid, int32_t secret);
  // pg_cancel_backend / pg_terminate_backend (no secret needed): this node's sessions only.
  bool signal(int32_t pid, runtime::CancelToken::Kind kind);
  // The same for a pid of any node: another node's pid is signalled on its node (peers).
  bool signal_in_cluster(int32_t pid, runtime::CancelToken::Kind kind);
  // This node's sessions.
  std::vector<SessionInfo> snapshot() const;
  // This node's sessions, then every reachable peer's (just this node's without peers).
  std::vector<SessionInfo> cluster_snapshot() const;
  // The cluster's other nodes (issue 12 item 7); nullptr: none. Call before serving; `peers`
  // outlives the registry's use.
  void set_peers(PeerSessions* peers) { peers_ = peers; }
  // The node a pid belongs to (0: a single node's pid).
  static uint32_t node_of(int32_t pid) { return static_cast<uint32_t>(pid) >> kNodeShift; }
  std::optional<SessionInfo> find(int32_t pid) const;
  std::optional<int32_t> pid_of_txn(uint64_t txn) const;
  // Added (issue 11): the session that last took a lock-service lock for `owner` (the one
  // pg_blocking_pids names for the owner's holds); it waits as that owner, too.
  void set_service_owner(int32_t pid, uint64_t owner);
  std::optional<int32_t> pid_of_service_owner(uint64_t owner) const;
  size_t size() const;

 private:
  // Sessions live in shards by pid: every statement updates its session's entry twice
  // (active, then idle), and with one mutex for all of them the sessions' threads queued on
  // it more the more clients there were. A shard's mutex guards its map; whole-registry reads
  // take the shards one after the other (never two at once).
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::map<int32_t, Entry> sessions;
  };
  Shard& shard(int32_t pid) { return shards_[static_cast<uint32_t>(pid) % kShards]; }
  const Shard& shard(int32_t pid) const { return shards_[static_cast<uint32_t>(pid) % kShards]; }
  Shard shards_[kShards];
  mutable std::mutex mu_;                                    // guards what follows
  std::unordered_map<uint64_t, int32_t> service_owner_pid_;  // owner -> its latest session
  int32_t pid_base_ = 0;                                     // node id << kNodeShift
  PeerSessions* peers_ = nullptr;
  int32_t next_pid_ = 10000;
};

}  // namespace hf::activity
