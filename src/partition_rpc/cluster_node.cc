// partition_rpc/cluster_node.cc — see cluster_node.h.
#include "partition_rpc/cluster_node.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "common/error.h"
#include "partition_rpc/convert.h"
#include "partition_rpc/remote_partition.h"

namespace hf::partition_rpc {

std::vector<Peer> parse_peers(const std::string& text) {
  std::vector<Peer> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    std::string item = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    at = comma == std::string::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto colon = item.rfind(':');
    if (eq == std::string::npos || colon == std::string::npos || colon < eq) {
      throw std::runtime_error("--peers: \"" + item + "\" is not ID=HOST:PORT");
    }
    Peer p;
    try {
      unsigned long id = std::stoul(item.substr(0, eq));
      unsigned long port = std::stoul(item.substr(colon + 1));
      if (id < 1 || id > 511 || port < 1 || port > 65535) throw std::out_of_range("range");
      p.id = static_cast<uint32_t>(id);
      p.port = static_cast<uint16_t>(port);
    } catch (const std::logic_error&) {
      throw std::runtime_error("--peers: \"" + item + "\": ID must be 1-511 and PORT 1-65535");
    }
    p.host = item.substr(eq + 1, colon - eq - 1);
    for (const auto& q : out)
      if (q.id == p.id) throw std::runtime_error(fmt::format("--peers: node {} twice", p.id));
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const Peer& a, const Peer& b) { return a.id < b.id; });
  if (out.empty() || out.front().id != 1)
    throw std::runtime_error("--peers: node 1 must be listed (it hosts the transaction registry)");
  return out;
}

std::vector<uint32_t> partition_owners(uint32_t partitions, const std::vector<Peer>& peers) {
  std::vector<uint32_t> owners(partitions);
  for (uint32_t p = 0; p < partitions; ++p) owners[p] = peers[p % peers.size()].id;
  return owners;
}

std::string describe_owners(const std::vector<uint32_t>& owners) {
  std::string out;
  for (size_t p = 0; p < owners.size(); ++p)
    out += fmt::format("{}{}:node {}", p ? ", " : "", p, owners[p]);
  return out;
}

std::shared_ptr<PartitionChannel> connect_to_peer(const Peer& peer,
                                                  std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    try {
      return PartitionChannel::connect(peer.host, peer.port);
    } catch (const SqlError&) {
      if (std::chrono::steady_clock::now() >= deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void RegistryLink::set(std::shared_ptr<partition_api::TxnRegistry> registry) {
  {
    std::lock_guard g(mu_);
    registry_ = std::move(registry);
  }
  cv_.notify_all();
}

std::shared_ptr<partition_api::TxnRegistry> RegistryLink::get() {
  std::unique_lock g(mu_);
  // A plain wait even on a fiber: only the first moments of a node's life, before it reached
  // node 1, can get here, and only if another node calls this node's partitions that early.
  if (!cv_.wait_for(g, wait_, [&] { return registry_ != nullptr; })) {
    throw SqlError("08006", "this node has not reached the transaction registry (node 1) yet");
  }
  return registry_;
}

partition_api::TxnStatus RegistryLink::status(partition_api::TxnId txn) {
  return get()->status(txn);
}

void RegistryLink::read_skipped_intent(partition_api::TxnId reader, partition_api::TxnId writer) {
  get()->ssi_read_skipped(reader, writer, 0);
}

void RegistryLink::read_skipped_commit(partition_api::TxnId reader, partition_api::Timestamp ts) {
  get()->ssi_read_skipped(reader, 0, ts);
}

partition_api::TxnStatus RegistryLink::decide(partition_api::TxnId txn) {
  return get()->decide(txn);
}

partition_api::Timestamp RegistryLink::horizon() {
  std::shared_ptr<partition_api::TxnRegistry> r;
  {
    std::lock_guard g(mu_);
    auto now = std::chrono::steady_clock::now();
    if (!registry_ || now - horizon_at_ < std::chrono::milliseconds(20)) return horizon_;
    r = registry_;
    horizon_at_ = now;  // one asker at a time; the others use the cached one meanwhile
  }
  partition_api::Timestamp h = 0;
  try {
    h = r->oldest_snapshot();
  } catch (const SqlError&) {
    return 0;  // the registry is gone: collect nothing
  }
  std::lock_guard g(mu_);
  horizon_ = std::max(horizon_, h);
  return horizon_;
}

std::vector<activity::SessionInfo> ClusterSessions::sessions() {
  std::vector<PeerQuestion> questions(peers_.size());
  for (size_t i = 0; i < peers_.size(); ++i) {
    questions[i].channel = peers_[i].channel.get();
    questions[i].request.mutable_node_sessions();
  }
  std::vector<activity::SessionInfo> out;
  // A peer gone or without an answer by then (a stopped node): left out of this answer (V1).
  for (const auto& r : ask_at_once(std::move(questions), runtime::Clock::now() + wait_)) {
    if (!r || !r->has_sessions()) continue;
    for (const auto& s : r->sessions().sessions()) out.push_back(from_pb(s));
  }
  return out;
}

std::vector<std::optional<partition_api::NodeWaits>> ClusterWaits::gather(
    runtime::Deadline deadline, const std::vector<bool>& ask) {
  std::vector<PeerQuestion> questions(peers_.size());
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (!ask.empty() && (i >= ask.size() || !ask[i])) continue;
    questions[i].channel = peers_[i].channel.get();
    questions[i].request.set_partition(peers_[i].partition->id());
    questions[i].request.mutable_node_waits();
  }
  std::vector<std::optional<partition_api::NodeWaits>> out(peers_.size());
  auto answers = ask_at_once(std::move(questions), deadline);
  for (size_t i = 0; i < answers.size(); ++i)
    if (answers[i] && answers[i]->has_node_waits()) out[i] = from_pb(answers[i]->node_waits());
  return out;
}

void ClusterWaits::reorder(size_t peer, const partition_api::WaitOrder& order) {
  try {
    peers_.at(peer).partition->reorder_waits(order);
  } catch (const SqlError&) {
    // The peer is gone: it keeps its queues (their waits end with its connections).
  }
}

bool ClusterSessions::signal(int32_t pid, runtime::CancelToken::Kind kind) {
  uint32_t node = activity::SessionRegistry::node_of(pid);
  for (const auto& peer : peers_) {
    if (peer.id != node) continue;
    pb::Request q;
    auto* m = q.mutable_signal_backend();
    m->set_pid(pid);
    m->set_kind(kind);
    try {
      auto r = peer.channel->call_within(std::move(q), wait_);
      return r && r->has_flag() && r->flag().value();
    } catch (const SqlError&) {
      return false;  // the node is gone: no such process any more
    }
  }
  return false;
}

}  // namespace hf::partition_rpc
