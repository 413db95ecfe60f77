// partition_rpc/cluster_node.h — what a node of a static cluster (holdfast --peers; doc/
// cluster.md §8 milestone B) needs besides the partition seam: the peer list, the partition
// map, and the link from its partitions to the transaction registry on node 1.
//
// Owns: parsing of --peers; the static partition map; RegistryLink; ClusterSessions;
// ClusterWaits.
// Promises:
//  - M1 The partition map is a function of the partition count and the set of node ids only:
//    partition p is owned by the (p mod n)-th smallest node id. Every node computes the same
//    map, and describe() carries it so a node can check it against its peers'.
//  - L1 RegistryLink answers the partitions' questions (status, SSI conflicts, the GC horizon)
//    with node 1's registry once set() gave it: status and SSI calls made before then wait for
//    it (at most `wait`), then fail with 08006; the horizon is 0 until then (nothing is
//    collected). The horizon is asked at most once per 20 ms and cached: a cached horizon is
//    older than the registry's, which only keeps more versions.
//  - V1 (issue 12 item 7) ClusterSessions asks every peer at once and waits for all of them
//    together at most `wait` (kNodeQuestionWait): a peer that has not answered by then, or
//    whose connection is lost, is left out of that answer (pg_stat_activity shows the
//    reachable nodes' sessions; a stopped node never stalls it). A signal goes to the node
//    the pid names and waits as long at most (false when it does not answer).
//  - W1 (C5) ClusterWaits gathers the peers' waits for a deadlock check the same way: every
//    peer asked is asked at once, all awaited together until the check's deadline, a peer gone
//    or silent by then left out of that gathering (WaitGraph::check, doc/cluster.md §4).
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "activity/registry.h"
#include "partition_api/partition.h"
#include "partition_api/txn_registry.h"

namespace hf::partition_rpc {

class PartitionChannel;

struct Peer {
  uint32_t id = 0;
  std::string host;
  uint16_t port = 0;
};

// "1=HOST:PORT,2=HOST:PORT,...": ids 1-511, each once, sorted by id in the result. Throws
// std::runtime_error naming what is wrong; node 1 must be there (it hosts the registry).
std::vector<Peer> parse_peers(const std::string& text);

// M1: owners[p] for p in [0, partitions).
std::vector<uint32_t> partition_owners(uint32_t partitions, const std::vector<Peer>& peers);
// "0:1 1:2 2:3 ..." for logs.
std::string describe_owners(const std::vector<uint32_t>& owners);

// Connects to a peer's PartitionServer, retrying until `wait` has passed (the peers of a
// cluster start in any order). Throws the last failure (08001).
std::shared_ptr<PartitionChannel> connect_to_peer(const Peer& peer, std::chrono::milliseconds wait);

class RegistryLink final : public partition_api::TxnStatusOracle,
                           public partition_api::SsiConflictSink {
 public:
  explicit RegistryLink(std::chrono::milliseconds wait = std::chrono::seconds(30)) : wait_(wait) {}
  void set(std::shared_ptr<partition_api::TxnRegistry> registry);

  partition_api::TxnStatus status(partition_api::TxnId txn) override;
  void read_skipped_intent(partition_api::TxnId reader, partition_api::TxnId writer) override;
  void read_skipped_commit(partition_api::TxnId reader, partition_api::Timestamp ts) override;
  partition_api::Timestamp horizon();
  partition_api::TxnStatus decide(partition_api::TxnId txn);

 private:
  std::shared_ptr<partition_api::TxnRegistry> get();  // waits for set() (L1)
  std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<partition_api::TxnRegistry> registry_;  // mu_
  partition_api::Timestamp horizon_ = 0;                  // mu_: the last one asked
  std::chrono::steady_clock::time_point horizon_at_{};    // mu_
};

// The SQL sessions of the other nodes (V1), over the partition RPC (node_sessions,
// signal_backend in partition.proto): what SessionRegistry::cluster_snapshot() and
// signal_in_cluster() add to this node's own.
class ClusterSessions final : public activity::PeerSessions {
 public:
  struct Node {
    uint32_t id = 0;
    std::shared_ptr<PartitionChannel> channel;
  };
  // wait: kNodeQuestionWait (remote_partition.h) in a server.
  ClusterSessions(std::vector<Node> peers, std::chrono::milliseconds wait)
      : peers_(std::move(peers)), wait_(wait) {}
  std::vector<activity::SessionInfo> sessions() override;
  bool signal(int32_t pid, runtime::CancelToken::Kind kind) override;

 private:
  std::vector<Node> peers_;
  std::chrono::milliseconds wait_;
};

// The other nodes' waits for this node's deadlock checks (W1): one partition of each peer
// (any partition of a node answers for its node's waits-for graph) and its channel.
class ClusterWaits final : public partition_api::PeerWaits {
 public:
  struct Node {
    std::shared_ptr<PartitionChannel> channel;
    partition_api::Partition* partition = nullptr;  // a RemotePartition over channel
  };
  explicit ClusterWaits(std::vector<Node> peers) : peers_(std::move(peers)) {}
  size_t peers() const override { return peers_.size(); }
  std::vector<std::optional<partition_api::NodeWaits>> gather(
      runtime::Deadline deadline, const std::vector<bool>& ask) override;
  void reorder(size_t peer, const partition_api::WaitOrder& order) override;

 private:
  std::vector<Node> peers_;
};

}  // namespace hf::partition_rpc
