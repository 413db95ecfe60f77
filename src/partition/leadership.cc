// partition/leadership.cc — see leadership.h.
#include "partition/leadership.h"

#include <utility>

#include "partition/local_node.h"
#include "partition/local_partition.h"
#include "replication/replica_group.h"

namespace hf::partition {

Leadership::Leadership(LocalNode& node,
                       std::unordered_map<PartitionId, replication::ReplicaGroup*> groups,
                       std::function<Fence()> fence, std::chrono::milliseconds poll,
                       std::chrono::milliseconds election_timeout)
    : node_(node),
      groups_(std::move(groups)),
      fence_(std::move(fence)),
      poll_(poll),
      lease_(std::chrono::duration_cast<Clock::duration>(election_timeout) * 3 / 4) {}

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

uint64_t Leadership::renewals() const {
  std::lock_guard g(mu_);
  return renewals_;
}

bool Leadership::transfer(PartitionId p, uint64_t to) {
  auto it = groups_.find(p);
  if (it == groups_.end()) return false;
  replication::ReplicaGroup& group = *it->second;
  {
    std::lock_guard act(act_mu_);
    const replication::ReplicaInfo info = group.info();
    if (info.state == replication::ReplicaInfo::kLeader) handed_off_[p] = info.term;
    node_.stop_serving(static_cast<uint32_t>(p));
    std::lock_guard g(mu_);
    ++stops_;
  }
  const bool ok = group.transfer(static_cast<replication::ReplicaId>(to)).ok();
  if (!ok) {
    std::lock_guard act(act_mu_);
    handed_off_.erase(p);  // still leading: W1 may take it over again (with a new fence)
  }
  return ok;
}

void Leadership::lease_from(PartitionId p, Clock::time_point asked) {
  renewed_[p] = asked;
  node_.partition(static_cast<uint32_t>(p)).set_lease(asked + lease_);
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
  std::lock_guard act(act_mu_);
  const uint32_t index = static_cast<uint32_t>(p);
  const uint64_t serving = node_.partition(index).serving_term();
  const replication::ReplicaInfo info = group.info();
  const bool leads = info.state == replication::ReplicaInfo::kLeader;
  if (serving != 0 && (!leads || info.term != serving)) {  // W2
    node_.stop_serving(index);
    std::lock_guard g(mu_);
    ++stops_;
  }
  if (!leads) return;
  // Asked before the barrier: every AppendEntries that carries it is sent after this (W3).
  const Clock::time_point asked = Clock::now();
  auto still_leads = [&] {
    const replication::ReplicaInfo after = group.info();
    return after.state == replication::ReplicaInfo::kLeader && after.term == info.term;
  };
  if (info.term == serving) {  // W3: renew the lease
    if (lease_ == Clock::duration::zero()) return;
    auto r = renewed_.find(p);
    if (r != renewed_.end() && asked - r->second < lease_ / 3) return;
    // A failed barrier is tried again at the next poll; meanwhile the lease runs out.
    if (!group.barrier().ok() || !still_leads()) return;
    lease_from(p, asked);
    std::lock_guard g(mu_);
    ++renewals_;
    return;
  }
  if (auto h = handed_off_.find(p); h != handed_off_.end()) {  // W4
    if (h->second == info.term) return;
    handed_off_.erase(h);
  }
  // W1: everything committed before is applied here once a barrier of this term commits.
  if (!group.barrier().ok() || !still_leads()) return;
  if (lease_ != Clock::duration::zero()) lease_from(p, asked);
  const Fence f = fence_();
  node_.take_over(index, info.term, f.txn, f.ts);
  std::lock_guard g(mu_);
  ++takeovers_;
}

}  // namespace hf::partition
