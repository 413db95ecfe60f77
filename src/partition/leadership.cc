// partition/leadership.cc — see leadership.h.
#include "partition/leadership.h"

#include <utility>

#include "partition/local_node.h"
#include "partition/local_partition.h"
#include "replication/replica_group.h"

namespace hf::partition {

Leadership::Leadership(LocalNode& node,
                       std::unordered_map<PartitionId, replication::ReplicaGroup*> groups,
                       std::function<Fence()> fence, std::chrono::milliseconds poll)
    : node_(node), groups_(std::move(groups)), fence_(std::move(fence)), poll_(poll) {}

Leadership::~Leadership() {
  stop();
}

void Leadership::start() {
  std::lock_guard g(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Leadership::stop() {
  {
    std::lock_guard g(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t Leadership::takeovers() const {
  std::lock_guard g(mu_);
  return takeovers_;
}

uint64_t Leadership::stops() const {
  std::lock_guard g(mu_);
  return stops_;
}

void Leadership::run() {
  for (;;) {
    for (const auto& [p, group] : groups_) {
      {
        std::lock_guard g(mu_);
        if (stopping_) return;
      }
      check(p, *group);
    }
    std::unique_lock g(mu_);
    if (cv_.wait_for(g, poll_, [this] { return stopping_; })) return;
  }
}

void Leadership::check(PartitionId p, replication::ReplicaGroup& group) {
  const uint32_t index = static_cast<uint32_t>(p);
  const uint64_t serving = node_.partition(index).serving_term();
  const replication::ReplicaInfo info = group.info();
  const bool leads = info.state == replication::ReplicaInfo::kLeader;
  if (serving != 0 && (!leads || info.term != serving)) {  // W2
    node_.stop_serving(index);
    std::lock_guard g(mu_);
    ++stops_;
  }
  if (!leads || info.term == serving) return;
  // W1: everything committed before is applied here once a barrier of this term commits.
  if (!group.barrier().ok()) return;
  const replication::ReplicaInfo after = group.info();
  if (after.state != replication::ReplicaInfo::kLeader || after.term != info.term) return;
  const Fence f = fence_();
  node_.take_over(index, info.term, f.txn, f.ts);
  std::lock_guard g(mu_);
  ++takeovers_;
}

}  // namespace hf::partition
