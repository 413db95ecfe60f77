// partition_rpc/partition_server.h — serves a node's partitions to other nodes' coordinators
// (and, with --partition-rpc, to this node's own) over the cluster port.
//
// Owns the listening socket, the accepted connections and one io thread for their bytes.
// Every request runs in a fiber of its own on the process's runtime (runtime::Runtime), so a
// call that waits for a lock or a group commit parks that fiber only, and the connection keeps
// serving other calls meanwhile: one connection carries the calls of all of a node's sessions.
//
// Promises:
//  - S1 Every request gets exactly one answer (the partition method's result, or the SqlError
//    it threw as an Error; anything else it threw as XX000), unless the connection is gone.
//  - S2 A Cancel frame for a call still running requests cancellation of that call's own
//    CancelToken with the kind sent (the call returns as a cancelled local call would).
//  - S3 A connection that ends cancels (kTerminate) every call of it still running: no lock
//    wait outlives the coordinator connection that asked for it.
//  - S4 A waiting call with `observed` sends WaitProgress frames before its answer.
//  - S5 (with a registry) A connection that ends ends its coordinator's transactions once its
//    calls still running have returned: those past their commit point are finished, the
//    others aborted (locks released, intents dropped); its sessions' locks are released and
//    its open commit reservations closed. A SQL node's death so never leaves a lock behind.
//  - S6 (with NodeServices::decide, a cluster node without the registry) A connection that
//    ends ends, once its calls still running have returned, every transaction it left
//    unfinished on this node's partitions as the registry decides (never on this node's own
//    judgement: the registry may have committed it): committed ones are resolved at their
//    timestamp, others aborted; the locks of every owner it named (session locks too) are
//    released. If the registry cannot be asked (its node is gone), nothing is decided: the
//    intents and locks stay, and an error is logged.
//  - S7 (NodeServices::txn_fence, a restarted cluster node) A request of a transaction whose
//    TxnId is below the fence — handed out by the registry before this life began, so it may
//    hold locks or buffered writes the previous life lost — fails with 40001 and does nothing;
//    only its commit (a resolution after its commit point, which recovery already made) and
//    abort run. Session owners are not transactions and are not refused.
// The partitions must outlive the server. REQUIRES: runtime::Runtime::instance() exists and
// runs (requests are served by its executors).
// Thread safety: start() and stop() from one thread; the rest is internal.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "activity/registry.h"
#include "partition_api/partition.h"
#include "partition_api/txn_registry.h"

namespace hf::partition_rpc {

class ServedConnection;

// What a node serves besides its partitions (issue 12; doc/cluster.md §8 milestone A).
struct NodeServices {
  // The transaction registry every coordinator over these partitions shares (the node's
  // own, partition_api/txn_registry.h); nullptr: registry calls are refused.
  partition_api::TxnRegistry* registry = nullptr;

  // A cluster node (--peers; doc/cluster.md §8 milestone B). node_id != 0: this node's id, and
  // owners[p] the node that owns partition p (the same map on every node). The node serves
  // only the partitions it owns (describe() lists them, commit groups made unique in the
  // cluster as node_id << 32 | group); a call to another partition fails with XX000.
  uint32_t node_id = 0;
  std::vector<uint32_t> owners;
  // A replicated cluster (--replicas, doc/cluster.md §8 C step 3): every partition is a Raft
  // group with a replica on this node, and the node serves all of them (a gated partition
  // refuses unless its replica leads, LocalPartition G1); describe() lists them all, each with
  // commit group 0 (a transaction writing two partitions commits in two phases: RaftLog
  // refuses a write spanning groups). `owners` stays the static map (the initial leaders).
  bool replicated = false;
  // On the registry's node, when other nodes hold partitions: S5 keeps a lost coordinator's
  // committed transactions in the registry (never forgotten), because the other nodes may still
  // hold their intents and ask (an unknown transaction reads as aborted).
  bool partitions_elsewhere = false;
  // On a node whose registry is another node's: the registry's decision for a transaction
  // (TxnRegistry::decide). With it, S6 holds.
  std::function<partition_api::TxnStatus(partition_api::TxnId)> decide;
  // A restarted node's first TxnId of its life (S7): the registry handed out every TxnId
  // below it before this node's storage was recovered. 0: none refused.
  partition_api::TxnId txn_fence = 0;

  // A cluster node's SQL sessions (issue 12 item 7), for its peers' pg_stat_activity and
  // pg_locks (node_sessions), and signalling one of them for a peer's pg_cancel_backend or
  // pg_terminate_backend (signal_backend: whether it was there). Unset: no sessions, no such
  // pid (a node whose SQL side is not up yet, or a storage-only node).
  std::function<std::vector<activity::SessionInfo>()> sessions;
  std::function<bool(int32_t pid, runtime::CancelToken::Kind kind)> signal_backend;
};

class PartitionServer {
 public:
  // partitions[i]->id() must be i.
  explicit PartitionServer(std::vector<partition_api::Partition*> partitions,
                           NodeServices services = {});
  ~PartitionServer();

  // Listens on host:port (0: any free port) and starts serving. Returns the port.
  // Throws std::runtime_error when it cannot listen.
  uint16_t start(const std::string& host, uint16_t port);
  // Closes the listener and every connection; waits for the io thread. Calls still running
  // in fibers finish on their own (their answers are dropped).
  void stop();

 private:
  void accept_next();

  std::vector<partition_api::Partition*> partitions_;
  NodeServices services_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread io_thread_;
  std::mutex mu_;
  std::set<std::shared_ptr<ServedConnection>> connections_;
  std::atomic<bool> stopping_{false};  // stop() began: lost connections leave their work (S5)
};

}  // namespace hf::partition_rpc
