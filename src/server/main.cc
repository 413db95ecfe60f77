// server/main.cc — the holdfast server: wires storage, partitions, the coordinator, the
// catalog, the SQL engine and the wire protocol together, and serves until SIGINT/SIGTERM
// (SIGHUP reloads the host-based rules file).
//
// Safety rule: the server refuses to start (exit status 1) when it would listen on an address
// other than loopback while a host-based rule trusts connections from beyond loopback (the
// default rules trust 127.0.0.1 and ::1 only); a reload that would break the rule is refused.
//
// Startup order (each layer needs the one before): fiber runtime; the local node (RocksDB,
// recovery, partitions); the transaction manager above its recovered clock; the catalog
// loaded from storage; the SQL engine; the session services; the wire server. Shutdown runs
// in reverse: stop accepting, end every connection (open transactions roll back), stop the
// executors, then close the catalog, the coordinator and storage.
// In a static cluster (--peers, doc/cluster.md §8 milestone B) the storage step also serves
// this node's partitions and reaches the peers': node 1 reaches every peer, builds the
// transaction registry over all partitions, then serves; the others serve at once (their
// partitions ask node 1's registry through a RegistryLink once they reach it).
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "activity/registry.h"
#include "auth/hba.h"
#include "catalog/catalog.h"
#include "client/lock_client.h"
#include "client/seat_demo.h"
#include "common/wait_stats.h"
#include "coord/txn_manager.h"
#include "locksvc/lock_service.h"
#include "partition/leadership.h"
#include "partition/local_node.h"
#include "partition/local_partition.h"
#include "partition/raft_log.h"
#include "partition_rpc/cluster_node.h"
#include "partition_rpc/leader_routed.h"
#include "partition_rpc/partition_server.h"
#include "partition_rpc/remote_partition.h"
#include "replication/partition_machine.h"
#include "replication/raft_counts.h"
#include "replication/replica_group.h"
#include "runtime/fiber.h"
#include "session/services.h"
#include "sql/engine.h"
#include "storage/engine.h"
#include "wire/server.h"

namespace {

// Each connection is one descriptor: 10,000 clients need more than the usual 1024.
void raise_open_files_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rlim_t before = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
      spdlog::info("open files limit raised from {} to {}", before, rl.rlim_cur);
  }
}

// The host-based rules from the file (or the defaults), checked against the listen address.
// Throws std::runtime_error with every problem.
std::shared_ptr<const hf::auth::HbaRules> load_rules(const std::string& hba_file,
                                                     const std::string& listen) {
  hf::auth::HbaRules rules;
  if (hba_file.empty()) {
    rules = hf::auth::HbaRules::defaults();
  } else {
    std::vector<std::string> warnings;
    try {
      rules = hf::auth::load_hba_file(hba_file, &warnings);
    } catch (const hf::auth::HbaError& e) {
      std::string all;
      for (const auto& m : e.messages) all += "\n  " + m;
      throw std::runtime_error("could not load " + hba_file + ":" + all);
    }
    for (const auto& w : warnings) spdlog::warn("{}", w);
  }
  auto addr = hf::auth::IpAddress::parse(listen == "localhost" ? "127.0.0.1" : listen);
  if (!addr || !addr->loopback()) {
    auto trusting = hf::auth::trusting_non_loopback(rules);
    if (!trusting.empty()) {
      const auto* r = trusting.front();
      throw std::runtime_error(
          "refusing to listen on " + listen + ": line " + std::to_string(r->line) + " of " +
          rules.source + " (\"" + r->raw_line +
          "\") trusts connections from addresses beyond loopback; require a password "
          "(scram-sha-256) for them, or listen on 127.0.0.1 or ::1");
    }
  }
  return std::make_shared<const hf::auth::HbaRules>(std::move(rules));
}

// A peer's partitions (the ones its description lists) as RemotePartitions, each put at its
// id in `at`; `keep` owns them.
void pb_description_to_partitions(
    hf::partition_rpc::PartitionChannel& channel, const hf::partition_rpc::pb::NodeDescription& d,
    std::vector<hf::partition_api::Partition*>& at,
    std::vector<std::unique_ptr<hf::partition_api::Partition>>& keep) {
  for (auto& p : channel.partitions_listed(d)) {
    if (p->id() >= at.size() || at[p->id()] != nullptr)
      throw std::runtime_error("node description: partition " + std::to_string(p->id()) +
                               " is not the peer's to serve");
    at[p->id()] = p.get();
    keep.push_back(std::move(p));
  }
}

// A data folder of storage format 1 was converted at open (partition/local_node.h): said once.
void log_format_conversion(hf::partition::LocalNode& node, const std::string& data_dir) {
  if (!node.converted_from_format_1()) return;
  spdlog::info(
      "storage at {} converted from format 1 to format 2: {} commit records moved into their "
      "anchor partitions' ranges",
      data_dir, node.converted_records());
}

// A replicated static cluster's Raft side on this node (--replicas, doc/cluster.md §8 C step 3):
// this node's replica of every partition's group (a PartitionMachine on the node's engine, a
// ReplicaGroup whose Raft port is the node's --raft-peers port + the partition number), the
// RaftLog every LocalPartition writes through, leader-only serving (partition::Leadership) and
// the leader each group's replica here knows, which the coordinator's LeaderRoutedPartitions
// follow. A fresh cluster moves each group's leadership to the node the static map names
// (p mod n), once.
struct Replicas {
  std::vector<std::unique_ptr<hf::replication::PartitionMachine>> machines;
  std::vector<std::unique_ptr<hf::replication::ReplicaGroup>> groups;
  std::unique_ptr<hf::partition::RaftLog> log;
  std::unique_ptr<hf::partition::Leadership> lead;
  std::unique_ptr<std::atomic<uint32_t>[]> leader_of;  // by partition: a node id, 0 none
  std::jthread watcher;
  unsigned election_timeout_ms = 0;  // the groups' (set by start())

  std::unordered_map<hf::partition_api::PartitionId, hf::replication::ReplicaGroup*> by_partition()
      const {
    std::unordered_map<hf::partition_api::PartitionId, hf::replication::ReplicaGroup*> out;
    for (size_t p = 0; p < groups.size(); ++p) out[static_cast<uint32_t>(p)] = groups[p].get();
    return out;
  }
  // Opens and starts every group (their loop threads apply to node's engine from now on) and
  // puts the RaftLog under the node's partitions, which are gated: none serves until its
  // replica leads and took it over.
  void start(hf::partition::LocalNode& node, uint32_t self,
             const std::vector<hf::partition_rpc::Peer>& raft_peers, const std::string& data_dir,
             unsigned election_timeout) {
    const uint32_t n = node.partition_count();
    leader_of = std::make_unique<std::atomic<uint32_t>[]>(n);
    node.gate();
    // Each partition is its own group: it never reaches another partition of this node (its
    // replica here may not lead), so no one-phase commit or commit record spans siblings.
    for (uint32_t p = 0; p < n; ++p) node.partition(p).set_siblings(nullptr);
    for (uint32_t p = 0; p < n; ++p) {
      hf::replication::ReplicaGroupOptions o;
      for (const auto& peer : raft_peers) {
        hf::replication::Member m{peer.id, peer.host + ":" + std::to_string(peer.port + p),
                                  hf::replication::Role::kVoter};
        if (peer.id == self) o.address = m.address;
        o.bootstrap.push_back(m);
      }
      o.id = self;
      o.data_dir = data_dir + "/raft-" + std::to_string(p);
      o.election_timeout_ms = election_timeout;
      election_timeout_ms = o.election_timeout_ms;
      machines.push_back(std::make_unique<hf::replication::PartitionMachine>(
          node.engine(), static_cast<hf::replication::PartitionNumber>(p)));
      groups.push_back(std::make_unique<hf::replication::ReplicaGroup>(o, *machines.back()));
      if (auto why = groups.back()->start(); !why.empty())
        throw std::runtime_error("partition " + std::to_string(p) + ": its Raft group on " +
                                 o.address + " did not start: " + why);
    }
    log = std::make_unique<hf::partition::RaftLog>(by_partition());
    node.set_log(log.get());
  }
  // Leader-only serving from now on (the registry gives the fences), and the leader map the
  // routing reads, logged on every change. `owners`: the static map; `place`: move each
  // group's leadership there (a fresh cluster).
  void serve(hf::partition::LocalNode& node, uint32_t self, std::vector<uint32_t> owners,
             bool place, std::function<hf::partition::Leadership::Fence()> fence) {
    // The lease (doc/cluster.md §4 (e) W3) is the groups' election timeout's: every group here
    // was opened with the same options.
    lead = std::make_unique<hf::partition::Leadership>(
        node, by_partition(), std::move(fence), std::chrono::milliseconds(20),
        std::chrono::milliseconds(election_timeout_ms));
    lead->start();
    watcher = std::jthread([this, &node, self, owners = std::move(owners),
                            place](std::stop_token stop) {
      using clock = std::chrono::steady_clock;
      const auto began = clock::now();
      std::vector<clock::time_point> tried(groups.size());
      // Placement ends for a group once its leader is the map's: a later transfer would aim
      // at a node that may be gone (and libraft refuses proposals while a transfer is
      // pending: RaftLog's 40001 until it times out).
      std::vector<bool> placed(groups.size(), !place);
      std::vector<uint64_t> serving(groups.size(), 0);
      while (!stop.stop_requested()) {
        for (size_t p = 0; p < groups.size() && !stop.stop_requested(); ++p) {
          const auto info = groups[p]->info();
          const uint32_t leader = info.state == hf::replication::ReplicaInfo::kLeader
                                      ? self
                                      : static_cast<uint32_t>(info.leader_id);
          const uint32_t before = leader_of[p].exchange(leader);
          if (before != leader)
            spdlog::info("cluster node {}: partition {} led by node {} (term {}; was node {})",
                         self, p, leader, info.term, before);
          const uint64_t term = node.partition(static_cast<uint32_t>(p)).serving_term();
          if (term != serving[p]) {
            if (term != 0)
              spdlog::info("cluster node {}: partition {} serves here (term {})", self, p, term);
            serving[p] = term;
          }
          if (leader == owners[p]) placed[p] = true;
          if (!placed[p] && leader == self && clock::now() - began < std::chrono::seconds(60) &&
              clock::now() - tried[p] > std::chrono::seconds(1)) {
            tried[p] = clock::now();
            // Through Leadership (W4): it stops serving here before libraft hands over.
            lead->transfer(static_cast<uint32_t>(p), owners[p]);  // best effort: again later
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  uint32_t leader(uint32_t p) const { return leader_of[p].load(); }
  // Watcher and Leadership first (they call the groups), then the groups (their loop threads
  // apply to the engine): before the node closes.
  void stop() {
    if (watcher.joinable()) {
      watcher.request_stop();
      watcher.join();
    }
    lead.reset();
    for (auto& g : groups) g->stop();
  }
  ~Replicas() { stop(); }
};

}  // namespace

int main(int argc, char** argv) {
  // `holdfast lock ... -- COMMAND`: hold lock-service locks while a command runs (client/).
  if (argc > 1 && std::string(argv[1]) == "lock")
    return hf::client::run_lock_command(argc - 1, argv + 1);
  CLI::App app{"holdfast: a PostgreSQL-compatible SQL server with PostgreSQL-exact row locking"};
  std::string listen = "127.0.0.1";
  int port = 5433;
  std::string data_dir = "data";
  uint32_t partitions = 8;
  // Two executors per core: a fiber runs until it waits, so a session whose executor is busy
  // with another session's statement waits for it; with more executors than cores the OS
  // time-slices them and that wait shrinks. Measured (issue 8, Temporal workload on 2 cores,
  // 2 against 4 executors): the same throughput, p95 87-89 against 102-107 ms at 16 clients,
  // p99 383 against 449 ms at 64.
  int threads = static_cast<int>(2 * std::max(1u, std::thread::hardware_concurrency()));
  int max_connections = 10000;
  std::string log_level = "info";
  size_t max_lock_memory_mb = hf::partition::default_max_lock_memory() >> 20;
  std::string statement_memory = "1GB";
  int stats_log_ms = 0;
  app.add_option("--listen", listen, "address to listen on")->capture_default_str();
  app.add_option("--port", port, "TCP port")->capture_default_str();
  app.add_option("--data", data_dir, "data directory (created if missing)")->capture_default_str();
  app.add_option("--partitions", partitions, "hash partitions per table (fixed at creation)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--threads", threads, "executor threads (default: two per core)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--stats-log-ms", stats_log_ms,
                 "log the storage and commit-wait counters every N ms (0: never); "
                 "bench/temporal_scale.sh reads them")
      ->check(CLI::Range(0, 3600000));
  app.add_option("--max-connections", max_connections, "maximum concurrent clients")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--max-lock-memory", max_lock_memory_mb,
                 "MiB the node may use for locks (row locks ~60 bytes each); a lock beyond it "
                 "fails with 53200 out of shared memory")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
  app.add_option("--statement-memory", statement_memory,
                 "memory one statement may hold in hash tables and materialised rows before it "
                 "fails with 53200 (sorts spill to disk past work_mem instead); kB, MB, GB")
      ->capture_default_str();
  // The cluster port (issue 12): where this node serves its partitions to coordinators.
  std::string cluster_listen;
  bool partition_rpc = false;
  app.add_option("--cluster-listen", cluster_listen,
                 "HOST:PORT where this node serves its partitions to other nodes' coordinators "
                 "(partition RPC; PORT 0: any free port)");
  std::string partitions_at;
  bool storage_only = false;
  uint32_t node_id = 0;
  app.add_option("--node-id", node_id,
                 "this node's number in a cluster (0-511): its backend pids are node-id * 2^22 + "
                 "10000 and up, so a pid is unique in the cluster and names its node")
      ->check(CLI::Range(0, 511))
      ->capture_default_str();
  app.add_option("--partitions-at", partitions_at,
                 "HOST:PORT of a node started with --storage-only: this node keeps no partitions "
                 "of its own and coordinates transactions over that node's, sharing its "
                 "transaction registry with every other such node (SQL and coordinators on "
                 "several nodes, partitions on one)");
  std::string peers_text;
  app.add_option("--peers", peers_text,
                 "a static cluster (doc/cluster.md §8 milestone B): ID=HOST:PORT of every node's "
                 "cluster port, this one's included (e.g. 1=127.0.0.1:7001,2=127.0.0.1:7002). "
                 "Each node owns partitions p with p mod n = its rank, serves them there, "
                 "accepts SQL and coordinates over every node's partitions; node 1 hosts the "
                 "transaction registry. Needs --node-id; --cluster-listen defaults to this "
                 "node's entry. A node other than 1 restarts on its --data (its intents settled by "
                 "node 1's registry); node 1 starts only on an empty --data");
  uint32_t replicas = 0;
  std::string raft_peers_text;
  app.add_option("--replicas", replicas,
                 "with --peers: every partition is a Raft group with a replica on each node "
                 "(doc/cluster.md §8 C; the number of nodes, 3), its leader serving it; needs "
                 "--raft-peers")
      ->check(CLI::Range(0u, 9u));
  unsigned raft_election_timeout_ms = hf::replication::ReplicaGroupOptions{}.election_timeout_ms;
  app.add_option("--raft-election-timeout-ms", raft_election_timeout_ms,
                 "with --replicas: the partition groups' Raft election timeout; a leader's "
                 "lease is 3/4 of it (doc/cluster.md §4 (e))")
      ->check(CLI::Range(100u, 60000u));
  app.add_option("--raft-peers", raft_peers_text,
                 "with --replicas: ID=HOST:PORT of every node's first Raft port (partition p's "
                 "group listens on PORT + p), this one's included");
  app.add_flag("--storage-only", storage_only,
               "serve this node's partitions and transaction registry on --cluster-listen to "
               "coordinator nodes (--partitions-at) and accept no SQL connections");
  app.add_flag("--partition-rpc", partition_rpc,
               "this node's coordinator reaches its own partitions through the cluster port, "
               "as it reaches another node's (tests the network seam; implies --cluster-listen "
               "127.0.0.1:0 when none is given)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical, off")
      ->capture_default_str();
  std::string hba_file, ssl_cert, ssl_key, ssl_ca;
  app.add_option("--hba-file", hba_file,
                 "host-based rules in pg_hba.conf format (default: trust from 127.0.0.1 and ::1 "
                 "only); reloaded on SIGHUP");
  app.add_option("--ssl-cert", ssl_cert, "TLS certificate (PEM); with --ssl-key enables TLS");
  app.add_option("--ssl-key", ssl_key, "TLS private key (PEM, mode 0600)");
  app.add_option("--ssl-ca", ssl_ca, "CA certificates to request and verify client certificates");
  // `holdfast demo seats --port N`: seed 003's story against a running server (client/).
  auto* demo = app.add_subcommand("demo", "replay a story against a running server");
  auto* seats = demo->add_subcommand(
      "seats", "seed 003's seat booking, pessimistic then optimistic (three connections)");
  std::string demo_host = "127.0.0.1", demo_user = "postgres", demo_db = "postgres";
  int demo_port = 5433;
  seats->add_option("--host", demo_host, "server address")->capture_default_str();
  seats->add_option("--port", demo_port, "server port")->capture_default_str();
  seats->add_option("--user", demo_user, "user name")->capture_default_str();
  seats->add_option("--dbname", demo_db, "database")->capture_default_str();
  demo->require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  if (seats->parsed()) {
    return hf::client::run_seat_demo("host=" + demo_host + " port=" + std::to_string(demo_port) +
                                         " user=" + demo_user + " dbname=" + demo_db,
                                     std::cout);
  }

  spdlog::set_level(spdlog::level::from_str(log_level));
  std::signal(SIGPIPE, SIG_IGN);
  raise_open_files_limit();

  auto statement_memory_bytes = hf::sql::parse_memory_size(statement_memory);
  if (!statement_memory_bytes || *statement_memory_bytes < 1024 * 1024) {
    spdlog::critical("--statement-memory: \"{}\" is not a size of at least 1MB", statement_memory);
    return 1;
  }

  try {
    auto rules = load_rules(hba_file, listen);  // before anything starts: it may refuse
    hf::runtime::Runtime runtime(threads);
    // Started before recovery: the partition server serves calls in the runtime's fibers.
    runtime.start();

    auto host_port = [](const std::string& flag, const std::string& text) {
      auto colon = text.rfind(':');
      int p = -1;
      if (colon != std::string::npos && colon > 0) {
        try {
          p = std::stoi(text.substr(colon + 1));
        } catch (const std::exception&) {
        }
      }
      if (p < 0 || p > 65535)
        throw std::runtime_error(flag + ": \"" + text + "\" is not HOST:PORT");
      return std::pair<std::string, uint16_t>{text.substr(0, colon), static_cast<uint16_t>(p)};
    };
    std::vector<hf::partition_rpc::Peer> peers;
    if (!peers_text.empty()) {
      peers = hf::partition_rpc::parse_peers(peers_text);
      if (storage_only || partition_rpc || !partitions_at.empty())
        throw std::runtime_error(
            "--peers excludes --storage-only, --partition-rpc and --partitions-at");
      auto me =
          std::find_if(peers.begin(), peers.end(), [&](const auto& p) { return p.id == node_id; });
      if (me == peers.end())
        throw std::runtime_error("--peers: this node's --node-id " + std::to_string(node_id) +
                                 " is not listed");
      if (cluster_listen.empty()) cluster_listen = me->host + ":" + std::to_string(me->port);
    }
    std::vector<hf::partition_rpc::Peer> raft_peers;
    if (replicas != 0) {
      if (peers.empty()) throw std::runtime_error("--replicas needs --peers");
      if (replicas != peers.size() || replicas < 3)
        throw std::runtime_error(
            "--replicas: only a replica of every partition on every node is built: give the "
            "number of --peers (at least 3)");
      raft_peers = hf::partition_rpc::parse_peers(raft_peers_text);
      std::vector<uint32_t> a, b;
      for (const auto& p : peers) a.push_back(p.id);
      for (const auto& p : raft_peers) b.push_back(p.id);
      if (a != b) throw std::runtime_error("--raft-peers must name the same node ids as --peers");
    }
    if ((partition_rpc || storage_only || !partitions_at.empty()) && cluster_listen.empty()) {
      if (storage_only) throw std::runtime_error("--storage-only needs --cluster-listen");
      cluster_listen = "127.0.0.1:0";
    }
    if (storage_only && (partition_rpc || !partitions_at.empty())) {
      throw std::runtime_error("--storage-only excludes --partition-rpc and --partitions-at");
    }

    // The storage side (issue 12, doc/cluster.md): this node's partitions and the transaction
    // registry every coordinator over them shares (partition_api/txn_registry.h), or none
    // (with --partitions-at the coordinator reaches another node's), and how the coordinator
    // below reaches them: directly, or through a PartitionChannel.
    // Declared before the node: the node's partitions write through its RaftLog; stopped
    // (groups joined) before the node closes, by `stop_replicas` below or at shutdown.
    Replicas raft;
    std::unique_ptr<hf::partition::LocalNode> node;
    struct StopReplicas {
      Replicas& r;
      ~StopReplicas() { r.stop(); }
    } stop_replicas{raft};
    std::vector<std::unique_ptr<hf::partition_rpc::LeaderRoutedPartition>> routed_partitions;
    std::shared_ptr<hf::coord::LocalTxnRegistry> node_registry;
    std::unique_ptr<hf::partition_rpc::PartitionServer> partition_server;
    std::shared_ptr<hf::partition_rpc::PartitionChannel> channel;
    std::vector<std::unique_ptr<hf::partition_api::Partition>> remote_partitions;
    std::vector<hf::partition_api::Partition*> coordinator_partitions;
    std::shared_ptr<hf::partition_api::TxnRegistry> coordinator_registry;
    // A static cluster (--peers): this node's partitions local, the others' remote, the
    // registry on node 1 (doc/cluster.md §8 milestone B).
    std::vector<std::shared_ptr<hf::partition_rpc::PartitionChannel>> peer_channels;
    // A restarted node's channel to node 1, opened before it serves (doc/cluster.md §8 B).
    std::shared_ptr<hf::partition_rpc::PartitionChannel> registry_channel;
    std::vector<uint32_t> peer_channel_ids;  // peer_channels[i] reaches node peer_channel_ids[i]
    hf::partition_rpc::RegistryLink registry_link;
    // Issue 12 item 7: the peers' sessions (pg_stat_activity, pg_locks, pg_cancel_backend see
    // the cluster), and this node's, served to them once the SQL side below exists.
    std::unique_ptr<hf::partition_rpc::ClusterSessions> peer_sessions;
    // C5: the peers' waits for this node's deadlock checks (all asked at once, one budget).
    std::unique_ptr<hf::partition_rpc::ClusterWaits> cluster_waits;
    std::atomic<hf::activity::SessionRegistry*> sql_sessions{nullptr};
    // A replicated cluster: each peer's RemotePartitions by partition id, and the coordinator
    // (set once it exists) whose TxnId block a fence refusal renews (LR3).
    std::map<uint32_t, std::vector<hf::partition_api::Partition*>> remote_by_node;
    std::atomic<hf::coord::LocalTxnManager*> coordinator_txns{nullptr};
    if (!peers.empty()) {
      // Node 1 mints the TxnIds and timestamps (by its boot epoch); every other node's
      // storage holds the registry's TxnIds, so the registry settles them (local_node.h).
      node = hf::partition::open_local_node(data_dir, partitions, max_lock_memory_mb << 20,
                                            node_id == 1 ? hf::partition::Recovery::kBootEpoch
                                                         : hf::partition::Recovery::kByRegistry);
      log_format_conversion(*node, data_dir);
      const bool restarted = node->boot_epoch() != 1;
      const bool replicated = replicas != 0;
      if (replicated) {
        raft.start(*node, node_id, raft_peers, data_dir, raft_election_timeout_ms);
        spdlog::info(
            "cluster node {}: a replica of each of {} partitions' Raft groups ({} "
            "replicas), Raft ports from {}",
            node_id, partitions, replicas, raft_peers_text);
      }
      if (restarted && node_id == 1) {
        // Its registry's table (who committed, what was decided) lives in memory only: a new
        // life could not answer for the transactions the other nodes still hold.
        throw std::runtime_error(
            "restarting node 1 (the transaction registry's host) is not built yet "
            "(doc/cluster.md §8): " +
            data_dir + " was used before; start a new cluster on empty --data directories");
      }
      auto owners = hf::partition_rpc::partition_owners(partitions, peers);
      spdlog::info("cluster node {} of {}: partition map {}", node_id, peers.size(),
                   hf::partition_rpc::describe_owners(owners));
      hf::partition_rpc::NodeServices served;
      served.node_id = node_id;
      served.owners = owners;
      served.replicated = replicated;
      served.sessions = [&sql_sessions] {
        auto* r = sql_sessions.load();
        return r ? r->snapshot() : std::vector<hf::activity::SessionInfo>{};
      };
      served.signal_backend = [&sql_sessions](int32_t pid, hf::runtime::CancelToken::Kind kind) {
        auto* r = sql_sessions.load();
        return r && r->signal(pid, kind);
      };
      auto connect_peers = [&] {
        coordinator_partitions.assign(partitions, nullptr);
        for (uint32_t p = 0; p < partitions; ++p)
          if (owners[p] == node_id) coordinator_partitions[p] = node->partitions()[p];
        std::vector<hf::partition_rpc::ClusterWaits::Node> peer_waits;  // one partition a peer
        std::vector<hf::partition_rpc::ClusterSessions::Node> session_peers;
        for (const auto& peer : peers) {
          if (peer.id == node_id) continue;
          auto ch = peer.id == 1 && registry_channel
                        ? registry_channel
                        : hf::partition_rpc::connect_to_peer(peer, std::chrono::seconds(60));
          auto d = ch->describe();
          if (d.node_id() != peer.id || std::vector<uint32_t>(d.partition_owners().begin(),
                                                              d.partition_owners().end()) != owners)
            throw std::runtime_error("node " + std::to_string(peer.id) + " at " + ch->address() +
                                     " has another node id or partition map (same --peers and "
                                     "--partitions on every node?)");
          size_t had = remote_partitions.size();
          if (replicated) {
            // Every partition: the router reaches it there while that node leads it; a call
            // there is given up once another node leads the partition (P9: a stopped leader
            // keeps its connection and answers nothing).
            auto led_elsewhere = [r = &raft, at = peer.id](hf::partition_api::PartitionId p) {
              const uint32_t leader = r->leader(p);
              return leader != 0 && leader != at;
            };
            for (auto& p : ch->partitions(d, led_elsewhere)) {
              remote_by_node[peer.id].push_back(p.get());
              remote_partitions.push_back(std::move(p));
            }
          } else {
            // Only the partitions it owns: place them by id.
            pb_description_to_partitions(*ch, d, coordinator_partitions, remote_partitions);
          }
          if (remote_partitions.size() > had)
            peer_waits.push_back({ch, remote_partitions.back().get()});
          peer_channels.push_back(ch);
          peer_channel_ids.push_back(peer.id);
          session_peers.push_back({peer.id, ch});
        }
        if (replicated) {
          // The coordinator reaches each partition at its group's current leader (LR1-LR4).
          for (uint32_t p = 0; p < partitions; ++p) {
            hf::partition_rpc::LeaderRoutedPartition::Options o;
            o.id = p;
            o.self = node_id;
            o.local = node->partitions()[p];
            for (auto& [id, parts] : remote_by_node) o.remote[id] = parts.at(p);
            o.leader = [r = &raft, p] { return r->leader(p); };
            o.fenced = [&coordinator_txns] {
              if (auto* t = coordinator_txns.load()) t->renew_txn_ids();
            };
            routed_partitions.push_back(
                std::make_unique<hf::partition_rpc::LeaderRoutedPartition>(std::move(o)));
            coordinator_partitions[p] = routed_partitions.back().get();
          }
        }
        peer_sessions = std::make_unique<hf::partition_rpc::ClusterSessions>(
            std::move(session_peers), hf::partition_rpc::kNodeQuestionWait);
        // Deadlocks across nodes (C5): a check without a cycle here asks the peers' graphs.
        cluster_waits = std::make_unique<hf::partition_rpc::ClusterWaits>(std::move(peer_waits));
        node->set_peer_waits(cluster_waits.get(), hf::partition_rpc::kNodeQuestionWait);
      };
      auto start_server = [&] {
        auto [host, cport] = host_port("--cluster-listen", cluster_listen);
        partition_server =
            std::make_unique<hf::partition_rpc::PartitionServer>(node->partitions(), served);
        partition_server->start(host, cport);
        spdlog::info("serving partitions of node {} on {}", node_id, cluster_listen);
      };
      if (node_id == 1) {
        // The others serve their partitions without node 1; node 1 reaches them first, so its
        // registry knows every partition (SIREAD releases, dropped tables) before it serves.
        connect_peers();
        auto clock = node->clock();
        node_registry = hf::coord::make_txn_registry(
            coordinator_partitions, {clock.start_ts, clock.first_txn_id, clock.last_txn_id});
        node->attach(
            node_registry.get(), [r = node_registry.get()] { return r->oldest_snapshot(); },
            &node_registry->ssi_sink());
        served.registry = node_registry.get();
        served.partitions_elsewhere = peers.size() > 1;
        coordinator_registry = node_registry;
        start_server();
      } else {
        node->attach(
            &registry_link, [l = &registry_link] { return l->horizon(); }, &registry_link);
        served.decide = [l = &registry_link](hf::partition_api::TxnId t) { return l->decide(t); };
        if (restarted && !replicated) {
          // A new life (doc/cluster.md §8 B): node 1 first, which serves (it is not
          // restarting), then the intents the previous life left, as its registry decides;
          // only then serve, refusing the transactions that may have used the previous life.
          auto started = std::chrono::steady_clock::now();
          registry_channel =
              hf::partition_rpc::connect_to_peer(peers.front(), std::chrono::seconds(60));
          auto registry = std::make_shared<hf::partition_rpc::RemoteTxnRegistry>(registry_channel);
          registry_link.set(registry);
          served.txn_fence = registry->claim_txn_ids(1).first;
          std::vector<uint32_t> mine;
          for (uint32_t p = 0; p < partitions; ++p)
            if (owners[p] == node_id) mine.push_back(p);
          auto settled = node->settle_by_registry(
              [l = &registry_link](hf::partition_api::TxnId t) { return l->decide(t); }, mine);
          spdlog::info(
              "cluster node {} restarted (boot {}): as node 1's registry decided, {} "
              "transactions here committed, {} aborted, {} commit records removed; TxnIds "
              "below {} refused ({} ms)",
              node_id, node->boot_epoch(), settled.committed, settled.aborted, settled.records,
              served.txn_fence,
              std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count());
        }
        start_server();
        connect_peers();
        auto& to_registry = peer_channels.front();  // node 1: peers are sorted by id
        coordinator_registry = std::make_shared<hf::partition_rpc::RemoteTxnRegistry>(to_registry);
        registry_link.set(coordinator_registry);
      }
      if (replicated) {
        // Leader-only serving, fenced by the registry: a TxnId above every one minted so far
        // and a timestamp at or above every commit timestamp handed out (a closed reservation).
        raft.serve(*node, node_id, owners, !restarted, [reg = coordinator_registry] {
          auto block = reg->claim_txn_ids(1);
          auto ts = reg->reserve_commit();
          reg->complete_commit(block.first, ts, false);
          return hf::partition::Leadership::Fence{block.first, ts};
        });
        // The catalog is read next, by transactions whose TxnIds must be above every
        // takeover's fence (G2): wait (at most 60 s) until each group's leader is the one it
        // will keep (a fresh cluster's: the static map's), then until each partition answers
        // a read there (retried while it is not served yet: LR2).
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        for (uint32_t p = 0; p < partitions; ++p)
          while ((raft.leader(p) == 0 || (!restarted && raft.leader(p) != owners[p])) &&
                 std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        for (uint32_t p = 0; p < partitions; ++p) {
          for (;;) {
            try {
              coordinator_partitions[p]->get(hf::partition_api::KeySpace{0, 0}, "",
                                             hf::partition_api::ReadView{});
              break;
            } catch (const hf::SqlError&) {
              if (std::chrono::steady_clock::now() >= until) throw;
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
          }
        }
        spdlog::info("cluster node {}: every partition is served by its group's leader", node_id);
      }
      spdlog::info(
          "cluster node {}: the coordinator reaches {} partitions, {} of them local; "
          "transaction registry on node 1",
          node_id, coordinator_partitions.size(),
          std::count(owners.begin(), owners.end(), node_id));
    }
    if (partitions_at.empty() && peers.empty()) {
      node = hf::partition::open_local_node(data_dir, partitions, max_lock_memory_mb << 20);
      log_format_conversion(*node, data_dir);
      auto clock = node->clock();
      node_registry = hf::coord::make_txn_registry(
          node->partitions(), {clock.start_ts, clock.first_txn_id, clock.last_txn_id});
      node->attach(
          node_registry.get(), [r = node_registry.get()] { return r->oldest_snapshot(); },
          &node_registry->ssi_sink());
      coordinator_partitions = node->partitions();
      coordinator_registry = node_registry;
      spdlog::info(
          "storage open at {} ({} partitions, boot epoch {}, {} commits recovered, lock memory "
          "{} MiB)",
          data_dir, node->partition_count(), node->boot_epoch(), node->recovered_commits(),
          max_lock_memory_mb);
    }
    if (!cluster_listen.empty() && partitions_at.empty() && peers.empty()) {
      auto [host, cport] = host_port("--cluster-listen", cluster_listen);
      hf::partition_rpc::NodeServices served;
      served.registry = node_registry.get();
      partition_server =
          std::make_unique<hf::partition_rpc::PartitionServer>(node->partitions(), served);
      uint16_t bound_cluster = partition_server->start(host, cport);
      cluster_listen = host + ":" + std::to_string(bound_cluster);
      spdlog::info("serving {} partitions and the transaction registry on {}",
                   node->partition_count(), cluster_listen);
      if (partition_rpc)
        channel = hf::partition_rpc::PartitionChannel::connect(host, bound_cluster);
    }
    if (!partitions_at.empty()) {
      auto [phost, pport] = host_port("--partitions-at", partitions_at);
      channel = hf::partition_rpc::PartitionChannel::connect(phost, pport);
      auto d = channel->describe();
      partitions = static_cast<uint32_t>(d.partitions_size());
      remote_partitions = channel->partitions(d);
    } else if (channel) {
      remote_partitions = channel->partitions();
    }
    if (channel) {
      // Every call crosses the channel: the partitions' and the registry's (several
      // coordinators may share them: doc/cluster.md §8 milestone A).
      coordinator_partitions.clear();
      for (auto& p : remote_partitions) coordinator_partitions.push_back(p.get());
      coordinator_registry = std::make_shared<hf::partition_rpc::RemoteTxnRegistry>(channel);
      spdlog::info("the coordinator reaches its {} partitions and their registry through {}",
                   coordinator_partitions.size(), channel->address());
    }

    if (storage_only) {
      // The lock service's durable holds go back into the lock tables here, once per boot
      // of the partitions, by a coordinator of this node's own.
      auto own = hf::coord::make_txn_manager(node->partitions(), node_registry);
      hf::locksvc::LockService lock_service(*own);
      size_t holds = lock_service.recover();
      if (holds) spdlog::info("lock service: {} holds restored", holds);
      spdlog::info("storage only: no SQL connections; coordinators attach on {}", cluster_listen);
      boost::asio::io_context signals_io;
      boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
      signals.async_wait([](const boost::system::error_code&, int) {});
      signals_io.run();
      partition_server->stop();
      runtime.stop();
      spdlog::info("holdfast stopped");
      return 0;
    }

    auto txns = hf::coord::make_txn_manager(coordinator_partitions, coordinator_registry);
    coordinator_txns.store(txns.get());
    // Weak table locks through the fast path only when no other coordinator reaches these
    // partitions (no cluster port, no peers): a strong locker must see every fast-path lock.
    txns->set_fast_path_locks(cluster_listen.empty() && peers.empty() && partitions_at.empty());

    // A static cluster: a peer other than node 1 that was lost is reached again once it has
    // restarted (doc/cluster.md §8 B; remote_partition.h P8): every RemotePartition over its
    // channel works again. The new life refuses transactions begun before it (S7), so this
    // node's new transactions take TxnIds from a new block from then on. Node 1 is not
    // reconnected: its restart is refused (its registry would not know the cluster's
    // transactions). Declared after what it uses, so it is joined before they go.
    std::jthread reconnector;
    if (!peers.empty()) {
      reconnector = std::jthread([&](std::stop_token stop) {
        using clock = std::chrono::steady_clock;
        std::vector<clock::time_point> lost_at(peer_channels.size());
        while (!stop.stop_requested()) {
          for (size_t i = 0; i < peer_channels.size(); ++i) {
            auto& ch = *peer_channels[i];
            if (peer_channel_ids[i] == 1 || !ch.lost()) {
              lost_at[i] = {};
              continue;
            }
            if (lost_at[i] == clock::time_point{}) {
              lost_at[i] = clock::now();
              // Its session locks there are gone with that node's life (or will be, when
              // it settles this connection's loss): a session that holds one is ended, as
              // PostgreSQL ends a backend whose locks it cannot keep (C4: no silent loss).
              size_t ended = 0;
              auto* registry = sql_sessions.load();
              for (uint64_t owner : ch.take_session_owners()) {
                auto pid = static_cast<int32_t>(owner & 0xffffffffu);
                if (registry && registry->signal(pid, hf::runtime::CancelToken::kTerminate))
                  ++ended;
              }
              if (ended)
                spdlog::warn(
                    "cluster node {}: the connection to node {} was lost: {} sessions holding "
                    "session locks there ended",
                    node_id, peer_channel_ids[i], ended);
            }
            try {
              ch.reconnect();
            } catch (const hf::SqlError&) {
              continue;  // not serving yet (or not back): try again
            }
            std::string why;
            try {
              auto d = ch.describe();
              if (d.node_id() != peer_channel_ids[i] ||
                  std::vector<uint32_t>(d.partition_owners().begin(), d.partition_owners().end()) !=
                      hf::partition_rpc::partition_owners(partitions, peers))
                why = "it has another node id or partition map";
            } catch (const hf::SqlError& e) {
              why = e.error().message;
            }
            if (!why.empty()) {
              spdlog::error("cluster node {}: node {} at {} answered again, but {}", node_id,
                            peer_channel_ids[i], ch.address(), why);
              continue;
            }
            txns->renew_txn_ids();
            spdlog::info(
                "cluster node {}: reached node {} again (connection {}) {} ms after it was "
                "lost; its partitions serve this node's transactions begun from now on",
                node_id, peer_channel_ids[i], ch.generation(),
                std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - lost_at[i])
                    .count());
            lost_at[i] = {};
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      });
    }

    // Sort runs go to <data>/pgsql_tmp as unnamed files: nothing to clean up after a crash.
    std::string temp_dir = data_dir + "/pgsql_tmp";
    std::filesystem::create_directories(temp_dir);
    hf::sql::set_execution_limits({*statement_memory_bytes, temp_dir});

    hf::catalog::Catalog catalog(*txns, partitions);
    catalog.set_node(node_id);
    catalog.load();
    // The lock service's durable holds go back into the lock tables before anyone connects.
    hf::locksvc::LockService lock_service(*txns);
    if (partitions_at.empty() && peers.empty()) {  // else restored at the partitions' boot
      size_t holds = lock_service.recover();
      if (holds) spdlog::info("lock service: {} holds restored", holds);
    }
    auto engine = hf::sql::make_engine(catalog, *txns);

    hf::session::ServerConfig config;
    config.listen_host = listen;
    config.port = port;
    config.data_dir = data_dir;
    config.max_connections = max_connections;
    config.partitions = partitions;
    hf::session::Services services(*txns, &catalog, *engine, config);
    services.registry().set_node(node_id);
    if (peer_sessions) {
      services.registry().set_peers(peer_sessions.get());
      sql_sessions.store(&services.registry());
    }
    services.set_lock_service(&lock_service);

    hf::wire::WireOptions wire_options;
    wire_options.hba = rules;
    wire_options.ssl_cert_file = ssl_cert;
    wire_options.ssl_key_file = ssl_key;
    wire_options.ssl_ca_file = ssl_ca;
    hf::wire::WireServer server(runtime, services, wire_options);
    uint16_t bound = server.listen(listen, port);
    server.start();
    lock_service.start_expiry();
    spdlog::info("holdfast listening on {}:{} ({} threads, max {} connections)", listen, bound,
                 threads, max_connections);

    // The counters a scaling measurement divides by the work done (bench/temporal_scale.sh):
    // WAL syncs against synced writes is the group-commit batch; the commit waits say how long
    // a commit waited for its fsync and for earlier commits' publication.
    std::mutex stats_mu;
    std::condition_variable stats_cv;
    bool stats_stop = false;
    std::thread stats_thread;
    if (stats_log_ms > 0) {
      hf::storage::Engine* storage = node ? &node->engine() : nullptr;
      stats_thread = std::thread([&, storage] {
        std::unique_lock g(stats_mu);
        while (!stats_cv.wait_for(g, std::chrono::milliseconds(stats_log_ms),
                                  [&] { return stats_stop; })) {
          auto& w = hf::wait_stats();
          auto v = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
          spdlog::info(
              "stats: wal_syncs={} synced_writes={} writes={} durable_us={} durable_n={} "
              "publish_us={} publish_n={} sync_us={} sync_n={} wake_us={} wake_n={} unlock_us={} "
              "unlock_n={} fsync_us={} fsync_n={} answer_us={} answer_n={} wake_slices={} "
              "wake_slices_n={}",
              storage ? storage->wal_syncs() : 0, storage ? storage->synced_writes() : 0,
              storage ? storage->writes() : 0, v(w.durable_us), v(w.durable_n), v(w.publish_us),
              v(w.publish_n), v(w.sync_us), v(w.sync_n), v(w.wake_us), v(w.wake_n), v(w.unlock_us),
              v(w.unlock_n), v(w.fsync_us), v(w.fsync_n), v(w.answer_us), v(w.answer_n),
              v(w.wake_slices), v(w.wake_slices_n));
          // Counted figures per transaction (doc/cluster.md §6, bench/cluster_counts.sh): what
          // this node's Raft replicas asked of the disk and the network, and the partition and
          // registry calls its coordinator made to other nodes (network round trips, or
          // pipelined messages, by kind).
          auto& r = hf::replication::raft_counts();
          spdlog::info(
              "stats raft: proposals={} barriers={} log_appends={} log_entries={} "
              "metadata_writes={} snapshot_writes={} sent_entries={} sent_heartbeats={} "
              "sent_results={} sent_other={}",
              v(r.proposals), v(r.barriers), v(r.log_appends), v(r.log_entries),
              v(r.metadata_writes), v(r.snapshot_writes), v(r.sent_entries), v(r.sent_heartbeats),
              v(r.sent_results), v(r.sent_other));
          std::map<std::string, uint64_t> calls;
          for (const auto& ch : peer_channels)
            for (const auto& [kind, n] : ch->call_counts()) calls[kind] += n;
          if (channel)
            for (const auto& [kind, n] : channel->call_counts()) calls[kind] += n;
          std::string line;
          for (const auto& [kind, n] : calls)
            line += (line.empty() ? "" : " ") + kind + "=" + std::to_string(n);
          spdlog::info("stats rpc: {}", line.empty() ? "none" : line);
        }
      });
    }

    boost::asio::io_context signals_io;
    boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int sig) {
          if (ec) return;
          if (sig != SIGHUP) {
            spdlog::info("received signal {}, shutting down", sig);
            return;
          }
          // As PostgreSQL: a file with errors is not used; the rules in force stay.
          if (!hba_file.empty()) {
            try {
              server.set_hba(load_rules(hba_file, listen));
              spdlog::info("received SIGHUP, reloaded {}", hba_file);
            } catch (const std::exception& e) {
              spdlog::error("{}; pg_hba.conf was not reloaded", e.what());
            }
          }
          signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);
    signals_io.run();

    if (stats_thread.joinable()) {
      {
        std::lock_guard g(stats_mu);
        stats_stop = true;
      }
      stats_cv.notify_all();
      stats_thread.join();
    }
    server.stop();
    lock_service.stop_expiry();
    for (const auto& ch : peer_channels) {
      std::string counts;
      for (const auto& [kind, n] : ch->call_counts())
        counts += (counts.empty() ? "" : ", ") + kind + " " + std::to_string(n);
      spdlog::info("partition rpc calls to {}: {}", ch->address(),
                   counts.empty() ? "none" : counts);
    }
    if (channel) {
      std::string counts;
      for (const auto& [kind, n] : channel->call_counts()) {
        counts += (counts.empty() ? "" : ", ") + kind + " " + std::to_string(n);
      }
      spdlog::info("partition rpc calls: {}", counts.empty() ? "none" : counts);
    }
    sql_sessions.store(nullptr);  // the peers' questions find no sessions from here on
    if (partition_server) partition_server->stop();
    for (const auto& r : routed_partitions)
      if (r->retries())
        spdlog::info("partition {}: {} calls retried at a new leader", r->id(), r->retries());
    raft.stop();
    runtime.stop();
    spdlog::info("holdfast stopped");
  } catch (const hf::SqlError& e) {
    spdlog::critical("{} ({})", e.error().message, e.error().sqlstate);
    return 1;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
